"""Job launchers for tests: real implementations of the JobLauncher protocol that run no job."""


class RecordingLauncher:
    launched: list[str] = []
    cancelled: list[tuple[str, str | None]] = []

    def launch(self, task_id: str) -> str:
        RecordingLauncher.launched.append(task_id)
        return f"test-execution-{task_id[:8]}"

    def cancel(self, task_id: str, execution_name: str | None) -> None:
        RecordingLauncher.cancelled.append((task_id, execution_name))

    def has_capacity(self) -> bool:
        return True


class UnavailableLauncher:
    def launch(self, task_id: str) -> str:
        raise RuntimeError("the job runner is unreachable")

    def cancel(self, task_id: str, execution_name: str | None) -> None:
        raise RuntimeError("the job runner is unreachable")

    def has_capacity(self) -> bool:
        return True
