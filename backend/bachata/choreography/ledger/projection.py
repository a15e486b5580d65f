"""The pure part of the ledger: the state machine and fold(events) -> the legacy columns.

Nothing here touches the database, so the same code validates an append, replays a history
(`ledger_verify`, `ledger_rebuild`) and serves as the reference in the property tests.
"""

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from . import vocabulary as v
from .errors import CancelRequested, IllegalTransition, InvalidEvent, StaleAttempt
from .vocabulary import EventType, Phase

PROJECTED_COLUMNS = ("status", "progress", "stage", "message", "result", "error", "job_execution_name")


@dataclass(frozen=True)
class Event:
    """An event as the state machine sees it (a stored TaskEvent, or one about to be stored)."""

    type: str
    payload: Mapping[str, Any] = field(default_factory=dict)
    attempt: int = 1
    execution: str | None = None
    created_at: datetime | None = None


@dataclass(frozen=True)
class TaskState:
    """The projected legacy columns plus the current attempt number."""

    status: str
    progress: int
    stage: str
    message: str
    result: Any
    error: str | None
    job_execution_name: str | None
    attempt: int = 1
    updated_at: datetime | None = None

    @property
    def phase(self) -> Phase:
        if self.status == "failed" and self.stage == "cancelled":
            return Phase.CANCELLED
        if self.status == "completed":
            return Phase.COMPLETED
        if self.status == "failed":
            return Phase.FAILED
        if self.stage == "cancelling":
            return Phase.CANCELLING
        if self.status == "running":
            return Phase.RUNNING
        return Phase.PENDING

    @property
    def attempt_started(self) -> bool:
        """Whether a job has started working on the current attempt."""
        return self.status == "running"

    def columns(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in PROJECTED_COLUMNS}

    @classmethod
    def from_columns(cls, columns: Mapping[str, Any], attempt: int = 1) -> "TaskState":
        return cls(
            status=columns["status"],
            progress=int(columns["progress"]),
            stage=columns["stage"],
            message=columns["message"],
            result=columns.get("result"),
            error=columns.get("error"),
            job_execution_name=columns.get("job_execution_name"),
            attempt=attempt,
            updated_at=columns.get("updated_at"),
        )


def columns_digest(columns: Mapping[str, Any]) -> str:
    """A stable fingerprint of the projected columns (as they read back from PostgreSQL)."""
    canonical = json.dumps([columns.get(name) for name in PROJECTED_COLUMNS], sort_keys=True, default=str)
    return hashlib.md5(canonical.encode(), usedforsecurity=False).hexdigest()


def snapshot_payload(state: TaskState, reason: str) -> dict[str, Any]:
    """The payload of an `adopted` event: the columns as found, so replay reproduces them."""
    return {"reason": reason, "columns": state.columns()}


def resolve_attempt(state: TaskState | None, event_type: str) -> int:
    """The attempt an event belongs to when the caller did not say (API and admin events)."""
    if state is None:
        return 1
    if event_type == EventType.RETRY_REQUESTED:
        return state.attempt + 1
    if event_type == EventType.ATTEMPT_STARTED and state.attempt_started:
        return state.attempt + 1
    return state.attempt


def _require_text(payload: Mapping[str, Any], key: str) -> str:
    value = payload.get(key)
    if not isinstance(value, str) or not value.strip():
        raise InvalidEvent(f"'{key}' must be a non-empty text")
    return value


def _optional_text(payload: Mapping[str, Any], key: str) -> str | None:
    value = payload.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidEvent(f"'{key}' must be a text")
    return value


def _check_attempt(state: TaskState, event: Event) -> None:
    expected = resolve_attempt(state, event.type)
    if event.attempt == expected:
        return
    if event.attempt < state.attempt:
        raise StaleAttempt(
            f"Attempt {event.attempt} was superseded by attempt {state.attempt}; its '{event.type}' is refused"
        )
    if event.attempt < expected:
        raise StaleAttempt(f"Attempt {event.attempt} has already started")
    raise IllegalTransition(
        f"Attempt {event.attempt} does not exist yet (current attempt is {state.attempt})"
    )


def _refuse(state: TaskState, event: Event) -> IllegalTransition:
    if state.phase == Phase.CANCELLING and event.type in (
        EventType.ATTEMPT_STARTED,
        EventType.PROGRESS,
        EventType.COMPLETED,
    ):
        return CancelRequested("Cancellation was requested: the job must stop and record 'cancelled'")
    if state.phase in v.TERMINAL_PHASES:
        return IllegalTransition(f"The task is already {state.phase.value}; '{event.type}' is not allowed")
    return IllegalTransition(f"'{event.type}' is not allowed while the task is {state.phase.value}")


def apply_event(state: TaskState | None, event: Event) -> TaskState:
    """Return the state after `event`, or raise a LedgerError and change nothing."""
    try:
        kind = EventType(event.type)
    except ValueError:
        raise InvalidEvent(f"Unknown event type '{event.type}'") from None
    payload = event.payload or {}
    if not isinstance(payload, Mapping):
        raise InvalidEvent("The event payload must be an object")

    if state is None:
        if kind == EventType.CREATED:
            return TaskState(
                status="started",
                progress=0,
                stage="initializing",
                message=v.CREATED_MESSAGE,
                result=None,
                error=None,
                job_execution_name=None,
                attempt=event.attempt,
                updated_at=event.created_at,
            )
        if kind == EventType.ADOPTED:
            return _adopt(None, event, payload)
        raise IllegalTransition(
            f"A task's history must begin with 'created' or 'adopted', not '{event.type}'"
        )

    if kind == EventType.CREATED:
        raise IllegalTransition("The task already exists")
    if kind == EventType.ADOPTED:
        return _adopt(state, event, payload)
    if kind == EventType.OUTSIDE_WRITE_REFUSED:
        # The trigger kept the columns as they were: history only, the state does not change.
        return state

    _check_attempt(state, event)
    phase = state.phase
    at = {"updated_at": event.created_at, "attempt": event.attempt}

    if kind == EventType.LAUNCHED:
        execution = event.execution or _optional_text(payload, "execution")
        if not execution:
            raise InvalidEvent("'execution' must name the launched job execution")
        if phase == Phase.PENDING:
            return replace(
                state, job_execution_name=execution, stage="initializing", message=v.LAUNCHED_MESSAGE, **at
            )
        return replace(state, job_execution_name=execution, **at)

    if kind == EventType.QUEUED:
        if phase != Phase.PENDING:
            raise _refuse(state, event)
        return replace(state, stage="queued", message=v.QUEUED_MESSAGE, **at)

    if kind == EventType.ATTEMPT_STARTED:
        if phase not in (Phase.PENDING, Phase.RUNNING):
            raise _refuse(state, event)
        return replace(
            state,
            status="running",
            progress=0,
            stage="initializing",
            message=v.ATTEMPT_STARTED_MESSAGE,
            result=None,
            error=None,
            job_execution_name=event.execution or state.job_execution_name,
            **at,
        )

    if kind == EventType.PROGRESS:
        if phase != Phase.RUNNING:
            raise _refuse(state, event)
        stage = payload.get("stage")
        if stage not in v.PROGRESS_STAGES:
            raise InvalidEvent(f"'stage' must be one of {', '.join(v.PROGRESS_STAGES)}")
        percent = payload.get("percent")
        if isinstance(percent, bool) or not isinstance(percent, int | float) or not 0 <= percent <= 100:
            raise InvalidEvent("'percent' must be a number from 0 to 100")
        message = _optional_text(payload, "message") or v.STAGE_MESSAGES[stage]
        return replace(state, stage=stage, progress=max(state.progress, int(percent)), message=message, **at)

    if kind == EventType.COMPLETED:
        if phase != Phase.RUNNING:
            raise _refuse(state, event)
        result = payload.get("result")
        if not isinstance(result, Mapping):
            raise InvalidEvent("'result' must be an object")
        message = v.COMPLETED_MESSAGE + (v.AUTO_SAVED_SUFFIX if result.get("auto_saved") else "")
        return replace(
            state,
            status="completed",
            progress=100,
            stage="completed",
            message=message,
            result=dict(result),
            error=None,
            **at,
        )

    if kind == EventType.FAILED:
        if phase not in (Phase.PENDING, Phase.RUNNING, Phase.CANCELLING):
            raise _refuse(state, event)
        error = _require_text(payload, "error")
        return replace(
            state, status="failed", stage="failed", message=v.FAILED_MESSAGE, error=error, result=None, **at
        )

    if kind == EventType.CANCEL_REQUESTED:
        if phase not in (Phase.PENDING, Phase.RUNNING):
            raise _refuse(state, event)
        return replace(state, stage="cancelling", message=v.CANCEL_REQUESTED_MESSAGE, **at)

    if kind == EventType.CANCELLED:
        if phase != Phase.CANCELLING:
            raise _refuse(state, event)
        return replace(
            state,
            status="failed",
            stage="cancelled",
            message=v.CANCELLED_MESSAGE,
            error=v.CANCELLED_ERROR,
            result=None,
            **at,
        )

    if kind == EventType.RETRY_REQUESTED:
        if phase not in (Phase.FAILED, Phase.CANCELLED):
            raise _refuse(state, event)
        return replace(
            state,
            status="started",
            progress=0,
            stage="initializing",
            message=v.RETRY_MESSAGE,
            result=None,
            error=None,
            job_execution_name=None,
            **at,
        )

    if kind == EventType.TIMED_OUT:
        if phase in v.TERMINAL_PHASES:
            raise _refuse(state, event)
        error = _optional_text(payload, "error") or v.timed_out_error(payload.get("minutes", 15))
        return replace(
            state, status="failed", stage="failed", message=v.FAILED_MESSAGE, error=error, result=None, **at
        )

    raise InvalidEvent(
        f"Unhandled event type '{event.type}'"
    )  # pragma: no cover - every EventType is handled


def _adopt(state: TaskState | None, event: Event, payload: Mapping[str, Any]) -> TaskState:
    columns = payload.get("columns")
    if not isinstance(columns, Mapping) or any(name not in columns for name in PROJECTED_COLUMNS):
        raise InvalidEvent("An 'adopted' event must carry every projected column")
    attempt = state.attempt if state is not None else event.attempt
    return replace(TaskState.from_columns(columns, attempt=attempt), updated_at=event.created_at)


def fold(events: Iterable[Event]) -> TaskState | None:
    """Replay a task's history from the beginning."""
    state: TaskState | None = None
    for event in events:
        state = apply_event(state, event)
    return state
