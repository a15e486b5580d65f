"""Runs the video job as a local subprocess (`python -m videojob`), the default outside Cloud Run."""

import os
import signal
import subprocess
import sys
from pathlib import Path

from django.conf import settings

from .models import ChoreographyTask
from .selectors import task_current_attempt, task_parameters

EXECUTION_PREFIX = "local-"


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


class LocalJobLauncher:
    def launch(self, task_id: str) -> str:
        log_dir = Path(settings.MEDIA_ROOT).parent / "logs"
        log_dir.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, **job_environment(task_id)}
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
        if not execution_name or not execution_name.startswith(EXECUTION_PREFIX):
            return
        pid = int(execution_name.removeprefix(EXECUTION_PREFIX))
        try:
            environ = Path(f"/proc/{pid}/environ").read_bytes()
        except OSError:
            return  # already gone
        if f"TASK_ID={task_id}".encode() in environ.split(b"\0"):
            os.kill(pid, signal.SIGTERM)
