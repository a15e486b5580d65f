import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from bachata.moves.factory import get_move_index

from .conftest import generated_documents
from .fake_elasticsearch import FakeElasticsearch


@pytest.fixture
def ingest_output(tmp_path):
    """The shape `python -m videojob ingest` writes: {"embeddings": [...documents...]}."""
    path = tmp_path / "move_index.json"
    path.write_text(json.dumps({"version": "test", "embeddings": generated_documents(1, 6)}))
    return path


def test_load_into_the_local_index(settings, tmp_path, ingest_output):
    settings.MOVE_INDEX, settings.MOVE_INDEX_PATH = "local", tmp_path / "index" / "moves.json"
    out = StringIO()
    call_command("moves_index_load", str(ingest_output), stdout=out)
    assert "loaded 6 move documents into the local index" in out.getvalue()
    assert len(get_move_index().search(limit=10).hits) == 6


def test_bulk_load_into_elasticsearch_with_the_legacy_mapping(settings, ingest_output):
    with FakeElasticsearch() as server:
        settings.MOVE_INDEX, settings.ELASTICSEARCH_URL = "elasticsearch", server.url
        out = StringIO()
        call_command("moves_index_load", str(ingest_output), stdout=out)
        assert "created index" in out.getvalue() and "loaded 6" in out.getvalue()
        assert server.requests_to("_bulk")


def test_a_bad_file_is_a_clear_error(settings, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"nope": 1}')
    with pytest.raises(CommandError, match="expected a list of move documents"):
        call_command("moves_index_load", str(bad))
