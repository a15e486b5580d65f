"""The legacy app deletes tasks and users with its own ORM, which does not know our tables (issue 8).

Each test makes rows through the new system (events, tokens, uploads), then deletes exactly as the legacy
app does, on its own connection, committing: no error, and what pointed at the deleted rows went with them.
"""

import uuid
from datetime import timedelta

import pytest
from django.apps import apps
from django.db import connection, models
from django.utils import timezone
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken

from bachata.choreography.ledger.append import task_event_append, task_history_start
from bachata.choreography.models import ChoreographyTask, TaskEvent
from bachata.songs.models import SongUpload
from migrations_legacy.builder import legacy_columns

from .legacy_app import LegacyApp

pytestmark = pytest.mark.django_db(
    transaction=True
)  # the legacy connection commits; deferred keys are checked

LEGACY_TABLES = frozenset(legacy_columns())
ON_DELETE_CODES = {models.CASCADE: "c", models.SET_NULL: "n", models.PROTECT: "a", models.DO_NOTHING: "a"}


@pytest.fixture
def legacy():
    with LegacyApp() as app:
        yield app


def new_task_with_history(user) -> str:
    task = task_history_start(user=user, parameters={"audio_input": "songs/x.mp3"})
    task_event_append(task.pk, "attempt_started", actor="job", execution="exec-1")
    task_event_append(task.pk, "progress", {"stage": "analyzing", "percent": 25}, actor="job")
    return task.pk


def test_every_key_from_a_new_table_to_a_legacy_row_deletes_in_the_database_as_its_model_says():
    fields = {}
    for model in apps.get_models(include_auto_created=True):
        for field in model._meta.concrete_fields:
            if field.is_relation and field.many_to_one:
                fields[(model._meta.db_table, field.column)] = field
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.conrelid::regclass::text, a.attname, c.confrelid::regclass::text, c.confdeltype,
                   c.condeferrable, c.condeferred
            FROM pg_constraint c JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
            WHERE c.contype = 'f'
            """
        )
        keys = cursor.fetchall()
    checked = []
    for table, column, referenced, action, deferrable, deferred in keys:
        if table in LEGACY_TABLES or referenced not in LEGACY_TABLES:
            continue  # legacy-to-legacy keys stay exactly as the legacy DDL has them
        field = fields[(table, column)]
        expected = ON_DELETE_CODES.get(field.remote_field.on_delete)
        assert action == expected, (
            f"{table}.{column} -> {referenced}: ON DELETE {action!r}, model says {expected!r}"
        )
        assert deferrable and deferred, f"{table}.{column} must stay DEFERRABLE INITIALLY DEFERRED"
        checked.append(table)
    assert {"task_events", "song_uploads", "token_blacklist_outstandingtoken"} <= set(checked)


def test_the_legacy_cancel_deletes_a_task_that_has_a_history(user, legacy):
    task_id = new_task_with_history(user)
    assert legacy.delete_task(task_id) == 1  # before: 0 rows and "Task removed from tracking" anyway
    assert not ChoreographyTask.objects.filter(pk=task_id).exists()
    assert not TaskEvent.objects.filter(task_id=task_id).exists()


def test_the_legacy_hourly_purge_deletes_old_tasks_with_histories_and_keeps_recent_ones(user, legacy):
    old_new, recent = new_task_with_history(user), new_task_with_history(user)
    old_legacy = legacy.create(str(uuid.uuid4()), user.pk).task_id
    hours_ago = timezone.now() - timedelta(hours=2)
    ChoreographyTask.objects.filter(pk__in=[old_new, old_legacy]).update(created_at=hours_ago)

    assert legacy.purge_older_than_an_hour() == 2
    assert set(ChoreographyTask.objects.values_list("pk", flat=True)) == {recent}
    assert set(TaskEvent.objects.values_list("task_id", flat=True)) == {recent}


def test_the_legacy_admin_deletes_a_user_who_used_the_new_api(make_user, legacy):
    from bachata.collections.models import SavedChoreography

    gone, stays = make_user(), make_user()
    for someone in (gone, stays):
        RefreshToken.for_user(someone)  # login through the API: an outstanding token row
        new_task_with_history(someone)
        SongUpload.objects.create(
            user=someone,
            storage_key=f"uploads/{someone.pk}/{uuid.uuid4()}.mp3",
            title="Mine",
            original_filename="mine.mp3",
            content_type="audio/mpeg",
            size_bytes=10,
            duration=1.0,
        )
        SavedChoreography.objects.create(
            user=someone, title="Saved", video_path="choreographies/2026/12/x.mp4", difficulty="beginner",
            duration=30.0,
        )  # fmt: skip
    token = OutstandingToken.objects.get(user=gone)

    legacy.admin_delete_user(gone.pk)  # before: a foreign key violation at commit (the admin's 500)

    assert not type(gone).objects.filter(pk=gone.pk).exists()
    assert not SongUpload.objects.filter(user_id=gone.pk).exists()
    assert not TaskEvent.objects.filter(task__user_id=gone.pk).exists()
    token.refresh_from_db()
    assert token.user_id is None  # simplejwt's own on_delete: the token row stays, no longer anyone's
    # The other account is untouched.
    assert SongUpload.objects.filter(user=stays).count() == 1
    assert TaskEvent.objects.filter(task__user=stays).count() == 3
    assert OutstandingToken.objects.filter(user=stays).count() == 1
