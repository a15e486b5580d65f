import json
import math
import os
import random
import struct
from pathlib import Path

import pytest

from bachata.moves.documents import VECTOR_DIMS
from bachata.moves.vocabulary import DIFFICULTIES, ENERGY_LEVELS, MOVE_LABELS, labels_for_style

MOVELIB = Path(
    os.environ.get("MOVELIB_DIR", Path(__file__).resolve().parents[4].parent / "shared" / "movelib")
)
LEGACY_EXPORT = MOVELIB / "legacy_es_backup.json"


@pytest.fixture(scope="session")
def legacy_documents():
    if not LEGACY_EXPORT.exists():
        pytest.skip(
            f"the legacy index export is not here ({LEGACY_EXPORT}); set MOVELIB_DIR to run this test"
        )
    return json.loads(LEGACY_EXPORT.read_text())["embeddings"]


def generated_documents(seed: int, count: int, *, vector_fields=("audio_embedding", "text_embedding")):
    """Documents in the legacy format with random unit vectors and metadata; some fields left out."""
    rng = random.Random(seed)
    documents = []
    for n in range(count):
        document = {
            "clip_id": f"clip_{rng.randrange(10_000):04d}_{n}",
            "move_label": rng.choice(MOVE_LABELS),
            "difficulty": rng.choice(DIFFICULTIES),
            "energy_level": rng.choice(ENERGY_LEVELS),
            "estimated_tempo": float(rng.randrange(100, 150)),
            "video_path": f"moves/{n}.mp4",
        }
        if rng.random() < 0.8:
            document["quality_score"] = round(rng.random(), 2)  # coarse, so ties happen
        for field in vector_fields:
            if rng.random() < 0.9:  # some clips lack a vector
                document[field] = [rng.gauss(0, 1) for _ in range(VECTOR_DIMS[field])]
        documents.append(document)
    return documents


def random_vector(seed: int, field: str = "audio_embedding") -> list[float]:
    rng = random.Random(seed)
    return [rng.gauss(0, 1) for _ in range(VECTOR_DIMS[field])]


def reference_ranking(
    documents,
    query_vector=None,
    *,
    vector_field="audio_embedding",
    difficulty=None,
    energy_level=None,
    style=None,
    move_labels=None,
    limit=10,
):
    """What Elasticsearch returns for one body, written out plainly (no numpy, no evaluator)."""

    def passes(d):
        return (
            (difficulty is None or d.get("difficulty") == difficulty)
            and (energy_level is None or d.get("energy_level") == energy_level)
            and (style is None or d.get("move_label") in labels_for_style(style))
            and (not move_labels or d.get("move_label") in move_labels)
        )

    chosen = [d for d in documents if passes(d)]
    if query_vector is None:
        with_q = sorted(
            (d for d in chosen if d.get("quality_score") is not None),
            key=lambda d: (-d["quality_score"], d["clip_id"]),
        )
        without_q = sorted((d for d in chosen if d.get("quality_score") is None), key=lambda d: d["clip_id"])
        return [d["clip_id"] for d in (with_q + without_q)[:limit]]

    def score(d):
        v = d[vector_field]
        dot = sum(a * b for a, b in zip(v, query_vector, strict=True))
        cos = dot / (math.sqrt(sum(a * a for a in v)) * math.sqrt(sum(b * b for b in query_vector)))
        return struct.unpack("f", struct.pack("f", (1 + cos) / 2))[0]  # scores are float32

    scored = sorted(
        ((score(d), d["clip_id"]) for d in chosen if d.get(vector_field) is not None),
        key=lambda pair: (-pair[0], pair[1]),
    )
    return [clip_id for _, clip_id in scored[:limit]]
