"""Run the whole system locally on embedded defaults: database, migrations, demo user, the web app, the API
and the admin, at one address.

python -m bachata.tools.run_local [--port 8000]
"""

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

from bachata.tools.ephemeral_postgres import run_with_database

REPO_ROOT = Path(__file__).resolve().parents[3]
MANAGE = str(REPO_ROOT / "backend" / "manage.py")
FRONTEND = REPO_ROOT / "frontend"
_BUILD_INPUTS = ("package-lock.json", "index.html", "vite.config.js", "src", "public")


def _tree_hash(paths) -> str:
    digest = hashlib.sha256()
    for root in paths:
        files = sorted(p for p in root.rglob("*") if p.is_file()) if root.is_dir() else [root]
        for path in files:
            if path.exists() and "node_modules" not in path.parts:
                digest.update(str(path.relative_to(FRONTEND)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def build_spa() -> int:
    """`npm ci` when the lock file changed, `vite build` when the sources changed; skipped otherwise."""
    npm = shutil.which("npm")
    if not (FRONTEND / "package.json").exists():
        return 0
    if npm is None:
        print("npm is not installed: the web app is not built (the API still runs).", file=sys.stderr)
        return 0
    # npm keeps its own record of an install (node_modules/.package-lock.json): newer than the lock file
    # means the installed packages are the locked ones.
    lock, installed = FRONTEND / "package-lock.json", FRONTEND / "node_modules" / ".package-lock.json"
    stale = not installed.exists() or installed.stat().st_mtime < lock.stat().st_mtime
    if stale and subprocess.call([npm, "ci", "--no-audit", "--no-fund"], cwd=FRONTEND) != 0:
        return 1
    build_stamp = FRONTEND / "dist" / ".bachata-build"
    build_hash = _tree_hash([FRONTEND / name for name in _BUILD_INPUTS])
    if build_stamp.exists() and build_stamp.read_text() == build_hash:
        return 0
    if subprocess.call([npm, "run", "build", "--silent"], cwd=FRONTEND) != 0:
        return 1
    build_stamp.write_text(build_hash)
    return 0


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
    print(
        f"\nBachata Buddy is running:\n  Web app:  http://127.0.0.1:{port}/\n"
        f"  API docs: http://127.0.0.1:{port}/api/docs\n"
        f"  Admin:    http://127.0.0.1:{port}/admin/\n",
        flush=True,
    )
    sys.stdout.flush()
    os.execv(sys.executable, [sys.executable, MANAGE, "runserver", f"127.0.0.1:{port}", "--noreload"])


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    parser.add_argument("--skip-build", action="store_true", help="serve frontend/dist as it is")
    parser.add_argument("--build-only", action="store_true", help="build the web app (if changed) and stop")
    parser.add_argument("--serve-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve_only:
        return serve(args.port)
    if args.build_only:
        return build_spa()
    local_defaults()
    if not args.skip_build and build_spa() != 0:
        return 1
    return run_with_database(
        [sys.executable, "-m", "bachata.tools.run_local", "--serve-only", "--port", str(args.port)]
    )


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
