"""The real job while the legacy app writes the same task, as it does during the parallel run (issue 8).

The legacy app runs on its own connection (bachata/choreography/tests/legacy_app.py), in a thread beside the
job: its 5-minute stuck cleanup and its stale saves of rows it read, over and over, or its cancel (a delete).
"""

import os
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from bachata.choreography.ledger.append import stored_event
from bachata.choreography.ledger.projection import PROJECTED_COLUMNS, fold
from bachata.choreography.models import ChoreographyTask, TaskEvent
from bachata.choreography.tests.legacy_app import LegacyApp, legacy_find_video
from bachata.collections.models import SavedChoreography
from bachata.storage import get_storage
from django.conf import settings
from django.db import connection
from django.utils import timezone
from test_job import config_for, job_settings, new_task  # noqa: F401 (job_settings: the fixture)
from videojob.job import run_job

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("job_settings")]


def legacy_beside(action, until: threading.Event, errors: list):
    def loop():
        try:
            with LegacyApp() as legacy:
                while not until.is_set():
                    action(legacy)
                    time.sleep(0.02)
        except BaseException as exc:  # surfaced by the test
            errors.append(exc)

    thread = threading.Thread(target=loop)
    thread.start()
    return thread


def test_the_job_finishes_through_the_legacy_stuck_cleanup_and_stale_saves(user):
    task = new_task(user)
    ChoreographyTask.objects.filter(pk=task.pk).update(created_at=timezone.now() - timedelta(minutes=6))
    reads = []

    def legacy_app(legacy):
        reads.append(legacy.get(task.pk))
        legacy.fail_stuck_tasks()  # before every legacy generation
        legacy.save(reads[max(0, len(reads) - 5)])  # a row it read a while ago, written back without a lock

    done, errors = threading.Event(), []
    thread = legacy_beside(legacy_app, done, errors)
    try:
        assert run_job(config_for(task)) == 0
    finally:
        done.set()
        thread.join()
    assert errors == []
    with LegacyApp() as legacy:  # and once more after the job's `completed`
        legacy.fail_stuck_tasks()
        legacy.save(reads[0])

    row = ChoreographyTask.objects.get(pk=task.pk)
    assert (row.status, row.progress, row.error) == ("completed", 100, None)
    assert get_storage().exists(row.result["video_path"])
    # The legacy result card and collection pages play it: its lookup finds the same bytes, not a copy.
    found = legacy_find_video(settings.MEDIA_ROOT, row.result["video_filename"], user.pk)
    saved = SavedChoreography.objects.get(pk=row.result["saved_choreography_id"])
    assert found == legacy_find_video(settings.MEDIA_ROOT, Path(saved.video_path.name).name, user.pk)
    assert found and os.path.samefile(found, get_storage().local_path(row.result["video_path"]))
    assert oct(os.stat(found).st_mode & 0o777) == oct(0o644)
    assert "metadata_path" in row.result
    rows = list(TaskEvent.objects.filter(task_id=task.pk).order_by("seq"))
    types = [r.type for r in rows]
    assert types.count("completed") == 1 and "failed" not in types
    refused = [r for r in rows if r.type == "outside_write_refused"]
    assert len(refused) >= 2 and {r.actor for r in refused} == {"outside"}
    assert any(r.payload["attempted"]["status"] == "failed" for r in refused)  # the stuck cleanup, recorded
    assert fold(stored_event(r) for r in rows).columns() == {
        name: getattr(row, name) for name in PROJECTED_COLUMNS
    }
    connection.close()


def test_the_legacy_cancel_deletes_a_running_task_and_the_job_stops_cleanly(user):
    task = new_task(user)
    deleted = threading.Event()

    def legacy_cancel(legacy):
        row = legacy.get(task.pk)
        if row is not None and row.status == "running" and row.progress >= 25:
            legacy.delete_task(task.pk)  # "Task removed from tracking"
            deleted.set()

    errors = []
    thread = legacy_beside(legacy_cancel, deleted, errors)
    try:
        assert run_job(config_for(task)) == 0  # before: TaskNotFound escaped the job
    finally:
        deleted.set()
        thread.join()
    assert errors == []
    assert not ChoreographyTask.objects.filter(pk=task.pk).exists()
    assert not TaskEvent.objects.filter(task_id=task.pk).exists()
    assert not [k for k in get_storage().list_keys() if task.pk in k]  # nor its legacy alias
    connection.close()


def test_a_failed_tasks_error_names_no_server_path(user):
    get_storage().save("songs/notes.mp3", b"not audio at all" * 100, "audio/mpeg")
    task = new_task(user, audio_input="songs/notes.mp3")
    assert run_job(config_for(task, audio_input="songs/notes.mp3")) == 0
    row = ChoreographyTask.objects.get(pk=task.pk)
    assert row.status == "failed" and row.error.startswith("Music analysis failed:")
    media_root = str(Path(settings.MEDIA_ROOT).resolve())
    assert media_root not in row.error and str(settings.MEDIA_ROOT) not in row.error
    assert (
        row.error == "Music analysis failed: the file is not audio we can read"
    )  # readable, nothing internal
    assert row.error.count("/") == 0, row.error
