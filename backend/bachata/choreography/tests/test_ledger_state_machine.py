"""Hypothesis drives the real ledger (PostgreSQL) with random event sequences against a small model.

The model below is written independently of ledger/projection.py: it only knows which phase allows
which event and how attempts advance. Invariants after every step: seq gapless; stored columns ==
fold(events); only legacy vocabulary stored; progress monotonic within an attempt; terminal phases
absorbing except through retry_requested.

"Legacy writer" rules act as the legacy app does, on a connection of its own: it saves rows it read earlier
(no lock), marks started/running tasks stuck, deletes the task. Its writes to a task the ledger runs never
change the columns (the model is not told about them) and each one that tried to is in the history.
"""

import itertools
import uuid

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from bachata.choreography.ledger import vocabulary as v
from bachata.choreography.ledger.append import stored_event, task_event_append, task_history_start
from bachata.choreography.ledger.errors import InvalidEvent, LedgerError, StaleAttempt
from bachata.choreography.ledger.projection import PROJECTED_COLUMNS as PROJECTED
from bachata.choreography.ledger.projection import fold
from bachata.choreography.models import ChoreographyTask, TaskEvent

from .legacy_app import STUCK_ERROR, LegacyApp

ALLOWED = {
    "queued": {"pending"},
    "launched": {"pending", "running", "cancelling", "completed", "failed", "cancelled"},
    "attempt_started": {"pending", "running"},
    "progress": {"running"},
    "completed": {"running"},
    "failed": {"pending", "running", "cancelling"},
    "cancel_requested": {"pending", "running"},
    "cancelled": {"cancelling"},
    "retry_requested": {"failed", "cancelled"},
    "timed_out": {"pending", "running", "cancelling"},
}
TERMINAL = {"completed", "failed", "cancelled"}
_keys = itertools.count()


class Model:
    def __init__(self):
        self.phase = "pending"
        self.attempt = 1
        self.started = False

    def expected_attempt(self, event_type):
        # Once a task is over, only the phase decides; whether its attempt had started no longer matters.
        started = self.started and self.phase not in TERMINAL
        if event_type == "retry_requested" or (event_type == "attempt_started" and started):
            return self.attempt + 1
        return self.attempt

    def outcome(self, event_type, attempt):
        """'ok', 'stale' or 'illegal' for an event of this type and attempt (None: let the ledger decide)."""
        expected = self.expected_attempt(event_type)
        attempt = expected if attempt is None else attempt
        if attempt < expected:
            return "stale"
        if attempt > expected or self.phase not in ALLOWED[event_type]:
            return "illegal"
        return "ok"

    def apply(self, event_type):
        if event_type == "attempt_started":
            self.attempt = self.expected_attempt(event_type)
            self.started, self.phase = True, "running"
        elif event_type == "retry_requested":
            self.attempt += 1
            self.started, self.phase = False, "pending"
        elif event_type == "cancel_requested":
            self.phase = "cancelling"
        elif event_type in ("completed", "cancelled"):
            self.phase = event_type
        elif event_type in ("failed", "timed_out"):
            self.phase = "failed"

    def api_status(self):
        if self.phase == "cancelling":
            return "processing" if self.started else "pending"
        return {"running": "processing"}.get(self.phase, self.phase)


PAYLOADS = {
    "launched": lambda draw: {"execution": f"exec-{draw(st.integers(1, 3))}"},
    "progress": lambda draw: {
        "stage": draw(st.sampled_from(v.PROGRESS_STAGES)),
        "percent": draw(st.integers(0, 100)),
    },
    "completed": lambda draw: {
        "result": {"video_path": "choreographies/2026/11/x.mp4", "auto_saved": draw(st.booleans())}
    },
    "failed": lambda draw: {
        "error": "Music analysis failed: " + draw(st.sampled_from(["bad audio", "timeout"]))
    },
}


class LedgerMachine(RuleBasedStateMachine):
    user = None

    def __init__(self):
        super().__init__()
        self.legacy = LegacyApp()
        self.outside_writes = 0
        self._start()
        # A task of the legacy app's own, beside the ledger's: its writes apply (and are recorded).
        self.own = self.legacy.create(str(uuid.uuid4()), self.user.pk)

    def _start(self):
        self.task = task_history_start(user=self.user, parameters={"difficulty": "beginner"})
        self.model = Model()
        self.used_keys: list[tuple[str, str, int]] = []  # (key, type, event id)
        self.progress_seen: dict[int, int] = {}
        self.legacy_reads = []

    def _append(self, event_type, payload, attempt, key=None):
        expected = self.model.outcome(event_type, attempt)
        before = self._snapshot()
        try:
            event = task_event_append(
                self.task.pk, event_type, payload, actor="job", attempt=attempt, idempotency_key=key
            )
        except StaleAttempt:
            assert expected == "stale", f"{event_type}@{attempt} refused as stale, model says {expected}"
            assert self._snapshot() == before
            return None
        except LedgerError as exc:
            assert expected == "illegal", (
                f"{event_type}@{attempt} refused ({exc.message}), model says {expected}"
            )
            assert self._snapshot() == before
            return None
        assert expected == "ok", f"{event_type}@{attempt} accepted, model says {expected}"
        self.model.apply(event_type)
        return event

    def _snapshot(self):
        return (
            list(TaskEvent.objects.filter(task_id=self.task.pk).values_list("id", flat=True)),
            ChoreographyTask.objects.values(*self._columns()).get(pk=self.task.pk),
        )

    @staticmethod
    def _columns():
        return (
            "status",
            "progress",
            "stage",
            "message",
            "result",
            "error",
            "job_execution_name",
            "updated_at",
        )

    @rule(
        data=st.data(),
        event_type=st.sampled_from(list(ALLOWED)),
        attempt_shift=st.sampled_from([None, None, None, -1, 0, 1]),
        with_key=st.booleans(),
    )
    def append(self, data, event_type, attempt_shift, with_key):
        payload = PAYLOADS.get(event_type, lambda draw: {})(data.draw)
        attempt = (
            None if attempt_shift is None else max(1, self.model.expected_attempt(event_type) + attempt_shift)
        )
        key = f"k{next(_keys)}" if with_key else None
        event = self._append(event_type, payload, attempt, key)
        if event is not None and key is not None:
            self.used_keys.append((key, event_type, event.id))

    @precondition(lambda self: self.used_keys)
    @rule(data=st.data())
    def repeat_an_idempotency_key(self, data):
        key, event_type, event_id = data.draw(st.sampled_from(self.used_keys))
        before = self._snapshot()
        event = task_event_append(
            self.task.pk,
            event_type,
            PAYLOADS.get(event_type, lambda d: {})(data.draw),
            actor="job",
            idempotency_key=key,
        )
        assert event.id == event_id
        assert self._snapshot() == before

    @rule(percent=st.integers(101, 500))
    def malformed_progress(self, percent):
        before = self._snapshot()
        with pytest.raises(LedgerError):
            task_event_append(
                self.task.pk, "progress", {"stage": "analyzing", "percent": percent}, actor="job"
            )
        assert self._snapshot() == before

    # -- the legacy app, on its own connection, as it writes (tests/legacy_app.py) ---------------------------
    @rule()
    def legacy_reads_the_row(self):
        self.legacy_reads = [*self.legacy_reads[-4:], self.legacy.get(self.task.pk)]

    @precondition(lambda self: self.legacy_reads)
    @rule(data=st.data())
    def legacy_saves_a_row_it_read_earlier(self, data):
        # Its unlocked get/setattr/save: every legacy column written back as it was read.
        self._legacy_write(data.draw(st.sampled_from(self.legacy_reads)))

    @precondition(lambda self: self.model.phase in ("pending", "running"))
    @rule()
    def legacy_marks_the_task_stuck(self):
        # Its 5-minute stuck cleanup, before every legacy generation.
        row = self.legacy.get(self.task.pk)
        self._legacy_write(row.but(status="failed", progress=0, stage="failed", error=STUCK_ERROR))

    @rule()
    def legacy_deletes_the_task(self):
        # Its cancel ("Task removed from tracking"), or its hourly purge reaching this task.
        assert self.legacy.delete_task(self.task.pk) == 1
        assert not TaskEvent.objects.filter(task_id=self.task.pk).exists()
        self._start()

    @rule(
        status=st.sampled_from(v.STATUSES),
        progress=st.integers(0, 100),
        stage=st.sampled_from(v.LEGACY_STAGES),
        stale=st.booleans(),
    )
    def legacy_writes_its_own_task(self, status, progress, stage, stale):
        # Its generation thread, its stuck cleanup, or a stale save: the legacy app's own task, its own way.
        read = self.own if stale else self.legacy.get(self.own.task_id)
        columns = ("status", "progress", "stage")
        before = ChoreographyTask.objects.values(*columns).get(pk=self.own.task_id)
        self.own = self.legacy.save(read.but(status=status, progress=progress, stage=stage))
        stored = ChoreographyTask.objects.values(*columns).get(pk=self.own.task_id)
        if before["status"] == "completed" and status != "completed":
            assert stored == before  # nothing leaves completed, whoever writes
        else:
            assert stored == {"status": status, "progress": progress, "stage": stage}
        rows = list(TaskEvent.objects.filter(task_id=self.own.task_id).order_by("seq"))
        assert rows and all(r.actor == "outside" for r in rows)
        folded = fold(stored_event(r) for r in rows).columns()
        assert stored == {name: folded[name] for name in columns}

    def _legacy_write(self, row):
        before_events = TaskEvent.objects.filter(task_id=self.task.pk).count()
        before = ChoreographyTask.objects.values(*PROJECTED).get(pk=self.task.pk)
        self.legacy.save(row)
        after = ChoreographyTask.objects.values(*PROJECTED).get(pk=self.task.pk)
        # A task the ledger runs keeps its columns; the attempted write is in its history all the same.
        assert after == before
        attempted = {name: getattr(row, name) for name in PROJECTED if name != "job_execution_name"}
        if attempted == {name: before[name] for name in attempted}:
            assert TaskEvent.objects.filter(task_id=self.task.pk).count() == before_events
        else:
            last = TaskEvent.objects.filter(task_id=self.task.pk).order_by("-seq").first()
            assert (last.seq, last.type, last.actor) == (
                before_events + 1,
                "outside_write_refused",
                "outside",
            )
            assert {k: last.payload["attempted"][k] for k in attempted} == attempted
            self.outside_writes += 1

    def teardown(self):
        self.legacy.close()

    @invariant()
    def history_and_columns_agree(self):
        rows = list(TaskEvent.objects.filter(task_id=self.task.pk).order_by("seq"))
        columns = ChoreographyTask.objects.values(*self._columns()).get(pk=self.task.pk)
        assert [r.seq for r in rows] == list(range(1, len(rows) + 1))
        assert columns["status"] in v.STATUSES
        assert columns["stage"] in v.STORED_STAGES
        assert v.api_status(columns["status"], columns["stage"]) == self.model.api_status()
        # Every write, from the ledger or from outside, is in the history the moment it commits.
        folded = fold(stored_event(r) for r in rows)
        assert {k: columns[k] for k in folded.columns()} == folded.columns()
        assert folded.attempt == self.model.attempt
        if columns["status"] == "running":
            attempt = self.model.attempt
            assert columns["progress"] >= self.progress_seen.get(attempt, 0)
            self.progress_seen = {attempt: columns["progress"]}
        else:
            self.progress_seen.clear()


@pytest.mark.django_db(transaction=True)  # appends commit, so the single-statement fast path is exercised too
def test_ledger_state_machine(user):
    LedgerMachine.user = user
    run_state_machine_as_test(
        LedgerMachine,
        settings=settings(
            max_examples=40,
            stateful_step_count=30,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )


def test_model_and_invalid_event_classes_are_distinct():
    # InvalidEvent is not an IllegalTransition: a malformed event is the caller's bug, not a state conflict.
    assert not issubclass(InvalidEvent, StaleAttempt)
