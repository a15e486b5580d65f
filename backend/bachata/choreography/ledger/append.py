"""The one way to change a task: append an event and project it onto the legacy columns atomically."""

from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone

from ..models import ChoreographyTask, TaskEvent
from .errors import IdempotencyConflict, TaskNotFound
from .projection import Event, TaskState, apply_event, columns_digest, resolve_attempt, snapshot_payload
from .vocabulary import EventType


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
    """Append one event to a task's history and apply it to the legacy columns, in one transaction.

    Locks the task row, so concurrent writers are serialised and `seq` stays gapless. A repeated
    idempotency key returns the event already stored and writes nothing; an illegal event raises a
    LedgerError and writes nothing. When the columns no longer match what the last event left (a legacy
    task touched for the first time, or a write by the legacy app since our last event), an `adopted`
    snapshot of them is recorded first so that replaying the history reproduces what is stored.
    """
    payload = dict(payload or {})
    with transaction.atomic():
        task = task_lock(task_id)
        if idempotency_key is not None:
            existing = TaskEvent.objects.filter(task_id=task_id, idempotency_key=idempotency_key).first()
            if existing is not None:
                if existing.type != event_type:
                    raise IdempotencyConflict(
                        f"Idempotency key '{idempotency_key}' was already used for a '{existing.type}' event"
                    )
                return existing

        now = timezone.now()
        last = (
            TaskEvent.objects.filter(task_id=task_id)
            .order_by("-seq")
            .values_list("seq", "attempt", "projection_digest")
            .first()
        )
        last_seq, current_attempt, last_digest = last if last else (0, 1, None)
        state = TaskState.from_columns(task.__dict__, attempt=current_attempt)
        new_events: list[TaskEvent] = []
        if last_digest != columns_digest(state.columns()):
            reason = "first_touch" if last is None else "external_change"
            adopted = Event(EventType.ADOPTED, snapshot_payload(state, reason), current_attempt, None, now)
            state = apply_event(state if last else None, adopted)
            new_events.append(
                TaskEvent(**_event_fields(task_id, last_seq + 1, adopted, "system", None, state))
            )

        if attempt is None:
            attempt = resolve_attempt(state, event_type)
        event = Event(event_type, payload, attempt, execution, now)
        state = apply_event(state, event)
        stored = TaskEvent(
            **_event_fields(task_id, last_seq + len(new_events) + 1, event, actor, idempotency_key, state)
        )
        new_events.append(stored)

        TaskEvent.objects.bulk_create(new_events)
        ChoreographyTask.objects.filter(pk=task_id).update(**state.columns(), updated_at=now)
        return stored


def task_history_start(
    *, user, task_id: str | None = None, parameters: Mapping[str, Any] | None = None, actor: str = "api"
) -> ChoreographyTask:
    """Create a task row and its `created` event in one transaction."""
    with transaction.atomic():
        state = apply_event(None, Event(EventType.CREATED))
        task = ChoreographyTask(user=user, **state.columns())
        if task_id is not None:
            task.task_id = task_id
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
