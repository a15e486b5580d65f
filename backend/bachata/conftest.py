import itertools
import os

import pytest

# Processes the tests start (the video job, manage.py) are part of this local run: they use the checkout's
# own random key (var/secret_key), never a built-in one (settings.LOCAL_RUN).
os.environ.setdefault("BACHATA_LOCAL_RUN", "1")

_usernames = itertools.count(1)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # PBKDF2 at 1M iterations costs ~0.4 s a hash; tests that need the legacy hasher ask for it explicitly.
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]


@pytest.fixture
def make_user(django_user_model):
    def make(**fields):
        n = next(_usernames)
        fields.setdefault("username", f"dancer{n}")
        fields.setdefault("email", f"dancer{n}@example.com")
        password = fields.pop("password", "salsa-y-bachata")
        return django_user_model.objects.create_user(password=password, **fields)

    return make


@pytest.fixture
def user(make_user):
    return make_user()


@pytest.fixture
def api_client_for():
    """An API client logged in (JWT bearer) as the given user."""
    from rest_framework.test import APIClient
    from rest_framework_simplejwt.tokens import RefreshToken

    def make(user):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")
        return client

    return make


@pytest.fixture
def api(api_client_for, user):
    return api_client_for(user)


@pytest.fixture
def anon():
    from rest_framework.test import APIClient

    return APIClient()
