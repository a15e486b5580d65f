import pytest
from hypothesis import given
from hypothesis import strategies as st

from bachata.moves.vocabulary import DIFFICULTIES, ENERGY_LEVELS, MOVE_LABELS, STYLES, TEMPOS
from bachata.queryparser.rules import PHRASES, RuleBasedQueryParser
from bachata.queryparser.schema import DEFAULTS, UNDERSTOOD_FIELDS, Understood, parsed_query_from_json

parse = RuleBasedQueryParser().parse

# one plain example phrase per (field, value), taken from the parser's own table where it is a plain word
MOVE_SYNONYMS = {
    "arm_styling": ["arm styling", "arms"],
    "basic": ["basic steps", "side basic", "basics"],
    "bodywaves": ["body waves", "body rolls", "bodywave"],
    "bolero": ["bolero"],
    "cross_body_lead": ["cross body leads", "cross-body lead", "CBL"],
    "footwork": ["footwork", "fancy steps", "shines"],
    "golpes": ["golpes", "stomps"],
    "hammerlock": ["hammerlocks", "hammer lock"],
    "headrolls": ["head rolls", "hair flips"],
    "hiprolls": ["hip rolls", "hip circles", "hips"],
    "intros": ["an intro", "opening moves"],
    "ladyturn": ["lady turns", "lady's right turn", "turns", "vueltas"],
    "outro": ["an ending", "outro"],
    "shadow": ["shadow position", "shadows"],
    "spin": ["spins", "twirls", "giros"],
    "style": ["styling", "flourishes"],
}


def test_every_move_label_has_synonyms():
    assert sorted(MOVE_SYNONYMS) == sorted(MOVE_LABELS)
    assert {value for field, value in PHRASES if field == "specific_moves"} == set(MOVE_LABELS)


def test_a_description_with_everything():
    parsed = parse(
        "A romantic beginner routine, not too fast, with some spins and a body roll - but no dips or shadows!"
    )
    assert parsed.parameters() == {
        "difficulty": "beginner",
        "energy_level": "medium",
        "style": "romantic",
        "tempo": "medium",
        "specific_moves": ["spin", "bodywaves"],
    }
    assert parsed.source == "rules" and parsed.fallback_reason is None and parsed.bpm is None
    assert parsed.understood == (
        Understood("romantic", "style", "romantic"),
        Understood("beginner", "difficulty", "beginner"),
        Understood("not too fast", "tempo", "medium", negated=True),
        Understood("spins", "specific_moves", "spin"),
        Understood("body roll", "specific_moves", "bodywaves"),
        Understood("no dips or shadows", "specific_moves", "shadow", negated=True),
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", DEFAULTS),
        ("slow and sensual", {"tempo": "slow", "style": "sensual"}),
        ("something fast for experts", {"tempo": "fast", "difficulty": "advanced"}),
        ("calm and easy", {"energy_level": "low", "difficulty": "beginner"}),
        ("easy going", {"energy_level": "low", "difficulty": "beginner"}),  # "easy going" is not "easy"
        ("energetic party routine", {"energy_level": "high", "style": "energetic"}),
        ("not too hard", {"difficulty": "intermediate"}),
        ("nothing too advanced please", {"difficulty": "intermediate"}),
        ("I don't want it too energetic", {"energy_level": "medium", "style": "romantic"}),
        ("less intense", {"energy_level": "medium"}),
        ("not slow", {"tempo": "medium"}),
        ("not slow, fast!", {"tempo": "fast"}),  # a plain mention beats a negated one
        ("not medium difficulty", {"difficulty": "beginner"}),  # a negated middle decides nothing
        ("not romantic, playful", {"style": "playful"}),
        ("no spins and a body roll", {"specific_moves": ["bodywaves"]}),  # "and" ends the negation
        ("don't want too many turns", {}),
        (
            "medium tempo with medium energy",
            {"tempo": "medium", "energy_level": "medium", "difficulty": "beginner"},
        ),
        ("flirty and fun, for improvers", {"style": "playful", "difficulty": "intermediate"}),
        (
            "bachata lenta y romántica para principiantes",
            {"tempo": "slow", "style": "romantic", "difficulty": "beginner"},
        ),
        ("beginner... actually advanced", {"difficulty": "beginner"}),  # the first mention wins
    ],
)
def test_words_and_negation(text, expected):
    assert parse(text).parameters() == {**DEFAULTS, "specific_moves": [], **expected}


@pytest.mark.parametrize(
    ("text", "bpm", "tempo"),
    [
        ("at 130 bpm", 130, "medium"),
        ("130BPM please", 130, "medium"),
        ("around 118 beats per minute", 118, "slow"),
        ("tempo of 142", 142, "fast"),
        ("tempo: 135, slow and romantic", 135, "fast"),  # the number beats the word
        ("slow, at 128.5 bpm", 128, "medium"),
        ("at 1300 bpm", None, "medium"),
        ("at 20 bpm then 140 bpm", 140, "fast"),  # out-of-range numbers are skipped
        ("with 3 spins", None, "medium"),
    ],
)
def test_bpm_numbers(text, bpm, tempo):
    parsed = parse(text)
    assert (parsed.bpm, parsed.tempo) == (bpm, tempo)
    if bpm:
        assert Understood(parsed.understood[0].phrase, "bpm", str(bpm)) in parsed.understood


@given(st.sampled_from(sorted(MOVE_SYNONYMS)), st.data())
def test_any_move_synonym_is_understood(label, data):
    synonym = data.draw(st.sampled_from(MOVE_SYNONYMS[label]))
    assert parse(f"I'd like {synonym} in it").specific_moves == (label,)
    assert label not in parse(f"romantic, but without any {synonym}").specific_moves


@given(st.lists(st.sampled_from(sorted(MOVE_SYNONYMS)), min_size=1, max_size=5, unique=True))
def test_moves_come_in_order_of_mention_without_repeats(labels):
    text = ", ".join(MOVE_SYNONYMS[label][0] for label in labels + labels[:1])
    assert parse(text).specific_moves == tuple(labels)


@given(st.text(max_size=400))
def test_any_text_parses_into_the_vocabulary(text):
    parsed = parse(text)
    assert parsed.difficulty in DIFFICULTIES
    assert parsed.energy_level in ENERGY_LEVELS
    assert parsed.style in STYLES
    assert parsed.tempo in TEMPOS
    assert set(parsed.specific_moves) <= set(MOVE_LABELS)
    assert len(set(parsed.specific_moves)) == len(parsed.specific_moves)
    assert parsed.bpm is None or 40 <= parsed.bpm <= 250
    assert all(item.field in UNDERSTOOD_FIELDS for item in parsed.understood)
    # the answer round-trips through the schema Gemini's answers are held to
    assert parsed_query_from_json(parsed.to_dict(), source="rules") == parsed


vocabulary_words = st.sampled_from(
    [phrase for phrases in PHRASES.values() for phrase in phrases.split("; ") if phrase.isalpha()]
    + ["not", "no", "too", "very", "without", "and", "but", ",", "130 bpm", "tempo", "!", "don't"]
)


@given(st.lists(vocabulary_words, max_size=30).map(" ".join))
def test_sentences_made_of_vocabulary_parse_into_the_vocabulary(text):
    parsed = parse(text)
    assert parsed_query_from_json(parsed.to_dict(), source="rules") == parsed
    assert all(
        item.phrase in " ".join(text.lower().replace("'", "").split()) or item.field in ("bpm", "tempo")
        for item in parsed.understood
    )


def test_very_long_text_is_cut_not_refused():
    parsed = parse("fast " + "la " * 100_000 + "slow")
    assert parsed.tempo == "fast"
