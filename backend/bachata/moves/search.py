"""Move search: the Elasticsearch request body, and the legacy relaxation of filters.

Semantics (the legacy retrieval): cosine kNN on a vector field, pre-filtered by term filters; when fewer than
`min(limit, 10)` clips match, filters are dropped one at a time in `RELAXATION_ORDER` and the search runs
again. Without a query vector the filters alone select clips, ranked by `quality_score` (highest first, clips
without one last), then `clip_id`. Ties in similarity are broken by `clip_id` too, so Elasticsearch and the
local evaluator rank identically.

`style` has no field of its own in the legacy mapping: a clip's style follows from its label, so a style
filter selects the labels of that style (`vocabulary.labels_for_style`).
"""

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from .documents import VECTOR_DIMS
from .vocabulary import DIFFICULTIES, ENERGY_LEVELS, labels_for_style

DEFAULT_VECTOR_FIELD = "audio_embedding"
RELAXATION_ORDER = ("energy_level", "difficulty", "style", "move_labels")
ENOUGH_HITS = 10
MAX_LIMIT = 100
MAX_NUM_CANDIDATES = 10_000  # Elasticsearch's ceiling
EXCLUDED_SOURCE = sorted(VECTOR_DIMS)  # hits carry metadata, not the 1,792 floats of vectors


@dataclass(frozen=True)
class MoveFilters:
    difficulty: str | None = None
    energy_level: str | None = None
    style: str | None = None
    move_labels: Sequence[str] | None = None  # kept as a sorted tuple without repeats

    def __post_init__(self):
        for name, allowed in (("difficulty", DIFFICULTIES), ("energy_level", ENERGY_LEVELS)):
            value = getattr(self, name)
            if value is not None and value not in allowed:
                raise ValueError(f"unknown {name} {value!r}; expected one of {', '.join(allowed)}")
        if self.style is not None:
            labels_for_style(self.style)  # validates
        if self.move_labels is not None:
            labels = self.move_labels
            if isinstance(labels, str) or not all(isinstance(x, str) and x for x in labels):
                raise ValueError("move_labels must be a list of non-empty strings")
            object.__setattr__(self, "move_labels", tuple(sorted(set(labels))) or None)

    def active(self) -> tuple[str, ...]:
        return tuple(name for name in RELAXATION_ORDER if getattr(self, name) is not None)

    def without(self, name: str) -> "MoveFilters":
        return replace(self, **{name: None})

    def clauses(self) -> list[dict[str, Any]]:
        clauses: list[dict[str, Any]] = []
        if self.difficulty is not None:
            clauses.append({"term": {"difficulty": self.difficulty}})
        if self.energy_level is not None:
            clauses.append({"term": {"energy_level": self.energy_level}})
        if self.style is not None:
            clauses.append({"terms": {"move_label": list(labels_for_style(self.style))}})
        if self.move_labels is not None:
            clauses.append({"terms": {"move_label": list(self.move_labels)}})
        return clauses


@dataclass(frozen=True)
class MoveHit:
    clip_id: str
    score: float | None  # Elasticsearch's cosine score (1 + cos) / 2; None for filter-only searches
    document: dict[str, Any] = field(default_factory=dict)  # the stored fields, vectors left out

    @classmethod
    def from_es_hit(cls, hit: dict[str, Any]) -> "MoveHit":
        return cls(clip_id=hit["_id"], score=hit.get("_score"), document=hit.get("_source") or {})


@dataclass(frozen=True)
class MoveSearchResult:
    hits: tuple[MoveHit, ...]
    relaxed: tuple[str, ...] = ()  # filters dropped to find enough clips, in the order they were dropped

    @property
    def clip_ids(self) -> list[str]:
        return [hit.clip_id for hit in self.hits]


def _checked_vector(query_vector: Sequence[float], vector_field: str) -> list[float]:
    if vector_field not in VECTOR_DIMS:
        raise ValueError(f"unknown vector field {vector_field!r}; expected one of {', '.join(VECTOR_DIMS)}")
    vector = [float(x) for x in query_vector]
    if len(vector) != VECTOR_DIMS[vector_field]:
        raise ValueError(
            f"{vector_field} vectors have {VECTOR_DIMS[vector_field]} dimensions, got {len(vector)}"
        )
    if not all(math.isfinite(x) for x in vector) or not any(vector):
        raise ValueError("the query vector must be finite and not all zeros")
    return vector


def _checked_limit(limit: int) -> int:
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
        raise ValueError(f"limit must be an integer from 1 to {MAX_LIMIT}")
    return limit


def _body(vector: list[float] | None, vector_field: str, filters: MoveFilters, limit: int) -> dict[str, Any]:
    body: dict[str, Any] = {"size": limit, "_source": {"excludes": list(EXCLUDED_SOURCE)}}
    restriction = {"bool": {"filter": filters.clauses()}}
    if vector is None:
        body["query"] = restriction
        body["sort"] = [
            {"quality_score": {"order": "desc", "missing": "_last"}},
            {"clip_id": {"order": "asc"}},
        ]
    else:
        body["knn"] = {
            "field": vector_field,
            "query_vector": vector,
            "k": limit,
            "num_candidates": min(MAX_NUM_CANDIDATES, max(100, 10 * limit)),
            "filter": restriction,
        }
        body["sort"] = [{"_score": {"order": "desc"}}, {"clip_id": {"order": "asc"}}]
    return body


def build_search_body(
    query_vector: Sequence[float] | None = None,
    *,
    vector_field: str = DEFAULT_VECTOR_FIELD,
    difficulty: str | None = None,
    energy_level: str | None = None,
    style: str | None = None,
    move_labels: Sequence[str] | None = None,
    limit: int = 10,
) -> dict[str, Any]:
    """The `_search` body for one attempt (no relaxation). Raises ValueError on bad input."""
    vector = None if query_vector is None else _checked_vector(query_vector, vector_field)
    filters = MoveFilters(difficulty, energy_level, style, move_labels)
    return _body(vector, vector_field, filters, _checked_limit(limit))


def search_relaxed(
    run_search_body: Callable[[dict[str, Any]], list[dict[str, Any]]],
    query_vector: Sequence[float] | None = None,
    *,
    vector_field: str = DEFAULT_VECTOR_FIELD,
    difficulty: str | None = None,
    energy_level: str | None = None,
    style: str | None = None,
    move_labels: Sequence[str] | None = None,
    limit: int = 10,
) -> MoveSearchResult:
    """Run bodies through `run_search_body` (which returns Elasticsearch-shaped hits), relaxing as needed."""
    vector = None if query_vector is None else _checked_vector(query_vector, vector_field)
    filters = MoveFilters(difficulty, energy_level, style, move_labels)
    limit = _checked_limit(limit)
    enough = min(limit, ENOUGH_HITS)
    relaxed: list[str] = []
    while True:
        hits = tuple(
            MoveHit.from_es_hit(hit) for hit in run_search_body(_body(vector, vector_field, filters, limit))
        )
        remaining = filters.active()
        if len(hits) >= enough or not remaining:
            return MoveSearchResult(hits, tuple(relaxed))
        filters = filters.without(remaining[0])
        relaxed.append(remaining[0])
