"""The move index: clip documents (legacy `bachata_move_embeddings` format) and the legacy search semantics.

from bachata.moves import get_move_index
result = get_move_index().search(audio_vector, difficulty="beginner", energy_level="high")
result.clip_ids, result.relaxed
"""

from .documents import InvalidMoveDocument, index_mapping, load_documents, validate_document
from .factory import get_move_index
from .interface import MoveIndex, MoveIndexUnavailable
from .search import MoveHit, MoveSearchResult, build_search_body

__all__ = [
    "InvalidMoveDocument",
    "MoveHit",
    "MoveIndex",
    "MoveIndexUnavailable",
    "MoveSearchResult",
    "build_search_body",
    "get_move_index",
    "index_mapping",
    "load_documents",
    "validate_document",
]
