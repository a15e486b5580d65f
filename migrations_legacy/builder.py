"""Build a legacy database as the legacy app left it: schema, migration records, content types, permissions."""

import os
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
from bachata.api.legacy_schema import describe_schema  # the one description, shared with the API's check
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from .seed import SeedManifest, seed_legacy_data

SCHEMA_SQL = Path(__file__).with_name("schema.sql")
LEGACY_TABLES = ("users", "choreography_tasks", "saved_choreographies", "class_plans", "class_plan_sequences")
LEGACY_M2M_TABLES = ("users_groups", "users_user_permissions")
MIGRATIONS_APPLIED_AT = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
DEFAULT_SERVER_URL = "postgres://postgres@127.0.0.1:5432/postgres"


@cache
def legacy_columns() -> dict[str, list[str]]:
    """Every table of schema.sql with its columns in DDL order, e.g. to snapshot only the legacy columns."""
    tables = {}
    for name, body in re.findall(
        r"^CREATE TABLE public\.(\w+) \(\n(.*?)\n\);", SCHEMA_SQL.read_text(), re.M | re.S
    ):
        words = [line.split()[0] for line in body.splitlines() if line.strip()]
        tables[name] = [w for w in words if w != "CONSTRAINT"]
    return tables


def legacy_migrations() -> list[tuple[str, str]]:
    """The (app, name) rows of django_migrations, in order, as listed at the top of schema.sql."""
    rows, in_list = [], False
    for line in SCHEMA_SQL.read_text().splitlines():
        if line.startswith("-- Migrations applied"):
            in_list = True
            continue
        if in_list:
            entry = line.removeprefix("--").strip()
            if not entry or entry.startswith("django_content_type"):
                break
            app, _, name = entry.partition(".")
            rows.append((app, name))
    return rows


def legacy_content_types() -> list[tuple[str, str]]:
    lines = SCHEMA_SQL.read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("-- django_content_type rows"))
    return [tuple(item.split(".")) for item in lines[start + 1].removeprefix("--").split()]


VERBOSE_NAMES = {
    "logentry": "log entry",
    "contenttype": "content type",
    "savedchoreography": "saved choreography",
    "choreographytask": "choreography task",
    "classplan": "class plan",
    "classplansequence": "class plan sequence",
}


def _with_dbname(database_url: str, dbname: str) -> str:
    params = conninfo_to_dict(database_url)
    params["dbname"] = dbname
    return make_conninfo(**params)


def database_exists(database_url: str) -> bool:
    name = conninfo_to_dict(database_url)["dbname"]
    with psycopg.connect(_with_dbname(database_url, "postgres"), autocommit=True) as admin:
        return admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is not None


def create_database(database_url: str, *, drop_existing: bool = False, template: str | None = None) -> None:
    """Create the database `database_url` names (dropping it first with drop_existing; as a copy of the
    database `template` when given, which then must have no open connections)."""
    name = conninfo_to_dict(database_url)["dbname"]
    with psycopg.connect(_with_dbname(database_url, "postgres"), autocommit=True) as admin:
        if drop_existing:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        statement = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
        if template:
            statement += sql.SQL(" TEMPLATE {}").format(sql.Identifier(template))
        admin.execute(statement)


def drop_database(database_url: str) -> None:
    name = conninfo_to_dict(database_url)["dbname"]
    with psycopg.connect(_with_dbname(database_url, "postgres"), autocommit=True) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def unique_database_url(server_url: str | None = None) -> str:
    """The URL of a new, uniquely named database (not created) on the server of `server_url` (default:
    $DATABASE_URL's server, else 127.0.0.1:5432)."""
    base = server_url or os.environ.get("DATABASE_URL") or DEFAULT_SERVER_URL
    return urlsplit(base)._replace(path=f"/mlt_{uuid.uuid4().hex[:12]}").geturl()


@contextmanager
def throwaway_database(server_url: str | None = None, *, template: str | None = None) -> Iterator[str]:
    """A uniquely named database (see unique_database_url), empty or copied from the database named
    `template`; yields its URL and drops it afterwards."""
    url = unique_database_url(server_url)
    create_database(url, template=template)
    try:
        yield url
    finally:
        drop_database(url)


def load_schema(conn: psycopg.Connection) -> None:
    conn.execute(SCHEMA_SQL.read_text())
    conn.execute("SELECT pg_catalog.set_config('search_path', 'public', false)")


def record_framework_rows(conn: psycopg.Connection) -> None:
    for i, (app, name) in enumerate(legacy_migrations()):
        conn.execute(
            "INSERT INTO django_migrations (app, name, applied) VALUES (%s, %s, %s)",
            (app, name, MIGRATIONS_APPLIED_AT + timedelta(milliseconds=37 * i)),
        )
    for app_label, model in legacy_content_types():
        (content_type_id,) = conn.execute(
            "INSERT INTO django_content_type (app_label, model) VALUES (%s, %s) RETURNING id",
            (app_label, model),
        ).fetchone()
        verbose = VERBOSE_NAMES.get(model, model)
        for action in ("add", "change", "delete", "view"):
            conn.execute(
                "INSERT INTO auth_permission (name, content_type_id, codename) VALUES (%s, %s, %s)",
                (f"Can {action} {verbose}", content_type_id, f"{action}_{model}"),
            )


def build_legacy_database(
    database_url: str,
    *,
    seed: int = 42,
    users: int = 12,
    with_data: bool = True,
    password_iterations: int = 1_000_000,
    create: bool = False,
    drop_existing: bool = False,
) -> SeedManifest:
    """Create the legacy schema and framework rows in `database_url`, then seed legacy-shaped data.

    One transaction: on an error nothing is left behind. create: create the database if it does not exist;
    drop_existing: drop it first (its data is lost). Otherwise the database must exist and be empty.
    """
    if drop_existing or (create and not database_exists(database_url)):
        create_database(database_url, drop_existing=drop_existing)
    with psycopg.connect(database_url) as conn:
        if existing := public_tables(conn):
            raise RuntimeError(
                f"database {conninfo_to_dict(database_url)['dbname']!r} is not empty "
                f"({len(existing)} tables, e.g. {min(existing)}); use --drop-existing to rebuild it"
            )
        load_schema(conn)
        record_framework_rows(conn)
        manifest = (
            seed_legacy_data(conn, seed=seed, users=users, password_iterations=password_iterations)
            if with_data
            else SeedManifest(seed=seed)
        )
        conn.commit()
    return manifest


def snapshot_legacy_rows(
    conn: psycopg.Connection, columns: dict[str, list[str]] | None = None
) -> dict[str, list]:
    """Every row of the legacy tables, ordered by primary key; `columns` limits each table to those columns."""
    snapshot = {}
    for table in LEGACY_TABLES + LEGACY_M2M_TABLES:
        names = (columns or {}).get(table) or [
            c["name"] for c in describe_schema(conn, [table])["columns"][table]
        ]
        query = sql.SQL("SELECT {} FROM {} ORDER BY 1").format(
            sql.SQL(", ").join(sql.Identifier(n) for n in names), sql.Identifier(table)
        )
        snapshot[table] = [dict(zip(names, row, strict=True)) for row in conn.execute(query).fetchall()]
    return snapshot


def public_tables(conn: psycopg.Connection) -> set[str]:
    return {
        name
        for (name,) in conn.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
        )
    }
