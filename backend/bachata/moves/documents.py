"""Move documents: the legacy Elasticsearch mapping of `bachata_move_embeddings` and its validation.

A document is one clip: `clip_id` (also the Elasticsearch `_id`), up to five embedding vectors and metadata.
Fields a new ingest cannot compute (e.g. the pose embeddings) may be absent.
"""

import json
import math
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from .vocabulary import DIFFICULTIES, ENERGY_LEVELS

VECTOR_DIMS: dict[str, int] = {
    "audio_embedding": 128,
    "lead_embedding": 512,
    "follow_embedding": 512,
    "interaction_embedding": 256,
    "text_embedding": 384,
}
KEYWORD_FIELDS = ("clip_id", "move_label", "difficulty", "energy_level", "lead_follow_roles", "version")
FLOAT_FIELDS = ("estimated_tempo", "quality_score", "detection_rate", "processing_time")
INTEGER_FIELDS = ("frame_count",)
TEXT_FIELDS = ("video_path",)
DATE_FIELDS = ("created_at",)


class InvalidMoveDocument(ValueError):
    pass


def index_mapping() -> dict[str, Any]:
    """The body that creates the index (`PUT /bachata_move_embeddings`): the legacy mapping, unchanged."""
    properties: dict[str, Any] = {
        field: {"type": "dense_vector", "dims": dims, "index": True, "similarity": "cosine"}
        for field, dims in VECTOR_DIMS.items()
    }
    properties.update({field: {"type": "keyword"} for field in KEYWORD_FIELDS})
    properties.update({field: {"type": "float"} for field in FLOAT_FIELDS})
    properties.update({field: {"type": "integer"} for field in INTEGER_FIELDS})
    properties.update({field: {"type": "text"} for field in TEXT_FIELDS})
    properties.update({field: {"type": "date"} for field in DATE_FIELDS})
    return {"mappings": {"properties": properties}}


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def validate_document(document: Any) -> dict[str, Any]:
    """Return the document if it fits the mapping; raise InvalidMoveDocument naming the first problem."""
    if not isinstance(document, dict):
        raise InvalidMoveDocument("a move document must be a JSON object")
    clip_id = document.get("clip_id")
    if not isinstance(clip_id, str) or not clip_id.strip():
        raise InvalidMoveDocument("clip_id must be a non-empty string")
    for field, dims in VECTOR_DIMS.items():
        vector = document.get(field)
        if vector is None:
            continue
        if not isinstance(vector, list | tuple) or len(vector) != dims or not all(map(_is_number, vector)):
            raise InvalidMoveDocument(f"{clip_id}: {field} must be a list of {dims} finite numbers")
        if not any(vector):
            raise InvalidMoveDocument(
                f"{clip_id}: {field} is all zeros (cosine similarity needs a direction)"
            )
    for field in KEYWORD_FIELDS + TEXT_FIELDS + DATE_FIELDS:
        if document.get(field) is not None and not isinstance(document[field], str):
            raise InvalidMoveDocument(f"{clip_id}: {field} must be a string")
    for field in FLOAT_FIELDS + INTEGER_FIELDS:
        if document.get(field) is not None and not _is_number(document[field]):
            raise InvalidMoveDocument(f"{clip_id}: {field} must be a number")
    for field, allowed in (("difficulty", DIFFICULTIES), ("energy_level", ENERGY_LEVELS)):
        if document.get(field) is not None and document[field] not in allowed:
            raise InvalidMoveDocument(f"{clip_id}: {field} must be one of {', '.join(allowed)}")
    return document


def validate_documents(documents: Iterable[Any]) -> list[dict[str, Any]]:
    return [validate_document(document) for document in documents]


def load_documents(path: str | Path) -> list[dict[str, Any]]:
    """Documents from a JSON file: a list of documents, or a legacy index export (`{"embeddings": [...]}`)."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    if isinstance(data, dict) and isinstance(data.get("embeddings"), list):
        data = data["embeddings"]
    if not isinstance(data, list):
        raise InvalidMoveDocument(f"{path}: expected a list of move documents")
    return validate_documents(data)
