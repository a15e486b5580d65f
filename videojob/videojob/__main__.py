"""`python -m videojob`: the job entry point and developer subcommands.

python -m videojob                      # job mode (Cloud Run / local launcher): configured by environment
python -m videojob ingest --library DIR --out DIR [--pose] [--jobs N]
python -m videojob analyze --audio SONG [--json]   # what the job hears: tempo, beats, bars, 8-counts
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

JOB_SETTINGS_MODULE = "bachata.settings_job"

# numpy's OpenBLAS on one thread unless told otherwise (read when numpy loads, so before any import of it):
# the analysis's matrix products are small, a second BLAS thread made the analysis of a 3-minute song no
# faster but cost ~0.3 s more CPU (its threads spin between products), on 2 cores shared with the job's
# own FFmpeg work. One thread also keeps the sums in one order from run to run.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")


def run_job_from_environment() -> None:
    """Run one choreography task configured by the environment (TASK_ID, AUDIO_INPUT, ...); see job.py."""
    import logging

    # the job's own settings (bachata.settings_job: the API's without the API), not the API's that the
    # local launcher's environment carries in DJANGO_SETTINGS_MODULE
    os.environ["DJANGO_SETTINGS_MODULE"] = os.environ.get("VIDEOJOB_SETTINGS_MODULE") or JOB_SETTINGS_MODULE
    logging.basicConfig(
        level=os.environ.get("LOG_LEVEL", "INFO"), format="%(asctime)s %(levelname)s %(message)s"
    )
    import django

    django.setup()
    from videojob.job import run_job
    from videojob.job_config import JobConfig, JobConfigError

    try:
        config = JobConfig.from_environment()
    except JobConfigError as exc:
        _record_configuration_error(os.environ.get("TASK_ID", ""), str(exc))
        raise SystemExit(0) from None  # permanent: another attempt would read the same variables
    code = run_job(config)
    if not config.on_cloud_run:
        from bachata.choreography.launcher import job_dispatch_queued

        job_dispatch_queued()  # this worker is free now: start a task that waits for one
    raise SystemExit(code)


def _record_configuration_error(task_id: str, message: str) -> None:
    from bachata.choreography.ledger.append import task_event_append
    from bachata.choreography.ledger.errors import LedgerError

    print(message, file=sys.stderr)
    if len(task_id) != 36:
        return  # no task to tell
    try:
        task_event_append(task_id, "failed", {"error": message, "retryable": False}, actor="job")
    except LedgerError as exc:
        print(f"could not record it on task {task_id}: {exc.message}", file=sys.stderr)


def _ingest(arguments: argparse.Namespace) -> int:
    from videojob.ingest import CanonicalVideoFormat, ingest_library, terminal_progress
    from videojob.pose import PoseUnavailable

    video_format = CanonicalVideoFormat.for_height(arguments.height) if arguments.height else None
    try:
        report = ingest_library(
            arguments.library,
            arguments.out,
            video_format=video_format,
            clip_ids=arguments.only or None,
            limit=arguments.limit,
            progress=None if arguments.quiet else terminal_progress(),
            pose=arguments.pose,
            jobs=arguments.jobs,
        )
    except PoseUnavailable as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(
        f"ingested {len(report.documents)} clips ({report.reused} reused), skipped {len(report.skipped)} "
        f"in {report.seconds:.1f} s; index: {report.index_path}"
    )
    for video_path, clip_id in report.renamed.items():
        print(f"  {video_path}: its clip id is used by an earlier clip; indexed as {clip_id}")
    for skipped in report.skipped:
        print(f"  skipped {skipped.clip_id} ({skipped.video_path}): {skipped.reason}")
    return 0 if report.documents else 1


def _render(arguments: argparse.Namespace) -> int:
    from videojob.ingest import print_progress
    from videojob.library import LibraryError
    from videojob.move_search import MoveIndexUnavailable
    from videojob.pipeline import default_cache_dir, make_choreography, resolve_library
    from videojob.planner import PlanningError, PlanRequest
    from videojob.render import RenderError

    cache_dir = arguments.cache_dir or default_cache_dir()
    thumbnail = arguments.thumbnail or arguments.out.with_suffix(".jpg")
    try:
        request = PlanRequest(
            difficulty=arguments.difficulty,
            energy_level=arguments.energy_level,
            style=arguments.style,
            seed=arguments.seed,
        )
        library = resolve_library(arguments.library, cache_dir, progress=print_progress)
        print(f"library: {len(library.moves)} moves from {library.index_path.parent}")
        result = make_choreography(
            arguments.audio,
            arguments.out,
            library,
            request,
            thumbnail_path=thumbnail,
            cache_dir=cache_dir,
            on_stage=lambda stage: print(f"... {stage}", file=sys.stderr, flush=True),
        )
    except (PlanningError, RenderError, LibraryError, MoveIndexUnavailable, ValueError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    plan = result.plan
    print(f"\nplan ({len(plan.segments)} segments, seed {request.seed}):")
    print(f"  {'song time':>17}  {'clip':<28} {'label':<12} {'clip time':>15}  {'rate':>5}  phrases")
    for segment in plan.segments:
        holds = ""
        if segment.hold_before or segment.hold_after:
            holds = f"  (hold {segment.hold_before:.2f}s before, {segment.hold_after:.2f}s after)"
        print(
            f"  {segment.song_start:7.2f}-{segment.song_end:7.2f} s  {segment.clip_id:<28} {segment.move_label:<12} "
            f"{segment.clip_start:6.2f}-{segment.clip_end:6.2f} s  {segment.rate:5.3f}  {segment.phrase_count}{holds}"
        )
    for note in plan.notes:
        print(f"  note: {note}")
    print("\nmusicality:")
    for line in result.musicality.lines():
        print(f"  {line}")
    render = result.render
    print(
        f"\nvideo: {render.video_path} ({render.duration:.2f} s; {render.copied_segments} segments copied, "
        f"{render.reencoded_segments} re-encoded; audio {render.audio_mode})"
    )
    print(f"thumbnail: {render.thumbnail_path}")
    timings = ", ".join(f"{name} {seconds:.2f} s" for name, seconds in result.timings.items())
    print(f"timings: {timings}")
    return 0


def _analyze(arguments: argparse.Namespace) -> int:
    """The job's own analysis of one song (the same function and cache), printed for a person or as JSON."""
    import json

    from videojob.analysis import analyze_audio
    from videojob.audio_io import AudioDecodeError

    try:
        result = analyze_audio(arguments.audio, cache_dir=arguments.cache_dir)
    except (AudioDecodeError, ValueError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if arguments.json:
        data = result.to_dict()
        data.pop("audio_embedding")
        print(json.dumps(data))
        return 0
    confidence = result.confidence
    print(f"{arguments.audio}: {result.duration:.1f} s, {result.bpm:.2f} BPM")
    if result.tempo_curve:
        tempos = [bpm for _, bpm in result.tempo_curve]
        print(f"local tempo per phrase: {min(tempos):.1f}-{max(tempos):.1f} BPM")
        for start, bpm in result.tempo_curve:
            print(f"  {start:8.3f} s  {bpm:7.2f} BPM")
    print(f"beats ({len(result.beat_times)}): " + " ".join(f"{t:.3f}" for t in result.beat_times))
    print(f"downbeats ({len(result.downbeat_times)}): " + " ".join(f"{t:.3f}" for t in result.downbeat_times))
    print(
        f"8-count phrase starts ({len(result.phrase_starts)}): "
        + " ".join(f"{t:.3f}" for t in result.phrase_starts)
    )
    if confidence is not None:
        print(
            f"confidence: beat {confidence.beat:.2f}, tempo level {confidence.tempo_level:.2f}, "
            f"downbeat {confidence.downbeat:.2f}, stability {confidence.stability:.2f}, "
            f"slip {confidence.slip:.2f} beat"
            + ("" if confidence.slip_at is None else f" at {confidence.slip_at:.1f} s")
            + "; "
            f'the "1" re-phased {confidence.rephased} time(s)'
        )
        levels = ", ".join(f"{bpm:.1f} ({score:.2f})" for bpm, score in confidence.tempo_candidates)
        print(f"tempo levels considered (BPM, score): {levels}")
    for note in result.hearing_notes:
        print(f"note: {note}")
    return 0


def available_cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m videojob", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    ingest = commands.add_parser("ingest", help="normalise and index a move library folder")
    ingest.add_argument(
        "--library", type=Path, required=True, help="folder with annotations.json and the clips"
    )
    ingest.add_argument(
        "--out", type=Path, required=True, help="output folder (normalised clips + move_index.json)"
    )
    ingest.add_argument(
        "--height", type=int, help="canonical frame height (16:9, at most 360; default: auto)"
    )
    ingest.add_argument("--only", nargs="+", metavar="CLIP_ID", help="ingest only these clips")
    ingest.add_argument("--limit", type=int, help="ingest only the first N annotated clips")
    ingest.add_argument(
        "--quiet", action="store_true", help="no progress (a bar on a terminal, else a line per clip)"
    )
    ingest.add_argument(
        "--jobs",
        type=_positive,
        default=available_cores(),
        help="clips ingested at once, in worker processes (default: the cores available, "
        f"{available_cores()} here)",
    )
    ingest.add_argument(
        "--pose",
        action="store_true",
        help="add YOLO pose features (lead/follow/interaction embeddings) to clips without an existing "
        "pose embedding; needs the pose extra: uv sync --all-packages --extra pose",
    )
    ingest.set_defaults(handler=_ingest)

    render = commands.add_parser("render", help="make a choreography video for a song (no database needed)")
    render.add_argument("--audio", type=Path, required=True, help="the song (WAV, MP3, M4A/AAC, FLAC, OGG)")
    render.add_argument("--out", type=Path, required=True, help="the output MP4")
    render.add_argument(
        "--library",
        type=Path,
        help="ingested (move_index.json) or raw (annotations.json) "
        "library folder; default: the generated demo library",
    )
    render.add_argument("--difficulty", choices=("beginner", "intermediate", "advanced"))
    render.add_argument("--energy-level", choices=("low", "medium", "high"))
    render.add_argument("--style", choices=("romantic", "energetic", "sensual", "playful"))
    render.add_argument("--seed", type=int, default=0)
    render.add_argument("--thumbnail", type=Path, help="JPEG thumbnail path (default: OUT with .jpg)")
    render.add_argument(
        "--cache-dir", type=Path, help="analysis/audio/library cache (default: $VIDEOJOB_CACHE_DIR)"
    )
    render.set_defaults(handler=_render)

    analyze = commands.add_parser(
        "analyze", help="what the job hears in a song: tempo, beats, bars, 8-counts"
    )
    analyze.add_argument("--audio", type=Path, required=True, help="the song (WAV, MP3, M4A/AAC, FLAC, OGG)")
    analyze.add_argument(
        "--json", action="store_true", help="print the analysis as JSON (without the embedding)"
    )
    analyze.add_argument(
        "--cache-dir", type=Path, help="analysis cache (default: $VIDEOJOB_CACHE_DIR, or none)"
    )
    analyze.set_defaults(handler=_analyze)

    demo = commands.add_parser("prepare-demo", help="the demo move library and a demo song, for a local run")
    demo.add_argument("--library-out", type=Path, required=True, help="where the ingested demo library goes")
    demo.add_argument("--songs-dir", type=Path, required=True, help="the storage folder of library songs")
    demo.set_defaults(handler=_prepare_demo)
    return parser


def _prepare_demo(arguments: argparse.Namespace) -> int:
    """Idempotent: an existing ingested library (unless an earlier release's, whose clips differ) and song
    are kept."""
    from videojob.demo_assets import generate_demo_song
    from videojob.pipeline import demo_library_at

    index = demo_library_at(arguments.library_out).index_path
    song = arguments.songs_dir / "demo_bachata_128bpm.wav"
    if not song.exists():
        generate_demo_song(song)
    print(f"demo library: {index}\ndemo song: {song}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    arguments = build_parser().parse_args(list(sys.argv[1:] if argv is None else argv))
    if arguments.command is None:
        run_job_from_environment()
        return 0
    return arguments.handler(arguments)


if __name__ == "__main__":
    sys.exit(main())
