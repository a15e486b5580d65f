"""uv run python -m migrations_legacy build --database-url URL [--create] [--drop-existing] [--seed N] …"""

import argparse
import json
import os
import sys

import psycopg

from .builder import build_legacy_database


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m migrations_legacy", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    build = commands.add_parser("build", help="build (and seed) a faithful legacy database")
    build.add_argument(
        "--database-url", default=os.environ.get("DATABASE_URL"), required="DATABASE_URL" not in os.environ
    )
    build.add_argument("--create", action="store_true", help="create the database if it does not exist")
    build.add_argument(
        "--drop-existing",
        action="store_true",
        help="drop the database first if it exists (its data is lost), then create it",
    )
    build.add_argument("--seed", type=int, default=42)
    build.add_argument("--users", type=int, default=12)
    build.add_argument("--password-iterations", type=int, default=1_000_000)
    build.add_argument("--no-data", action="store_true", help="schema and framework rows only")
    args = parser.parse_args(argv)
    try:
        manifest = build_legacy_database(
            args.database_url,
            seed=args.seed,
            users=args.users,
            with_data=not args.no_data,
            password_iterations=args.password_iterations,
            create=args.create,
            drop_existing=args.drop_existing,
        )
    except (RuntimeError, psycopg.Error) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(
        json.dumps(
            {
                "counts": manifest.counts,
                "task_statuses": manifest.task_statuses,
                "passwords": manifest.passwords,
                "shared_emails": manifest.shared_emails,
            },
            indent=2,
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
