"""Evaluates the subset of the Elasticsearch search DSL that `search.build_search_body` produces, in numpy.

This is what the local index runs, and what stands in for Elasticsearch in tests: same body in, same
ranked hits out. Anything outside the subset raises UnsupportedSearchBody rather than being guessed at.

- `knn`: the k most similar documents that have the vector field and pass `filter`; score (1 + cos) / 2,
  Elasticsearch's score for `cosine` similarity, in float32 like Elasticsearch's. Exact, where Elasticsearch's HNSW is approximate.
- `query`: `bool` (`filter`/`must`), `term`, `terms`, `match_all`; score 0.0 (filter context).
- `sort`: `_score` and field sorts with `order` and `missing` (`_last` by default); without a sort, score desc.
- `_source`: `excludes` / `includes` lists, or a boolean.
"""

from collections.abc import Sequence
from typing import Any

import numpy as np

SUPPORTED_KEYS = {"size", "_source", "query", "knn", "sort"}


class UnsupportedSearchBody(ValueError):
    pass


def _values(document: dict[str, Any], field: str) -> list[Any]:
    value = document.get(field)
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def matches(query: Any, document: dict[str, Any]) -> bool:
    if query is None:
        return True
    if isinstance(query, list):
        return all(matches(clause, document) for clause in query)
    if not isinstance(query, dict) or len(query) != 1:
        raise UnsupportedSearchBody(f"expected one query clause, got {query!r}")
    ((kind, spec),) = query.items()
    if kind == "match_all":
        return True
    if kind == "bool":
        unknown = set(spec) - {"filter", "must"}
        if unknown:
            raise UnsupportedSearchBody(f"bool clauses {sorted(unknown)} are not supported")
        return all(matches(spec.get(part, []), document) for part in ("filter", "must"))
    if kind in ("term", "terms"):
        if len(spec) != 1:
            raise UnsupportedSearchBody(f"{kind} takes exactly one field")
        ((field, wanted),) = spec.items()
        if kind == "term":
            wanted = [wanted["value"] if isinstance(wanted, dict) else wanted]
        return any(value in wanted for value in _values(document, field))
    raise UnsupportedSearchBody(f"query type {kind!r} is not supported")


def _cosine_scores(vectors: np.ndarray, query_vector: np.ndarray) -> np.ndarray:
    """(1 + cos) / 2 as float32, the precision of Elasticsearch's scores.

    Rounding also makes equal vectors score equally: the float64 products of a matrix multiplication can
    differ in the last bit from row to row.
    """
    norms = np.linalg.norm(vectors, axis=1) * np.linalg.norm(query_vector)
    return ((1.0 + (vectors @ query_vector) / norms) / 2.0).astype(np.float32)


def _sorted(hits: list[dict[str, Any]], sort: Sequence[Any]) -> list[dict[str, Any]]:
    """Multi-key sort, applied as stable sorts from the last key to the first."""
    for spec in reversed(list(sort)):
        if isinstance(spec, str):
            field, options = spec, {}
        elif isinstance(spec, dict) and len(spec) == 1:
            ((field, options),) = spec.items()
            options = {"order": options} if isinstance(options, str) else dict(options)
        else:
            raise UnsupportedSearchBody(f"unsupported sort {spec!r}")
        descending = options.get("order", "desc" if field == "_score" else "asc") == "desc"
        missing = options.get("missing", "_last")

        def value(hit, field=field, descending=descending):
            if field == "_score":
                return hit["_score"]
            values = _values(hit["_document"], field)
            return (max(values) if descending else min(values)) if values else None

        present = sorted((h for h in hits if value(h) is not None), key=value, reverse=descending)
        absent = [h for h in hits if value(h) is None]
        hits = absent + present if missing == "_first" else present + absent
    return hits


def _source(document: dict[str, Any], spec: Any) -> dict[str, Any]:
    if spec is False:
        return {}
    spec = {} if spec in (None, True) else spec
    includes, excludes = spec.get("includes"), set(spec.get("excludes", []))
    return {
        key: value.tolist() if isinstance(value, np.ndarray) else value
        for key, value in document.items()
        if key not in excludes and (includes is None or key in includes)
    }


def execute_search_body(body: dict[str, Any], documents: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Elasticsearch-shaped hits (`_id`, `_score`, `_source`) for the body over the documents."""
    unknown = set(body) - SUPPORTED_KEYS
    if unknown:
        raise UnsupportedSearchBody(f"search keys {sorted(unknown)} are not supported")
    size = body.get("size", 10)
    if "knn" in body:
        if "query" in body:
            raise UnsupportedSearchBody("knn combined with a query is not supported")
        knn = body["knn"]
        field, k = knn["field"], knn["k"]
        if k > knn["num_candidates"]:
            raise UnsupportedSearchBody("knn.k must not exceed knn.num_candidates")
        candidates = [d for d in documents if d.get(field) is not None and matches(knn.get("filter"), d)]
        hits = []
        if candidates:
            vectors = np.asarray([np.asarray(d[field], dtype=np.float64) for d in candidates])
            scores = _cosine_scores(vectors, np.asarray(knn["query_vector"], dtype=np.float64))
            hits = [{"_document": d, "_score": float(s)} for d, s in zip(candidates, scores, strict=True)]
        # the global top k (ties by _id), then the request's own sort
        hits = sorted(hits, key=lambda h: (-h["_score"], h["_document"]["clip_id"]))[:k]
    else:
        hits = [{"_document": d, "_score": 0.0} for d in documents if matches(body.get("query"), d)]
    sort = body.get("sort")
    if sort:
        hits = _sorted(hits, sort)
        if not any(spec == "_score" or (isinstance(spec, dict) and "_score" in spec) for spec in sort):
            for hit in hits:
                hit["_score"] = None  # Elasticsearch does not score when sorting on fields only
    else:
        hits = sorted(hits, key=lambda h: -h["_score"])
    return [
        {
            "_id": hit["_document"]["clip_id"],
            "_score": hit["_score"],
            "_source": _source(hit["_document"], body.get("_source")),
        }
        for hit in hits[:size]
    ]
