"""The API on rows the legacy app wrote (seeded by migrations_legacy's generator into the test database)."""

import json

import psycopg
import pytest
from django.db import connection

from bachata.storage import get_storage
from migrations_legacy.seed import seed_legacy_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def legacy(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    settings.STORAGE_BACKEND, settings.MEDIA_ROOT = "local", tmp_path / "media"
    connection.ensure_connection()
    raw: psycopg.Connection = connection.connection
    # Same rows the legacy app leaves; fewer PBKDF2 rounds only to keep the test quick (same format).
    return seed_legacy_data(raw, seed=42, users=8, password_iterations=2000)


def login(anon, identifier, password):
    response = anon.post("/api/auth/login", {"username": identifier, "password": password}, format="json")
    assert response.status_code == 200, response.content
    anon.credentials(HTTP_AUTHORIZATION=f"Bearer {response.json()['access']}")
    return response.json()["user"]


def raw_rows(sql, *params):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def test_legacy_users_log_in_by_email_with_their_legacy_passwords(anon, legacy):
    for username, password in legacy.passwords.items():
        email, active = raw_rows("SELECT email, is_active FROM users WHERE username = %s", username)[0]
        if email.lower() in legacy.shared_emails:
            continue  # covered below
        if not active:  # a deactivated legacy account stays locked out
            response = anon.post("/api/auth/login", {"username": email, "password": password}, format="json")
            assert response.status_code == 401
            continue
        assert login(anon, email, password)["username"] == username
        anon.credentials()


def test_a_shared_legacy_email_logs_in_its_oldest_account_and_the_others_by_username(anon, legacy):
    email = legacy.shared_emails[0]
    owners = [
        u
        for (u,) in raw_rows(
            "SELECT username FROM users WHERE lower(email) = %s AND is_active ORDER BY date_joined, id", email
        )
    ]
    assert len(owners) > 1
    assert login(anon, email.upper(), legacy.passwords[owners[0]])["username"] == owners[0]
    anon.credentials()
    for username in owners[1:]:
        by_email = anon.post(
            "/api/auth/login", {"username": email, "password": legacy.passwords[username]}, format="json"
        )
        assert by_email.status_code == 401  # never says the password belongs to another account on it
        assert login(anon, username, legacy.passwords[username])["username"] == username
        anon.credentials()


def test_legacy_tasks_are_listed_and_read_in_the_api_vocabulary(anon, legacy):
    username = max(
        legacy.passwords,
        key=lambda u: raw_rows(
            "SELECT count(*) FROM choreography_tasks t JOIN users u ON u.id = t.user_id WHERE u.username = %s",
            u,
        )[0][0],
    )
    events_before = raw_rows("SELECT count(*) FROM task_events")[0][0]  # the legacy inserts' (adopted)
    login(anon, username, legacy.passwords[username])
    listing = anon.get("/api/choreography/tasks").json()
    stored = raw_rows(
        "SELECT task_id, status, result FROM choreography_tasks t JOIN users u ON u.id = t.user_id "
        "WHERE u.username = %s",
        username,
    )
    assert listing["count"] == len(stored)
    vocabulary = {"started": "pending", "running": "processing", "completed": "completed", "failed": "failed"}
    for task_id, status, result in stored:
        body = anon.get(f"/api/choreography/tasks/{task_id}").json()
        assert body["status"] == vocabulary[status]
        assert body["result"] == (json.loads(result) if result else None)  # legacy result keys, untouched
    # Reading changed nothing: no event was written by reading legacy tasks.
    assert raw_rows("SELECT count(*) FROM task_events")[0][0] == events_before


def test_legacy_collections_play_from_their_absolute_video_paths(anon, legacy):
    (username,) = raw_rows(
        "SELECT u.username FROM users u JOIN saved_choreographies s ON s.user_id = u.id WHERE u.is_active LIMIT 1"
    )[0]
    login(anon, username, legacy.passwords[username])
    items = anon.get("/api/collections").json()["results"]
    assert items
    path = raw_rows("SELECT video_path FROM saved_choreographies WHERE id = %s", items[0]["id"])[0][0]
    assert path.startswith("/app/data/output/user_")
    get_storage().save(path.split("/app/data/", 1)[1], b"legacy video bytes", "video/mp4")
    anon.credentials()
    played = anon.get(items[0]["video_url"], HTTP_RANGE="bytes=0-5")
    assert played.status_code == 206 and b"".join(played.streaming_content) == b"legacy"
    assert anon.get("/api/collections/stats", HTTP_AUTHORIZATION="").status_code == 401


def test_legacy_instructors_see_their_class_plans(anon, legacy):
    instructor = next(
        u
        for u in legacy.instructors
        if raw_rows(
            "SELECT count(*) FROM class_plans p JOIN users u ON u.id = p.instructor_id WHERE u.username = %s",
            u,
        )[0][0]
    )
    login(anon, instructor, legacy.passwords[instructor])
    plans = anon.get("/api/instructors/class-plans").json()["results"]
    assert plans
    detail = anon.get(f"/api/instructors/class-plans/{plans[0]['id']}").json()
    orders = [s["sequence_order"] for s in detail["sequences"]]
    assert orders == sorted(orders) and orders


def test_one_legacy_user_cannot_read_anothers_tasks(anon, legacy):
    rows = raw_rows("SELECT u.username, t.task_id FROM choreography_tasks t JOIN users u ON u.id = t.user_id")
    owner, task_id = rows[0]
    other = next(u for u, _ in rows if u != owner)
    login(anon, other, legacy.passwords[other])
    assert anon.get(f"/api/choreography/tasks/{task_id}").status_code == 404
