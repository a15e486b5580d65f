import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bachata.moves.search import build_search_body
from bachata.moves.vocabulary import DIFFICULTIES, ENERGY_LEVELS, MOVE_LABELS, STYLES

from .conftest import random_vector

VECTORS_LEFT_OUT = {
    "excludes": [
        "audio_embedding",
        "follow_embedding",
        "interaction_embedding",
        "lead_embedding",
        "text_embedding",
    ]
}


def test_knn_body_prefilters_and_breaks_ties_by_clip_id():
    vector = random_vector(1)
    body = build_search_body(
        vector, difficulty="beginner", energy_level="high", move_labels=["spin", "basic", "spin"], limit=12
    )
    assert body == {
        "knn": {
            "field": "audio_embedding",
            "query_vector": vector,
            "k": 12,
            "num_candidates": 120,
            "filter": {
                "bool": {
                    "filter": [
                        {"term": {"difficulty": "beginner"}},
                        {"term": {"energy_level": "high"}},
                        {"terms": {"move_label": ["basic", "spin"]}},
                    ]
                }
            },
        },
        "size": 12,
        "sort": [{"_score": {"order": "desc"}}, {"clip_id": {"order": "asc"}}],
        "_source": VECTORS_LEFT_OUT,
    }


def test_a_named_vector_field_searches_that_field():
    vector = random_vector(2, "text_embedding")
    body = build_search_body(vector, vector_field="text_embedding")
    assert body["knn"]["field"] == "text_embedding"
    assert body["knn"]["num_candidates"] == 100
    assert body["knn"]["filter"] == {"bool": {"filter": []}}


def test_without_a_vector_filters_alone_rank_by_quality_then_clip_id():
    assert build_search_body(style="sensual", limit=5) == {
        "query": {
            "bool": {"filter": [{"terms": {"move_label": ["bodywaves", "headrolls", "hiprolls", "shadow"]}}]}
        },
        "size": 5,
        "sort": [{"quality_score": {"order": "desc", "missing": "_last"}}, {"clip_id": {"order": "asc"}}],
        "_source": VECTORS_LEFT_OUT,
    }


@pytest.mark.parametrize(
    ("arguments", "problem"),
    [
        ({"query_vector": [1.0] * 384}, "128 dimensions"),
        ({"query_vector": [0.0] * 128}, "not all zeros"),
        ({"query_vector": [float("inf")] * 128}, "finite"),
        ({"query_vector": [1.0] * 128, "vector_field": "pose_embedding"}, "unknown vector field"),
        ({"difficulty": "low"}, "unknown difficulty"),
        ({"energy_level": "medium-high"}, "unknown energy_level"),
        ({"style": "modern"}, "unknown style"),
        ({"move_labels": "spin"}, "list of non-empty strings"),
        ({"move_labels": [""]}, "list of non-empty strings"),
        ({"limit": 0}, "limit"),
        ({"limit": 101}, "limit"),
        ({"limit": True}, "limit"),
    ],
)
def test_bad_arguments_raise_value_error(arguments, problem):
    with pytest.raises(ValueError, match=problem):
        build_search_body(**arguments)


@given(
    with_vector=st.booleans(),
    difficulty=st.none() | st.sampled_from(DIFFICULTIES),
    energy_level=st.none() | st.sampled_from(ENERGY_LEVELS),
    style=st.none() | st.sampled_from(STYLES),
    move_labels=st.none() | st.lists(st.sampled_from(MOVE_LABELS), max_size=5),
    limit=st.integers(1, 100),
)
def test_every_body_is_json_with_consistent_sizes(
    with_vector, difficulty, energy_level, style, move_labels, limit
):
    body = build_search_body(
        random_vector(limit) if with_vector else None,
        difficulty=difficulty,
        energy_level=energy_level,
        style=style,
        move_labels=move_labels,
        limit=limit,
    )
    assert json.loads(json.dumps(body)) == body
    assert body["size"] == limit
    restriction = body["knn"]["filter"] if with_vector else body["query"]
    expected_clauses = sum(x is not None for x in (difficulty, energy_level, style)) + bool(move_labels)
    assert len(restriction["bool"]["filter"]) == expected_clauses
    if with_vector:
        assert body["knn"]["k"] == limit <= body["knn"]["num_candidates"] <= 10_000
