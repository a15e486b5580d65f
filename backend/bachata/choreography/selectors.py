"""Reads on choreography tasks and their ledger."""

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db.models.expressions import RawSQL

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


# md5 of the task's whole row as PostgreSQL holds it: every write to the row changes it — the ledger's
# projection, or the legacy app saving its columns (whether or not it touches updated_at).
_ROW_DIGEST = RawSQL('md5("choreography_tasks"::text)', ())


def task_digest_for_user(user, task_id: str) -> str | None:
    """The row digest of this user's task (None if it is not theirs): one primary-key lookup that reads
    nothing out of the row, for answering a poll with 304 Not Modified."""
    if not isinstance(task_id, str) or len(task_id) > 36:
        return None
    rows = ChoreographyTask.objects.filter(pk=task_id, user=user).annotate(digest=_ROW_DIGEST)
    return rows.values_list("digest", flat=True).order_by().first()


def task_with_digest_for_user(user, task_id: str) -> ChoreographyTask | None:
    """`task_get_for_user`, with the row digest of the same read in `.digest`."""
    if not isinstance(task_id, str) or len(task_id) > 36:
        return None
    return ChoreographyTask.objects.filter(pk=task_id, user=user).annotate(digest=_ROW_DIGEST).first()


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


# ---- Reads for the support admin ----


def table_row_estimate(model) -> int:
    """PostgreSQL's own estimate of a table's rows (pg_class.reltuples): free to read, unlike COUNT(*).

    -1 when the table was never vacuumed or analysed (PostgreSQL 14+), 0 for an empty or fresh table.
    """
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reltuples::bigint FROM pg_class WHERE oid = to_regclass(%s)",
            [connection.ops.quote_name(model._meta.db_table)],
        )
        row = cursor.fetchone()
    return int(row[0]) if row else -1


def tasks_search(queryset, term: str):
    """Tasks whose id is `term`, or whose user's username or email is `term` (case-insensitive).

    Exact matches only, so the search uses the primary key and the (user_id, status) index instead of
    scanning choreography_tasks; the users are looked up first, in their own (much smaller) table.
    """
    from django.contrib.auth import get_user_model
    from django.db.models import Q

    term = term.strip()
    if not term:
        return queryset
    user_ids = list(
        get_user_model()
        .objects.filter(Q(username__iexact=term) | Q(email__iexact=term))
        .values_list("pk", flat=True)[:1000]
    )
    return queryset.filter(Q(pk__in={term, term.lower()}) | Q(user_id__in=user_ids))


@dataclass(frozen=True)
class TimelineEntry:
    event: TaskEvent
    since_previous: Any  # datetime.timedelta, or None for the task's first event


@dataclass(frozen=True)
class Timeline:
    entries: list[TimelineEntry]  # the latest `limit` events, oldest first
    total: int  # events the task has in all


def task_timeline(task_id: str, limit: int = 50) -> Timeline:
    """The task's latest events in order, each with the time elapsed since the event before it."""
    rows = list(TaskEvent.objects.filter(task_id=task_id).order_by("-seq")[: limit + 1])
    rows.reverse()  # one extra (older) row gives the first shown entry its "since previous"
    entries = [
        TimelineEntry(row, row.created_at - rows[i - 1].created_at if i else None)
        for i, row in enumerate(rows)
    ]
    shown = entries[-limit:] if limit else []
    total = TaskEvent.objects.filter(task_id=task_id).count() if len(rows) > limit else len(rows)
    return Timeline(entries=shown, total=total)


def task_idle_minutes(task_id: str) -> float | None:
    """Minutes since the task's columns last changed (None for a task that does not exist)."""
    from django.utils import timezone

    updated_at = ChoreographyTask.objects.filter(pk=task_id).values_list("updated_at", flat=True).first()
    if updated_at is None:
        return None
    return round(max((timezone.now() - updated_at).total_seconds(), 0) / 60, 1)
