"""Song → choreography video in one call (analysis, planning, rendering, musicality), with no database.

The job runner wraps `make_choreography` with its ledger/storage; `on_stage(stage)` is called before each
step with the legacy stage names ("analyzing", "selecting", "generating") so it can report progress.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bachata.moves.interface import MoveIndex

from videojob.analysis import CACHE_DIR_ENVIRONMENT_VARIABLE, MusicAnalysis, analyze_audio
from videojob.audio_io import AudioDecodeError
from videojob.demo_assets import DEMO_CLIPS, generate_demo_library
from videojob.errors import AnalysisError
from videojob.ingest import INGEST_VERSION, IngestProgress, ingest_library
from videojob.library import (
    ANNOTATIONS_FILE_NAME,
    INDEX_FILE_NAME,
    LibraryError,
    MoveLibrary,
    load_move_library,
    read_index,
)
from videojob.move_search import index_move_search, library_move_index
from videojob.musicality import MusicalityReport, musicality_report
from videojob.planner import Plan, PlanRequest, plan_choreography
from videojob.render import RenderResult, render_choreography

DEMO_LIBRARY_FOLDER = "demo-library"


def default_cache_dir() -> Path:
    """$VIDEOJOB_CACHE_DIR, else a folder in the system's temporary directory."""
    configured = os.environ.get(CACHE_DIR_ENVIRONMENT_VARIABLE)
    return Path(configured) if configured else Path(tempfile.gettempdir()) / "videojob-cache"


def _current_index(folder: Path) -> bool:
    try:
        return read_index(folder / INDEX_FILE_NAME).get("version") == INGEST_VERSION
    except LibraryError:
        return False


def ensure_demo_library(
    cache_dir: Path, progress: Callable[[IngestProgress], None] | None = None
) -> MoveLibrary:
    """The generated demo library, ingested; made once per cache folder (a few seconds), and again when
    the demo's clips are no longer those the folder holds (a release added or changed some)."""
    return demo_library_at(cache_dir / DEMO_LIBRARY_FOLDER, progress)


def demo_library_at(root: Path, progress: Callable[[IngestProgress], None] | None = None) -> MoveLibrary:
    """`ensure_demo_library` in the folder `root` (its raw/ and ingested/ libraries, and the fingerprint of
    the clip specs they were made from)."""
    ingested, made_from = root / "ingested", root / "clips.sha256"
    fingerprint = hashlib.sha256(repr(DEMO_CLIPS).encode()).hexdigest()
    root.mkdir(parents=True, exist_ok=True)
    # Jobs sharing a cache folder (a compose volume) make it one at a time: the first to find it stale
    # makes it while the others wait, then find it current.
    with open(root / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (_current_index(ingested) and made_from.is_file() and made_from.read_text() == fingerprint):
            made_from.unlink(missing_ok=True)
            raw = generate_demo_library(root / "raw")
            ingest_library(raw, ingested, progress=progress)
            made_from.write_text(fingerprint)
        return load_move_library(ingested)


def resolve_library(
    library: str | Path | None, cache_dir: Path, progress: Callable[[IngestProgress], None] | None = None
) -> MoveLibrary:
    """An ingested library folder (move_index.json) as is; a raw library folder (annotations.json) ingested
    into the cache (unchanged clips are reused); no folder: the demo library."""
    if library is None:
        return ensure_demo_library(cache_dir, progress)
    folder = Path(library)
    if (folder / INDEX_FILE_NAME).exists() or folder.suffix == ".json":
        return load_move_library(folder)
    if (folder / ANNOTATIONS_FILE_NAME).exists():
        key = hashlib.sha256(str(folder.resolve()).encode()).hexdigest()[:16]
        target = cache_dir / "libraries" / key
        ingest_library(folder, target, progress=progress)
        return load_move_library(target)
    raise LibraryError(
        f"{folder} holds neither {INDEX_FILE_NAME} (an ingested library) nor {ANNOTATIONS_FILE_NAME}"
    )


@dataclass
class ChoreographyResult:
    analysis: MusicAnalysis
    plan: Plan
    render: RenderResult
    musicality: MusicalityReport
    timings: dict[str, float] = field(default_factory=dict)


def make_choreography(
    audio_path: str | Path,
    out_path: str | Path,
    library: MoveLibrary,
    request: PlanRequest,
    *,
    thumbnail_path: str | Path | None = None,
    cache_dir: str | Path | None = None,
    on_stage: Callable[[str], None] | None = None,
    move_index: MoveIndex | None = None,
) -> ChoreographyResult:
    """Analyse, plan (asking `move_index`, by default the library's own index file) and render."""

    def stage(name: str) -> None:
        if on_stage is not None:
            on_stage(name)

    timings: dict[str, float] = {}
    started = time.perf_counter()
    stage("analyzing")
    try:
        analysis = analyze_audio(audio_path, cache_dir=cache_dir)
    except AudioDecodeError as error:
        raise AnalysisError("the song's audio could not be decoded") from error
    except ValueError as error:  # the analysis' own reasons, e.g. "no steady beat found: …"
        raise AnalysisError(str(error)) from error
    timings["analysis"] = time.perf_counter() - started

    started = time.perf_counter()
    stage("selecting")
    search = index_move_search(move_index or library_move_index(library), analysis.audio_embedding)
    plan = plan_choreography(analysis, library.moves, request, search=search)
    timings["planning"] = time.perf_counter() - started

    started = time.perf_counter()
    stage("generating")
    rendered = render_choreography(
        plan, library, audio_path, out_path, thumbnail_path=thumbnail_path, cache_dir=cache_dir
    )
    timings["render"] = time.perf_counter() - started
    return ChoreographyResult(
        analysis=analysis,
        plan=plan,
        render=rendered,
        musicality=musicality_report(plan, analysis, library.moves),
        timings=timings,
    )
