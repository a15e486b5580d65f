"""Runs the video job as a Google Cloud Run Job execution (production)."""

from django.conf import settings
from google.api_core.client_options import ClientOptions
from google.cloud import run_v2
from google.protobuf import duration_pb2

from .local_launcher import job_environment


def _client_kwargs() -> dict:
    endpoint = settings.CLOUD_RUN_API_ENDPOINT
    if not endpoint:
        return {}
    kwargs = {"transport": "rest", "client_options": ClientOptions(api_endpoint=endpoint)}
    if endpoint.startswith("http://"):  # a local peer (tests, emulators): no Google credentials
        from google.auth.credentials import AnonymousCredentials

        kwargs["credentials"] = AnonymousCredentials()
    return kwargs


class CloudRunJobLauncher:
    """`run_job` with per-task environment overrides; `cancel_execution` to stop one."""

    def __init__(self):
        missing = [
            name
            for name in ("CLOUD_RUN_PROJECT", "CLOUD_RUN_REGION", "CLOUD_RUN_JOB")
            if not getattr(settings, name)
        ]
        if missing:
            raise RuntimeError(f"Cloud Run launcher is not configured: set {', '.join(missing)}")
        self.job_name = f"projects/{settings.CLOUD_RUN_PROJECT}/locations/{settings.CLOUD_RUN_REGION}/jobs/{settings.CLOUD_RUN_JOB}"

    def has_capacity(self) -> bool:
        return True  # Cloud Run queues executions itself

    def launch(self, task_id: str) -> str:
        env = [run_v2.EnvVar(name=name, value=value) for name, value in job_environment(task_id).items()]
        request = run_v2.RunJobRequest(
            name=self.job_name,
            overrides=run_v2.RunJobRequest.Overrides(
                container_overrides=[run_v2.RunJobRequest.Overrides.ContainerOverride(env=env)],
                task_count=1,
                timeout=duration_pb2.Duration(seconds=settings.CLOUD_RUN_TASK_TIMEOUT_SECONDS),
            ),
        )
        operation = run_v2.JobsClient(**_client_kwargs()).run_job(request=request)
        return operation.metadata.name

    def cancel(self, task_id: str, execution_name: str | None) -> None:
        if not execution_name or "/executions/" not in execution_name:
            return
        run_v2.ExecutionsClient(**_client_kwargs()).cancel_execution(name=execution_name)
