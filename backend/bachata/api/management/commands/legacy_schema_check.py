from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from psycopg.conninfo import make_conninfo

from bachata.api.legacy_schema import live_snapshot, reference, schema_differences


def default_conninfo() -> str:
    database = settings.DATABASES["default"]
    parts = {
        "dbname": database["NAME"],
        "user": database.get("USER") or None,
        "password": database.get("PASSWORD") or None,
        "host": database.get("HOST") or None,
        "port": str(database["PORT"]) if database.get("PORT") else None,
    }
    return make_conninfo(**{key: value for key, value in parts.items() if value})


class Command(BaseCommand):
    help = (
        "Compare the live schema of the legacy tables with the legacy DDL, read-only (docs/migration-runbook.md). "
        "Exit 0 when nothing differs; 1 with every difference listed."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--database-url", help="the database to check (default: this app's database, DATABASE_URL)"
        )
        parser.add_argument(
            "--after-adoption",
            action="store_true",
            help="accept the nullable or defaulted columns our migrations add (after `migrate`)",
        )

    def handle(self, *args, database_url=None, after_adoption=False, **options):
        expected = reference()
        conninfo = database_url or default_conninfo()
        try:
            live = live_snapshot(conninfo)
        except Exception as exc:  # psycopg.Error and friends: say what failed, not a traceback
            raise CommandError(f"could not read the schema: {exc}") from exc
        differences = schema_differences(live, expected)
        blocking = [d for d in differences if not (after_adoption and d.allowed_after_adoption)]
        columns = sum(len(columns) for columns in expected["columns"].values())
        self.stdout.write(
            f"checked {len(expected['tables'])} legacy tables ({columns} columns, {len(expected['indexes'])} "
            f"indexes, {len(expected['constraints'])} constraints) against the legacy DDL, read-only"
        )
        for difference in differences:
            allowed = difference not in blocking
            self.stdout.write(f"{'ALLOWED' if allowed else 'DIFFERS'} {difference}")
        if blocking:
            raise CommandError(f"{len(blocking)} difference(s) from the legacy DDL: do not adopt, see above")
        verdict = "matches the legacy DDL" + (" (plus our additive columns)" if differences else " exactly")
        self.stdout.write(self.style.SUCCESS(f"OK: the schema {verdict}"))
