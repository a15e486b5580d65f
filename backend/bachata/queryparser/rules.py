"""The rule-based parser: keywords and synonyms (a few Spanish ones too), negation, BPM numbers.

Deterministic and total: any text gives a valid ParsedQuery, never an exception.

- Text is lower-cased, accents dropped, apostrophes removed ("don't" → "dont"), split into words.
- Phrases are matched leftmost-longest without overlaps, so "easy going" (energy) beats "easy" (difficulty)
  and "arm styling" beats "styling".
- A phrase is negated when a negator ("not", "no", "without", "avoid", "less", …) stands at most five words
  before it in the same clause ("not too fast", "without any spins", "no dips or shadows"; a comma, "but",
  "and" or "with" ends the reach). A negated extreme of an ordered scale means its middle ("not too fast"
  → medium tempo, "nothing too advanced" → intermediate); a negated middle or style decides nothing; a
  negated move is left out of `specific_moves` (and noted in `understood`).
- For each field the first plain mention wins; negated mentions only decide a field nothing else decided.
  A BPM number ("130 bpm", "tempo of 128") decides the tempo over any tempo word.
"""

import re
import unicodedata

from bachata.moves.vocabulary import tempo_for_bpm

from .schema import DEFAULTS, MAX_BPM, MAX_QUERY_CHARS, MIN_BPM, ParsedQuery, Understood

# (field, value) -> its phrases: regular expressions over single-spaced lower-case words, separated by "; "
PHRASES: dict[tuple[str, str], str] = {
    ("difficulty", "beginner"): (
        "beginners?; novices?; newbies?; newcomers?; easy; easier; simple; simpler; first timers?; "
        "starters?; entry level; new to (?:bachata|dancing|dance); just starting; basic level; "
        "principiantes?; facil(?:es)?"
    ),
    ("difficulty", "intermediate"): (
        "intermediate; medium; medium (?:difficulty|level); mid level; improvers?; some experience; "
        "intermedi[oa]s?"
    ),
    ("difficulty", "advanced"): (
        "advanced; experts?; hard; harder; difficult; challenging; complex; complicated; tricky; "
        "pros?; professionals?; high level; avanzad[oa]s?; dificil(?:es)?"
    ),
    ("energy_level", "low"): (
        "low energy; calm; chill; chilled; relaxed; relaxing; mellow; gentle; soft; laid back; "
        "easy going; easygoing; quiet; subtle; tranquil[oa]?"
    ),
    ("energy_level", "medium"): "medium energy; moderate; moderate energy; balanced; steady",
    ("energy_level", "high"): (
        "high energy; energetic; intense; powerful; lively; upbeat; dynamic; explosive; hype; "
        "exciting; high intensity; (?:lots of|full of|a lot of|plenty of|tons of) energy; energic[oa]"
    ),
    ("style", "romantic"): (
        "romantic; romance; in love; love songs?; intimate; tender; wedding; first dance; sweet; "
        "valentines?; date night; romantic[oa]"
    ),
    ("style", "sensual"): "sensual; sensuality; sexy; sultry; seductive; steamy; smooth; bachata sensual",
    ("style", "playful"): (
        "playful; flirty; flirtatious; fun; funny; cheeky; light hearted; lighthearted; cute; "
        "juguet(?:on|ona)"
    ),
    ("style", "energetic"): "energetic; party; fiesta; club; fiery; energic[oa]",
    ("tempo", "slow"): "slow; slower; slowly; slow paced; leisurely; unhurried; lent[oa]",
    ("tempo", "medium"): "(?:medium|moderate|normal|average|mid) (?:tempo|speed|pace); mid tempo; midtempo",
    ("tempo", "fast"): (
        "fast; faster; fast paced; quick; quicker; rapid; speedy; up ?tempo; high tempo; rapid[oa]"
    ),
    ("specific_moves", "arm_styling"): "arm styl(?:ing|es?); arms? (?:work|movements?|styling); arms",
    ("specific_moves", "basic"): (
        "basics?; basic steps?; side basics?; box steps?; paso basico; "
        "forward (?:and )?back(?:ward)?s?(?: steps?)?"
    ),
    ("specific_moves", "bodywaves"): "body ?waves?; body ?rolls?",
    ("specific_moves", "bolero"): "boleros?",
    ("specific_moves", "cross_body_lead"): "cross ?body(?: leads?)?; cbls?",
    ("specific_moves", "footwork"): "foot ?work; fancy steps; shines?",
    ("specific_moves", "golpes"): "golpes?; stomps?",
    ("specific_moves", "hammerlock"): "hammer ?locks?",
    ("specific_moves", "headrolls"): "head ?rolls?; hair (?:flips?|whips?)",
    ("specific_moves", "hiprolls"): "hip ?rolls?; hip (?:circles?|movements?|motions?); hips",
    ("specific_moves", "intros"): "intros?; introductions?; opening(?: moves?)?",
    ("specific_moves", "ladyturn"): (
        "lady ?s? (?:left |right )?turns?; ladies (?:left |right )?turns?; (?:left|right) turns?; "
        "follower turns?; turns?; turning; vueltas?"
    ),
    ("specific_moves", "outro"): "outros?; endings?; finales?; closing moves?; final pose",
    ("specific_moves", "shadow"): "shadows?(?: position)?; sombra",
    ("specific_moves", "spin"): "spins?; spinning; pirouettes?; twirls?; giros?",
    ("specific_moves", "style"): "styling; style moves?; styling moves?; flourishes",
}

NEGATORS = frozenset(
    re.findall(
        r"\w+",
        "not no never without avoid avoiding dont doesnt isnt shouldnt wont nothing less skip exclude excluding "
        "minus none nor",
    )
)
# A negation reaches this many words ahead, and stops at punctuation or one of these words.
NEGATION_REACH = 5
CLAUSE_BREAKS = frozenset(
    ["but", "and", "with", "yet", "though", "however", "instead", "rather", "then", "plus"]
)
PUNCTUATION = ",.;:!?()\u2013\u2014-"
MIDDLE_WHEN_NEGATED = {
    ("difficulty", "beginner"): "intermediate",
    ("difficulty", "advanced"): "intermediate",
    ("energy_level", "low"): "medium",
    ("energy_level", "high"): "medium",
    ("tempo", "slow"): "medium",
    ("tempo", "fast"): "medium",
}

_BPM = re.compile(
    r"(?<![\d.,])(\d{2,3})(?:[.,]\d+)?\s*(?:bpm|b\.p\.m\.?|beats?\s*(?:per|a|/)\s*min(?:ute)?s?)(?![a-z])"
    r"|\btempo\s*(?:of|is|at|around|about|near|~|=|:)?\s*(?:around|about|roughly|approximately|~)?\s*"
    r"(\d{2,3})(?![\d])"
)


def _compile_phrases() -> list[tuple[re.Pattern, list[tuple[str, str]]]]:
    by_phrase: dict[str, list[tuple[str, str]]] = {}
    for meaning, phrases in PHRASES.items():
        for phrase in phrases.split("; "):
            by_phrase.setdefault(phrase, []).append(meaning)
    return [
        (re.compile(rf"(?<![a-z0-9])(?:{phrase})(?![a-z0-9])"), meanings)
        for phrase, meanings in by_phrase.items()
    ]


_COMPILED = _compile_phrases()


def _normalized(text: str) -> str:
    text = unicodedata.normalize("NFKD", str(text)[:MAX_QUERY_CHARS])
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    return re.sub(r"['`\u2019]", "", text)  # apostrophes, typographic ones too


def _phrase_matches(words: str) -> list[tuple[int, int, list[tuple[str, str]]]]:
    """Leftmost-longest, non-overlapping phrase matches."""
    found = [
        (m.start(), m.end(), meanings) for pattern, meanings in _COMPILED for m in pattern.finditer(words)
    ]
    found.sort(key=lambda f: (f[0], f[0] - f[1]))
    chosen, reached = [], 0
    for start, end, meanings in found:
        if start >= reached:
            chosen.append((start, end, meanings))
            reached = end
    return chosen


def _words(normalized: str) -> str:
    """Single-spaced words and punctuation marks; a hyphen inside a word is a space ("cross-body")."""
    normalized = re.sub(r"(?<=[a-z0-9])-(?=[a-z0-9])", " ", normalized)
    return " ".join(re.findall(rf"[a-z0-9]+|[{re.escape(PUNCTUATION)}]", normalized))


def _negator_start(words: str, start: int) -> int | None:
    """Where the negator whose reach covers the phrase at `start` begins, if there is one."""
    before = list(re.finditer(r"\S+", words[:start]))[-(NEGATION_REACH + 1) :]
    for token in reversed(before):
        if token.group() in NEGATORS:
            return token.start()
        if token.group() in CLAUSE_BREAKS or token.group() in PUNCTUATION:
            return None
    return None


def _bpm(text: str) -> tuple[int, str] | None:
    for match in _BPM.finditer(text):
        bpm = int(match.group(1) or match.group(2))
        if MIN_BPM <= bpm <= MAX_BPM:
            return bpm, " ".join(match.group().split())
    return None


class RuleBasedQueryParser:
    def parse(self, text: str) -> ParsedQuery:
        normalized = _normalized(text)
        words = _words(normalized)
        decided: dict[
            str, tuple[int, int, Understood]
        ] = {}  # field -> (rank, position, why); lowest rank wins
        moves: list[str] = []
        left_out: set[str] = set()
        notes: list[tuple[int, Understood]] = []  # (where in the text, what) for moves and the BPM

        bpm = _bpm(normalized)
        if bpm:
            number, phrase = bpm
            notes.append((-1, Understood(phrase, "bpm", str(number))))
            decided["tempo"] = (0, -1, Understood(phrase, "tempo", tempo_for_bpm(number)))

        for start, end, meanings in _phrase_matches(words):
            negator = _negator_start(words, start)
            phrase = words[start if negator is None else negator : end]
            for field, value in meanings:
                if field == "specific_moves":
                    if negator is not None:
                        left_out.add(value)
                        notes.append((start, Understood(phrase, field, value, negated=True)))
                    elif value not in moves:
                        moves.append(value)
                        notes.append((start, Understood(phrase, field, value)))
                    continue
                rank = 1
                if negator is not None:
                    value, rank = MIDDLE_WHEN_NEGATED.get((field, value)), 2
                    if value is None:
                        continue
                if field not in decided or rank < decided[field][0]:
                    decided[field] = (
                        rank,
                        start,
                        Understood(phrase, field, value, negated=negator is not None),
                    )

        moves = [move for move in moves if move not in left_out]
        notes = [(at, u) for at, u in notes if u.field != "specific_moves" or u.negated or u.value in moves]
        notes += [(at, why) for _, at, why in decided.values()]
        understood = [u for _, u in sorted(notes, key=lambda note: note[0])]
        return ParsedQuery(
            **{
                field: decided[field][2].value if field in decided else default
                for field, default in DEFAULTS.items()
            },
            bpm=bpm[0] if bpm else None,
            specific_moves=tuple(moves),
            understood=tuple(understood),
            source="rules",
        )
