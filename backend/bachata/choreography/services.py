"""Writes on choreography tasks. Every change goes through the ledger (ledger.append)."""

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from bachata.api.errors import ApiError, Conflict

from .launcher import job_cancel_after_commit, job_launch_after_commit
from .ledger.append import (
    ledger_write_arm,
    stored_event,
    task_event_append,
    task_history_start,
    task_lock,
)
from .ledger.errors import IllegalTransition, LedgerError
from .ledger.projection import PROJECTED_COLUMNS, TaskState, fold
from .ledger.vocabulary import EventType, Phase, timed_out_error
from .models import ChoreographyTask, TaskEvent, TaskStatus


def task_create(
    *, user, parameters: Mapping[str, Any], actor: str = "api", launch: bool = True
) -> ChoreographyTask:
    """Create a task through the ledger; the job is launched once the transaction commits."""
    with transaction.atomic():
        task = task_history_start(user=user, parameters=parameters, actor=actor)
        if launch:
            job_launch_after_commit(task.task_id, actor=actor)
    return task


_GENERATION_LOCK_NAMESPACE = 0x67656E  # pg_advisory_xact_lock(namespace << 32 | user id)
GENERATION_NAMESPACE = uuid.UUID("6b1f8f0e-3c8a-4a55-9d53-6a1e2f6c9b10")


def generation_task_id(user_id: int, idempotency_key: str) -> str:
    """Retries of one request (same user, same Idempotency-Key) address the same task."""
    return str(uuid.uuid5(GENERATION_NAMESPACE, f"{user_id}:{idempotency_key}"))


def generation_start(
    *, user, parameters: Mapping[str, Any], idempotency_key: str | None = None
) -> ChoreographyTask:
    """Create a generation task and launch its job after commit; a repeated Idempotency-Key is a replay."""
    task_id = generation_task_id(user.pk, idempotency_key) if idempotency_key else None
    if task_id:
        existing = ChoreographyTask.objects.filter(pk=task_id).first()
        if existing is not None:
            return _idempotent_replay(existing, user, parameters)
    try:
        with transaction.atomic():
            # The cap holds under concurrency: one user's generations are counted and created one at a time
            # (a transaction-level advisory lock per user; other users are not held up).
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_advisory_xact_lock(%s)",
                    [(_GENERATION_LOCK_NAMESPACE << 32) | (user.pk & 0xFFFFFFFF)],
                )
            active = ChoreographyTask.objects.filter(
                user=user, status__in=[TaskStatus.STARTED, TaskStatus.RUNNING]
            ).count()
            if active >= settings.GENERATION_MAX_ACTIVE_PER_USER:
                raise ApiError(
                    f"You already have {active} choreographies in progress. Please wait for one to finish.",
                    code="too_many_active_tasks",
                    status_code=429,
                )
            task = task_history_start(user=user, task_id=task_id, parameters=parameters, actor="api")
            job_launch_after_commit(task.task_id, actor="api")
    except IntegrityError:
        # A concurrent retry with the same key created it first.
        return _idempotent_replay(ChoreographyTask.objects.get(pk=task_id), user, parameters)
    return ChoreographyTask.objects.get(pk=task.task_id)


def _idempotent_replay(task: ChoreographyTask, user, parameters: Mapping[str, Any]) -> ChoreographyTask:
    from .selectors import task_parameters

    if task.user_id != user.pk or task_parameters(task.pk) != dict(parameters):
        raise Conflict(
            "This Idempotency-Key was already used for a different request.", code="idempotency_key_reused"
        )
    return task


def _current_state(task: ChoreographyTask) -> TaskState:
    attempt = (
        TaskEvent.objects.filter(task_id=task.pk).order_by("-seq").values_list("attempt", flat=True).first()
    )
    return TaskState.from_columns(task.__dict__, attempt=attempt or 1)


def task_cancel(*, task_id: str, actor: str) -> ChoreographyTask:
    """Request cancellation. A task no job has started is cancelled at once; a running job stops itself."""
    with transaction.atomic():
        task = task_lock(task_id)
        state = _current_state(task)
        if state.phase not in (Phase.PENDING, Phase.RUNNING):
            raise IllegalTransition(f"The task cannot be cancelled: it is {state.phase.value}")
        task_event_append(task_id, EventType.CANCEL_REQUESTED, actor=actor)
        if not state.attempt_started:
            task_event_append(
                task_id, EventType.CANCELLED, {"reason": "cancelled before the job started"}, actor=actor
            )
        job_cancel_after_commit(task_id, state.job_execution_name)
    return ChoreographyTask.objects.get(pk=task_id)


def task_retry(*, task_id: str, actor: str) -> ChoreographyTask:
    """Start the next attempt of a failed or cancelled task and launch its job after commit."""
    with transaction.atomic():
        state = _current_state(task_lock(task_id))
        if state.phase not in (Phase.FAILED, Phase.CANCELLED):
            raise IllegalTransition(
                f"Only a failed or cancelled task can be retried; this one is {state.phase.value}"
            )
        task_event_append(task_id, EventType.RETRY_REQUESTED, actor=actor)
        job_launch_after_commit(task_id, actor=actor)
    return ChoreographyTask.objects.get(pk=task_id)


def task_mark_timed_out(*, task_id: str, actor: str, minutes: float | None = None) -> ChoreographyTask:
    minutes = minutes if minutes is not None else settings.LEDGER_REAP_TIMEOUT_SECONDS / 60
    with transaction.atomic():
        task = task_lock(task_id)
        task_event_append(
            task_id, EventType.TIMED_OUT, {"minutes": minutes, "error": timed_out_error(minutes)}, actor=actor
        )
        job_cancel_after_commit(task_id, task.job_execution_name)
    return ChoreographyTask.objects.get(pk=task_id)


@dataclass(frozen=True)
class RebuildOutcome:
    task_id: str
    changed: dict[str, tuple[Any, Any]]  # column -> (stored before, projected from events)


def task_projection_rebuild(*, task_id: str) -> RebuildOutcome:
    """Repair the legacy columns from the task's events (writes no event)."""
    with transaction.atomic():
        task = task_lock(task_id)
        rows = list(TaskEvent.objects.filter(task_id=task_id).order_by("seq"))
        if not rows:
            raise LedgerError("The task has no events: there is nothing to rebuild it from")
        state = fold(stored_event(row) for row in rows)
        projected = state.columns()
        changed = {
            name: (getattr(task, name), projected[name])
            for name in PROJECTED_COLUMNS
            if getattr(task, name) != projected[name]
        }
        ledger_write_arm(task_id)
        ChoreographyTask.objects.filter(pk=task_id).update(**projected, updated_at=rows[-1].created_at)
    return RebuildOutcome(task_id=task_id, changed=changed)


def reaped_error(task: ChoreographyTask, minutes: float) -> str:
    """The timeout, and where the task stopped: the last thing its job said (the real cause, when the job
    could not report its own failure) or that it never started."""
    error = timed_out_error(minutes)
    if task.stage == "queued":
        return f"{error} (it was still waiting for a free worker)"
    last = (task.message or "").strip().rstrip(".")
    return f"{error} (it stopped at: {last[:200]})" if last else error


def tasks_reap(*, timeout_seconds: int | None = None, now=None) -> list[str]:
    """Time out unfinished tasks with no event for longer than the timeout. Safe to run concurrently."""
    timeout_seconds = timeout_seconds if timeout_seconds is not None else settings.LEDGER_REAP_TIMEOUT_SECONDS
    cutoff = (now or timezone.now()) - timedelta(seconds=timeout_seconds)
    candidates = ChoreographyTask.objects.filter(
        status__in=[TaskStatus.STARTED, TaskStatus.RUNNING], updated_at__lt=cutoff
    ).values_list("task_id", flat=True)
    reaped = []
    for task_id in list(candidates):
        with transaction.atomic():
            task = (
                ChoreographyTask.objects.select_for_update(skip_locked=True)
                .filter(
                    pk=task_id, status__in=[TaskStatus.STARTED, TaskStatus.RUNNING], updated_at__lt=cutoff
                )
                .first()
            )
            if task is None:
                continue  # changed meanwhile, or another reaper holds it
            minutes = timeout_seconds / 60
            task_event_append(
                task_id,
                EventType.TIMED_OUT,
                {"minutes": minutes, "error": reaped_error(task, minutes)},
                actor="system",
            )
            job_cancel_after_commit(task_id, task.job_execution_name)
        reaped.append(task_id)
    return reaped
