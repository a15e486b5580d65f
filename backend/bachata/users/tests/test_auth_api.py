import pytest
from django.contrib.auth.hashers import make_password

from bachata.api.tests.assertions import assert_error
from bachata.users.models import User

pytestmark = pytest.mark.django_db


def register(anon, **overrides):
    body = {
        "username": "lucia",
        "email": "lucia@example.com",
        "password": "bachata123",
        "display_name": "Lucía",
    }
    body.update(overrides)
    return anon.post("/api/auth/register", body, format="json")


def test_register_returns_tokens_and_the_user(anon):
    response = register(anon)
    assert response.status_code == 201
    body = response.json()
    assert body["access"] and body["refresh"]
    assert body["user"]["username"] == "lucia"
    assert body["user"]["display_name"] == "Lucía"
    assert body["user"]["preferences"] == {"auto_save_choreographies": True}
    assert body["user"]["is_instructor"] is False
    me = anon.get("/api/auth/me", HTTP_AUTHORIZATION=f"Bearer {body['access']}")
    assert me.json()["email"] == "lucia@example.com"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"username": ""}, "username"),
        ({"username": "bad name!"}, "username"),
        ({"email": "not-an-email"}, "email"),
        ({"password": "12345"}, "password"),
        ({"display_name": "x" * 201}, "display_name"),
    ],
)
def test_register_validation_errors_name_the_field(anon, overrides, field):
    body = assert_error(register(anon, **overrides), 400)
    assert field in body["fields"]


def test_register_refuses_a_taken_username(anon, make_user):
    make_user(username="lucia")
    body = assert_error(register(anon), 400, "username_taken")
    assert body["message"] == "That username is taken."


def test_trailing_slash_works_without_redirect(anon):
    response = anon.post(
        "/api/auth/register/",
        {"username": "m", "email": "m@example.com", "password": "secret1"},
        format="json",
    )
    assert response.status_code == 201


def test_login_by_username_or_email(anon, make_user):
    make_user(username="carlos", email="Carlos@Example.com", password="merengue1")
    assert (
        anon.post(
            "/api/auth/login", {"username": "carlos", "password": "merengue1"}, format="json"
        ).status_code
        == 200
    )
    by_email = anon.post(
        "/api/auth/login", {"username": "carlos@example.com", "password": "merengue1"}, format="json"
    )
    assert by_email.status_code == 200
    assert by_email.json()["user"]["username"] == "carlos"
    assert (
        anon.post(
            "/api/auth/login", {"email": "carlos@example.com", "password": "merengue1"}, format="json"
        ).status_code
        == 200
    )


def test_legacy_pbkdf2_password_logs_in(anon, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    User.objects.create(
        username="legacy",
        email="legacy@example.com",
        password=make_password("old-secret", hasher="pbkdf2_sha256"),
        preferences={},
    )
    response = anon.post(
        "/api/auth/login", {"username": "legacy@example.com", "password": "old-secret"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["user"]["preferences"] == {"auto_save_choreographies": True}


def test_wrong_password_and_unknown_user_read_the_same(anon, make_user):
    make_user(username="rosa", password="right-one")
    wrong = assert_error(
        anon.post("/api/auth/login", {"username": "rosa", "password": "nope"}, format="json"), 401
    )
    unknown = assert_error(
        anon.post("/api/auth/login", {"username": "ghost", "password": "nope"}, format="json"), 401
    )
    assert wrong["message"] == unknown["message"] == "Invalid username/email or password."


def test_five_failed_logins_lock_the_account_for_fifteen_minutes(anon, make_user):
    make_user(username="pedro", email="pedro@example.com", password="correct-horse")
    for _ in range(5):
        anon.post("/api/auth/login", {"username": "pedro", "password": "wrong"}, format="json")
    locked = anon.post("/api/auth/login", {"username": "pedro", "password": "correct-horse"}, format="json")
    body = assert_error(locked, 429, "account_locked")
    assert "15 minute" in body["message"]
    # The lock is on the account, whichever identifier is used.
    assert_error(
        anon.post(
            "/api/auth/login", {"username": "pedro@example.com", "password": "correct-horse"}, format="json"
        ),
        429,
        "account_locked",
    )


def test_login_requires_an_identifier(anon):
    body = assert_error(anon.post("/api/auth/login", {"password": "x"}, format="json"), 400)
    assert "username" in body["fields"]


def test_refresh_rotates_and_logout_blacklists(anon, make_user):
    make_user(username="sofia", password="bachata-sensual")
    tokens = anon.post(
        "/api/auth/login", {"username": "sofia", "password": "bachata-sensual"}, format="json"
    ).json()
    rotated = anon.post("/api/auth/refresh", {"refresh": tokens["refresh"]}, format="json")
    assert rotated.status_code == 200
    new = rotated.json()
    assert new["refresh"] != tokens["refresh"]
    assert_error(anon.post("/api/auth/refresh", {"refresh": tokens["refresh"]}, format="json"), 401)

    auth = {"HTTP_AUTHORIZATION": f"Bearer {new['access']}"}
    assert (
        anon.post("/api/auth/logout", {"refresh": new["refresh"]}, format="json", **auth).status_code == 204
    )
    assert_error(anon.post("/api/auth/refresh", {"refresh": new["refresh"]}, format="json"), 401)
    assert_error(anon.post("/api/auth/logout", {"refresh": new["refresh"]}, format="json", **auth), 400)


def test_me_requires_login(anon):
    assert_error(anon.get("/api/auth/me"), 401)
    assert_error(anon.get("/api/auth/me", HTTP_AUTHORIZATION="Bearer not-a-token"), 401)


def test_update_profile_and_preferences(api, user):
    response = api.put(
        "/api/auth/me",
        {
            "display_name": "La Reina",
            "email": "reina@example.com",
            "preferences": {"auto_save_choreographies": False},
            "is_instructor": True,
            "username": "hacker",
        },
        format="json",
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["display_name"], body["email"]) == ("La Reina", "reina@example.com")
    assert body["preferences"] == {"auto_save_choreographies": False}
    user.refresh_from_db()
    assert user.is_instructor is False and user.username != "hacker"
    assert user.preferences == {"auto_save_choreographies": False}
    assert_error(api.patch("/api/auth/me", {"email": "nope"}, format="json"), 400)


def test_password_change_ends_other_sessions(anon, make_user):
    make_user(username="marta", password="old-password")
    tokens = anon.post(
        "/api/auth/login", {"username": "marta", "password": "old-password"}, format="json"
    ).json()
    auth = {"HTTP_AUTHORIZATION": f"Bearer {tokens['access']}"}
    assert_error(
        anon.post(
            "/api/auth/password",
            {"current_password": "wrong", "new_password": "new-password"},
            format="json",
            **auth,
        ),
        400,
        "wrong_password",
    )
    assert_error(
        anon.post(
            "/api/auth/password",
            {"current_password": "old-password", "new_password": "123"},
            format="json",
            **auth,
        ),
        400,
        "weak_password",
    )
    changed = anon.post(
        "/api/auth/password",
        {"current_password": "old-password", "new_password": "new-password"},
        format="json",
        **auth,
    )
    assert changed.status_code == 200 and changed.json()["refresh"]
    assert_error(anon.post("/api/auth/refresh", {"refresh": tokens["refresh"]}, format="json"), 401)
    assert (
        anon.post(
            "/api/auth/login", {"username": "marta", "password": "new-password"}, format="json"
        ).status_code
        == 200
    )


def test_health_answers_without_login(anon):
    response = anon.get("/api/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}
    assert response["X-Request-ID"]


def test_unknown_api_path_is_a_json_404(anon):
    assert_error(anon.get("/api/does-not-exist"), 404, "not_found")


def test_throttling_answers_429_with_retry_after(api, settings):
    from rest_framework.throttling import SimpleRateThrottle

    original_rates = SimpleRateThrottle.THROTTLE_RATES
    SimpleRateThrottle.THROTTLE_RATES = {"user": "3/day", "anon": "3/day"}  # a day: no window edge mid-test
    try:
        statuses = [api.get("/api/auth/me").status_code for _ in range(4)]
        assert statuses == [200, 200, 200, 429]
        limited = api.get("/api/auth/me")
        body = assert_error(limited, 429, "throttled")
        assert int(limited["Retry-After"]) > 0
        assert "try again" in body["message"]
    finally:
        SimpleRateThrottle.THROTTLE_RATES = original_rates


@pytest.mark.parametrize(
    ("proxies", "header"),
    [(None, "{n}.1.1.1"), (None, "{n}.1.1.1, 10.0.0.{n}"), (1, "{n}.1.1.1, 203.0.113.7")],
    ids=["default-direct", "default-chain", "cloud-run-one-proxy"],
)
def test_a_made_up_x_forwarded_for_does_not_escape_the_anonymous_throttle(anon, settings, proxies, header):
    from rest_framework.throttling import SimpleRateThrottle

    if proxies is not None:  # as API_NUM_PROXIES=1 configures it on Cloud Run
        settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": proxies}
    original_rates = SimpleRateThrottle.THROTTLE_RATES
    SimpleRateThrottle.THROTTLE_RATES = {"user": "3/day", "anon": "3/day"}
    try:
        statuses = [
            anon.post(
                "/api/auth/login", {}, format="json", HTTP_X_FORWARDED_FOR=header.format(n=n)
            ).status_code
            for n in range(1, 6)
        ]
    finally:
        SimpleRateThrottle.THROTTLE_RATES = original_rates
    assert statuses == [400, 400, 400, 429, 429]  # a new made-up address each time: still one client
