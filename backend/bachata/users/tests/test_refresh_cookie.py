"""The web app's refresh cookie, over real HTTP (a live server and a cookie-keeping client)."""

import pytest
import requests

from bachata.users.cookies import CLIENT_HEADER, COOKIE_NAME, COOKIE_PATH

pytestmark = pytest.mark.django_db(transaction=True)

SPA = {CLIENT_HEADER: "web"}


@pytest.fixture(autouse=True)
def _local_cookie(settings):
    settings.AUTH_COOKIE_SECURE = False  # the live server speaks plain http


def _register(live_server, session, name="cookiefan"):
    response = session.post(
        f"{live_server.url}/api/auth/register",
        json={"username": name, "email": f"{name}@example.com", "password": "bachata123"},
    )
    assert response.status_code == 201, response.text
    return response


def _set_cookie_header(response) -> str:
    return response.headers["Set-Cookie"]


def test_login_and_register_set_an_httponly_strict_cookie_scoped_to_auth_and_keep_json_tokens(live_server):
    session = requests.Session()
    response = _register(live_server, session)
    body = response.json()
    assert body["access"] and body["refresh"]
    header = _set_cookie_header(response)
    assert f"{COOKIE_NAME}={body['refresh']}" in header
    assert "HttpOnly" in header
    assert "SameSite=Strict" in header
    assert f"Path={COOKIE_PATH}" in header
    assert "Secure" not in header

    login = requests.post(
        f"{live_server.url}/api/auth/login", json={"username": "cookiefan", "password": "bachata123"}
    )
    assert login.status_code == 200
    assert f"{COOKIE_NAME}={login.json()['refresh']}" in _set_cookie_header(login)


def test_the_cookie_is_secure_outside_local_development(live_server, settings):
    settings.AUTH_COOKIE_SECURE = True
    response = _register(live_server, requests.Session(), "secureone")
    assert "Secure" in _set_cookie_header(response)


def test_refresh_with_the_cookie_alone_gives_a_new_access_token_and_rotates_the_cookie(live_server):
    session = requests.Session()
    first = _register(live_server, session).json()["refresh"]
    response = session.post(f"{live_server.url}/api/auth/refresh", json={}, headers=SPA)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["access"]
    assert session.cookies.get(COOKIE_NAME, path=COOKIE_PATH) == body["refresh"] != first
    me = requests.get(f"{live_server.url}/api/auth/me", headers={"Authorization": f"Bearer {body['access']}"})
    assert me.json()["username"] == "cookiefan"
    # the rotated-away token is blacklisted: replaying it fails in the API's words
    replay = requests.post(f"{live_server.url}/api/auth/refresh", json={"refresh": first})
    assert replay.status_code == 401
    assert replay.json()["message"]


def test_the_body_still_wins_for_other_clients(live_server):
    refresh = _register(live_server, requests.Session()).json()["refresh"]
    response = requests.post(f"{live_server.url}/api/auth/refresh", json={"refresh": refresh})
    assert response.status_code == 200


@pytest.mark.parametrize(
    "headers",
    [
        {},  # a cross-site form or a script without the app's header
        {**SPA, "Origin": "https://evil.example"},
        {**SPA, "Origin": "null"},
    ],
    ids=["no-app-header", "foreign-origin", "null-origin"],
)
def test_cross_site_requests_cannot_use_the_cookie(live_server, headers):
    session = requests.Session()
    _register(live_server, session)
    response = session.post(f"{live_server.url}/api/auth/refresh", json={}, headers=headers)
    assert response.status_code == 403
    assert response.json()["code"] == "cross_site_refused"
    assert "access" not in response.json()


def test_the_same_origin_and_the_dev_server_are_allowed(live_server):
    session = requests.Session()
    _register(live_server, session)
    same = session.post(
        f"{live_server.url}/api/auth/refresh", json={}, headers={**SPA, "Origin": live_server.url}
    )
    assert same.status_code == 200
    dev = session.post(
        f"{live_server.url}/api/auth/refresh", json={}, headers={**SPA, "Origin": "http://127.0.0.1:5173"}
    )
    assert dev.status_code == 200


def test_a_browser_preflight_from_a_foreign_origin_is_not_granted_the_app_header(live_server):
    response = requests.options(
        f"{live_server.url}/api/auth/refresh",
        headers={
            "Origin": "https://evil.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "x-bachata-client,content-type",
        },
    )
    assert "access-control-allow-origin" not in {k.lower() for k in response.headers}


def test_logout_blacklists_the_cookie_token_and_clears_the_cookie(live_server):
    session = requests.Session()
    access = _register(live_server, session).json()["access"]
    response = session.post(
        f"{live_server.url}/api/auth/logout", json={}, headers={**SPA, "Authorization": f"Bearer {access}"}
    )
    assert response.status_code == 204
    header = _set_cookie_header(response)
    assert f"{COOKIE_NAME}=" in header and ("Max-Age=0" in header or "expires=Thu, 01 Jan 1970" in header)
    assert session.cookies.get(COOKIE_NAME, path=COOKIE_PATH) is None
    again = requests.post(f"{live_server.url}/api/auth/refresh", json={}, headers=SPA)
    assert again.status_code in (400, 401)


def test_without_a_cookie_or_body_refresh_names_the_missing_field(live_server):
    response = requests.post(f"{live_server.url}/api/auth/refresh", json={}, headers=SPA)
    assert response.status_code == 400
    assert "refresh" in response.json()["fields"]
