"""Reads on choreography tasks and their ledger."""

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from .ledger.append import stored_event
from .ledger.errors import LedgerError
from .ledger.projection import PROJECTED_COLUMNS, fold
from .models import ChoreographyTask, TaskEvent


def task_parameters(task_id: str) -> dict[str, Any]:
    """The generation parameters recorded in the task's `created` event ({} for legacy tasks)."""
    payload = (
        TaskEvent.objects.filter(task_id=task_id, type="created").values_list("payload", flat=True).first()
    )
    return dict((payload or {}).get("parameters") or {})


def task_current_attempt(task_id: str) -> int:
    attempt = (
        TaskEvent.objects.filter(task_id=task_id).order_by("-seq").values_list("attempt", flat=True).first()
    )
    return attempt or 1


@dataclass(frozen=True)
class Drift:
    task_id: str
    columns: dict[str, tuple[Any, Any]]  # column -> (stored, folded from events)
    error: str | None = None  # the history itself could not be replayed


def ledger_drift(batch_size: int = 500) -> Iterator[Drift]:
    """Replay every task that has events and yield those whose stored columns differ from fold(events)."""
    task_ids = TaskEvent.objects.order_by().values_list("task_id", flat=True).distinct()
    for task_id in task_ids.iterator(chunk_size=batch_size):
        task = ChoreographyTask.objects.filter(pk=task_id).first()
        if task is None:
            continue
        rows = list(TaskEvent.objects.filter(task_id=task_id).order_by("seq"))
        seqs = [row.seq for row in rows]
        if seqs != list(range(1, len(rows) + 1)):
            yield Drift(task_id, {}, error=f"sequence numbers are not gapless: {seqs[:10]}")
            continue
        events = [stored_event(row) for row in rows]
        try:
            state = fold(events)
        except LedgerError as exc:
            yield Drift(task_id, {}, error=f"history cannot be replayed: {exc.message}")
            continue
        folded = state.columns()
        columns = {
            name: (getattr(task, name), folded[name])
            for name in PROJECTED_COLUMNS
            if getattr(task, name) != folded[name]
        }
        if columns:
            yield Drift(task_id, columns)


def task_get_for_user(user, task_id: str) -> ChoreographyTask | None:
    """A task of this user (None for another user's task: the API answers 404 either way)."""
    if not isinstance(task_id, str) or len(task_id) > 36:
        return None
    return ChoreographyTask.objects.filter(pk=task_id, user=user).first()


API_STATUS_FILTERS = {
    "pending": {"status": "started"},
    "processing": {"status": "running"},
    "completed": {"status": "completed"},
    "cancelled": {"status": "failed", "stage": "cancelled"},
}


def tasks_for_user(user, api_status: str | None = None):
    tasks = ChoreographyTask.objects.filter(user=user).order_by("-created_at")
    if api_status == "failed":
        return tasks.filter(status="failed").exclude(stage="cancelled")
    if api_status:
        return tasks.filter(**API_STATUS_FILTERS[api_status])
    return tasks


def task_events(task: ChoreographyTask):
    return TaskEvent.objects.filter(task=task).order_by("seq")


def task_metrics(*, since) -> dict[str, Any]:
    """Operations view: tasks by API status, queue depth, and how long each stage takes (from the ledger)."""
    from django.db import connection
    from django.db.models import Count

    from .ledger.vocabulary import api_status

    by_status: dict[str, int] = {}
    for row in ChoreographyTask.objects.values("status", "stage").annotate(n=Count("pk")).order_by():
        key = api_status(row["status"], row["stage"])
        by_status[key] = by_status.get(key, 0) + row["n"]
    queued = ChoreographyTask.objects.filter(status="started", stage="queued").count()
    # Time from one progress event to the next within an attempt, attributed to the earlier event's stage.
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT stage, count(*), avg(seconds), percentile_cont(0.95) WITHIN GROUP (ORDER BY seconds)
            FROM (
                SELECT payload->>'stage' AS stage,
                       EXTRACT(EPOCH FROM lead(created_at) OVER w - created_at) AS seconds
                FROM task_events
                WHERE created_at >= %s AND type IN ('progress', 'completed', 'failed', 'cancelled')
                WINDOW w AS (PARTITION BY task_id, attempt ORDER BY seq)
            ) spans
            WHERE stage IS NOT NULL AND seconds IS NOT NULL
            GROUP BY stage ORDER BY stage
            """,
            [since],
        )
        stages = {
            stage: {"samples": n, "mean_seconds": round(float(mean), 3), "p95_seconds": round(float(p95), 3)}
            for stage, n, mean, p95 in cursor.fetchall()
        }
    return {"tasks_by_status": by_status, "queue_depth": queued, "stage_durations": stages, "since": since}
