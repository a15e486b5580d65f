"""The words the move library, its index and choreography requests share.

Values are the legacy strings: the database and the index store `beginner|intermediate|advanced` (the raw
annotations' `low|medium|high` difficulty is converted before anything is stored).
"""

from bachata.vocabulary import Difficulty

DIFFICULTIES: tuple[str, ...] = tuple(Difficulty.values)
ENERGY_LEVELS: tuple[str, ...] = ("low", "medium", "high")
STYLES: tuple[str, ...] = ("romantic", "energetic", "sensual", "playful")
TEMPOS: tuple[str, ...] = ("slow", "medium", "fast")

# The 16 categories of the move library (movelib/annotations.json `move_categories`).
MOVE_LABELS: tuple[str, ...] = (
    "arm_styling",
    "basic",
    "bodywaves",
    "bolero",
    "cross_body_lead",
    "footwork",
    "golpes",
    "hammerlock",
    "headrolls",
    "hiprolls",
    "intros",
    "ladyturn",
    "outro",
    "shadow",
    "spin",
    "style",
)

# What a dancer reads for each label (the practice player's move list and seek-bar markers).
MOVE_NAMES: dict[str, str] = {
    "arm_styling": "arm styling",
    "basic": "basic step",
    "bodywaves": "body waves",
    "bolero": "bolero",
    "cross_body_lead": "cross body lead",
    "footwork": "footwork",
    "golpes": "golpes",
    "hammerlock": "hammerlock",
    "headrolls": "head rolls",
    "hiprolls": "hip rolls",
    "intros": "intro",
    "ladyturn": "lady's turn",
    "outro": "outro",
    "shadow": "shadow position",
    "spin": "spin",
    "style": "styling",
}


def move_name(label: str) -> str:
    """A label's name for people; an unknown label (a library of one's own) reads with spaces."""
    return MOVE_NAMES.get(label) or label.replace("_", " ")


# A clip's style follows from its label (the existing embeddings file derives it the same way).
STYLE_BY_LABEL: dict[str, str] = {
    "arm_styling": "playful",
    "basic": "romantic",
    "bodywaves": "sensual",
    "bolero": "playful",
    "cross_body_lead": "playful",
    "footwork": "energetic",
    "golpes": "energetic",
    "hammerlock": "playful",
    "headrolls": "sensual",
    "hiprolls": "sensual",
    "intros": "romantic",
    "ladyturn": "playful",
    "outro": "romantic",
    "shadow": "sensual",
    "spin": "energetic",
    "style": "playful",
}

# Bachata runs at about 110-150 BPM; these bands split that range into the legacy slow|medium|fast.
SLOW_BELOW_BPM = 121  # up to 120 BPM is slow
FAST_FROM_BPM = 135  # 135 BPM and above is fast


def labels_for_style(style: str) -> tuple[str, ...]:
    """The move labels whose clips have this style, in label order."""
    if style not in STYLES:
        raise ValueError(f"unknown style {style!r}; expected one of {', '.join(STYLES)}")
    return tuple(label for label in MOVE_LABELS if STYLE_BY_LABEL[label] == style)


def tempo_for_bpm(bpm: float) -> str:
    if bpm < SLOW_BELOW_BPM:
        return "slow"
    if bpm >= FAST_FROM_BPM:
        return "fast"
    return "medium"
