"""Run the whole system locally on embedded defaults: database, migrations, demo user, API and admin.

python -m bachata.tools.run_local [--port 8000]
"""

import argparse
import os
import subprocess
import sys
from pathlib import Path

from bachata.tools.ephemeral_postgres import run_with_database

REPO_ROOT = Path(__file__).resolve().parents[3]
MANAGE = str(REPO_ROOT / "backend" / "manage.py")


def local_defaults() -> None:
    """Embedded defaults: local storage and a demo move library under var/, the job as a local subprocess."""
    var = REPO_ROOT / "var"
    os.environ.setdefault("DJANGO_DEBUG", "1")
    os.environ.setdefault("MEDIA_ROOT", str(var / "media"))
    os.environ.setdefault("VIDEOJOB_CACHE_DIR", str(var / "cache"))
    os.environ.setdefault("VIDEOJOB_LIBRARY", str(var / "demo" / "ingested"))
    os.environ.setdefault("MOVE_INDEX_PATH", str(var / "demo" / "ingested" / "move_index.json"))


def prepare_demo() -> int:
    """The demo move library (ingested once) and a demo song in the song library, unless configured."""
    library = Path(os.environ["VIDEOJOB_LIBRARY"])
    if library != REPO_ROOT / "var" / "demo" / "ingested":
        return 0  # the developer chose a library of their own
    return subprocess.call(
        [
            sys.executable,
            "-m",
            "videojob",
            "prepare-demo",
            "--library-out",
            str(library.parent),
            "--songs-dir",
            str(Path(os.environ["MEDIA_ROOT"]) / "songs"),
        ]
    )


def serve(port: int) -> int:
    for step in (["migrate", "--no-input"], ["demo_setup"]):
        if subprocess.call([sys.executable, MANAGE, *step]) != 0:
            return 1
    if prepare_demo() != 0:
        return 1
    # The reaper runs by itself: it times out tasks no job reports on and starts queued ones when a worker is
    # free. A child of this process (which becomes runserver below), it stops when the server stops.
    every = os.environ.get("LEDGER_REAP_EVERY_SECONDS", "30")
    subprocess.Popen([sys.executable, MANAGE, "ledger_reap", "--every", every, "--parent", str(os.getpid())])
    print(
        f"\nBachata Buddy is running:\n  API docs: http://127.0.0.1:{port}/api/docs\n"
        f"  Admin:    http://127.0.0.1:{port}/admin/\n",
        flush=True,
    )
    sys.stdout.flush()
    os.execv(sys.executable, [sys.executable, MANAGE, "runserver", f"127.0.0.1:{port}", "--noreload"])


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    parser.add_argument("--serve-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve_only:
        return serve(args.port)
    local_defaults()
    return run_with_database(
        [sys.executable, "-m", "bachata.tools.run_local", "--serve-only", "--port", str(args.port)]
    )


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
