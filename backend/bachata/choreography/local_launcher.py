"""Runs the video job as a local subprocess (`python -m videojob`), the default outside Cloud Run."""

import os
import signal
import subprocess
import sys
from importlib.util import find_spec
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction

from .launcher import LauncherAtCapacity
from .models import ChoreographyTask
from .selectors import task_current_attempt, task_parameters

EXECUTION_PREFIX = "local-"
_LAUNCH_LOCK = 0x62616368  # pg advisory lock key: one capacity check + spawn at a time, across processes


def job_environment(task_id: str) -> dict[str, str]:
    """The job's environment contract (the same variables a Cloud Run execution receives)."""
    task = ChoreographyTask.objects.get(pk=task_id)
    params = task_parameters(task_id)
    env = {
        "TASK_ID": task.task_id,
        "USER_ID": str(task.user_id),
        "AUDIO_INPUT": str(params.get("audio_input", "")),
        "DIFFICULTY": str(params.get("difficulty", "intermediate")),
        "ENERGY_LEVEL": str(params.get("energy_level", "medium")),
        "STYLE": str(params.get("style", "")),
        "LEDGER_ATTEMPT": str(task_current_attempt(task_id)),
    }
    if params.get("query"):
        env["QUERY"] = str(params["query"])
    return env


def _process_runs_task(pid: int, task_id: str) -> bool:
    try:
        environ = Path(f"/proc/{pid}/environ").read_bytes()
    except OSError:
        return False
    return f"TASK_ID={task_id}".encode() in environ.split(b"\0")


def _pid_of(execution_name: str | None) -> int | None:
    if not execution_name or not execution_name.startswith(EXECUTION_PREFIX):
        return None
    try:
        return int(execution_name.removeprefix(EXECUTION_PREFIX))
    except ValueError:
        return None


JOB_MARKER_VARIABLE = "BACHATA_LOCAL_JOB"
JOB_MARKER = f"{JOB_MARKER_VARIABLE}=1".encode()


def _live_job_pids() -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if JOB_MARKER in (entry / "environ").read_bytes().split(b"\0"):
                pids.append(int(entry.name))
        except OSError:
            continue
    return pids


class LocalJobLauncher:
    """At most LOCAL_JOB_MAX_CONCURRENCY jobs run at once on this machine; the rest wait as `queued`."""

    def active_jobs(self) -> int:
        return len(_live_job_pids())

    def has_capacity(self) -> bool:
        return self.active_jobs() < settings.LOCAL_JOB_MAX_CONCURRENCY

    def launch(self, task_id: str) -> str:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LAUNCH_LOCK])
            busy = self.active_jobs()
            if busy >= settings.LOCAL_JOB_MAX_CONCURRENCY:
                raise LauncherAtCapacity(f"all {busy} local workers are busy")
            if find_spec("videojob") is None:
                # the child would die at once and the task would wait for the reaper: fail it now instead
                raise RuntimeError(
                    "the video job is not installed where the API runs (the local launcher starts "
                    "`python -m videojob`); install the videojob package or use the Cloud Run launcher"
                )
            log_dir = Path(settings.JOB_LOG_DIR)
            log_dir.mkdir(parents=True, exist_ok=True)
            env = {**os.environ, **job_environment(task_id), JOB_MARKER_VARIABLE: "1"}
            with open(log_dir / f"job-{task_id}.log", "ab") as log:
                process = subprocess.Popen(
                    [sys.executable, "-m", "videojob"],
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL,
                    start_new_session=True,
                )
        return f"{EXECUTION_PREFIX}{process.pid}"

    def cancel(self, task_id: str, execution_name: str | None) -> None:
        pid = _pid_of(execution_name)
        if pid and _process_runs_task(pid, task_id):
            os.kill(pid, signal.SIGTERM)
