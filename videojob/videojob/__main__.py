"""`python -m videojob`: the job entry point and developer subcommands.

python -m videojob                      # job mode (Cloud Run / local launcher): configured by environment
python -m videojob ingest --library DIR --out DIR
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path


def run_job_from_environment() -> None:
    """Run one choreography task configured by the environment (TASK_ID, AUDIO_INPUT, ...)."""
    raise SystemExit("job mode is not wired yet")


def _ingest(arguments: argparse.Namespace) -> int:
    from videojob.ingest import CanonicalVideoFormat, ingest_library, print_progress

    video_format = CanonicalVideoFormat.for_height(arguments.height) if arguments.height else None
    report = ingest_library(
        arguments.library,
        arguments.out,
        video_format=video_format,
        clip_ids=arguments.only or None,
        limit=arguments.limit,
        progress=None if arguments.quiet else print_progress,
    )
    print(
        f"ingested {len(report.documents)} clips ({report.reused} reused), skipped {len(report.skipped)} "
        f"in {report.seconds:.1f} s; index: {report.index_path}"
    )
    for skipped in report.skipped:
        print(f"  skipped {skipped.clip_id} ({skipped.video_path}): {skipped.reason}")
    return 0 if report.documents else 1


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
    ingest.add_argument("--quiet", action="store_true", help="no per-clip progress lines")
    ingest.set_defaults(handler=_ingest)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    arguments = build_parser().parse_args(list(sys.argv[1:] if argv is None else argv))
    if arguments.command is None:
        run_job_from_environment()
        return 0
    return arguments.handler(arguments)


if __name__ == "__main__":
    sys.exit(main())
