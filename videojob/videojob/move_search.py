"""The move index as the planner asks it: `index_move_search` turns the backend's MoveIndex (the embedded
local index or Elasticsearch, same documents, same query semantics) into the planner's `MoveSearch`.

Every question is a legacy `_search` body: cosine kNN on `audio_embedding` against the song's own audio
embedding (the same embedding function the ingest used for the clips), pre-filtered by term filters. The
body holds one difficulty, so a question for several levels (or for none) is asked once per level, which
also lifts the 100-hit cap of one body to 100 per level. Relaxation is the planner's, not the index's:
the planner counts only the clips that can play at the song's tempo before it drops a filter.

Which index: `MOVE_INDEX=elasticsearch` uses the configured cluster; locally the file at MOVE_INDEX_PATH
when it exists, otherwise the job library's own `move_index.json` (an index export in the legacy shape).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

from bachata.moves.interface import MoveIndex, MoveIndexUnavailable
from bachata.moves.local_index import LocalMoveIndex
from bachata.moves.search import MAX_LIMIT, build_search_body

from videojob.library import DIFFICULTY_LEVELS, LibraryError, MoveLibrary
from videojob.planner import MoveSearch

VECTOR_FIELD = "audio_embedding"


def _query_vector(song_embedding: Sequence[float] | None) -> list[float] | None:
    if song_embedding is None:
        return None
    vector = [float(x) for x in song_embedding]
    usable = len(vector) == 128 and all(math.isfinite(x) for x in vector) and any(vector)
    return vector if usable else None  # e.g. a silent song: rank by the filters alone


def index_move_search(index: MoveIndex, song_embedding: Sequence[float] | None) -> MoveSearch:
    """Ask `index` for the clips matching the planner's filters, closest to the song first.
    Raises MoveIndexUnavailable when the index cannot answer."""
    vector = _query_vector(song_embedding)
    answers: dict[tuple, dict[str, float | None]] = {}

    def search(filters: dict) -> dict[str, float | None]:
        key = tuple(sorted((name, value) for name, value in filters.items()))
        if key in answers:
            return answers[key]
        found: dict[str, float | None] = {}
        for difficulty in filters.get("difficulty") or DIFFICULTY_LEVELS:
            body = build_search_body(
                vector,
                vector_field=VECTOR_FIELD,
                difficulty=difficulty,
                energy_level=filters.get("energy_level"),
                style=filters.get("style"),
                move_labels=filters.get("move_labels"),
                limit=MAX_LIMIT,
            )
            for hit in index.run_search_body(body):
                found[hit["_id"]] = hit.get("_score")
        answers[key] = found
        return found

    return search


def _local_index(path: Path) -> LocalMoveIndex:
    try:
        return LocalMoveIndex.from_file(path)
    except MoveIndexUnavailable as exc:  # a bad file on disk is not worth a retry
        raise LibraryError(str(exc)) from exc


def library_move_index(library: MoveLibrary) -> LocalMoveIndex:
    """The library's own index file as an embedded move index (LibraryError when it is unreadable)."""
    return _local_index(library.index_path)


def job_move_index(library: MoveLibrary) -> MoveIndex:
    """The index the settings choose (see the module docstring). Needs Django settings."""
    from django.conf import settings

    if settings.MOVE_INDEX == "elasticsearch":
        from bachata.moves.factory import get_move_index

        return get_move_index()
    configured = Path(settings.MOVE_INDEX_PATH)
    if not configured.exists():
        return library_move_index(library)
    index = _local_index(configured)
    if not {move.clip_id for move in library.moves} & index.clip_ids():
        raise LibraryError(
            f"the move index {configured} holds none of the clips of the library {library.index_path.parent}; "
            "load the library's move_index.json into it (manage.py moves_index_load) or unset MOVE_INDEX_PATH"
        )
    return index


__all__ = ["MoveIndexUnavailable", "index_move_search", "job_move_index", "library_move_index"]
