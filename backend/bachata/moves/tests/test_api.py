import pytest

from bachata.moves.local_index import LocalMoveIndex

pytestmark = pytest.mark.django_db

DOCS = [
    {
        "clip_id": "basic_1",
        "move_label": "basic",
        "difficulty": "beginner",
        "energy_level": "low",
        "estimated_tempo": 120.0,
        "quality_score": 0.9,
    },
    {
        "clip_id": "turn_1",
        "move_label": "ladyturn",
        "difficulty": "intermediate",
        "energy_level": "medium",
        "estimated_tempo": 128.0,
        "quality_score": 0.8,
    },
    {
        "clip_id": "turn_2",
        "move_label": "ladyturn",
        "difficulty": "advanced",
        "energy_level": "high",
        "estimated_tempo": 132.0,
        "quality_score": 0.95,
    },
    {
        "clip_id": "wave_1",
        "move_label": "bodywaves",
        "difficulty": "intermediate",
        "energy_level": "medium",
        "estimated_tempo": 124.0,
        "quality_score": 0.7,
    },
]


@pytest.fixture
def move_index(settings, tmp_path):
    settings.MOVE_INDEX = "local"
    settings.MOVE_INDEX_PATH = tmp_path / "moves.json"
    LocalMoveIndex([], path=settings.MOVE_INDEX_PATH).index_documents(DOCS)


def test_search_by_words_and_filters(api, move_index):
    body = api.get("/api/moves/search?q=lady+turns&limit=2").json()
    assert [m["clip_id"] for m in body["results"]] == ["turn_2", "turn_1"]  # best quality first
    assert body["relaxed"] == []
    assert body["results"][0]["style"] in ("romantic", "energetic", "sensual", "playful")
    # Asking for more than the library has of a move relaxes the move filter, as the legacy search did.
    wider = api.get("/api/moves/search?q=lady+turns&limit=5").json()
    assert "move_labels" in wider["relaxed"] and len(wider["results"]) == 4
    assert body["understood"] and body["understood"][0]["field"] == "specific_moves"
    filtered = api.get("/api/moves/search?difficulty=beginner&limit=1").json()
    assert [m["clip_id"] for m in filtered["results"]] == ["basic_1"]


def test_filters_are_relaxed_and_say_so(api, move_index):
    body = api.get("/api/moves/search?q=turns&difficulty=beginner&energy_level=low").json()
    assert body["relaxed"]
    assert {m["move_label"] for m in body["results"]} <= {"ladyturn", "basic", "bodywaves"}


@pytest.mark.parametrize("query", ["difficulty=pro", "limit=0", "limit=51", "style=salsa", "energy_level="])
def test_bad_search_parameters(api, move_index, query):
    response = api.get(f"/api/moves/search?{query}")
    assert response.status_code == 400 and response.json()["fields"]


def test_an_unavailable_index_is_a_readable_503(api, settings, tmp_path):
    settings.MOVE_INDEX = "local"
    settings.MOVE_INDEX_PATH = tmp_path / "missing.json"
    response = api.get("/api/moves/search")
    assert response.status_code == 503
    assert response.json()["code"] == "move_index_unavailable"


@pytest.mark.parametrize("path", ["/api/choreography/parse-query", "/api/moves/parse-query/"])
def test_parse_query(api, settings, path):
    settings.QUERY_PARSER = "rules"
    body = api.post(
        path, {"query": "an energetic advanced routine at 140 bpm with spins, no dips"}, format="json"
    ).json()
    assert (body["difficulty"], body["energy_level"], body["tempo"], body["bpm"]) == (
        "advanced",
        "high",
        "fast",
        140,
    )
    assert "spin" in body["specific_moves"]
    assert body["source"] == "rules"
    assert any(u["field"] == "bpm" for u in body["understood"])


def test_parse_query_validation_and_auth(api, anon):
    assert api.post("/api/choreography/parse-query", {}, format="json").json()["fields"]["query"]
    assert api.post("/api/choreography/parse-query", {"query": "x" * 2001}, format="json").status_code == 400
    assert anon.post("/api/choreography/parse-query", {"query": "slow"}, format="json").status_code == 401
