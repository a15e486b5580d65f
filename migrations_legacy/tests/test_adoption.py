"""`manage.py migrate` on an empty database and on a legacy one: the legacy tables stay exactly as they are."""

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import pytest

from migrations_legacy import build_legacy_database, describe_schema, snapshot_legacy_rows
from migrations_legacy.builder import (
    LEGACY_M2M_TABLES,
    LEGACY_TABLES,
    SCHEMA_SQL,
    create_database,
    drop_database,
    load_schema,
    public_tables,
)

REPO_ROOT = Path(__file__).resolve().parents[2]
SERVER_URL = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
ALL_LEGACY = LEGACY_TABLES + LEGACY_M2M_TABLES
FAST_HASHES = 10_000  # the hash format and algorithm are Django's; fewer rounds keep the tests quick
NEW_NULLABLE_COLUMNS = {("choreography_tasks", "job_execution_name")}


@pytest.fixture
def scratch_database():
    """Make throwaway databases on the test server; drop them afterwards."""
    made = []

    def make() -> str:
        url = urlsplit(SERVER_URL)._replace(path=f"/mlt_{uuid.uuid4().hex[:12]}").geturl()
        create_database(url)
        made.append(url)
        return url

    yield make
    for url in made:
        drop_database(url)


def manage(database_url: str, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": database_url}
    return subprocess.run(
        [sys.executable, "backend/manage.py", *args],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def migrate(database_url: str) -> str:
    done = manage(database_url, "migrate", "--no-input")
    assert done.returncode == 0, done.stderr
    return done.stdout


def legacy_reference(make_database) -> dict:
    url = make_database()
    with psycopg.connect(url) as conn:
        load_schema(conn)
        conn.commit()
        return describe_schema(conn, ALL_LEGACY)


def assert_legacy_schema_kept(actual: dict, reference: dict) -> None:
    for table in ALL_LEGACY:
        expected = reference["columns"][table]
        got = [c for c in actual["columns"][table] if (table, c["name"]) not in NEW_NULLABLE_COLUMNS]
        assert got == expected, f"columns of {table} differ"
        for column in actual["columns"][table]:
            if (table, column["name"]) in NEW_NULLABLE_COLUMNS:
                assert column["nullable"] == "YES"
    assert actual["indexes"] == reference["indexes"]
    assert actual["constraints"] == reference["constraints"]


def test_the_project_carries_the_legacy_schema_unchanged():
    shared = REPO_ROOT.parent / "shared" / "legacy" / "schema.sql"
    if not shared.exists():
        pytest.skip("../shared/legacy/schema.sql is not beside the project")
    assert SCHEMA_SQL.read_bytes() == shared.read_bytes()


def test_migrate_on_an_empty_database_creates_the_legacy_tables_column_for_column(scratch_database):
    reference = legacy_reference(scratch_database)
    url = scratch_database()
    migrate(url)
    with psycopg.connect(url) as conn:
        assert_legacy_schema_kept(describe_schema(conn, ALL_LEGACY), reference)
        assert "task_events" in public_tables(conn)


def test_migrate_adopts_a_legacy_database_in_place(scratch_database):
    reference = legacy_reference(scratch_database)
    url = scratch_database()
    manifest = build_legacy_database(url, seed=7, users=6, password_iterations=FAST_HASHES)
    with psycopg.connect(url) as conn:
        tables_before = public_tables(conn)
        legacy_columns = {
            t: [c["name"] for c in cols] for t, cols in describe_schema(conn, ALL_LEGACY)["columns"].items()
        }
        rows_before = snapshot_legacy_rows(conn)
        migrations_before = conn.execute(
            "SELECT app, name, applied FROM django_migrations ORDER BY id"
        ).fetchall()

    output = migrate(url)
    assert "users.0001_initial" not in output  # the legacy migrations are recognised as applied

    with psycopg.connect(url) as conn:
        assert_legacy_schema_kept(describe_schema(conn, ALL_LEGACY), reference)
        assert snapshot_legacy_rows(conn, legacy_columns) == rows_before
        assert conn.execute(
            "SELECT count(*) FROM choreography_tasks WHERE job_execution_name IS NOT NULL"
        ).fetchone() == (0,)
        tables_after = public_tables(conn)
        assert tables_before <= tables_after
        assert {"task_events", "song_library", "song_uploads"} <= tables_after - tables_before
        assert (
            conn.execute("SELECT app, name, applied FROM django_migrations ORDER BY id").fetchall()[
                : len(migrations_before)
            ]
            == migrations_before
        )
    assert manifest.counts["choreography_tasks"] > 0

    assert manage(url, "migrate", "--check").returncode == 0
    assert "No migrations to apply" in migrate(url)


def test_the_api_reads_legacy_data_through_the_models(scratch_database):
    url = scratch_database()
    manifest = build_legacy_database(url, seed=11, users=6, password_iterations=FAST_HASHES)
    migrate(url)
    instructor = manifest.instructors[0]
    script = f"""
import json
from bachata.users.models import User
u = User.objects.get(username={instructor!r})
plan = u.class_plans.first()
print(json.dumps({{
    "password_ok": u.check_password({manifest.passwords[instructor]!r}),
    "tasks": u.choreography_tasks.count(),
    "choreographies": u.choreographies.count(),
    "plans": u.class_plans.count(),
    "sequences": plan.sequences.count() if plan else 0,
    "reverse": sum(c.class_sequences.count() for c in u.choreographies.all()),
    "statuses": sorted(set(User.objects.values_list("choreography_tasks__status", flat=True)) - {{None}}),
}}))
"""
    done = manage(url, "shell", "-c", script)
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["password_ok"] is True
    assert seen["tasks"] > 0 and seen["choreographies"] > 0 and seen["plans"] > 0
    assert seen["sequences"] > 0 and seen["reverse"] >= seen["sequences"]
    assert seen["statuses"] == ["completed", "failed", "running", "started"]


def test_the_ledger_adopts_and_reaps_stuck_legacy_tasks(scratch_database):
    url = scratch_database()
    build_legacy_database(url, seed=3, users=5, password_iterations=FAST_HASHES)
    migrate(url)
    with psycopg.connect(url) as conn:
        (stuck,) = conn.execute(
            "SELECT count(*) FROM choreography_tasks WHERE status IN ('started', 'running')"
        ).fetchone()
    reap = manage(url, "ledger_reap")
    assert reap.returncode == 0, reap.stderr
    assert f"{stuck} task(s) timed out" in reap.stdout
    with psycopg.connect(url) as conn:
        assert conn.execute(
            "SELECT count(*) FROM task_events WHERE type = 'adopted' AND payload->>'reason' = 'first_touch'"
        ).fetchone() == (stuck,)
        assert conn.execute(
            "SELECT count(*) FROM choreography_tasks WHERE status IN ('started', 'running')"
        ).fetchone() == (0,)
    verify = manage(url, "ledger_verify", "--fail-on-drift")
    assert verify.returncode == 0, verify.stdout


def test_the_generator_is_deterministic(scratch_database):
    snapshots = []
    for seed in (5, 5, 6):
        url = scratch_database()
        build_legacy_database(url, seed=seed, users=4, password_iterations=FAST_HASHES)
        with psycopg.connect(url) as conn:
            snapshots.append(snapshot_legacy_rows(conn))
    assert snapshots[0] == snapshots[1]
    assert snapshots[0] != snapshots[2]


def test_the_seed_covers_what_the_legacy_app_left(scratch_database):
    url = scratch_database()
    manifest = build_legacy_database(url, seed=42, users=8, password_iterations=FAST_HASHES)
    assert set(manifest.task_statuses) == {"started", "running", "completed", "failed"}
    assert manifest.shared_emails
    with psycopg.connect(url) as conn:
        errors = {e for (e,) in conn.execute("SELECT error FROM choreography_tasks WHERE status = 'failed'")}
        assert all(e.split(":")[0].endswith("failed") or e.startswith("Task stuck") for e in errors)
        keys = conn.execute(
            "SELECT result FROM choreography_tasks WHERE status = 'completed' LIMIT 1"
        ).fetchone()[0]
        assert set(keys) >= {
            "video_path",
            "video_filename",
            "processing_time",
            "sequence_duration",
            "moves_analyzed",
            "metadata_path",
            "saved_choreography_id",
            "auto_saved",
        }
        paths = [p for (p,) in conn.execute("SELECT video_path FROM saved_choreographies")]
        assert paths and all(
            p.startswith("/app/data/output/user_") and p.endswith("_balanced_choreography.mp4") for p in paths
        )
        (hash_,) = conn.execute("SELECT password FROM users ORDER BY id LIMIT 1").fetchone()
        assert hash_.startswith("pbkdf2_sha256$")
