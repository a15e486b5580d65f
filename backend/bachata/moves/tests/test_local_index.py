import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bachata.moves.evaluator import UnsupportedSearchBody, execute_search_body
from bachata.moves.interface import MoveIndexUnavailable
from bachata.moves.local_index import LocalMoveIndex
from bachata.moves.vocabulary import DIFFICULTIES, ENERGY_LEVELS, MOVE_LABELS, STYLES

from .conftest import generated_documents, random_vector, reference_ranking

filters = st.fixed_dictionaries(
    {
        "difficulty": st.none() | st.sampled_from(DIFFICULTIES),
        "energy_level": st.none() | st.sampled_from(ENERGY_LEVELS),
        "style": st.none() | st.sampled_from(STYLES),
        "move_labels": st.none() | st.lists(st.sampled_from(MOVE_LABELS), min_size=1, max_size=4),
    }
)


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    count=st.integers(0, 60),
    criteria=filters,
    limit=st.integers(1, 25),
    with_vector=st.booleans(),
    vector_field=st.sampled_from(["audio_embedding", "text_embedding"]),
)
def test_generated_documents_rank_as_elasticsearch_would(
    seed, count, criteria, limit, with_vector, vector_field
):
    documents = generated_documents(seed, count)
    vector = random_vector(seed + 1, vector_field) if with_vector else None
    result = LocalMoveIndex(documents).search(vector, vector_field=vector_field, limit=limit, **criteria)

    remaining = {k: v for k, v in criteria.items() if k not in result.relaxed}
    assert result.clip_ids == reference_ranking(
        documents, vector, vector_field=vector_field, limit=limit, **remaining
    )
    # relaxation: in the legacy order, only while too few hits, only filters that were set
    order = ["energy_level", "difficulty", "style", "move_labels"]
    assert (
        list(result.relaxed) == [name for name in order if criteria[name] is not None][: len(result.relaxed)]
    )
    if len(result.hits) < min(limit, 10):  # too few even so: every filter that was set got dropped
        assert set(result.relaxed) == {name for name in order if criteria[name] is not None}
    if result.relaxed:
        before = {k: v for k, v in criteria.items() if k not in result.relaxed[:-1]}
        strict = reference_ranking(documents, vector, vector_field=vector_field, limit=limit, **before)
        assert len(strict) < min(limit, 10)


def test_scores_are_elasticsearch_cosine_scores_and_vectors_stay_out_of_hits():
    documents = [
        {"clip_id": "same", "move_label": "basic", "audio_embedding": [1.0] + [0.0] * 127},
        {"clip_id": "opposite", "move_label": "basic", "audio_embedding": [-1.0] + [0.0] * 127},
        {"clip_id": "orthogonal", "move_label": "basic", "audio_embedding": [0.0, 1.0] + [0.0] * 126},
        {"clip_id": "no_vector", "move_label": "basic"},
    ]
    result = LocalMoveIndex(documents).search([2.0] + [0.0] * 127)
    assert [(hit.clip_id, hit.score) for hit in result.hits] == [
        ("same", 1.0),
        ("orthogonal", 0.5),
        ("opposite", 0.0),
    ]
    assert result.hits[0].document == {"clip_id": "same", "move_label": "basic"}


def test_equal_scores_are_ordered_by_clip_id():
    documents = [{"clip_id": name, "audio_embedding": [0.3] * 128} for name in ("c", "a", "b")]
    assert LocalMoveIndex(documents).search([1.0] * 128).clip_ids == ["a", "b", "c"]


def test_filter_only_search_ranks_by_quality_with_missing_last():
    documents = [
        {"clip_id": "b", "quality_score": 0.5},
        {"clip_id": "a", "quality_score": 0.5},
        {"clip_id": "z", "quality_score": 0.9},
        {"clip_id": "m"},
    ]
    result = LocalMoveIndex(documents).search()
    assert result.clip_ids == ["z", "a", "b", "m"]
    assert [hit.score for hit in result.hits] == [None] * 4


def test_relaxation_drops_energy_first_and_reports_it(legacy_documents):
    assert (
        len(reference_ranking(legacy_documents, difficulty="beginner", energy_level="high", limit=100)) == 5
    )
    result = LocalMoveIndex(legacy_documents).search(difficulty="beginner", energy_level="high")
    assert result.relaxed == ("energy_level",)
    assert len(result.hits) == 10
    assert {hit.document["difficulty"] for hit in result.hits} == {"beginner"}


def test_no_relaxation_when_enough_clips_match(legacy_documents):
    result = LocalMoveIndex(legacy_documents).search(difficulty="advanced", limit=10)
    assert result.relaxed == ()
    assert {hit.document["difficulty"] for hit in result.hits} == {"advanced"}


def test_a_clip_finds_itself_first_in_the_legacy_export(legacy_documents):
    index = LocalMoveIndex(legacy_documents)
    for document in legacy_documents[::7]:
        for field in ("audio_embedding", "text_embedding", "lead_embedding"):
            top = index.search(document[field], vector_field=field, limit=1).hits[0]
            assert top.score == pytest.approx(1.0)
            # several clips can share one text embedding (one per label/difficulty/energy): ties go by clip_id
            assert top.clip_id == document["clip_id"] or field == "text_embedding"


@pytest.mark.parametrize("field", ["audio_embedding", "text_embedding", "interaction_embedding"])
@pytest.mark.parametrize(
    "criteria",
    [
        {},
        {"difficulty": "intermediate"},
        {"energy_level": "high", "difficulty": "advanced"},
        {"style": "playful"},
        {"move_labels": ["cross_body_lead", "dips"]},
    ],
)
def test_legacy_export_ranks_as_elasticsearch_would(legacy_documents, field, criteria):
    query = legacy_documents[3][field]
    result = LocalMoveIndex(legacy_documents).search(query, vector_field=field, **criteria)
    remaining = {k: v for k, v in criteria.items() if k not in result.relaxed}
    assert result.clip_ids == reference_ranking(legacy_documents, query, vector_field=field, **remaining)


def test_index_documents_upserts_and_rewrites_the_file(tmp_path):
    path = tmp_path / "moves" / "index.json"
    index = LocalMoveIndex([], path=path)
    assert index.index_documents(generated_documents(1, 3)) == 3
    assert (
        index.index_documents([{"clip_id": generated_documents(1, 3)[0]["clip_id"], "quality_score": 1.0}])
        == 1
    )
    reloaded = LocalMoveIndex.from_file(path)
    assert len(reloaded) == 3
    assert reloaded.search(limit=1).hits[0].document["quality_score"] == 1.0
    assert [p.name for p in path.parent.iterdir()] == ["index.json"]  # no temporary files left
    stored = json.loads(path.read_text())
    assert all(isinstance(doc["audio_embedding"], list) for doc in stored if "audio_embedding" in doc)


def test_from_file_reports_a_missing_or_broken_file(tmp_path):
    with pytest.raises(MoveIndexUnavailable, match="cannot load"):
        LocalMoveIndex.from_file(tmp_path / "absent.json")
    (tmp_path / "bad.json").write_text('[{"clip_id": 3}]')
    with pytest.raises(MoveIndexUnavailable, match="clip_id"):
        LocalMoveIndex.from_file(tmp_path / "bad.json")


@pytest.mark.parametrize(
    "body",
    [
        {"query": {"match": {"move_label": "spin"}}},
        {"query": {"bool": {"should": []}}},
        {"aggs": {}},
        {"knn": {"field": "audio_embedding", "query_vector": [1.0], "k": 5, "num_candidates": 2}},
        {
            "knn": {"field": "audio_embedding", "query_vector": [1.0], "k": 1, "num_candidates": 2},
            "query": {"match_all": {}},
        },
    ],
)
def test_the_evaluator_refuses_what_it_does_not_implement(body):
    with pytest.raises(UnsupportedSearchBody):
        execute_search_body(body, [{"clip_id": "a", "audio_embedding": [1.0]}])
