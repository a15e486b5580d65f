"""Planner properties (Hypothesis over random songs and libraries) and examples on the demo assets."""

from dataclasses import replace
from itertools import pairwise

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from videojob.analysis import MusicAnalysis, analyze_audio
from videojob.library import DIFFICULTY_LEVELS, ENERGY_LEVELS, STYLE_BY_LABEL, STYLES, Move, load_move_library
from videojob.planner import PlanningError, PlanRequest, phrase_grid, plan_choreography

FPS = 30
LABELS = sorted(STYLE_BY_LABEL)


def make_analysis(bpm, duration, first_beat, phase, tracked_until, energies) -> MusicAnalysis:
    period = 60.0 / bpm
    beats = np.arange(first_beat, min(duration, tracked_until) - 0.01, period)
    phrase_starts = beats[phase::8]
    return MusicAnalysis(
        audio_sha256="",
        duration=round(duration, 6),
        bpm=bpm,
        beat_times=tuple(round(float(t), 6) for t in beats),
        downbeat_times=tuple(round(float(t), 6) for t in beats[phase % 4 :: 4]),
        phrase_starts=tuple(round(float(t), 6) for t in phrase_starts),
        phrase_energy=tuple(energies[i % len(energies)] for i in range(len(phrase_starts))),
        sections=(),
        tempo_octave_factor=1.0,
        audio_embedding=(1.0,) + (0.0,) * 127,
    )


@st.composite
def songs(draw):
    bpm = draw(st.floats(105, 150))
    duration = draw(st.floats(10, 240))
    first_beat = draw(st.floats(0, 2.5))
    tracked_until = duration - draw(st.floats(0, 15))
    if tracked_until - first_beat < 10 * 60 / bpm:
        tracked_until = duration
    energies = draw(st.lists(st.floats(0.01, 0.5), min_size=1, max_size=12))
    return make_analysis(bpm, duration, first_beat, draw(st.integers(0, 7)), tracked_until, energies)


def make_move(clip_id, label, bpm, duration, first_beat, phase, difficulty, energy_level, motion) -> Move:
    beats = np.arange(first_beat, duration, 60.0 / bpm)
    keyframes = sorted({round(round(t * FPS) / FPS, 6) for t in beats if round(t * FPS) < duration * FPS})
    return Move(
        clip_id=clip_id,
        move_label=label,
        difficulty=difficulty,
        energy_level=energy_level,
        style=STYLE_BY_LABEL[label],
        bpm=bpm,
        duration=duration,
        beat_times=tuple(float(t) for t in beats),
        phrase_starts=tuple(keyframes[phase::8]),
        mean_motion_energy=motion,
        keyframe_times=tuple(keyframes),
    )


@st.composite
def libraries(draw):
    count = draw(st.integers(1, 14))
    moves = []
    for number in range(count):
        moves.append(
            make_move(
                f"clip{number:02d}",
                draw(st.sampled_from(LABELS)),
                draw(st.floats(95, 165)),
                draw(st.floats(3, 18)),
                draw(st.floats(0, 1.0)),
                draw(st.integers(0, 3)),
                draw(st.sampled_from(DIFFICULTY_LEVELS)),
                draw(st.sampled_from(ENERGY_LEVELS)),
                draw(st.floats(0, 0.1)),
            )
        )
    return moves


requests = st.builds(
    PlanRequest,
    difficulty=st.none() | st.sampled_from(DIFFICULTY_LEVELS),
    energy_level=st.none() | st.sampled_from(ENERGY_LEVELS),
    style=st.none() | st.sampled_from(STYLES),
    seed=st.integers(0, 10**6),
)


def comfortable(move: Move, analysis: MusicAnalysis, request: PlanRequest) -> bool:
    """Enough material after the clip's first phrase start for any phrase of the song, at a rate in bounds."""
    rate = analysis.bpm / move.bpm
    low, high = request.rate_bounds
    return (
        low * 1.02 <= rate <= high / 1.02
        and bool(move.phrase_starts)
        and move.duration - move.phrase_starts[0] >= 1.7 * analysis.phrase_period * rate
    )


def check_plan(plan, analysis, moves, request):
    by_id = {move.clip_id: move for move in moves}
    segments = plan.segments
    assert segments, "a plan is never empty"
    # the whole song, no gaps, no overlaps
    assert segments[0].song_start == 0.0
    assert segments[-1].song_end == pytest.approx(analysis.duration, abs=1e-5)
    for before, after in pairwise(segments):
        assert before.song_end == after.song_start
        assert before.clip_id != after.clip_id  # no move twice in a row
    # every cut on a phrase start; the grid is the analysis' phrase starts, extended by whole phrases
    grid = set(plan.phrase_grid)
    assert set(plan.cut_times) <= grid
    lattice_origin, period = plan.phrase_grid[0], analysis.phrase_period
    for point in grid:
        assert point in analysis.phrase_starts or any(
            abs((point - anchor) / period - round((point - anchor) / period)) < 1e-6
            for anchor in (analysis.phrase_starts[0], analysis.phrase_starts[-1], lattice_origin)
        )
    assert sum(segment.phrase_count for segment in segments) == max(1, len(plan.phrase_grid))
    for index, segment in enumerate(segments):
        move = by_id[segment.clip_id]
        low, high = request.rate_bounds
        assert low - 1e-6 <= segment.rate <= high + 1e-6
        played = (segment.clip_end - segment.clip_start) / segment.rate
        assert played + segment.hold_before + segment.hold_after == pytest.approx(
            segment.song_duration, abs=1e-4
        )
        assert 0 <= segment.clip_start < segment.clip_end <= move.duration + 1e-6
        starts = set(move.phrase_starts) | set(move.keyframe_times) | {0.0}
        assert min(abs(segment.clip_start - s) for s in starts) < 1e-5  # cuts land on keyframes
        if index > 0:
            assert segment.hold_before == 0 and segment.clip_start in move.phrase_starts
        if index < len(segments) - 1:
            assert segment.hold_after == 0
        assert max(segment.hold_before, segment.hold_after) <= 1.5 * analysis.phrase_period + 1e-3
        # retimed phrase by phrase: the points run forward inside the segment, every rate within bounds
        clip_knots = [segment.clip_start, *(c for c, _ in segment.retimes), segment.clip_end]
        song_knots = [segment.song_start + segment.hold_before, *(t for _, t in segment.retimes)]
        assert all(b > a for a, b in pairwise(clip_knots)) and all(b > a for a, b in pairwise(song_knots))
        assert song_knots[-1] < segment.song_end - segment.hold_after
        assert all(low - 1e-6 <= rate <= high + 1e-6 for _, _, rate in segment.pieces())
        assert float(segment.song_times(segment.clip_end)) == pytest.approx(
            segment.song_end - segment.hold_after, abs=1e-4
        )
    # filters honoured, or their relaxation reported
    notes = " ".join(plan.notes)
    for segment in segments:
        move = by_id[segment.clip_id]
        if request.difficulty and move.difficulty != request.difficulty:
            assert "difficult" in notes
        if request.style and move.style != request.style:
            assert "style" in notes
        if request.energy_level and move.energy_level != request.energy_level:
            assert "energy level" in notes
    # intro first and outro last, or a note saying why not
    if any(move.is_intro and comfortable(move, analysis, request) for move in moves) and len(segments) > 1:
        assert by_id[segments[0].clip_id].is_intro or "intro" in notes
    if any(move.is_outro and comfortable(move, analysis, request) for move in moves) and len(segments) > 1:
        assert by_id[segments[-1].clip_id].is_outro or "outro" in notes


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(analysis=songs(), moves=libraries(), request=requests)
def test_plans_fill_the_song_on_phrase_starts_or_fail_with_a_reason(analysis, moves, request):
    try:
        plan = plan_choreography(analysis, moves, request)
    except PlanningError as error:
        assert str(error)
        assert sum(comfortable(move, analysis, request) for move in moves) < 2, str(error)
        return
    check_plan(plan, analysis, moves, request)
    assert plan_choreography(analysis, moves, request) == plan  # deterministic


@settings(max_examples=60, deadline=None)
@given(analysis=songs(), request=requests, seed=st.integers(0, 1000))
def test_a_healthy_library_always_gives_a_plan(analysis, request, seed):
    rng = np.random.default_rng(seed)
    moves = [
        make_move(
            f"m{n}",
            LABELS[n % len(LABELS)],
            float(rng.uniform(115, 140)),
            float(rng.uniform(9, 17)),
            float(rng.uniform(0, 0.5)),
            0,
            DIFFICULTY_LEVELS[n % 3],
            ENERGY_LEVELS[(n // 3) % 3],
            float(rng.uniform(0, 0.05)),
        )
        for n in range(24)
    ]
    plan = plan_choreography(analysis, moves, request)
    check_plan(plan, analysis, moves, request)


def tempo_change_analysis(tempos, phrases_each=4, first_beat=0.5) -> MusicAnalysis:
    """A song whose tempo changes on phrase starts (`phrases_each` phrases at each of `tempos`)."""
    beats, time = [], first_beat
    for bpm in tempos:
        for _ in range(8 * phrases_each):
            beats.append(time)
            time += 60.0 / bpm
    beats.append(time)
    base = make_analysis(float(np.median(tempos)), time + 1.0, first_beat, 0, time + 1.0, [0.1, 0.2, 0.3])
    starts = beats[::8]
    return replace(
        base,
        beat_times=tuple(round(t, 6) for t in beats),
        downbeat_times=tuple(round(t, 6) for t in beats[::4]),
        phrase_starts=tuple(round(t, 6) for t in starts),
        phrase_energy=tuple((0.1, 0.2, 0.3)[i % 3] for i in range(len(starts))),
    )


def test_a_move_over_a_tempo_change_keeps_its_steps_on_the_song_beats():
    """One rate for a move that covers a phrase at 120 BPM and one at 150 would put its steps up to a
    quarter of a second off the beat; retimed phrase by phrase, each of its beats lands on the song's."""
    analysis = tempo_change_analysis([120.0, 150.0, 120.0])
    moves = [
        make_move(f"m{n}", LABELS[n % len(LABELS)], 130.0 + n, 30.0, 0.2, 0, "beginner", "medium", 0.02)
        for n in range(6)
    ]
    request = PlanRequest(seed=1, max_phrases_per_move=3)
    plan = plan_choreography(analysis, moves, request)
    check_plan(plan, analysis, moves, request)
    by_id = {move.clip_id: move for move in moves}
    beats = np.asarray(analysis.beat_times)
    retimed = 0
    for segment in plan.segments:
        clip_beats = np.asarray(by_id[segment.clip_id].beat_times)
        clip_beats = clip_beats[(clip_beats >= segment.clip_start) & (clip_beats < segment.clip_end)]
        mapped = np.asarray(segment.song_times(clip_beats))
        mapped = mapped[(mapped >= beats[0]) & (mapped <= beats[-1])]
        off = np.abs(mapped[:, None] - beats[None, :]).min(axis=1)
        assert off.max() < 1 / 30, (segment, off.max())  # within a frame of a song beat
        retimed += bool(segment.retimes)
    assert retimed  # some move did cover the change


@given(analysis=songs())
def test_the_phrase_grid_leaves_less_than_one_and_a_half_phrases_at_either_end(analysis):
    grid, _ = phrase_grid(analysis)
    period = analysis.phrase_period
    assert grid == sorted(grid)
    assert grid[0] < 1.5 * period + 1e-6
    assert analysis.duration - grid[-1] < 1.5 * period + 1e-6
    assert all(0 < b - a < period * 1.01 for a, b in pairwise(grid))


# ------------------------------------------------------------------------------------- demo assets


@pytest.fixture(scope="module")
def demo_analysis(demo_song):
    return analyze_audio(demo_song.path)


@pytest.fixture(scope="module")
def demo_moves(ingested_demo_library):
    return load_move_library(ingested_demo_library.index_path).moves


def test_demo_plan_opens_with_the_intro_and_closes_with_the_outro(demo_analysis, demo_moves):
    plan = plan_choreography(demo_analysis, demo_moves, PlanRequest(seed=3))
    check_plan(plan, demo_analysis, demo_moves, PlanRequest(seed=3))
    assert plan.segments[0].move_label == "intros" and plan.segments[-1].move_label == "outro"
    assert len({segment.clip_id for segment in plan.segments}) == len(plan.segments)  # no repeats at all
    assert plan.notes == ()
    assert all(
        segment.rate
        == pytest.approx(
            demo_analysis.bpm / 128 * 128 / next(m.bpm for m in demo_moves if m.clip_id == segment.clip_id),
            rel=0.01,
        )
        for segment in plan.segments
    )


def test_demo_plan_follows_the_energy_of_the_phrases(demo_analysis, demo_moves):
    energy = {move.clip_id: move.mean_motion_energy for move in demo_moves}
    correlations = []
    for seed in range(6):
        plan = plan_choreography(demo_analysis, demo_moves, PlanRequest(seed=seed))
        song_energy, move_energy = [], []
        starts = np.asarray(demo_analysis.phrase_starts)
        for segment in plan.segments:
            inside = (starts >= segment.song_start - 0.3) & (starts < segment.song_end - 0.3)
            song_energy += list(np.asarray(demo_analysis.phrase_energy)[inside])
            move_energy += [energy[segment.clip_id]] * int(inside.sum())
        correlations.append(np.corrcoef(song_energy, move_energy)[0, 1])
    assert np.mean(correlations) > 0.2


def test_requests_are_honoured_or_relaxed_with_a_note(demo_analysis, demo_moves):
    plan = plan_choreography(demo_analysis, demo_moves, PlanRequest(difficulty="advanced", style="sensual"))
    assert any("relaxed" in note for note in plan.notes)
    beginner = plan_choreography(
        demo_analysis, demo_moves, PlanRequest(difficulty="beginner", min_candidates=2)
    )
    middle = [s for s in beginner.segments if s.move_label not in ("intros", "outro")]
    by_id = {move.clip_id: move for move in demo_moves}
    assert all(by_id[segment.clip_id].difficulty == "beginner" for segment in middle)


@pytest.mark.parametrize(("bpm", "slowest", "fastest"), [(90.0, 0.75, 0.8), (170.0, 1.19, 1.24)])
def test_a_slow_bachata_and_a_fast_song_are_danced_at_the_ends_of_the_rate_bounds(
    demo_moves, bpm, slowest, fastest
):
    """The demo clips are 114-142 BPM: a 90 BPM song (a slow bachata) plays the two slowest at 0.76-0.79x,
    a 170 BPM song the two fastest at 1.20-1.23x, which the default bounds (0.75-1.25) allow."""
    song = make_analysis(bpm, 60.0, 0.3, 0, 60.0, [0.1, 0.3])
    plan = plan_choreography(song, demo_moves, PlanRequest(seed=1))
    check_plan(plan, song, demo_moves, PlanRequest(seed=1))
    assert all(slowest - 1e-6 <= segment.rate <= fastest + 1e-6 for segment in plan.segments)
    assert len({segment.clip_id for segment in plan.segments}) == 2


def test_past_the_ends_of_the_clips_tempi_the_reason_names_the_tempo(demo_moves):
    """At 80 BPM no clip slows to it at 0.75x (it would need one of 107 BPM or less): no plan, and why."""
    with pytest.raises(PlanningError, match=r"80\.0 BPM"):
        plan_choreography(make_analysis(80.0, 60.0, 0.3, 0, 60.0, [0.1]), demo_moves, PlanRequest())


def test_impossible_plans_raise_readable_errors(demo_analysis, demo_moves):
    with pytest.raises(PlanningError, match="empty"):
        plan_choreography(demo_analysis, [], PlanRequest())
    fast_song = make_analysis(190.0, 30.0, 0.2, 0, 30.0, [0.1])
    with pytest.raises(PlanningError, match=r"190\.0 BPM"):
        plan_choreography(fast_song, demo_moves, PlanRequest())
    with pytest.raises(PlanningError, match="at least two moves"):
        plan_choreography(demo_analysis, [m for m in demo_moves if m.clip_id == "basic_side"], PlanRequest())
    with pytest.raises(ValueError, match="difficulty"):
        PlanRequest(difficulty="expert")
