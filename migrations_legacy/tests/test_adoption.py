"""`manage.py migrate` on an empty database and on a legacy one: the legacy tables stay exactly as they are.

Every database here is a throwaway one on the server $DATABASE_URL names. The expensive ones are built once
per module: the legacy DDL loaded as is (the reference), and a seeded legacy database adopted by `migrate`
(copied with CREATE DATABASE … TEMPLATE for the tests that write to it). Passwords are hashed with Django 5.2's
real 1,000,000 PBKDF2 rounds (older accounts 720,000), so the user counts stay small.
"""

import json
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict

from migrations_legacy import build_legacy_database, describe_schema, snapshot_legacy_rows
from migrations_legacy.builder import (
    LEGACY_M2M_TABLES,
    LEGACY_TABLES,
    SCHEMA_SQL,
    legacy_columns,
    legacy_content_types,
    legacy_migrations,
    load_schema,
    public_tables,
    throwaway_database,
)

REPO_ROOT = Path(__file__).resolve().parents[2]
ALL_LEGACY = LEGACY_TABLES + LEGACY_M2M_TABLES
EVERY_LEGACY_TABLE = tuple(legacy_columns())  # the 14 tables of schema.sql, framework tables included
NEW_NULLABLE_COLUMNS = {
    ("choreography_tasks", "job_execution_name"),
    ("saved_choreographies", "thumbnail_key"),
}
FRAMEWORK_TABLES = ("django_migrations", "django_content_type", "auth_permission", "auth_group",
                    "auth_group_permissions", "django_admin_log")  # fmt: skip
SEED, USERS = 42, 6


def manage(database_url: str, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "backend/manage.py", *args],
        cwd=REPO_ROOT,
        env={**os.environ, **(env or {}), "DATABASE_URL": database_url},
        capture_output=True,
        text=True,
        timeout=300,
    )


def migrate(database_url: str) -> str:
    done = manage(database_url, "migrate", "--no-input")
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def schema_differences(actual: dict, reference: dict, tables) -> list[str]:
    """Differences from the legacy DDL, ignoring only the columns we add (which must be nullable)."""
    problems = []
    for table in tables:
        got = [c for c in actual["columns"][table] if (table, c["name"]) not in NEW_NULLABLE_COLUMNS]
        if got != reference["columns"][table]:
            problems.append(f"columns of {table}: {got} != {reference['columns'][table]}")
        for column in actual["columns"][table]:
            if (table, column["name"]) in NEW_NULLABLE_COLUMNS and column["nullable"] != "YES":
                problems.append(f"{table}.{column['name']} is not nullable")
    for kind in ("indexes", "constraints"):
        expected = {k: v for k, v in reference[kind].items() if k[0] in tables}
        got = {k: v for k, v in actual[kind].items() if k[0] in tables}
        problems += [f"{kind}: missing {k} {expected[k]}" for k in sorted(expected.keys() - got.keys())]
        problems += [f"{kind}: unexpected {k} {got[k]}" for k in sorted(got.keys() - expected.keys())]
        problems += [f"{kind}: {k} {expected[k]} != {got[k]}" for k in sorted(expected.keys() & got.keys())
                     if expected[k] != got[k]]  # fmt: skip
    return problems


def capture(conn: psycopg.Connection) -> SimpleNamespace:
    """Everything adoption must preserve: table list, shapes, legacy rows, framework rows."""
    tables = sorted(public_tables(conn))
    return SimpleNamespace(
        tables=set(tables),
        schema=describe_schema(conn, tables),
        rows=snapshot_legacy_rows(conn, legacy_columns()),
        all_rows=snapshot_legacy_rows(conn),
        framework={t: conn.execute(f"SELECT * FROM {t} ORDER BY id").fetchall() for t in FRAMEWORK_TABLES},
    )


@pytest.fixture(scope="module")
def reference() -> dict:
    """The shape of a database made from schema.sql alone."""
    with throwaway_database() as url, psycopg.connect(url) as conn:
        load_schema(conn)
        conn.commit()
        return describe_schema(conn, EVERY_LEGACY_TABLE)


@pytest.fixture(scope="module")
def adopted():
    """A seeded legacy database, captured, migrated with `manage.py migrate` (no --fake), captured again."""
    with throwaway_database() as url:
        manifest = build_legacy_database(url, seed=SEED, users=USERS)
        with psycopg.connect(url) as conn:
            before = capture(conn)
        output = migrate(url)
        with psycopg.connect(url) as conn:
            after = capture(conn)
        yield SimpleNamespace(url=url, manifest=manifest, before=before, after=after, output=output)


@pytest.fixture
def adopted_copy(adopted):
    """A private copy of the adopted database, for tests that write."""
    with throwaway_database(template=conninfo_to_dict(adopted.url)["dbname"]) as url:
        yield url


def test_the_project_carries_the_legacy_schema_unchanged():
    shared = REPO_ROOT.parent / "shared" / "legacy" / "schema.sql"
    if not shared.exists():
        pytest.skip(f"{shared} is not beside the project: nothing to compare the carried copy with")
    assert SCHEMA_SQL.read_bytes() == shared.read_bytes()


def test_the_builder_records_the_legacy_migrations_content_types_and_permissions(adopted):
    framework = adopted.before.framework
    migrations = framework["django_migrations"]
    assert len(migrations) == 24
    assert [(app, name) for _, app, name, _ in migrations] == legacy_migrations()
    applied = [at for *_, at in migrations]
    assert applied == sorted(applied) and len(set(applied)) == 24
    assert [(app, model) for _, app, model in framework["django_content_type"]] == legacy_content_types()
    permissions = framework["auth_permission"]
    assert len(permissions) == 4 * len(legacy_content_types())
    assert permissions[0][1:] == ("Can add log entry", 1, "add_logentry")
    assert permissions[-1][1:] == ("Can view class plan sequence", 10, "view_classplansequence")


def test_migrate_on_an_empty_database_creates_the_legacy_tables_column_for_column(reference):
    with throwaway_database() as url:
        migrate(url)
        with psycopg.connect(url) as conn:
            actual = describe_schema(conn, EVERY_LEGACY_TABLE)
            assert schema_differences(actual, reference, ALL_LEGACY) == []
            # The framework tables come out of Django's own migrations just as they did for the legacy app.
            assert schema_differences(actual, reference, EVERY_LEGACY_TABLE) == []
            added = actual["columns"]["choreography_tasks"][-1]
            assert (added["name"], added["type"], added["length"], added["default"]) == (
                "job_execution_name", "character varying", 500, None,
            )  # fmt: skip
            assert "task_events" in public_tables(conn)
            # The legacy admin finds every content type and permission it uses, the legacy
            # choreography.savedchoreography included, without the legacy app's own migrate.
            types = set(conn.execute("SELECT app_label, model FROM django_content_type").fetchall())
            assert set(legacy_content_types()) <= types
            codenames = {c for (c,) in conn.execute(
                "SELECT codename FROM auth_permission p JOIN django_content_type t ON t.id = p.content_type_id "
                "WHERE t.app_label = 'choreography' AND t.model = 'savedchoreography'"
            )}  # fmt: skip
            assert codenames == {f"{a}_savedchoreography" for a in ("add", "change", "delete", "view")}


def test_migrate_adopts_a_legacy_database_in_place(adopted, reference):
    before, after = adopted.before, adopted.after
    for app, name in legacy_migrations():  # recognised as applied, not run again
        assert f"Applying {app}.{name}" not in adopted.output
    assert "Applying choreography.0004_task_ledger... OK" in adopted.output

    # The legacy tables: column for column, index for index, constraint for constraint.
    assert schema_differences(after.schema, reference, EVERY_LEGACY_TABLE) == []
    # Every table that was there is still there, unchanged but for added nullable/defaulted columns.
    assert before.tables <= after.tables and "task_events" in after.tables - before.tables
    added_columns = set()
    for table in sorted(before.tables):
        old = {c["name"]: c for c in before.schema["columns"][table]}
        new = {c["name"]: c for c in after.schema["columns"][table]}
        assert {n: new.get(n) for n in old} == old, table
        for name in new.keys() - old.keys():
            assert new[name]["nullable"] == "YES" or new[name]["default"] is not None, (table, name)
            added_columns.add((table, name))
    assert added_columns == NEW_NULLABLE_COLUMNS
    for kind in ("indexes", "constraints"):
        kept = {k: after.schema[kind].get(k) for k in before.schema[kind]}
        assert kept == before.schema[kind]

    # Every seeded row reads back as stored; the rows we did not write have no job execution.
    assert after.rows == before.rows
    assert sum(map(len, before.rows.values())) > 0
    assert {t["job_execution_name"] for t in after.all_rows["choreography_tasks"]} == {None}
    # Framework rows: the legacy ones are untouched, ours come after them.
    for table in FRAMEWORK_TABLES:
        assert after.framework[table][: len(before.framework[table])] == before.framework[table], table
    new_migrations = {(app, name) for _, app, name, _ in after.framework["django_migrations"][24:]}
    assert ("choreography", "0004_task_ledger") in new_migrations
    assert not new_migrations & set(legacy_migrations())

    # Nothing left to apply, and a second run changes nothing.
    check = manage(adopted.url, "migrate", "--check")
    assert check.returncode == 0, check.stdout + check.stderr
    assert "No migrations to apply" in migrate(adopted.url)
    with psycopg.connect(adopted.url) as conn:
        again = capture(conn)
    assert (again.tables, again.schema, again.all_rows, again.framework) == (
        after.tables, after.schema, after.all_rows, after.framework,
    )  # fmt: skip


ORM_SCRIPT = """
import json, os
from bachata.choreography.models import ChoreographyTask
from bachata.collections.models import SavedChoreography
from bachata.instructors.models import ClassPlan
from bachata.users.models import User

out = {"users": {}}
for username, password in json.loads(os.environ["LEGACY_LOGINS"]).items():
    user = User.objects.get(username=username)
    out["users"][username] = {
        "wrong_password": user.check_password(password + "!"),
        "password": user.check_password(password),
        "tasks": sorted(t.task_id for t in user.choreography_tasks.all()),
        "choreographies": sorted(str(c.pk) for c in user.choreographies.all()),
        "plans": sorted(str(p.pk) for p in user.class_plans.all()),
    }
out["tasks"] = {
    t.task_id: [t.user_id, t.status, t.stage, t.progress, t.message, t.result, t.error, t.job_execution_name]
    for t in ChoreographyTask.objects.all()
}
out["choreographies"] = {
    str(c.pk): [c.user_id, c.video_path.name, c.thumbnail_path.name, c.difficulty, c.duration,
                sorted(str(s.class_plan_id) for s in c.class_sequences.all())]
    for c in SavedChoreography.objects.all()
}
out["plans"] = {
    str(p.pk): [p.instructor_id, [[s.sequence_order, str(s.choreography_id)] for s in p.sequences.all()]]
    for p in ClassPlan.objects.all()
}
print(json.dumps(out))
"""


def test_the_models_read_legacy_data_and_legacy_passwords(adopted, adopted_copy):
    manifest = adopted.manifest
    rows = adopted.before.rows
    instructor = manifest.instructors[0]
    old_accounts = [u for u, rounds in manifest.iterations.items() if rounds == 720_000]
    logins = {u: manifest.passwords[u] for u in {"admin", instructor, old_accounts[-1]}}
    done = manage(adopted_copy, "shell", "-c", ORM_SCRIPT, env={"LEGACY_LOGINS": json.dumps(logins)})
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout.strip().splitlines()[-1])

    ids = {u["username"]: u["id"] for u in rows["users"]}
    for username in logins:
        user = seen["users"][username]
        assert user["wrong_password"] is False and user["password"] is True, username
        uid = ids[username]
        assert user["tasks"] == sorted(
            t["task_id"] for t in rows["choreography_tasks"] if t["user_id"] == uid
        )
        assert user["choreographies"] == sorted(
            str(c["id"]) for c in rows["saved_choreographies"] if c["user_id"] == uid
        )
        assert user["plans"] == sorted(str(p["id"]) for p in rows["class_plans"] if p["instructor_id"] == uid)
    assert seen["users"][instructor]["plans"]

    assert seen["tasks"] == {
        t["task_id"]: [
            t["user_id"],
            t["status"],
            t["stage"],
            t["progress"],
            t["message"],
            t["result"],
            t["error"],
            None,
        ]
        for t in rows["choreography_tasks"]
    }
    sequences = rows["class_plan_sequences"]
    assert seen["choreographies"] == {
        str(c["id"]): [c["user_id"], c["video_path"], None, c["difficulty"], c["duration"],
                       sorted(str(s["class_plan_id"]) for s in sequences if s["choreography_id"] == c["id"])]
        for c in rows["saved_choreographies"]
    }  # fmt: skip
    assert seen["plans"] == {
        str(p["id"]): [p["instructor_id"], sorted([s["sequence_order"], str(s["choreography_id"])]
                                                  for s in sequences if s["class_plan_id"] == p["id"])]
        for p in rows["class_plans"]
    }  # fmt: skip
    # Django re-hashes an older account's password at its first login, at today's 1,000,000 rounds (the
    # legacy app, on Django 5.2 too, reads the new hash just as well).
    with psycopg.connect(adopted_copy) as conn:
        (stored,) = conn.execute(
            "SELECT password FROM users WHERE username = %s", (old_accounts[-1],)
        ).fetchone()
    assert stored.startswith("pbkdf2_sha256$1000000$")


def test_the_ledger_adopts_and_reaps_stuck_legacy_tasks(adopted_copy):
    with psycopg.connect(adopted_copy) as conn:
        (stuck,) = conn.execute(
            "SELECT count(*) FROM choreography_tasks WHERE status IN ('started', 'running')"
        ).fetchone()
    assert stuck > 0
    reap = manage(adopted_copy, "ledger_reap")
    assert reap.returncode == 0, reap.stderr
    assert f"{stuck} task(s) timed out" in reap.stdout
    with psycopg.connect(adopted_copy) as conn:
        assert conn.execute(
            "SELECT count(*) FROM task_events WHERE type = 'adopted' AND payload->>'reason' = 'first_touch'"
        ).fetchone() == (stuck,)
        assert conn.execute(
            "SELECT count(*) FROM choreography_tasks WHERE status IN ('started', 'running')"
        ).fetchone() == (0,)
    verify = manage(adopted_copy, "ledger_verify", "--fail-on-drift")
    assert verify.returncode == 0, verify.stdout


def test_the_generator_is_deterministic():
    snapshots = []
    with throwaway_database() as url:
        for seed in (SEED, SEED, SEED + 1):
            with psycopg.connect(url, autocommit=True) as conn:  # start again from an empty database
                conn.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
            build_legacy_database(url, seed=seed, users=4)
            with psycopg.connect(url) as conn:
                snapshots.append(capture(conn))
    same, again, other = snapshots
    assert (same.rows, same.framework) == (again.rows, again.framework)
    assert same.rows != other.rows
    assert same.framework == other.framework  # migrations, content types, permissions do not depend on it


def test_the_seed_covers_what_the_legacy_app_left(adopted):
    manifest, rows = adopted.manifest, adopted.before.rows
    assert set(manifest.task_statuses) == {"started", "running", "completed", "failed"}
    assert {t["status"] for t in rows["choreography_tasks"]} == set(manifest.task_statuses)
    assert manifest.shared_emails
    assert {u["username"] for u in rows["users"] if u["is_superuser"] and u["is_staff"]} == {"admin"}
    assert set(manifest.iterations.values()) == {1_000_000, 720_000}
    for user in rows["users"]:
        algorithm, rounds, salt, digest = user["password"].split("$")
        assert (algorithm, rounds) == ("pbkdf2_sha256", str(manifest.iterations[user["username"]]))
        assert len(salt) == 22 and len(digest) == 44
    assert "" in {u["display_name"] for u in rows["users"]}
    assert {json.dumps(u["preferences"]) for u in rows["users"]} == {
        "{}", '{"auto_save_choreographies": true}', '{"auto_save_choreographies": false}',
    }  # fmt: skip
    for task in rows["choreography_tasks"]:
        status, progress, stage, message = task["status"], task["progress"], task["stage"], task["message"]
        if status == "started":
            assert (progress, stage, message) == (0, "initializing", "Starting choreography generation...")
        elif status == "failed":
            assert (progress, stage, task["result"]) == (0, "failed", None)
            assert task["error"].startswith("Task stuck") or task["error"].split(":")[0].endswith("failed")
        elif status == "completed":
            assert (progress, stage) == (100, "completed")
            assert message.startswith("Choreography generated successfully!")
            assert set(task["result"]) >= {
                "video_path", "video_filename", "processing_time", "sequence_duration", "moves_analyzed",
                "metadata_path", "saved_choreography_id", "auto_saved",
            }  # fmt: skip
    assert any("original_query" in (t["result"] or {}) for t in rows["choreography_tasks"])
    paths = [c["video_path"] for c in rows["saved_choreographies"]]
    assert paths and all(
        p.startswith("/app/data/output/user_") and p.endswith("_balanced_choreography.mp4") for p in paths
    )
    assert {c["thumbnail_path"] for c in rows["saved_choreographies"]} == {None}
    for plan in rows["class_plans"]:
        orders = [
            s["sequence_order"] for s in rows["class_plan_sequences"] if s["class_plan_id"] == plan["id"]
        ]
        assert sorted(orders) == list(range(1, len(orders) + 1))
    assert rows["class_plan_sequences"] and rows["users_groups"] and rows["users_user_permissions"]
