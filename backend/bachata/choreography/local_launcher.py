"""Runs the video job as a local subprocess (`python -m videojob`), the default outside Cloud Run."""

import hashlib
import logging
import os
import signal
import subprocess
import sys
import threading
from importlib.util import find_spec
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction

from .launcher import LauncherAtCapacity
from .models import ChoreographyTask, TaskStatus
from .selectors import task_current_attempt, task_parameters

logger = logging.getLogger(__name__)

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


def deployment_id() -> str:
    """Which deployment a job process belongs to: its database (tasks and slots are per database), so that
    jobs of other checkouts or deployments on the same host never take this one's slots."""
    if settings.LOCAL_JOB_DEPLOYMENT:
        return settings.LOCAL_JOB_DEPLOYMENT
    db = connection.settings_dict
    identity = f"{db.get('HOST') or ''}:{db.get('PORT') or ''}/{db.get('NAME') or ''}"
    return hashlib.sha256(identity.encode()).hexdigest()[:16]


def _job_marker() -> bytes:
    return f"{JOB_MARKER_VARIABLE}={deployment_id()}".encode()


def _live_job_pids() -> list[int]:
    """This deployment's running job processes, except the calling process (a finishing job dispatching the
    queue has freed its slot already). Only `python -m videojob` itself counts: its helpers (a yt-dlp child,
    multiprocessing's resource tracker) inherit the marker and may outlive it for a moment."""
    marker, me, pids = _job_marker(), os.getpid(), []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == me:
            continue
        try:
            if marker not in (entry / "environ").read_bytes().split(b"\0"):
                continue
            if (entry / "cmdline").read_bytes().split(b"\0")[1:3] != [b"-m", b"videojob"]:
                continue
        except OSError:
            continue
        pids.append(int(entry.name))
    return pids


def _exit_reason(code: int) -> str:
    if code < 0:
        try:
            return f"it was killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"it was killed by signal {-code}"
    return f"it exited with status {code}"


def job_exited(task_id: str, execution: str, code: int) -> None:
    """A job process ended. If its task is still unfinished on this execution, the job died without saying
    so (SIGKILL, out of memory, a crash before reporting): fail the task now, with what we know, instead of
    leaving it to the reaper. Either way a slot is free: start the next queued task."""
    from .launcher import job_dispatch_queued
    from .ledger.append import task_event_append
    from .ledger.errors import LedgerError
    from .ledger.vocabulary import EventType

    try:
        task = ChoreographyTask.objects.filter(pk=task_id).first()
        unfinished = task is not None and task.status in (TaskStatus.STARTED, TaskStatus.RUNNING)
        if unfinished and task.job_execution_name == execution:
            stage = (task.message or task.stage or "").rstrip(".")
            where = f" ({stage})" if stage else ""
            error = (
                f"Video generation failed: the video job stopped unexpectedly{where}; {_exit_reason(code)}"
            )
            try:
                task_event_append(
                    task_id, EventType.FAILED, {"error": error, "retryable": True}, actor="system"
                )
                logger.warning("task %s: %s", task_id, error)
            except LedgerError as exc:
                logger.info("task %s changed before its job's exit could be recorded: %s", task_id, exc)
        if task is not None:  # (a task deleted meanwhile: the periodic reaper dispatches the queue)
            job_dispatch_queued()
    except Exception:
        logger.exception("handling the exit of the job of task %s failed", task_id)
    finally:
        connection.close()


def _watch(process: subprocess.Popen, task_id: str, execution: str) -> None:
    code = process.wait()  # also reaps the child: no zombies
    job_exited(task_id, execution, code)


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
            env = {**os.environ, **job_environment(task_id), JOB_MARKER_VARIABLE: deployment_id()}
            with open(log_dir / f"job-{task_id}.log", "ab") as log:
                process = subprocess.Popen(
                    [sys.executable, "-m", "videojob"],
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL,
                    start_new_session=True,
                )
        execution = f"{EXECUTION_PREFIX}{process.pid}"
        # Crash detection: when the process ends (in whichever process launched it: an API worker, the
        # reaper, a finishing job), its task is checked and the queue dispatched at once. The periodic
        # reaper (ledger_reap --every) covers launchers that die before their jobs do.
        threading.Thread(
            target=_watch, args=(process, task_id, execution), daemon=True, name=f"job-{task_id[:8]}"
        ).start()
        return execution

    def cancel(self, task_id: str, execution_name: str | None) -> None:
        pid = _pid_of(execution_name)
        if pid and _process_runs_task(pid, task_id):
            os.kill(pid, signal.SIGTERM)
