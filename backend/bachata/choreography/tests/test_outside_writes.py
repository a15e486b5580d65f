"""Writes to choreography_tasks that the ledger did not make, as the legacy app makes them (issue 8).

The legacy app runs on its own connection (tests/legacy_app.py) and commits; the trigger of migration 0007
records each of its writes in the task's history as it happens. Afterwards: fold(events) == columns,
`ledger_verify` finds no drift, a completed task is still completed, a task the ledger runs is moved only by
the ledger.
"""

import threading
import uuid
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from bachata.choreography.ledger.append import stored_event, task_event_append, task_history_start
from bachata.choreography.ledger.projection import PROJECTED_COLUMNS, fold
from bachata.choreography.models import ChoreographyTask, TaskEvent
from bachata.choreography.selectors import ledger_drift
from bachata.choreography.services import tasks_reap

from .legacy_app import STUCK_ERROR, LegacyApp

pytestmark = pytest.mark.django_db(transaction=True)
RESULT = {"video_path": "choreographies/2026/12/x.mp4", "video_filename": "x.mp4", "auto_saved": False}


@pytest.fixture
def legacy():
    with LegacyApp() as app:
        yield app


def history(task_id):
    return list(TaskEvent.objects.filter(task_id=task_id).order_by("seq"))


def assert_history_explains_the_columns(task_id):
    rows = history(task_id)
    assert [r.seq for r in rows] == list(range(1, len(rows) + 1))
    row = ChoreographyTask.objects.values(*PROJECTED_COLUMNS).get(pk=task_id)
    assert fold(stored_event(r) for r in rows).columns() == row
    assert [d for d in ledger_drift() if d.task_id == task_id] == []


def running_task(user, *, minutes_old=0):
    task = task_history_start(user=user, parameters={"audio_input": "songs/x.mp3"})
    task_event_append(task.pk, "attempt_started", actor="job", execution="exec-1")
    task_event_append(task.pk, "progress", {"stage": "analyzing", "percent": 25}, actor="job")
    if minutes_old:  # created_at is not projected: the trigger lets it through unrecorded
        ChoreographyTask.objects.filter(pk=task.pk).update(
            created_at=timezone.now() - timedelta(minutes=minutes_old)
        )
    return task.pk


def test_a_legacy_generation_is_recorded_write_by_write_and_behaves_as_before(user, legacy):
    task = legacy.create(str(uuid.uuid4()), user.pk)
    for status, progress, stage, message in [
        ("running", 10, "downloading", "Downloading audio..."),
        ("running", 25, "analyzing", "Analyzing music features..."),
        ("completed", 100, "completed", "Choreography generated successfully!"),
    ]:
        task = legacy.save(task.but(status=status, progress=progress, stage=stage, message=message))
    task = legacy.save(task.but(result=RESULT))

    row = ChoreographyTask.objects.get(pk=task.task_id)
    assert (row.status, row.progress, row.result) == ("completed", 100, RESULT)  # what the legacy app wrote
    rows = history(task.task_id)
    assert [(r.type, r.actor, r.payload["reason"]) for r in rows] == [
        ("adopted", "outside", "outside_insert"),
        *[("adopted", "outside", "outside_write")] * 4,
    ]
    assert_history_explains_the_columns(task.task_id)


def test_a_stale_legacy_save_cannot_undo_a_completed_task(user, legacy):
    task_id = running_task(user)
    read_while_running = legacy.get(task_id)
    task_event_append(task_id, "completed", {"result": RESULT}, actor="job")

    legacy.save(read_while_running)  # before: back to "running", then timed out by the reaper

    row = ChoreographyTask.objects.get(pk=task_id)
    assert (row.status, row.progress, row.result) == ("completed", 100, RESULT)
    refused = history(task_id)[-1]
    assert (refused.type, refused.actor, refused.payload["reason"]) == (
        "outside_write_refused",
        "outside",
        "completed",
    )
    assert refused.payload["attempted"]["status"] == "running"
    assert tasks_reap(timeout_seconds=0) == []
    assert_history_explains_the_columns(task_id)


def test_a_legacy_task_once_completed_stays_completed(user, legacy):
    task = legacy.create(str(uuid.uuid4()), user.pk)
    stale = legacy.save(task.but(status="running", progress=40, stage="selecting"))
    legacy.save(stale.but(status="completed", progress=100, stage="completed", result=RESULT))
    legacy.save(stale)  # the row it read before completing, saved again
    assert ChoreographyTask.objects.get(pk=task.task_id).status == "completed"
    assert history(task.task_id)[-1].type == "outside_write_refused"
    assert_history_explains_the_columns(task.task_id)


def test_the_legacy_stuck_cleanup_leaves_a_live_ledger_task_to_its_job(user, legacy):
    live = running_task(user, minutes_old=6)
    own = legacy.create(str(uuid.uuid4()), user.pk)
    own = legacy.save(own.but(status="running", progress=10, stage="downloading"))
    ChoreographyTask.objects.filter(pk=own.task_id).update(created_at=timezone.now() - timedelta(minutes=6))

    assert sorted(legacy.fail_stuck_tasks()) == sorted([live, own.task_id])  # it believes it failed both

    # Its own task failed as it always did; ours is still the job's, and the attempt is in its history.
    assert ChoreographyTask.objects.get(pk=own.task_id).error == STUCK_ERROR
    row = ChoreographyTask.objects.get(pk=live)
    assert (row.status, row.stage, row.error) == ("running", "analyzing", None)
    refused = history(live)[-1]
    assert (refused.type, refused.payload["reason"]) == ("outside_write_refused", "ledger_task")
    assert refused.payload["attempted"]["error"] == STUCK_ERROR
    # The job reports on and finishes (its appends take the locked path past the recorded write).
    task_event_append(live, "progress", {"stage": "generating", "percent": 70}, actor="job")
    task_event_append(live, "completed", {"result": RESULT}, actor="job")
    assert ChoreographyTask.objects.get(pk=live).status == "completed"
    for task_id in (live, own.task_id):
        assert_history_explains_the_columns(task_id)
    out = StringIO()
    call_command("ledger_verify", "--fail-on-drift", stdout=out)
    assert "No drift" in out.getvalue()


def test_a_legacy_save_of_a_deleted_task_brings_it_back_with_a_history(user, legacy):
    task_id = running_task(user)
    read = legacy.get(task_id)
    legacy.delete_task(task_id)
    legacy.save(read)  # Django's save() inserts when its UPDATE matched nothing
    assert [(r.type, r.payload["reason"]) for r in history(task_id)] == [("adopted", "outside_insert")]
    assert_history_explains_the_columns(task_id)


def test_the_ledger_and_the_legacy_app_writing_one_task_at_once(user, legacy):
    """The job reports progress while the legacy app saves rows it read and runs its stuck cleanup."""
    task_id = running_task(user, minutes_old=10)
    stop, errors, legacy_writes = threading.Event(), [], [0]

    def legacy_writer():
        try:
            with LegacyApp() as other:
                while not stop.is_set():
                    read = other.get(task_id)
                    other.fail_stuck_tasks()
                    other.save(read.but(progress=max(0, read.progress - 5), message="stale"))
                    legacy_writes[0] += 2
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    thread = threading.Thread(target=legacy_writer)
    thread.start()
    try:
        for percent in range(26, 90):
            task_event_append(task_id, "progress", {"stage": "generating", "percent": percent}, actor="job")
        task_event_append(task_id, "completed", {"result": RESULT}, actor="job")
    finally:
        stop.set()
        thread.join()
        connection.close()
    assert errors == []
    row = ChoreographyTask.objects.get(pk=task_id)
    assert (row.status, row.progress, row.result) == ("completed", 100, RESULT)
    rows = history(task_id)
    refused = [r for r in rows if r.type == "outside_write_refused"]
    assert refused and all(r.actor == "outside" for r in refused)
    assert len([r for r in rows if r.type == "progress"]) == 65  # every report of the job recorded
    assert_history_explains_the_columns(task_id)


def test_a_write_the_trigger_did_not_see_stays_in_the_history_when_the_next_event_is_refused(user):
    from bachata.choreography.ledger.errors import IllegalTransition

    from .untracked import trigger_bypassed

    task_id = running_task(user)
    with trigger_bypassed():  # e.g. a restore or a replica-role session: no trigger ran
        ChoreographyTask.objects.filter(pk=task_id).update(status="failed", stage="failed", error=STUCK_ERROR)
    with pytest.raises(IllegalTransition):
        task_event_append(task_id, "progress", {"stage": "generating", "percent": 70}, actor="job")
    last = history(task_id)[-1]  # before: rolled back with the refused event, and the drift stayed
    assert (last.type, last.payload["reason"], last.payload["columns"]["error"]) == (
        "adopted",
        "external_change",
        STUCK_ERROR,
    )
    assert_history_explains_the_columns(task_id)
