"""What a choreography description parses into, shared by every parser, and its validation.

`difficulty`, `energy_level`, `style`, `tempo` and `specific_moves` are the legacy `parameters` (same keys,
same values). `tempo` keeps the legacy words slow|medium|fast; a number in the text ("130 bpm") is kept in
`bpm` and decides `tempo` (vocabulary.tempo_for_bpm). Fields the text does not mention take the legacy
defaults (beginner, medium, romantic, medium); `understood` lists what the text did decide.
"""

from dataclasses import asdict, dataclass
from typing import Any

from bachata.moves.vocabulary import DIFFICULTIES, ENERGY_LEVELS, MOVE_LABELS, STYLES, TEMPOS

DEFAULTS = {"difficulty": "beginner", "energy_level": "medium", "style": "romantic", "tempo": "medium"}
CHOICES = {"difficulty": DIFFICULTIES, "energy_level": ENERGY_LEVELS, "style": STYLES, "tempo": TEMPOS}
UNDERSTOOD_FIELDS = (*CHOICES, "bpm", "specific_moves")
MIN_BPM, MAX_BPM = 40, 250
MAX_QUERY_CHARS = 2000  # longer descriptions are cut here before parsing


class InvalidParserOutput(ValueError):
    pass


@dataclass(frozen=True)
class Understood:
    phrase: str  # the words of the description, lower-cased
    field: str  # one of UNDERSTOOD_FIELDS
    value: str  # what they set (a move label for specific_moves, the number for bpm)
    negated: bool = False  # "no spins": the move was asked to be left out


@dataclass(frozen=True)
class ParsedQuery:
    difficulty: str = DEFAULTS["difficulty"]
    energy_level: str = DEFAULTS["energy_level"]
    style: str = DEFAULTS["style"]
    tempo: str = DEFAULTS["tempo"]
    bpm: int | None = None
    specific_moves: tuple[str, ...] = ()
    understood: tuple[Understood, ...] = ()
    source: str = "rules"  # rules | gemini: which parser produced this answer
    fallback_reason: str | None = None  # why Gemini's answer was not used, when it was asked

    def parameters(self) -> dict[str, Any]:
        """The legacy `parameters` object of a natural-language task result."""
        return {
            "difficulty": self.difficulty,
            "energy_level": self.energy_level,
            "style": self.style,
            "tempo": self.tempo,
            "specific_moves": list(self.specific_moves),
        }

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["specific_moves"] = list(self.specific_moves)
        data["understood"] = [asdict(item) for item in self.understood]
        return data


def _require(condition: bool, problem: str) -> None:
    if not condition:
        raise InvalidParserOutput(problem)


def parsed_query_from_json(data: Any, *, source: str) -> ParsedQuery:
    """Validate a parser's JSON answer (the schema `response_json_schema` describes) into a ParsedQuery."""
    _require(isinstance(data, dict), "the answer must be a JSON object")
    for name, allowed in CHOICES.items():
        _require(data.get(name) in allowed, f"{name} must be one of {', '.join(allowed)}")
    bpm = data.get("bpm")
    _require(
        bpm is None or (isinstance(bpm, int) and not isinstance(bpm, bool) and MIN_BPM <= bpm <= MAX_BPM),
        f"bpm must be null or an integer from {MIN_BPM} to {MAX_BPM}",
    )
    moves = data.get("specific_moves", [])
    _require(
        isinstance(moves, list) and all(m in MOVE_LABELS for m in moves), "specific_moves must be move labels"
    )
    understood = data.get("understood", [])
    _require(isinstance(understood, list), "understood must be a list")
    items = []
    for item in understood:
        _require(
            isinstance(item, dict)
            and isinstance(item.get("phrase"), str)
            and item.get("field") in UNDERSTOOD_FIELDS
            and isinstance(item.get("value"), str)
            and isinstance(item.get("negated", False), bool),
            "each understood item needs a phrase, a known field and a string value",
        )
        items.append(Understood(item["phrase"], item["field"], item["value"], item.get("negated", False)))
    return ParsedQuery(
        **{name: data[name] for name in CHOICES},
        bpm=bpm,
        specific_moves=tuple(dict.fromkeys(moves)),
        understood=tuple(items),
        source=source,
    )


def response_json_schema() -> dict[str, Any]:
    """The JSON Schema of a parser's answer (what Gemini is asked to produce)."""
    return {
        "type": "object",
        "properties": {
            **{name: {"type": "string", "enum": list(allowed)} for name, allowed in CHOICES.items()},
            "bpm": {"type": ["integer", "null"], "minimum": MIN_BPM, "maximum": MAX_BPM},
            "specific_moves": {"type": "array", "items": {"type": "string", "enum": list(MOVE_LABELS)}},
            "understood": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "phrase": {"type": "string"},
                        "field": {"type": "string", "enum": list(UNDERSTOOD_FIELDS)},
                        "value": {"type": "string"},
                        "negated": {"type": "boolean"},
                    },
                    "required": ["phrase", "field", "value"],
                },
            },
        },
        "required": [*CHOICES, "bpm", "specific_moves", "understood"],
    }
