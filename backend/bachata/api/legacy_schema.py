"""The legacy schema as the legacy app's DDL defines it, and a read-only comparison of a live database with it.

`describe_schema` reads columns, indexes and constraints of tables from PostgreSQL's catalogs (the same
description migrations_legacy's tests compare databases with). `legacy_schema.json` is that description of a
database built from migrations_legacy/schema.sql alone (the legacy DDL); a test rebuilds one and checks the file
still equals it. `schema_differences` lists how a live database differs, for `manage.py legacy_schema_check`
(docs/migration-runbook.md): before adoption nothing may differ; after adoption the only allowed additions
are the nullable or defaulted columns our migrations add (never a changed, missing or retyped column, nor an
extra index or constraint on a legacy table, which could break the legacy app's writes).

Regenerate the JSON (only if the legacy DDL itself changed):
  uv run python -m bachata.api.legacy_schema --write   (with DATABASE_URL naming a PostgreSQL server)
"""

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg

REFERENCE = Path(__file__).with_name("legacy_schema.json")


def describe_schema(conn: psycopg.Connection, tables: list[str] | tuple[str, ...]) -> dict[str, Any]:
    """Columns (name, type, length, nullability, identity, default), indexes (name -> definition) and
    constraints (name -> definition incl. DEFERRABLE/INITIALLY DEFERRED, deferrable) of the given tables."""
    tables = list(tables)
    columns: dict[str, list[dict]] = {t: [] for t in tables}
    for table, name, data_type, length, nullable, identity, generation, default in conn.execute(
        """
        SELECT table_name, column_name, data_type, character_maximum_length, is_nullable, is_identity,
               identity_generation, column_default
        FROM information_schema.columns WHERE table_schema = 'public' AND table_name = ANY(%s)
        ORDER BY table_name, ordinal_position
        """,
        (tables,),
    ):
        columns[table].append(
            {"name": name, "type": data_type, "length": length, "nullable": nullable, "identity": identity,
             "identity_generation": generation, "default": default}
        )  # fmt: skip
    indexes = {
        (table, name): definition
        for table, name, definition in conn.execute(
            "SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename = ANY(%s)",
            (tables,),
        )
    }
    constraints = {
        (table, name): (definition, deferrable)
        for table, name, definition, deferrable in conn.execute(
            """
            SELECT rel.relname, con.conname, pg_get_constraintdef(con.oid), con.condeferrable
            FROM pg_constraint con JOIN pg_class rel ON rel.oid = con.conrelid
            JOIN pg_namespace ns ON ns.oid = rel.relnamespace
            WHERE ns.nspname = 'public' AND rel.relname = ANY(%s)
            """,
            (tables,),
        )
    }
    return {"columns": columns, "indexes": indexes, "constraints": constraints}


def snapshot(conn: psycopg.Connection, tables) -> dict[str, Any]:
    """describe_schema as JSON: keys "table.name", constraints as [definition, deferrable]."""
    described = describe_schema(conn, tables)
    return {
        "tables": sorted(tables),
        "columns": described["columns"],
        "indexes": {
            f"{table}.{name}": value for (table, name), value in sorted(described["indexes"].items())
        },
        "constraints": {
            f"{table}.{name}": list(value)
            for (table, name), value in sorted(described["constraints"].items())
        },
    }


def reference() -> dict[str, Any]:
    return json.loads(REFERENCE.read_text())


@dataclass(frozen=True)
class Difference:
    kind: str  # missing-table | missing | changed | added | added-column
    what: str  # "column users.email", "index users.users_email_key", …
    expected: Any = None
    found: Any = None

    @property
    def allowed_after_adoption(self) -> bool:
        """Additive and harmless to the legacy app: a new column it never names, nullable or with a default."""
        return self.kind == "added-column" and (
            self.found["nullable"] == "YES" or self.found["default"] is not None
        )

    def __str__(self) -> str:
        detail = {
            "missing-table": "the table is missing",
            "missing": f"missing (expected {self.expected})",
            "changed": f"expected {self.expected}, found {self.found}",
            "added": f"not in the legacy DDL: {self.found}",
            "added-column": f"not in the legacy DDL: {self.found}",
        }[self.kind]
        return f"{self.what}: {detail}"


def schema_differences(live: dict[str, Any], expected: dict[str, Any]) -> list[Difference]:
    differences = []
    for table in expected["tables"]:
        want = {column["name"]: column for column in expected["columns"][table]}
        got = {column["name"]: column for column in live["columns"].get(table, [])}
        if not got:
            differences.append(Difference("missing-table", f"table {table}"))
            continue
        for name, column in want.items():
            if name not in got:
                differences.append(Difference("missing", f"column {table}.{name}", expected=column))
            elif got[name] != column:
                differences.append(Difference("changed", f"column {table}.{name}", column, got[name]))
        for name in got.keys() - want.keys():
            differences.append(Difference("added-column", f"column {table}.{name}", found=got[name]))
        if [n for n in got if n in want] != list(want):
            differences.append(Difference("changed", f"column order of {table}", list(want), list(got)))
    for kind, label in (("indexes", "index"), ("constraints", "constraint")):
        want, got = expected[kind], live[kind]
        for key in sorted(want.keys() - got.keys()):
            differences.append(Difference("missing", f"{label} {key}", expected=want[key]))
        for key in sorted(want.keys() & got.keys()):
            if want[key] != got[key]:
                differences.append(Difference("changed", f"{label} {key}", want[key], got[key]))
        for key in sorted(got.keys() - want.keys()):
            differences.append(Difference("added", f"{label} {key}", found=got[key]))
    return differences


def live_snapshot(conninfo: str) -> dict[str, Any]:
    """The live description, in a read-only transaction (nothing can be written, whatever the role may do)."""
    with psycopg.connect(conninfo, connect_timeout=10) as conn:
        conn.read_only = True
        with conn.transaction():
            return json.loads(json.dumps(snapshot(conn, reference()["tables"])))


def _write_reference() -> None:  # pragma: no cover - maintenance helper, see the module docstring
    import os

    from migrations_legacy.builder import legacy_columns, load_schema, throwaway_database

    with (
        throwaway_database(os.environ.get("DATABASE_URL")) as url,
        psycopg.connect(url, autocommit=True) as conn,
    ):
        load_schema(conn)
        data = snapshot(conn, tuple(legacy_columns()))
    REFERENCE.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")
    print(f"wrote {REFERENCE}")


if __name__ == "__main__":  # pragma: no cover
    import sys

    if sys.argv[1:] != ["--write"]:
        sys.exit(__doc__)
    _write_reference()
