import socket

import pytest
from elasticsearch import Elasticsearch

from bachata.moves.documents import index_mapping
from bachata.moves.es_index import BULK_CHUNK, ElasticsearchMoveIndex
from bachata.moves.interface import MoveIndexUnavailable
from bachata.moves.local_index import LocalMoveIndex
from bachata.moves.search import build_search_body

from .conftest import generated_documents, random_vector
from .fake_elasticsearch import FakeElasticsearch

INDEX = "bachata_move_embeddings"


@pytest.fixture
def fake_es():
    with FakeElasticsearch() as server:
        yield server


@pytest.fixture
def es_index(fake_es):
    return ElasticsearchMoveIndex.from_url(fake_es.url, INDEX)


def test_ensure_index_creates_the_legacy_mapping_once(fake_es, es_index):
    assert es_index.ensure_index() is True
    assert es_index.ensure_index() is False
    assert [(r.method, r.path) for r in fake_es.requests] == [
        ("HEAD", f"/{INDEX}"),
        ("PUT", f"/{INDEX}"),
        ("HEAD", f"/{INDEX}"),
    ]
    assert fake_es.requests[1].body == index_mapping()


def test_bulk_load_sends_index_actions_with_clip_ids_as_ids(fake_es, es_index):
    documents = generated_documents(7, 3)
    es_index.ensure_index()
    assert es_index.index_documents(documents) == 3
    (bulk,) = fake_es.requests_to("/_bulk")
    assert bulk.method in ("POST", "PUT")
    assert bulk.query == {"refresh": ["wait_for"]}
    assert "ndjson" in bulk.headers["content-type"]
    expected = []
    for document in documents:
        expected += [{"index": {"_index": INDEX, "_id": document["clip_id"]}}, document]
    assert bulk.body == expected
    assert set(fake_es.indices[INDEX]["docs"]) == {d["clip_id"] for d in documents}


def test_large_loads_are_sent_in_chunks(fake_es, es_index):
    documents = [{"clip_id": f"clip_{n:04d}", "move_label": "basic"} for n in range(BULK_CHUNK + 5)]
    assert es_index.index_documents(documents) == BULK_CHUNK + 5
    assert [len(r.body) // 2 for r in fake_es.requests_to("/_bulk")] == [BULK_CHUNK, 5]


def test_documents_elasticsearch_refuses_are_reported(fake_es, es_index):
    es_index.ensure_index()
    fake_es.indices[INDEX]["mappings"]["properties"]["audio_embedding"]["dims"] = (
        64  # a server that disagrees
    )
    with pytest.raises(MoveIndexUnavailable, match="1 documents were refused; first good_1"):
        es_index.index_documents([{"clip_id": "good_1", "audio_embedding": [1.0] * 128}])


def test_invalid_documents_never_reach_the_server(fake_es, es_index):
    with pytest.raises(ValueError, match="clip_id"):
        es_index.index_documents([{"clip_id": "ok"}, {"move_label": "spin"}])
    assert fake_es.requests_to("/_bulk") == []


def assert_same_as_local(fake_es, es_index, documents, vector, **criteria):
    es_index.ensure_index()
    es_index.index_documents(documents)
    before = len(fake_es.requests)
    result = es_index.search(vector, **criteria)
    expected = LocalMoveIndex(documents).search(vector, **criteria)
    assert result == expected

    # the client sent exactly our bodies: the strict one, then one per relaxed filter
    searches = [r for r in fake_es.requests[before:] if r.path == f"/{INDEX}/_search"]
    assert len(searches) == 1 + len(result.relaxed)
    remaining = dict(criteria)
    for request, dropped in zip(searches, (None, *result.relaxed), strict=True):
        remaining.pop(dropped, None)
        assert request.method == "POST"
        assert request.body == build_search_body(vector, **remaining)
    return result


def test_search_traffic_and_hits_match_the_local_index(fake_es, es_index):
    documents = generated_documents(3, 40)
    result = assert_same_as_local(
        fake_es,
        es_index,
        documents,
        random_vector(5),
        difficulty="beginner",
        energy_level="low",
        style="energetic",
    )
    assert result.relaxed  # 40 random clips rarely give 10 beginner, low-energy, energetic ones
    assert all(isinstance(hit.score, float) for hit in result.hits)


def test_filter_only_search_traffic_matches_the_local_index(fake_es, es_index):
    assert_same_as_local(
        fake_es, es_index, generated_documents(4, 30), None, move_labels=["spin", "basic"], limit=5
    )


def test_legacy_export_through_the_client_matches_the_local_index(fake_es, es_index, legacy_documents):
    result = assert_same_as_local(
        fake_es,
        es_index,
        legacy_documents,
        legacy_documents[0]["audio_embedding"],
        difficulty="advanced",
        energy_level="medium",
    )
    assert result.hits[0].clip_id == legacy_documents[0]["clip_id"]


def test_the_client_speaks_elasticsearch_9(fake_es, es_index):
    es_index.ensure_index()
    es_index.search(limit=1)
    search = fake_es.requests_to("/_search")[0]
    assert "compatible-with=9" in search.headers["accept"]


def test_search_on_a_missing_index_is_unavailable(es_index):
    with pytest.raises(MoveIndexUnavailable, match="index_not_found_exception"):
        es_index.search()


def test_an_unreachable_server_is_unavailable():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    index = ElasticsearchMoveIndex(Elasticsearch(f"http://127.0.0.1:{port}", max_retries=0), INDEX)
    with pytest.raises(MoveIndexUnavailable, match="searching"):
        index.search()
    with pytest.raises(MoveIndexUnavailable, match="cannot create"):
        index.ensure_index()
