import json

import pytest
from django.core.exceptions import ImproperlyConfigured

from bachata.moves import get_move_index
from bachata.moves.es_index import ElasticsearchMoveIndex
from bachata.moves.interface import MoveIndexUnavailable
from bachata.moves.local_index import LocalMoveIndex


def test_local_index_comes_from_move_index_path_and_follows_changes(settings, tmp_path):
    path = tmp_path / "moves.json"
    path.write_text(json.dumps([{"clip_id": "basic_1"}]))
    settings.MOVE_INDEX, settings.MOVE_INDEX_PATH = "local", path
    index = get_move_index()
    assert isinstance(index, LocalMoveIndex)
    assert get_move_index() is index  # loaded once
    index.index_documents([{"clip_id": "spin_1"}])  # rewrites the file
    assert get_move_index().search().clip_ids == ["basic_1", "spin_1"]


def test_a_missing_local_index_file_is_reported(settings, tmp_path):
    settings.MOVE_INDEX, settings.MOVE_INDEX_PATH = "local", tmp_path / "absent.json"
    with pytest.raises(MoveIndexUnavailable, match=r"absent\.json"):
        get_move_index()


def test_elasticsearch_index_uses_the_configured_url_and_index(settings):
    settings.MOVE_INDEX = "elasticsearch"
    settings.ELASTICSEARCH_URL, settings.ELASTICSEARCH_INDEX = "http://127.0.0.1:9", "moves_test"
    index = get_move_index()
    assert isinstance(index, ElasticsearchMoveIndex)
    assert index.index_name == "moves_test"
    assert index.client.transport.node_pool.get().base_url == "http://127.0.0.1:9"


@pytest.mark.parametrize(("kind", "url"), [("qdrant", "http://x"), ("elasticsearch", "")])
def test_bad_configuration_is_refused(settings, kind, url):
    settings.MOVE_INDEX, settings.ELASTICSEARCH_URL = kind, url
    with pytest.raises(ImproperlyConfigured):
        get_move_index()
