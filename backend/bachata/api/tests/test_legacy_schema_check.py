"""`manage.py legacy_schema_check` against real legacy databases built by migrations_legacy (throwaway ones on
$DATABASE_URL's server): silent on the legacy DDL, loud on any drift, and after adoption only our additive
column is allowed."""

import os
import subprocess
import sys

import psycopg
import pytest
from django.core.management import CommandError, call_command

from bachata.api.legacy_schema import reference, snapshot
from migrations_legacy.builder import build_legacy_database, legacy_columns, load_schema, throwaway_database

from .test_deployment_files import REPO_ROOT


def check(url: str, *args: str) -> tuple[str, str | None]:
    """The command's output and its error (None when it passed)."""
    from io import StringIO

    out = StringIO()
    try:
        call_command("legacy_schema_check", "--database-url", url, *args, stdout=out)
    except CommandError as exc:
        return out.getvalue(), str(exc)
    return out.getvalue(), None


@pytest.fixture(scope="module")
def legacy_template():
    """A legacy database as migrations_legacy builds it (schema, framework rows; no users: no PBKDF2 cost)."""
    with throwaway_database() as url:
        build_legacy_database(url, with_data=False)
        yield url


@pytest.fixture
def legacy_db(legacy_template):
    template = psycopg.conninfo.conninfo_to_dict(legacy_template)["dbname"]
    with throwaway_database(template=template) as url:
        yield url


def test_the_reference_is_the_legacy_ddl():
    with throwaway_database() as url, psycopg.connect(url, autocommit=True) as conn:
        load_schema(conn)
        assert snapshot(conn, tuple(legacy_columns())) == reference()


def test_a_legacy_database_matches_exactly(legacy_db):
    output, error = check(legacy_db)
    assert error is None, output
    assert "checked 14 legacy tables" in output and "OK: the schema matches the legacy DDL exactly" in output
    assert "DIFFERS" not in output and "ALLOWED" not in output


@pytest.mark.parametrize(
    ("drift", "reported"),
    [
        ("ALTER TABLE users ALTER COLUMN email TYPE varchar(300)", "DIFFERS column users.email: expected"),
        (
            "ALTER TABLE choreography_tasks ALTER COLUMN message DROP NOT NULL",
            "column choreography_tasks.message",
        ),
        (
            "ALTER TABLE saved_choreographies DROP COLUMN thumbnail_path",
            "column saved_choreographies.thumbnail_path: missing",
        ),
        (
            "ALTER TABLE users ADD COLUMN nickname text NOT NULL",
            "DIFFERS column users.nickname: not in the legacy DDL",
        ),
        (
            "CREATE UNIQUE INDEX users_display_name_uniq ON users (display_name)",
            "DIFFERS index users.users_display_name_uniq",
        ),
        (
            "ALTER TABLE class_plans ADD CONSTRAINT title_short CHECK (length(title) < 5)",
            "DIFFERS constraint class_plans.title_short",
        ),
        ("DROP TABLE django_session", "DIFFERS table django_session: the table is missing"),
    ],
)
def test_any_drift_is_reported_and_fails(legacy_db, drift, reported):
    with psycopg.connect(legacy_db, autocommit=True) as conn:
        conn.execute(drift)
    for args in ((), ("--after-adoption",)):
        output, error = check(legacy_db, *args)
        assert reported in output, output
        assert error and "do not adopt" in error


def test_after_adoption_only_our_nullable_columns_are_new(legacy_db):
    migrate = subprocess.run(
        [sys.executable, "backend/manage.py", "migrate", "--no-input"],
        cwd=REPO_ROOT,
        env={**os.environ, "DATABASE_URL": legacy_db},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert migrate.returncode == 0, migrate.stderr
    output, error = check(legacy_db)
    ours = ("choreography_tasks.job_execution_name", "saved_choreographies.thumbnail_key")
    assert error == f"{len(ours)} difference(s) from the legacy DDL: do not adopt, see above"
    for column in ours:
        assert f"DIFFERS column {column}: not in the legacy DDL" in output
    output, error = check(legacy_db, "--after-adoption")
    assert error is None, output
    for column in ours:
        assert f"ALLOWED column {column}" in output
    assert "OK: the schema matches the legacy DDL (plus our additive columns)" in output


def test_the_check_writes_nothing(legacy_db):
    """It reads in a read-only transaction: even a role that could write cannot through it."""
    from bachata.api.legacy_schema import live_snapshot

    live = live_snapshot(legacy_db)
    assert set(live["tables"]) == set(reference()["tables"])
    # the same code path with a write in it fails: the transaction is read-only
    with psycopg.connect(legacy_db) as conn:
        conn.read_only = True
        with pytest.raises(psycopg.errors.ReadOnlySqlTransaction), conn.transaction():
            conn.execute("CREATE TABLE should_not_exist (id int)")


def test_an_unreachable_database_is_a_readable_error():
    _, error = check("postgres://nobody@127.0.0.1:1/nothing")
    assert error.startswith("could not read the schema:")
