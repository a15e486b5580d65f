"""The move index: what generation asks for clips. Local (a JSON file, numpy) or Elasticsearch."""

from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from typing import Any

from .search import DEFAULT_VECTOR_FIELD, MoveSearchResult, search_relaxed


class MoveIndexUnavailable(RuntimeError):
    """The index cannot be read or written (missing file, unreachable or failing Elasticsearch)."""


class MoveIndex(ABC):
    def search(
        self,
        query_vector: Sequence[float] | None = None,
        *,
        vector_field: str = DEFAULT_VECTOR_FIELD,
        difficulty: str | None = None,
        energy_level: str | None = None,
        style: str | None = None,
        move_labels: Sequence[str] | None = None,
        limit: int = 10,
    ) -> MoveSearchResult:
        """Clips most similar to the vector (or best by quality without one) that pass the filters.

        Filters are relaxed as in the legacy app when too few clips match; `result.relaxed` names them.
        Raises ValueError on bad arguments, MoveIndexUnavailable when the index cannot answer.
        """
        return search_relaxed(
            self.run_search_body,
            query_vector,
            vector_field=vector_field,
            difficulty=difficulty,
            energy_level=energy_level,
            style=style,
            move_labels=move_labels,
            limit=limit,
        )

    @abstractmethod
    def run_search_body(self, body: dict[str, Any]) -> list[dict[str, Any]]:
        """Elasticsearch-shaped hits (`_id`, `_score`, `_source`) for one `_search` body."""

    @abstractmethod
    def index_documents(self, documents: Iterable[dict[str, Any]]) -> int:
        """Add or replace documents (by clip_id); return how many were written. Validates them first."""
