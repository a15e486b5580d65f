"""The move library: the raw folder format (movelib: `annotations.json`, optional `move_embeddings.json`,
`<category>/<clip_id>.mp4`) and the ingested index (`move_index.json` + normalised clips) that the planner
and the renderer read.

The index file has the shape of a legacy Elasticsearch export (`{"index_name", "count", "embeddings": [...]}`),
so the backend's document loader reads it as is. Each document carries the legacy fields (clip_id,
audio_embedding, text_embedding, move_label, difficulty, energy_level, estimated_tempo, video_path,
frame_count, version, ...) plus the fields this job needs (beat_times, phrase_starts, motion_energy, ...).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

# a clip's style follows from its label; the index's style filter uses the same map
from bachata.moves.vocabulary import DIFFICULTIES, ENERGY_LEVELS, STYLE_BY_LABEL, STYLES  # noqa: F401

ANNOTATIONS_FILE_NAME = "annotations.json"
EXISTING_EMBEDDINGS_FILE_NAME = "move_embeddings.json"
INDEX_FILE_NAME = "move_index.json"
INDEX_NAME = "bachata_move_embeddings"
INTRO_LABEL = "intros"
OUTRO_LABEL = "outro"

DIFFICULTY_LEVELS = DIFFICULTIES
# the raw annotations say low|medium|high; the database and the index say beginner|intermediate|advanced
DIFFICULTY_BY_ANNOTATION = {"low": "beginner", "medium": "intermediate", "high": "advanced"}
DEFAULT_STYLE = "playful"


class LibraryError(Exception):
    """The library folder or index cannot be read."""


def difficulty_level(annotation_difficulty: str) -> str:
    """low|medium|high → beginner|intermediate|advanced (already-converted values pass through)."""
    if annotation_difficulty in DIFFICULTY_LEVELS:
        return annotation_difficulty
    try:
        return DIFFICULTY_BY_ANNOTATION[annotation_difficulty]
    except KeyError:
        raise LibraryError(f"unknown difficulty {annotation_difficulty!r}") from None


def style_for_label(move_label: str) -> str:
    return STYLE_BY_LABEL.get(move_label, DEFAULT_STYLE)


@dataclass(frozen=True)
class AnnotatedClip:
    """One entry of annotations.json (annotation vocabulary)."""

    clip_id: str
    video_path: str  # relative to the library folder
    move_label: str
    energy_level: str
    estimated_tempo: float
    difficulty: str  # low | medium | high
    annotated_id: str = ""  # the id annotations.json gives, when clip_id had to be made unique

    @property
    def source_id(self) -> str:
        return self.annotated_id or self.clip_id

    @property
    def difficulty_level(self) -> str:
        return difficulty_level(self.difficulty)

    @property
    def style(self) -> str:
        return style_for_label(self.move_label)


@dataclass(frozen=True)
class ExistingEmbeddings:
    """Vectors from move_embeddings.json worth keeping (its audio_embedding is random and is not)."""

    pose_embedding: tuple[float, ...] | None
    text_embedding: tuple[float, ...] | None


def _unique_ids(clips: list[AnnotatedClip]) -> list[AnnotatedClip]:
    """A clip id names one clip in the index (Elasticsearch `_id`) and on disk. annotations.json repeats
    some under another label (`paseala` is both arm_styling and bolero): the first keeps its id, a repeat
    becomes `<label>_<id>`, so the planner never plans one clip and the renderer cuts the other."""
    taken: set[str] = set()
    unique = []
    for clip in clips:
        clip_id = clip.clip_id
        if clip_id in taken:
            clip_id = f"{clip.move_label}_{clip.clip_id}"
            suffix = 2
            while clip_id in taken:
                clip_id, suffix = f"{clip.move_label}_{clip.clip_id}_{suffix}", suffix + 1
            clip = replace(clip, clip_id=clip_id, annotated_id=clip.clip_id)
        taken.add(clip_id)
        unique.append(clip)
    return unique


def read_annotations(library_dir: str | Path) -> list[AnnotatedClip]:
    """The annotated clips, in file order, with unique clip ids (see `_unique_ids`)."""
    path = Path(library_dir) / ANNOTATIONS_FILE_NAME
    try:
        data = json.loads(path.read_text())
        clips = [
            AnnotatedClip(
                clip_id=str(entry["clip_id"]),
                video_path=str(entry["video_path"]),
                move_label=str(entry["move_label"]),
                energy_level=str(entry.get("energy_level", "medium")),
                estimated_tempo=float(entry.get("estimated_tempo", 0) or 0),
                difficulty=str(entry.get("difficulty", "medium")),
            )
            for entry in data["clips"]
        ]
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise LibraryError(f"cannot read the annotations {path}: {error}") from error
    return _unique_ids(clips)


def _vector(value: Any, dimensions: int) -> tuple[float, ...] | None:
    if isinstance(value, list) and len(value) == dimensions and any(value):
        return tuple(float(component) for component in value)
    return None


class ExistingEmbeddingsByClip(dict):
    """ExistingEmbeddings by (move_label or None, annotated clip id); `for_clip` finds an annotated
    clip's (an entry without a label matches by id alone)."""

    def for_clip(self, clip: AnnotatedClip) -> ExistingEmbeddings | None:
        return self.get((clip.move_label, clip.source_id)) or self.get((None, clip.source_id))


def read_existing_embeddings(library_dir: str | Path) -> ExistingEmbeddingsByClip:
    """Pose (512) and text (384) embeddings by (move_label, clip_id) — ids repeat across labels; empty
    when the library has no such file."""
    path = Path(library_dir) / EXISTING_EMBEDDINGS_FILE_NAME
    if not path.exists():
        return ExistingEmbeddingsByClip()
    try:
        entries = json.loads(path.read_text())["embeddings"]
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise LibraryError(f"cannot read {path}: {error}") from error
    return ExistingEmbeddingsByClip(
        {
            (entry.get("move_label"), str(entry["clip_id"])): ExistingEmbeddings(
                pose_embedding=_vector(entry.get("pose_embedding"), 512),
                text_embedding=_vector(entry.get("text_embedding"), 384),
            )
            for entry in entries
            if "clip_id" in entry
        }
    )


# ---------------------------------------------------------------------------------------------- ingested index


@dataclass(frozen=True)
class Move:
    """What planning and rendering need from one index document. Times are seconds on the normalised
    clip's timeline; every time in `phrase_starts` is a keyframe of the normalised clip."""

    clip_id: str
    move_label: str
    difficulty: str  # beginner | intermediate | advanced
    energy_level: str  # low | medium | high
    style: str
    bpm: float
    duration: float
    beat_times: tuple[float, ...]
    phrase_starts: tuple[float, ...]
    mean_motion_energy: float
    keyframe_times: tuple[float, ...] = ()  # beat-aligned keyframes (frame 0 is always one too)
    video_path: str = ""  # absolute, or relative to the working directory

    @property
    def is_intro(self) -> bool:
        return self.move_label == INTRO_LABEL

    @property
    def is_outro(self) -> bool:
        return self.move_label == OUTRO_LABEL

    @classmethod
    def from_document(cls, document: dict[str, Any], base_dir: str | Path | None = None) -> Move:
        video_path = str(document.get("video_path", ""))
        if base_dir is not None and video_path and not Path(video_path).is_absolute():
            video_path = str(Path(base_dir) / video_path)
        return cls(
            clip_id=str(document["clip_id"]),
            move_label=str(document["move_label"]),
            difficulty=difficulty_level(str(document["difficulty"])),
            energy_level=str(document.get("energy_level", "medium")),
            style=str(document.get("style") or style_for_label(str(document["move_label"]))),
            bpm=float(document["estimated_tempo"]),
            duration=float(document["duration"]),
            beat_times=tuple(float(t) for t in document["beat_times"]),
            phrase_starts=tuple(float(t) for t in document["phrase_starts"]),
            mean_motion_energy=float(document.get("mean_motion_energy", 0.0)),
            keyframe_times=tuple(float(t) for t in document.get("keyframe_times", document["phrase_starts"])),
            video_path=video_path,
        )


@dataclass(frozen=True)
class MoveLibrary:
    moves: tuple[Move, ...]
    index_path: Path
    video_format: dict[str, Any]

    def move(self, clip_id: str) -> Move:
        for move in self.moves:
            if move.clip_id == clip_id:
                return move
        raise KeyError(clip_id)


def read_index(index_path: str | Path) -> dict[str, Any]:
    path = Path(index_path)
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError) as error:
        raise LibraryError(f"cannot read the move index {path}: {error}") from error
    if not isinstance(data, dict) or not isinstance(data.get("embeddings"), list):
        raise LibraryError(f"{path} is not a move index (no 'embeddings' list)")
    return data


def load_move_library(path: str | Path) -> MoveLibrary:
    """The ingested library at `path` (its folder or its move_index.json)."""
    path = Path(path)
    index_path = path / INDEX_FILE_NAME if path.is_dir() else path
    data = read_index(index_path)
    try:
        moves = tuple(Move.from_document(document, index_path.parent) for document in data["embeddings"])
    except (KeyError, TypeError, ValueError, LibraryError) as error:
        raise LibraryError(f"{index_path}: a document lacks a field the job needs: {error}") from error
    return MoveLibrary(moves=moves, index_path=index_path, video_format=dict(data.get("video_format", {})))
