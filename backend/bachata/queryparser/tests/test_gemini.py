import json
import time

import pytest

from bachata.queryparser.gemini import GeminiQueryParser
from bachata.queryparser.rules import RuleBasedQueryParser
from bachata.queryparser.schema import Understood

from .fake_gemini import FakeGemini, answer_with_text, server_error

DESCRIPTION = "sensual and slow, for intermediate dancers, with hip rolls and no spins"
GOOD_ANSWER = {
    "difficulty": "intermediate",
    "energy_level": "low",
    "style": "sensual",
    "tempo": "slow",
    "bpm": None,
    "specific_moves": ["hiprolls"],
    "understood": [
        {"phrase": "sensual", "field": "style", "value": "sensual"},
        {"phrase": "slow", "field": "tempo", "value": "slow"},
        {"phrase": "intermediate dancers", "field": "difficulty", "value": "intermediate"},
        {"phrase": "hip rolls", "field": "specific_moves", "value": "hiprolls"},
        {"phrase": "no spins", "field": "specific_moves", "value": "spin", "negated": True},
    ],
}


@pytest.fixture
def gemini():
    with FakeGemini() as server:
        yield server


def parser_for(server, timeout_seconds=5.0):
    return GeminiQueryParser("test-key", base_url=server.url, timeout_seconds=timeout_seconds)


def test_a_good_answer_is_used(gemini):
    gemini.reply = lambda: answer_with_text(json.dumps(GOOD_ANSWER))
    parsed = parser_for(gemini).parse(DESCRIPTION)
    assert parsed.source == "gemini" and parsed.fallback_reason is None
    assert parsed.parameters() == {
        "difficulty": "intermediate",
        "energy_level": "low",
        "style": "sensual",
        "tempo": "slow",
        "specific_moves": ["hiprolls"],
    }
    assert parsed.understood[-1] == Understood("no spins", "specific_moves", "spin", negated=True)


def test_the_request_asks_the_model_for_schema_json(gemini):
    gemini.reply = lambda: answer_with_text(json.dumps(GOOD_ANSWER))
    parser_for(gemini).parse(DESCRIPTION)
    (request,) = gemini.requests
    assert request["path"].endswith("/models/gemini-2.5-flash:generateContent")
    assert request["headers"]["x-goog-api-key"] == "test-key"
    body = request["body"]
    assert body["contents"] == [{"role": "user", "parts": [{"text": DESCRIPTION}]}]
    config = body["generationConfig"]
    assert config["responseMimeType"] == "application/json"
    assert config["temperature"] == 0.0
    assert config["responseJsonSchema"]["properties"]["style"]["enum"] == [
        "romantic",
        "energetic",
        "sensual",
        "playful",
    ]
    assert "hammerlock" in body["systemInstruction"]["parts"][0]["text"]


@pytest.mark.parametrize(
    ("reply", "reason"),
    [
        (lambda: answer_with_text('{"difficulty": "beginner", '), "JSONDecodeError"),
        (lambda: answer_with_text("Sure! Here are your parameters."), "JSONDecodeError"),
        (lambda: answer_with_text(json.dumps({**GOOD_ANSWER, "style": "modern"})), "style must be one of"),
        (lambda: answer_with_text(json.dumps({**GOOD_ANSWER, "specific_moves": ["dips"]})), "move labels"),
        (lambda: answer_with_text(json.dumps({**GOOD_ANSWER, "bpm": 1000})), "bpm must be"),
        (lambda: answer_with_text(json.dumps([GOOD_ANSWER])), "JSON object"),
        (lambda: (200, {"candidates": []}), "gemini: "),
        (server_error, "500"),
    ],
)
def test_any_bad_answer_falls_back_to_the_rules_and_says_why(gemini, reply, reason):
    gemini.reply = reply
    parsed = parser_for(gemini).parse(DESCRIPTION)
    assert parsed.source == "rules"
    assert parsed.fallback_reason.startswith("gemini: ") and reason in parsed.fallback_reason
    expected = RuleBasedQueryParser().parse(DESCRIPTION)
    assert (
        parsed.parameters()
        == expected.parameters()
        == {
            "difficulty": "intermediate",
            "energy_level": "medium",
            "style": "sensual",
            "tempo": "slow",
            "specific_moves": ["hiprolls"],
        }
    )
    assert len(gemini.requests) == 1  # no retries: the fallback answers at once


def test_a_slow_answer_times_out_into_the_rules(gemini):
    gemini.delay_seconds = 2.0
    gemini.reply = lambda: answer_with_text(json.dumps(GOOD_ANSWER))
    started = time.monotonic()
    parsed = parser_for(gemini, timeout_seconds=0.3).parse(DESCRIPTION)
    assert time.monotonic() - started < 1.5
    assert parsed.source == "rules"
    assert "Timeout" in parsed.fallback_reason


def test_an_unreachable_endpoint_falls_back(gemini):
    parser = GeminiQueryParser("test-key", base_url="http://127.0.0.1:9", timeout_seconds=1)
    parsed = parser.parse("fast and fun")
    assert parsed.source == "rules" and parsed.tempo == "fast" and parsed.style == "playful"
    assert parsed.fallback_reason.startswith("gemini: ")


def test_blank_text_is_not_sent(gemini):
    parsed = parser_for(gemini).parse("   ")
    assert gemini.requests == []
    assert parsed.source == "rules" and parsed.fallback_reason is None
