"""Run a command against a throwaway PostgreSQL when DATABASE_URL is not set.

    python -m bachata.tools.ephemeral_postgres -- <command> [args...]

With DATABASE_URL set, the command simply runs against that database. Otherwise a private cluster is
created in a temporary directory (the system's initdb/pg_ctl when installed, else the `pgserver`
package from PyPI), DATABASE_URL points the command at it, and it is stopped and deleted afterwards.
"""

import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path


def _system_bin_dir() -> Path | None:
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).resolve().parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), reverse=True)
    return Path(candidates[0]).parent if candidates else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _as_postgres_user(cmd: list[str]) -> list[str]:
    # initdb and postgres refuse to run as root; run them as the 'postgres' system user.
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *cmd]
    return cmd


@contextmanager
def _system_cluster(bin_dir: Path):
    workdir = Path(tempfile.mkdtemp(prefix="bachata-pg-"))
    if os.geteuid() == 0:
        pw = pwd.getpwnam("postgres")
        os.chown(workdir, pw.pw_uid, pw.pw_gid)
    data, port = workdir / "data", _free_port()

    def pg(tool: str, *args: str, check: bool = True) -> None:
        # cwd="/": the postgres user may not be allowed into the caller's working directory.
        command = _as_postgres_user([str(bin_dir / tool), "-D", str(data), *args])
        subprocess.run(command, check=check, stdout=subprocess.DEVNULL, cwd="/")

    try:
        pg("initdb", "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")
        options = f"-p {port} -k {workdir} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off"
        pg("pg_ctl", "-o", options, "-l", str(workdir / "server.log"), "-w", "start")
        try:
            yield f"postgres://postgres@127.0.0.1:{port}/postgres"
        finally:
            pg("pg_ctl", "-m", "fast", "-w", "stop", check=False)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


@contextmanager
def _pgserver_cluster():
    import pgserver  # dev dependency; bundles its own PostgreSQL

    workdir = tempfile.mkdtemp(prefix="bachata-pgserver-")
    server = pgserver.get_server(workdir, cleanup_mode="delete")
    try:
        yield server.get_uri()
    finally:
        server.cleanup()


@contextmanager
def ephemeral_database_url():
    bin_dir = _system_bin_dir()
    usable = bin_dir is not None and (os.geteuid() != 0 or _has_user("postgres"))
    with _system_cluster(bin_dir) if usable else _pgserver_cluster() as url:
        yield url


def _has_user(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


def run_with_database(command: list[str], on_ready: Callable[[str], None] | None = None) -> int:
    if os.environ.get("DATABASE_URL"):
        return subprocess.call(command)
    started = time.monotonic()
    with ephemeral_database_url() as url:
        print(
            f"[ephemeral-postgres] started a throwaway PostgreSQL in {time.monotonic() - started:.1f}s: {url}",
            file=sys.stderr,
        )
        if on_ready:
            on_ready(url)
        process = subprocess.Popen(command, env={**os.environ, "DATABASE_URL": url})

        def forward(signum, _frame):
            process.send_signal(signum)

        previous = signal.signal(signal.SIGTERM, forward)
        try:
            while True:
                try:
                    return process.wait()
                except KeyboardInterrupt:
                    process.send_signal(signal.SIGINT)
        finally:
            signal.signal(signal.SIGTERM, previous)
            print("[ephemeral-postgres] stopping and deleting the throwaway PostgreSQL", file=sys.stderr)


def main(argv: list[str]) -> int:
    if argv and argv[0] == "--":
        argv = argv[1:]
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    return run_with_database(argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
