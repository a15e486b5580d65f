"""The job end to end through the ledger, on the generated demo song and library, against PostgreSQL."""

import itertools
import os
import signal
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import av
import pytest
from bachata.choreography.ledger.append import task_event_append, task_history_start
from bachata.choreography.models import ChoreographyTask, TaskEvent
from bachata.choreography.services import task_cancel
from bachata.collections.models import SavedChoreography
from bachata.songs.models import LibrarySong
from bachata.storage import get_storage
from django.db import connection
from videojob.job import run_job
from videojob.job_config import JobConfig

pytestmark = pytest.mark.django_db(transaction=True)  # the job's helper threads use their own connections
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def job_settings(settings, tmp_path, ingested_demo_library, demo_song, monkeypatch):
    settings.STORAGE_BACKEND, settings.MEDIA_ROOT = "local", tmp_path / "media"
    settings.VIDEOJOB_LIBRARY = str(ingested_demo_library.index_path.parent)
    settings.JOB_LAUNCHER = "bachata.choreography.tests.launchers.RecordingLauncher"
    settings.MOVE_INDEX, settings.MOVE_INDEX_PATH = "local", tmp_path / "moves" / "move_index.json"  # absent
    monkeypatch.setenv("VIDEOJOB_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("AUDIO_ALLOW_PRIVATE_HOSTS", "1")
    get_storage().save("songs/demo.wav", demo_song.path.read_bytes(), "audio/wav")
    return settings


def new_task(user, audio_input="songs/demo.wav", **params):
    return task_history_start(
        user=user, parameters={"audio_input": audio_input, "difficulty": "beginner", **params}
    )


def config_for(task, audio_input="songs/demo.wav", **overrides):
    values = {
        "TASK_ID": task.pk,
        "USER_ID": str(task.user_id),
        "AUDIO_INPUT": audio_input,
        "DIFFICULTY": "beginner",
        "ENERGY_LEVEL": "medium",
        "STYLE": "",
    }
    values.update(overrides)
    return JobConfig.from_environment(values)


def event_types(task):
    return list(TaskEvent.objects.filter(task_id=task.pk).order_by("seq").values_list("type", flat=True))


def test_a_song_becomes_a_saved_choreography_video(job_settings, user, demo_song):
    task = new_task(user)
    assert run_job(config_for(task)) == 0

    row = ChoreographyTask.objects.get(pk=task.pk)
    assert (row.status, row.stage, row.progress) == ("completed", "completed", 100)
    assert row.message == "Choreography generated successfully! (Auto-saved to collection)"
    result = row.result
    for key in (
        "video_path",
        "video_filename",
        "processing_time",
        "sequence_duration",
        "moves_analyzed",
        "saved_choreography_id",
        "auto_saved",
        "video_url",
        "duration",
        "moves_count",
        "moves",
        "musicality",
    ):
        assert key in result
    month = row.created_at.strftime("%Y/%m")
    assert result["video_path"] == f"choreographies/{month}/{task.pk}.mp4"
    assert result["duration"] == pytest.approx(demo_song.duration, abs=0.05)
    with av.open(str(get_storage().local_path(result["video_path"]))) as video:
        assert video.streams.video[0].codec_context.name == "h264" and video.streams.audio
    assert get_storage().exists(f"thumbnails/{month}/{task.pk}.jpg")
    saved = SavedChoreography.objects.get(pk=result["saved_choreography_id"])
    assert saved.video_path.name == result["video_path"] and saved.generation_parameters["task_id"] == task.pk
    progress = [
        p
        for p in TaskEvent.objects.filter(task_id=task.pk, type="progress").values_list("payload", flat=True)
    ]
    assert [p["stage"] for p in progress][:5] == [
        "downloading",
        "analyzing",
        "selecting",
        "generating",
        "finalizing",
    ]
    assert (
        result["musicality"]["cuts_on_phrase_share"] is None
        or result["musicality"]["cuts_on_phrase_share"] > 0.8
    )
    # The practice player's beat grid, in video seconds (= song seconds: the moves tile the video from 0 s)
    timing, moves = result["timing"], result["moves"]
    assert timing["bpm"] == pytest.approx(demo_song.bpm, rel=0.01)
    beats = timing["beats"]
    assert beats == sorted(beats) and 0 <= beats[0] < 60 / demo_song.bpm * 1.5
    assert beats[-1] <= result["duration"] + 0.05
    for start in timing["downbeats"] + timing["phrase_starts"]:  # count 1 of a bar / an 8-count is a beat
        assert min(abs(start - beat) for beat in beats) < 0.02
    assert len(timing["phrase_starts"]) >= len(beats) // 8 - 1
    assert moves[0]["start"] == 0 and moves[-1]["end"] == pytest.approx(result["duration"], abs=0.05)
    assert all(a["end"] == b["start"] for a, b in itertools.pairwise(moves))
    assert all(m["label"] and "_" not in m["label"] for m in moves)
    song = LibrarySong.objects.get(pk="songs/demo.wav")  # GET /api/songs shows what the analysis learnt
    assert song.bpm == pytest.approx(demo_song.bpm, rel=0.01)
    assert song.duration == pytest.approx(demo_song.duration, abs=0.05)


def test_without_auto_save_nothing_is_added_to_the_collection(job_settings, make_user):
    user = make_user(preferences={"auto_save_choreographies": False})
    task = new_task(user)
    assert run_job(config_for(task)) == 0
    row = ChoreographyTask.objects.get(pk=task.pk)
    assert row.result["auto_saved"] is False and row.message == "Choreography generated successfully!"
    assert not SavedChoreography.objects.filter(user=user).exists()


def test_audio_that_is_not_music_fails_the_task_readably(job_settings, user):
    get_storage().save("songs/notes.mp3", b"not audio at all" * 100, "audio/mpeg")
    task = new_task(user, "songs/notes.mp3")
    assert run_job(config_for(task, "songs/notes.mp3")) == 0  # permanent: no retry
    row = ChoreographyTask.objects.get(pk=task.pk)
    assert row.status == "failed" and row.error.startswith("Music analysis failed:")
    assert get_storage().list_keys("choreographies/") == []


def test_cancellation_mid_run_stops_the_job_and_leaves_no_files(job_settings, user):
    task = new_task(user)
    outcome = {}
    worker = threading.Thread(target=lambda: outcome.setdefault("code", run_job(config_for(task))))
    worker.start()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and ChoreographyTask.objects.get(pk=task.pk).stage not in (
        "analyzing",
        "selecting",
    ):
        time.sleep(0.05)
    task_cancel(task_id=task.pk, actor="api")
    worker.join(timeout=30)
    connection.close()
    assert outcome["code"] == 0
    row = ChoreographyTask.objects.get(pk=task.pk)
    assert (row.status, row.stage, row.error) == ("failed", "cancelled", "Cancelled by user")
    # the job stopped where it was: after the request, nothing of the job's own but its `cancelled`
    types = list(TaskEvent.objects.filter(task_id=task.pk).order_by("seq").values_list("type", flat=True))
    assert types[types.index("cancel_requested") + 1 :] == ["cancelled"], types
    assert "completed" not in types
    assert get_storage().list_keys("choreographies/") == []


@pytest.fixture
def stalled_song_server():
    """Sends the headers and a little of the body, then nothing: a download that never ends by itself."""
    release = threading.Event()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Length", str(10 * 1024 * 1024))
            self.end_headers()
            self.wfile.write(b"\0" * 1024)
            self.wfile.flush()
            release.wait(120)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/song.wav"
    release.set()
    server.shutdown()


def test_cancelling_during_a_stalled_download_ends_the_task_cancelled(
    job_settings, user, stalled_song_server, monkeypatch
):
    # the network wait alone would hold the job for 10 minutes: only the cancellation can end it in time
    monkeypatch.setenv("AUDIO_FETCH_TIMEOUT_SECONDS", "600")
    task = new_task(user, stalled_song_server)
    outcome = {}
    worker = threading.Thread(
        target=lambda: outcome.setdefault("code", run_job(config_for(task, stalled_song_server)))
    )
    worker.start()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and ChoreographyTask.objects.get(pk=task.pk).stage != "downloading":
        time.sleep(0.05)
    task_cancel(task_id=task.pk, actor="api")
    worker.join(timeout=60)
    connection.close()
    assert not worker.is_alive(), "the job is still waiting on the stalled download"
    assert outcome["code"] == 0
    row = ChoreographyTask.objects.get(pk=task.pk)
    assert (row.status, row.stage, row.error) == ("failed", "cancelled", "Cancelled by user")


@pytest.fixture
def flaky_song_server(demo_song):
    """Answers 503 to the first request, then the song: a transient failure, then success."""
    calls = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            calls.append(self.path)
            if len(calls) == 1:
                self.send_response(503)
                self.end_headers()
                return
            body = demo_song.path.read_bytes()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/song.wav"
    server.shutdown()


def test_a_transient_failure_exits_for_a_retry_and_the_next_attempt_starts_cleanly(
    job_settings, user, flaky_song_server
):
    task = new_task(user, flaky_song_server)
    first = config_for(
        task,
        flaky_song_server,
        CLOUD_RUN_EXECUTION="projects/p/locations/l/jobs/j/executions/e1",
        CLOUD_RUN_TASK_ATTEMPT="0",
    )
    assert run_job(first) == 1  # Cloud Run will start the next attempt
    assert ChoreographyTask.objects.get(pk=task.pk).status == "running"
    second = config_for(
        task,
        flaky_song_server,
        CLOUD_RUN_EXECUTION="projects/p/locations/l/jobs/j/executions/e1",
        CLOUD_RUN_TASK_ATTEMPT="1",
    )
    assert run_job(second) == 0
    row = ChoreographyTask.objects.get(pk=task.pk)
    assert row.status == "completed"
    assert list(
        TaskEvent.objects.filter(task_id=task.pk, type="attempt_started").values_list("attempt", flat=True)
    ) == [1, 2]
    # The first attempt, were it still alive, is no longer heard.
    with pytest.raises(Exception, match="superseded"):
        task_event_append(task.pk, "progress", {"stage": "generating", "percent": 80}, actor="job", attempt=1)
    assert SavedChoreography.objects.filter(user=user).count() == 1


def test_a_transient_failure_on_the_last_attempt_fails_the_task_as_retryable(job_settings, user):
    task = new_task(user, "http://127.0.0.1:9/song.mp3")  # nothing listens there
    assert run_job(config_for(task, "http://127.0.0.1:9/song.mp3")) == 1  # local: nothing else will retry
    row = ChoreographyTask.objects.get(pk=task.pk)
    assert row.status == "failed" and row.error.startswith("Audio download failed:")
    assert TaskEvent.objects.get(task_id=task.pk, type="failed").payload["retryable"] is True


def test_an_unreachable_move_index_is_a_transient_failure(job_settings, user):
    job_settings.MOVE_INDEX, job_settings.ELASTICSEARCH_URL = "elasticsearch", "http://127.0.0.1:9"
    task = new_task(user)
    assert run_job(config_for(task)) == 1
    row = ChoreographyTask.objects.get(pk=task.pk)
    assert row.status == "failed" and "searching bachata_move_embeddings failed" in row.error
    assert row.error.startswith("Video generation failed:")
    assert TaskEvent.objects.get(task_id=task.pk, type="failed").payload["retryable"] is True


def _job_environment(extra: dict) -> dict:
    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    return {**os.environ, "DATABASE_URL": url, **extra}


def test_invalid_job_configuration_fails_the_task_readably(job_settings, user):
    task = new_task(user)
    done = subprocess.run(
        [sys.executable, "-m", "videojob"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        env=_job_environment(
            {"TASK_ID": task.pk, "USER_ID": str(user.pk), "AUDIO_INPUT": "", "DIFFICULTY": "expert"}
        ),
    )
    assert done.returncode == 0, done.stderr
    row = ChoreographyTask.objects.get(pk=task.pk)
    assert row.status == "failed"
    assert row.error == (
        "Invalid job configuration: AUDIO_INPUT is missing; DIFFICULTY must be one of "
        "beginner, intermediate, advanced"
    )


@pytest.fixture
def launcher_settings(job_settings, tmp_path, monkeypatch):
    """The real local launcher; the job subprocesses get this test's database, storage and library."""
    job_settings.JOB_LAUNCHER = "bachata.choreography.local_launcher.LocalJobLauncher"
    job_settings.JOB_LOG_DIR = str(tmp_path / "logs")
    for name, value in _job_environment(
        {
            "MEDIA_ROOT": str(job_settings.MEDIA_ROOT),
            "STORAGE_BACKEND": "local",
            "VIDEOJOB_LIBRARY": job_settings.VIDEOJOB_LIBRARY,
            "MOVE_INDEX": "local",
            "MOVE_INDEX_PATH": str(job_settings.MOVE_INDEX_PATH),
            "JOB_LAUNCHER": job_settings.JOB_LAUNCHER,
        }
    ).items():
        monkeypatch.setenv(name, value)
    return job_settings


def wait_for_task(task, condition, timeout=240):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        row = ChoreographyTask.objects.get(pk=task.pk)
        if condition(row):
            return row
        time.sleep(0.2)
    raise AssertionError(f"task {task.pk} did not get there in {timeout} s: {row.status} {row.stage}")


def job_log(settings) -> str:
    return "\n".join(path.read_text()[-2000:] for path in Path(settings.JOB_LOG_DIR).glob("*.log"))


def test_the_local_launcher_runs_the_real_job_to_completion(launcher_settings, user):
    from bachata.choreography.services import task_create

    task = task_create(user=user, parameters={"audio_input": "songs/demo.wav", "difficulty": "beginner"})
    row = wait_for_task(task, lambda row: row.status in ("completed", "failed"))
    assert row.status == "completed", (row.error, job_log(launcher_settings))
    assert row.job_execution_name.startswith("local-")


def test_a_crashed_job_fails_its_task_at_once_and_its_retry_completes_once(launcher_settings, user):
    from bachata.choreography.services import task_create, task_retry, tasks_reap

    task = task_create(user=user, parameters={"audio_input": "songs/demo.wav", "difficulty": "beginner"})
    row = wait_for_task(task, lambda row: row.stage in ("analyzing", "selecting", "generating"))
    os.kill(int(row.job_execution_name.removeprefix("local-")), signal.SIGKILL)  # no chance to report
    # the launcher saw its process end without a word: the task fails now, not after the reaper's 15 minutes
    row = wait_for_task(task, lambda row: row.status == "failed", timeout=20)
    assert row.error.startswith("Video generation failed: the video job stopped unexpectedly (")
    assert row.error.endswith("it was killed by SIGKILL")
    assert tasks_reap(timeout_seconds=0) == []

    task_retry(task_id=task.pk, actor="api")
    row = wait_for_task(task, lambda row: row.status == "completed" or row.stage == "failed")
    assert row.status == "completed", (row.error, job_log(launcher_settings))
    types = event_types(task)
    assert types.count("attempt_started") == 2 and types.count("completed") == 1
    assert types.index("failed") < types.index("retry_requested") < len(types) - 1
    assert row.result["video_path"].endswith(f"/{task.pk}.mp4")
    assert get_storage().exists(row.result["video_path"])
    assert SavedChoreography.objects.filter(user=user).count() == 1


# --- every failure ends the task readably (issue 9: input the API accepted used to crash the job) ----------


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("silence.wav", "the audio is silent"),
        ("short.wav", "only 0.2 seconds"),
        ("corrupt.mp3", "damaged after"),
    ],
)
def test_songs_that_cannot_be_danced_to_fail_the_task_readably(job_settings, user, bad_songs, name, reason):
    get_storage().save(f"songs/{name}", bad_songs[name].read_bytes(), "audio/mpeg")
    task = new_task(user, f"songs/{name}")
    assert run_job(config_for(task, f"songs/{name}")) == 0  # permanent: no retry
    row = ChoreographyTask.objects.get(pk=task.pk)
    assert row.status == "failed" and row.error.startswith("Music analysis failed:") and reason in row.error
    assert "/" not in row.error.removeprefix("Music analysis failed:")  # no server paths


def test_an_unexpected_error_fails_the_task_generically_with_the_detail_in_the_log(
    job_settings, user, monkeypatch, caplog
):
    import videojob.pipeline

    def broken(*args, **kwargs):  # fault injection: a defect nobody anticipated
        raise KeyError("secret internal detail /srv/app/x")

    monkeypatch.setattr(videojob.pipeline, "resolve_library", broken)  # job.py imports it when it runs
    task = new_task(user)
    assert run_job(config_for(task)) == 0
    row = ChoreographyTask.objects.get(pk=task.pk)
    assert row.status == "failed" and row.error == "Video generation failed"
    assert "secret internal detail" in caplog.text


def test_a_gs_link_the_deployment_does_not_allow_fails_readably(job_settings, user):
    task = new_task(user, "gs://other-bucket/uploads/1/song.mp3")
    assert run_job(config_for(task, "gs://other-bucket/uploads/1/song.mp3")) == 0
    row = ChoreographyTask.objects.get(pk=task.pk)
    assert row.status == "failed" and "gs:// links are not accepted" in row.error


def test_a_damaged_mp3_fails_the_task_in_a_real_job_process(job_settings, user, bad_songs):
    get_storage().save("songs/corrupt.mp3", bad_songs["corrupt.mp3"].read_bytes(), "audio/mpeg")
    task = new_task(user, "songs/corrupt.mp3")
    done = subprocess.run(
        [sys.executable, "-m", "videojob"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=180,
        env=_job_environment(
            {
                "TASK_ID": task.pk,
                "USER_ID": str(user.pk),
                "AUDIO_INPUT": "songs/corrupt.mp3",
                "MEDIA_ROOT": str(job_settings.MEDIA_ROOT),
                "STORAGE_BACKEND": "local",
                "VIDEOJOB_LIBRARY": job_settings.VIDEOJOB_LIBRARY,
                "JOB_LAUNCHER": "bachata.choreography.tests.launchers.RecordingLauncher",
            }
        ),
    )
    assert done.returncode == 0, done.stderr[-2000:]
    row = ChoreographyTask.objects.get(pk=task.pk)
    assert row.status == "failed" and "damaged after" in row.error


def test_a_killed_jobs_working_directory_is_removed_when_the_next_job_starts(job_settings, user):
    import tempfile

    stale = Path(tempfile.gettempdir()) / "videojob-deadbeef-killed"
    (stale / "audio").mkdir(parents=True, exist_ok=True)
    (stale / "audio" / "song.wav").write_bytes(b"x" * 1000)
    fresh = Path(tempfile.mkdtemp(prefix="videojob-cafebabe-"))  # a live job's, just made
    old = time.time() - 2 * 3600
    for path in (stale / "audio" / "song.wav", stale / "audio", stale):
        os.utime(path, (old, old))
    task = new_task(user, "http://127.0.0.1:9/x.mp3")
    run_job(config_for(task, "http://127.0.0.1:9/x.mp3"))
    assert not stale.exists() and fresh.exists()
    fresh.rmdir()


def test_queued_tasks_start_by_themselves_as_jobs_finish(launcher_settings, user):
    from bachata.choreography.services import task_create

    launcher_settings.LOCAL_JOB_MAX_CONCURRENCY = 1
    params = {"audio_input": "songs/demo.wav", "difficulty": "beginner"}
    first, second = task_create(user=user, parameters=params), task_create(user=user, parameters=params)
    assert ChoreographyTask.objects.get(pk=second.pk).stage == "queued"
    # nobody dispatches and no reaper runs: the first job's end starts the second
    for task in (first, second):
        try:
            row = wait_for_task(task, lambda row: row.status in ("completed", "failed"))
        except AssertionError as exc:
            raise AssertionError(f"{exc}\n{job_log(launcher_settings)}") from None
        assert row.status == "completed", (row.error, job_log(launcher_settings))
