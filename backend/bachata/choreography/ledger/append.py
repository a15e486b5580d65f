"""The one way to change a task: append an event and project it onto the legacy columns atomically.

Two ways in, one set of guarantees (gapless `seq`, columns == fold(events), refusals write nothing):

- The locked path: in one transaction, lock the task row (SELECT … FOR UPDATE), read the last event, check
  the event against the state machine, insert it with the next `seq` and update the columns.
- The fast path, for a writer that appended this task's last event itself (the job, reporting progress in
  sequence): one autocommit statement that updates the row only if its columns are still what that append
  left, and inserts the event as `seq + 1`. If anything happened in between (another event, a legacy write,
  a repeated idempotency key), the update matches nothing or the insert hits the unique (task, seq) or
  idempotency index, the statement changes nothing, and the locked path takes over.

Plain SQL rather than the ORM: the ORM's client-side cost was 80 % of an append (docs/benchmarks.md).
"""

import json
import threading
from collections import OrderedDict
from collections.abc import Mapping
from contextlib import nullcontext
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from psycopg.types.json import Jsonb

from ..models import ChoreographyTask, TaskEvent
from .errors import IdempotencyConflict, LedgerError, TaskNotFound
from .projection import (
    PROJECTED_COLUMNS,
    Event,
    TaskState,
    apply_event,
    columns_digest,
    resolve_attempt,
    snapshot_payload,
)
from .vocabulary import EventType

EVENT_COLUMN_NAMES = (
    "task_id",
    "seq",
    "type",
    "payload",
    "attempt",
    "execution",
    "idempotency_key",
    "actor",
    "created_at",
    "projection_digest",
)
_EVENT_COLUMNS = ", ".join(EVENT_COLUMN_NAMES)
_FAST_APPEND = f"""
WITH updated AS (
    UPDATE choreography_tasks
    SET status = %s, progress = %s, stage = %s, message = %s, result = %s, error = %s,
        job_execution_name = %s, updated_at = %s
    WHERE task_id = %s AND status = %s AND progress = %s AND stage = %s AND message = %s
      AND result IS NOT DISTINCT FROM %s AND error IS NOT DISTINCT FROM %s
      AND job_execution_name IS NOT DISTINCT FROM %s
      AND set_config('bachata.ledger_write', task_id, true) IS NOT NULL
    RETURNING task_id
)
INSERT INTO task_events ({_EVENT_COLUMNS})
SELECT task_id, %s, %s, %s, %s, %s, %s, %s, %s, %s FROM updated
RETURNING id
"""
_UPDATE_COLUMNS = """
UPDATE choreography_tasks
SET status = %s, progress = %s, stage = %s, message = %s, result = %s, error = %s, job_execution_name = %s,
    updated_at = %s
WHERE task_id = %s AND set_config('bachata.ledger_write', task_id, true) IS NOT NULL
"""
# The ledger's mark on its own row writes: a one-shot, transaction-local token naming the task, which the
# trigger of migration 0007 consumes; a write without it is recorded as coming from outside the ledger.
# The statements above set it in their WHERE clause, on the very row they write.
_ARM_LEDGER_WRITE = "SELECT set_config('bachata.ledger_write', %s, true)"


def ledger_write_arm(task_id: str) -> None:
    """Mark the next write of this task's row in this transaction as the ledger's own (ORM writes)."""
    with connection.cursor() as cursor:
        cursor.execute(_ARM_LEDGER_WRITE, [task_id])


class _LastAppends:
    """What this process's own last append left on each task it wrote (bounded, thread-safe)."""

    def __init__(self, size: int = 2048):
        self._items: OrderedDict[str, tuple[int, TaskState]] = OrderedDict()
        self._lock = threading.Lock()
        self._size = size

    def get(self, task_id: str) -> tuple[int, TaskState] | None:
        with self._lock:
            return self._items.get(task_id)

    def put(self, task_id: str, seq: int, state: TaskState) -> None:
        with self._lock:
            self._items[task_id] = (seq, state)
            self._items.move_to_end(task_id)
            while len(self._items) > self._size:
                self._items.popitem(last=False)

    def forget(self, task_id: str) -> None:
        with self._lock:
            self._items.pop(task_id, None)


_last_appends = _LastAppends()


def task_lock(task_id: str) -> ChoreographyTask:
    try:
        return ChoreographyTask.objects.select_for_update().get(pk=task_id)
    except ChoreographyTask.DoesNotExist:
        raise TaskNotFound(f"Task {task_id} does not exist") from None


def task_event_append(
    task_id: str,
    event_type: str,
    payload: Mapping[str, Any] | None = None,
    *,
    actor: str,
    attempt: int | None = None,
    execution: str | None = None,
    idempotency_key: str | None = None,
) -> TaskEvent:
    """Append one event to a task's history and apply it to the legacy columns, atomically.

    A repeated idempotency key returns the event already stored and writes nothing; an illegal event raises
    a LedgerError and writes nothing. When the columns no longer match what the last event left (a legacy
    task touched for the first time, or a write by the legacy app since), an `adopted` snapshot of them is
    recorded first, so that replaying the history reproduces what is stored.
    """
    payload = dict(payload or {})
    known = _last_appends.get(task_id)
    if known is not None:
        stored = _fast_append(task_id, known, event_type, payload, actor, attempt, execution, idempotency_key)
        if stored is not None:
            return stored
    return _locked_append(task_id, event_type, payload, actor, attempt, execution, idempotency_key)


def _fast_append(task_id, known, event_type, payload, actor, attempt, execution, idempotency_key):
    last_seq, state = known
    if attempt is None:
        attempt = resolve_attempt(state, event_type)
    now = timezone.now()
    event = Event(event_type, payload, attempt, execution, now)
    try:
        new_state = apply_event(state, event)
    except LedgerError:
        # What this process remembers may be stale (someone else moved the task on) and the key may be a
        # replay: only the locked path may refuse.
        return None
    fields = _event_fields(task_id, last_seq + 1, event, actor, idempotency_key, new_state)
    params = [
        *_column_params(new_state),
        now,
        task_id,
        *_column_params(state),
        *_event_values(fields)[1:],  # task_id comes from the updated row
    ]
    try:
        # Outside a transaction the one statement is its own transaction (one round trip); inside one, a
        # savepoint keeps a failed attempt from aborting the caller's transaction.
        with (
            transaction.atomic() if connection.in_atomic_block else nullcontext(),
            connection.cursor() as cursor,
        ):
            cursor.execute(_FAST_APPEND, params)
            row = cursor.fetchone()
            if row is None and connection.in_atomic_block:
                raise _FastPathMissed()  # roll the savepoint back, with the ledger's write token
    except (IntegrityError, _FastPathMissed):
        row = None  # someone else appended (or the key was used): the locked path sorts it out
    if row is None:
        _last_appends.forget(task_id)
        return None
    _remember_on_commit(task_id, last_seq + 1, new_state)
    return TaskEvent(id=row[0], **fields)


class _FastPathMissed(Exception):
    pass


def _remember_on_commit(task_id: str, seq: int, state: TaskState) -> None:
    # Only a committed append may be remembered: the fast path trusts it to know the row and the next seq.
    _last_appends.forget(task_id)
    transaction.on_commit(lambda: _last_appends.put(task_id, seq, state))


def _locked_append(task_id, event_type, payload, actor, attempt, execution, idempotency_key) -> TaskEvent:
    refusal = None
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT status, progress, stage, message, result, error, job_execution_name "
            "FROM choreography_tasks WHERE task_id = %s FOR UPDATE",
            [task_id],
        )
        row = cursor.fetchone()
        if row is None:
            raise TaskNotFound(f"Task {task_id} does not exist")
        columns = dict(zip(PROJECTED_COLUMNS, row, strict=True))
        columns["result"] = json.loads(columns["result"]) if columns["result"] is not None else None
        if idempotency_key is not None:
            existing = TaskEvent.objects.filter(task_id=task_id, idempotency_key=idempotency_key).first()
            if existing is not None:
                if existing.type != event_type:
                    raise IdempotencyConflict(
                        f"Idempotency key '{idempotency_key}' was already used for a '{existing.type}' event"
                    )
                return existing
        cursor.execute(
            "SELECT seq, attempt, projection_digest, payload FROM task_events WHERE task_id = %s "
            "ORDER BY seq DESC LIMIT 1",
            [task_id],
        )
        last = cursor.fetchone()
        last_seq, current_attempt, last_digest, last_payload = last if last else (0, 1, None, None)
        state = TaskState.from_columns(columns, attempt=current_attempt)
        now = timezone.now()
        seq = last_seq
        if not _in_sync(state, last_digest, last_payload):
            # Written outside the ledger and not recorded by the trigger (a legacy task never touched since,
            # or a database without migration 0007): record the columns as found. This is committed even
            # when the event below is refused: an outside write always ends up in the history.
            reason = "first_touch" if last is None else "external_change"
            adopted = Event(EventType.ADOPTED, snapshot_payload(state, reason), current_attempt, None, now)
            state = apply_event(state if last else None, adopted)
            seq += 1
            _insert_events(cursor, [_event_fields(task_id, seq, adopted, "system", None, state)])

        if attempt is None:
            attempt = resolve_attempt(state, event_type)
        event = Event(event_type, payload, attempt, execution, now)
        try:
            state = apply_event(state, event)
        except LedgerError as exc:
            refusal = exc
        else:
            fields = _event_fields(task_id, seq + 1, event, actor, idempotency_key, state)
            (event_id,) = _insert_events(cursor, [fields])
            cursor.execute(_UPDATE_COLUMNS, [*_column_params(state), now, task_id])
            _remember_on_commit(task_id, seq + 1, state)
    if refusal is not None:
        raise refusal
    return TaskEvent(id=event_id, **fields)


def _in_sync(state: TaskState, last_digest: str | None, last_payload) -> bool:
    """Whether the columns are what the last event left. Events written by the trigger carry no digest
    (PostgreSQL cannot compute the Python one): their payload holds the columns they left instead."""
    if last_digest == "":
        payload = json.loads(last_payload) if isinstance(last_payload, str) else last_payload
        return _jsonable(state.columns()) == (payload or {}).get("columns")
    return last_digest == columns_digest(state.columns())


def _jsonable(columns: Mapping[str, Any]) -> Any:
    return json.loads(json.dumps(dict(columns), default=str))


def _insert_events(cursor, rows: list[dict]) -> list[int]:
    one_row = "(" + ", ".join(["%s"] * len(EVENT_COLUMN_NAMES)) + ")"
    cursor.execute(
        f"INSERT INTO task_events ({_EVENT_COLUMNS}) VALUES {', '.join([one_row] * len(rows))} RETURNING id",
        [value for r in rows for value in _event_values(r)],
    )
    return [i for (i,) in cursor.fetchall()]


def _column_params(state: TaskState) -> list:
    return [
        state.status,
        state.progress,
        state.stage,
        state.message,
        Jsonb(state.result) if state.result is not None else None,
        state.error,
        state.job_execution_name,
    ]


def _event_values(fields: dict) -> list:
    return [Jsonb(fields[name]) if name == "payload" else fields[name] for name in EVENT_COLUMN_NAMES]


def task_history_start(
    *, user, task_id: str | None = None, parameters: Mapping[str, Any] | None = None, actor: str = "api"
) -> ChoreographyTask:
    """Create a task row and its `created` event in one transaction."""
    with transaction.atomic():
        state = apply_event(None, Event(EventType.CREATED))
        task = ChoreographyTask(user=user, **state.columns())
        if task_id is not None:
            task.task_id = task_id
        ledger_write_arm(task.task_id)
        task.save(force_insert=True)
        event = Event(EventType.CREATED, {"parameters": dict(parameters or {})}, 1, None, task.updated_at)
        TaskEvent.objects.create(**_event_fields(task.task_id, 1, event, actor, None, state))
    return task


def _event_fields(
    task_id: str, seq: int, event: Event, actor: str, idempotency_key: str | None, state_after: TaskState
) -> dict:
    return {
        "task_id": task_id,
        "seq": seq,
        "type": str(event.type),
        "payload": dict(event.payload),
        "attempt": event.attempt,
        "execution": event.execution,
        "idempotency_key": idempotency_key,
        "actor": actor,
        "created_at": event.created_at,
        "projection_digest": columns_digest(state_after.columns()),
    }


def stored_event(row: TaskEvent) -> Event:
    return Event(row.type, row.payload, row.attempt, row.execution, row.created_at)
