"""The choreography planner: which move plays when, from where in its clip, at what speed. Pure and
deterministic: the same analysis, moves, request and seed give the same plan.

Rules:
- the plan fills the whole song; moves change only on 8-count phrase starts, and each move covers whole
  phrases (the first segment may begin with the song's pickup, the last ends with the song's tail);
- a move starts on one of its clip's own phrase starts (a keyframe of the normalised clip), so the
  dancers' "1" lands on the song's "1"; playback rate = local song BPM / clip BPM, within bounds
  (0.75-1.25 by default: a slow bachata of 90-96 BPM is danced by clips of 118-128 BPM at three quarters
  of their speed, as the practice player slows them, rather than not at all), and clips that cannot fit
  are not chosen;
- a move that covers several phrases whose tempo differs (a tempo change, a ritardando) is retimed phrase
  by phrase when one rate would put its own later "1"s more than a frame off the song's: each of its
  phrases then plays at the rate that lands it on the song's phrase (`Segment.retimes`), every rate within
  the bounds, or the move covers fewer phrases;
- an intro move first and an outro move last when the library has them;
- choice by the request (difficulty, style, energy level) and by the phrase's energy against the move's
  motion energy; no move twice in a row, and variety (moves and labels used less often are preferred);
- candidates come from the move index (`MoveSearch`: the job's Elasticsearch or embedded index, ranked by
  similarity to the song's audio embedding; without one, the moves themselves are filtered in memory);
- too few candidates that fit the song's tempo: filters are relaxed one at a time and each relaxation is
  written in the plan's notes (the legacy index relaxed on the raw hit count; counting only clips that can
  actually play at the song's tempo is what keeps a plan possible);
- no plan possible: PlanningError with a readable message, never an empty plan.

Two small freezes make any clip usable at the ends: `hold_before` (first segment only) shows the first
frame while the song's pickup plays when the clip has too little material before its "1"; `hold_after`
(last segment only) keeps the last frame when the clip ends before the song's tail (at most one phrase).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from itertools import pairwise

import numpy as np

from videojob.analysis import BEATS_PER_PHRASE, MusicAnalysis, bpm_from_beat_times
from videojob.errors import PlanningError
from videojob.library import DIFFICULTY_LEVELS, ENERGY_LEVELS, STYLES, Move

DEFAULT_RATE_BOUNDS = (0.75, 1.25)  # was 0.8-1.25 until 2026-12-02
DEFAULT_MIN_CANDIDATES = 4
DEFAULT_MAX_PHRASES_PER_MOVE = 3
_TOLERANCE = 1e-3  # seconds
_FRAME = 1 / 30  # seconds: a later "1" of a move this far off the song's is retimed phrase by phrase
_ENERGY_TARGET_BY_LEVEL = {"low": 0.15, "medium": 0.5, "high": 0.85}


MoveSearch = Callable[[dict], Mapping[str, float | None]]
"""The move index as the planner sees it: filters (`difficulty`: tuple of levels or None, `style`,
`energy_level`, `move_labels`: tuple or None) -> the clip ids the index returns for them, each with its
similarity to the song (higher is closer; None when the index ranked without a vector)."""


@dataclass(frozen=True)
class PlanRequest:
    difficulty: str | None = None  # beginner | intermediate | advanced
    energy_level: str | None = None  # low | medium | high
    style: str | None = None  # romantic | energetic | sensual | playful
    seed: int = 0
    rate_bounds: tuple[float, float] = DEFAULT_RATE_BOUNDS
    min_candidates: int = DEFAULT_MIN_CANDIDATES
    max_phrases_per_move: int = DEFAULT_MAX_PHRASES_PER_MOVE

    def __post_init__(self) -> None:
        for name, value, allowed in (
            ("difficulty", self.difficulty, DIFFICULTY_LEVELS),
            ("energy_level", self.energy_level, ENERGY_LEVELS),
            ("style", self.style, STYLES),
        ):
            if value is not None and value not in allowed:
                raise ValueError(f"{name} must be one of {', '.join(allowed)} (got {value!r})")
        low, high = self.rate_bounds
        if not 0 < low <= 1 <= high:
            raise ValueError("rate bounds must satisfy 0 < low <= 1 <= high")


@dataclass(frozen=True)
class Segment:
    """Song time [song_start, song_end) shows clip time [clip_start, clip_end) played at `rate`, after
    `hold_before` seconds of its first frame and followed by `hold_after` seconds of its last frame:
    (clip_end - clip_start) / rate + hold_before + hold_after == song_end - song_start."""

    clip_id: str
    move_label: str
    song_start: float
    song_end: float
    clip_start: float
    clip_end: float
    rate: float  # the mean rate; with `retimes`, each stretch between them has its own
    phrase_count: int
    hold_before: float = 0.0
    hold_after: float = 0.0
    # (clip time, song time) points inside the segment where the rate changes (the clip's own "1"s on the
    # song's, across a tempo change): the clip plays linearly from (clip_start, song_start + hold_before)
    # through these to (clip_end, song_end - hold_after). Empty: one rate throughout.
    retimes: tuple[tuple[float, float], ...] = ()

    @property
    def song_duration(self) -> float:
        return self.song_end - self.song_start

    def song_times(self, clip_times):
        """Where clip times (seconds, scalar or array) play in the song (the first frame's hold aside)."""
        start = self.song_start + self.hold_before
        if not self.retimes:
            return start + (np.asarray(clip_times, dtype=float) - self.clip_start) / self.rate
        clip_knots = [self.clip_start, *(c for c, _ in self.retimes), self.clip_end]
        song_knots = [start, *(t for _, t in self.retimes), self.song_end - self.hold_after]
        return np.interp(clip_times, clip_knots, song_knots)

    def pieces(self) -> list[tuple[float, float, float]]:
        """(song start, song end, rate) of each stretch played at one rate."""
        clip_knots = [self.clip_start, *(c for c, _ in self.retimes), self.clip_end]
        song_knots = [self.song_start + self.hold_before, *(t for _, t in self.retimes)]
        song_knots.append(self.song_end - self.hold_after)
        return [
            (
                song_knots[i],
                song_knots[i + 1],
                (clip_knots[i + 1] - clip_knots[i]) / (song_knots[i + 1] - song_knots[i]),
            )
            for i in range(len(clip_knots) - 1)
            if song_knots[i + 1] > song_knots[i]
        ]


@dataclass(frozen=True)
class Plan:
    segments: tuple[Segment, ...]
    notes: tuple[str, ...]
    song_duration: float
    song_bpm: float
    phrase_grid: tuple[float, ...]  # every possible cut time (phrase starts, some extrapolated)
    request: PlanRequest
    filters_in_effect: dict = field(default_factory=dict)

    @property
    def cut_times(self) -> tuple[float, ...]:
        return tuple(segment.song_start for segment in self.segments[1:])

    def to_dict(self) -> dict:
        data = asdict(self)
        data["cut_times"] = list(self.cut_times)
        return data


# ---------------------------------------------------------------------------------------------- the song's grid


@dataclass(frozen=True)
class _Unit:
    """One phrase of the song (the first may include the pickup before the first "1", the last the tail)."""

    start: float
    end: float
    anchor: float  # the phrase's "1" (== start except for the first unit with a pickup)
    energy: float


def phrase_grid(analysis: MusicAnalysis) -> tuple[list[float], list[str]]:
    """Cut candidates: the analysis' phrase starts strictly inside the song, extended by whole phrase
    periods over a long beatless head or tail. Returns (grid, notes)."""
    period = analysis.phrase_period
    beat = analysis.beat_period
    duration = analysis.duration
    grid = [t for t in analysis.phrase_starts if beat / 2 <= t <= duration - period / 2]
    notes = list(analysis.hearing_notes)  # what the analysis is unsure of, so the plan says it too
    if not grid:
        grid = [t for t in analysis.phrase_starts if 0 <= t < duration][:1]
    if not grid:
        return [], ["the song has no 8-count phrase start; it is planned as one segment"]
    added_head = 0
    while grid[0] - period >= period / 2:
        grid.insert(0, grid[0] - period)
        added_head += 1
    added_tail = 0
    while duration - (grid[-1] + period) >= period / 2:
        grid.append(grid[-1] + period)
        added_tail += 1
    if added_head or added_tail:
        notes.append(
            f"extended the phrase grid by {added_head} phrase(s) at the start and {added_tail} at the end "
            "where no beat was tracked"
        )
    return [round(t, 6) for t in grid], notes


def _song_units(analysis: MusicAnalysis, grid: list[float]) -> list[_Unit]:
    duration = analysis.duration
    starts = np.asarray(analysis.phrase_starts, dtype=float)
    energies = np.asarray(analysis.phrase_energy, dtype=float)
    if not grid:
        energy = float(energies.mean()) if len(energies) else 1.0
        return [_Unit(0.0, duration, 0.0, energy)]
    cuts = [t for t in grid[1:] if t > _TOLERANCE]
    bounds = [0.0, *cuts, duration]
    anchors = [grid[0], *cuts]
    units = []
    for index in range(len(bounds) - 1):
        start, end = bounds[index], bounds[index + 1]
        inside = energies[(starts >= start - _TOLERANCE) & (starts < end - _TOLERANCE)] if len(starts) else []
        if len(inside):
            energy = float(np.mean(inside))
        elif len(starts):
            energy = float(energies[np.argmin(np.abs(starts - start))])
        else:
            energy = 1.0
        units.append(_Unit(start, end, anchors[index], energy))
    return units


def _energy_ranks(values: Sequence[float]) -> list[float]:
    """Each value's rank scaled to 0..1 (ties share the mean rank); one value gets 0.5."""
    array = np.asarray(values, dtype=float)
    if len(array) <= 1:
        return [0.5] * len(array)
    order = array.argsort(kind="stable")
    ranks = np.empty(len(array))
    ranks[order] = np.arange(len(array))
    for value in np.unique(array):
        ranks[array == value] = ranks[array == value].mean()
    return list(ranks / (len(array) - 1))


def _local_bpm(analysis: MusicAnalysis, start: float, end: float) -> float:
    """The tempo around [start, end): a least-squares fit over the beats from one phrase before to one
    phrase after (beat times are quantised to analysis frames, so single intervals are too coarse)."""
    margin = analysis.phrase_period
    beats = np.asarray(analysis.beat_times, dtype=float)
    nearby = beats[(beats >= start - margin) & (beats <= end + margin)]
    if len(nearby) >= 8:
        try:
            return bpm_from_beat_times(nearby)
        except ValueError:
            pass
    return analysis.bpm


# ---------------------------------------------------------------------------------------------- fitting a clip


@dataclass(frozen=True)
class _Fit:
    clip_start: float
    clip_end: float
    rate: float
    hold_before: float
    hold_after: float
    retimes: tuple[tuple[float, float], ...] = ()


def retime_by_phrase(
    move: Move,
    fit: _Fit,
    song_start: float,
    song_end: float,
    anchor: float,
    bounds: Sequence[float],
    last_rate: float | None,
    *,
    rate_bounds: tuple[float, float],
    max_hold: float,
    allow_hold_after: bool,
) -> _Fit | None:
    """`fit` (one rate) of a move over several phrases, retimed phrase by phrase when its own later "1"s
    would land more than a frame off the song's phrase starts `bounds` (the starts of the 2nd, 3rd...
    phrases): each of its phrases (8 of its beats) then plays over the song's phrase; the last one (to
    `song_end`) at `last_rate` when given (the song's tail: not a whole phrase), else over what is left.
    The same fit when one rate is close enough; None when a rate falls out of bounds or the clip runs out."""
    if not bounds:
        return fit
    period = BEATS_PER_PHRASE * 60.0 / move.bpm  # the clip's phrase, in clip seconds
    first_one = fit.clip_start + (anchor - song_start - fit.hold_before) * fit.rate  # lands on `anchor`
    ones = [first_one + k * period for k in range(1, len(bounds) + 1)]
    drift = max(
        abs(anchor + (one - first_one) / fit.rate - bound) for one, bound in zip(ones, bounds, strict=True)
    )
    if drift <= _FRAME:
        return fit
    low, high = rate_bounds
    song_knots = [anchor, *bounds]
    for before, after in pairwise(song_knots):
        if not low - 1e-9 <= period / (after - before) <= high + 1e-9:
            return None
    rate = last_rate if last_rate is not None else period / (song_end - bounds[-1])
    if not low - 1e-9 <= rate <= high + 1e-9:
        return None
    clip_end, hold_after = ones[-1] + (song_end - bounds[-1]) * rate, 0.0
    available_end = move.duration - _TOLERANCE
    if clip_end > available_end:
        hold_after = (clip_end - available_end) / rate
        if not allow_hold_after or hold_after > max_hold + _TOLERANCE or ones[-1] >= available_end:
            return None
        clip_end = available_end
    retimes = [(first_one, anchor)] if first_one > fit.clip_start + _TOLERANCE else []
    retimes += list(zip(ones, bounds, strict=True))
    played = song_end - song_start - fit.hold_before - hold_after
    return _Fit(
        fit.clip_start,
        clip_end,
        (clip_end - fit.clip_start) / played,
        fit.hold_before,
        hold_after,
        tuple((round(c, 6), round(t, 6)) for c, t in retimes),
    )


def fit_move(
    move: Move,
    song_start: float,
    song_end: float,
    anchor: float,
    song_bpm: float,
    *,
    is_first: bool,
    is_last: bool,
    rate_bounds: tuple[float, float],
    max_hold: float,
) -> _Fit | None:
    """Where `move`'s clip can play song time [song_start, song_end) with its phrase start on the song's
    `anchor`; None when it cannot (rate out of bounds, too little material)."""
    if move.bpm <= 0 or not move.phrase_starts:
        return None
    rate = song_bpm / move.bpm
    if not rate_bounds[0] - 1e-9 <= rate <= rate_bounds[1] + 1e-9:
        return None
    available_end = move.duration - _TOLERANCE
    keyframes = sorted({0.0, *move.keyframe_times, *move.phrase_starts})
    for phrase_start in move.phrase_starts:
        if is_first and anchor > song_start + _TOLERANCE:
            # the song's pickup before its "1": start on the first keyframe at or after the ideal start
            # (cuts need a keyframe) and hold that frame for the fraction of a beat this leaves
            wanted = max(0.0, phrase_start - (anchor - song_start) * rate)
            clip_start = min([k for k in keyframes if k >= wanted - _TOLERANCE] + [phrase_start])
            hold_before = max(0.0, (anchor - song_start) - (phrase_start - clip_start) / rate)
            if hold_before > max_hold + _TOLERANCE:
                continue
        else:
            clip_start, hold_before = phrase_start, 0.0
        needed = (song_end - song_start - hold_before) * rate
        clip_end = clip_start + needed
        hold_after = 0.0
        if clip_end > available_end:
            if not is_last:
                continue
            hold_after = (clip_end - available_end) / rate
            if hold_after > max_hold + _TOLERANCE:
                continue
            clip_end = available_end
        if clip_end <= clip_start:
            continue
        return _Fit(clip_start, clip_end, rate, hold_before, hold_after)
    return None


# ---------------------------------------------------------------------------------------------- filtering


def _matches(move: Move, filters: dict) -> bool:
    difficulties = filters.get("difficulty")
    labels = filters.get("move_labels")
    return (
        (difficulties is None or move.difficulty in difficulties)
        and (filters.get("style") is None or move.style == filters["style"])
        and (filters.get("energy_level") is None or move.energy_level == filters["energy_level"])
        and (labels is None or move.move_label in labels)
    )


def search_in_memory(moves: Sequence[Move]) -> MoveSearch:
    """A MoveSearch over the moves themselves (no index, no similarity)."""

    def search(filters: dict) -> dict[str, float | None]:
        return {move.clip_id: None for move in moves if _matches(move, filters)}

    return search


def _relaxation_ladder(request: PlanRequest) -> list[tuple[dict, str | None]]:
    """Filter sets from strictest to loosest, each with the note that explains it."""
    difficulty = request.difficulty
    exact = (difficulty,) if difficulty else None
    if difficulty:
        position = DIFFICULTY_LEVELS.index(difficulty)
        adjacent = tuple(DIFFICULTY_LEVELS[max(0, position - 1) : position + 2])
    else:
        adjacent = None
    steps: list[tuple[dict, str | None]] = [
        ({"difficulty": exact, "style": request.style, "energy_level": request.energy_level}, None)
    ]
    if request.energy_level:
        steps.append(
            (
                {"difficulty": exact, "style": request.style, "energy_level": None},
                f"energy level '{request.energy_level}' dropped",
            )
        )
    if request.style:
        steps.append(
            ({"difficulty": exact, "style": None, "energy_level": None}, f"style '{request.style}' dropped")
        )
    if difficulty:
        steps.append(
            (
                {"difficulty": adjacent, "style": None, "energy_level": None},
                f"difficulty widened from '{difficulty}' to {'/'.join(adjacent)}",
            )
        )
        steps.append(({"difficulty": None, "style": None, "energy_level": None}, "any difficulty allowed"))
    return steps


def _describe(filters: dict) -> str:
    parts = []
    if filters.get("difficulty"):
        parts.append("difficulty " + "/".join(filters["difficulty"]))
    for name in ("style", "energy_level"):
        if filters.get(name):
            parts.append(f"{name.replace('_', ' ')} {filters[name]}")
    return ", ".join(parts) or "no filter"


# ---------------------------------------------------------------------------------------------- planning


@dataclass
class _Choice:
    move: Move
    fit: _Fit
    phrase_count: int


class _Planner:
    def __init__(
        self,
        analysis: MusicAnalysis,
        moves: Sequence[Move],
        request: PlanRequest,
        search: MoveSearch | None = None,
    ):
        self.analysis = analysis
        self.request = request
        self.search = search or search_in_memory(moves)
        self.similarity: dict[str, float] = {}
        self.rng = random.Random(request.seed)
        self.notes: list[str] = []
        grid, grid_notes = phrase_grid(analysis)
        self.grid = grid
        self.grid_notes = tuple(grid_notes)
        self.notes.extend(grid_notes)
        self.units = _song_units(analysis, grid)
        self.unit_energy = _energy_ranks([unit.energy for unit in self.units])
        self.max_hold = 1.5 * analysis.phrase_period  # the grid leaves at most 1.5 phrases of pickup/tail
        self.moves = sorted(moves, key=lambda move: move.clip_id)
        ranks = _energy_ranks([move.mean_motion_energy for move in self.moves])
        self.move_energy = {move.clip_id: rank for move, rank in zip(self.moves, ranks, strict=True)}
        self.usage: dict[str, int] = {}
        self.label_usage: dict[str, int] = {}
        self.local_bpm: dict[tuple[int, int], float] = {}  # (first unit, count): asked for every candidate

    # -- fitting
    def bpm_over(self, first_unit: int, count: int) -> float:
        if (first_unit, count) not in self.local_bpm:
            start_unit, end_unit = self.units[first_unit], self.units[first_unit + count - 1]
            self.local_bpm[first_unit, count] = _local_bpm(self.analysis, start_unit.start, end_unit.end)
        return self.local_bpm[first_unit, count]

    def fit(self, move: Move, first_unit: int, count: int) -> _Fit | None:
        start_unit, end_unit = self.units[first_unit], self.units[first_unit + count - 1]
        is_last = first_unit + count == len(self.units)
        fit = fit_move(
            move,
            start_unit.start,
            end_unit.end,
            start_unit.anchor,
            self.bpm_over(first_unit, count),
            is_first=first_unit == 0,
            is_last=is_last,
            rate_bounds=self.request.rate_bounds,
            max_hold=self.max_hold,
        )
        if fit is None or count == 1:
            return fit
        last = first_unit + count - 1
        # the song's last unit holds its tail (not a whole phrase): its rate is its own tempo's
        last_rate = self.bpm_over(last, 1) / move.bpm if is_last else None
        return retime_by_phrase(
            move,
            fit,
            start_unit.start,
            end_unit.end,
            start_unit.anchor,
            [self.units[index].start for index in range(first_unit + 1, last + 1)],
            last_rate,
            rate_bounds=self.request.rate_bounds,
            max_hold=self.max_hold,
            allow_hold_after=is_last,
        )

    def usable(self, move: Move) -> bool:
        """The move fits at least one phrase somewhere in the song at the song's tempo."""
        if not move.phrase_starts or move.bpm <= 0:
            return False
        low, high = self.request.rate_bounds
        return low - 1e-9 <= self.analysis.bpm / move.bpm <= high + 1e-9 and any(
            self.fit(move, index, 1) is not None for index in range(min(len(self.units), 3))
        )

    # -- scoring
    def score(self, move: Move, first_unit: int, count: int, previous: Move | None, rate: float) -> float:
        target = float(np.mean(self.unit_energy[first_unit : first_unit + count]))
        if self.request.energy_level:
            target = 0.6 * target + 0.4 * _ENERGY_TARGET_BY_LEVEL[self.request.energy_level]
        score = -2.0 * abs(target - self.move_energy[move.clip_id])
        score -= 1.5 * abs(np.log(rate))  # dancers look natural near their own tempo
        score -= 0.6 * self.usage.get(move.clip_id, 0)
        score -= 0.25 * self.label_usage.get(move.move_label, 0)
        if previous is not None and previous.move_label == move.move_label:
            score -= 0.5
        score += 0.5 * self.similarity.get(move.clip_id, 0.5)  # music like the song's, as the index ranks it
        return score + 0.35 * self.rng.random()

    def best(
        self,
        pool: Sequence[Move],
        first_unit: int,
        max_count: int,
        previous: Move | None,
        *,
        must_reach_end: bool = False,
        following: Move | None = None,
    ) -> _Choice | None:
        """The best-scoring move of `pool` for phrases from `first_unit` (as many as fit, up to
        `max_count`; exactly `max_count` when `must_reach_end`), never the `previous` move, nor the
        `following` one when the segment would end right before it."""
        best: tuple[float, _Choice] | None = None
        for move in pool:
            if previous is not None and move.clip_id == previous.clip_id:
                continue
            counts = [max_count] if must_reach_end else range(max_count, 0, -1)
            for count in counts:
                if following is not None and move.clip_id == following.clip_id and count == max_count:
                    continue
                fit = self.fit(move, first_unit, count)
                if fit is not None:
                    candidate = _Choice(move, fit, count)
                    value = self.score(move, first_unit, count, previous, fit.rate)
                    if best is None or value > best[0]:
                        best = (value, candidate)
                    break
        return best[1] if best else None

    # -- the plan
    def plan(self) -> Plan:
        try:
            return self._attempt(reserve_outro=True)
        except PlanningError:
            self._reset()
            plan = self._attempt(reserve_outro=False)
            return replace(
                plan, notes=(*plan.notes, "planned without an outro: with it no valid sequence exists")
            )

    def _reset(self) -> None:
        self.rng = random.Random(self.request.seed)
        self.notes = list(self.grid_notes)
        self.usage, self.label_usage = {}, {}
        self.similarity = {}

    def _attempt(self, *, reserve_outro: bool) -> Plan:
        usable = [move for move in self.moves if self.usable(move)]
        if not usable:
            raise PlanningError(self._nothing_fits_message())
        main_usable = [move for move in usable if not (move.is_intro or move.is_outro)] or usable
        filters, found = self._choose_filters(main_usable)
        pool = [move for move in main_usable if move.clip_id in found]
        self.similarity = _similarity_ranks(found, pool)
        intros = self._special_pool([m for m in usable if m.is_intro], filters, "intro")
        outros = (
            self._special_pool([m for m in usable if m.is_outro], filters, "outro") if reserve_outro else []
        )

        unit_count = len(self.units)
        cap = self.request.max_phrases_per_move
        choices: list[_Choice] = []
        position = 0
        previous: Move | None = None

        if intros:
            intro_cap = min(cap, unit_count - (1 if outros and unit_count > 1 else 0))
            choice = self.best(intros, 0, max(1, intro_cap), None)
            if choice is None:
                self.notes.append("no intro move fits the start of the song; a regular move opens it")
            else:
                self._take(choice, choices)
                position, previous = choice.phrase_count, choice.move

        outro_choice = None
        if outros and position < unit_count:
            remaining = unit_count - position
            # leave at least one phrase to another move unless an intro already opened the song
            longest = min(2, cap, remaining if position > 0 else remaining - 1)
            for count in range(longest, 0, -1):
                outro_choice = self.best(outros, unit_count - count, count, None, must_reach_end=True)
                if outro_choice is not None:
                    break
            if outro_choice is None:
                self.notes.append("no outro move fits the end of the song; the last move ends it")
        end = unit_count - (outro_choice.phrase_count if outro_choice else 0)

        following = outro_choice.move if outro_choice else None
        while position < end:
            room = min(cap, end - position)
            # `following` only matters when the segment can reach the outro (count == room == end - position)
            after = following if room == end - position else None
            choice = self.best(pool, position, room, previous, following=after)
            if choice is None:
                choice = self.best(main_usable, position, room, previous, following=after)
                if choice is None:
                    choice = self.best(usable, position, room, previous, following=after)
                if choice is None:
                    raise PlanningError(self._stuck_message(position, previous))
                self.notes.append(
                    f"phrase {position + 1}: no move matching {_describe(filters)} fits here; "
                    f"used {choice.move.clip_id}"
                )
            self._take(choice, choices)
            position += choice.phrase_count
            previous = choice.move

        if outro_choice is not None:
            self._take(outro_choice, choices)

        segments = tuple(self._segment(choice, index, choices) for index, choice in enumerate(choices))
        return Plan(
            segments=segments,
            notes=tuple(self.notes),
            song_duration=self.analysis.duration,
            song_bpm=self.analysis.bpm,
            phrase_grid=tuple(self.grid),
            request=self.request,
            filters_in_effect={
                key: (list(value) if isinstance(value, tuple) else value) for key, value in filters.items()
            },
        )

    def _take(self, choice: _Choice, choices: list[_Choice]) -> None:
        choices.append(choice)
        self.usage[choice.move.clip_id] = self.usage.get(choice.move.clip_id, 0) + 1
        self.label_usage[choice.move.move_label] = self.label_usage.get(choice.move.move_label, 0) + 1

    def _segment(self, choice: _Choice, index: int, choices: list[_Choice]) -> Segment:
        first_unit = sum(c.phrase_count for c in choices[:index])
        start = self.units[first_unit].start
        end = self.units[first_unit + choice.phrase_count - 1].end
        fit = choice.fit
        return Segment(
            clip_id=choice.move.clip_id,
            move_label=choice.move.move_label,
            song_start=round(start, 6),
            song_end=round(end, 6),
            clip_start=round(fit.clip_start, 6),
            clip_end=round(fit.clip_end, 6),
            rate=round(fit.rate, 6),
            phrase_count=choice.phrase_count,
            hold_before=round(fit.hold_before, 6),
            hold_after=round(fit.hold_after, 6),
            retimes=fit.retimes,
        )

    def _choose_filters(self, candidates: list[Move]) -> tuple[dict, Mapping[str, float | None]]:
        """The strictest filter set for which the index returns enough usable moves (with what it
        returned); each relaxation is noted."""
        wanted = max(2, self.request.min_candidates)
        ladder = _relaxation_ladder(self.request)
        strictest = ladder[0][0]
        strict_count = None
        for level, (filters, _) in enumerate(ladder):
            found = self.search(filters)
            count = sum(1 for move in candidates if move.clip_id in found)
            if strict_count is None:
                strict_count = count
            if count >= wanted or level == len(ladder) - 1:
                if level > 0:
                    steps = "; ".join(note for _, note in ladder[1 : level + 1] if note)
                    self.notes.append(
                        f"only {strict_count} move(s) match {_describe(strictest)} (at least {wanted} wanted); "
                        f"relaxed: {steps} -> {count} move(s)"
                    )
                if count < wanted:
                    self.notes.append(
                        f"only {count} usable move(s) for this song after relaxing every filter"
                    )
                return filters, found
        raise AssertionError("unreachable")  # pragma: no cover

    def _special_pool(self, moves: list[Move], filters: dict, kind: str) -> list[Move]:
        if not moves:
            self.notes.append(f"the library has no usable {kind} move")
            return []
        found = self.search({**filters, "move_labels": tuple(sorted({move.move_label for move in moves}))})
        matching = [move for move in moves if move.clip_id in found]
        if matching:
            return matching
        self.notes.append(f"no {kind} move matches {_describe(filters)}; using any {kind} move")
        return moves

    def _nothing_fits_message(self) -> str:
        if not self.moves:
            return "the move library is empty"
        tempos = sorted(move.bpm for move in self.moves if move.bpm > 0)
        low, high = self.request.rate_bounds
        if tempos:
            return (
                f"no move can follow this song at {self.analysis.bpm:.1f} BPM: moves run at "
                f"{tempos[0]:.0f}-{tempos[-1]:.0f} BPM and can be sped up or slowed down only "
                f"{low:.2f}x-{high:.2f}x (the song would need moves between {self.analysis.bpm / high:.0f} "
                f"and {self.analysis.bpm / low:.0f} BPM)"
            )
        return "no move in the library has a measured tempo"

    def _stuck_message(self, position: int, previous: Move | None) -> str:
        unit = self.units[position]
        reason = f" other than {previous.clip_id}" if previous else ""
        return (
            f"no move{reason} can cover the phrase at {unit.start:.1f}-{unit.end:.1f} s of the song "
            f"({self.analysis.bpm:.1f} BPM); the library needs at least two moves whose clips hold a whole "
            "phrase at this tempo"
        )


def _similarity_ranks(found: Mapping[str, float | None], pool: Sequence[Move]) -> dict[str, float]:
    """The index's similarity of each pool move as a 0..1 rank (cosine scores of real clips sit close
    together; their order is what carries the meaning)."""
    scored = [(move.clip_id, found[move.clip_id]) for move in pool if found.get(move.clip_id) is not None]
    if not scored:
        return {}
    ranks = _energy_ranks([score for _, score in scored])
    return {clip_id: rank for (clip_id, _), rank in zip(scored, ranks, strict=True)}


def plan_choreography(
    analysis: MusicAnalysis,
    moves: Sequence[Move],
    request: PlanRequest | None = None,
    *,
    search: MoveSearch | None = None,
) -> Plan:
    """Plan `moves` over the whole song (see the module docstring); PlanningError if impossible.

    `search` asks the move index which of them match a set of filters; only moves it returns are chosen
    (intro/outro and last-resort fallbacks aside, each noted). Without it, the moves are filtered in memory.
    """
    return _Planner(analysis, moves, request or PlanRequest(), search).plan()
