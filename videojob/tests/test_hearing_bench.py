"""The scoring pieces of bench/hearing_bench.py and bench/hearing_set.py on inputs whose answer is known."""

import importlib.util
import sys
from pathlib import Path

import av
import numpy as np
import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"


@pytest.fixture(scope="module")
def modules():
    pytest.importorskip("pretty_midi")
    pytest.importorskip("mir_eval")
    loaded = []
    for name in ("hearing_set", "hearing_bench"):
        spec = importlib.util.spec_from_file_location(name, BENCH / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
        loaded.append(module)
    yield loaded
    for name in ("hearing_bench", "hearing_set"):
        sys.modules.pop(name, None)


def test_offsets_f_measure_and_local_tempo(modules):
    _, bench = modules
    truth = 0.5 + 0.5 * np.arange(40)
    late = truth + 0.02
    assert bench.f_measure(truth, late) == pytest.approx(1.0)
    assert np.allclose(bench.matched_offsets(truth, late), 0.02)
    assert bench.f_measure(truth, truth + 0.25) == 0.0  # the off-beat
    assert bench.local_tempo_right(truth, truth) == 1.0
    assert bench.local_tempo_right(truth, 0.5 + (2 / 3) * 0.5 * np.arange(60)) == 0.0  # heard at 3:2


def test_the_tempo_change_truth_follows_the_sections(modules):
    hearing_set, _ = modules
    sections = [hearing_set.Section(2, 120.0), hearing_set.Section(2, 150.0)]
    _, beats, downbeats, phrases = hearing_set.bachata_piece("t", sections)
    assert np.allclose(np.diff(beats)[:8], 0.5) and np.allclose(np.diff(beats)[8:], 0.4)
    assert downbeats[:4] == [beats[0], beats[4], beats[8], beats[12]]
    # the final chord, where the next 8-count would start, is a "1" too
    assert phrases == [beats[0], beats[8], beats[16]] and beats[16] == beats[-1]


def test_a_half_bar_moves_the_phrase_truth(modules):
    hearing_set, _ = modules
    sections = [
        hearing_set.Section(2, 120.0),
        hearing_set.Section(1, 120.0, beats_per_bar=2),
        hearing_set.Section(2, 120.0),
    ]
    _, beats, _, phrases = hearing_set.bachata_piece("r", sections)
    # 8 beats, a 2-beat bar, then the next "1"; the final chord after 8 more beats is one too
    assert phrases == [beats[0], beats[10], beats[18]] and beats[18] == beats[-1]


def test_notes_played_after_the_grid_move_the_truth(modules):
    import pretty_midi

    hearing_set, _ = modules
    midi = pretty_midi.PrettyMIDI(initial_tempo=120)
    drums = pretty_midi.Instrument(0, is_drum=True)
    for index in range(32):
        start = 0.5 * index + 0.05
        drums.notes.append(pretty_midi.Note(100, 36, start, start + 0.1))
    midi.instruments.append(drums)
    assert hearing_set.note_grid_offset(midi, list(0.5 * np.arange(33))) == pytest.approx(0.05, abs=0.006)


def _write_video(path: Path, shades, frames_per_shot: int, *, still_from: int | None = None) -> None:
    """A 30 fps H.264 video of `frames_per_shot` frames per background colour of `shades` (a cut where it
    changes), a square moving 2 px a frame to and fro (motion, not a cut), frozen at frame `still_from` for 15
    frames and then moving on from where it stopped (a held frame that resumes, not a cut) when given."""
    rng = np.random.default_rng(0)
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=30)
        stream.width, stream.height, stream.pix_fmt = 128, 72, "yuv420p"
        for index in range(frames_per_shot * len(shades)):
            shade = np.asarray(shades[index // frames_per_shot])
            shown = index  # the frame of the shot shown (held for 15 frames, then going on from there)
            if still_from is not None and index >= still_from:
                shown = max(still_from, index - 15)
            image = np.empty((72, 128, 3), dtype=np.uint8)
            image[:] = shade
            x = 10 + abs(2 * shown % 160 - 80)  # to and fro, no jump
            image[20:40, x : x + 20] = 255 - shade
            noise = (
                rng.integers(0, 4, image.shape)
                if still_from is None
                else np.random.default_rng(shown).integers(0, 4, image.shape)
            )
            image = np.clip(image + noise, 0, 255).astype(np.uint8)
            for packet in stream.encode(av.VideoFrame.from_ndarray(image, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)


def _melody(starts):
    import pretty_midi

    midi = pretty_midi.PrettyMIDI(initial_tempo=120)
    piano = pretty_midi.Instrument(0)
    piano.notes = [
        pretty_midi.Note(90, 60 + index % 7, start, start + 0.2) for index, start in enumerate(starts)
    ]
    midi.instruments.append(piano)
    return midi


def test_a_file_whose_notes_ignore_its_tempo_map_has_no_grid_to_be_truth(modules):
    hearing_set, _ = modules
    grid = list(0.5 * np.arange(65))  # the file says 120 BPM
    swung = [0.5 * beat + lag for beat in range(64) for lag in (0.0, 0.33)]  # triplet swing, humanised
    swung = list(np.array(swung) + np.random.default_rng(1).normal(0, 0.01, len(swung)))
    elsewhere = list(
        60 / 141 / 4 * np.arange(480)
    )  # a 141 BPM grid of sixteenths, as a MUS conversion leaves
    assert hearing_set.grid_strength(_melody(swung), grid) > 0.8
    assert hearing_set.grid_strength(_melody(elsewhere), grid) < 0.1 < hearing_set.GRID_STRENGTH
    assert hearing_set.grid_strength(_melody(swung), []) == 0.0  # no grid at all: nothing keeps to it


def test_only_common_time_is_kept(modules):
    import pretty_midi

    hearing_set, _ = modules
    midi = _melody([0.5 * beat for beat in range(64)])
    assert hearing_set.in_common_time(midi, 75.0)  # no time signature: 4/4 by the standard
    midi.time_signature_changes = [
        pretty_midi.TimeSignature(4, 4, 0.0),
        pretty_midi.TimeSignature(3, 4, 80.0),
    ]
    assert hearing_set.in_common_time(midi, 75.0)  # the waltz starts after the part that is kept
    midi.time_signature_changes.append(pretty_midi.TimeSignature(3, 4, 20.0))
    assert not hearing_set.in_common_time(midi, 75.0)


def test_the_music_lumps_of_a_wad_are_read_as_midi_files(modules, tmp_path):
    import struct

    hearing_set, _ = modules
    song = tmp_path / "song.mid"
    _melody([0.5 * beat for beat in range(8)]).write(str(song))
    lumps = [(b"D_RUNNIN", song.read_bytes()), (b"D_E1M1", b"MUS\x1a not midi"), (b"PLAYPAL", b"\0" * 768)]
    body, directory, position = b"", b"", 12
    for name, data in lumps:
        directory += struct.pack("<ii8s", position, len(data), name)
        body, position = body + data, position + len(data)
    wad = tmp_path / "freedoom2.wad"
    wad.write_bytes(struct.pack("<4sii", b"IWAD", len(lumps), position) + body + directory)
    [(name, path)] = hearing_set.freedoom_sources(tmp_path / "out", (wad, tmp_path / "missing.wad"))
    assert name == "doom2-runnin" and path.read_bytes() == song.read_bytes()


def test_cuts_are_found_from_the_video_alone(modules, tmp_path):
    _, bench = modules
    path = tmp_path / "cuts.mp4"
    _write_video(path, [(40,) * 3, (200,) * 3, (120,) * 3], 30)  # cuts at frames 30 and 60 (1.0 s, 2.0 s)
    cuts = bench.video_cut_times(path)
    assert len(cuts) == 2 and np.allclose(cuts, [1.0, 2.0], atol=0.034)


def test_a_cut_between_two_colours_of_the_same_brightness_is_found(modules, tmp_path):
    """The demo library's green "basic" clips and its grey outro differ by < 2 grey levels (luma 77 and 80),
    and a viewer sees the change at once: the detector compares colours."""
    _, bench = modules
    path = tmp_path / "same-brightness.mp4"
    _write_video(path, [(60, 90, 60), (80, 80, 80), (60, 90, 60)], 30)
    cuts = bench.video_cut_times(path)
    assert len(cuts) == 2 and np.allclose(cuts, [1.0, 2.0], atol=0.034)


def test_a_held_frame_that_resumes_is_not_a_cut(modules, tmp_path):
    _, bench = modules
    path = tmp_path / "held.mp4"
    _write_video(path, [(40,) * 3, (200,) * 3], 45, still_from=10)  # frozen 10-24, one cut at frame 45
    cuts = bench.video_cut_times(path)
    assert len(cuts) == 1 and np.allclose(cuts, [1.5], atol=0.034)


def test_only_cuts_inside_the_music_are_scored(modules):
    _, bench = modules
    beats = 1.0 + 0.5 * np.arange(41)  # the music: 1.0-21.0 s
    ones = beats[::8]
    # on a "1", on a "1", on a beat, off the beat, the last beat (a "1"), then two in the silence after it
    cuts = [1.0, 5.02, 6.5, 9.25, 21.05, 25.0, 29.0]
    scored = bench.score_cuts(cuts, beats, ones)
    assert scored["video_cuts"] == 7 and scored["video_cuts_in_music"] == 5
    assert scored["cuts_on_beat"] == 0.8 and scored["cuts_on_one"] == 0.6
    assert scored["cuts_on_beat_all"] == round(4 / 7, 3) and scored["cuts_on_one_all"] == round(3 / 7, 3)
    assert bench.score_cuts([30.0], beats, ones)["cuts_on_beat"] is None  # no cut in the music


def test_the_comparison_table_keeps_tuning_and_held_out_apart(modules):
    _, bench = modules
    row = {
        "tempo_right": True,
        "local_tempo_right": 1.0,
        "f_measure": 1.0,
        "median_offset_ms": 5.0,
        "phrase_on_one": 1.0,
    }
    before = [
        {**row, "name": "a", "part": "tuning", "f_measure": 0.5},
        {**row, "name": "b", "part": "held_out"},
    ]
    after = [
        {**row, "name": "a", "part": "tuning"},
        {**row, "name": "b", "part": "held_out", "f_measure": 0.8},
    ]
    table = bench.compare_table(before, after)
    f_row = next(line for line in table if line.startswith("| beat F-measure"))
    assert f_row.split("|")[2:6] == [" 0.50 / 0.50 ", " 1.00 / 1.00 ", " 1.00 / 1.00 ", " 0.80 / 0.80 "]


def test_the_dancers_steps_are_their_clip_beats_carried_through_the_plan(modules):
    from types import SimpleNamespace

    from videojob.planner import Segment

    _, bench = modules
    beats = 0.5 * np.arange(1, 41)  # the music: 0.5-20 s at 120 BPM
    clip = SimpleNamespace(beat_times=tuple(0.2 + 0.5 * np.arange(60)))  # the clip's own beat, 120 BPM
    library = SimpleNamespace(move=lambda clip_id: clip)

    def plan(clip_start, rate, retimes=()):
        segment = Segment(
            "c", "basic", 0.5, 20.0, clip_start, clip_start + 19.5 * rate, rate, 5, 0.0, 0.0, retimes
        )
        return SimpleNamespace(segments=(segment,))

    assert bench.score_steps(plan(0.2, 1.0), library, beats) == {
        "steps_on_beat": 1.0,
        "steps_median_off_ms": 0.0,
    }
    late = bench.score_steps(plan(0.1, 1.0), library, beats)  # every step 100 ms late
    assert late["steps_on_beat"] == 0.0 and late["steps_median_off_ms"] == pytest.approx(100.0)
    # one rate too fast, pulled back onto the beats by a point in the middle: on the beat again
    drifting = bench.score_steps(plan(0.2, 1.02), library, beats)
    assert drifting["steps_on_beat"] < 0.6
    fixed = plan(0.2, 1.0, retimes=((10.2, 10.5),))
    assert bench.score_steps(fixed, library, beats)["steps_on_beat"] == 1.0


def test_a_final_chord_in_the_middle_of_an_8_count_is_no_phrase_start(modules):
    hearing_set, _ = modules
    _, beats, downbeats, phrases = hearing_set.bachata_piece("o", [hearing_set.Section(3, 120.0)])
    assert phrases == [beats[0], beats[8]] and downbeats[-1] == beats[-1] == beats[12]


def test_the_blind_recordings_are_a_column_of_their_own(modules):
    _, bench = modules
    row = {"tempo_right": True, "local_tempo_right": 1.0, "f_measure": 1.0, "phrase_on_one": 1.0}
    results = [
        {**row, "name": "a", "part": "tuning"},
        {**row, "name": "b", "part": "held_out", "f_measure": 0.8},
        {**row, "name": "c", "part": "blind", "f_measure": 0.4},
    ]
    table = bench.table(results, "run")
    assert "blind" in table[0]
    f_row = next(line for line in table if line.startswith("| beat F-measure"))
    assert f_row.split("|")[2:5] == [" 1.00 / 1.00 ", " 0.80 / 0.80 ", " 0.40 / 0.40 "]
    assert "blind" not in bench.table(results[:2], "run")[0]  # no column where the package is missing


def _chart_song(folder: Path, bpm: float, delay: float, numerator: int = 4) -> Path:
    """A Frets on Fire song folder: a one-tempo chart with a note on every beat, and stems whose clicks sound
    `delay` seconds after the chart's notes."""
    import pretty_midi
    import soundfile

    folder.mkdir(parents=True)
    chart = pretty_midi.PrettyMIDI(initial_tempo=bpm)
    chart.time_signature_changes.append(pretty_midi.TimeSignature(numerator, 4, 0.0))
    notes = pretty_midi.Instrument(0, name="notes")
    period = 60.0 / bpm
    for index in range(1, 60):
        notes.notes.append(pretty_midi.Note(100, 60, index * period, index * period + 0.1))
    chart.instruments.append(notes)
    chart.write(str(folder / "notes.mid"))
    rate = 22050
    audio = np.zeros(int(rate * 60 * period + rate), dtype=np.float32)
    click = np.sin(2 * np.pi * 1500 * np.arange(200) / rate) * np.hanning(200)
    for index in range(1, 60):
        start = round((index * period + delay) * rate)
        audio[start : start + 200] += click
    for stem in ("song", "guitar"):
        soundfile.write(str(folder / f"{stem}.ogg"), 0.5 * audio, rate, format="OGG", subtype="VORBIS")
    return folder


def test_a_recordings_truth_is_its_chart_moved_by_the_stems_delay(modules, tmp_path):
    hearing_set, _ = modules
    made = {
        delay: hearing_set.fof_piece(
            _chart_song(tmp_path / f"d{delay}", 120.0, delay), tmp_path, f"d{delay}", 30.0
        )
        for delay in (0.0, 0.08)
    }
    (_, early, _, tempo, offset_early), (wav, late, downbeats, _, offset_late) = made[0.0], made[0.08]
    assert tempo == 120.0 and wav.exists()
    assert offset_late - offset_early == pytest.approx(0.08, abs=0.006)
    assert abs(offset_early) < 0.02  # the envelope's own lag is taken off
    assert early[0] == pytest.approx(0.5 + offset_early, abs=0.001)
    assert late[0] == pytest.approx(0.5 + offset_late, abs=0.001) and np.allclose(np.diff(late), 0.5)
    assert np.allclose(np.diff(downbeats), 2.0)


def test_a_recording_outside_the_rule_is_left_out(modules, tmp_path):
    hearing_set, _ = modules
    assert hearing_set.fof_piece(_chart_song(tmp_path / "fast", 180.0, 0.0), tmp_path, "fast", 20.0) is None
    assert (
        hearing_set.fof_piece(_chart_song(tmp_path / "waltz", 120.0, 0.0, 3), tmp_path, "waltz", 20.0) is None
    )


def test_the_jobs_warnings_are_scored_against_where_it_really_missed(modules):
    from types import SimpleNamespace

    _, bench = modules

    def warned(beat, downbeat, f, one):
        confidence = SimpleNamespace(beat=beat, stability=1.0, downbeat=downbeat)
        return bench.warnings_against_truth(SimpleNamespace(confidence=confidence), f, one)

    missed_and_warned = warned(0.1, 0.9, 0.3, 0.2)  # unsure of the beat, sure of a wrong "1"
    assert missed_and_warned["beat_miss_warned"] is True and missed_and_warned["beat_right_warned"] is None
    assert missed_and_warned["one_miss_warned"] is False and missed_and_warned["one_right_warned"] is None
    false_alarm = warned(0.1, 0.05, 0.95, 0.9)
    assert false_alarm["beat_right_warned"] is True and false_alarm["one_right_warned"] is True
    assert warned(0.9, 0.9, 0.85, 0.6) == dict.fromkeys(false_alarm)  # between miss and right: neither
    rows = [
        {"name": "a", "part": "tuning", "local_tempo_right": 1.0, **missed_and_warned},
        {"name": "b", "part": "tuning", "local_tempo_right": 1.0, **false_alarm},
        {"name": "c", "part": "tuning", "local_tempo_right": 1.0, **warned(0.9, 0.9, 0.95, 0.9)},
    ]
    table = bench.table(rows, "run")
    cells = {line.split("|")[1].strip(): line.split("|")[2].strip() for line in table[2:]}
    assert cells["the job's result warns of its beats where they miss (F < 0.8)"] == "1 of 1"
    assert cells["... and warns where they are right (F >= 0.9): false alarms"] == "1 of 2"


def test_an_earlier_analysis_is_scored_with_the_beat_tracking_of_its_own_commit(modules):
    """--analysis-from scores what that commit heard: its analysis.py calls its own beats.py (the hearing),
    not today's; 9b2f528 (analysis 9) had no prior on the first sounding beat."""
    import subprocess

    from videojob import pipeline

    _, bench = modules
    revision = "9b2f528"
    if subprocess.run(["git", "cat-file", "-e", revision], cwd=bench.REPO, capture_output=True).returncode:
        pytest.skip(f"{revision} is not in this clone's history")
    analyze_audio = pipeline.analyze_audio
    try:
        earlier = bench.use_earlier_analysis(revision)
        earlier_beats = sys.modules["earlier_beats"]
        assert not hasattr(earlier_beats, "first_sounding_beat")
        assert sys.modules["earlier_analysis"].beats is earlier_beats
        rng = np.random.default_rng(0)
        clicks = np.zeros(22050 * 8, dtype=np.float32)
        for start in range(0, len(clicks) - 200, 11025):  # 120 BPM
            clicks[start : start + 200] = rng.standard_normal(200)
        assert earlier(clicks, 22050).bpm == pytest.approx(120, rel=0.02)
    finally:
        pipeline.analyze_audio = analyze_audio
        for name in ("earlier_analysis", "earlier_beats", "earlier_spectral"):
            sys.modules.pop(name, None)


def test_the_per_piece_comparison_counts_the_parts_kept_out_of_tuning_without_naming_their_pieces(modules):
    _, bench = modules
    row = {"true_bpm": 120.0, "bpm": 120.0, "f_measure": 1.0, "median_offset_ms": 5.0, "phrase_on_one": 1.0}
    before = [
        {**row, "name": "tune-a", "part": "tuning", "f_measure": 0.5},
        {**row, "name": "held-b", "part": "held_out", "phrase_on_one": 0.5},
        {**row, "name": "held-c", "part": "held_out"},
        {**row, "name": "blind-d", "part": "blind"},
    ]
    after = [
        {**row, "name": "tune-a", "part": "tuning"},
        {**row, "name": "held-b", "part": "held_out"},
        {**row, "name": "held-c", "part": "held_out", "f_measure": 0.9},
        {**row, "name": "blind-d", "part": "blind"},
    ]
    text = "\n".join(bench.per_piece_table(before, after, frozenset({"held_out", "blind"})))
    assert "tune-a" in text and "0.50 → 1.00" in text
    assert not any(name in text for name in ("held-b", "held-c", "blind-d"))
    assert "2 pieces: 1 better, 1 worse" in text and "--show-held-out" in text
    assert "1 pieces: 0 better, 0 worse" in text and "--show-blind" in text
    shown = "\n".join(bench.per_piece_table(before, after))
    assert "held-b" in shown and "blind-d" in shown


def test_a_variant_is_its_tuning_piece_slower_with_its_truth_moved_alike(modules, tmp_path):
    hearing_set, _ = modules
    if not hearing_set.SOUNDFONT.exists():
        pytest.skip(f"the FluidR3 soundfont is needed: {hearing_set.INSTALL_HINT}")
    midi, beats, downbeats, phrases = hearing_set.bachata_piece("base", [hearing_set.Section(2, 120.0)])
    base = hearing_set._render_piece(tmp_path, "base", "tuning", "here", midi, beats, downbeats, phrases, [])
    held_out = hearing_set.Piece(**{**base.to_dict(), "name": "other", "part": "held_out"})
    slowest = min(hearing_set.VARIANTS, key=lambda variant: variant[2])
    made = hearing_set.variant_pieces(tmp_path, [base, held_out], only=[f"{slowest[0]}-base"])
    if not slowest[1].exists():
        assert made == []  # its soundfont is not installed
        pytest.skip(f"{slowest[1]} is needed: apt-get install -y {hearing_set.VARIANT_PACKAGES}")
    (variant,) = made  # of the tuning piece only
    assert variant.part == "variants" and variant.tempo_bpm == pytest.approx(120.0 * slowest[2])
    assert np.allclose(variant.beats, np.asarray(beats) / slowest[2])
    assert np.allclose(variant.phrase_starts, np.asarray(phrases) / slowest[2])
    import pretty_midi

    played = pretty_midi.PrettyMIDI(str(tmp_path / f"{variant.name}.mid"))
    first_notes = sorted(n.start for instrument in played.instruments for n in instrument.notes)[:1]
    assert first_notes[0] == pytest.approx(beats[0] / slowest[2], abs=0.01)
    assert Path(variant.audio).stat().st_size > 44


def _metre_fit():
    spec = importlib.util.spec_from_file_location("metre_fit", BENCH / "metre_fit.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_true_bar_phase_of_the_heard_beats_and_the_folds_by_piece(modules):
    hearing_set, _ = modules
    fit = _metre_fit()
    beats = list(0.5 + 0.5 * np.arange(40))
    piece = hearing_set.Piece("p", "tuning", "here", "", beats, beats[1::4], beats[1::4], 120.0, [])
    assert fit.true_bar_phase(piece, np.asarray(beats)) == 1  # bars start on the 2nd heard beat
    assert fit.true_bar_phase(piece, np.asarray(beats[2:])) == 3
    assert fit.true_bar_phase(piece, np.asarray(beats) + 0.25) is None  # the off-beat matches no true beat
    assert fit.family("slow-doom2-tense") == fit.family("ms-doom2-tense") == "doom2-tense"
    assert fit.family("study-nodrum-bossa") == fit.family("study-bossa")


def test_the_fit_finds_the_cue_that_marks_the_bar(modules):
    fit = _metre_fit()
    rng = np.random.default_rng(3)
    phases = rng.integers(0, 4, 200)
    cues = rng.normal(0, 1, (200, 4, 2))
    cues[np.arange(200), phases, 1] += 1.5  # the second cue is higher on the true phase; the first is noise
    weights = fit.fit_weights(cues, phases, l2=0.05)
    assert weights[1] > 1.0 and abs(weights[0]) < 0.3
