"""The job's voice in the ledger: one attempt's events, a heartbeat, and cooperative cancellation."""

import logging
import re
import threading
import time
from collections.abc import Callable

from bachata.choreography.ledger.append import task_event_append
from bachata.choreography.ledger.errors import CancelRequested, IllegalTransition, TaskNotFound
from bachata.choreography.models import ChoreographyTask

logger = logging.getLogger(__name__)
HEARTBEAT_SECONDS = 8.0  # at least one event every 10 s while a long stage runs
CANCEL_POLL_SECONDS = 0.5


# An absolute path (not part of a URL): its directories go, its file name stays.
_ABSOLUTE_PATH = re.compile(r"(?<![\w:/.~-])/(?:[^\s'\"/:()]+/)*([^\s'\"/:()]*)")


def public_error(message: str) -> str:
    """A failure as users see it (the task's `error`): no server paths, e.g. the media root or the job's
    temporary directory that a decoder names in its message."""
    return _ABSOLUTE_PATH.sub(lambda match: match.group(1), message)


class JobCancelled(Exception):
    """Cancellation was requested: stop, clean up, record `cancelled`."""


class TaskGone(Exception):
    """The task ended (or moved on) without this attempt: stop quietly."""


class TaskReporter:
    def __init__(self, task_id: str, execution: str):
        self.task_id = task_id
        self.execution = execution
        self.attempt: int | None = None
        self.cancel_event = threading.Event()
        self.gone = threading.Event()
        self._stage, self._percent, self._message = "initializing", 0, None
        self._last_event_at = 0.0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    # -- events --------------------------------------------------------------------------------------------
    def _append(self, event_type: str, payload: dict | None = None, **kwargs) -> None:
        with self._lock:
            try:
                task_event_append(
                    self.task_id,
                    event_type,
                    payload,
                    actor="job",
                    attempt=self.attempt,
                    execution=self.execution,
                    **kwargs,
                )
            except CancelRequested:
                self.cancel_event.set()
                raise JobCancelled() from None
            except (IllegalTransition, TaskNotFound) as exc:  # not found: the legacy app deleted the task
                raise TaskGone(exc.message) from exc
            self._last_event_at = time.monotonic()

    def start(self) -> int:
        """Record `attempt_started` (the ledger picks the attempt number) and start the helpers."""
        with self._lock:
            try:
                event = task_event_append(
                    self.task_id, "attempt_started", actor="job", execution=self.execution
                )
            except CancelRequested:
                self.cancel_event.set()
                raise JobCancelled() from None
            except (IllegalTransition, TaskNotFound) as exc:  # not found: the legacy app deleted the task
                raise TaskGone(exc.message) from exc
            self.attempt = event.attempt
            self._last_event_at = time.monotonic()
        for target in (self._heartbeat, self._watch_for_cancel):
            thread = threading.Thread(target=target, daemon=True, name=target.__name__)
            thread.start()
            self._threads.append(thread)
        return self.attempt

    def stage(self, stage: str, percent: int, message: str | None = None) -> None:
        self.check_cancelled()
        self._stage, self._percent, self._message = stage, percent, message
        self._append("progress", self._progress_payload())

    def progress_within(self, low: int, high: int) -> Callable[[float], None]:
        """A callback taking 0..1 for long steps: reports percents between `low` and `high` of the stage."""

        def report(fraction: float) -> None:
            self.check_cancelled()
            percent = low + int((high - low) * max(0.0, min(1.0, fraction)))
            if percent > self._percent and time.monotonic() - self._last_event_at > 1.0:
                self._percent = percent
                self._append("progress", self._progress_payload())

        return report

    def _progress_payload(self) -> dict:
        payload = {"stage": self._stage, "percent": self._percent}
        if self._message:
            payload["message"] = self._message
        return payload

    def completed(self, result: dict) -> None:
        self._append("completed", {"result": result})

    def failed(self, error: str, *, retryable: bool) -> None:
        public = public_error(error)
        if public != error:
            logger.info("task %s: failed with %s", self.task_id, error)  # the full text stays in the job log
        self._append("failed", {"error": public, "retryable": retryable})

    def cancelled(self) -> bool:
        """Record `cancelled`; False when no cancellation was requested (or the task is already over)."""
        with self._lock:
            try:
                task_event_append(
                    self.task_id,
                    "cancelled",
                    {"reason": "the job stopped on request"},
                    actor="job",
                    attempt=self.attempt,
                )
            except (IllegalTransition, TaskNotFound) as exc:
                logger.info("task %s: cancellation not recorded (%s)", self.task_id, exc.message)
                return False
        return True

    # -- cancellation --------------------------------------------------------------------------------------
    def check_cancelled(self) -> None:
        if self.gone.is_set():
            raise TaskGone("the task was deleted")
        if self.cancel_event.is_set():
            raise JobCancelled()

    def should_stop(self) -> bool:
        return self.cancel_event.is_set()

    def _watch_for_cancel(self) -> None:
        from django.db import connection

        try:
            while not self._stop.wait(CANCEL_POLL_SECONDS):
                row = ChoreographyTask.objects.filter(pk=self.task_id).values_list("status", "stage").first()
                if (
                    row is None
                ):  # deleted (the legacy app's cancel and purge delete rows): nothing to report to
                    self.gone.set()
                if row is None or row[1] == "cancelling" or row[0] in ("completed", "failed"):
                    self.cancel_event.set()
                    return
        finally:
            connection.close()

    def _heartbeat(self) -> None:
        from django.db import connection

        try:
            while not self._stop.wait(1.0):
                if (
                    time.monotonic() - self._last_event_at >= HEARTBEAT_SECONDS
                    and not self.cancel_event.is_set()
                ):
                    try:
                        self._append("progress", self._progress_payload())
                    except (JobCancelled, TaskGone):
                        return
        finally:
            connection.close()

    def close(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=5)
