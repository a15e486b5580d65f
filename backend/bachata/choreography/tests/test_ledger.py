"""The ledger against PostgreSQL: what support staff, the legacy app and the job observe."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from bachata.choreography.ledger.append import stored_event, task_event_append, task_history_start
from bachata.choreography.ledger.errors import (
    CancelRequested,
    IdempotencyConflict,
    IllegalTransition,
    StaleAttempt,
    TaskNotFound,
)
from bachata.choreography.ledger.projection import fold
from bachata.choreography.models import ChoreographyTask, TaskEvent
from bachata.choreography.services import (
    task_cancel,
    task_create,
    task_mark_timed_out,
    task_projection_rebuild,
    task_retry,
    tasks_reap,
)

from .untracked import trigger_bypassed

pytestmark = pytest.mark.django_db


def events_of(task_id):
    return list(TaskEvent.objects.filter(task_id=task_id).order_by("seq").values_list("seq", "type", "actor"))


def columns_of(task_id):
    return ChoreographyTask.objects.values(
        "status", "progress", "stage", "message", "result", "error", "job_execution_name", "updated_at"
    ).get(pk=task_id)


def running_task(user):
    task = task_history_start(user=user, parameters={"audio_input": "songs/x.mp3", "difficulty": "beginner"})
    task_event_append(task.pk, "attempt_started", actor="job", execution="exec-1")
    return task


def legacy_task(user, **columns):
    """A row exactly as the legacy app wrote it before the ledger existed: no events."""
    values = {
        "status": "running",
        "progress": 40,
        "stage": "selecting",
        "message": "Selecting dance moves...",
    }
    values.update(columns)
    with trigger_bypassed():
        return ChoreographyTask.objects.create(user=user, **values)


def test_created_task_reads_like_a_legacy_new_task(user):
    task = task_history_start(user=user, parameters={"difficulty": "beginner"})
    row = ChoreographyTask.objects.get(pk=task.pk)
    assert (row.status, row.progress, row.stage, row.message) == (
        "started",
        0,
        "initializing",
        "Starting choreography generation...",
    )
    assert len(task.task_id) == 36
    assert events_of(task.pk) == [(1, "created", "api")]


def test_repeated_idempotency_key_returns_the_stored_event_and_writes_nothing(user):
    task = running_task(user)
    first = task_event_append(
        task.pk,
        "progress",
        {"stage": "analyzing", "percent": 25},
        actor="job",
        idempotency_key="analysis-start",
    )
    before = (events_of(task.pk), columns_of(task.pk))
    again = task_event_append(
        task.pk,
        "progress",
        {"stage": "analyzing", "percent": 25},
        actor="job",
        idempotency_key="analysis-start",
    )
    assert again.id == first.id
    assert (events_of(task.pk), columns_of(task.pk)) == before
    with pytest.raises(IdempotencyConflict):
        task_event_append(task.pk, "completed", {"result": {}}, actor="job", idempotency_key="analysis-start")
    assert (events_of(task.pk), columns_of(task.pk)) == before


def test_illegal_transition_writes_nothing(user):
    task = running_task(user)
    task_event_append(
        task.pk, "completed", {"result": {"video_path": "choreographies/2026/11/a.mp4"}}, actor="job"
    )
    before = (events_of(task.pk), columns_of(task.pk))
    with pytest.raises(IllegalTransition, match="already completed"):
        task_event_append(task.pk, "progress", {"stage": "analyzing", "percent": 50}, actor="job")
    with pytest.raises(IllegalTransition):
        task_retry(task_id=task.pk, actor="api")
    assert (events_of(task.pk), columns_of(task.pk)) == before


def test_events_of_a_superseded_attempt_are_refused(
    user, recording_launcher, django_capture_on_commit_callbacks
):
    task = running_task(user)
    task_event_append(
        task.pk,
        "failed",
        {"error": "Video generation failed: disk full", "retryable": True},
        actor="job",
        attempt=1,
    )
    with django_capture_on_commit_callbacks(execute=True):
        task_retry(task_id=task.pk, actor="api")
    started = task_event_append(task.pk, "attempt_started", actor="job")
    assert started.attempt == 2
    before = columns_of(task.pk)
    with pytest.raises(StaleAttempt):
        task_event_append(task.pk, "progress", {"stage": "generating", "percent": 80}, actor="job", attempt=1)
    assert columns_of(task.pk) == before


def test_unknown_task_is_a_clear_error(db):
    with pytest.raises(TaskNotFound, match="does not exist"):
        task_event_append("00000000-0000-0000-0000-000000000000", "cancel_requested", actor="api")


def test_a_legacy_task_is_adopted_before_its_first_ledger_event(user):
    task = legacy_task(user)
    task_event_append(task.pk, "timed_out", {"minutes": 15}, actor="system")
    rows = list(TaskEvent.objects.filter(task_id=task.pk).order_by("seq"))
    assert [(r.seq, r.type) for r in rows] == [(1, "adopted"), (2, "timed_out")]
    assert rows[0].payload["columns"]["stage"] == "selecting"
    assert rows[0].payload["reason"] == "first_touch"
    row = ChoreographyTask.objects.get(pk=task.pk)
    assert (row.status, row.stage, row.error) == (
        "failed",
        "failed",
        "Task timed out: no progress for 15 minutes",
    )
    assert fold(stored_event(r) for r in rows).columns()["error"] == row.error


def test_a_write_by_the_legacy_app_is_adopted_so_history_explains_it(
    user, recording_launcher, django_capture_on_commit_callbacks
):
    task = running_task(user)
    with (
        trigger_bypassed()
    ):  # the safety net: a write the trigger did not see (test_outside_writes.py: it does)
        ChoreographyTask.objects.filter(pk=task.pk).update(
            status="failed",
            progress=0,
            stage="failed",
            error="Task stuck for more than 5 minutes - likely container restart",
            updated_at=timezone.now(),
        )
    with django_capture_on_commit_callbacks(execute=True):
        task_retry(task_id=task.pk, actor="api")
    assert [t for _, t, _ in events_of(task.pk)] == [
        "created",
        "attempt_started",
        "adopted",
        "retry_requested",
        "launched",
    ]
    rows = TaskEvent.objects.filter(task_id=task.pk).order_by("seq")
    assert fold(stored_event(r) for r in rows).columns()["status"] == "started"
    assert recording_launcher.launched == [task.pk]


def test_cancelling_a_task_no_job_has_started_cancels_it_at_once(
    user, recording_launcher, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        task = task_create(user=user, parameters={"audio_input": "songs/a.mp3"})
    with django_capture_on_commit_callbacks(execute=True):
        task_cancel(task_id=task.pk, actor="api")
    row = ChoreographyTask.objects.get(pk=task.pk)
    # The legacy app reads a cancelled task as failed with this error.
    assert (row.status, row.stage, row.error) == ("failed", "cancelled", "Cancelled by user")
    assert recording_launcher.cancelled == [(task.pk, f"test-execution-{task.pk[:8]}")]
    # A job that starts late is told the task is over.
    with pytest.raises(IllegalTransition):
        task_event_append(task.pk, "attempt_started", actor="job")


def test_cancelling_a_running_task_makes_the_job_stop_and_record_it(
    user, recording_launcher, django_capture_on_commit_callbacks
):
    task = running_task(user)
    with django_capture_on_commit_callbacks(execute=True):
        task_cancel(task_id=task.pk, actor="api")
    assert ChoreographyTask.objects.get(pk=task.pk).stage == "cancelling"
    with pytest.raises(CancelRequested):
        task_event_append(task.pk, "progress", {"stage": "generating", "percent": 75}, actor="job")
    task_event_append(task.pk, "cancelled", actor="job")
    assert ChoreographyTask.objects.get(pk=task.pk).error == "Cancelled by user"
    with pytest.raises(IllegalTransition, match="cannot be cancelled"):
        task_cancel(task_id=task.pk, actor="api")


def test_a_launch_that_fails_becomes_a_failed_task_with_a_readable_error(
    user, settings, django_capture_on_commit_callbacks
):
    settings.JOB_LAUNCHER = "bachata.choreography.tests.launchers.UnavailableLauncher"
    with django_capture_on_commit_callbacks(execute=True):
        task = task_create(user=user, parameters={"audio_input": "songs/a.mp3"})
    row = ChoreographyTask.objects.get(pk=task.pk)
    assert row.status == "failed"
    assert row.error == "Could not start the video job: the job runner is unreachable"


def test_the_job_is_launched_only_after_the_creating_transaction_commits(
    user, recording_launcher, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        task = task_create(user=user, parameters={})
        assert recording_launcher.launched == []
    assert len(callbacks) == 1
    callbacks[0]()
    assert recording_launcher.launched == [task.pk]
    assert ChoreographyTask.objects.get(pk=task.pk).job_execution_name == f"test-execution-{task.pk[:8]}"


def test_reaper_times_out_only_silent_unfinished_tasks(user, recording_launcher):
    silent = running_task(user)
    fresh = running_task(user)
    done = running_task(user)
    task_event_append(done.pk, "completed", {"result": {}}, actor="job")
    stuck_legacy = legacy_task(user, status="started", stage="initializing", progress=0)
    long_ago = timezone.now() - timedelta(minutes=30)
    ChoreographyTask.objects.filter(pk__in=[silent.pk, done.pk, stuck_legacy.pk]).update(updated_at=long_ago)

    reaped = tasks_reap(timeout_seconds=15 * 60)

    assert sorted(reaped) == sorted([silent.pk, stuck_legacy.pk])
    for task_id in reaped:
        row = ChoreographyTask.objects.get(pk=task_id)
        assert row.status == "failed"
        assert row.error.startswith("Task timed out: no progress for 15 minutes (it stopped at: ")
    # the reason keeps where the task stopped: the last thing its job said
    assert ChoreographyTask.objects.get(pk=stuck_legacy.pk).error == (
        "Task timed out: no progress for 15 minutes (it stopped at: Selecting dance moves)"
    )
    assert ChoreographyTask.objects.get(pk=fresh.pk).status == "running"
    assert ChoreographyTask.objects.get(pk=done.pk).status == "completed"
    assert tasks_reap(timeout_seconds=15 * 60) == []


def test_ledger_reap_command_reports_what_it_did(user):
    task = running_task(user)
    ChoreographyTask.objects.filter(pk=task.pk).update(updated_at=timezone.now() - timedelta(hours=1))
    out = StringIO()
    call_command("ledger_reap", "--timeout", "600", stdout=out)
    assert f"timed out {task.pk}" in out.getvalue()
    assert ChoreographyTask.objects.get(pk=task.pk).error.startswith(
        "Task timed out: no progress for 10 minutes"
    )


def test_verify_reports_drift_and_rebuild_repairs_it(user):
    task = running_task(user)
    task_event_append(task.pk, "progress", {"stage": "generating", "percent": 70}, actor="job")
    out = StringIO()
    call_command("ledger_verify", stdout=out)
    assert "No drift" in out.getvalue()

    with trigger_bypassed():  # a hand edit with triggers off (a restore, a replica-role session)
        ChoreographyTask.objects.filter(pk=task.pk).update(progress=5, stage="downloading")
    out = StringIO()
    with pytest.raises(CommandError):
        call_command("ledger_verify", "--fail-on-drift", stdout=out)
    assert f"{task.pk}: progress stored=5 events=70" in out.getvalue()

    out = StringIO()
    call_command("ledger_rebuild", task.pk, stdout=out)
    assert "progress 5 -> 70" in out.getvalue()
    row = ChoreographyTask.objects.get(pk=task.pk)
    assert (row.progress, row.stage) == (70, "generating")
    assert task_projection_rebuild(task_id=task.pk).changed == {}


def test_rebuild_of_a_task_without_history_explains_why_not(user):
    task = legacy_task(user)
    with pytest.raises(CommandError, match="no events"):
        call_command("ledger_rebuild", task.pk, stdout=StringIO())


def test_mark_timed_out_by_support(user, recording_launcher, django_capture_on_commit_callbacks):
    task = running_task(user)
    with django_capture_on_commit_callbacks(execute=True):
        task_mark_timed_out(task_id=task.pk, actor="admin", minutes=20)
    assert events_of(task.pk)[-1] == (3, "timed_out", "admin")
    assert ChoreographyTask.objects.get(pk=task.pk).error == "Task timed out: no progress for 20 minutes"
    assert recording_launcher.cancelled == [(task.pk, "exec-1")]
