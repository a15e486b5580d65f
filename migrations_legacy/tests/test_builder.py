"""The builder's pieces that need no Django process: hashes, framework rows, the command line."""

import json
import subprocess
import sys
from pathlib import Path

import psycopg
from django.apps import apps
from django.contrib.auth.hashers import PBKDF2PasswordHasher, check_password
from django.contrib.auth.management import _get_builtin_permissions

from migrations_legacy import pbkdf2_hash
from migrations_legacy.builder import (
    VERBOSE_NAMES,
    drop_database,
    legacy_columns,
    legacy_content_types,
    legacy_migrations,
    public_tables,
    unique_database_url,
)

REPO_ROOT = Path(__file__).resolve().parents[2]
# Our models for the legacy content types (SavedChoreography now lives in the collections app).
MODELS = {("choreography", "savedchoreography"): "collections.SavedChoreography"}


def test_password_hashes_are_djangos_pbkdf2_encoding():
    encoded = pbkdf2_hash("salsa-y-bachata", "a1B2c3D4e5F6g7H8i9J0kL", 1_000)
    assert encoded == PBKDF2PasswordHasher().encode("salsa-y-bachata", "a1B2c3D4e5F6g7H8i9J0kL", 1_000)
    assert check_password("salsa-y-bachata", encoded) and not check_password("salsa", encoded)


def test_the_header_of_schema_sql_lists_24_migrations_and_10_content_types():
    assert len(legacy_migrations()) == 24
    assert legacy_migrations()[0] == ("contenttypes", "0001_initial")
    assert legacy_migrations()[-1] == ("sessions", "0001_initial")
    assert len(legacy_content_types()) == 10
    assert set(legacy_columns()) >= {"users", "choreography_tasks", "saved_choreographies", "class_plans",
                                     "class_plan_sequences", "users_groups", "users_user_permissions"}  # fmt: skip
    assert legacy_columns()["choreography_tasks"][0] == "task_id"
    assert "CONSTRAINT" not in legacy_columns()["django_admin_log"]


def test_permission_names_are_the_ones_djangos_post_migrate_creates():
    for app_label, model in legacy_content_types():
        label = MODELS.get((app_label, model), f"{app_label}.{model}")
        opts = apps.get_model(label)._meta
        expected = [(codename, name) for codename, name in _get_builtin_permissions(opts)]
        verbose = VERBOSE_NAMES.get(model, model)
        built = [(f"{a}_{model}", f"Can {a} {verbose}") for a in ("add", "change", "delete", "view")]
        assert built == expected, (app_label, model)


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "migrations_legacy", "build", *args],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_command_line_creates_rebuilds_and_refuses_a_non_empty_database():
    url = unique_database_url()
    try:
        done = run_cli("--database-url", url, "--create", "--no-data")
        assert done.returncode == 0, done.stderr
        assert "counts" in json.loads(done.stdout)
        with psycopg.connect(url) as conn:
            assert public_tables(conn) == set(legacy_columns())
            assert conn.execute("SELECT count(*) FROM django_migrations").fetchone() == (24,)

        refused = run_cli("--database-url", url, "--no-data")
        assert refused.returncode == 1 and "not empty" in refused.stderr

        rebuilt = run_cli("--database-url", url, "--drop-existing", "--users", "4", "--seed", "1",
                          "--password-iterations", "1000")  # fmt: skip
        assert rebuilt.returncode == 0, rebuilt.stderr
        output = json.loads(rebuilt.stdout)
        assert output["counts"]["users"] == 4 and "admin" in output["passwords"]
    finally:
        drop_database(url)
