"""Accounts against an attacker, over HTTP (docs/security.md, "Authentication"): one account per email for new
accounts and changes, shared legacy emails that neither leak nor share lockouts, one password check per login,
an atomic lockout, the admin's login behind it."""

import threading

import pytest
from django.db import connection
from rest_framework.test import APIClient

from bachata.api.tests.assertions import assert_error
from bachata.users.models import User
from bachata.users.tests.hashers import CountingMD5PasswordHasher

pytestmark = pytest.mark.django_db

LOGIN = "/api/auth/login"


@pytest.fixture
def counting_hasher(settings):
    settings.PASSWORD_HASHERS = ["bachata.users.tests.hashers.CountingMD5PasswordHasher"]
    CountingMD5PasswordHasher.reset()
    return CountingMD5PasswordHasher


def legacy_user(username, email, password, days_ago=0):
    """A row as the legacy app writes it: it never checked that an email was free."""
    from datetime import timedelta

    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    return User.objects.create(
        username=username,
        email=email,
        password=make_password(password),
        date_joined=timezone.now() - timedelta(days=days_ago),
        preferences={},
    )


def login(client, identifier, password):
    return client.post(LOGIN, {"username": identifier, "password": password}, format="json")


# --- one account per email ------------------------------------------------------------------------------


def test_register_refuses_an_email_in_use_whatever_its_case(anon, make_user):
    make_user(username="lucia", email="Lucia@Example.com")
    body = assert_error(
        anon.post(
            "/api/auth/register",
            {"username": "impostor", "email": "lucia@EXAMPLE.com", "password": "bachata123"},
            format="json",
        ),
        400,
        "email_taken",
    )
    assert body["fields"]["email"] == ["That email address is already used by another account."]
    assert not User.objects.filter(username="impostor").exists()


def test_profile_update_refuses_another_accounts_email_but_keeps_a_legacy_duplicate(api_client_for):
    owner = legacy_user("owner", "shared@example.com", "pw-owner", days_ago=9)
    twin = legacy_user("twin", "shared@example.com", "pw-twin", days_ago=1)
    other = legacy_user("other", "other@example.com", "pw-other")
    body = assert_error(
        api_client_for(other).patch("/api/auth/me", {"email": "SHARED@example.com"}, format="json"),
        400,
        "email_taken",
    )
    assert "email" in body["fields"]
    # the legacy duplicates keep working: their own address (even re-cased) saves, other fields too
    response = api_client_for(twin).patch(
        "/api/auth/me", {"email": "Shared@Example.com", "display_name": "Twin"}, format="json"
    )
    assert response.status_code == 200 and response.json()["display_name"] == "Twin"
    assert (
        api_client_for(owner).patch("/api/auth/me", {"email": "new@example.com"}, format="json").status_code
        == 200
    )


@pytest.mark.django_db(transaction=True)
def test_parallel_registrations_of_one_email_create_one_account():
    barrier = threading.Barrier(8)
    statuses = []

    def register(n):
        client = APIClient()
        barrier.wait()
        response = client.post(
            "/api/auth/register",
            {"username": f"racer{n}", "email": "race@example.com", "password": "bachata123"},
            format="json",
        )
        statuses.append(response.status_code)
        connection.close()

    threads = [threading.Thread(target=register, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [201] + [400] * 7
    assert User.objects.filter(email__iexact="race@example.com").count() == 1


def test_the_admin_refuses_an_email_in_use_when_adding_or_changing(admin_client, make_user):
    make_user(username="taken", email="taken@example.com")
    other = make_user(username="other", email="other@example.com")
    added = admin_client.post(
        "/admin/users/user/add/",
        {
            "username": "newbie",
            "email": "TAKEN@example.com",
            "usable_password": "true",
            "password1": "a-long-password-1",
            "password2": "a-long-password-1",
        },
    )
    assert added.status_code == 200 and "already used by another account" in added.content.decode()
    assert not User.objects.filter(username="newbie").exists()
    changed = admin_client.post(
        f"/admin/users/user/{other.pk}/change/",
        {
            "username": "other",
            "email": "taken@example.com",
            "date_joined_0": "2026-01-01",
            "date_joined_1": "10:00:00",
            "is_active": "on",
        },
    )
    assert changed.status_code == 200 and "already used by another account" in changed.content.decode()
    other.refresh_from_db()
    assert other.email == "other@example.com"


# --- logging in by an email several legacy accounts share -------------------------------------------------


def test_a_shared_email_logs_in_its_oldest_account_only_and_never_says_which_password_matched(anon):
    legacy_user("original", "family@example.com", "first-pass", days_ago=30)
    legacy_user("later", "family@example.com", "second-pass", days_ago=2)
    assert login(anon, "family@example.com", "first-pass").json()["user"]["username"] == "original"
    wrong = assert_error(login(anon, "family@example.com", "second-pass"), 401, "invalid_credentials")
    nothing = assert_error(login(anon, "family@example.com", "no-such-pass"), 401, "invalid_credentials")
    assert wrong == nothing  # the other account's password reads exactly as a wrong one
    assert login(anon, "later", "second-pass").json()["user"]["username"] == "later"  # by username


def test_another_account_on_the_email_can_neither_reset_nor_dodge_the_lockout(anon):
    legacy_user("victim", "victim@example.com", "victim-secret", days_ago=30)
    legacy_user("attacker", "victim@example.com", "attacker-pass", days_ago=1)
    for _ in range(2):
        assert_error(login(anon, "victim@example.com", "guess"), 401)
        # the attacker's own password, by the shared email: no success that would clear the victim's counter
        assert_error(login(anon, "victim@example.com", "attacker-pass"), 401, "invalid_credentials")
    assert_error(login(anon, "victim@example.com", "guess"), 401)
    assert_error(login(anon, "victim@example.com", "victim-secret"), 429, "account_locked")
    # the victim's lock is the victim's: the attacker's account (by username) is untouched, and its
    # successful login does not unlock the victim
    assert login(anon, "attacker", "attacker-pass").status_code == 200
    assert_error(login(anon, "victim", "victim-secret"), 429, "account_locked")


def test_a_login_by_a_shared_email_costs_one_password_check(anon, counting_hasher):
    for n in range(20):
        legacy_user(f"dup{n}", "crowd@example.com", f"pass-{n}", days_ago=40 - n)
    counting_hasher.reset()
    assert_error(login(anon, "crowd@example.com", "pass-7"), 401)
    assert counting_hasher.checks == 1


# --- the lockout counter is atomic -------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_parallel_wrong_passwords_check_at_most_the_limit(counting_hasher):
    legacy_user("target", "target@example.com", "the-real-one")
    counting_hasher.reset()
    barrier = threading.Barrier(24)
    statuses = []

    def guess(n):
        client = APIClient()
        barrier.wait()
        statuses.append(login(client, "target", f"guess-{n}").status_code)
        connection.close()

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(24)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert counting_hasher.checks <= 5, statuses
    assert (
        statuses.count(401) == counting_hasher.checks and statuses.count(429) == 24 - counting_hasher.checks
    )
    assert_error(login(APIClient(), "target", "the-real-one"), 429, "account_locked")


# --- the Django admin's login ------------------------------------------------------------------------------


def test_the_admin_login_is_behind_the_same_lockout(client, make_user):
    make_user(username="boss", password="staff-password", is_staff=True, is_superuser=True)
    for _ in range(5):
        page = client.post("/admin/login/?next=/admin/", {"username": "boss", "password": "guess"})
        assert page.status_code == 200
    locked = client.post("/admin/login/?next=/admin/", {"username": "boss", "password": "staff-password"})
    assert locked.status_code == 200  # the form again, not a redirect into the admin
    assert "Too many failed logins" in locked.content.decode()
    assert client.get("/admin/").status_code == 302  # not logged in
    # the API agrees: the same account, the same lock
    assert_error(login(APIClient(), "boss", "staff-password"), 429, "account_locked")


def test_the_admin_login_still_works_with_the_right_password(client, make_user):
    make_user(username="chief", password="staff-password", is_staff=True)
    response = client.post("/admin/login/?next=/admin/", {"username": "chief", "password": "staff-password"})
    assert response.status_code == 302 and client.get("/admin/").status_code == 200


def test_logout_refuses_another_users_refresh_token(anon, make_user):
    make_user(username="alice", password="alice-pass")
    make_user(username="mallory", password="mallory-pass")
    alice = login(anon, "alice", "alice-pass").json()
    mallory = login(anon, "mallory", "mallory-pass").json()
    response = anon.post(
        "/api/auth/logout",
        {"refresh": alice["refresh"]},
        format="json",
        HTTP_AUTHORIZATION=f"Bearer {mallory['access']}",
    )
    assert_error(response, 400, "invalid_token")
    # alice's session goes on
    assert anon.post("/api/auth/refresh", {"refresh": alice["refresh"]}, format="json").status_code == 200
