"""The status poll's conditional GET, over real HTTP (live server): If-None-Match, ETag, 304 Not Modified."""

import http.client
import json
from urllib.parse import urlsplit

import pytest
from django.db import connection
from rest_framework_simplejwt.tokens import RefreshToken

from bachata.choreography.ledger.append import task_event_append, task_history_start

pytestmark = pytest.mark.django_db(transaction=True)
SPA_ORIGIN = "http://127.0.0.1:5173"


class Http:
    """A keep-alive HTTP/1.1 client of the live server, as the SPA's fetch() talks to the API."""

    def __init__(self, live_server, user=None):
        address = urlsplit(live_server.url)
        self.connection = http.client.HTTPConnection(address.hostname, address.port, timeout=10)
        self.auth = {"Authorization": f"Bearer {RefreshToken.for_user(user).access_token}"} if user else {}

    def request(self, method, path, headers=None):
        self.connection.request(method, path, headers={**self.auth, **(headers or {})})
        response = self.connection.getresponse()
        return response, response.read()

    def poll(self, task_id, etag=None, path="/api/choreography/tasks/{}"):
        return self.request("GET", path.format(task_id), {"If-None-Match": etag} if etag else {})


@pytest.fixture
def task(user):
    task = task_history_start(user=user, parameters={"audio_input": "songs/x.mp3"})
    task_event_append(task.pk, "attempt_started", actor="job")
    task_event_append(task.pk, "progress", {"stage": "analyzing", "percent": 25}, actor="job")
    return task


@pytest.fixture
def connect(live_server):
    """Clients of the live server, for any user (or none); their connections are closed afterwards, so that
    the server's threads let go of the database."""
    made = []

    def make(user=None):
        made.append(Http(live_server, user))
        return made[-1]

    yield make
    for client in made:
        client.connection.close()


@pytest.fixture
def client(connect, user):
    return connect(user)


def test_an_unchanged_task_answers_304_without_a_body_until_the_job_reports(client, task):
    response, body = client.poll(task.pk)
    assert response.status == 200 and json.loads(body)["stage"] == "analyzing"
    etag = response.getheader("ETag")
    assert etag.startswith('W/"') and response.getheader("Cache-Control") == "private, no-cache"
    assert "Authorization" in response.getheader("Vary")

    for _ in range(3):
        unchanged, body = client.poll(task.pk, etag)
        assert (unchanged.status, body, unchanged.getheader("ETag")) == (304, b"", etag)

    task_event_append(task.pk, "progress", {"stage": "selecting", "percent": 40}, actor="job")
    changed, body = client.poll(task.pk, etag)
    assert changed.status == 200 and json.loads(body)["stage"] == "selecting"
    assert changed.getheader("ETag") != etag
    assert client.poll(task.pk, changed.getheader("ETag"))[0].status == 304


def test_the_alias_and_a_list_of_etags_are_understood(client, task):
    etag = client.poll(task.pk)[0].getheader("ETag")
    assert client.poll(task.pk, etag, path="/api/tasks/{}/")[0].status == 304
    assert client.poll(task.pk, f'"stale", {etag.removeprefix("W/")}')[0].status == 304  # weak comparison
    assert client.poll(task.pk, '"stale", W/"other"')[0].status == 200
    assert client.poll(task.pk, "*")[0].status == 304


@pytest.fixture
def legacy_task(user):
    """A task the legacy app made and runs itself: its writes apply (the ledger only adopts them)."""
    import uuid

    from .legacy_app import LegacyApp

    with LegacyApp() as legacy:
        return legacy.create(str(uuid.uuid4()), user.pk)


@pytest.mark.parametrize(
    "legacy_write",
    [
        # the legacy app's save(): new column values and a new updated_at
        "UPDATE choreography_tasks SET status = 'running', progress = 25, stage = 'analyzing', "
        "message = 'Analyzing music features...', updated_at = now() WHERE task_id = %s",
        # a write that leaves updated_at as it was still shows
        "UPDATE choreography_tasks SET message = 'Analyzing music features... (legacy)' WHERE task_id = %s",
        # a save of a row read earlier: the same values, only updated_at moves
        "UPDATE choreography_tasks SET updated_at = updated_at + interval '1 second' WHERE task_id = %s",
    ],
    ids=["legacy-save", "columns-only", "updated-at-only"],
)
def test_a_write_by_the_legacy_app_outside_the_ledger_is_not_hidden_by_a_304(
    client, legacy_task, legacy_write
):
    response, before = client.poll(legacy_task.task_id)
    etag = response.getheader("ETag")
    with connection.cursor() as cursor:
        cursor.execute(legacy_write, [legacy_task.task_id])
    changed, after = client.poll(legacy_task.task_id, etag)
    assert changed.status == 200 and changed.getheader("ETag") != etag
    assert json.loads(after) != json.loads(before)


def test_a_refused_outside_write_to_a_task_the_ledger_runs_leaves_the_answer_as_it_was(client, task):
    # the legacy stuck cleanup on a live new task: the trigger keeps the columns (docs/architecture.md)
    response, before = client.poll(task.pk)
    etag = response.getheader("ETag")
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE choreography_tasks SET status = 'failed', progress = 0, stage = 'failed', "
            "error = 'Task stuck for more than 5 minutes - likely container restart', updated_at = now() "
            "WHERE task_id = %s",
            [task.pk],
        )
    unchanged, _ = client.poll(task.pk, etag)
    after = json.loads(client.poll(task.pk)[1])
    assert after["status"] == json.loads(before)["status"] == "processing"
    assert unchanged.status == 304  # nothing a poller sees has changed


def test_an_etag_never_reveals_or_reaches_another_users_task(connect, client, task, make_user):
    etag = client.poll(task.pk)[0].getheader("ETag")
    stranger = connect(make_user())
    for guess in (etag, "*"):
        response, body = stranger.poll(task.pk, guess)
        assert response.status == 404 and json.loads(body)["message"] == "Task not found."
    assert client.poll("no-such-task", "*")[0].status == 404
    anonymous = connect()
    assert anonymous.poll(task.pk, etag)[0].status == 401


def test_a_finished_task_is_current_only_while_its_video_link_has_most_of_its_life(client, task, monkeypatch):
    task_event_append(task.pk, "completed", {"result": {"video_path": "choreographies/x.mp4"}}, actor="job")
    response, body = client.poll(task.pk)
    assert json.loads(body)["video_url"]
    etag = response.getheader("ETag")
    assert client.poll(task.pk, etag)[0].status == 304

    from bachata.api.media import TOKEN_MAX_AGE, media_token_epoch
    from bachata.choreography import views

    # the link's token epoch turns every half token lifetime (the clock is moved for the view only)
    half = TOKEN_MAX_AGE.total_seconds() / 2
    assert media_token_epoch(10 * half) == media_token_epoch(11 * half - 1) != media_token_epoch(11 * half)
    monkeypatch.setattr(views, "media_token_epoch", lambda: media_token_epoch() + 1)
    renewed, body = client.poll(task.pk, etag)
    assert renewed.status == 200 and json.loads(body)["video_url"]
    assert renewed.getheader("ETag") != etag


def test_the_spa_may_send_if_none_match_across_origins_and_read_the_etag(connect, client, task):
    preflight, _ = connect().request(
        "OPTIONS",
        f"/api/choreography/tasks/{task.pk}",
        {
            "Origin": SPA_ORIGIN,
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "authorization, if-none-match",
        },
    )
    assert preflight.status == 200
    assert "if-none-match" in preflight.getheader("Access-Control-Allow-Headers").lower()
    response, _ = client.request("GET", f"/api/choreography/tasks/{task.pk}", {"Origin": SPA_ORIGIN})
    assert "etag" in response.getheader("Access-Control-Expose-Headers").lower()
