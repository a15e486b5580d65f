"""The job's environment contract (what the launcher passes to `python -m videojob`)."""

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass

DIFFICULTIES = ("beginner", "intermediate", "advanced")
ENERGY_LEVELS = ("low", "medium", "high")
STYLES = ("", "romantic", "energetic", "sensual", "playful")
_TASK_ID = re.compile(r"^[0-9a-fA-F-]{36}$")


class JobConfigError(ValueError):
    pass


@dataclass(frozen=True)
class JobConfig:
    task_id: str
    user_id: int
    audio_input: str
    difficulty: str
    energy_level: str
    style: str
    query: str
    execution: str  # Cloud Run's execution name, or local-<pid>
    platform_attempt: int  # CLOUD_RUN_TASK_ATTEMPT: 0 for the first try of this execution
    max_platform_attempts: int  # after this many, a transient failure is final

    @property
    def on_cloud_run(self) -> bool:
        return not self.execution.startswith("local-")

    @classmethod
    def from_environment(cls, env: Mapping[str, str] = os.environ) -> "JobConfig":
        """Read and check the variables; JobConfigError says, readably, the first thing that is wrong."""
        task_id = env.get("TASK_ID", "").strip()
        if not _TASK_ID.match(task_id):
            raise JobConfigError("TASK_ID must be the task's 36-character id")
        problems = []
        user = env.get("USER_ID", "").strip()
        if not user.isdigit():
            problems.append("USER_ID must be a number")
        audio = env.get("AUDIO_INPUT", "").strip()
        if not audio:
            problems.append("AUDIO_INPUT is missing")
        difficulty = env.get("DIFFICULTY", "intermediate").strip() or "intermediate"
        if difficulty not in DIFFICULTIES:
            problems.append(f"DIFFICULTY must be one of {', '.join(DIFFICULTIES)}")
        energy = env.get("ENERGY_LEVEL", "medium").strip() or "medium"
        if energy not in ENERGY_LEVELS:
            problems.append(f"ENERGY_LEVEL must be one of {', '.join(ENERGY_LEVELS)}")
        style = env.get("STYLE", "").strip()
        if style not in STYLES:
            problems.append(f"STYLE must be one of {', '.join(s for s in STYLES if s)}")
        attempt = env.get("CLOUD_RUN_TASK_ATTEMPT", "0").strip() or "0"
        if not attempt.isdigit():
            problems.append("CLOUD_RUN_TASK_ATTEMPT must be a number")
        if problems:
            raise JobConfigError("Invalid job configuration: " + "; ".join(problems))
        return cls(
            task_id=task_id,
            user_id=int(user),
            audio_input=audio,
            difficulty=difficulty,
            energy_level=energy,
            style=style,
            query=env.get("QUERY", ""),
            execution=env.get("CLOUD_RUN_EXECUTION") or f"local-{os.getpid()}",
            platform_attempt=int(attempt),
            max_platform_attempts=int(env.get("JOB_MAX_ATTEMPTS", "3") or 3),
        )
