"""How well the job hears music, measured against independent truth (bench/hearing_set.py).

    uv run python bench/hearing_bench.py [--set var/hearing] [--video] [--library DIR] [--json FILE]
                                         [--only NAME ...] [--label TEXT]
    uv run python bench/hearing_bench.py --table RUN.json ... [--label TEXT]   (one table of several runs)

Per piece: the analysis (`videojob.analysis.analyze_samples`, the job's own) of the rendered audio, scored
against the MIDI tempo map:
- tempo at the right level: the analysis' BPM within 4 % of the true median tempo (3:2 and octave errors
  miss it); for a piece whose tempo changes, also the local tempo at every true beat within 4 %;
- beat F-measure at ±70 ms (mir_eval.beat.f_measure, no 5-second trim: the job cuts from the start);
- the median offset (estimated - true) of the matched beats, in ms;
- phrase starts on the "1": the share of the analysis' phrase starts within 70 ms of a true 8-count "1"
  (bachata pieces: by construction; Debian pieces have no 8-count in the file: a true bar start counts);
- downbeat F-measure at ±70 ms;
- with --video: the choreography video made by the job's pipeline (videojob.pipeline.make_choreography, the
  demo library or --library), its cuts found from the MP4 alone by frame differencing (PyAV), and the share
  of them within 70 ms of a true beat / of a true "1" (the same rule as above), counting the cuts inside the
  music as for the beats (a cut in a piece's silent tail, after its last true beat, is neither on nor off
  the beat); the same shares over every cut found are given beside them.
Means and medians are given for each part separately (tuning, study, variants, held-out, fresh, blind; the study
and variants parts are tuning material scored for the analysis only, no video); the analysis time per piece
(warm, in this process) and of a 3-minute song in a fresh `python -m videojob analyze` process.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import hearing_set

REPO = Path(__file__).resolve().parents[1]
TOLERANCE = 0.07
TEMPO_TOLERANCE = 0.04


# ---------------------------------------------------------------------------------------------- metrics


def nearest_distance(times, reference) -> np.ndarray:
    times, reference = np.asarray(times, float), np.sort(np.asarray(reference, float))
    if len(reference) == 0:
        return np.full(len(times), np.inf)
    index = np.clip(np.searchsorted(reference, times), 1, max(1, len(reference) - 1))
    below, above = reference[index - 1], reference[np.minimum(index, len(reference) - 1)]
    return np.minimum(np.abs(times - below), np.abs(times - above))


def f_measure(reference, estimated) -> float:
    import mir_eval

    reference, estimated = np.asarray(reference, float), np.asarray(estimated, float)
    if len(reference) == 0 or len(estimated) == 0:
        return 0.0
    return float(mir_eval.beat.f_measure(reference, estimated, f_measure_threshold=TOLERANCE))


def matched_offsets(reference, estimated) -> np.ndarray:
    """estimated - true for each estimate within the tolerance of a true beat (nearest one)."""
    reference = np.sort(np.asarray(reference, float))
    offsets = []
    for moment in np.asarray(estimated, float):
        index = int(np.argmin(np.abs(reference - moment)))
        if abs(reference[index] - moment) <= TOLERANCE:
            offsets.append(moment - reference[index])
    return np.asarray(offsets)


def local_tempo_right(reference_beats, estimated_beats) -> float:
    """Share of true beats (inside the estimate's span) where the estimate's local tempo (median of the
    nearest 4 intervals) is within 4 % of the true local tempo."""
    reference, estimated = np.asarray(reference_beats, float), np.asarray(estimated_beats, float)
    if len(estimated) < 5:
        return 0.0
    right = []
    true_intervals = np.diff(reference)
    estimated_intervals = np.diff(estimated)
    for index in range(len(reference) - 1):
        time = reference[index]
        if time < estimated[0] or time > estimated[-1]:
            continue
        position = int(np.clip(np.searchsorted(estimated, time), 2, len(estimated_intervals) - 2))
        estimated_period = float(np.median(estimated_intervals[position - 2 : position + 2]))
        true_period = float(np.median(true_intervals[max(0, index - 2) : index + 2]))
        right.append(abs(estimated_period / true_period - 1) <= TEMPO_TOLERANCE)
    return float(np.mean(right)) if right else 0.0


def _inside(piece: hearing_set.Piece, times) -> np.ndarray:
    """Only what lies inside the music (a beat past the last true beat is neither right nor wrong here)."""
    times = np.asarray(times, float)
    return times[(times >= piece.beats[0] - TOLERANCE) & (times <= piece.beats[-1] + TOLERANCE)]


def phrase_on_one(piece: hearing_set.Piece, phrase_starts) -> float:
    """The share of the phrase starts (inside the music) within TOLERANCE of a true "1": a true phrase start
    on the pieces sequenced here, a true bar start on Debian's (whose phrases nobody marked)."""
    truth_ones = piece.phrase_starts if "debian" not in piece.tags else piece.downbeats
    inside = _inside(piece, phrase_starts)
    return float(np.mean(nearest_distance(inside, truth_ones) <= TOLERANCE)) if len(inside) else 0.0


def score_analysis(piece: hearing_set.Piece, analysis) -> dict:
    inside = _inside(piece, analysis.beat_times)
    offsets = matched_offsets(piece.beats, inside)
    beat_f = f_measure(piece.beats, inside)
    on_one = phrase_on_one(piece, analysis.phrase_starts)
    return {
        "true_bpm": piece.tempo_bpm,
        "bpm": float(analysis.bpm),
        "tempo_right": bool(abs(analysis.bpm / piece.tempo_bpm - 1) <= TEMPO_TOLERANCE),
        "tempo_ratio": round(float(analysis.bpm / piece.tempo_bpm), 3),
        "local_tempo_right": round(local_tempo_right(piece.beats, inside), 3),
        "f_measure": round(beat_f, 3),
        "median_offset_ms": round(float(np.median(offsets)) * 1000, 1) if len(offsets) else None,
        "phrase_on_one": round(on_one, 3),
        "downbeat_f_measure": round(f_measure(piece.downbeats, analysis.downbeat_times), 3),
        **warnings_against_truth(analysis, beat_f, on_one),
    }


def warnings_against_truth(analysis, beat_f: float, phrase_on_one: float) -> dict:
    """Whether the job's own warnings (its result's `hearing_notes`, from the confidence figures and their
    thresholds in videojob.analysis) come where the truth says it missed: per piece, for the beats (a miss:
    F < 0.8; right: F >= 0.9) and the "1" (a miss: under half the phrase starts on a true "1"; right: 80 % or
    more), None where the piece is neither."""
    from videojob import analysis as module

    confidence = analysis.confidence
    if confidence is None:
        return {}
    beat_warned = (
        confidence.beat < module.LOW_BEAT_CONFIDENCE
        or confidence.stability < module.LOW_STABILITY
        or getattr(confidence, "slip", 0.0) > getattr(module, "HIGH_SLIP", 1.0)  # not in older revisions
    )
    one_warned = confidence.downbeat < module.LOW_DOWNBEAT_CONFIDENCE
    return {
        "beat_miss_warned": beat_warned if beat_f < 0.8 else None,
        "beat_right_warned": beat_warned if beat_f >= 0.9 else None,
        "one_miss_warned": one_warned if phrase_on_one < 0.5 else None,
        "one_right_warned": one_warned if phrase_on_one >= 0.8 else None,
    }


# ---------------------------------------------------------------------------------------------- video


def video_cut_times(path: Path, min_gap: float = 0.5) -> list[float]:
    """Cuts found from the video alone: frames whose difference from the previous frame (64x36, mean
    absolute difference) stands out from the frames around it (> 3x their median and > 6 levels of 255),
    in brightness (grey) or in colour (the larger of the two chroma planes' differences, per pixel).

    Colour as well as grey: a change between two colours of the same brightness (the demo library's green
    "basic" clips and its grey outro, luma 77 and 80) is a cut anyone sees, and differs by < 2 grey levels.
    The grey test is the one this bench always had, so every cut it found is still found."""
    import av

    times, grey_differences, colour_differences = [], [], []
    previous_grey = previous_colour = None
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        for frame in container.decode(stream):
            grey = frame.reformat(width=64, height=36, format="gray").to_ndarray().astype(np.float32)
            planes = frame.reformat(width=64, height=36, format="yuv444p").to_ndarray()  # (3, 36, 64)
            colour = planes[1:].astype(np.float32)  # U and V
            if previous_grey is not None:
                times.append(float(frame.time))
                grey_differences.append(float(np.abs(grey - previous_grey).mean()))
                colour_differences.append(float(np.abs(colour - previous_colour).max(axis=0).mean()))
            previous_grey, previous_colour = grey, colour

    def stands_out(differences: np.ndarray, index: int) -> bool:
        value = differences[index]
        around = np.concatenate([differences[max(0, index - 8) : index], differences[index + 1 : index + 9]])
        return bool(len(around)) and value > 6.0 and value > 3.0 * float(np.median(around))

    grey_differences, colour_differences = np.asarray(grey_differences), np.asarray(colour_differences)
    cuts: list[float] = []
    for index in range(len(times)):
        changed = stands_out(grey_differences, index) or stands_out(colour_differences, index)
        if changed and (not cuts or times[index] - cuts[-1] >= min_gap):
            cuts.append(times[index])
    return cuts


def score_cuts(cuts, beats, ones) -> dict:
    """The video's cuts against the truth. Only cuts inside the music count (from 70 ms before its first
    true beat to 70 ms after its last), as for the analysis' beats in `score_analysis`: where the music has
    stopped (a piece's silent tail) there is no true beat for a cut to be on or off. The figures over every
    cut, the silent tail included, are kept beside them (`*_all`)."""
    cuts, beats = np.asarray(cuts, float), np.asarray(beats, float)
    inside = (
        cuts[(cuts >= beats[0] - TOLERANCE) & (cuts <= beats[-1] + TOLERANCE)] if len(beats) else cuts[:0]
    )

    def share(times, reference):
        return (
            round(float(np.mean(nearest_distance(times, reference) <= TOLERANCE)), 3) if len(times) else None
        )

    return {
        "video_cuts": len(cuts),
        "video_cuts_in_music": len(inside),
        "cuts_on_beat": share(inside, beats),
        "cuts_on_one": share(inside, ones),
        "cuts_on_beat_all": share(cuts, beats),
        "cuts_on_one_all": share(cuts, ones),
    }


def _song_times(segment, clip_times) -> np.ndarray:
    if hasattr(segment, "song_times"):
        return np.asarray(segment.song_times(clip_times), float)
    # plans of earlier commits: one rate per segment
    return (
        segment.song_start
        + segment.hold_before
        + (np.asarray(clip_times) - segment.clip_start) / segment.rate
    )


def score_steps(plan, library, beats) -> dict:
    """The dancers' steps against the true beats: each clip's own beat times (from its audio, as ingest
    measured them) carried through the plan's retiming to where they play in the song, those inside the
    music; the share within 70 ms of a true beat and the median distance. From the plan, not the video
    (the render places every copied frame exactly there: test_render)."""
    beats = np.asarray(beats, float)
    steps = []
    for segment in plan.segments:
        clip_beats = np.asarray(library.move(segment.clip_id).beat_times, float)
        clip_beats = clip_beats[(clip_beats >= segment.clip_start) & (clip_beats < segment.clip_end)]
        steps.extend(_song_times(segment, clip_beats))
    steps = np.asarray(steps)
    steps = steps[(steps >= beats[0] - TOLERANCE) & (steps <= beats[-1] + TOLERANCE)]
    if not len(steps):
        return {"steps_on_beat": None, "steps_median_off_ms": None}
    distance = nearest_distance(steps, beats)
    return {
        "steps_on_beat": round(float(np.mean(distance <= TOLERANCE)), 3),
        "steps_median_off_ms": round(float(np.median(distance)) * 1000, 1),
    }


def score_video(piece: hearing_set.Piece, library, cache_dir: Path, out_dir: Path) -> dict:
    from videojob.errors import PlanningError
    from videojob.pipeline import make_choreography
    from videojob.planner import PlanRequest

    out = out_dir / f"{piece.name}.mp4"
    try:
        made = make_choreography(
            piece.audio,
            out,
            library,
            PlanRequest(seed=1),
            thumbnail_path=out.with_suffix(".jpg"),
            cache_dir=cache_dir,
        )
    except PlanningError as error:
        # the job fails such a task with this reason; no video, so no cut figure (counted apart in the table)
        return {"video_error": str(error)}
    cuts = np.asarray(video_cut_times(out))
    planned = np.asarray(made.plan.cut_times, float)
    truth_ones = piece.phrase_starts if "debian" not in piece.tags else piece.downbeats
    found = nearest_distance(planned, cuts) <= 0.05 if len(cuts) else np.zeros(len(planned), bool)
    return {
        **score_cuts(cuts, piece.beats, truth_ones),
        **score_steps(made.plan, library, piece.beats),
        "planned_cuts": len(planned),
        "planned_cuts_found": int(found.sum()),
        "job_reported_on_beat": made.musicality.cuts_on_beat_share,
        "job_cuts_where_no_beat_was_heard": made.musicality.cuts_where_no_beat_was_heard,
    }


# ---------------------------------------------------------------------------------------------- runs


def _module_at(revision: str, name: str):
    """videojob/videojob/<name>.py of `revision`, loaded as a module of its own."""
    import importlib.util

    source = subprocess.run(
        ["git", "show", f"{revision}:videojob/videojob/{name}.py"],
        cwd=REPO,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    label = f"earlier_{name}"
    module = importlib.util.module_from_spec(importlib.util.spec_from_loader(label, loader=None))
    sys.modules[label] = module  # dataclasses look their module up
    exec(compile(source, f"{revision}:{name}.py", "exec"), module.__dict__)
    return module


def use_earlier_analysis(revision: str):
    """Load analysis.py of `revision`, with the beats.py and spectral.py it calls, as modules and make the
    pipeline use them (its results converted to today's MusicAnalysis, the fields it did not have left at
    their defaults). Returns its analyze_samples."""
    from videojob.analysis import MusicAnalysis

    from videojob import pipeline

    spectral = _module_at(revision, "spectral")
    beats = _module_at(revision, "beats")
    beats.spectral = spectral
    module = _module_at(revision, "analysis")
    module.beats, module.spectral = beats, spectral  # not today's: they are looked up when called
    convert = lambda result: MusicAnalysis.from_dict({**result.to_dict(), "version": 0})  # noqa: E731
    pipeline.analyze_audio = lambda path, cache_dir=None: convert(module.analyze_audio(path, cache_dir=None))
    return lambda samples, sample_rate: convert(module.analyze_samples(samples, sample_rate))


def fresh_process_seconds(song: Path, runs: int = 3) -> list[float]:
    """Wall time of `python -m videojob analyze --audio SONG --json` in a fresh process, no analysis cache."""
    seconds = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as cache:
            started = time.perf_counter()
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "videojob",
                    "analyze",
                    "--audio",
                    str(song),
                    "--json",
                    "--cache-dir",
                    cache,
                ],
                check=True,
                capture_output=True,
                cwd=REPO,
            )
            seconds.append(time.perf_counter() - started)
    return seconds


def three_minute_song(out: Path) -> Path:
    """A 3-minute bachata piece of the set's kind (96 bars at 128 BPM), rendered once."""
    import pretty_midi  # noqa: F401

    path = out / "three-minutes-128.wav"
    if not path.exists():
        midi, *_ = hearing_set.bachata_piece("three-minutes", [hearing_set.Section(96, 128.0)], seed=21)
        midi_path = out / "three-minutes-128.mid"
        midi.write(str(midi_path))
        hearing_set.render_midi(midi_path, path)
    return path


def summarise(rows: list[dict], key: str) -> tuple[float | None, float | None]:
    values = [row[key] for row in rows if row.get(key) is not None]
    if not values:
        return None, None
    values = [float(v) for v in values]
    return statistics.fmean(values), statistics.median(values)


PARTS = {
    "tuning": "tuning",
    "study": "study (tuning)",
    "variants": "variants (tuning)",
    "held_out": "held-out",
    "fresh": "fresh (held out, 2026-12-03)",
    "blind": "blind",
}
ANALYSIS_ONLY = {"study", "variants"}  # tuning material scored for the analysis only (no videos)


def _parts(*results: list[dict]) -> list[str]:
    """The parts present, in `PARTS` order (the blind part only where its package is installed)."""
    present = {row["part"] for rows in results for row in rows}
    return [part for part in PARTS if part in present]


def table(results: list[dict], label: str) -> list[str]:
    """Markdown: each figure of this run (`ROWS`), each part apart (mean / median over pieces)."""
    results = _with_level(results)
    parts = _parts(results)
    lines = [
        f"| measured against truth ({label}) | "
        + " | ".join(f"{PARTS[part]}: mean / median" for part in parts)
        + " |",
        "| --- |" + " ---: |" * len(parts),
    ]
    for title, key, kind in ROWS:
        if any(r.get(key) is not None for r in results):
            cells = [_cell([r for r in results if r["part"] == part], key, kind) for part in parts]
            lines.append(f"| {title} | " + " | ".join(cells) + " |")
    return lines


ROWS = (
    (
        "tempo at the right level (local tempo within 4 % at >= 90 % of the true beats)",
        "tempo_level_right",
        "count",
    ),
    ("song BPM within 4 % of the true median tempo", "tempo_right", "count"),
    ("local tempo right at the true beats", "local_tempo_right", "pct"),
    ("beat F-measure at ±70 ms (mir_eval)", "f_measure", "num"),
    (
        "matched beats' offset, estimated - true (per piece median; fluidsynth sounds ~+7 ms)",
        "median_offset_ms",
        "ms",
    ),
    ('phrase starts on the true "1"', "phrase_on_one", "pct"),
    ("downbeat F-measure at ±70 ms", "downbeat_f_measure", "num"),
    (
        "cuts in the video within 70 ms of a true beat (found from the MP4, inside the music)",
        "cuts_on_beat",
        "pct",
    ),
    ('cuts in the video on a true "1" (found from the MP4, inside the music)', "cuts_on_one", "pct"),
    ("the same, every cut found (the silent tails after the music too)", "cuts_on_beat_all", "pct"),
    ('the same on a true "1", every cut found', "cuts_on_one_all", "pct"),
    (
        "the dancers' steps (each clip's beats through the plan's retiming) within 70 ms of a true beat",
        "steps_on_beat",
        "pct",
    ),
    ("what the job reports: its cuts on its own beats (where it heard beats)", "job_reported_on_beat", "pct"),
    ("the job's result warns of its beats where they miss (F < 0.8)", "beat_miss_warned", "of"),
    ("... and warns where they are right (F >= 0.9): false alarms", "beat_right_warned", "of"),
    ('the job\'s result warns of its "1" where it misses (< 50 % on a true "1")', "one_miss_warned", "of"),
    ("... and warns where it is right (>= 80 %): false alarms", "one_right_warned", "of"),
    ("analysis time per piece (~75 s), warm, in-process (s)", "analysis_seconds", "num"),
)


def _with_level(rows: list[dict]) -> list[dict]:
    return [{**row, "tempo_level_right": row["local_tempo_right"] >= 0.9} for row in rows]


def _cell(rows: list[dict], key: str, kind: str) -> str:
    if kind == "count":
        return f"{sum(bool(r[key]) for r in rows)} of {len(rows)}"
    if kind == "of":  # among the pieces where the figure applies
        applies = [r[key] for r in rows if r.get(key) is not None]
        return f"{sum(map(bool, applies))} of {len(applies)}" if applies else "none"
    mean, median = summarise(rows, key)
    if mean is None:
        return "n/a"
    if kind == "pct":
        return f"{100 * mean:.0f} % / {100 * median:.0f} %"
    if kind == "ms":
        return f"{mean:+.1f} / {median:+.1f} ms"
    return f"{mean:.2f} / {median:.2f}"


def compare_table(before: list[dict], after: list[dict]) -> list[str]:
    """Markdown: each figure before and after, each part apart (mean / median over pieces)."""
    before, after = _with_level(before), _with_level(after)
    parts = _parts(before, after)
    lines = [
        "| measured against truth (mean / median over pieces) | "
        + " | ".join(f"{when}, {PARTS[part]}" for part in parts for when in ("before", "after"))
        + " |",
        "| --- |" + " ---: |" * (2 * len(parts)),
    ]
    for title, key, kind in ROWS:
        if not any(r.get(key) is not None for r in after):
            continue
        cells = [
            _cell([r for r in results if r["part"] == part], key, kind)
            for part in parts
            for results in (before, after)
        ]
        lines.append(f"| {title} | " + " | ".join(cells) + " |")
    return lines


def per_piece_table(before: list[dict], after: list[dict], hidden: frozenset = frozenset()) -> list[str]:
    """Before → after per piece, except the pieces of the `hidden` parts (kept out of tuning: a tuner who
    sees which of them fails tunes on them), which are counted only."""
    by_name = {row["name"]: row for row in before}
    lines = [
        "| piece | part | true BPM | BPM before → after | F before → after | offset ms before → after | on the 1 before → after |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: |",
    ]

    def moves(row: dict) -> list[float]:
        old = by_name.get(row["name"], row)
        return [row[key] - old[key] for key in ("f_measure", "phrase_on_one")]

    for part in sorted({row["part"] for row in after} & hidden):
        rows = [moves(row) for row in after if row["part"] == part]
        worse = sum(min(move) < -0.02 for move in rows)
        better = sum(max(move) > 0.02 and min(move) >= -0.02 for move in rows)
        lines.append(
            f"| {len(rows)} pieces: {better} better, {worse} worse (F or the 1 by > 0.02); per piece with "
            f"--show-{part.replace('_', '-')} | {part} | | | | | |"
        )
    for row in after:
        if row["part"] in hidden:
            continue
        old = by_name.get(row["name"], {})
        lines.append(
            f"| {row['name']} | {row['part']} | {row['true_bpm']:.1f} | {old.get('bpm', float('nan')):.1f} → {row['bpm']:.1f} | "
            f"{old.get('f_measure', float('nan')):.2f} → {row['f_measure']:.2f} | "
            f"{old.get('median_offset_ms')} → {row['median_offset_ms']} | "
            f"{old.get('phrase_on_one', float('nan')):.2f} → {row['phrase_on_one']:.2f} |"
        )
    return lines


def runs_rows(paths) -> list[dict]:
    """The per-piece rows of one or more --json runs, in order."""
    return [row for path in paths for row in json.loads(Path(path).read_text())["pieces"]]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--set", type=Path, default=hearing_set.DEFAULT_OUT)
    parser.add_argument("--only", nargs="+")
    parser.add_argument(
        "--video", action="store_true", help="also render the choreography videos and score their cuts"
    )
    parser.add_argument("--library", type=Path, help="move library for --video (default: the demo library)")
    parser.add_argument("--json", type=Path, help="write every per-piece figure here")
    parser.add_argument("--label", default="MIDI pieces")
    parser.add_argument("--fresh-runs", type=int, default=3)
    parser.add_argument(
        "--analysis-from",
        metavar="GIT_REV",
        help="score the analysis of an earlier commit (its videojob/videojob/analysis.py) instead of this one",
    )
    parser.add_argument(
        "--compare",
        nargs=2,
        metavar=("BEFORE_JSON", "AFTER_JSON"),
        help="print the before/after tables of two --json runs (each may be several, joined by commas)",
    )
    parser.add_argument(
        "--show-blind",
        action="store_true",
        help="print the blind part's figures piece by piece too (by default only in its means and medians, so "
        "that whoever tunes the analysis does not see which blind piece fails)",
    )
    parser.add_argument(
        "--show-held-out",
        action="store_true",
        help="print the held-out part's figures piece by piece too (by default only its means, medians and, in "
        "--compare, its counts)",
    )
    parser.add_argument(
        "--show-fresh",
        action="store_true",
        help="print the fresh part's figures piece by piece too (kept out of tuning like the held-out part)",
    )
    parser.add_argument(
        "--table",
        nargs="+",
        type=Path,
        metavar="JSON",
        help="print the table of one run made of several --json runs (processes run side by side)",
    )
    arguments = parser.parse_args(argv)
    hidden = frozenset(
        part
        for part, shown in (
            ("blind", arguments.show_blind),
            ("held_out", arguments.show_held_out),
            ("fresh", arguments.show_fresh),
        )
        if not shown
    )
    if arguments.table:
        print("\n".join(table(runs_rows(arguments.table), arguments.label)))
        return 0
    if arguments.compare:
        before, after = (runs_rows(paths.split(",")) for paths in arguments.compare)
        print("\n".join(compare_table(before, after)))
        print()
        print("\n".join(per_piece_table(before, after, hidden)))
        return 0

    try:
        pieces = hearing_set.build_set(arguments.set, arguments.only)
    except hearing_set.SetUnavailable as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    from videojob.analysis import analyze_samples
    from videojob.audio_io import ANALYSIS_SAMPLE_RATE, load_mono_audio

    if arguments.analysis_from:
        analyze_samples = use_earlier_analysis(arguments.analysis_from)

    library = cache_dir = video_dir = None
    if arguments.video:
        from videojob.pipeline import default_cache_dir, resolve_library

        cache_dir = Path(tempfile.mkdtemp(prefix="hearing-cache-"))
        library = resolve_library(
            arguments.library, arguments.set / "library-cache" if arguments.library else default_cache_dir()
        )
        video_dir = arguments.set / "videos"
        video_dir.mkdir(parents=True, exist_ok=True)
    results = []
    for piece in pieces:
        samples = load_mono_audio(piece.audio, ANALYSIS_SAMPLE_RATE)
        started = time.perf_counter()
        analysis = analyze_samples(samples, ANALYSIS_SAMPLE_RATE)
        seconds = time.perf_counter() - started
        row = {
            "name": piece.name,
            "part": piece.part,
            "tags": piece.tags,
            "analysis_seconds": round(seconds, 3),
        }
        row.update(score_analysis(piece, analysis))
        if arguments.video and piece.part not in ANALYSIS_ONLY:
            row.update(score_video(piece, library, cache_dir, video_dir))
        results.append(row)
        if piece.part in hidden:
            flag = f"--show-{piece.part.replace('_', '-')}"
            print(f"{piece.part:<9} {piece.name:<28} scored (its figures: {flag}, or the --json file)")
            continue
        print(
            f"{piece.part:<9} {piece.name:<28} true {piece.tempo_bpm:6.1f} got {row['bpm']:6.1f} "
            f"F {row['f_measure']:.2f} off {row['median_offset_ms']} ms  1: {row['phrase_on_one']:.2f}  "
            f"down F {row['downbeat_f_measure']:.2f}  local {row['local_tempo_right']:.2f}"
            + (
                ""
                if piece.part in ANALYSIS_ONLY
                else f"  no video: {row['video_error']}"
                if arguments.video and "video_error" in row
                else f"  cuts beat {row['cuts_on_beat']} one {row['cuts_on_one']} of {row['video_cuts_in_music']} in the music"
                f" (all {row['video_cuts']}: beat {row['cuts_on_beat_all']} one {row['cuts_on_one_all']};"
                f" {row['planned_cuts_found']}/{row['planned_cuts']} planned found)"
                f"  steps on beat {row['steps_on_beat']}"
                if arguments.video
                else ""
            ),
            flush=True,
        )
    fresh = (
        fresh_process_seconds(three_minute_song(arguments.set), arguments.fresh_runs)
        if arguments.fresh_runs
        else []
    )
    print()
    for line in table(results, arguments.label):
        print(line)
    unmade = [row for row in results if "video_error" in row]
    if unmade:
        print(
            f"\nno video (the job would fail the task with this reason), left out of the video rows: {len(unmade)}"
        )
        for row in unmade:
            if row["part"] in hidden:
                print(f"  {row['part']:<9} (a piece of a part shown in its means only)")
            else:
                print(f"  {row['part']:<9} {row['name']}: {row['video_error']}")
    if fresh:
        print(
            f"\nfresh process, 3-minute song (python -m videojob analyze --json): median {statistics.median(fresh):.2f} s of {', '.join(f'{s:.2f}' for s in fresh)}"
        )
    if arguments.json:
        arguments.json.parent.mkdir(parents=True, exist_ok=True)
        arguments.json.write_text(json.dumps({"pieces": results, "fresh_process_seconds": fresh}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
