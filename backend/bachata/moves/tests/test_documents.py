import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bachata.moves.documents import (
    VECTOR_DIMS,
    InvalidMoveDocument,
    index_mapping,
    load_documents,
    validate_document,
)


def test_index_mapping_is_the_legacy_mapping():
    vector = {"type": "dense_vector", "index": True, "similarity": "cosine"}
    assert index_mapping() == {
        "mappings": {
            "properties": {
                "audio_embedding": {**vector, "dims": 128},
                "lead_embedding": {**vector, "dims": 512},
                "follow_embedding": {**vector, "dims": 512},
                "interaction_embedding": {**vector, "dims": 256},
                "text_embedding": {**vector, "dims": 384},
                "clip_id": {"type": "keyword"},
                "move_label": {"type": "keyword"},
                "difficulty": {"type": "keyword"},
                "energy_level": {"type": "keyword"},
                "lead_follow_roles": {"type": "keyword"},
                "estimated_tempo": {"type": "float"},
                "video_path": {"type": "text"},
                "quality_score": {"type": "float"},
                "detection_rate": {"type": "float"},
                "frame_count": {"type": "integer"},
                "processing_time": {"type": "float"},
                "version": {"type": "keyword"},
                "created_at": {"type": "date"},
            }
        }
    }


def test_every_document_of_the_legacy_export_is_valid(legacy_documents):
    assert len(legacy_documents) == 38
    for document in legacy_documents:
        assert validate_document(document) is document


def test_a_document_may_leave_out_what_cannot_be_computed():
    validate_document({"clip_id": "basic_1", "move_label": "basic", "audio_embedding": [0.5] * 128})


@pytest.mark.parametrize(
    ("document", "problem"),
    [
        ([], "JSON object"),
        ({"clip_id": ""}, "clip_id"),
        ({"clip_id": "a", "audio_embedding": [1.0] * 127}, "128 finite numbers"),
        ({"clip_id": "a", "text_embedding": [float("nan")] * 384}, "384 finite numbers"),
        ({"clip_id": "a", "audio_embedding": [0.0] * 128}, "all zeros"),
        ({"clip_id": "a", "audio_embedding": [True] * 128}, "finite numbers"),
        ({"clip_id": "a", "difficulty": "low"}, "difficulty must be one of"),
        ({"clip_id": "a", "energy_level": "extreme"}, "energy_level"),
        ({"clip_id": "a", "frame_count": "300"}, "frame_count must be a number"),
        ({"clip_id": "a", "move_label": 7}, "move_label must be a string"),
    ],
)
def test_invalid_documents_are_refused_with_the_reason(document, problem):
    with pytest.raises(InvalidMoveDocument, match=problem):
        validate_document(document)


@given(
    st.dictionaries(
        st.text(max_size=25),
        st.none() | st.integers() | st.text(max_size=5) | st.lists(st.floats(), max_size=3),
    )
)
def test_validation_only_ever_accepts_or_raises_invalid_move_document(document):
    try:
        validate_document(document)
    except InvalidMoveDocument:
        return
    assert isinstance(document["clip_id"], str)
    assert not any(document.get(field) for field in VECTOR_DIMS)  # short lists never pass as vectors


def test_load_documents_reads_a_list_or_a_legacy_export(tmp_path):
    document = {"clip_id": "spin_1", "move_label": "spin", "difficulty": "advanced"}
    (tmp_path / "list.json").write_text(json.dumps([document]))
    (tmp_path / "export.json").write_text(
        json.dumps({"index_name": "bachata_move_embeddings", "embeddings": [document]})
    )
    (tmp_path / "other.json").write_text(json.dumps({"clips": []}))
    assert load_documents(tmp_path / "list.json") == [document]
    assert load_documents(tmp_path / "export.json") == [document]
    with pytest.raises(InvalidMoveDocument, match="expected a list"):
        load_documents(tmp_path / "other.json")
