"""Eight writers on separate connections appending to one task at once."""

import threading

import pytest
from django.db import connection

from bachata.choreography.ledger.append import stored_event, task_event_append, task_history_start
from bachata.choreography.ledger.projection import fold
from bachata.choreography.models import ChoreographyTask, TaskEvent

from .untracked import trigger_bypassed

WRITERS = 8
EVENTS_PER_WRITER = 25


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_leave_a_gapless_consistent_history(user):
    task = task_history_start(user=user, parameters={})
    task_event_append(task.pk, "attempt_started", actor="job")
    barrier = threading.Barrier(WRITERS)
    errors: list[BaseException] = []
    sent: list[int] = []

    def writer(index: int) -> None:
        try:
            barrier.wait()
            for n in range(EVENTS_PER_WRITER):
                percent = (index * 7 + n * 3) % 100
                sent.append(percent)
                task_event_append(
                    task.pk,
                    "progress",
                    {"stage": "generating", "percent": percent, "message": f"w{index}-{n}"},
                    actor="job",
                    idempotency_key=f"w{index}-{n}",
                )
        except BaseException as exc:  # surfaced below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    rows = list(TaskEvent.objects.filter(task_id=task.pk).order_by("seq"))
    assert [r.seq for r in rows] == list(range(1, 2 + WRITERS * EVENTS_PER_WRITER + 1))
    assert len({r.idempotency_key for r in rows if r.idempotency_key}) == WRITERS * EVENTS_PER_WRITER
    row = ChoreographyTask.objects.get(pk=task.pk)
    assert row.progress == max(sent)  # no lost update: the highest report wins
    assert row.message == rows[-1].payload["message"]  # the last committed event is the one projected
    assert fold(stored_event(r) for r in rows).columns() == {
        name: getattr(row, name) for name in fold(stored_event(r) for r in rows).columns()
    }


@pytest.mark.django_db(transaction=True)
def test_the_fast_path_is_taken_for_a_writer_in_sequence_and_stays_exact(user, django_assert_num_queries):
    task = task_history_start(user=user, parameters={})
    task_event_append(task.pk, "attempt_started", actor="job")  # locked path; remembers what it left
    with django_assert_num_queries(1):
        task_event_append(task.pk, "progress", {"stage": "analyzing", "percent": 25}, actor="job")
    # A write in between that the trigger did not see: the fast path refuses, the locked path adopts it.
    with trigger_bypassed():
        ChoreographyTask.objects.filter(pk=task.pk).update(message="Touched by the legacy app")
    task_event_append(task.pk, "progress", {"stage": "generating", "percent": 70}, actor="job")
    rows = list(TaskEvent.objects.filter(task_id=task.pk).order_by("seq"))
    assert [r.type for r in rows] == ["created", "attempt_started", "progress", "adopted", "progress"]
    assert [r.seq for r in rows] == [1, 2, 3, 4, 5]
    row = ChoreographyTask.objects.get(pk=task.pk)
    assert fold(stored_event(r) for r in rows).columns() == {
        name: getattr(row, name) for name in fold(stored_event(r) for r in rows).columns()
    }


@pytest.mark.django_db(transaction=True)
def test_a_stale_memory_of_the_task_never_refuses_a_legal_event(user):
    from bachata.choreography.ledger.append import _last_appends
    from bachata.choreography.ledger.projection import TaskState

    task = task_history_start(user=user, parameters={})
    task_event_append(task.pk, "attempt_started", actor="job")
    task_event_append(task.pk, "failed", {"error": "Video generation failed: disk full"}, actor="job")
    # Another process (which this one cannot see) had last left the task running; its memory is now stale.
    stale = TaskState.from_columns(
        {
            "status": "running",
            "progress": 10,
            "stage": "downloading",
            "message": "x",
            "result": None,
            "error": None,
            "job_execution_name": None,
        },
        attempt=1,
    )
    _last_appends.put(task.pk, 2, stale)
    task_event_append(task.pk, "retry_requested", actor="api")  # legal for the real state: failed
    assert ChoreographyTask.objects.get(pk=task.pk).status == "started"
    assert [r.seq for r in TaskEvent.objects.filter(task_id=task.pk).order_by("seq")] == [1, 2, 3, 4]
