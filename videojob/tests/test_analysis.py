"""Music analysis on synthetic songs whose beats and phrases are known exactly."""

import dataclasses
import json

import numpy as np
import pytest
import soundfile
from hypothesis import example, given, settings
from hypothesis import strategies as st
from videojob.analysis import (
    MusicAnalysis,
    analyze_audio,
    beat_f_measure,
    beat_stability,
    bpm_from_beat_times,
    tempo_curve,
)

from videojob import analysis, beats

SAMPLE_RATE = 22050


def drum_song(
    bpm: float, seconds: float, first_beat: float, accented_beat: int, guira: float = 0.0, seed: int = 0
):
    """Kick on every beat (loud on every 8th beat from `accented_beat`), a soft hi-hat on the off-beats or,
    with `guira` > 0, an even scrape on every eighth note at that level (louder than the kick in most
    bands, as in real bachata), and a little noise. Returns (samples, beat times, accented beat times)."""
    rng = np.random.default_rng(seed)
    total = int(seconds * SAMPLE_RATE)
    song = 0.003 * rng.standard_normal(total)
    period = 60.0 / bpm
    beats = np.arange(first_beat, seconds - 0.05, period)
    kick_length = int(0.12 * SAMPLE_RATE)
    t = np.arange(kick_length) / SAMPLE_RATE
    kick = np.sin(2 * np.pi * (55 + 90 * np.exp(-t * 35)) * t) * np.exp(-t * 25)
    hat_length = int(0.03 * SAMPLE_RATE)
    hat = rng.standard_normal(hat_length) * np.exp(-np.arange(hat_length) / SAMPLE_RATE * 150)
    for index, beat in enumerate(beats):
        amplitude = 1.0 if index % 8 == accented_beat % 8 else 0.35
        start = round(beat * SAMPLE_RATE)
        piece = kick[: total - start]
        song[start : start + len(piece)] += amplitude * piece
        eighths = (beat, beat + period / 2) if guira else (beat + period / 2,)
        for time in eighths:
            off = round(time * SAMPLE_RATE)
            if off < total:
                piece = hat[: total - off]
                song[off : off + len(piece)] += (guira or 0.08) * piece
    return (0.5 * song).astype(np.float32), beats, beats[accented_beat % 8 :: 8]


@pytest.fixture(scope="module")
def songs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("songs")
    cases = {}
    for bpm, seconds, first_beat, accented, guira in [
        (100.0, 30, 0.41, 3, 0.0),
        (118.0, 24, 0.5, 6, 0.3),
        (128.0, 24, 0.25, 0, 0.0),
        (141.5, 24, 0.6, 5, 0.0),
        (160.0, 24, 0.3, 2, 0.0),
    ]:
        samples, beats, accents = drum_song(bpm, seconds, first_beat, accented, guira)
        path = folder / f"song-{bpm}.wav"
        soundfile.write(path, samples, SAMPLE_RATE)
        cases[bpm] = (path, beats, accents)
    return cases


@pytest.fixture(scope="module")
def analyses(songs):
    return {bpm: analyze_audio(path, cache_dir=None) for bpm, (path, _, _) in songs.items()}


TEMPOS = [100.0, 118.0, 128.0, 141.5, 160.0]


@pytest.mark.parametrize("bpm", TEMPOS)
def test_bpm_within_one_percent(analyses, bpm):
    assert analyses[bpm].bpm == pytest.approx(bpm, rel=0.01)


@pytest.mark.parametrize("bpm", TEMPOS)
def test_beats_match_the_reference(analyses, songs, bpm):
    assert beat_f_measure(songs[bpm][1], analyses[bpm].beat_times, tolerance=0.07) >= 0.95


@pytest.mark.parametrize("bpm", TEMPOS)
def test_phrase_starts_fall_on_the_accented_beats(analyses, songs, bpm):
    result = analyses[bpm]
    accented = songs[bpm][2]
    assert len(result.phrase_starts) >= len(accented) - 1
    for start in result.phrase_starts:
        assert np.min(np.abs(accented - start)) <= 0.07
    # downbeats are every 4 beats, in phase with the phrases
    assert set(result.phrase_starts) <= set(result.downbeat_times)


def test_energy_sections_and_embedding_are_consistent(analyses):
    result = analyses[128.0]
    assert len(result.phrase_energy) == len(result.phrase_starts)
    assert all(energy > 0 for energy in result.phrase_energy)
    assert sum(section.phrase_count for section in result.sections) == len(result.phrase_starts)
    assert [s.first_phrase for s in result.sections] == sorted(s.first_phrase for s in result.sections)
    assert len(result.audio_embedding) == 128
    assert np.linalg.norm(result.audio_embedding) == pytest.approx(1.0, abs=1e-4)


def test_the_analysis_reports_its_confidence_and_local_tempo(analyses):
    result = analyses[128.0]
    confidence = result.confidence
    assert confidence.beat >= analysis.LOW_BEAT_CONFIDENCE  # the kick is on the beats, a soft hi-hat between
    assert confidence.stability == 1.0
    assert 0.0 <= confidence.tempo_level <= 1.0 and 0.0 <= confidence.downbeat <= 1.0
    assert result.hearing_notes == ()
    assert len(result.tempo_curve) >= len(result.phrase_starts) - 1
    assert all(bpm == pytest.approx(128.0, rel=0.02) for _, bpm in result.tempo_curve)


def test_noise_without_a_beat_says_so(tmp_path):
    """Steady noise with random clicks: whatever grid comes out, the analysis must not vouch for it."""
    rng = np.random.default_rng(3)
    samples = 0.05 * rng.standard_normal(20 * SAMPLE_RATE)
    for start in rng.integers(0, len(samples) - 200, 60):
        samples[start : start + 200] += rng.uniform(0.2, 0.6) * rng.standard_normal(200)
    path = tmp_path / "noise.wav"
    soundfile.write(path, samples.astype(np.float32), SAMPLE_RATE)
    try:
        result = analyze_audio(path, cache_dir=None)
    except ValueError:
        return  # "no steady beat found" is an honest answer too
    assert result.hearing_notes, result.confidence


def test_analysis_round_trips_through_json(analyses):
    result = analyses[141.5]
    assert MusicAnalysis.from_dict(json.loads(json.dumps(result.to_dict()))) == result


def test_cache_hit_returns_the_same_analysis_without_recomputing(songs, tmp_path, monkeypatch):
    path = songs[128.0][0]
    first = analyze_audio(path, cache_dir=tmp_path)
    assert list((tmp_path / "analysis").glob("*.json"))

    def must_not_run(*args, **kwargs):
        raise AssertionError("the analysis was recomputed despite a cache entry")

    monkeypatch.setattr(analysis, "analyze_samples", must_not_run)
    monkeypatch.setenv("VIDEOJOB_CACHE_DIR", str(tmp_path))
    assert analyze_audio(path) == first  # cache dir from the environment
    assert first.audio_sha256 == analysis.file_sha256(path)


def test_the_cache_is_keyed_by_content_not_by_name(songs, tmp_path):
    original = songs[160.0][0]
    copy = tmp_path / "renamed.wav"
    copy.write_bytes(original.read_bytes())
    first = analyze_audio(original, cache_dir=tmp_path / "cache")
    assert analyze_audio(copy, cache_dir=tmp_path / "cache") == first
    assert len(list((tmp_path / "cache" / "analysis").glob("*.json"))) == 1


# ------------------------------------------------------------------------------------- pure helpers


@given(
    bpm=st.floats(60, 200),
    first=st.floats(0, 5),
    count=st.integers(8, 200),
    jitter_seed=st.integers(0, 2**16),
    skipped=st.sets(st.integers(1, 6), max_size=2),
)
def test_bpm_from_beat_times_is_exact_despite_jitter_and_skipped_beats(
    bpm, first, count, jitter_seed, skipped
):
    period = 60.0 / bpm
    beats = first + period * np.arange(count)
    beats = beats + np.random.default_rng(jitter_seed).uniform(-0.01, 0.01, count)
    beats = np.delete(beats, sorted(skipped))
    tolerance = 0.02 / (period * (count - 1)) + 1e-9  # worst case: the jitter tilts the fit end to end
    assert bpm_from_beat_times(beats) == pytest.approx(bpm, rel=max(tolerance, 1e-6))


def test_f_measure_counts_each_reference_beat_once():
    assert beat_f_measure([1.0, 2.0, 3.0], [1.0, 2.0, 3.0]) == 1.0
    assert beat_f_measure([1.0, 2.0, 3.0], [1.01, 1.02, 2.0, 3.0]) == pytest.approx(2 * 0.75 * 1 / 1.75)
    assert beat_f_measure([1.0], [1.2]) == 0.0


@given(
    st.integers(min_value=2, max_value=70),
    st.integers(min_value=1, max_value=27),
    st.integers(min_value=2, max_value=9),
    st.sampled_from(["noise", "drift", "ties"]),
    st.integers(min_value=0, max_value=2**16),
)
@settings(deadline=None)  # the first example imports scikit-learn (librosa's reference implementation)
def test_sections_cluster_exactly_as_librosa_agglomerative(items, features, count, kind, seed):
    """The sections' own Ward clustering (no scikit-learn import) gives librosa's boundaries, ties included."""
    import librosa.segment

    rng = np.random.default_rng(seed)
    data = rng.standard_normal((features, items))
    if kind == "drift":
        data = np.cumsum(data, axis=1).astype(np.float32)
    elif kind == "ties":
        data = np.round(data, 0)
    count = min(count, items)
    assert analysis.ward_chain_segments(data, count) == sorted(
        int(boundary) for boundary in librosa.segment.agglomerative(data, count)
    )


def test_stability_and_tempo_curve_follow_a_tempo_change():
    slow, fast = 60 / 120, 60 / 150
    times = np.concatenate([np.arange(32) * slow, 32 * slow + np.arange(1, 33) * fast])
    assert beat_stability(times) >= 0.9  # only the intervals at the change stand out
    curve = tempo_curve(times, times[::8])
    assert [round(bpm) for _, bpm in curve[:3]] == [120, 120, 120]
    assert [round(bpm) for _, bpm in curve[-3:]] == [150, 150, 150]


def _tracked(bpm, beats, slip=0.0, at=None, jitter=0.0, seed=0):
    """Beat times a tracker might give: a steady grid that from beat `at` on sits `slip` of a beat later,
    reaching it over four beats (a tracker drifts onto the off-beat, it does not jump)."""
    index = np.arange(beats, dtype=float)
    if at is not None:
        index += slip * np.clip((index - at + 1) / 4, 0, 1)
    return index * 60 / bpm + np.random.default_rng(seed).normal(0, jitter, beats)


@settings(max_examples=60, deadline=None)
@given(
    bpm=st.floats(80, 180),
    slip=st.floats(0.25, 0.5),
    at=st.integers(30, 100),
    jitter=st.floats(0, 0.006),
    seed=st.integers(0, 2**16),
)
def test_a_slip_of_the_beats_phase_is_measured_and_placed(bpm, slip, at, jitter, seed):
    steady, _ = analysis.beat_slip(_tracked(bpm, 140, jitter=jitter, seed=seed))
    assert steady < 0.1
    measured, where = analysis.beat_slip(_tracked(bpm, 140, slip, at, jitter, seed))
    assert measured == pytest.approx(slip, abs=0.06)
    assert abs(where - at * 60 / bpm) <= 8 * 60 / bpm


def test_a_tempo_change_or_a_half_bar_is_no_slip():
    slow, fast = 60 / 120, 60 / 150
    change = np.concatenate([np.arange(48) * slow, 48 * slow + np.arange(1, 49) * fast])
    assert analysis.beat_slip(change)[0] < 0.05
    half_bar = np.arange(96) * slow  # a 2/4 bar moves the "1", not the beat
    assert analysis.beat_slip(half_bar)[0] < 0.05


# a tracker's beat period in frames (any tempo), and a slip onto the off-beat either way
OFF_BEAT_SLIPS = {"period": st.floats(18, 40), "slip": st.floats(0.45, 0.5), "sign": st.sampled_from([-1, 1])}


@settings(max_examples=60, deadline=None)
@given(**OFF_BEAT_SLIPS, start=st.integers(40, 80), length=st.integers(40, 60))
def test_a_stretch_held_off_the_beat_is_moved_back_onto_the_songs_grid(period, slip, sign, start, length):
    """Beat frames (a tracker's, at any tempo, rounded to frames) that drift `slip` of a beat off the grid
    over 4 beats, hold it for `length` beats and drift back: every true beat gets a beat again within a
    tenth of a beat, and no beat is added or lost."""
    index = np.arange(200, dtype=float)
    off = (
        sign
        * slip
        * (np.clip((index - start + 1) / 4, 0, 1) - np.clip((index - start - length + 1) / 4, 0, 1))
    )
    truth = 100 + index * period
    repaired = beats.phase_continuity(np.round(100 + (index + off) * period).astype(int))
    assert len(repaired) == len(truth)
    assert np.abs(repaired - truth).max() <= 0.1 * period


@settings(max_examples=60, deadline=None)
@given(**OFF_BEAT_SLIPS, at=st.integers(120, 150), width=st.integers(4, 8))
# half a beat at an odd whole period: the tracker's beats fall 18 and 20 frames apart in turn
@example(period=19.0, slip=0.5, sign=1, at=135, width=6)
@example(period=21.0, slip=0.5, sign=-1, at=120, width=4)
# a slip of 0.45 that its two 16-beat windows read under 0.4 (frame rounding)
@example(period=19.019, slip=0.45, sign=1, at=139, width=6)
@example(period=22.977, slip=0.45, sign=-1, at=126, width=4)
def test_a_slip_that_holds_to_the_end_is_moved_back_onto_the_grid_before_it(period, slip, sign, at, width):
    """The tracker drifts onto the off-beat over `width` beats for the last 50-80 of 200 beats and stays
    there: every beat lies within a tenth of a beat of the true grid (the music's beat goes on past the
    tracker's last beat, so half a beat either way there is the same grid), and every true beat between the
    tracker's first and last beat has one."""
    index = np.arange(200, dtype=float)
    tracked = np.round(100 + (index + sign * slip * np.clip((index - at + 1) / width, 0, 1)) * period)
    repaired = beats.phase_continuity(tracked.astype(int))
    assert np.abs(((repaired - 100) / period + 0.5) % 1.0 - 0.5).max() <= 0.1
    truth = 100 + index * period
    inside = truth[(truth >= tracked[0]) & (truth <= tracked[-1])]
    assert np.abs(repaired[None, :] - inside[:, None]).min(axis=1).max() <= 0.1 * period


def _swing(period: int, upbeat: float, seed: int, count: int = 48):
    """Onset envelopes of a swing: a walking bass (a new pitch on every beat, in the bass band and the chroma)
    and a ride on the swung "&", 2/3 of a beat after each beat, `upbeat` times as loud as the beat in all
    bands; (envelopes, the beat frames, the "&" frames)."""
    rng = np.random.default_rng(seed)
    on_beat = 20 + period * np.arange(count)
    swung = on_beat + round(2 * period / 3)
    full, low = np.zeros(on_beat[-1] + 2 * period), np.zeros(on_beat[-1] + 2 * period)
    full[on_beat] = 1 + 0.1 * rng.random(count)
    full[swung] = upbeat * (1 + 0.1 * rng.random(count))
    low[on_beat] = 1 + 0.1 * rng.random(count)
    chroma = np.zeros((12, len(full)))
    pitches = np.cumsum(rng.integers(1, 12, count)) % 12
    for frame, pitch in zip(on_beat, pitches, strict=True):
        chroma[pitch, frame : frame + period] = 1.0
    low_level = np.where(low > 0, 0.0, -60.0)
    return beats.OnsetEnvelopes(full, low, low_level, chroma, 86.13, 86.13), on_beat, swung


@settings(max_examples=40, deadline=None)
@given(period=st.integers(30, 52), upbeat=st.floats(0.5, 2.0), seed=st.integers(0, 10_000))
def test_a_grid_on_the_swung_and_moves_a_third_of_a_beat_later_onto_the_beat(period, upbeat, seed):
    """The tracker held the swung "&" (as loud as the beat, or louder): nothing sounds half-way between its
    beats either, but the bass and the chords are a third of a beat later. A grid on the beat stays."""
    envelopes, on_beat, swung = _swing(period, upbeat, seed)
    moved = beats.swing_check(envelopes, swung)
    following = 20 + period * np.arange(1, len(on_beat) + 1)  # the beat after each "&"
    assert len(moved) == len(swung) and np.abs(moved - following).max() <= 1
    assert np.array_equal(beats.swing_check(envelopes, on_beat), on_beat)


def test_a_steady_grid_or_a_tempo_change_is_left_as_it_is():
    steady = np.round(50 + np.arange(160) * 23.4).astype(int)
    assert np.array_equal(beats.phase_continuity(steady), steady)
    change = np.round(np.concatenate([np.arange(64) * 30.0, 64 * 30.0 + np.arange(1, 65) * 24.0])).astype(int)
    assert np.array_equal(beats.phase_continuity(change), change)


def test_a_slip_is_said_in_the_notes_with_where_it_is():
    confidence = analysis.HearingConfidence(
        beat=0.6, tempo_level=0.5, downbeat=0.8, stability=1.0, rephased=0, slip=0.46, slip_at=42.3
    )
    [note] = analysis.hearing_notes(confidence, 120.0)
    assert "slipped by 0.46 of a beat near 0:42" in note
    steady = analysis.HearingConfidence(beat=0.6, tempo_level=0.5, downbeat=0.8, stability=1.0, rephased=0)
    assert analysis.hearing_notes(steady, 120.0) == ()


def test_a_phrase_that_starts_past_the_last_frame_gets_the_last_frame_not_nan():
    feature = np.arange(20, dtype=float).reshape(2, 10)  # 10 frames of 2 values
    frame = analysis.HOP_LENGTH / SAMPLE_RATE
    assert analysis._frame_mean(feature, 12 * frame, 14 * frame, SAMPLE_RATE).tolist() == [9.0, 19.0]
    assert analysis._frame_mean(feature, 2 * frame, 4 * frame, SAMPLE_RATE).tolist() == [2.5, 12.5]


def test_the_analyze_command_prints_what_the_job_hears(songs, tmp_path):
    import subprocess
    import sys

    path, beats, _ = songs[128.0]
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "videojob",
            "analyze",
            "--audio",
            str(path),
            "--json",
            "--cache-dir",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    data = json.loads(result.stdout)
    assert data["bpm"] == pytest.approx(128.0, rel=0.01)
    assert beat_f_measure(beats, data["beat_times"]) >= 0.95
    assert set(data["phrase_starts"]) <= set(data["downbeat_times"])
    assert {"tempo_curve", "confidence", "hearing_notes"} <= data.keys() and "audio_embedding" not in data
    text = subprocess.run(
        [sys.executable, "-m", "videojob", "analyze", "--audio", str(path), "--cache-dir", str(tmp_path)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "128.0" in text and "confidence: beat" in text and "8-count phrase starts" in text
    missing = subprocess.run(
        [sys.executable, "-m", "videojob", "analyze", "--audio", str(tmp_path / "nope.mp3")],
        capture_output=True,
        text=True,
    )
    assert missing.returncode == 2 and missing.stderr.startswith("error:")


def test_the_downbeat_confidence_is_the_margin_over_the_next_best_bar_phase():
    from videojob import beats

    evidence = np.tile([2.0, 0.0, 1.5, 0.0], 8)  # bar starts on beat 0; beat 2 nearly as strong
    on_the_one = np.arange(32) % 8  # the path: the "1" on beat 0, advancing one count a beat
    assert beats._bar_phase_margin(evidence, on_the_one) == pytest.approx(0.5)
    on_the_three = (np.arange(32) - 2) % 8  # a wrong "1" two beats late: another phase is better
    assert beats._bar_phase_margin(evidence, on_the_three) == 0.0
    assert beats._bar_phase_margin(np.tile([9.0, 0.0, 0.0, 0.0], 8), on_the_one) == 1.0  # clipped
    assert 0.0 < analysis.LOW_DOWNBEAT_CONFIDENCE < 0.5  # a margin of half a unit is not low; a tie is


def _envelopes_with_onsets(beat_count: int, period: int, strength) -> tuple[beats.OnsetEnvelopes, np.ndarray]:
    """Onset envelopes with a click of `strength(beat)` in every band on each beat, and one chord throughout
    (no harmonic cue to the bar), and the beat frames."""
    frames = 20 + period * np.arange(beat_count)
    full = np.zeros(frames[-1] + period)
    for beat, frame in enumerate(frames):
        full[frame] = strength(beat)
    low_level = np.where(full > 0, 10 * np.log10(full + 1e-6), -60.0)
    chroma = np.tile(np.eye(12)[:, [0]] + np.eye(12)[:, [4]] + np.eye(12)[:, [7]], len(full))
    return beats.OnsetEnvelopes(full, full.copy(), low_level, chroma, 86.13, 86.13), frames


@pytest.mark.parametrize("lead_in", [0, 1, 2, 3, 5, 6])
def test_music_that_does_not_say_where_the_bar_starts_starts_it_on_the_first_sounding_beat(lead_in):
    # silent beats the tracker carried into the lead-in, then even beats with a little random variation
    rng = np.random.default_rng(lead_in)
    loudness = np.where(np.arange(40) < lead_in, 0.0, 1 + 0.1 * rng.standard_normal(40))
    envelopes, frames = _envelopes_with_onsets(40, 40, lambda beat: loudness[beat])
    assert beats.first_sounding_beat(envelopes.full, frames) == lead_in
    positions = beats.metre_positions(envelopes, frames).positions
    assert (
        positions[lead_in] % 4 == 0
        and positions[lead_in + 4] % 4 == 0
        and positions[-1] % 4 == (39 - lead_in) % 4
    )


def test_a_pickup_beat_does_not_take_the_one_from_the_bars_the_music_plays():
    # a soft pickup, then a bass accent on the first beat of every bar: beats 1, 5, 9...
    envelopes, frames = _envelopes_with_onsets(
        33, 40, lambda beat: 0.5 if beat == 0 else [3.0, 1, 1, 1][(beat - 1) % 4]
    )
    positions = beats.metre_positions(envelopes, frames).positions
    assert positions[1] % 4 == 0 and positions[0] % 4 == 3


def test_where_the_sound_changes_every_bar_is_where_the_bars_start():
    # even clicks and one chord throughout; another instrument comes in every 4 beats from the third beat on
    # (two pickup beats): the timbre change is the only cue to the bar
    envelopes, frames = _envelopes_with_onsets(82, 40, lambda beat: 1.0)
    bands = np.zeros((40, len(envelopes.full)))
    sound = np.random.default_rng(5).uniform(0, 1, (21, 40))  # each section's instruments
    for beat, frame in enumerate(frames):
        section = (beat + 2) // 4  # beats 0-1, then 2-5, 6-9, ...
        bands[:, frame : frame + 40] = sound[section][:, None]
    envelopes = dataclasses.replace(envelopes, log_mel=bands)
    positions = beats.metre_positions(envelopes, frames).positions
    assert all(positions[beat] % 4 == 0 for beat in range(6, 82, 4)), positions
    without = beats.metre_positions(dataclasses.replace(envelopes, log_mel=None), frames).positions
    assert without[0] % 4 == 0  # without the timbre, the first sounding beat starts the bar
