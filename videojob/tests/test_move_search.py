"""The planner asks the move index: the local index and Elasticsearch answer as in-memory filtering would,
rank by similarity to the song, and decide which clips a plan may use."""

import json

import pytest
from bachata.moves.es_index import ElasticsearchMoveIndex
from bachata.moves.local_index import LocalMoveIndex
from bachata.moves.tests.fake_elasticsearch import FakeElasticsearch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from videojob.analysis import analyze_audio
from videojob.library import (
    DIFFICULTY_LEVELS,
    ENERGY_LEVELS,
    STYLE_BY_LABEL,
    STYLES,
    LibraryError,
    load_move_library,
)
from videojob.move_search import index_move_search, job_move_index, library_move_index
from videojob.planner import PlanRequest, plan_choreography, search_in_memory


@pytest.fixture(scope="module")
def library(ingested_demo_library):
    return load_move_library(ingested_demo_library.index_path)


@pytest.fixture(scope="module")
def documents(ingested_demo_library):
    return json.loads(ingested_demo_library.index_path.read_text())["embeddings"]


@pytest.fixture(scope="module")
def song(demo_song):
    return analyze_audio(demo_song.path)


filter_sets = st.fixed_dictionaries(
    {
        "difficulty": st.none() | st.sets(st.sampled_from(DIFFICULTY_LEVELS), min_size=1).map(tuple),
        "style": st.none() | st.sampled_from(STYLES),
        "energy_level": st.none() | st.sampled_from(ENERGY_LEVELS),
        "move_labels": st.none() | st.sets(st.sampled_from(sorted(STYLE_BY_LABEL)), min_size=1).map(tuple),
    }
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(filters=filter_sets)
def test_the_index_returns_exactly_the_clips_the_filters_select(library, song, filters):
    from_index = index_move_search(library_move_index(library), song.audio_embedding)(filters)
    assert set(from_index) == set(search_in_memory(library.moves)(filters))
    assert all(0 <= score <= 1 for score in from_index.values())  # (1 + cosine) / 2


def test_hits_are_ranked_by_how_much_the_clip_music_resembles_the_song(library, documents):
    for document in documents[:3]:
        scores = index_move_search(library_move_index(library), document["audio_embedding"])({})
        assert max(scores, key=scores.get) == document["clip_id"]
        assert scores[document["clip_id"]] == pytest.approx(1.0)


def test_a_plan_uses_only_the_clips_the_index_returns(library, documents, song):
    regular = [d for d in documents if d["move_label"] not in ("intros", "outro")]
    left_out = {d["clip_id"] for d in regular[: len(regular) // 3]}
    index = LocalMoveIndex([d for d in documents if d["clip_id"] not in left_out])
    for seed in range(4):
        plan = plan_choreography(
            song, library.moves, PlanRequest(seed=seed), search=index_move_search(index, song.audio_embedding)
        )
        used = {segment.clip_id for segment in plan.segments}
        assert used and not used & left_out, plan.notes
    unrestricted = [
        plan_choreography(song, library.moves, PlanRequest(seed=seed)) for seed in range(4)
    ]  # the same requests without the index do use those clips
    assert left_out & {s.clip_id for plan in unrestricted for s in plan.segments}


def test_elasticsearch_and_the_local_index_give_the_same_plan(library, documents, song):
    request = PlanRequest(difficulty="beginner", energy_level="high", seed=7)
    local = plan_choreography(
        song,
        library.moves,
        request,
        search=index_move_search(library_move_index(library), song.audio_embedding),
    )
    with FakeElasticsearch() as server:
        es = ElasticsearchMoveIndex.from_url(server.url, "bachata_move_embeddings")
        es.ensure_index()
        es.index_documents(documents)
        remote = plan_choreography(
            song, library.moves, request, search=index_move_search(es, song.audio_embedding)
        )
        searches = server.requests_to("/_search")
    assert remote == local
    assert searches and all("knn" in request.body for request in searches)  # kNN on the song's embedding


def test_a_silent_song_is_matched_by_filters_alone(library):
    scores = index_move_search(library_move_index(library), [0.0] * 128)({"energy_level": "high"})
    assert scores and set(scores.values()) == {None}


def test_the_job_uses_the_configured_index_or_the_library_own(settings, library, documents, tmp_path):
    settings.MOVE_INDEX = "local"
    settings.MOVE_INDEX_PATH = tmp_path / "absent.json"
    assert job_move_index(library).clip_ids() == {move.clip_id for move in library.moves}

    settings.MOVE_INDEX_PATH = tmp_path / "some.json"
    settings.MOVE_INDEX_PATH.write_text(json.dumps(documents[:2]))
    assert job_move_index(library).clip_ids() == {d["clip_id"] for d in documents[:2]}

    other = [{**documents[0], "clip_id": "not_in_the_library"}]
    settings.MOVE_INDEX_PATH.write_text(json.dumps(other))
    with pytest.raises(LibraryError, match="holds none of the clips of the library"):
        job_move_index(library)

    settings.MOVE_INDEX_PATH.write_text("{not json")
    with pytest.raises(LibraryError, match="cannot load the move index"):
        job_move_index(library)

    settings.MOVE_INDEX = "elasticsearch"
    settings.ELASTICSEARCH_URL = "http://127.0.0.1:9"
    assert isinstance(job_move_index(library), ElasticsearchMoveIndex)
