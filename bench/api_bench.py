"""API latency and throughput under concurrent load, against gunicorn (2 workers, gthread) on PostgreSQL.

    uv run python bench/api_bench.py [--clients 50] [--seconds 10] [--markdown docs/benchmarks.md]

Creates a throwaway database on the server named by DATABASE_URL (default: the local server), migrates it,
seeds users, tasks and collections, starts gunicorn with 2 workers and measures each scenario with the
same load generator side by side with a bare DRF endpoint. Drops the database afterwards.
"""

import argparse
import http.client
import json
import multiprocessing
import os
import random
import statistics
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parents[1]
SERVER_URL = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
TARGETS = {
    "status poll": (10, 50),
    "status poll, unchanged (If-None-Match: 304)": (10, 50),
    "generate": (None, 300),
    "collections list": (None, 200),
}


def throwaway_database() -> str:
    return urlsplit(SERVER_URL)._replace(path=f"/bench_api_{uuid.uuid4().hex[:10]}").geturl()


def admin_sql(statement: str) -> None:
    import psycopg

    with psycopg.connect(urlsplit(SERVER_URL)._replace(path="/postgres").geturl(), autocommit=True) as conn:
        conn.execute(statement)


def seed(database_url: str, users: int) -> dict:
    """Users with tokens, a task per user to poll, a few saved choreographies per user."""
    os.environ["DATABASE_URL"] = database_url
    sys.path.insert(0, str(REPO / "backend"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bachata.settings")
    import django

    django.setup()
    from bachata.choreography.ledger.append import task_event_append, task_history_start
    from bachata.collections.models import SavedChoreography
    from bachata.users.models import User
    from django.contrib.auth.hashers import make_password
    from rest_framework_simplejwt.tokens import RefreshToken

    password = make_password("bench-password")
    tokens, tasks = [], []
    for i in range(users):
        user = User.objects.create(
            username=f"bench{i}",
            email=f"bench{i}@example.com",
            password=password,
            is_instructor=True,
            preferences={"auto_save_choreographies": False},
        )
        task = task_history_start(user=user, parameters={"audio_input": "songs/x.mp3"})
        task_event_append(task.pk, "attempt_started", actor="job")
        task_event_append(task.pk, "progress", {"stage": "analyzing", "percent": 25}, actor="job")
        for n in range(30):
            SavedChoreography.objects.create(
                user=user,
                title=f"Routine {n}",
                video_path=f"choreographies/2026/11/{n}.mp4",
                difficulty=random.choice(["beginner", "intermediate", "advanced"]),
                duration=90.0 + n,
            )
        tokens.append(str(RefreshToken.for_user(user).access_token))
        tasks.append(task.pk)
    from django.db import connections

    connections.close_all()
    return {"tokens": tokens, "tasks": tasks}


def start_gunicorn(database_url: str, port: int, threads: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "bench_settings",
        "PYTHONPATH": f"{REPO / 'bench'}:{REPO / 'backend'}",
        "API_THROTTLE_USER": "1000000/minute",
        "API_THROTTLE_ANON": "1000000/minute",
        "GENERATION_MAX_ACTIVE_PER_USER": "1000000",
        "LOCAL_JOB_MAX_CONCURRENCY": "0",
        "LOG_LEVEL": "WARNING",
        "DATABASE_CONN_MAX_AGE": "600",
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "bachata.wsgi:application",
            "--workers",
            "2",
            "--worker-class",
            "gthread",
            "--threads",
            str(threads),
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],
        env=env,
        cwd=REPO,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            conn.request("GET", "/api/health")
            if conn.getresponse().status == 200:
                return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("gunicorn did not start")


def task_etags(port: int, data: dict) -> list[str]:
    """The ETag of each seeded task's status, as its owner's first poll gets it (the tasks do not change
    while the benchmark runs, so every conditional poll is answered 304)."""
    etags = []
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    for token, task_id in zip(data["tokens"], data["tasks"], strict=True):
        conn.request(
            "GET", f"/api/choreography/tasks/{task_id}", headers={"Authorization": f"Bearer {token}"}
        )
        response = conn.getresponse()
        response.read()
        etags.append(response.getheader("ETag"))
        conn.request(
            "GET",
            f"/api/choreography/tasks/{task_id}",
            headers={"Authorization": f"Bearer {token}", "If-None-Match": etags[-1]},
        )
        check = conn.getresponse()
        check.read()
        if check.status != 304:
            raise RuntimeError(f"a repeated poll with its ETag answered {check.status}, not 304")
    conn.close()
    return etags


def _client_loop(port, requests, seconds, results, barrier):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    barrier.wait()
    end = time.monotonic() + seconds
    i = 0
    while time.monotonic() < end:
        method, path, body, headers = requests[i % len(requests)]
        i += 1
        started = time.perf_counter()
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            ok = response.status < 500 and response.status != 429
            if "If-None-Match" in headers:
                ok = ok and response.status == 304
        except OSError:
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            ok = False
        results.append((time.perf_counter() - started, ok))


def _process_worker(port, requests_by_client, seconds, queue, start_event):
    results: list = []
    barrier = threading.Barrier(len(requests_by_client) + 1)
    threads = [
        threading.Thread(target=_client_loop, args=(port, reqs, seconds, results, barrier))
        for reqs in requests_by_client
    ]
    for thread in threads:
        thread.start()
    start_event.wait()
    barrier.wait()
    for thread in threads:
        thread.join()
    queue.put(results)


def run_load(port: int, requests_per_client: list[list], seconds: float, processes: int = 2) -> dict:
    """`clients` keep-alive connections spread over `processes` load-generator processes."""
    context = multiprocessing.get_context("fork")
    queue, start = context.Queue(), context.Event()
    shares = [requests_per_client[i::processes] for i in range(processes)]
    workers = [
        context.Process(target=_process_worker, args=(port, share, seconds, queue, start)) for share in shares
    ]
    for worker in workers:
        worker.start()
    time.sleep(0.5)
    start.set()
    results = [item for _ in workers for item in queue.get()]
    for worker in workers:
        worker.join()
    latencies = sorted(t for t, _ in results)
    errors = sum(1 for _, ok in results if not ok)
    return {
        "requests": len(results),
        "errors": errors,
        "rps": round(len(results) / seconds, 1),
        "p50_ms": round(statistics.median(latencies) * 1000, 2),
        "p99_ms": round(latencies[int(len(latencies) * 0.99) - 1] * 1000, 2),
    }


def scenarios(data: dict, clients: int) -> dict[str, list[list]]:
    def auth(i):
        return {"Authorization": f"Bearer {data['tokens'][i % len(data['tokens'])]}"}

    json_headers = {"Content-Type": "application/json"}
    generate_body = json.dumps(
        {"audio_input": "https://music.example.com/besame.mp3", "difficulty": "beginner"}
    )
    return {
        "bare DRF endpoint (no auth)": [[("GET", "/api/bench/bare", None, {})] for _ in range(clients)],
        "bare DRF endpoint (JWT + throttle)": [
            [("GET", "/api/bench/bare-auth", None, auth(i))] for i in range(clients)
        ],
        "status poll": [
            [("GET", f"/api/choreography/tasks/{data['tasks'][i % len(data['tasks'])]}", None, auth(i))]
            for i in range(clients)
        ],
        # the SPA's poll while nothing changed: it sends the ETag of the copy it holds
        "status poll, unchanged (If-None-Match: 304)": [
            [
                (
                    "GET",
                    f"/api/choreography/tasks/{data['tasks'][i % len(data['tasks'])]}",
                    None,
                    {**auth(i), "If-None-Match": data["etags"][i % len(data["etags"])]},
                )
            ]
            for i in range(clients)
        ],
        "collections list": [[("GET", "/api/collections?page=1", None, auth(i))] for i in range(clients)],
        "generate": [
            [("POST", "/api/choreography/generate", generate_body, {**auth(i), **json_headers})]
            for i in range(clients)
        ],
    }


def main() -> int:
    # a benchmark is a local run: without DJANGO_SECRET_KEY its processes make the local key (docs/security.md)
    os.environ.setdefault("BACHATA_LOCAL_RUN", "1")
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker (gthread)")
    parser.add_argument("--json", help="write the results as JSON to this file")
    args = parser.parse_args()

    database_url = throwaway_database()
    admin_sql(f"CREATE DATABASE {urlsplit(database_url).path[1:]}")
    server = None
    try:
        subprocess.run(
            [sys.executable, "backend/manage.py", "migrate", "-v0"],
            cwd=REPO,
            check=True,
            env={**os.environ, "DATABASE_URL": database_url},
        )
        data = seed(database_url, args.users)
        server = start_gunicorn(database_url, args.port, args.threads)
        data["etags"] = task_etags(args.port, data)
        results = {}
        for name, requests in scenarios(data, args.clients).items():
            run_load(args.port, requests[:4], 2)  # warm-up: connections, caches, worker imports
            results[name] = run_load(args.port, requests, args.seconds)
            print(f"{name:38} {results[name]}", flush=True)
    finally:
        if server:
            server.terminate()
            server.wait(10)
        admin_sql(f"DROP DATABASE IF EXISTS {urlsplit(database_url).path[1:]} WITH (FORCE)")

    print("\n| scenario | requests/s | p50 ms | p99 ms | errors | target |")
    print("| --- | --- | --- | --- | --- | --- |")
    for name, r in results.items():
        p50_target, p99_target = TARGETS.get(name, (None, None))
        target = " / ".join(
            t for t in (p50_target and f"p50 ≤ {p50_target}", p99_target and f"p99 ≤ {p99_target}") if t
        )
        print(f"| {name} | {r['rps']} | {r['p50_ms']} | {r['p99_ms']} | {r['errors']} | {target or '—'} |")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
