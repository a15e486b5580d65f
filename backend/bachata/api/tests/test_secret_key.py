"""The secret key that signs JWTs and media URLs: never a built-in one (docs/security.md, "Secrets")."""

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

BACKEND = Path(__file__).resolve().parents[3]
PRINT_KEY = "import django; django.setup(); from django.conf import settings; print(settings.SECRET_KEY)"


def run_django(env: dict, tmp_path) -> subprocess.CompletedProcess:
    drop = ("DJANGO_SECRET_KEY", "DJANGO_DEBUG", "DJANGO_REQUIRE_SECRET_KEY")
    base = {k: v for k, v in os.environ.items() if k not in drop}
    base.pop("BACHATA_LOCAL_RUN", None)
    base.update({"DJANGO_SETTINGS_MODULE": "bachata.settings", "PYTHONPATH": str(BACKEND), **env})
    return subprocess.run(
        [sys.executable, "-c", PRINT_KEY], env=base, cwd=tmp_path, capture_output=True, text=True, timeout=60
    )


def test_outside_a_local_run_nothing_starts_without_a_secret_key(tmp_path):
    result = run_django({"DJANGO_SECRET_KEY_FILE": str(tmp_path / "key")}, tmp_path)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is not set" in result.stderr
    assert not (tmp_path / "key").exists()


def test_the_api_command_the_image_runs_refuses_to_start_without_a_key(tmp_path):
    # gunicorn's worker imports the WSGI application: it must fail, not serve with a made-up key
    base = {"DJANGO_SECRET_KEY_FILE": str(tmp_path / "key")}
    result = subprocess.run(
        [sys.executable, "-c", "import bachata.wsgi"],
        env={
            **{
                k: v
                for k, v in os.environ.items()
                if k not in ("DJANGO_SECRET_KEY", "DJANGO_DEBUG", "BACHATA_LOCAL_RUN")
            },
            "PYTHONPATH": str(BACKEND),
            **base,
        },
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0 and "DJANGO_SECRET_KEY is not set" in result.stderr


def test_a_deployment_that_requires_a_key_refuses_even_a_debug_run(tmp_path):
    # compose and Cloud Run set DJANGO_REQUIRE_SECRET_KEY=1: a stray DJANGO_DEBUG=1 must not make up a key there
    env = {
        "DJANGO_REQUIRE_SECRET_KEY": "1",
        "DJANGO_DEBUG": "1",
        "DJANGO_SECRET_KEY_FILE": str(tmp_path / "key"),
    }
    result = run_django(env, tmp_path)
    assert result.returncode != 0 and "DJANGO_SECRET_KEY is not set" in result.stderr
    assert not (tmp_path / "key").exists()


def test_a_local_run_makes_a_random_key_once_and_keeps_it_private(tmp_path):
    key_file = tmp_path / "state" / "secret_key"
    first = run_django({"DJANGO_DEBUG": "1", "DJANGO_SECRET_KEY_FILE": str(key_file)}, tmp_path)
    second = run_django({"BACHATA_LOCAL_RUN": "1", "DJANGO_SECRET_KEY_FILE": str(key_file)}, tmp_path)
    assert first.returncode == 0 and second.returncode == 0, first.stderr + second.stderr
    key = first.stdout.strip()
    assert len(key) >= 50 and key == second.stdout.strip() == key_file.read_text().strip()
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    other = run_django({"DJANGO_DEBUG": "1", "DJANGO_SECRET_KEY_FILE": str(tmp_path / "other")}, tmp_path)
    assert other.stdout.strip() != key  # random per checkout, not written in the code


def test_a_configured_key_is_used_as_it_is(tmp_path):
    result = run_django({"DJANGO_SECRET_KEY": "k" * 60}, tmp_path)
    assert result.returncode == 0 and result.stdout.strip() == "k" * 60


@pytest.mark.django_db
def test_a_token_signed_with_the_old_built_in_key_is_refused(anon, make_user):
    import jwt

    staff = make_user(is_staff=True)
    forged = jwt.encode(
        {"token_type": "access", "user_id": str(staff.pk), "exp": 4102444800, "jti": "x"},
        "insecure-local-development-key-change-me",
        algorithm="HS256",
    )
    response = anon.get("/api/auth/me", HTTP_AUTHORIZATION=f"Bearer {forged}")
    assert response.status_code == 401
