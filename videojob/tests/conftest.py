"""Shared, session-wide generated assets (the demo song and move library) for the videojob tests."""

import os
from pathlib import Path

import pytest
from videojob.demo_assets import generate_demo_library, generate_demo_song
from videojob.ingest import IngestReport, ingest_library

# ../shared/movelib beside the project (as on developers' machines and CI), or MOVELIB_DIR.
REAL_MOVE_LIBRARY = Path(
    os.environ.get("MOVELIB_DIR") or Path(__file__).resolve().parents[2].parent / "shared" / "movelib"
)


@pytest.fixture(scope="session")
def demo_library_dir(tmp_path_factory) -> Path:
    return generate_demo_library(tmp_path_factory.mktemp("demo-library") / "library")


@pytest.fixture(scope="session")
def ingested_demo_library(demo_library_dir, tmp_path_factory) -> IngestReport:
    return ingest_library(demo_library_dir, tmp_path_factory.mktemp("ingested") / "library", progress=None)


@pytest.fixture(scope="session")
def demo_song(tmp_path_factory):
    return generate_demo_song(tmp_path_factory.mktemp("demo-song") / "song.wav")


@pytest.fixture
def real_move_library() -> Path:
    if not (REAL_MOVE_LIBRARY / "annotations.json").exists():
        pytest.skip(f"the real move library is not on this machine ({REAL_MOVE_LIBRARY} is absent)")
    return REAL_MOVE_LIBRARY


# The backend's account fixtures (users for tasks run through the ledger).
from bachata.conftest import _fast_password_hashing, make_user, user  # noqa: E402, F401


@pytest.fixture(scope="session")
def bad_songs(tmp_path_factory) -> dict:
    """Files that are audio but no song: 5 minutes of silence, a 0.2 s clip, an MP3 damaged in the middle."""
    from bachata.songs.tests.unusable import write_unusable_songs

    return write_unusable_songs(tmp_path_factory.mktemp("bad-songs"))
