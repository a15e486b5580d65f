"""The seam between the ledger and whatever runs the video job (local subprocess, Cloud Run Jobs).

Services call `job_launch_after_commit` / `job_cancel_after_commit`; the launcher runs only once the
transaction that recorded the request has committed, outside any row lock.
"""

import logging
from functools import partial
from typing import Protocol

from django.conf import settings
from django.db import transaction
from django.utils.module_loading import import_string

from .ledger.append import task_event_append
from .ledger.errors import LedgerError
from .ledger.vocabulary import EventType

logger = logging.getLogger(__name__)


class LauncherAtCapacity(Exception):
    """Every worker is busy: the task waits as `queued` until `job_dispatch_queued` finds room."""


class JobLauncher(Protocol):
    def launch(self, task_id: str) -> str:
        """Start the job for the task's current attempt; return the execution name.

        Raises LauncherAtCapacity when the task has to wait.
        """

    def cancel(self, task_id: str, execution_name: str | None) -> None:
        """Stop the execution if it is still running (best effort, idempotent)."""

    def has_capacity(self) -> bool:
        """Whether a launch now would start at once."""


def get_job_launcher() -> JobLauncher:
    return import_string(settings.JOB_LAUNCHER)()


def job_launch(task_id: str, *, actor: str = "system") -> str:
    """Launch the job and record `launched` (or `queued`, or a readable `failed`); return which."""
    try:
        execution = get_job_launcher().launch(task_id)
    except LauncherAtCapacity:
        try:
            task_event_append(task_id, EventType.QUEUED, actor=actor)
        except LedgerError:
            logger.info("task %s changed before it could be queued", task_id)
        return "queued"
    except Exception as exc:  # any launcher failure becomes a failed task, never a stuck one
        logger.exception("job launch failed for task %s", task_id)
        try:
            task_event_append(
                task_id,
                EventType.FAILED,
                {"error": f"Could not start the video job: {str(exc)[:300]}", "retryable": True},
                actor=actor,
            )
        except LedgerError:
            logger.warning("task %s changed before its launch failure could be recorded", task_id)
        return "failed"
    try:
        task_event_append(
            task_id, EventType.LAUNCHED, {"execution": execution}, actor=actor, execution=execution
        )
    except LedgerError:
        logger.warning("task %s was superseded before its launch could be recorded", task_id)
    return "launched"


def job_dispatch_queued(*, actor: str = "system") -> list[str]:
    """Launch waiting tasks, oldest first, while the launcher has room. Safe to call from anywhere."""
    from .models import ChoreographyTask

    launcher = get_job_launcher()
    waiting = ChoreographyTask.objects.filter(status="started", stage="queued").order_by("updated_at")
    launched = []
    for task_id in waiting.values_list("task_id", flat=True):
        if not launcher.has_capacity() or job_launch(task_id, actor=actor) != "launched":
            break
        launched.append(task_id)
    return launched


def job_launch_after_commit(task_id: str, *, actor: str = "system") -> None:
    transaction.on_commit(partial(job_launch, task_id, actor=actor))


def job_cancel_after_commit(task_id: str, execution_name: str | None) -> None:
    def cancel() -> None:
        try:
            get_job_launcher().cancel(task_id, execution_name)
        except Exception:
            logger.exception("cancelling the execution of task %s failed", task_id)

    transaction.on_commit(cancel)
