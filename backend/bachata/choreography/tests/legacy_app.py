"""The legacy monolith's writes to the shared database, exactly as its ORM issues them (../shared/legacy/FACTS.md).

A LegacyApp is a separate connection (a separate process, as far as PostgreSQL can tell) that knows only the
legacy tables: no task_events, no song_uploads, no token blacklist, no `job_execution_name`. Each transaction
commits at the end of the call, so deferred foreign keys are checked as in production.

- `save(row)` is Django's Model.save() of a row it read earlier: an UPDATE of every legacy column, no lock, and
  an INSERT when the UPDATE matched nothing (Django's save() does that too).
- `delete_task` is the legacy cancel ("Task removed from tracking"); `purge_older_than_an_hour` is its task
  list's purge; `fail_stuck_tasks` is its 5-minute stuck cleanup (before every generation, and
  `cleanup_stuck_tasks.py`); `admin_delete_user` is its admin's delete, whose collector only knows the legacy
  relations.
"""

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

import psycopg
from django.db import connection
from psycopg.types.json import Jsonb

STUCK_ERROR = "Task stuck for more than 5 minutes - likely container restart"
TASK_COLUMNS = (
    "task_id",
    "status",
    "progress",
    "stage",
    "message",
    "result",
    "error",
    "created_at",
    "updated_at",
    "user_id",
)


@dataclass(frozen=True)
class LegacyTask:
    """A choreography_tasks row as the legacy model holds it in memory."""

    task_id: str
    status: str
    progress: int
    stage: str
    message: str
    result: Any
    error: str | None
    created_at: datetime
    updated_at: datetime
    user_id: int

    def but(self, **changes) -> "LegacyTask":
        return replace(self, **changes)


def database_conninfo() -> str:
    """The test database Django is using, for a second connection of our own."""
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    return psycopg.conninfo.make_conninfo(
        **{k: v for k, v in params.items() if isinstance(v, str | int) and v is not None}
    )


class LegacyApp:
    def __init__(self, conninfo: str | None = None):
        self.conn = psycopg.connect(conninfo or database_conninfo(), autocommit=True)

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> "LegacyApp":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _now(self) -> datetime:
        return self.conn.execute("SELECT clock_timestamp()").fetchone()[0]

    # -- reads ---------------------------------------------------------------------------------------------
    def get(self, task_id: str) -> LegacyTask | None:
        with self.conn.transaction():
            row = self.conn.execute(
                f"SELECT {', '.join(TASK_COLUMNS)} FROM choreography_tasks WHERE task_id = %s", [task_id]
            ).fetchone()
        return LegacyTask(*row) if row else None

    # -- writes --------------------------------------------------------------------------------------------
    def create(self, task_id: str, user_id: int) -> LegacyTask:
        now = self._now()
        task = LegacyTask(
            task_id, "started", 0, "initializing", "Starting choreography generation...", None, None, now, now,
            user_id,
        )  # fmt: skip
        self.save(task)
        return task

    def save(self, task: LegacyTask) -> LegacyTask:
        """Model.save(): UPDATE every legacy column (auto_now updated_at); INSERT when no row matched."""
        task = task.but(updated_at=self._now())
        values = {name: getattr(task, name) for name in TASK_COLUMNS}
        values["result"] = Jsonb(task.result) if task.result is not None else None
        with self.conn.transaction():
            updated = self.conn.execute(
                "UPDATE choreography_tasks SET status = %(status)s, progress = %(progress)s, stage = %(stage)s, "
                "message = %(message)s, result = %(result)s, error = %(error)s, created_at = %(created_at)s, "
                "updated_at = %(updated_at)s, user_id = %(user_id)s WHERE task_id = %(task_id)s",
                values,
            ).rowcount
            if not updated:
                self.conn.execute(
                    f"INSERT INTO choreography_tasks ({', '.join(TASK_COLUMNS)}) VALUES "
                    f"({', '.join(f'%({n})s' for n in TASK_COLUMNS)})",
                    values,
                )
        return task

    def delete_task(self, task_id: str) -> int:
        """The legacy cancel: `ChoreographyTask.objects.filter(task_id=…).delete()`."""
        with self.conn.transaction():
            return self.conn.execute("DELETE FROM choreography_tasks WHERE task_id = %s", [task_id]).rowcount

    def purge_older_than_an_hour(self) -> int:
        """The legacy task list's purge (all users): tasks created more than an hour ago."""
        with self.conn.transaction():
            cutoff = self._now() - timedelta(hours=1)
            ids = [r[0] for r in self.conn.execute(
                "SELECT task_id FROM choreography_tasks WHERE created_at < %s", [cutoff]
            )]  # fmt: skip
            if not ids:
                return 0
            return self.conn.execute("DELETE FROM choreography_tasks WHERE task_id = ANY(%s)", [ids]).rowcount

    def fail_stuck_tasks(self) -> list[str]:
        """Every started/running task created more than 5 minutes ago: read, set failed, save (no lock)."""
        with self.conn.transaction():
            cutoff = self._now() - timedelta(minutes=5)
            rows = self.conn.execute(
                f"SELECT {', '.join(TASK_COLUMNS)} FROM choreography_tasks "
                "WHERE status IN ('started', 'running') AND created_at < %s",
                [cutoff],
            ).fetchall()
        failed = []
        for row in rows:
            task = LegacyTask(*row)
            self.save(task.but(status="failed", progress=0, stage="failed", error=STUCK_ERROR))
            failed.append(task.task_id)
        return failed

    def admin_delete_user(self, user_id: int) -> None:
        """The legacy admin's delete: its collector deletes the legacy relations, then the user, in one
        transaction (deferred keys checked at commit)."""
        with self.conn.transaction():
            execute = self.conn.execute
            execute(
                "DELETE FROM class_plan_sequences WHERE class_plan_id IN "
                "(SELECT id FROM class_plans WHERE instructor_id = %s) OR choreography_id IN "
                "(SELECT id FROM saved_choreographies WHERE user_id = %s)",
                [user_id, user_id],
            )
            execute("DELETE FROM class_plans WHERE instructor_id = %s", [user_id])
            execute("DELETE FROM saved_choreographies WHERE user_id = %s", [user_id])
            execute("DELETE FROM choreography_tasks WHERE user_id = %s", [user_id])
            execute("DELETE FROM django_admin_log WHERE user_id = %s", [user_id])
            execute("DELETE FROM users_groups WHERE user_id = %s", [user_id])
            execute("DELETE FROM users_user_permissions WHERE user_id = %s", [user_id])
            execute("DELETE FROM users WHERE id = %s", [user_id])


def legacy_find_video(media_root, filename: str, user_id: int):
    """The legacy `/video/<filename>/` lookup: output/user_<id>/, then any output/user_*/, then output/."""
    import glob
    import os

    candidates = [
        os.path.join(media_root, "output", f"user_{user_id}", filename),
        *sorted(glob.glob(os.path.join(media_root, "output", "user_*", filename))),
        os.path.join(media_root, "output", filename),
    ]
    return next((path for path in candidates if os.path.exists(path)), None)
