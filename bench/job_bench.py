"""The video job end to end: a 3-minute song and the real move library, from task creation to completed.

    uv run python bench/job_bench.py [--library DIR] [--song FILE] [--runs N] [--write-docs] [--json FILE]

Database: $DATABASE_URL when set (the database is created on that server if it does not exist, then
migrated), else a throwaway PostgreSQL (bachata.tools.ephemeral_postgres), deleted afterwards.

Before anything is measured, the move library (--library, default $MOVELIB_DIR or ../shared/movelib beside
the repository) is ingested once into var/bench/job/library/ (reused by later runs; its one-time cost is
reported apart), and the songs are prepared: --song, or two deterministic 3-minute bachata-like songs
made by the project's own generator (videojob.demo_assets.synthesize_bachata), written as MP3 like an
upload.

The measured path is the real one: `generation_start` (what POST /api/choreography/generate calls) creates
the task through the ledger and, on commit, the local launcher starts `python -m videojob` with the job's
environment contract; the script polls the task row until it is terminal. Per run it reports the wall
time from the call to the moment the poll sees `completed`, the time of every stage from the task's event
timeline (created, launched, attempt_started, then the progress stages downloading, analyzing, selecting,
generating, finalizing, then completed), and the job process's peak RSS (VmHWM of /proc/<pid>/status, read
until the process is gone: the high-water mark of its own memory since exec; wait4's ru_maxrss would also
count the bench process's memory at the vfork) and CPU time (os.wait4 on the launcher's child).

Runs, in this order, each a fresh job process:
- cold: empty caches, as on a new image without its build-time warm-up: an empty NUMBA_CACHE_DIR (numba
  compiles whatever JIT code the analysis uses) and an empty VIDEOJOB_CACHE_DIR;
- warm, new song: the numba cache the cold run left, an empty VIDEOJOB_CACHE_DIR (the song is analysed
  from scratch), song B (not the cold run's song);  --runs times, the cache emptied each time; the same for
  song C, a WAV (its AAC encoding is part of the job);
- warm, song seen before: numba warm and the analysis cache holding song A (a second request for the same
  song skips the analysis: the cache is keyed by the audio's sha256);  --runs times;
- legacy: the same song B and the same clip slots as the first warm run's plan, made the legacy way in a
  subprocess (PyAV): every slot's clip decoded from the start of the original clip, scaled to 1280x720,
  encoded with libx264 ultrafast into one stream (the concatenation), the song audio muxed;  --runs times.

Apart from the runs, each in fresh processes: the job's start-up step by step (interpreter, django.setup
with the job's settings, the job's imports, the work's imports, a first and a second 20 s analysis; wall and
CPU seconds) with an empty and a warm numba cache; the analysis of song B from a fresh process, imports
included (`python -m videojob analyze --json`, the issue's "≤ 1.2 s"; wall and CPU); and `python -X
importtime` of the job's path, summed by top-level package.

First of all, the bytecode of the job's path is checked: with PYTHONDONTWRITEBYTECODE set (as in the job
image), a module without an up-to-date .pyc is compiled from source in every process, which costs a fresh
job process more than its whole start (~0.6 s of CPU for Django & co.). What lacks it is compiled, as `make
install` and the job image do, and the docs say how many there were.

Targets (issue 13): end to end ≤ 3.0 s median for an MP3 song never analysed (warm caches), ≤ 3.5 s for a
WAV; ≥ 8x the legacy method in the same run; `attempt_started` ≤ 0.8 s after the process starts; the
analysis ≤ 1.2 s in a fresh process; cold start ≤ 10 s; peak RSS ≤ 400 MB.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from fractions import Fraction
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

REPO = Path(__file__).resolve().parents[1]
BACKEND = REPO / "backend"
DEFAULT_LIBRARY = Path(os.environ.get("MOVELIB_DIR") or REPO.parent / "shared" / "movelib")
DEFAULT_WORK_DIR = REPO / "var" / "bench" / "job"
STAGES = ("downloading", "analyzing", "selecting", "generating", "finalizing")
SONG_SECONDS = 180.0
TARGET_WARM_SECONDS = 3.0  # MP3 song never analysed, median
TARGET_WAV_SECONDS = 3.5
TARGET_SPEEDUP = 8.0  # the legacy method's wall time over the job's end to end, same run
TARGET_STARTUP_SECONDS = 0.8  # process start to `attempt_started`
TARGET_ANALYSIS_SECONDS = 1.2  # a 3-minute song, fresh process, imports included
TARGET_COLD_SECONDS = 10.0
TARGET_RSS_MB = 400.0
LEGACY_SIZE = (1280, 720)
LEGACY_FPS = 24  # the legacy app wrote 24 fps (migrations: FACTS); fewer frames than our 30 favour it
DOCS_SECTION = "## Video job (end to end)"
# The poll that sees `completed`: one primary-key read of the task row (~0.3 ms); 10 ms keeps its rounding
# of a ~3 s figure small without taking a core from the job.
POLL_SECONDS = 0.01
JOB_TIMEOUT_SECONDS = 900


# ---------------------------------------------------------------------------------------------- songs


def make_song(path: Path, *, seconds: float = SONG_SECONDS, bpm: float = 128.0, seed: int = 7) -> Path:
    """A deterministic bachata-like song (the demo generator's synthesis, phrase loudness varying) as
    MP3 or WAV by suffix; made once (kept when it exists)."""
    if path.exists():
        return path
    import numpy as np
    import soundfile
    from videojob.demo_assets import synthesize_bachata

    sample_rate = 44100
    samples, _ = synthesize_bachata(
        bpm,
        seconds,
        first_beat=0.45,
        sample_rate=sample_rate,
        seed=seed,
        phrase_levels=(0.45, 0.6, 1.0, 0.9, 0.55, 1.0, 0.8, 0.5, 0.7, 1.0, 0.95, 0.6),
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.stem}.tmp{path.suffix}")
    soundfile.write(str(temporary), np.stack([samples, samples], axis=1), sample_rate)
    os.replace(temporary, path)
    return path


def audio_facts(path: Path) -> dict:
    import av

    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        return {
            "file": path.name,
            "codec": stream.codec_context.codec.canonical_name,
            "seconds": round(float(container.duration / av.time_base), 2),
            "bytes": path.stat().st_size,
        }


# ---------------------------------------------------------------------------------------------- database


def ensure_database(url: str) -> None:
    """CREATE DATABASE when the one named by `url` does not exist yet (on the same server)."""
    import psycopg
    from psycopg import sql

    name = urlsplit(url).path.lstrip("/") or "postgres"
    admin_url = urlunsplit(urlsplit(url)._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as admin:
        if admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is None:
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            print(f"created database {name}", file=sys.stderr)


@contextlib.contextmanager
def bench_database():
    url = os.environ.get("DATABASE_URL")
    if url:
        ensure_database(url)
        yield url, "DATABASE_URL"
        return
    sys.path.insert(0, str(BACKEND))
    from bachata.tools.ephemeral_postgres import ephemeral_database_url

    with ephemeral_database_url() as throwaway:
        yield throwaway, "a throwaway PostgreSQL (bachata.tools.ephemeral_postgres)"


def postgres_version(url: str) -> str:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        return conn.execute("SHOW server_version").fetchone()[0]


# ---------------------------------------------------------------------------------------------- timeline


def stage_times(events: list[dict], started_at: float) -> dict[str, float]:
    """Seconds per step of one task, from its events (dicts with type, payload, created_at) and the wall
    clock time the request was made: `launch` (request to `launched`), `startup` (`launched` to
    `attempt_started`: the new process's interpreter, imports, django.setup), `initializing` (to the
    first progress), then each stage from its first progress event to the next stage's (heartbeats
    repeat a stage and are skipped), the last one ending at `completed` or `failed`."""
    marks: list[tuple[str, float]] = [("launch", started_at)]
    seen: set[str] = set()
    for event in events:
        moment = event["created_at"].timestamp()
        kind = event["type"]
        if kind == "launched":
            marks.append(("startup", moment))
        elif kind == "attempt_started":
            marks.append(("initializing", moment))
        elif kind == "progress":
            stage = event["payload"].get("stage")
            if stage not in seen:
                seen.add(stage)
                marks.append((stage, moment))
        elif kind in ("completed", "failed", "cancelled", "timed_out"):
            marks.append((kind, moment))
            break
    return {
        name: round(max(0.0, marks[index + 1][1] - moment), 3)
        for index, (name, moment) in enumerate(marks[:-1])
    }


# ---------------------------------------------------------------------------------------------- job runs


def job_parameters(song_key: str) -> dict:
    """What the API builds for a library song (GenerateView: song_id)."""
    return {
        "audio_input": song_key,
        "source": "library",
        "song_id": song_key,
        "difficulty": "intermediate",
        "energy_level": "medium",
        "style": "",
        "query": "",
    }


def run_job(user, song_key: str, *, label: str, numba_dir: Path, cache_dir: Path) -> dict:
    """One task through the real service and the real launcher; wall time, stages, peak RSS."""
    from bachata.choreography.models import ChoreographyTask, TaskEvent
    from bachata.choreography.services import generation_start

    os.environ["NUMBA_CACHE_DIR"] = str(numba_dir)
    os.environ["VIDEOJOB_CACHE_DIR"] = str(cache_dir)
    numba_dir.mkdir(parents=True, exist_ok=True)
    cache_dir.mkdir(parents=True, exist_ok=True)
    load = os.getloadavg()[0]
    started_at, started = time.time(), time.perf_counter()
    task = generation_start(user=user, parameters=job_parameters(song_key))
    launched = time.perf_counter() - started
    execution = task.job_execution_name or ""
    if not execution.startswith("local-"):
        raise SystemExit(f"{label}: the job was not launched (stage {task.stage}, error {task.error!r})")
    pid = int(execution.removeprefix("local-"))
    deadline = started + JOB_TIMEOUT_SECONDS
    peak_kb = 0
    while True:
        peak_kb = max(peak_kb, high_water_kb(pid) or 0)
        row = ChoreographyTask.objects.values("status", "stage", "error", "result").get(pk=task.pk)
        if row["status"] in ("completed", "failed"):
            break
        if time.perf_counter() > deadline:
            raise SystemExit(f"{label}: the task did not finish in {JOB_TIMEOUT_SECONDS} s")
        time.sleep(POLL_SECONDS)
    end_to_end = time.perf_counter() - started
    cpu_seen = 0.0
    while (latest := high_water_kb(pid)) is not None:  # until its memory is released at exit
        peak_kb = max(peak_kb, latest)
        cpu_seen = max(cpu_seen, _cpu_seconds(pid))
        time.sleep(0.01)
    try:
        _, wait_status, usage = os.wait4(pid, 0)  # the launcher's child: its CPU time
        cpu_seen = usage.ru_utime + usage.ru_stime
    except ChildProcessError:  # the local launcher's own watcher reaped it first (it waits on its jobs)
        wait_status = 0
    exited = time.perf_counter() - started
    # the launcher's watcher of this job (it reaps the process, then checks the task and the queue in the
    # database): let it finish, or the last one would still be querying when the database is stopped
    for thread in threading.enumerate():
        if thread.name == f"job-{task.pk[:8]}":
            thread.join(timeout=10)
    if row["status"] != "completed":
        log = Path(os.environ["JOB_LOG_DIR"]) / f"job-{task.pk}.log"
        tail = log.read_text()[-3000:] if log.exists() else ""
        raise SystemExit(f"{label}: the task failed: {row['error']}\n{tail}")
    events = list(
        TaskEvent.objects.filter(task_id=task.pk).order_by("seq").values("type", "payload", "created_at")
    )
    result = row["result"] or {}
    if isinstance(result, str):
        result = json.loads(result)
    run = {
        "label": label,
        "load_1m": round(load, 1),
        "task_id": task.pk,
        "end_to_end_s": round(end_to_end, 3),
        "request_s": round(launched, 3),
        "process_exit_s": round(exited, 3),
        "exit_status": os.waitstatus_to_exitcode(wait_status),
        "peak_rss_mb": round(peak_kb / 1024, 1),
        "cpu_s": round(cpu_seen, 2),
        "stages": stage_times(events, started_at),
        "job_timings": result.get("timings", {}),
        "processing_time_s": result.get("processing_time"),
        "duration_s": result.get("duration"),
        "moves_count": result.get("moves_count"),
        "moves": result.get("moves", []),
        "events": len(events),
    }
    print(
        f"  {label}: {run['end_to_end_s']:.2f} s end to end, peak RSS {run['peak_rss_mb']:.0f} MB, "
        f"CPU {run['cpu_s']:.1f} s; "
        + ", ".join(f"{name} {seconds:.2f}" for name, seconds in run["stages"].items()),
        file=sys.stderr,
        flush=True,
    )
    return run


def _cpu_seconds(pid: int) -> float:
    """The process's user + system CPU so far (/proc/<pid>/stat), for when its parent reaped it first."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def high_water_kb(pid: int | str) -> int | None:
    """VmHWM (kB) of a process: the peak resident size of its memory since exec; None once it has exited
    (a zombie has no memory left)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        return None
    return None


# ---------------------------------------------------------------------------------------------- legacy method


def legacy_spec(moves: list[dict], index_path: Path, library_dir: Path, song: Path, out: Path) -> dict:
    """The legacy method's input: for every clip slot of the plan, the original clip and the slot's song
    time (the legacy app played each clip from its start and cut it where the slot ended)."""
    from videojob.library import read_index

    sources = {
        document["clip_id"]: str(library_dir / document["source_video_path"])
        for document in read_index(index_path)["embeddings"]
    }
    return {
        "slots": [
            {"clip": sources[move["clip"]], "start": move["start"], "end": move["end"]} for move in moves
        ],
        "song": str(song),
        "out": str(out),
        "size": list(LEGACY_SIZE),
        "fps": LEGACY_FPS,
    }


def legacy_render(spec: dict) -> dict:
    """Re-encode every slot's clip to 1280x720 (libx264 ultrafast) into one stream, mux the song audio:
    unchanged when it is MP3 or AAC (the cheapest the legacy method can be), else encoded to AAC once."""
    import av

    started = time.perf_counter()
    width, height = spec["size"]
    fps = spec["fps"]
    with av.open(spec["song"]) as song_probe:
        song_stream = song_probe.streams.audio[0]
        song_codec = song_stream.codec_context.codec.canonical_name
        song_end = float(song_probe.duration / av.time_base)
    copy_audio = song_codec in ("mp3", "aac")
    frames_written = 0
    with av.open(spec["out"], "w", format="mp4", options={"movflags": "+faststart"}) as output:
        video = output.add_stream("libx264", rate=fps)
        video.width, video.height, video.pix_fmt = width, height, "yuv420p"
        video.options = {"preset": "ultrafast", "crf": "23"}
        song = av.open(spec["song"])
        audio_in = song.streams.audio[0]
        if copy_audio:
            audio_out = output.add_stream_from_template(audio_in)
        else:
            audio_out = output.add_stream("aac", rate=48000)
            audio_out.layout = "stereo"
        for slot in spec["slots"]:
            slot_end_frame = round(slot["end"] * fps)
            with av.open(slot["clip"]) as clip:
                stream = clip.streams.video[0]
                stream.thread_type = "AUTO"
                first_time = None
                latest = None
                local_index = 0
                for decoded in clip.decode(stream):
                    if decoded.time is None:
                        continue
                    if first_time is None:
                        first_time = decoded.time
                    latest = decoded
                    clip_time = decoded.time - first_time
                    # output frames due by this source frame's time (frame-rate conversion by selection)
                    while frames_written < slot_end_frame and local_index / fps <= clip_time + 1e-6:
                        frames_written += _legacy_encode(output, video, latest, width, height, frames_written)
                        local_index += 1
                    if frames_written >= slot_end_frame:
                        break
                while latest is not None and frames_written < slot_end_frame:  # clip shorter than the slot
                    frames_written += _legacy_encode(output, video, latest, width, height, frames_written)
        output.mux(video.encode(None))
        if copy_audio:
            for packet in song.demux(audio_in):
                if packet.pts is None or not packet.size:
                    continue
                if float(packet.pts * packet.time_base) >= song_end:
                    break
                packet.stream = audio_out
                output.mux(packet)
        else:
            resampler = av.AudioResampler(format="fltp", layout="stereo", rate=48000)
            for decoded in song.decode(audio_in):
                for converted in resampler.resample(decoded):
                    output.mux(audio_out.encode(converted))
            for converted in resampler.resample(None):
                output.mux(audio_out.encode(converted))
            output.mux(audio_out.encode(None))
        song.close()
    return {
        "seconds": round(time.perf_counter() - started, 3),
        "frames": frames_written,
        "output_bytes": Path(spec["out"]).stat().st_size,
        "peak_rss_kb": high_water_kb("self"),
        "audio": "copied " + song_codec if copy_audio else "encoded aac",
    }


def _legacy_encode(output, video, frame, width: int, height: int, index: int) -> int:
    scaled = frame.reformat(width=width, height=height, format="yuv420p")
    scaled.pts = index
    scaled.time_base = Fraction(1, video.codec_context.framerate.numerator)
    output.mux(video.encode(scaled))
    return 1


def run_legacy(spec: dict, work: Path, label: str) -> dict:
    """The legacy method in its own process (so its peak RSS is its own)."""
    spec_path = work / "legacy-spec.json"
    spec_path.write_text(json.dumps(spec))
    load = os.getloadavg()[0]
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, str(Path(__file__).resolve()), "--legacy-worker", str(spec_path)],
        stdout=subprocess.PIPE,
        text=True,
    )
    _, wait_status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(wait_status)
    output = process.stdout.read()
    process.stdout.close()
    if process.returncode != 0:
        raise SystemExit(f"{label}: the legacy method failed (exit {process.returncode})")
    inner = json.loads(output.strip().splitlines()[-1])
    run = {
        "label": label,
        "load_1m": round(load, 1),
        "wall_s": round(wall, 3),
        "render_s": inner["seconds"],
        "frames": inner["frames"],
        "output_mb": round(inner["output_bytes"] / 1e6, 1),
        "audio": inner["audio"],
        "peak_rss_mb": round(inner["peak_rss_kb"] / 1024, 1),
        "cpu_s": round(usage.ru_utime + usage.ru_stime, 2) if usage is not None else None,
    }
    print(
        f"  {label}: {run['wall_s']:.2f} s (render {run['render_s']:.2f} s), peak RSS "
        f"{run['peak_rss_mb']:.0f} MB, CPU {run['cpu_s']:.1f} s, {run['frames']} frames",
        file=sys.stderr,
        flush=True,
    )
    return run


# ---------------------------------------------------------------------------------------------- start-up cost

_STARTUP_PROBE = """
import json, os, resource, sys, time
laps = {}

def cpu():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime

laps["interpreter_cpu_s"] = cpu()  # the interpreter's own start (site, encodings) before this line
mark, cpu_mark = time.perf_counter(), cpu()

def lap(name):
    global mark, cpu_mark
    now, cpu_now = time.perf_counter(), cpu()
    laps[name + "_s"], laps[name + "_cpu_s"] = now - mark, cpu_now - cpu_mark
    mark, cpu_mark = now, cpu_now

os.environ["DJANGO_SETTINGS_MODULE"] = os.environ.get("VIDEOJOB_SETTINGS_MODULE") or "bachata.settings_job"
import django
django.setup()
lap("django_setup")
import videojob.job
lap("job_imports")
import videojob.pipeline
lap("work_imports")
from videojob.analysis import analyze_samples
from videojob.audio_io import ANALYSIS_SAMPLE_RATE
from videojob.demo_assets import synthesize_bachata
samples, _ = synthesize_bachata(128.0, 20.0, first_beat=0.45, sample_rate=ANALYSIS_SAMPLE_RATE, seed=3)
mark, cpu_mark = time.perf_counter(), cpu()
analyze_samples(samples)
lap("first_analysis")
analyze_samples(samples)
lap("second_analysis")
laps["loaded"] = [name for name in ("librosa", "numba", "scipy.signal", "sklearn") if name in sys.modules]
print(json.dumps(laps))
"""


def startup_probe(numba_dir: Path) -> dict:
    """A fresh process's one-time costs, step by step, in wall and CPU seconds: the interpreter alone;
    django.setup with the job's settings and the job's imports (what `python -m videojob` does before
    `attempt_started`); the modules of the work (analysis, planner, renderer: imported once the attempt is
    recorded); then a 20 s analysis twice (what is left of a first call's cost: lazy imports, JIT
    compilation or loading)."""
    env = {**os.environ, "NUMBA_CACHE_DIR": str(numba_dir)}
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", "pass"], check=True, env=env)
    bare = time.perf_counter() - started
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", _STARTUP_PROBE], check=True, env=env, capture_output=True, text=True
    )
    total = time.perf_counter() - started
    probe = json.loads(done.stdout.strip().splitlines()[-1])
    return {
        "interpreter_s": round(bare, 3),
        **{k: round(v, 3) if isinstance(v, float) else v for k, v in probe.items()},
        "process_s": round(total, 3),
    }


def fresh_analysis(song: Path, numba_dir: Path, runs: int) -> dict:
    """The analysis of `song` in a fresh process, imports and decoding included (no analysis cache):
    `python -m videojob analyze --audio SONG --json`, wall seconds from the process's start to its exit and
    its CPU seconds (user + system, os.wait4)."""
    env = {**os.environ, "NUMBA_CACHE_DIR": str(numba_dir)}
    env.pop("VIDEOJOB_CACHE_DIR", None)
    walls, cpus, answer = [], [], ""
    for _ in range(runs):
        started = time.perf_counter()
        process = subprocess.Popen(
            [sys.executable, "-m", "videojob", "analyze", "--audio", str(song), "--json"],
            env=env,
            stdout=subprocess.PIPE,
            text=True,
        )
        output = process.stdout.read()
        _, status, usage = os.wait4(process.pid, 0)
        walls.append(time.perf_counter() - started)
        cpus.append(usage.ru_utime + usage.ru_stime)
        process.stdout.close()
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            raise SystemExit(f"the fresh-process analysis of {song.name} failed")
        heard = json.loads(output)
        answer = f"{round(heard['bpm'], 2)} {len(heard['beat_times'])}"
    return {
        "song": song.name,
        "runs": [round(wall, 3) for wall in walls],
        "cpu_runs": [round(cpu, 3) for cpu in cpus],
        "median_s": _median(walls),
        "median_cpu_s": _median(cpus),
        "bpm_beats": answer,
    }


# What the job's process imports on its way (django.setup with the job's settings, the job, the work's
# modules), for `python -X importtime`.
_IMPORT_PATH = (
    "import os; os.environ['DJANGO_SETTINGS_MODULE'] = 'bachata.settings_job'; import django; "
    "django.setup(); import videojob.job; import videojob.pipeline"
)


def import_offenders(numba_dir: Path, top: int = 8) -> dict:
    """`python -X importtime` of the job's path: self time summed by top-level package (the heaviest
    `top`), and the total."""
    env = {**os.environ, "NUMBA_CACHE_DIR": str(numba_dir)}
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", _IMPORT_PATH], env=env, capture_output=True, text=True
    )
    by_package: dict[str, int] = {}
    for line in done.stderr.splitlines():
        parts = line.removeprefix("import time:").split("|")
        if len(parts) != 3 or not parts[0].strip().isdigit():
            continue
        package = parts[2].strip().split(".")[0]
        by_package[package] = by_package.get(package, 0) + int(parts[0])
    heaviest = sorted(by_package.items(), key=lambda item: -item[1])[:top]
    return {
        "total_s": round(sum(by_package.values()) / 1e6, 3),
        "packages": [[name, round(micros / 1e6, 3)] for name, micros in heaviest],
    }


# Which of the modules a job process loads have no up-to-date bytecode (a .pyc whose header matches the
# source), in a fresh process with the job's settings. With PYTHONDONTWRITEBYTECODE set (the job image sets
# it, and so may a developer's shell) Python compiles each of them from source in every process and never
# saves the result: ~0.6 s of CPU for Django & co. before `attempt_started`, and more for numpy.
_BYTECODE_PROBE = """
import importlib.util, json, os, sys
os.environ["DJANGO_SETTINGS_MODULE"] = os.environ.get("VIDEOJOB_SETTINGS_MODULE") or "bachata.settings_job"
import django
django.setup()
import videojob.job, videojob.pipeline, videojob.analysis, videojob.render, videojob.planner, soundfile, av

def compiled(source, cached):
    try:
        with open(cached, "rb") as handle:
            header = handle.read(16)
        if header[:4] != importlib.util.MAGIC_NUMBER:
            return False
        flags = int.from_bytes(header[4:8], "little")
        if flags & 1:  # hash-based: checked against the source only when flag 2 says so
            if not flags & 2:
                return True
            with open(source, "rb") as handle:
                return header[8:16] == importlib.util.source_hash(handle.read())
        stat = os.stat(source)
        return (int.from_bytes(header[8:12], "little") == int(stat.st_mtime) & 0xFFFFFFFF
                and int.from_bytes(header[12:16], "little") == stat.st_size & 0xFFFFFFFF)
    except OSError:
        return False

checked, missing = 0, []
for name, module in list(sys.modules.items()):
    spec = getattr(module, "__spec__", None)
    origin = getattr(spec, "origin", None) or ""
    if not origin.endswith(".py") or not getattr(spec, "cached", None):
        continue
    checked += 1
    if not compiled(origin, spec.cached):
        missing.append(origin)
print(json.dumps({"checked": checked, "missing": sorted(missing)}))
"""


def bytecode_check() -> dict:
    """The modules of the job's path (`checked`) and the source files among them without up-to-date
    bytecode (`missing`)."""
    done = subprocess.run([sys.executable, "-c", _BYTECODE_PROBE], check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def ensure_bytecode() -> dict:
    """Compile what the job's path lacks, as `make install` (uv sync --compile-bytecode, compileall) and the
    job image do, so that the figures are those of a deployment, not of an environment that compiles from
    source in every process; say how many there were."""
    import py_compile

    found = bytecode_check()
    compiled = 0
    for source in found["missing"]:
        with contextlib.suppress(py_compile.PyCompileError, OSError):
            py_compile.compile(source, doraise=True)
            compiled += 1
    after = bytecode_check() if found["missing"] else found
    return {
        "checked": found["checked"],
        "missing_before": len(found["missing"]),
        "compiled": compiled,
        "missing_after": len(after["missing"]),
        "examples": found["missing"][:5],
    }


def ingest_once(library_dir: Path, target: Path):
    """The library ingested into `target` (clips unchanged since an earlier run are reused); returns it and
    a note with the one-time ingest cost, remembered from the run that did the work."""
    from videojob.__main__ import available_cores
    from videojob.ingest import ingest_library, terminal_progress
    from videojob.library import load_move_library

    record = target / "bench-ingest.json"
    jobs = available_cores()
    report = ingest_library(library_dir, target, progress=terminal_progress(), jobs=jobs)
    fresh = len(report.documents) - report.reused
    earlier = json.loads(record.read_text()) if record.exists() else None
    if fresh and (earlier is None or fresh >= earlier["clips"]):  # keep the run that did the most work
        record.write_text(
            json.dumps(
                {
                    "seconds": round(report.seconds, 1),
                    "clips": fresh,
                    "at": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
                    "load_average": load_average(),
                    "jobs": jobs,
                }
            )
        )
    note = f"this run reused {report.reused} clips and ingested {fresh} in {report.seconds:.1f} s"
    if record.exists():
        done = json.loads(record.read_text())
        if done["clips"] != fresh or report.reused:
            note = (
                f"{done['clips']} clips ingested in {done['seconds']:.0f} s on {done['at']} ("
                f"{done.get('jobs', 1)} worker(s), load average {done['load_average']}); {note}"
            )
    skipped = "; ".join(f"{item.clip_id} ({item.reason})" for item in report.skipped)
    return load_move_library(target), note, skipped


def duplicate_clip_ids(index_path: Path) -> dict[str, list[str]]:
    """Clip ids that more than one clip of the index carries (the planner and the renderer look clips up by
    id, so such a segment may be planned on one clip's beat grid and cut from the other)."""
    from videojob.library import read_index

    paths: dict[str, list[str]] = {}
    for document in read_index(index_path)["embeddings"]:
        paths.setdefault(document["clip_id"], []).append(document.get("source_video_path", "?"))
    return {clip_id: found for clip_id, found in paths.items() if len(found) > 1}


def directory_mb(path: Path) -> float:
    return round(sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 1e6, 1)


# ---------------------------------------------------------------------------------------------- machine


def machine_facts() -> dict:
    from importlib.metadata import PackageNotFoundError, version

    import av

    def installed(name: str) -> str:
        try:
            return version(name)
        except PackageNotFoundError:
            return "not installed"

    cpu = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory_gb = None
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory_gb = round(int(line.split()[1]) / 1024 / 1024, 1)
    return {
        "nproc": len(os.sched_getaffinity(0)),
        "cpu": cpu,
        "memory_gb": memory_gb,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "av": av.__version__,
        "ffmpeg": ".".join(str(part) for part in av.library_versions.get("libavcodec", ())),
        "librosa": installed("librosa"),
        "numba": installed("numba"),
    }


def load_average() -> str:
    return " ".join(f"{value:.1f}" for value in os.getloadavg())


# ---------------------------------------------------------------------------------------------- report


def _median(values: list[float]) -> float:
    return round(statistics.median(values), 3) if values else float("nan")


def summarise(report: dict) -> dict:
    cold = report["cold"]
    warm_new = report["warm_new_song"]
    warm_seen = report["warm_seen_song"]
    legacy = report["legacy"]
    warm_e2e = _median([run["end_to_end_s"] for run in warm_new])
    warm_wav = report.get("warm_wav_song") or []
    wav_e2e = _median([run["end_to_end_s"] for run in warm_wav]) if warm_wav else None
    legacy_wall = _median([run["wall_s"] for run in legacy])
    render_new = _median([run["stages"].get("generating", 0.0) for run in warm_new])
    rss = max(run["peak_rss_mb"] for run in [cold, *warm_new, *warm_wav, *warm_seen])
    warm_runs = [*warm_new, *warm_wav, *warm_seen]
    startup = _median([run["stages"].get("startup", 0.0) for run in warm_runs])
    warm_probe = report["startup"]["warm_numba_cache"]
    imports = sum(
        warm_probe.get(name, 0.0)
        for name in ("interpreter_s", "django_setup_s", "job_imports_s", "work_imports_s")
    )
    analysis = report.get("fresh_analysis", {}).get("median_s")
    analysis_cpu = report.get("fresh_analysis", {}).get("median_cpu_s")
    return {
        "cold_s": cold["end_to_end_s"],
        "warm_new_song_s": warm_e2e,
        "warm_wav_song_s": wav_e2e,
        "warm_seen_song_s": _median([run["end_to_end_s"] for run in warm_seen]),
        "legacy_s": legacy_wall,
        "speedup": round(legacy_wall / warm_e2e, 1),
        "speedup_render": round(legacy_wall / render_new, 1) if render_new else None,
        "generating_s": render_new,
        "startup_s": startup,
        "fresh_analysis_s": analysis,
        "fresh_analysis_cpu_s": analysis_cpu,
        "fresh_process_imports_s": round(imports, 3),
        "peak_rss_mb": rss,
        "legacy_peak_rss_mb": max(run["peak_rss_mb"] for run in legacy),
        "cold_extra_s": round(cold["end_to_end_s"] - warm_e2e, 3),
        "targets": {
            "warm_end_to_end": warm_e2e <= TARGET_WARM_SECONDS,
            "warm_wav_end_to_end": wav_e2e is None or wav_e2e <= TARGET_WAV_SECONDS,
            "speedup": legacy_wall / warm_e2e >= TARGET_SPEEDUP,
            "startup": startup <= TARGET_STARTUP_SECONDS,
            "analysis": analysis is not None and analysis <= TARGET_ANALYSIS_SECONDS,
            "cold": cold["end_to_end_s"] <= TARGET_COLD_SECONDS,
            "peak_rss": rss <= TARGET_RSS_MB,
        },
    }


def _row(label: str, run: dict) -> str:
    stages = run["stages"]
    cells = [stages.get(name) for name in ("launch", "startup", *STAGES)]
    initializing = stages.get("initializing", 0.0)
    return (
        f"| {label} | **{run['end_to_end_s']:.2f}** | "
        + " | ".join("" if value is None else f"{value:.2f}" for value in cells[:2])
        + f" | {initializing:.2f} | "
        + " | ".join("" if value is None else f"{value:.2f}" for value in cells[2:])
        + f" | {run['process_exit_s'] - run['end_to_end_s']:.2f} | {run['peak_rss_mb']:.0f} | {run['cpu_s']:.1f} "
        f"| {run['load_1m']:.1f} |"
    )


def markdown(report: dict, summary: dict, command: str) -> str:
    facts = report["machine"]
    lines = [
        DOCS_SECTION,
        "",
        f"### {report['started_at'][:16].replace('T', ' ')} UTC, written by the script",
        "",
        "    " + command,
        "",
        f"{facts['nproc']} cores (`nproc`), {facts['cpu']}, {facts['memory_gb']} GB RAM; Python {facts['python']}, "
        f"PyAV {facts['av']} (libavcodec {facts['ffmpeg']}), librosa {facts['librosa']}, numba {facts['numba']}; "
        f"PostgreSQL {report['postgres']} ({report['database']}). Load average (1, 5, 15 min) at the start "
        f"{report['load_start']}, at the end {report['load_end']}: the machine is shared, read the spread."
        + (
            " **This run was under heavy load from other work** (more than twice as many runnable processes as "
            "cores): its wall figures are several times their idle values; the CPU column (the job process's "
            "own user + system time) is closer to the work done."
            if float(report["load_start"].split()[0]) > 2 * facts["nproc"]
            else ""
        ),
        "",
        f"Library: {report['library']['clips']} clips of `{report['library']['source']}`"
        + (f" (skipped: {report['library']['skipped']})" if report["library"]["skipped"] else "")
        + f", ingested beforehand, not in the measured path: {report['library']['ingest']}. "
        + "".join(
            f"Clip id `{clip_id}` is carried by {len(paths)} clips ({', '.join(paths)}): a segment planned on "
            "one of them and cut from the other is not on a keyframe and is re-encoded (a generating stage of "
            "~1 s instead of ~0.3 s), and shows the other clip. "
            for clip_id, paths in report["library"].get("duplicate_ids", {}).items()
        )
        + "Songs: "
        + "; ".join(
            f"{name} `{song['file']}` ({song['codec']}, {song['seconds']:.0f} s, {song['bytes'] / 1e6:.1f} MB)"
            for name, song in report["songs"].items()
        )
        + f". Request: difficulty intermediate, energy medium, no style; {report['runs']} run(s) per warm row.",
        "",
        "Wall seconds. End to end = `generation_start` (what POST /api/choreography/generate calls: task "
        "created through the ledger, the local launcher starting `python -m videojob` on commit) until a poll "
        f"every {POLL_SECONDS * 1000:.0f} ms sees the task completed. Steps from the task's event timeline: "
        "launch = request to `launched`; startup = `launched` to `attempt_started` (new process: "
        "interpreter, imports, django.setup); init = to the first progress; then each stage from its first "
        "progress event to the next; exit = completed seen to the process gone. Peak RSS: VmHWM of the job "
        "process (its own memory's high-water mark; `ru_maxrss` would include the bench process's, "
        "inherited at the vfork); CPU: os.wait4.",
        "",
        "| run | end to end | launch | startup | init | downloading | analyzing | selecting | generating "
        "| finalizing | exit | peak RSS MB | CPU s | load |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        _row("cold: empty numba cache, empty analysis cache, song A", report["cold"]),
    ]
    for number, run in enumerate(report["warm_new_song"], start=1):
        lines.append(_row(f"warm {number}: numba cache warm, song B never analysed", run))
    for number, run in enumerate(report.get("warm_wav_song") or [], start=1):
        lines.append(
            _row(f"warm {number}: numba cache warm, song C (WAV: encoded to AAC) never analysed", run)
        )
    for number, run in enumerate(report["warm_seen_song"], start=1):
        lines.append(_row(f"warm {number}: song A again (analysis cache hit)", run))
    lines += [
        "",
        "Inside the job (its own `timings`, seconds): "
        + "; ".join(
            f"{label} " + ", ".join(f"{name} {value:.2f}" for name, value in run["job_timings"].items())
            for label, run in [
                ("cold", report["cold"]),
                ("warm new song", report["warm_new_song"][0]),
                ("warm seen song", report["warm_seen_song"][0]),
            ]
        )
        + f". Output: {report['warm_new_song'][0]['duration_s']:.1f} s of video, "
        f"{report['warm_new_song'][0]['moves_count']} clip slots.",
        "",
        "Legacy method, same run, song B and the first warm run's clip slots: each slot's original clip "
        f"decoded from its start, scaled to {LEGACY_SIZE[0]}x{LEGACY_SIZE[1]}, encoded (libx264 ultrafast, "
        f"{LEGACY_FPS} fps as the legacy app wrote) into one stream, song audio "
        f"{report['legacy'][0]['audio']} — leaner than the legacy app (no MoviePy, no RGB piping, no "
        "audio re-encode), so the speed-up is a lower bound. Its own process:",
        "",
        "| run | wall s | render s | peak RSS MB | CPU s | frames | output MB | load |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for number, run in enumerate(report["legacy"], start=1):
        lines.append(
            f"| legacy {number} | **{run['wall_s']:.2f}** | {run['render_s']:.2f} | {run['peak_rss_mb']:.0f} | "
            f"{run['cpu_s']:.1f} | {run['frames']} | {run['output_mb']} | {run['load_1m']:.1f} |"
        )
    startup = report["startup"]
    cold_probe, warm_probe = startup["empty_numba_cache"], startup["warm_numba_cache"]
    lines += [
        "",
        "One-time costs of a fresh job process, step by step (separate processes, seconds; django.setup with "
        "the job's settings, `bachata.settings_job`):",
        "",
        "| numba cache | interpreter | django.setup | job imports (to `attempt_started`) | the work's modules "
        "| first 20 s analysis | a repeat | modules the analysis loaded |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for label, probe in (("empty", cold_probe), ("warm", warm_probe)):
        lines.append(
            f"| {label} | {probe['interpreter_s']:.2f} | {_with_cpu(probe, 'django_setup')} | "
            f"{_with_cpu(probe, 'job_imports')} | {_with_cpu(probe, 'work_imports')} | "
            f"{_with_cpu(probe, 'first_analysis')} | {_with_cpu(probe, 'second_analysis')} | "
            f"{', '.join(probe.get('loaded') or []) or 'none of librosa, numba, scipy.signal, sklearn'} |"
        )
    lines += ["", "(In brackets: CPU seconds of the same step, user + system.) " + _bytecode_note(report)]
    fresh = report.get("fresh_analysis")
    if fresh:
        cpu = (
            f"; CPU {', '.join(f'{run:.2f}' for run in fresh['cpu_runs'])} s, median "
            f"{fresh['median_cpu_s']:.2f} s"
            if fresh.get("cpu_runs")
            else ""
        )
        lines += [
            "",
            f"The analysis of song B (`{fresh['song']}`, 3 minutes) in a fresh process (`python -m videojob "
            "analyze --audio SONG --json`), interpreter, imports and decoding included, no analysis cache: "
            f"{', '.join(f'{run:.2f}' for run in fresh['runs'])} s (median **{fresh['median_s']:.2f} s**{cpu}; "
            f"BPM and beats found: {fresh['bpm_beats']}).",
        ]
    offenders = report.get("import_offenders")
    if offenders:
        lines += [
            "",
            "`python -X importtime` of the job's path (django.setup with the job's settings, `videojob.job`, "
            f"the work's modules), self time by top-level package, total {offenders['total_s']:.2f} s: "
            + ", ".join(f"{name} {seconds:.2f}" for name, seconds in offenders["packages"])
            + " (importtime's own overhead inflates these).",
        ]
    lines += [
        "",
        "#### Where the warm time goes",
        "",
        _where_the_time_goes(report, summary),
        "",
        "Changed for speed (issue 13, same outputs, same tests): the job runs with settings of its own "
        "(`bachata.settings_job`: no admin, sessions, DRF, JWT, CORS or OpenAPI), imports numpy, PyAV and the "
        "analysis only once `attempt_started` is recorded, and no longer imports DRF through the API's services; "
        "`make install` compiles bytecode as the job image does (with PYTHONDONTWRITEBYTECODE set, every job "
        "process compiled Django & co. from source); the benchmark polls every "
        f"{POLL_SECONDS * 1000:.0f} ms; the script checks the bytecode of the job's path first. The analysis: a "
        "stereo song downmixed without numpy's per-row mean, PyAV imported only for what soundfile cannot read, "
        "the STFT in cache-sized blocks, spectral contrast sorted frame-major, mel bands as banded products. "
        "Earlier: one STFT for every spectral feature, the sections' clustering "
        "without scikit-learn, a WAV song's AAC encoding with FFmpeg's fast coder alongside the analysis.",
        "",
        "#### Against the targets",
        "",
        _verdict(
            summary["targets"]["warm_end_to_end"],
            f"≤ {TARGET_WARM_SECONDS:.1f} s end to end (median), an MP3 song never analysed, warm caches",
            f"median {summary['warm_new_song_s']:.2f} s; {summary['warm_seen_song_s']:.2f} s for a song analysed "
            "before",
        ),
        _verdict(
            summary["targets"]["warm_wav_end_to_end"],
            f"≤ {TARGET_WAV_SECONDS:.1f} s for a WAV song",
            "median "
            + (
                f"{summary['warm_wav_song_s']:.2f} s (its AAC encoding included)"
                if summary.get("warm_wav_song_s") is not None
                else "not measured (--song given)"
            ),
        ),
        _verdict(
            summary["targets"]["speedup"],
            f"≥ {TARGET_SPEEDUP:.0f}x the legacy method, same run",
            f"{summary['legacy_s']:.2f} s against {summary['warm_new_song_s']:.2f} s end to end: "
            f"**{summary['speedup']:.1f}x** (the video assembly alone: {summary['speedup_render']:.0f}x)",
        ),
        _verdict(
            summary["targets"]["startup"],
            f"a fresh job process reaches `attempt_started` in ≤ {TARGET_STARTUP_SECONDS:.1f} s",
            f"median {summary['startup_s']:.2f} s from `launched` to `attempt_started` over the warm runs",
        ),
        _verdict(
            summary["targets"]["analysis"],
            f"the analysis of a 3-minute song in a fresh process, imports included, ≤ {TARGET_ANALYSIS_SECONDS:.1f} s",
            f"median {summary['fresh_analysis_s']:.2f} s"
            + (
                f" (CPU {summary['fresh_analysis_cpu_s']:.2f} s)"
                if summary.get("fresh_analysis_cpu_s") is not None
                else ""
            )
            if summary.get("fresh_analysis_s") is not None
            else "not measured",
        ),
        _verdict(
            summary["targets"]["cold"],
            f"cold start (empty caches, a new image without its build-time warm-up) ≤ {TARGET_COLD_SECONDS:.0f} s",
            f"{summary['cold_s']:.2f} s end to end, {summary['cold_extra_s']:.2f} s more than warm; the first 20 s "
            f"analysis of a fresh process takes {cold_probe['first_analysis_s']:.2f} s with an empty numba cache "
            f"against {warm_probe['first_analysis_s']:.2f} s with a warm one ({startup['numba_cache_mb']} MB). "
            "The job image warms its caches at build time (videojob/Dockerfile), so a fresh execution pays the "
            "warm figures",
        ),
        _verdict(
            summary["targets"]["peak_rss"],
            f"peak RSS ≤ {TARGET_RSS_MB:.0f} MB",
            f"the job process peaked at {summary['peak_rss_mb']:.0f} MB (highest of all runs); the legacy "
            f"method at {summary['legacy_peak_rss_mb']:.0f} MB",
        ),
        "",
    ]
    return "\n".join(lines)


def _with_cpu(probe: dict, step: str) -> str:
    cpu = probe.get(f"{step}_cpu_s")
    return f"{probe[f'{step}_s']:.2f}" + (f" ({cpu:.2f})" if cpu is not None else "")


def _bytecode_note(report: dict) -> str:
    bytecode = report.get("bytecode")
    if not bytecode:
        return "Bytecode of the job's path: not checked."
    if not bytecode["missing_before"]:
        return f"Bytecode: all {bytecode['checked']} modules of the job's path had theirs, up to date."
    return (
        f"Bytecode: {bytecode['missing_before']} of the {bytecode['checked']} modules of the job's path had none "
        f"up to date (e.g. {', '.join(Path(path).name for path in bytecode['examples'][:3])}); the script "
        f"compiled {bytecode['compiled']} before measuring, as `make install` and the job image do "
        f"({bytecode['missing_after']} left): with PYTHONDONTWRITEBYTECODE set, every job process would "
        "otherwise compile them from source."
    )


def _where_the_time_goes(report: dict, summary: dict) -> str:
    """The warm median split into its parts, from this run's timeline and start-up probe."""
    runs = report["warm_new_song"]

    def median_stage(name: str) -> float:
        return _median([run["stages"].get(name, 0.0) for run in runs])

    probe = report["startup"]["warm_numba_cache"]
    # the run whose end to end is the median, split into its own steps (medians of steps do not add up)
    middle = sorted(runs, key=lambda run: run["end_to_end_s"])[len(runs) // 2]
    stages = middle["stages"]
    rest = middle["end_to_end_s"] - sum(stages.values())
    return (
        f"Warm, MP3 song never analysed, the median run ({middle['end_to_end_s']:.2f} s, CPU "
        f"{middle['cpu_s']:.1f} s): launch {stages.get('launch', 0):.2f}, startup {stages.get('startup', 0):.2f} "
        f"(in the probe: interpreter {probe['interpreter_s']:.2f}, django.setup {probe['django_setup_s']:.2f}, "
        f"the job's imports {probe['job_imports_s']:.2f}), init + downloading "
        f"{stages.get('initializing', 0) + stages.get('downloading', 0):.2f} (the work's modules are imported "
        f"between `attempt_started` and the analysis: {probe['work_imports_s']:.2f} in the probe), analyzing "
        f"{stages.get('analyzing', 0):.2f}, selecting {stages.get('selecting', 0):.2f}, generating "
        f"{stages.get('generating', 0):.2f}, finalizing {stages.get('finalizing', 0):.2f} (upload, collection, "
        f"result), the poll seeing `completed` {rest:.2f}. Medians over the runs: startup "
        f"{median_stage('startup'):.2f}, analyzing {median_stage('analyzing'):.2f}, generating "
        f"{median_stage('generating'):.2f}."
    )


def _verdict(met: bool, target: str, detail: str) -> str:
    return f"- **{target}: {'met' if met else 'missed'}** — {detail}."


def write_docs(section: str, path: Path) -> None:
    """Replace the "Video job (end to end)" section of docs/benchmarks.md (up to the next `## ` heading),
    or append it."""
    text = path.read_text() if path.exists() else ""
    lines = text.splitlines()
    start = next((i for i, line in enumerate(lines) if line.strip() == DOCS_SECTION), None)
    if start is None:
        updated = text.rstrip("\n") + "\n\n" + section.rstrip("\n") + "\n"
    else:
        end = next(
            (i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")),
            len(lines),
        )
        kept_after = "\n".join(lines[end:])
        updated = "\n".join(lines[:start]) + "\n" + section.rstrip("\n") + "\n"
        if kept_after:
            updated += "\n" + kept_after + "\n"
    path.write_text(updated)


def print_table(report: dict, summary: dict) -> None:
    print(
        f"\n{'run':<44} {'e2e s':>7} {'startup':>7} {'dl':>5} {'analyze':>7} {'select':>6} {'generate':>8} "
        f"{'final':>5} {'RSS MB':>7}"
    )
    rows = [("cold", report["cold"])]
    rows += [(f"warm, new song #{n}", run) for n, run in enumerate(report["warm_new_song"], 1)]
    rows += [(f"warm, new WAV song #{n}", run) for n, run in enumerate(report.get("warm_wav_song") or [], 1)]
    rows += [(f"warm, song analysed before #{n}", run) for n, run in enumerate(report["warm_seen_song"], 1)]
    for label, run in rows:
        stages = run["stages"]
        print(
            f"{label:<44} {run['end_to_end_s']:>7.2f} {stages.get('startup', 0):>7.2f} "
            f"{stages.get('downloading', 0):>5.2f} {stages.get('analyzing', 0):>7.2f} "
            f"{stages.get('selecting', 0):>6.2f} {stages.get('generating', 0):>8.2f} "
            f"{stages.get('finalizing', 0):>5.2f} {run['peak_rss_mb']:>7.0f}"
        )
    for number, run in enumerate(report["legacy"], 1):
        print(f"{f'legacy #{number}':<44} {run['wall_s']:>7.2f} {'':>46} {run['peak_rss_mb']:>7.0f}")
    met = summary["targets"]

    def verdict(name: str) -> str:
        return "met" if met[name] else "MISSED"

    print(
        f"\nwarm MP3 median {summary['warm_new_song_s']:.2f} s (<= {TARGET_WARM_SECONDS}: {verdict('warm_end_to_end')})"
        + (f", WAV {summary['warm_wav_song_s']:.2f} s" if summary.get("warm_wav_song_s") else "")
        + f" (<= {TARGET_WAV_SECONDS}: {verdict('warm_wav_end_to_end')}); speed-up {summary['speedup']:.1f}x "
        f"(>= {TARGET_SPEEDUP:.0f}x: {verdict('speedup')}); attempt_started {summary['startup_s']:.2f} s "
        f"(<= {TARGET_STARTUP_SECONDS}: {verdict('startup')}); fresh analysis "
        f"{summary['fresh_analysis_s'] or float('nan'):.2f} s (<= {TARGET_ANALYSIS_SECONDS}: {verdict('analysis')}); "
        f"cold {summary['cold_s']:.2f} s (<= {TARGET_COLD_SECONDS:.0f}: {verdict('cold')}); peak RSS "
        f"{summary['peak_rss_mb']:.0f} MB (<= {TARGET_RSS_MB:.0f}: {verdict('peak_rss')})"
    )


# ---------------------------------------------------------------------------------------------- main


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--library",
        type=Path,
        default=DEFAULT_LIBRARY,
        help="the raw move library (annotations.json + clips); default $MOVELIB_DIR or ../shared/movelib",
    )
    parser.add_argument("--song", type=Path, help="a song to use (default: two generated 3-minute songs)")
    parser.add_argument("--runs", type=int, default=2, help="runs of each warm row and of the legacy method")
    parser.add_argument(
        "--work-dir", type=Path, default=DEFAULT_WORK_DIR, help="ingested library, songs, caches"
    )
    parser.add_argument("--write-docs", action="store_true", help="update the section in docs/benchmarks.md")
    parser.add_argument("--json", type=Path, help="also write the results to this JSON file")
    parser.add_argument(
        "--from-json",
        type=Path,
        help="measure nothing: print (or, with --write-docs, write) the section of a run saved with --json",
    )
    parser.add_argument("--legacy-worker", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    return args


def check_library(library: Path) -> str | None:
    """None when `library` is a raw move library, else why not (said plainly)."""
    if not (library / "annotations.json").is_file():
        return (
            f"the move library is not at {library} (no annotations.json). Pass --library DIR or set "
            "MOVELIB_DIR to the folder of the real library (../shared/movelib beside the repository)."
        )
    return None


def main(argv: list[str] | None = None) -> int:
    # a benchmark is a local run: without DJANGO_SECRET_KEY its processes make the local key (docs/security.md)
    os.environ.setdefault("BACHATA_LOCAL_RUN", "1")
    args = parse_args(argv)
    if args.legacy_worker:
        print(json.dumps(legacy_render(json.loads(args.legacy_worker.read_text()))))
        return 0
    if args.from_json:
        report = json.loads(args.from_json.read_text())
        return publish(report, summarise(report), report["command"], args.write_docs)
    problem = check_library(args.library)
    if problem:
        print(f"job_bench: {problem}", file=sys.stderr)
        return 2
    if args.song is not None and not args.song.is_file():
        print(f"job_bench: no such song {args.song}", file=sys.stderr)
        return 2
    command = "uv run python bench/job_bench.py " + " ".join(argv if argv is not None else sys.argv[1:])
    if os.environ.get("DATABASE_URL"):
        command = f"DATABASE_URL={os.environ['DATABASE_URL']} {command}"
    work = args.work_dir.resolve()
    started = datetime.now(UTC)
    load_start = load_average()

    print(f"ingesting {args.library} (once; reused afterwards)...", file=sys.stderr, flush=True)
    library, ingest_note, skipped_clips = ingest_once(args.library, work / "library")
    index_path = library.index_path

    songs_dir = work / "songs"
    songs: dict[str, Path] = {}
    if args.song is not None:
        songs["A"] = songs["B"] = args.song.resolve()
    else:
        songs["A"] = make_song(songs_dir / "bench_song_a_128bpm.mp3", bpm=128.0, seed=7)
        songs["B"] = make_song(songs_dir / "bench_song_b_132bpm.mp3", bpm=132.0, seed=8)
        # an upload in a format MP4 cannot carry: its AAC encoding is part of the job
        songs["C"] = make_song(songs_dir / "bench_song_c_124bpm.wav", bpm=124.0, seed=21)
    song_b = songs["B"]

    run_dir = work / "run"
    shutil.rmtree(run_dir, ignore_errors=True)
    media = run_dir / "media"
    os.environ.update(
        DJANGO_SETTINGS_MODULE="bachata.settings",
        DJANGO_DEBUG="0",
        STORAGE_BACKEND="local",
        MEDIA_ROOT=str(media),
        JOB_LAUNCHER="bachata.choreography.local_launcher.LocalJobLauncher",
        JOB_LOG_DIR=str(run_dir / "logs"),
        # other local jobs on a shared machine must not queue ours behind them
        LOCAL_JOB_MAX_CONCURRENCY="64",
        VIDEOJOB_LIBRARY=str(index_path.parent),
        # the move index the planner asks: the library's own documents (as `moves_index_load` would load)
        MOVE_INDEX="local",
        MOVE_INDEX_PATH=str(index_path),
        LOG_LEVEL="WARNING",
    )
    # as in the job image (videojob/Dockerfile): numba's cache holds portable code, built on another host
    os.environ.setdefault("NUMBA_CPU_NAME", "generic")
    song_keys = {}
    for name, song in songs.items():
        key = f"songs/{song.name}"
        (media / key).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(song, media / key)
        song_keys[name] = key

    with bench_database() as (url, database_kind):
        os.environ["DATABASE_URL"] = url
        print("migrating...", file=sys.stderr, flush=True)
        subprocess.run(
            [sys.executable, str(BACKEND / "manage.py"), "migrate", "--noinput", "-v", "0"], check=True
        )
        import django

        django.setup()
        from bachata.users.models import User

        # a user of its own per run: tasks an interrupted run left active must not count against this one
        name = f"job-bench-{started:%Y%m%d%H%M%S}"
        user = User.objects.create(username=name, email=f"{name}@example.com", password="!")
        numba_dir = run_dir / "numba-cache"
        report: dict = {
            "started_at": started.isoformat(timespec="seconds"),
            "command": command,
            "machine": machine_facts(),
            "postgres": postgres_version(url),
            "database": database_kind,
            "load_start": load_start,
            "library": {
                "source": str(args.library),
                "clips": len(library.moves),
                "ingest": ingest_note,
                "skipped": skipped_clips,
                "duplicate_ids": duplicate_clip_ids(index_path),
            },
            "songs": {name: audio_facts(song) for name, song in songs.items()},
            "runs": args.runs,
        }
        report["bytecode"] = ensure_bytecode()
        if report["bytecode"]["missing_before"]:
            print(
                f"  bytecode: {report['bytecode']['missing_before']} of {report['bytecode']['checked']} modules "
                f"of the job's path had none up to date; compiled {report['bytecode']['compiled']} (as make "
                "install does)",
                file=sys.stderr,
                flush=True,
            )
        print("start-up probes...", file=sys.stderr, flush=True)
        probe_dir = run_dir / "probe-numba-cache"
        startup = {"empty_numba_cache": startup_probe(probe_dir)}
        startup["warm_numba_cache"] = startup_probe(probe_dir)
        startup["numba_cache_mb"] = directory_mb(probe_dir)
        report["fresh_analysis"] = fresh_analysis(song_b, probe_dir, max(3, args.runs))
        print(f"  fresh-process analysis: {report['fresh_analysis']}", file=sys.stderr, flush=True)
        report["import_offenders"] = import_offenders(probe_dir)

        print("job runs...", file=sys.stderr, flush=True)
        report["cold"] = run_job(
            user, song_keys["A"], label="cold", numba_dir=numba_dir, cache_dir=run_dir / "cache-cold"
        )
        report["warm_new_song"] = []
        for number in range(1, args.runs + 1):
            cache = run_dir / f"cache-new-{number}"
            report["warm_new_song"].append(
                run_job(
                    user,
                    song_keys["B"],
                    label=f"warm new song #{number}",
                    numba_dir=numba_dir,
                    cache_dir=cache,
                )
            )
        report["warm_wav_song"] = [
            run_job(
                user,
                song_keys["C"],
                label=f"warm new WAV song #{number}",
                numba_dir=numba_dir,
                cache_dir=run_dir / f"cache-wav-{number}",
            )
            for number in range(1, args.runs + 1)
            if "C" in song_keys
        ]
        report["warm_seen_song"] = [
            run_job(
                user,
                song_keys["A"],
                label=f"warm song analysed before #{number}",
                numba_dir=numba_dir,
                cache_dir=run_dir / "cache-cold",
            )
            for number in range(1, args.runs + 1)
        ]
        from django.db import connections

        connections.close_all()

    print("legacy method...", file=sys.stderr, flush=True)
    spec = legacy_spec(
        report["warm_new_song"][0]["moves"], index_path, args.library, song_b, run_dir / "legacy.mp4"
    )
    report["legacy"] = [run_legacy(spec, run_dir, f"legacy #{n}") for n in range(1, args.runs + 1)]
    report["startup"] = startup
    report["load_end"] = load_average()
    summary = summarise(report)
    report["summary"] = summary

    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=2, default=str) + "\n")
    return publish(report, summary, command, args.write_docs)


def publish(report: dict, summary: dict, command: str, to_docs: bool) -> int:
    print_table(report, summary)
    section = markdown(report, summary, command)
    if to_docs:
        write_docs(section, REPO / "docs" / "benchmarks.md")
        print("\nwrote the section to docs/benchmarks.md", file=sys.stderr)
    else:
        print("\n" + section)
    return 0


if __name__ == "__main__":
    sys.exit(main())
