"""The job launchers against real peers: local subprocesses, and a local server speaking Cloud Run's REST API."""

import json
import textwrap
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest

from bachata.choreography.launcher import job_dispatch_queued, job_launch
from bachata.choreography.ledger.append import task_history_start
from bachata.choreography.local_launcher import LocalJobLauncher
from bachata.choreography.models import ChoreographyTask, TaskEvent

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def fake_videojob(tmp_path, monkeypatch):
    """A stand-in `videojob` package on PYTHONPATH: sleeps, or exits, as the real job's process would."""
    package = tmp_path / "fakejob" / "videojob"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "__main__.py").write_text(
        textwrap.dedent("""
        import os, time
        (open(os.environ["FAKE_JOB_OUT"] + "/" + os.environ["TASK_ID"], "w")
            .write(repr({k: os.environ[k] for k in ("TASK_ID", "USER_ID", "AUDIO_INPUT", "DIFFICULTY")})))
        time.sleep(float(os.environ.get("FAKE_JOB_SECONDS", "30")))
        if os.environ.get("FAKE_JOB_DIE"):
            os.kill(os.getpid(), 9)  # as the out-of-memory killer would: no chance to report
    """)
    )
    out = tmp_path / "out"
    out.mkdir()
    monkeypatch.setenv("PYTHONPATH", str(package.parent))
    monkeypatch.setenv("FAKE_JOB_OUT", str(out))
    return out


@pytest.fixture(autouse=True)
def job_watchers_finish():
    """After each test, wait for the launcher's watcher threads (`job-<task>`): once a job process ends, its
    watcher still records the exit in the ledger and dispatches the queue, and a test database flushed under
    that transaction deadlocks (seen once in CI: TRUNCATE against the watcher's append)."""
    yield
    assert wait_for(
        lambda: not any(t.name.startswith("job-") and t.is_alive() for t in threading.enumerate()),
        timeout=40.0,
    ), "a job watcher thread is still running"


def wait_for(predicate, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def test_local_launcher_runs_the_job_with_its_environment_and_cancel_stops_it(user, settings, fake_videojob):
    settings.JOB_LAUNCHER = "bachata.choreography.local_launcher.LocalJobLauncher"
    settings.LOCAL_JOB_MAX_CONCURRENCY = 2
    task = task_history_start(user=user, parameters={"audio_input": "songs/a.mp3", "difficulty": "advanced"})
    assert job_launch(task.pk) == "launched"
    execution = ChoreographyTask.objects.get(pk=task.pk).job_execution_name
    assert execution.startswith("local-")
    assert wait_for(lambda: (fake_videojob / task.pk).exists())
    env = eval((fake_videojob / task.pk).read_text())
    assert env == {
        "TASK_ID": task.pk,
        "USER_ID": str(user.pk),
        "AUDIO_INPUT": "songs/a.mp3",
        "DIFFICULTY": "advanced",
    }
    launcher = LocalJobLauncher()
    assert launcher.active_jobs() == 1
    launcher.cancel(task.pk, execution)
    assert wait_for(lambda: launcher.active_jobs() == 0)


def test_local_launcher_without_the_job_installed_fails_the_task_at_once(user, settings, monkeypatch):
    from bachata.choreography import local_launcher

    settings.JOB_LAUNCHER = "bachata.choreography.local_launcher.LocalJobLauncher"
    monkeypatch.setattr(local_launcher, "find_spec", lambda name: None)  # as in an image without videojob
    task = task_history_start(user=user, parameters={"audio_input": "songs/a.mp3", "difficulty": "advanced"})
    assert job_launch(task.pk) == "failed"
    row = ChoreographyTask.objects.get(pk=task.pk)
    assert row.status == "failed"
    assert row.error.startswith("Could not start the video job: the video job is not installed")
    assert LocalJobLauncher().active_jobs() == 0


def test_local_launcher_queues_beyond_its_capacity_and_dispatches_when_room_frees(
    user, settings, fake_videojob
):
    settings.JOB_LAUNCHER = "bachata.choreography.local_launcher.LocalJobLauncher"
    settings.LOCAL_JOB_MAX_CONCURRENCY = 1
    first = task_history_start(user=user, parameters={})
    second = task_history_start(user=user, parameters={})
    assert job_launch(first.pk) == "launched"
    assert job_launch(second.pk) == "queued"
    waiting = ChoreographyTask.objects.get(pk=second.pk)
    assert (waiting.status, waiting.stage, waiting.message) == (
        "started",
        "queued",
        "Waiting for a free worker...",
    )
    assert job_dispatch_queued() == []  # still busy: nothing launched, no new event
    assert TaskEvent.objects.filter(task_id=second.pk, type="queued").count() == 1

    LocalJobLauncher().cancel(first.pk, ChoreographyTask.objects.get(pk=first.pk).job_execution_name)
    # the freed slot starts the waiting task by itself, at once: nobody calls dispatch or the reaper
    assert wait_for(
        lambda: (ChoreographyTask.objects.get(pk=second.pk).job_execution_name or "").startswith("local-")
    )
    assert ChoreographyTask.objects.get(pk=second.pk).stage != "queued"
    LocalJobLauncher().cancel(second.pk, ChoreographyTask.objects.get(pk=second.pk).job_execution_name)
    assert wait_for(lambda: LocalJobLauncher().active_jobs() == 0)


def test_a_job_killed_without_reporting_fails_its_task_at_once_and_frees_its_slot(
    user, settings, fake_videojob, monkeypatch
):
    settings.JOB_LAUNCHER = "bachata.choreography.local_launcher.LocalJobLauncher"
    settings.LOCAL_JOB_MAX_CONCURRENCY = 1
    monkeypatch.setenv("FAKE_JOB_SECONDS", "0.5")
    monkeypatch.setenv("FAKE_JOB_DIE", "1")
    first = task_history_start(user=user, parameters={})
    second = task_history_start(user=user, parameters={})
    assert job_launch(first.pk) == "launched"
    assert job_launch(second.pk) == "queued"
    assert wait_for(lambda: ChoreographyTask.objects.get(pk=first.pk).status == "failed")
    row = ChoreographyTask.objects.get(pk=first.pk)
    assert row.error.startswith("Video generation failed: the video job stopped unexpectedly")
    assert row.error.endswith("it was killed by SIGKILL")
    # ... and the slot it freed went to the queued task, long before any reaper would run
    assert wait_for(lambda: TaskEvent.objects.filter(task_id=second.pk, type="launched").exists())
    monkeypatch.delenv("FAKE_JOB_DIE")
    assert wait_for(lambda: ChoreographyTask.objects.get(pk=second.pk).status == "failed")


JOB_VARIABLES = ("TASK_ID", "USER_ID", "AUDIO_INPUT", "DIFFICULTY")


def _count_jobs_in_a_process_with(marker: str, settings) -> int:
    """LocalJobLauncher.active_jobs() as a process with the given job marker (a job, for instance) sees it."""
    import os
    import subprocess
    import sys

    from django.db import connection

    db = connection.settings_dict
    code = (
        "import django; django.setup(); "
        "from bachata.choreography.local_launcher import LocalJobLauncher; print(LocalJobLauncher().active_jobs())"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bachata.settings",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "BACHATA_LOCAL_JOB": marker,
    }
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return int(done.stdout.strip().splitlines()[-1])


def test_a_finishing_job_does_not_count_itself_and_other_deployments_do_not_count(settings, fake_videojob):
    import os
    import subprocess
    import sys

    from bachata.choreography.local_launcher import deployment_id

    ours = deployment_id()
    # a finishing job dispatching the queue is itself a job process of this deployment: it must see 0 busy
    assert _count_jobs_in_a_process_with(ours, settings) == 0

    def job_like(marker, *command):
        return subprocess.Popen(
            command, env={**os.environ, "BACHATA_LOCAL_JOB": marker, **dict.fromkeys(JOB_VARIABLES, "x")}
        )

    sleeper = ["-m", "videojob"]  # the fake job: sleeps FAKE_JOB_SECONDS
    other = job_like("another-deployment", sys.executable, *sleeper)
    mine = job_like(ours, sys.executable, *sleeper)
    helper = job_like(ours, "sleep", "30")  # e.g. a job's helper process: inherits the marker, is no job
    try:
        assert wait_for(lambda: LocalJobLauncher().active_jobs() == 1)  # ours, not the other one's
        time.sleep(0.5)
        assert LocalJobLauncher().active_jobs() == 1
    finally:
        for process in (other, mine, helper):
            process.kill()
            process.wait()


def test_the_reaper_service_times_out_stuck_tasks_by_itself(user, settings):
    import os
    import subprocess
    import sys

    from django.db import connection

    from bachata.choreography.ledger.append import task_event_append

    stuck = task_history_start(user=user, parameters={})
    task_event_append(stuck.pk, "attempt_started", actor="job", execution="gone-1")
    db = connection.settings_dict
    manage = str(__import__("pathlib").Path(__file__).resolve().parents[3] / "manage.py")
    reaper = subprocess.Popen(
        [sys.executable, manage, "ledger_reap", "--every", "0.5", "--timeout", "1"],
        env={**os.environ, "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        assert wait_for(lambda: ChoreographyTask.objects.get(pk=stuck.pk).status == "failed", timeout=30)
        assert reaper.poll() is None  # it keeps running
    finally:
        reaper.kill()
        reaper.wait()
    assert ChoreographyTask.objects.get(pk=stuck.pk).error.startswith("Task timed out")


class CloudRunPeer(BaseHTTPRequestHandler):
    """Answers like run.googleapis.com/v2 for jobs.run and executions.cancel."""

    requests: list[tuple[str, dict]] = []

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
        path = urlsplit(self.path).path
        CloudRunPeer.requests.append((path, body))
        if path.endswith(":run"):
            job = path.split("/v2/")[1].removesuffix(":run")
            reply = {
                "name": f"{job.rsplit('/jobs/', 1)[0]}/operations/op-1",
                "done": False,
                "metadata": {
                    "@type": "type.googleapis.com/google.cloud.run.v2.Execution",
                    "name": f"{job}/executions/exec-42",
                },
            }
        elif path.endswith(":cancel"):
            reply = {"name": "projects/p/locations/l/operations/op-2", "done": False}
        else:
            self.send_response(404)
            self.end_headers()
            return
        data = json.dumps(reply).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture
def cloud_run_peer(settings):
    CloudRunPeer.requests = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), CloudRunPeer)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    settings.JOB_LAUNCHER = "bachata.choreography.cloudrun_launcher.CloudRunJobLauncher"
    settings.CLOUD_RUN_PROJECT, settings.CLOUD_RUN_REGION, settings.CLOUD_RUN_JOB = (
        "bb-prod",
        "europe-west1",
        "videojob",
    )
    settings.CLOUD_RUN_API_ENDPOINT = f"http://127.0.0.1:{server.server_port}"
    yield CloudRunPeer
    server.shutdown()


def test_cloud_run_launcher_runs_the_job_with_env_overrides_and_cancels(user, cloud_run_peer):
    task = task_history_start(
        user=user,
        parameters={
            "audio_input": "gs://b/s.mp3",
            "difficulty": "beginner",
            "energy_level": "low",
            "style": "sensual",
        },
    )
    assert job_launch(task.pk) == "launched"
    execution = ChoreographyTask.objects.get(pk=task.pk).job_execution_name
    assert execution == "projects/bb-prod/locations/europe-west1/jobs/videojob/executions/exec-42"
    path, body = cloud_run_peer.requests[0]
    assert path == "/v2/projects/bb-prod/locations/europe-west1/jobs/videojob:run"
    env = {item["name"]: item["value"] for item in body["overrides"]["containerOverrides"][0]["env"]}
    assert env["TASK_ID"] == task.pk and env["AUDIO_INPUT"] == "gs://b/s.mp3" and env["STYLE"] == "sensual"
    assert body["overrides"]["taskCount"] == 1 and body["overrides"]["timeout"] == "600s"

    from bachata.choreography.cloudrun_launcher import CloudRunJobLauncher

    CloudRunJobLauncher().cancel(task.pk, execution)
    assert cloud_run_peer.requests[-1][0] == f"/v2/{execution}:cancel"


def test_cloud_run_launcher_that_cannot_reach_the_api_fails_the_task_readably(user, settings):
    settings.JOB_LAUNCHER = "bachata.choreography.cloudrun_launcher.CloudRunJobLauncher"
    settings.CLOUD_RUN_PROJECT, settings.CLOUD_RUN_REGION, settings.CLOUD_RUN_JOB = "p", "r", "j"
    settings.CLOUD_RUN_API_ENDPOINT = "http://127.0.0.1:9"  # nothing listens there
    task = task_history_start(user=user, parameters={})
    assert job_launch(task.pk) == "failed"
    row = ChoreographyTask.objects.get(pk=task.pk)
    assert row.status == "failed" and row.error.startswith("Could not start the video job:")


def test_unconfigured_cloud_run_launcher_says_what_is_missing(user, settings):
    settings.JOB_LAUNCHER = "bachata.choreography.cloudrun_launcher.CloudRunJobLauncher"
    settings.CLOUD_RUN_PROJECT = settings.CLOUD_RUN_REGION = settings.CLOUD_RUN_JOB = ""
    task = task_history_start(user=user, parameters={})
    job_launch(task.pk)
    assert (
        "set CLOUD_RUN_PROJECT, CLOUD_RUN_REGION, CLOUD_RUN_JOB"
        in ChoreographyTask.objects.get(pk=task.pk).error
    )
