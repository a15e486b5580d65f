"""Generation and task endpoints, as the SPA uses them."""

import pytest

from bachata.api.tests.assertions import assert_error
from bachata.choreography.ledger.append import task_event_append
from bachata.choreography.models import ChoreographyTask, TaskEvent
from bachata.songs.models import LibrarySong, SongUpload

# Transactional: the job launch runs on commit, before the response, exactly as in production.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("recording_launcher")]

GENERATE = "/api/choreography/generate"


def generate(api, **body):
    body.setdefault("audio_input", "https://music.example.com/besame.mp3")
    return api.post(GENERATE, body, format="json")


def test_generate_answers_202_and_launches_the_job_after_commit(api, user, recording_launcher):
    response = generate(api, difficulty="beginner", energy_level="high", style="energetic")
    assert response.status_code == 202
    body = response.json()
    task_id = body["task_id"]
    assert body == {
        "task_id": task_id,
        "job_execution_name": f"test-execution-{task_id[:8]}",
        "status": "pending",
        "message": "Video job launched, waiting for it to start...",
        "poll_url": f"/api/choreography/tasks/{task_id}",
    }
    assert recording_launcher.launched == [task_id]
    created = TaskEvent.objects.get(task_id=task_id, type="created")
    assert created.payload["parameters"] == {
        "audio_input": "https://music.example.com/besame.mp3",
        "source": "url",
        "difficulty": "beginner",
        "energy_level": "high",
        "style": "energetic",
        "query": "",
    }
    task = ChoreographyTask.objects.get(pk=task_id)
    assert task.user == user and task.status == "started"


def test_generate_from_a_youtube_link_a_gs_uri_a_library_song_and_an_upload(api, user, settings):
    settings.AUDIO_GCS_ALLOWED_BUCKETS = ["bachata-songs"]  # a bucket the deployment makes public
    assert generate(api, audio_input="https://youtu.be/abc123").status_code == 202
    assert generate(api, audio_input="gs://bachata-songs/songs/x.mp3").status_code == 202
    LibrarySong.objects.create(key="songs/besame.mp3", title="Besame")
    response = api.post(GENERATE, {"song_id": "besame.mp3"}, format="json")
    assert response.status_code == 202
    params = TaskEvent.objects.get(task_id=response.json()["task_id"], type="created").payload["parameters"]
    assert params["audio_input"] == "songs/besame.mp3" and params["source"] == "library"


@pytest.mark.parametrize(
    "link",
    [
        "gs://bachata-media/uploads/user_7/their-song.mp3",  # another user's upload, in our own bucket
        "gs://bachata-media/choreographies/2026/11/x.mp4",
        "gs://any-other-bucket/x.mp3",
    ],
)
def test_gs_links_outside_the_configured_public_buckets_are_refused(api, settings, recording_launcher, link):
    settings.AUDIO_GCS_ALLOWED_BUCKETS = ["bachata-songs"]
    body = assert_error(generate(api, audio_input=link), 400, "invalid_audio_input")
    assert "gs:// links are not accepted" in body["fields"]["audio_input"][0]
    assert recording_launcher.launched == [] and not ChoreographyTask.objects.exists()


def test_generate_from_own_upload_only(api, user, make_user, api_client_for):
    upload = SongUpload.objects.create(
        user=user,
        storage_key=f"uploads/{user.pk}/a.mp3",
        title="Mine",
        original_filename="a.mp3",
        content_type="audio/mpeg",
        size_bytes=10,
        duration=100.0,
    )
    assert api.post(GENERATE, {"upload_id": str(upload.pk)}, format="json").status_code == 202
    other = api_client_for(make_user())
    assert_error(other.post(GENERATE, {"upload_id": str(upload.pk)}, format="json"), 404, "upload_not_found")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "audio_input"),
        ({"audio_input": "https://a.example/x.mp3", "song_id": "x.mp3"}, "audio_input"),
        ({"audio_input": "ftp://example.com/x.mp3"}, "audio_input"),
        ({"audio_input": "not a url"}, "audio_input"),
        ({"audio_input": "http://127.0.0.1/x.mp3"}, "audio_input"),
        ({"audio_input": "http://10.0.0.5/x.mp3"}, "audio_input"),
        ({"audio_input": "gs://"}, "audio_input"),
        ({"audio_input": "https://a.example/x.mp3", "difficulty": "expert"}, "difficulty"),
        ({"audio_input": "https://a.example/x.mp3", "energy_level": "extreme"}, "energy_level"),
        ({"audio_input": "https://a.example/x.mp3", "style": "salsa"}, "style"),
        ({"upload_id": "not-a-uuid"}, "upload_id"),
    ],
)
def test_generate_validation_errors(api, body, field, recording_launcher):
    assert_error(api.post(GENERATE, body, format="json"), 400, field=field)
    assert ChoreographyTask.objects.count() == 0
    assert recording_launcher.launched == []


def test_unknown_library_song_is_404(api):
    assert_error(api.post(GENERATE, {"song_id": "nope.mp3"}, format="json"), 404, "song_not_found")


def test_generate_requires_login(anon):
    assert_error(anon.post(GENERATE, {"audio_input": "https://a.example/x.mp3"}, format="json"), 401)


def test_idempotency_key_makes_retries_create_one_task_and_one_execution(api, recording_launcher):
    first = api.post(
        GENERATE, {"audio_input": "https://a.example/x.mp3"}, format="json", HTTP_IDEMPOTENCY_KEY="k-1"
    )
    again = api.post(
        GENERATE, {"audio_input": "https://a.example/x.mp3"}, format="json", HTTP_IDEMPOTENCY_KEY="k-1"
    )
    assert first.status_code == again.status_code == 202
    assert first.json()["task_id"] == again.json()["task_id"]
    assert ChoreographyTask.objects.count() == 1
    assert len(recording_launcher.launched) == 1
    assert_error(
        api.post(
            GENERATE,
            {"audio_input": "https://a.example/other.mp3"},
            format="json",
            HTTP_IDEMPOTENCY_KEY="k-1",
        ),
        409,
        "idempotency_key_reused",
    )


def test_same_idempotency_key_from_another_user_is_another_task(api, make_user, api_client_for):
    a = api.post(
        GENERATE, {"audio_input": "https://a.example/x.mp3"}, format="json", HTTP_IDEMPOTENCY_KEY="k"
    )
    b = api_client_for(make_user()).post(
        GENERATE, {"audio_input": "https://a.example/x.mp3"}, format="json", HTTP_IDEMPOTENCY_KEY="k"
    )
    assert a.json()["task_id"] != b.json()["task_id"]


def test_a_user_may_not_have_too_many_tasks_in_progress(api, settings):
    settings.GENERATION_MAX_ACTIVE_PER_USER = 2
    assert generate(api).status_code == 202
    assert generate(api).status_code == 202
    body = assert_error(generate(api), 429, "too_many_active_tasks")
    assert "2 choreographies in progress" in body["message"]


def test_a_launch_failure_is_a_failed_task_with_a_readable_error(api, settings):
    settings.JOB_LAUNCHER = "bachata.choreography.tests.launchers.UnavailableLauncher"
    response = generate(api)
    assert response.status_code == 202
    body = response.json()
    assert body["status"] == "failed"
    assert body["message"] == "Could not start the video job: the job runner is unreachable"
    task = api.get(body["poll_url"]).json()
    assert task["error"] == body["message"]


def test_task_status_contract_and_alias(api):
    task_id = generate(api).json()["task_id"]
    task_event_append(task_id, "attempt_started", actor="job")
    task_event_append(task_id, "progress", {"stage": "analyzing", "percent": 25}, actor="job")
    body = api.get(f"/api/choreography/tasks/{task_id}").json()
    assert {k: body[k] for k in ("task_id", "status", "progress", "stage", "message", "result", "error")} == {
        "task_id": task_id,
        "status": "processing",
        "progress": 25,
        "stage": "analyzing",
        "message": "Analyzing music features...",
        "result": None,
        "error": None,
    }
    assert body["created_at"] and body["updated_at"]
    assert api.get(f"/api/tasks/{task_id}/").json() == body


def test_task_list_is_paginated_and_filtered_by_api_status(api, user):
    ids = [generate(api).json()["task_id"] for _ in range(3)]
    task_event_append(ids[0], "attempt_started", actor="job")
    task_event_append(ids[0], "completed", {"result": {"video_path": "x"}}, actor="job")
    api.delete(f"/api/choreography/tasks/{ids[1]}")
    listing = api.get("/api/choreography/tasks").json()
    assert listing["count"] == 3 and [t["task_id"] for t in listing["results"]] == ids[::-1]
    assert [t["task_id"] for t in api.get("/api/choreography/tasks?status=completed").json()["results"]] == [
        ids[0]
    ]
    assert [t["task_id"] for t in api.get("/api/choreography/tasks?status=cancelled").json()["results"]] == [
        ids[1]
    ]
    assert [t["task_id"] for t in api.get("/api/choreography/tasks?status=pending").json()["results"]] == [
        ids[2]
    ]
    assert api.get("/api/choreography/tasks?status=failed").json()["count"] == 0
    assert_error(api.get("/api/choreography/tasks?status=bogus"), 400, field="status")
    assert_error(api.get("/api/choreography/tasks?page=9"), 404)


def test_cancel_is_real_and_answers_202_with_the_task(api, recording_launcher):
    task_id = generate(api).json()["task_id"]
    task_event_append(task_id, "attempt_started", actor="job")
    response = api.delete(f"/api/choreography/tasks/{task_id}")
    assert response.status_code == 202
    assert response.json()["stage"] == "cancelling"
    assert recording_launcher.cancelled == [(task_id, f"test-execution-{task_id[:8]}")]
    task_event_append(task_id, "cancelled", actor="job")
    assert api.get(f"/api/choreography/tasks/{task_id}").json()["status"] == "cancelled"
    assert_error(api.delete(f"/api/choreography/tasks/{task_id}"), 409, "illegal_transition")


def test_retry_a_failed_task_launches_the_next_attempt(api, recording_launcher):
    task_id = generate(api).json()["task_id"]
    refused = assert_error(api.post(f"/api/choreography/tasks/{task_id}/retry"), 409, "illegal_transition")
    assert refused["message"] == "Only a failed or cancelled task can be retried; this one is pending"
    task_event_append(task_id, "attempt_started", actor="job")
    task_event_append(task_id, "failed", {"error": "Music analysis failed: silence"}, actor="job")
    response = api.post(f"/api/choreography/tasks/{task_id}/retry/")
    assert response.status_code == 202
    assert response.json()["status"] == "pending"
    assert recording_launcher.launched == [task_id, task_id]


def test_events_timeline(api):
    task_id = generate(api).json()["task_id"]
    events = api.get(f"/api/choreography/tasks/{task_id}/events").json()["results"]
    assert [(e["seq"], e["type"], e["actor"]) for e in events] == [
        (1, "created", "api"),
        (2, "launched", "api"),
    ]


def test_another_users_task_is_404_everywhere(api, make_user, api_client_for):
    task_id = generate(api).json()["task_id"]
    intruder = api_client_for(make_user())
    for method, path in [
        ("get", f"/api/choreography/tasks/{task_id}"),
        ("get", f"/api/tasks/{task_id}"),
        ("delete", f"/api/choreography/tasks/{task_id}"),
        ("post", f"/api/choreography/tasks/{task_id}/retry"),
        ("get", f"/api/choreography/tasks/{task_id}/events"),
    ]:
        assert_error(getattr(intruder, method)(path), 404, "not_found")
    assert intruder.get("/api/choreography/tasks").json()["count"] == 0
    assert ChoreographyTask.objects.get(pk=task_id).status == "started"


def test_unknown_or_malformed_task_id_is_404(api):
    assert_error(api.get("/api/choreography/tasks/does-not-exist"), 404)
    assert_error(api.get("/api/choreography/tasks/" + "x" * 80), 404)


def test_a_finished_task_plays_for_its_owner_only(
    api, anon, user, make_user, api_client_for, settings, tmp_path
):
    from bachata.storage import get_storage

    settings.STORAGE_BACKEND = "local"
    settings.MEDIA_ROOT = tmp_path / "media"
    task_id = generate(api).json()["task_id"]
    key = f"choreographies/2026/11/{task_id}.mp4"
    get_storage().save(key, b"0123456789", "video/mp4")
    task_event_append(task_id, "attempt_started", actor="job")
    assert api.get(f"/api/choreography/tasks/{task_id}").json()["video_url"] is None
    task_event_append(task_id, "completed", {"result": {"video_path": key}}, actor="job")
    body = api.get(f"/api/choreography/tasks/{task_id}").json()
    assert body["thumbnail_url"] is None
    played = anon.get(body["video_url"], HTTP_RANGE="bytes=2-4")
    assert played.status_code == 206 and b"".join(played.streaming_content) == b"234"
    assert api_client_for(make_user()).get(f"/api/choreography/tasks/{task_id}/video").status_code == 404
    assert anon.get(f"/api/choreography/tasks/{task_id}/video").status_code == 404


def test_the_cap_of_active_tasks_holds_under_concurrency(user, api_client_for, recording_launcher):
    import threading

    from django.db import connection

    barrier, statuses = threading.Barrier(10), []

    def one(n):
        client = api_client_for(user)
        barrier.wait()
        statuses.append(generate(client, audio_input=f"https://music.example.com/{n}.mp3").status_code)
        connection.close()

    threads = [threading.Thread(target=one, args=(n,)) for n in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [202] * 3 + [429] * 7
    assert ChoreographyTask.objects.filter(user=user).count() == 3
