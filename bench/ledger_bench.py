"""Appends per second of the task ledger (append + projection) against the legacy plain UPDATE.

The script creates a throwaway database `bench_ledger_<random>` on the server named by $DATABASE_URL
(default postgres://postgres@127.0.0.1:5432/postgres), migrates it with `manage.py migrate`, measures,
and drops it again: it never touches real data.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
        uv run python bench/ledger_bench.py --events 2000 --writers 8 --rounds 3 --json var/bench/ledger.json

What is measured, in the same run on the same database, each writer being its own process with its own
connection (processes, not threads, so that the GIL does not serialise the Python side of the writers):

- ledger: `task_event_append(...)` - lock the task row, read the last event, insert the event, update the
  legacy columns of `choreography_tasks`, in one transaction;
- plain: `UPDATE choreography_tasks SET status, progress, stage, message, updated_at = now() WHERE task_id`
  in autocommit, one statement per change (what the legacy app's `task.save(update_fields=...)` sends);

in three scenarios: one writer on its own task, N writers each on its own task, N writers on one shared
task (row-lock contention). Each measurement writes --events events in total, split evenly across its
writers. A task's stream is `attempt_started`, --per-attempt `progress` events (stages downloading ->
finalizing, percent non-decreasing) and `completed`; a writer moves on to a new task when its stream is
done. On the shared task the writers send `progress` events only (a `completed` would end the attempt for
everyone). The plain writer sends the same changes as column values.

A warm-up (untimed) runs first, and every writer warms its connection up before the timed part starts.
Every round runs every (scenario, method); the table reports, per (scenario, method), the round with the
best events/s, every round's events/s, and the cost against the plain UPDATE (best against best, and
round by round). The machine may be shared: run several rounds, and read the spread.

`--profile` adds, for diagnosis (the ledger code itself is used as it is, never changed):
- round trips per append (the statements Django sends);
- what-if variants of the append, same checks and same rows, measured in the same scenarios: raw SQL
  with the same statements; the same pipelined into two round trips; that plus no WAL-flush wait for
  `progress` events; and, after adding a seq column to choreography_tasks in the throwaway database,
  one compare-and-set statement in autocommit with the locked path as fallback;
- single-writer timings on one connection, the variants interleaved, with client and server CPU time;
- where the time of one append goes, step by step (an instrumented copy of task_event_append);
- ORM query building measured alone, and a cProfile summary.
"""

import argparse
import contextlib
import cProfile
import functools
import io
import json
import math
import multiprocessing as mp
import os
import platform
import pstats
import secrets
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

REPO_ROOT = Path(__file__).resolve().parent.parent
BACKEND = REPO_ROOT / "backend"
DEFAULT_SERVER_URL = "postgres://postgres@127.0.0.1:5432/postgres"

STAGES = ("downloading", "analyzing", "selecting", "generating", "finalizing")
EXECUTION = "bench-execution"
RESULT = {
    "video_url": "https://storage.example.com/choreographies/bench.mp4",
    "duration": 183.4,
    "moves_used": 42,
    "difficulty": "intermediate",
    "auto_saved": False,
}
# What-if only, added to the throwaway database by --profile: the seq of a task's last event, on its row.
SEQ_COLUMN = "bench_last_seq"
PLAIN_SQL = (
    "UPDATE choreography_tasks SET status = %s, progress = %s, stage = %s, message = %s, "
    "updated_at = now() WHERE task_id = %s"
)
METHOD_LABELS = {
    "ledger": "ledger (append + projection)",
    "plain": "plain UPDATE (autocommit)",
    "sql": "what-if: ledger in raw SQL, same statements",
    "pipelined": "what-if: raw SQL, pipelined (2 round trips)",
    "async": "what-if: pipelined + no WAL-flush wait for progress",
    "optimistic": "what-if: one statement (compare-and-set), autocommit",
}


# ---- the event streams -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """One change: the ledger event, and the same change as the legacy columns for the plain UPDATE."""

    task_id: str
    type: str
    payload: dict
    columns: tuple  # status, progress, stage, message


@dataclass
class Plan:
    scenario: str
    method: str
    writers: list[tuple[list[Step], list[Step]]]  # per writer: (warm-up steps, timed steps)
    task_ids: list[str] = field(default_factory=list)
    ledger_events: int = 0  # events the ledger will have stored for these tasks once the plan has run


def task_stream(task_id: str, per_attempt: int) -> list[Step]:
    from bachata.choreography.ledger import vocabulary as v

    return [
        Step(task_id, "attempt_started", {}, ("running", 0, "initializing", v.ATTEMPT_STARTED_MESSAGE)),
        *progress_stream(task_id, per_attempt),
        Step(task_id, "completed", {"result": RESULT}, ("completed", 100, "completed", v.COMPLETED_MESSAGE)),
    ]


def progress_stream(task_id: str, count: int) -> list[Step]:
    """`count` progress events: the stages in order, the percent from 0 towards 100, never decreasing."""
    from bachata.choreography.ledger import vocabulary as v

    steps = []
    for i in range(count):
        stage = STAGES[i * len(STAGES) // count]
        percent = i * 100 // count
        steps.append(
            Step(
                task_id,
                "progress",
                {"stage": stage, "percent": percent},
                ("running", percent, stage, v.STAGE_MESSAGES[stage]),
            )
        )
    return steps


def new_task(user, plan: Plan, start_attempt: bool) -> str:
    from bachata.choreography.ledger.append import task_event_append, task_history_start

    task = task_history_start(user=user, parameters={"song": "bench", "difficulty": "intermediate"})
    plan.task_ids.append(task.task_id)
    plan.ledger_events += 1
    if start_attempt:
        task_event_append(task.task_id, "attempt_started", {}, actor="job", attempt=1, execution=EXECUTION)
        plan.ledger_events += 1
    return task.task_id


def own_task_steps(user, plan: Plan, count: int, per_attempt: int) -> list[Step]:
    steps: list[Step] = []
    while len(steps) < count:
        steps.extend(task_stream(new_task(user, plan, start_attempt=False), per_attempt))
    return steps[:count]


def build_plan(user, scenario: str, method: str, writers: int, events: int, warmup: int, per_attempt: int):
    plan = Plan(scenario, method, [])
    shares = [events // writers + (1 if i < events % writers else 0) for i in range(writers)]
    if scenario == "shared":
        task_id = new_task(user, plan, start_attempt=method != "plain")
        for share in shares:
            plan.writers.append((progress_stream(task_id, warmup), progress_stream(task_id, share)))
    else:
        for share in shares:
            warm = own_task_steps(user, plan, warmup, per_attempt)
            plan.writers.append((warm, own_task_steps(user, plan, share, per_attempt)))
    plan.ledger_events += sum(len(warm) + len(timed) for warm, timed in plan.writers)
    return plan


# ---- the writers (run in forked child processes) -------------------------------------------------------

_STATE: dict[str, Any] = {}


def append_ledger(step: Step) -> None:
    from bachata.choreography.ledger.append import task_event_append

    task_event_append(step.task_id, step.type, step.payload, actor="job", attempt=1, execution=EXECUTION)


def append_plain(step: Step) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(PLAIN_SQL, [*step.columns, step.task_id])


def raw_connection() -> psycopg.Connection:
    # prepare_threshold=None: no server-side prepared statements, like Django's connections.
    if "pg" not in _STATE:
        _STATE["pg"] = psycopg.connect(os.environ["DATABASE_URL"], autocommit=True, prepare_threshold=None)
    return _STATE["pg"]


def _sql_statements() -> dict[str, str]:
    from bachata.choreography.ledger.projection import PROJECTED_COLUMNS

    return {
        "lock": f"SELECT {', '.join(PROJECTED_COLUMNS)} FROM choreography_tasks WHERE task_id = %s FOR UPDATE",
        "last": "SELECT seq, attempt, projection_digest FROM task_events WHERE task_id = %s "
        "ORDER BY seq DESC LIMIT 1",
        "insert": "INSERT INTO task_events (task_id, seq, type, payload, attempt, execution, idempotency_key, "
        "actor, created_at, projection_digest) VALUES (%s, %s, %s, %s, %s, %s, NULL, %s, %s, %s)",
        "update": "UPDATE choreography_tasks SET "
        + ", ".join(f"{name} = %s" for name in PROJECTED_COLUMNS)
        + ", updated_at = %s WHERE task_id = %s",
        "update_seq": "UPDATE choreography_tasks SET "
        + ", ".join(f"{name} = %s" for name in PROJECTED_COLUMNS)
        + f", updated_at = %s, {SEQ_COLUMN} = %s WHERE task_id = %s",
        # One statement, autocommit: move the columns from the state the writer last saw to the new one,
        # only if no event was appended since (compare-and-set on a seq column of the task row) and no
        # legacy write changed the columns; the event row is inserted only when the row moved.
        "optimistic": "WITH moved AS (UPDATE choreography_tasks SET "
        + ", ".join(f"{name} = %s" for name in PROJECTED_COLUMNS)
        + f", updated_at = %s, {SEQ_COLUMN} = %s WHERE task_id = %s AND {SEQ_COLUMN} = %s AND "
        + " AND ".join(f"{name} IS NOT DISTINCT FROM %s" for name in PROJECTED_COLUMNS)
        + " RETURNING task_id) INSERT INTO task_events (task_id, seq, type, payload, attempt, execution, "
        "idempotency_key, actor, created_at, projection_digest) "
        "SELECT task_id, %s, %s, %s, %s, %s, NULL, %s, %s, %s FROM moved",
    }


def ledger_writes(
    step: Step, row: tuple, last: tuple | None, now: datetime, seq_column: bool = False
) -> tuple[list[tuple[str, list]], Any, int]:
    """The ledger's append logic (same checks, same rows) on a fetched task row and last event.

    Returns the statements to run, the state after them and the seq of the last event they insert.
    """
    from bachata.choreography.ledger.projection import (
        PROJECTED_COLUMNS,
        Event,
        TaskState,
        apply_event,
        columns_digest,
        snapshot_payload,
    )
    from psycopg.types.json import Jsonb

    statements = _STATE.setdefault("sql", _sql_statements())
    if row is None:
        raise RuntimeError(f"task {step.task_id} does not exist")
    last_seq, current_attempt, last_digest = last if last else (0, 1, None)
    state = TaskState.from_columns(dict(zip(PROJECTED_COLUMNS, row, strict=True)), attempt=current_attempt)
    new_events = []
    if last_digest != columns_digest(state.columns()):
        reason = "first_touch" if last is None else "external_change"
        adopted = Event("adopted", snapshot_payload(state, reason), current_attempt, None, now)
        state = apply_event(state if last else None, adopted)
        new_events.append((adopted, "system", state))
    event = Event(step.type, step.payload, 1, EXECUTION, now)
    state = apply_event(state, event)
    new_events.append((event, "job", state))
    writes = [
        (
            statements["insert"],
            [
                step.task_id,
                last_seq + offset,
                str(stored.type),
                Jsonb(dict(stored.payload)),
                stored.attempt,
                stored.execution,
                actor,
                stored.created_at,
                columns_digest(after.columns()),
            ],
        )
        for offset, (stored, actor, after) in enumerate(new_events, start=1)
    ]
    new_seq = last_seq + len(new_events)
    if seq_column:
        writes.append((statements["update_seq"], [*sql_columns(state), now, new_seq, step.task_id]))
    else:
        writes.append((statements["update"], [*sql_columns(state), now, step.task_id]))
    return writes, state, new_seq


def sql_columns(state) -> list:
    from psycopg.types.json import Jsonb

    columns = state.columns()
    if columns["result"] is not None:
        columns["result"] = Jsonb(columns["result"])
    return list(columns.values())


def append_sql(step: Step) -> None:
    """What-if: the ledger's append with raw SQL instead of the ORM; the same six round trips."""
    statements = _STATE.setdefault("sql", _sql_statements())
    conn = raw_connection()
    now = datetime.now(UTC)
    with conn.transaction():
        row = conn.execute(statements["lock"], [step.task_id]).fetchone()
        last = conn.execute(statements["last"], [step.task_id]).fetchone()
        for statement, params in ledger_writes(step, row, last, now)[0]:
            conn.execute(statement, params)


def append_pipelined(step: Step, async_progress: bool = False, seq_column: bool = False) -> tuple[Any, int]:
    """What-if: raw SQL in two round trips: BEGIN + lock + last event, then insert + update + COMMIT.

    The statements and their order do not change: the server runs them one after the other, so the last
    event is still read (with a fresh snapshot) after the row lock is held. With async_progress, a
    `progress` event's transaction does not wait for its WAL flush (SET LOCAL synchronous_commit = off):
    a server crash may lose the last few hundred ms of progress events together with their columns.
    """
    statements = _STATE.setdefault("sql", _sql_statements())
    conn = raw_connection()
    now = datetime.now(UTC)
    try:
        with conn.pipeline() as pipeline:
            conn.execute("BEGIN")
            if async_progress and step.type == "progress":
                conn.execute("SET LOCAL synchronous_commit TO off")
            task_cursor = conn.execute(statements["lock"], [step.task_id])
            last_cursor = conn.execute(statements["last"], [step.task_id])
            pipeline.sync()
            writes, state, seq = ledger_writes(
                step, task_cursor.fetchone(), last_cursor.fetchone(), now, seq_column
            )
            for statement, params in writes:
                conn.execute(statement, params)
            conn.execute("COMMIT")
    except BaseException:
        conn.rollback()
        raise
    return state, seq


def append_optimistic(step: Step) -> None:
    """What-if: one statement in autocommit, from the state this writer left; else the locked path.

    The writer keeps the state and seq its last append left. The statement moves the task row from that
    state only if its seq column still holds that seq (a compare-and-set: no other writer appended since;
    under READ COMMITTED a concurrent update makes PostgreSQL re-check the condition on the new row) and
    the columns still hold that state (no legacy write since); the event row is inserted in the same
    statement only if the row moved. When it did not move, or the writer knows nothing yet, the pipelined
    locked path runs and refreshes what the writer knows. Needs the seq column on choreography_tasks.
    """
    from bachata.choreography.ledger.errors import LedgerError
    from bachata.choreography.ledger.projection import Event, apply_event, columns_digest
    from psycopg.types.json import Jsonb

    statements = _STATE.setdefault("sql", _sql_statements())
    known = _STATE.setdefault("known", {})
    if step.task_id in known:
        seq, state = known[step.task_id]
        now = datetime.now(UTC)
        try:
            after = apply_event(state, Event(step.type, step.payload, 1, EXECUTION, now))
        except LedgerError:
            after = None  # the locked path decides on the task's real state
        if after is not None:
            params = [*sql_columns(after), now, seq + 1, step.task_id, seq, *sql_columns(state)]
            params += [seq + 1, step.type, Jsonb(dict(step.payload)), 1, EXECUTION, "job", now]
            params.append(columns_digest(after.columns()))
            if raw_connection().execute(statements["optimistic"], params).rowcount == 1:
                known[step.task_id] = (seq + 1, after)
                return
    _STATE["fallbacks"] = _STATE.get("fallbacks", 0) + 1
    state, seq = append_pipelined(step, seq_column=True)
    known[step.task_id] = (seq, state)


def append_pipelined_async(step: Step) -> None:
    append_pipelined(step, async_progress=True)


def add_seq_column() -> None:
    """What-if only (the throwaway database): the seq of the last event on the task row."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"ALTER TABLE choreography_tasks ADD COLUMN {SEQ_COLUMN} integer NOT NULL DEFAULT 0")


APPENDERS = {
    "ledger": append_ledger,
    "plain": append_plain,
    "sql": append_sql,
    "pipelined": append_pipelined,
    "async": append_pipelined_async,
    "optimistic": append_optimistic,
}


def instrumented_append(step: Step, parts: dict[str, list[int]]) -> None:
    """A copy of task_event_append (no idempotency key, no adoption) that times each of its steps."""
    from bachata.choreography.ledger.append import _event_fields, task_lock
    from bachata.choreography.ledger.projection import Event, TaskState, apply_event, columns_digest
    from bachata.choreography.models import ChoreographyTask, TaskEvent
    from django.db import transaction
    from django.utils import timezone

    clock = [time.perf_counter_ns(), time.process_time_ns()]

    def mark(name: str) -> None:
        now_ns = [time.perf_counter_ns(), time.process_time_ns()]
        parts[name][0] += now_ns[0] - clock[0]
        parts[name][1] += now_ns[1] - clock[1]
        clock[:] = now_ns

    with transaction.atomic():
        task = task_lock(step.task_id)
        mark("BEGIN + SELECT task FOR UPDATE: select_for_update().get()")
        now = timezone.now()
        last = (
            TaskEvent.objects.filter(task_id=step.task_id)
            .order_by("-seq")
            .values_list("seq", "attempt", "projection_digest")
            .first()
        )
        mark("SELECT last event: .values_list().first()")
        last_seq, current_attempt, last_digest = last if last else (0, 1, None)
        state = TaskState.from_columns(task.__dict__, attempt=current_attempt)
        if last_digest != columns_digest(state.columns()):
            raise RuntimeError("the instrumented copy does not handle adoption")
        event = Event(step.type, dict(step.payload), 1, EXECUTION, now)
        state = apply_event(state, event)
        new_events = [TaskEvent(**_event_fields(step.task_id, last_seq + 1, event, "job", None, state))]
        mark("ledger logic + TaskEvent(...)")
        TaskEvent.objects.bulk_create(new_events)
        mark("INSERT event: bulk_create()")
        ChoreographyTask.objects.filter(pk=step.task_id).update(**state.columns(), updated_at=now)
        mark("UPDATE legacy columns: .update()")
    mark("COMMIT (leaving atomic)")


def backend_pid(method: str) -> int:
    if method in ("ledger", "plain"):
        from django.db import connection

        connection.ensure_connection()
        return connection.connection.info.backend_pid
    return raw_connection().info.backend_pid


def process_cpu_ns(pid: int) -> int | None:
    """utime + stime of a process (the server backend when the server runs on this machine)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) * 1_000_000_000 // os.sysconf("SC_CLK_TCK")


def writer_main(method: str, warm: list[Step], timed: list[Step], barrier, results, index: int) -> None:
    from django.db import connections

    try:
        append = APPENDERS[method]
        for step in warm:  # opens this process's connection and warms it up
            append(step)
        server_pid = backend_pid(method)
        barrier.wait(timeout=300)
        latencies = []
        clock = time.perf_counter_ns
        server_cpu = process_cpu_ns(server_pid)
        client_cpu = time.process_time_ns()
        start = clock()
        for step in timed:
            t0 = clock()
            append(step)
            latencies.append(clock() - t0)
        end = clock()
        client_cpu = time.process_time_ns() - client_cpu
        server_end = process_cpu_ns(server_pid)
        server_cpu = server_end - server_cpu if server_cpu is not None and server_end is not None else None
        results.put((index, start, end, latencies, client_cpu, server_cpu, _STATE.get("fallbacks", 0), None))
    except BaseException as exc:
        barrier.abort()
        results.put((index, 0, 0, [], 0, None, 0, f"{type(exc).__name__}: {exc}"))
    finally:
        connections.close_all()
        if "pg" in _STATE:
            _STATE.pop("pg").close()


def percentile(sorted_values: list[int], fraction: float) -> int:
    """Nearest-rank percentile."""
    return sorted_values[max(0, math.ceil(fraction * len(sorted_values)) - 1)]


def measure(plan: Plan) -> dict:
    """Run a plan's writers in forked processes; each opens its own connection."""
    from django.db import connections

    connections.close_all()  # children must not share the parent's connection
    context = mp.get_context("fork")
    barrier = context.Barrier(len(plan.writers))
    results = context.Queue()
    processes = [
        context.Process(target=writer_main, args=(plan.method, warm, timed, barrier, results, index))
        for index, (warm, timed) in enumerate(plan.writers)
    ]
    for process in processes:
        process.start()
    try:
        collected = [results.get(timeout=900) for _ in processes]
    finally:
        for process in processes:
            process.join(timeout=60)
            if process.is_alive():
                process.terminate()
    errors = [error for *_, error in collected if error]
    if errors:
        raise RuntimeError(f"{plan.scenario}/{plan.method}: a writer failed: {errors[0]}")
    start = min(item[1] for item in collected)
    end = max(item[2] for item in collected)
    latencies = sorted(value for item in collected for value in item[3])
    seconds = (end - start) / 1e9
    server_cpu = [item[5] for item in collected]
    return {
        "scenario": plan.scenario,
        "method": plan.method,
        "writers": len(plan.writers),
        "events": len(latencies),
        "seconds": round(seconds, 4),
        "events_per_s": round(len(latencies) / seconds, 1),
        "mean_ms": round(statistics.fmean(latencies) / 1e6, 3),
        "p50_ms": round(percentile(latencies, 0.50) / 1e6, 3),
        "p99_ms": round(percentile(latencies, 0.99) / 1e6, 3),
        "max_ms": round(latencies[-1] / 1e6, 3),
        "client_cpu_us_per_event": round(sum(item[4] for item in collected) / len(latencies) / 1e3, 1),
        "server_cpu_us_per_event": (
            round(sum(server_cpu) / len(latencies) / 1e3, 1) if None not in server_cpu else None
        ),
        "fallbacks": sum(item[6] for item in collected),
        "loadavg_1m": round(os.getloadavg()[0], 2),
    }


# ---- profiling ---------------------------------------------------------------------------------------


def fresh_steps(user, plans: list[Plan], method: str, count: int) -> list[Step]:
    """A new running task and `count` progress events for it (recorded for the final check)."""
    plan = Plan("profile", method, [])
    steps = progress_stream(new_task(user, plan, start_attempt=True), count)
    plan.ledger_events += count
    plans.append(plan)
    return steps


PROFILE_VARIANTS = {  # name: (method, appender); None: the instrumented copy of the ledger's append
    "plain UPDATE": ("plain", append_plain),
    "ledger": ("ledger", append_ledger),
    "ledger, instrumented copy": ("ledger", None),
    "sql": ("sql", append_sql),
    "pipelined": ("pipelined", append_pipelined),
    "async": ("async", append_pipelined_async),
    "optimistic": ("optimistic", append_optimistic),
}


def interleaved(user, plans: list[Plan], names: list[str], count: int, blocks: int = 4) -> dict:
    """Single writer on one connection per variant, the variants interleaved in blocks so that a busy
    moment of the shared machine hits them alike: wall time per append (best block, and every block),
    client CPU and server backend CPU per append (over all blocks), and the instrumented copy's steps."""
    from django.db import connection

    size = count // blocks
    streams = {name: fresh_steps(user, plans, PROFILE_VARIANTS[name][0], size * blocks) for name in names}
    wall: dict[str, list[float]] = defaultdict(list)
    cpu: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])  # client ns, server ns, appends
    parts: dict[str, list[int]] = defaultdict(lambda: [0, 0])  # wall ns, client CPU ns
    for block in range(blocks):
        with connection.cursor() as cursor:
            t0 = time.perf_counter_ns()
            for _ in range(size):
                cursor.execute("SELECT 1")
            wall["SELECT 1"].append((time.perf_counter_ns() - t0) / size / 1e3)
        for name in names:
            method, fn = PROFILE_VARIANTS[name]
            if fn is None:
                fn = functools.partial(instrumented_append, parts=parts)
            steps = streams[name][block * size : (block + 1) * size]
            fn(steps[0])  # opens the connection (and, for the optimistic writer, learns the task's state)
            pid = backend_pid(method)
            server0, client0, t0 = process_cpu_ns(pid), time.process_time_ns(), time.perf_counter_ns()
            for step in steps[1:]:
                fn(step)
            wall[name].append((time.perf_counter_ns() - t0) / (len(steps) - 1) / 1e3)
            server1 = process_cpu_ns(pid)
            cpu[name][0] += time.process_time_ns() - client0
            cpu[name][1] += server1 - server0 if server0 is not None and server1 is not None else 0
            cpu[name][2] += len(steps) - 1
    report = {
        "blocks": blocks,
        "appends_per_block": size,
        "wall_us": {name: round(min(values), 1) for name, values in wall.items()},
        "wall_us_all_blocks": {name: [round(value, 1) for value in values] for name, values in wall.items()},
        "cpu_us": {
            name: {"client": round(client / n / 1e3, 1), "server": round(server / n / 1e3, 1)}
            for name, (client, server, n) in cpu.items()
        },
    }
    if parts:
        appended = size * blocks
        report["breakdown"] = {
            name: {"wall_us": round(w / appended / 1e3, 1), "client_cpu_us": round(c / appended / 1e3, 1)}
            for name, (w, c) in parts.items()
        }
    return report


def profile(user, plans: list[Plan], count: int) -> dict:
    """Statements per append, where one append's time goes, and a cProfile summary (single writer)."""
    from bachata.choreography.ledger.projection import (
        Event,
        TaskState,
        apply_event,
        columns_digest,
    )
    from bachata.choreography.models import ChoreographyTask, TaskEvent
    from django.db import connection, transaction
    from django.db.models import sql as orm_sql
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    report: dict[str, Any] = {}

    # 1. The statements one append sends (a progress event on a running task).
    steps = fresh_steps(user, plans, "ledger", 40)
    for step in steps[:20]:
        append_ledger(step)
    with CaptureQueriesContext(connection) as captured:
        for step in steps[20:]:
            append_ledger(step)
    # Django logs BEGIN and COMMIT too: every entry is one network round trip.
    report["round_trips_per_append"] = len(captured) / 20
    report["statements"] = [query["sql"] for query in captured.captured_queries[: len(captured) // 20]]
    report["sql_statements_per_append"] = len(
        [q for q in report["statements"] if q not in ("BEGIN", "COMMIT")]
    )

    # 2. The variants side by side on one connection, and the steps of the ledger's append (an
    #    instrumented copy of task_event_append: the same ORM calls in the same order, each step timed
    #    in wall time and client CPU time; wall - CPU is waiting: round trip, server, WAL flush, and
    #    the scheduler on a busy machine).
    names = ["plain UPDATE", "ledger", "ledger, instrumented copy", "sql", "pipelined", "async"]
    report["single_connection"] = interleaved(user, plans, names, count)

    # 3. Parts of the Python side, measured alone.
    task_id = steps[0].task_id
    columns = {
        "status": "running",
        "progress": 0,
        "stage": "initializing",
        "message": "x",
        "result": None,
        "error": None,
        "job_execution_name": EXECUTION,
    }

    def ledger_logic():
        state = TaskState.from_columns(columns, attempt=1)
        columns_digest(state.columns())
        state = apply_event(state, Event("progress", {"stage": "analyzing", "percent": 5}, 1, EXECUTION))
        columns_digest(state.columns())

    def compile_lock():
        ChoreographyTask.objects.select_for_update().filter(pk=task_id)[:21].query.get_compiler(
            "default"
        ).as_sql()

    def compile_last():
        query = TaskEvent.objects.filter(task_id=task_id).order_by("-seq").values_list("seq", "attempt")
        query[:1].query.get_compiler("default").as_sql()

    def compile_insert():
        event = TaskEvent(
            task_id=task_id,
            seq=1,
            type="progress",
            payload={"stage": "analyzing", "percent": 5},
            attempt=1,
            execution=EXECUTION,
            actor="job",
            created_at=timezone.now(),
            projection_digest="0" * 32,
        )
        fields = [field for field in TaskEvent._meta.concrete_fields if not field.primary_key]
        query = orm_sql.InsertQuery(TaskEvent)
        query.insert_values(fields, [event])
        query.get_compiler("default").as_sql()

    def compile_update():
        query = ChoreographyTask.objects.filter(pk=task_id).query.chain(orm_sql.UpdateQuery)
        query.add_update_values({**columns, "updated_at": timezone.now()})
        query.get_compiler("default").as_sql()

    python_parts = {
        "ledger logic (from_columns, apply_event, 2 digests)": ledger_logic,
        "ORM: build + compile SELECT ... FOR UPDATE": compile_lock,
        "ORM: build + compile SELECT last event": compile_last,
        "ORM: TaskEvent(...) + compile INSERT": compile_insert,
        "ORM: build + compile UPDATE": compile_update,
    }
    report["python_parts_us"] = {}
    with transaction.atomic():
        for name, fn in python_parts.items():
            fn()
            t0 = time.perf_counter_ns()
            for _ in range(count):
                fn()
            report["python_parts_us"][name] = round((time.perf_counter_ns() - t0) / count / 1e3, 1)

    # 4. cProfile of the ledger appends.
    steps = fresh_steps(user, plans, "ledger", count)
    profiler = cProfile.Profile()
    profiler.enable()
    for step in steps:
        append_ledger(step)
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(12)
    report["cprofile_top_tottime"] = out.getvalue()

    # 5. The optimistic one-statement append, which needs a seq column on the task row: added now, at
    #    the end, so that every other measurement ran on the schema as migrated.
    add_seq_column()
    report["optimistic_single_connection"] = interleaved(
        user, plans, ["plain UPDATE", "ledger", "sql", "optimistic"], count
    )
    if "pg" in _STATE:
        _STATE.pop("pg").close()
    return report


# ---- checks ------------------------------------------------------------------------------------------


def verify(plans: list[Plan]) -> dict:
    """Every history the ledger (or a what-if variant) wrote replays to the stored columns, gapless."""
    from bachata.choreography.models import TaskEvent
    from bachata.choreography.selectors import ledger_drift

    ledger_plans = [plan for plan in plans if plan.method != "plain"]
    task_ids = {task_id for plan in ledger_plans for task_id in plan.task_ids}
    expected = sum(plan.ledger_events for plan in ledger_plans)
    stored = TaskEvent.objects.filter(task_id__in=task_ids).count()
    adopted = TaskEvent.objects.filter(task_id__in=task_ids, type="adopted").count()
    drifted = [drift.task_id for drift in ledger_drift() if drift.task_id in task_ids]
    ok = stored == expected and adopted == 0 and not drifted
    return {
        "ok": ok,
        "tasks": len(task_ids),
        "events_expected": expected,
        "events_stored": stored,
        "adopted_events": adopted,
        "drifted_tasks": len(drifted),
    }


# ---- the report --------------------------------------------------------------------------------------


def summarise(results: list[dict], methods: list[str]) -> list[dict]:
    """Per (scenario, method): the best round, the spread, and the cost against the plain UPDATE."""
    by_key: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for result in results:
        by_key[result["scenario"], result["method"]].append(result)
    rows = []
    for scenario in dict.fromkeys(result["scenario"] for result in results):
        plain_by_round = {r["round"]: r["events_per_s"] for r in by_key[scenario, "plain"]}
        plain_best = max(plain_by_round.values())
        for method in methods:
            rounds = by_key[scenario, method]
            best = max(rounds, key=lambda r: r["events_per_s"])
            same_round = [plain_by_round[r["round"]] / r["events_per_s"] for r in rounds]
            rows.append(
                {
                    **best,
                    "rounds": len(rounds),
                    "events_per_s_all_rounds": [r["events_per_s"] for r in rounds],
                    "cost_vs_plain": round(plain_best / best["events_per_s"], 2),
                    "cost_vs_plain_same_round": [round(ratio, 2) for ratio in same_round],
                }
            )
    return rows


def scenario_label(scenario: str, writers: int) -> str:
    return {
        "single": "1 writer, own task",
        "own": f"{writers} writers, own task each",
        "shared": f"{writers} writers, one shared task",
    }[scenario]


def markdown_table(rows: list[dict]) -> str:
    lines = [
        "| Scenario | Method | events/s (best) | mean ms | p50 ms | p99 ms | events/s, all rounds "
        "| cost vs plain (best; per round) | client CPU us/event | server CPU us/event |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        rounds = ", ".join(f"{value:,.0f}" for value in row["events_per_s_all_rounds"])
        ratios = ", ".join(f"{value:.1f}" for value in row["cost_vs_plain_same_round"])
        server = row["server_cpu_us_per_event"]
        lines.append(
            f"| {scenario_label(row['scenario'], row['writers'])} | {METHOD_LABELS[row['method']]} "
            f"| {row['events_per_s']:,.0f} | {row['mean_ms']:.2f} | {row['p50_ms']:.2f} | {row['p99_ms']:.2f} "
            f"| {rounds} | {row['cost_vs_plain']:.2f}x ({ratios}) | {row['client_cpu_us_per_event']:,.0f} "
            f"| {'n/a' if server is None else f'{server:,.0f}'} |"
        )
    return "\n".join(lines)


PROFILE_LABELS = {
    "SELECT 1": "one round trip (`SELECT 1`, autocommit)",
    "plain UPDATE": METHOD_LABELS["plain"],
    "ledger": METHOD_LABELS["ledger"],
    "ledger, instrumented copy": "ledger, instrumented copy (below)",
    "sql": METHOD_LABELS["sql"],
    "pipelined": METHOD_LABELS["pipelined"],
    "async": METHOD_LABELS["async"],
    "optimistic": METHOD_LABELS["optimistic"],
}


def print_interleaved(report: dict) -> None:
    wall, cpu = report["wall_us"], report["cpu_us"]
    print(
        f"Single writer, one connection per variant, the variants interleaved in {report['blocks']} blocks "
        f"of {report['appends_per_block']} appends; wall: best block; CPU: mean over all blocks (server = "
        "the connection's backend process).\n"
    )
    print("| variant | wall us/append | events/s | cost vs plain | client CPU us | server CPU us |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, value in wall.items():
        client = cpu.get(name, {}).get("client")
        server = cpu.get(name, {}).get("server")
        print(
            f"| {PROFILE_LABELS[name]} | {value:,.0f} | {1e6 / value:,.0f} | {value / wall['plain UPDATE']:.2f}x "
            f"| {'' if client is None else f'{client:,.0f}'} | {'' if server is None else f'{server:,.0f}'} |"
        )


def print_profile(report: dict) -> None:
    print("\n### Profile: single writer, progress events on a running task\n")
    print(
        f"Round trips per ledger append: {report['round_trips_per_append']:g} "
        f"({report['sql_statements_per_append']} SQL statements + BEGIN + COMMIT):\n"
    )
    for statement in report["statements"]:
        print(f"- `{statement[:150]}{'...' if len(statement) > 150 else ''}`")
    print()
    print_interleaved(report["single_connection"])
    breakdown = report["single_connection"]["breakdown"]
    total_wall = sum(part["wall_us"] for part in breakdown.values())
    total_cpu = sum(part["client_cpu_us"] for part in breakdown.values())
    print(
        f"\nWhere the instrumented copy's {total_wall:,.0f} us per append go (mean over all blocks; "
        "waiting = wall - client CPU: round trip, server, WAL flush, scheduler):\n"
    )
    print("| step | wall us | client CPU us | waiting us | share of wall |")
    print("|---|---:|---:|---:|---:|")
    for name, part in breakdown.items():
        print(
            f"| {name} | {part['wall_us']:,.0f} | {part['client_cpu_us']:,.0f} "
            f"| {part['wall_us'] - part['client_cpu_us']:,.0f} | {100 * part['wall_us'] / total_wall:.0f}% |"
        )
    print(f"| total | {total_wall:,.0f} | {total_cpu:,.0f} | {total_wall - total_cpu:,.0f} | 100% |")
    print("\nParts of the Python side, measured alone (us per call):\n")
    for name, value in report["python_parts_us"].items():
        print(f"- {name}: {value:,.0f}")
    print("\nAfter adding a seq column to choreography_tasks (what-if, throwaway database only):\n")
    print_interleaved(report["optimistic_single_connection"])
    print("\ncProfile of the ledger appends, top functions by own time:\n")
    print("```")
    print(report["cprofile_top_tottime"].strip())
    print("```")


# ---- the throwaway database --------------------------------------------------------------------------


def database_url(server_url: str, name: str) -> str:
    parts = urlsplit(server_url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def server_facts(server_url: str) -> dict:
    with psycopg.connect(server_url, autocommit=True) as conn:
        settings = {
            name: conn.execute(sql.SQL("SHOW {}").format(sql.Identifier(name))).fetchone()[0]
            for name in ("server_version", "synchronous_commit", "fsync", "shared_buffers")
        }
    return settings


@contextlib.contextmanager
def throwaway_database(server_url: str):
    name = f"bench_ledger_{secrets.token_hex(6)}"
    with psycopg.connect(server_url, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield name, database_url(server_url, name)
    finally:
        with psycopg.connect(server_url, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        print(f"\n(dropped database {name})", file=sys.stderr)


# ---- main --------------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=3000, help="events per measurement, over all writers")
    parser.add_argument("--writers", type=int, default=8, help="writers of the concurrent scenarios")
    parser.add_argument("--rounds", type=int, default=1, help="measure every scenario this many times")
    parser.add_argument("--warmup", type=int, default=50, help="untimed appends per writer first")
    parser.add_argument("--per-attempt", type=int, default=250, help="progress events per attempt")
    parser.add_argument("--profile", action="store_true", help="add the profile and the what-if variants")
    parser.add_argument("--json", type=Path, help="also write the results to this JSON file")
    args = parser.parse_args(argv)
    if args.events < args.writers or args.writers < 1 or args.rounds < 1 or args.per_attempt < 1:
        parser.error("need --events >= --writers >= 1, --rounds >= 1, --per-attempt >= 1")
    return args


def main(argv: list[str] | None = None) -> int:
    # a benchmark is a local run: without DJANGO_SECRET_KEY its processes make the local key (docs/security.md)
    os.environ.setdefault("BACHATA_LOCAL_RUN", "1")
    args = parse_args(argv)
    server_url = os.environ.get("DATABASE_URL", DEFAULT_SERVER_URL)
    facts = server_facts(server_url)
    started = datetime.now(UTC)
    with throwaway_database(server_url) as (name, url):
        print(f"database {name}: migrating...", file=sys.stderr)
        env = {**os.environ, "DATABASE_URL": url, "DJANGO_DEBUG": "0"}
        subprocess.run(
            [sys.executable, str(BACKEND / "manage.py"), "migrate", "--noinput", "-v", "0"],
            env=env,
            check=True,
        )
        # Configure Django for the throwaway database before django.setup().
        os.environ.update(DATABASE_URL=url, DJANGO_DEBUG="0", DJANGO_SETTINGS_MODULE="bachata.settings")
        sys.path.insert(0, str(BACKEND))
        import django

        django.setup()
        from django.contrib.auth import get_user_model

        user = get_user_model().objects.create(username="ledger-bench", password="!")
        methods = ["ledger", "plain"] + (["sql", "pipelined", "async"] if args.profile else [])
        scenarios = [("single", 1), ("own", args.writers), ("shared", args.writers)]
        plans: list[Plan] = []

        print("warming up...", file=sys.stderr)
        for method in methods:
            warm = build_plan(user, "single", method, 1, max(200, args.events // 10), 0, args.per_attempt)
            plans.append(warm)
            measure(warm)

        results = []
        for round_no in range(1, args.rounds + 1):
            for scenario, writers in scenarios:
                for method in methods:
                    plan = build_plan(
                        user, scenario, method, writers, args.events, args.warmup, args.per_attempt
                    )
                    plans.append(plan)
                    result = measure(plan) | {"round": round_no}
                    results.append(result)
                    print(
                        f"round {round_no} {scenario:>6} {method:>9}: {result['events_per_s']:8,.0f} events/s "
                        f"mean {result['mean_ms']:.2f} ms p99 {result['p99_ms']:.2f} ms "
                        f"(load {result['loadavg_1m']})",
                        file=sys.stderr,
                    )

        profile_report = None
        optimistic_results = []
        if args.profile:
            profile_report = profile(user, plans, min(args.events, 1000))
            # The optimistic writer needs the seq column that profile() has just added.
            for scenario, writers in scenarios:
                for method in ("plain", "optimistic"):
                    plan = build_plan(
                        user, scenario, method, writers, args.events, args.warmup, args.per_attempt
                    )
                    plans.append(plan)
                    optimistic_results.append(measure(plan) | {"round": 1})
        checks = verify(plans)
        from django.db import connections

        connections.close_all()

    rows = summarise(results, methods)
    print(
        f"Machine: {len(os.sched_getaffinity(0))} CPUs (nproc), {platform.platform()}, Python "
        f"{platform.python_version()}, PostgreSQL {facts['server_version']} (synchronous_commit="
        f"{facts['synchronous_commit']}, fsync={facts['fsync']}, shared_buffers={facts['shared_buffers']}); "
        f"{started:%Y-%m-%d %H:%M} UTC; {args.events} events per measurement, {args.rounds} round(s).\n"
    )
    table = markdown_table([row for row in rows if row["method"] in ("ledger", "plain")])
    print(table)
    single_ledger = next(row for row in rows if row["scenario"] == "single" and row["method"] == "ledger")
    print(
        f"\nSingle writer: {single_ledger['events_per_s']:,.0f} events/s (target >= 1,000), "
        f"cost vs plain UPDATE {single_ledger['cost_vs_plain']:.2f}x (target <= 2x)."
    )
    print(
        f"Check: {checks['events_stored']} ledger events stored of {checks['events_expected']} expected, "
        f"{checks['adopted_events']} adopted, {checks['drifted_tasks']} drifted tasks -> "
        f"{'OK' if checks['ok'] else 'FAILED'}"
    )
    if args.profile:
        print("\n### What-if variants (same scenarios, same run)\n")
        print(markdown_table(rows))
        print(
            "\nAfter the profile added a seq column to choreography_tasks (what-if, throwaway database "
            "only), 1 round; fallbacks = appends that took the locked path:\n"
        )
        optimistic_rows = summarise(optimistic_results, ["plain", "optimistic"])
        print(markdown_table(optimistic_rows))
        print(
            "\nFallbacks: "
            + ", ".join(
                f"{scenario_label(row['scenario'], row['writers'])}: {row['fallbacks']}"
                for row in optimistic_rows
                if row["method"] == "optimistic"
            )
        )
        print_profile(profile_report)

    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        cpu_count = os.cpu_count()
        args.json.write_text(
            json.dumps(
                {
                    "command": " ".join([Path(sys.argv[0]).as_posix(), *sys.argv[1:]]),
                    "started_at": started.isoformat(timespec="seconds"),
                    "machine": {
                        "nproc": len(os.sched_getaffinity(0)),
                        "cpu_count": cpu_count,
                        "platform": platform.platform(),
                        "python": platform.python_version(),
                        "postgres": facts,
                    },
                    "args": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
                    "summary": rows,
                    "rounds": results,
                    "optimistic_rounds": optimistic_results,
                    "checks": checks,
                    "profile": profile_report,
                },
                indent=2,
            )
            + "\n"
        )
    return 0 if checks["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
