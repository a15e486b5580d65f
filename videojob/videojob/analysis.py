"""Music analysis: beats, a precise BPM and local tempo, bars, 8-count phrases, energy, coarse sections, and
how sure the hearing is.

`analyze_audio(path)` decodes a song and returns a `MusicAnalysis`, cached by the sha256 of the file's bytes
in `cache_dir` (or `$VIDEOJOB_CACHE_DIR`). The hearing itself (onset envelopes, the metrical level, local
tempo, dynamic-programming beat tracking, the phase check, bar and 8-count positions that may re-phase) is
`videojob.beats`; this module turns it into the analysis:

1. beat times from `beats.hear`, BPM by a least-squares fit of time against beat index (not quantised to
   frame lags), the local tempo per phrase (`tempo_curve`);
2. downbeats (positions 0 and 4 of the 8-count) and phrase starts (position 0): the "1" may move after a
   break or a slip, so phrase starts are not always 8 beats apart;
3. what the hearing can vouch for (`HearingConfidence`): onsets on the beats vs between them, the margin of
   the tempo level, the downbeat evidence, the steadiness of the beat; low figures become `hearing_notes`,
   which the plan's notes repeat;
4. RMS energy per phrase, and coarse sections by constrained agglomerative clustering of phrase features.

One power spectrogram (n_fft 2048, hop 512) feeds the MFCCs, the chroma, the RMS and the audio embedding;
every feature is computed with numpy/scipy (`videojob.spectral`, the same values as librosa's), so a fresh
process compiles nothing. The sections' Ward clustering is done here, not by
`librosa.segment.agglomerative`: that imports scikit-learn, about a second of a fresh job process's start.
"""

from __future__ import annotations

import heapq
import itertools
import json
import os
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from videojob import beats, spectral
from videojob.audio_embedding import audio_embedding
from videojob.audio_io import ANALYSIS_SAMPLE_RATE, file_sha256, load_mono_audio

# 4: the level score with the third of a beat, the local tempo at the bar, the bass 0.7 of a bar start
# 5: the downbeat confidence is the margin over the next best bar phase
# 6: the beat's phase slip (confidence.slip, slip_at) and its note; the beat note below 0.2
# 7: the phase check also weighs the chord change at the bar lines; threshold 0.05; tempo prior 0.65 octaves
# 8: a stretch the tracker held > 0.4 of a beat off the grid most of the song keeps is moved onto that grid
#    (`beats.phase_continuity`); the slip is measured on the tracker's own beats
# 9: beat times 4 ms earlier (`beats.ONSET_LAG`, measured on the hearing set's tuning and study music)
# 10: a prior that the song's first sounding beat starts a bar (`beats.START_PRIOR`)
# 11: bar-start evidence weighed by a fit over the bar phases, with the bass level and the ±4-beat chord
#     change (`beats.BAR_WEIGHTS`)
# 12: the timbre change over ±4 beats as a fifth bar-start cue, the weights fitted again with simutrans
# 13: the "1" against the "5" by terms relative to the neighbouring bars; moving the 8-count by a bar is cheaper
# 14: phase continuity reads a slip with one tempo over both sides and a period between whole frames as it
#     is (the seam of a half-beat slip was misplaced by a beat)
# 15: a grid on the swung "&" moves a third of a beat later onto the beat (`beats.swing_check`)
# 16: the beat confidence is the phase evidence's margin (`beats.beat_confidence`), not the onset contrast
ANALYSIS_VERSION = 16
HOP_LENGTH = 512
N_FFT = 2048  # librosa's default frame, for every spectral feature here
BACHATA_BPM_RANGE = (110.0, 150.0)
BEATS_PER_BAR = 4
BEATS_PER_PHRASE = 8
CACHE_DIR_ENVIRONMENT_VARIABLE = "VIDEOJOB_CACHE_DIR"
SECTION_TARGET_SECONDS = 30.0
# below these, the analysis says it is unsure (in hearing_notes and the plan's notes)
# tuning material (441 pieces, analysis 16): with HIGH_SLIP, warns of 10 of 15 pieces whose beats miss
# (F < 0.8) and of 24 of 422 whose beats are right (F >= 0.9); the onset contrast it replaced warned of 11 and 68
LOW_BEAT_CONFIDENCE = 0.2
HIGH_SLIP = 0.25  # beats
LOW_TEMPO_LEVEL_CONFIDENCE = 0.15
# tuning + study, analysis 13: warns of 14 of 17 wrong "1"s, 29 of 204 right ones (see beats.BAR_MARGIN_SCALE)
LOW_DOWNBEAT_CONFIDENCE = 0.45
LOW_STABILITY = 0.8


@dataclass(frozen=True)
class Section:
    """A run of consecutive phrases that sound alike; `level` compares its loudness to the whole song."""

    start: float
    end: float
    first_phrase: int
    phrase_count: int
    energy: float
    level: str  # low | medium | high


@dataclass(frozen=True)
class HearingConfidence:
    """What the analysis can vouch for, each 0..1 (1 = sure), measured against the music, not itself."""

    beat: float  # 1 - (onset strength half-way between the beats) / (onset strength on them)
    tempo_level: float  # margin of the chosen metrical level over the next best (x1/2, x2/3, x3/4, x4/3 ...)
    downbeat: float  # bar-start evidence (bass, chord change) of the downbeats over the next best bar phase
    stability: float  # share of beat intervals within 5 % of their neighbourhood's
    rephased: int  # how often the 8-count "1" moved (after a break or a slip)
    tempo_candidates: tuple[tuple[float, float], ...] = ()  # (BPM, score) of the levels considered
    # the largest jump of the beat's phase between two steady stretches at one tempo, in beats (0..0.5),
    # and where (s): music keeps its beat's phase, so one side of such a jump is off the beat
    slip: float = 0.0
    slip_at: float | None = None


@dataclass(frozen=True)
class MusicAnalysis:
    audio_sha256: str
    duration: float
    bpm: float
    beat_times: tuple[float, ...]
    downbeat_times: tuple[float, ...]
    phrase_starts: tuple[float, ...]
    phrase_energy: tuple[float, ...]  # mean RMS of each phrase (same order as phrase_starts)
    sections: tuple[Section, ...]
    tempo_octave_factor: float  # the chosen level / the tracker's first guess (1, 2, 0.5, 1.5, 2/3, ...)
    audio_embedding: tuple[float, ...]
    tempo_curve: tuple[tuple[float, float], ...] = ()  # (phrase start, local BPM) per phrase
    confidence: HearingConfidence | None = None
    hearing_notes: tuple[str, ...] = ()  # what the hearing is unsure of, in words
    version: int = ANALYSIS_VERSION

    @property
    def beat_period(self) -> float:
        return 60.0 / self.bpm

    @property
    def phrase_period(self) -> float:
        return BEATS_PER_PHRASE * self.beat_period

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> MusicAnalysis:
        fields = dict(data)
        for name in ("beat_times", "downbeat_times", "phrase_starts", "phrase_energy", "audio_embedding"):
            fields[name] = tuple(float(value) for value in fields[name])
        fields["sections"] = tuple(Section(**section) for section in fields["sections"])
        fields["tempo_curve"] = tuple((float(t), float(b)) for t, b in fields.get("tempo_curve", ()))
        fields["hearing_notes"] = tuple(fields.get("hearing_notes", ()))
        if fields.get("confidence") is not None:
            confidence = dict(fields["confidence"])
            confidence["tempo_candidates"] = tuple(
                (float(b), float(s)) for b, s in confidence.get("tempo_candidates", ())
            )
            fields["confidence"] = HearingConfidence(**confidence)
        return cls(**fields)


@dataclass(frozen=True)
class BeatGrid:
    beat_times: np.ndarray
    bpm: float
    octave_factor: float
    positions: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=int))  # place in the 8-count
    confidence: HearingConfidence | None = None


# ---------------------------------------------------------------------------------------------- pure helpers


def bpm_from_beat_times(beat_times: np.ndarray | list[float]) -> float:
    """Tempo from beat positions: slope of a least-squares fit of time against beat index.

    Indices come from the intervals rounded to the median interval, so a skipped beat does not bend the
    slope. Unlike a tempo read off autocorrelation lags this is not quantised to frame lags.
    """
    times = np.asarray(beat_times, dtype=float)
    if len(times) < 2:
        raise ValueError("at least two beats are needed to measure a tempo")
    intervals = np.diff(times)
    typical = float(np.median(intervals))
    if typical <= 0:
        raise ValueError("beat times must increase")
    steps = np.maximum(1, np.round(intervals / typical))
    indices = np.concatenate([[0.0], np.cumsum(steps)])
    slope = np.polyfit(indices, times, 1)[0]
    return 60.0 / float(slope)


def beat_f_measure(
    reference: list[float] | np.ndarray, estimated: list[float] | np.ndarray, tolerance: float = 0.07
) -> float:
    """MIREX beat F-measure: each estimate matches at most one reference beat within ±tolerance."""
    reference_times = np.sort(np.asarray(reference, dtype=float))
    estimated_times = np.sort(np.asarray(estimated, dtype=float))
    if len(reference_times) == 0 or len(estimated_times) == 0:
        return 0.0
    used = np.zeros(len(reference_times), dtype=bool)
    matches = 0
    for time in estimated_times:
        candidates = np.flatnonzero(~used & (np.abs(reference_times - time) <= tolerance))
        if len(candidates):
            best = candidates[np.argmin(np.abs(reference_times[candidates] - time))]
            used[best] = True
            matches += 1
    precision = matches / len(estimated_times)
    recall = matches / len(reference_times)
    return 0.0 if matches == 0 else 2 * precision * recall / (precision + recall)


def beat_stability(beat_times: np.ndarray) -> float:
    """Share of beat intervals within 5 % of the median of the 8 intervals around them."""
    intervals = np.diff(np.asarray(beat_times, dtype=float))
    if len(intervals) < 3:
        return 0.0
    steady = [
        abs(interval / np.median(intervals[max(0, i - 4) : i + 5]) - 1) <= 0.05
        for i, interval in enumerate(intervals)
    ]
    return float(np.mean(steady))


SLIP_STRETCH = 16  # beats fitted on each side
SLIP_GAP = 6  # beats left out on each side of the point: the tracker takes a few beats to slip
SLIP_HOLD = 5  # points (odd)


def beat_slip(beat_times: np.ndarray) -> tuple[float, float | None]:
    """(largest phase slip in beats, 0..0.5; the time of the beat where it happens, or None).

    At every beat, a steady grid is fitted to the `SLIP_STRETCH` beats that end `SLIP_GAP` beats before it
    and another to those that start `SLIP_GAP` beats after; where both are steady (residuals under 4 % of
    the beat) and one tempo (periods within 3 %), the slip is how far the later grid sits from where the
    earlier one, carried on, puts its beats, as a fraction of a beat wrapped to ±0.5. A tracker that
    holds the off-beat (or a 16th) for a stretch and then finds the beat, or the reverse, slips by 0.25-0.5;
    a tempo change, a ritardando or a half bar does not move the beat's phase at one tempo."""
    times = np.asarray(beat_times, dtype=float)
    points, signed = beats.signed_slips(times, SLIP_STRETCH, SLIP_GAP)
    if len(points) == 0:
        return 0.0, None
    slips = np.abs(signed)
    # a real slip reads the same at the 2 * gap - 3 or so points whose windows both miss the few beats
    # it takes; a window that takes in part of it gives a stray value at one or two points, so a slip must
    # hold over SLIP_HOLD consecutive points
    held = np.pad(slips, SLIP_HOLD // 2)
    slips = np.lib.stride_tricks.sliding_window_view(held, SLIP_HOLD).min(axis=1)
    best = int(np.argmax(slips))
    if slips[best] <= 0:
        return 0.0, None
    return float(slips[best]), float(times[points[best]])


def tempo_curve(beat_times: np.ndarray, phrase_starts: np.ndarray) -> tuple[tuple[float, float], ...]:
    """(phrase start, local BPM from the beats of that phrase) for every phrase with at least 3 beats."""
    curve = []
    bounds = [*phrase_starts.tolist(), np.inf]
    for start, end in itertools.pairwise(bounds):
        inside = beat_times[(beat_times >= start - 1e-6) & (beat_times < end - 1e-6)]
        if end != np.inf and len(inside):
            inside = np.append(inside, end)  # the interval into the next phrase's "1"
        if len(inside) >= 3:
            curve.append((round(float(start), 6), round(60.0 / float(np.mean(np.diff(inside))), 3)))
    return tuple(curve)


def song_bpm(beat_times: np.ndarray, positions: np.ndarray) -> float:
    """The song's tempo: the least-squares BPM of all beats, or, when the tempo changes (phrases more than
    6 % apart), the median phrase tempo: the tempo most of the song plays at, not an average of none."""
    overall = bpm_from_beat_times(beat_times)
    phrase_starts = beat_times[positions == 0] if len(positions) == len(beat_times) else beat_times[:0]
    curve = [bpm for _, bpm in tempo_curve(beat_times, phrase_starts)]
    if len(curve) >= 3 and max(curve) / min(curve) > 1.06:
        return float(np.median(curve))
    return overall


def hearing_notes(confidence: HearingConfidence, bpm: float) -> tuple[str, ...]:
    notes = []
    if confidence.beat < LOW_BEAT_CONFIDENCE:
        notes.append(
            f"the beat is hard to place (beat confidence {confidence.beat:.2f}): the music fits the points "
            "half-way between the beats almost as well as the beats, so cuts may fall on the off-beat"
        )
    if confidence.tempo_level < LOW_TEMPO_LEVEL_CONFIDENCE and len(confidence.tempo_candidates) > 1:
        other = next((b for b, _ in confidence.tempo_candidates if abs(b / bpm - 1) > 0.08), None)
        if other is not None:
            notes.append(
                f"the tempo level is uncertain ({bpm:.1f} BPM chosen, {other:.1f} BPM almost as likely; "
                f"level confidence {confidence.tempo_level:.2f}): the moves may run at the wrong speed"
            )
    if confidence.downbeat < LOW_DOWNBEAT_CONFIDENCE:
        notes.append(
            f'the "1" of the 8-count is uncertain (downbeat confidence {confidence.downbeat:.2f}): '
            "moves may start on another count"
        )
    if confidence.slip > HIGH_SLIP and confidence.slip_at is not None:
        minutes, seconds = divmod(int(confidence.slip_at), 60)
        notes.append(
            f"the beat slipped by {confidence.slip:.2f} of a beat near {minutes}:{seconds:02d}: the tracking "
            "was off the beat on one side of it, so the moves there may be too"
        )
    if confidence.stability < LOW_STABILITY:
        notes.append(
            f"the beat is unsteady (only {100 * confidence.stability:.0f} % of beat intervals match "
            "their neighbours): the tempo changes or the tracking slipped"
        )
    return tuple(notes)


# ---------------------------------------------------------------------------------------------- beat tracking


def track_beats(samples: np.ndarray, sample_rate: int, *, power: np.ndarray | None = None) -> BeatGrid:
    """Beat times (seconds), precise BPM, the level chosen, each beat's place in the 8-count and the
    confidence figures (see `videojob.beats`). `power`: the samples' n_fft 2048 / hop 512 power
    spectrogram, when already computed."""
    heard = beats.hear(np.asarray(samples, dtype=np.float32), sample_rate, power)
    if len(heard.beat_times) < 4:
        raise ValueError("no steady beat found: fewer than 4 beats were tracked")
    bpm = song_bpm(heard.beat_times, heard.metre.positions)
    slip, slip_at = beat_slip(heard.beat_times if heard.tracked_times is None else heard.tracked_times)
    confidence = HearingConfidence(
        beat=round(heard.beat_confidence, 4),
        tempo_level=round(heard.tempo.level_confidence, 4),
        downbeat=round(heard.metre.downbeat_confidence, 4),
        stability=round(beat_stability(heard.beat_times), 4),
        rephased=int(heard.metre.rephased),
        tempo_candidates=heard.tempo.candidates,
        slip=round(slip, 4),
        slip_at=None if slip_at is None else round(slip_at, 3),
    )
    return BeatGrid(
        beat_times=heard.beat_times,
        bpm=bpm,
        octave_factor=round(heard.tempo.level_factor, 4),
        positions=heard.metre.positions,
        confidence=confidence,
    )


# ---------------------------------------------------------------------------------------------- phrases, sections


def _phrase_bounds(
    phrase_starts: np.ndarray, phrase_period: float, duration: float
) -> list[tuple[float, float]]:
    ends = [*phrase_starts[1:].tolist(), min(duration, phrase_starts[-1] + phrase_period)]
    return list(zip(phrase_starts.tolist(), ends, strict=True))


def _frame_mean(feature: np.ndarray, start: float, end: float, sample_rate: int) -> np.ndarray:
    """Mean over the frames from `start` to `end`; at least one frame, the last one for a span that starts
    past the end (the extended beat grid can put a last phrase start there: an empty mean would be NaN,
    which JSON and PostgreSQL refuse)."""
    first, last = (int(np.floor(t * sample_rate / HOP_LENGTH)) for t in (start, end))
    first = min(first, feature.shape[-1] - 1)
    last = max(int(last), first + 1)
    return feature[..., first:last].mean(axis=-1)


def energy_level(energy: float, reference: float) -> str:
    ratio = energy / reference if reference > 0 else 1.0
    if ratio < 0.75:
        return "low"
    if ratio > 1.25:
        return "high"
    return "medium"


def ward_chain_segments(features: np.ndarray, count: int) -> list[int]:
    """First index of each of `count` contiguous segments of the columns of `features` (one column per
    item, in time order): Ward agglomerative clustering where only neighbouring segments may merge.

    The result of `librosa.segment.agglomerative(features, count)` (scikit-learn's ward_tree with a chain
    connectivity, cut at `count` clusters), reproduced step for step without importing scikit-learn: the
    same Ward costs computed in the same order (so the same floating-point values), the same heap of
    (cost, newer node, older node) entries, the same greedy merges of the cheapest still-separate pair."""
    items = np.asarray(features, dtype=np.float64)
    items = items.reshape(1, -1) if items.ndim == 1 else items.T  # (items, features)
    total = len(items)
    count = max(1, min(count, total))
    sizes = [1.0] * total  # per node (the leaves, then one node per merge)
    sums = [row.copy() for row in items]
    root = list(range(total))  # per node: the node that absorbed it last (itself while unmerged)
    alive = [True] * total
    left = [index - 1 for index in range(total)]  # neighbouring nodes of each live node along the chain
    right = [index + 1 if index + 1 < total else -1 for index in range(total)]

    def ward_cost(newer: int, older: int) -> float:
        weight = (sizes[newer] * sizes[older]) / (sizes[newer] + sizes[older])
        difference = sums[newer] / sizes[newer] - sums[older] / sizes[older]
        squares = 0.0
        for value in (difference * difference).tolist():  # summed in order, as scikit-learn's loop does
            squares += value
        return squares * weight

    heap = [(ward_cost(index, index - 1), index, index - 1) for index in range(1, total)]
    heapq.heapify(heap)
    for node in range(total, 2 * total - count):
        while True:
            _, first, second = heapq.heappop(heap)
            if alive[first] and alive[second]:
                break
        alive[first] = alive[second] = False
        root[first] = root[second] = node
        sizes.append(sizes[first] + sizes[second])
        sums.append(sums[first] + sums[second])
        root.append(node)
        alive.append(True)
        low, high = (second, first) if right[second] == first else (first, second)
        left.append(left[low])
        right.append(right[high])
        for neighbour in (left[node], right[node]):
            if neighbour >= 0:
                if neighbour == left[node]:
                    right[neighbour] = node
                else:
                    left[neighbour] = node
                heapq.heappush(heap, (ward_cost(node, neighbour), node, neighbour))

    def final(node: int) -> int:
        while root[node] != node:
            node = root[node]
        return node

    labels = [final(index) for index in range(total)]
    return [0] + [index for index in range(1, total) if labels[index] != labels[index - 1]]


def coarse_sections(
    phrase_features: np.ndarray,
    bounds: list[tuple[float, float]],
    phrase_energy: np.ndarray,
    song_energy: float,
    duration: float,
) -> tuple[Section, ...]:
    """Contiguous groups of phrases (about one per 30 s) by agglomerative clustering of phrase features."""
    phrase_count = len(bounds)
    wanted = int(np.clip(round(duration / SECTION_TARGET_SECONDS), 1, phrase_count))
    starts = ward_chain_segments(phrase_features, wanted)
    sections = []
    for number, first in enumerate(starts):
        last = starts[number + 1] if number + 1 < len(starts) else phrase_count
        energy = float(phrase_energy[first:last].mean())
        sections.append(
            Section(
                start=round(bounds[first][0], 6),
                end=round(bounds[last - 1][1], 6),
                first_phrase=first,
                phrase_count=last - first,
                energy=round(energy, 6),
                level=energy_level(energy, song_energy),
            )
        )
    return tuple(sections)


def _rounded(values: np.ndarray | list[float]) -> tuple[float, ...]:
    return tuple(round(float(value), 6) for value in values)


def analyze_samples(
    samples: np.ndarray, sample_rate: int = ANALYSIS_SAMPLE_RATE, *, audio_sha256: str = ""
) -> MusicAnalysis:
    """The analysis of mono samples (deterministic; no file or cache involved)."""
    samples = np.asarray(samples, dtype=np.float32)
    duration = len(samples) / sample_rate
    power = spectral.stft_power(samples, n_fft=N_FFT, hop_length=HOP_LENGTH)  # chroma, MFCC, RMS, embedding
    grid = track_beats(samples, sample_rate, power=power)
    beat_times = grid.beat_times
    phrase_starts = beat_times[grid.positions == 0]
    if len(phrase_starts) == 0:
        phrase_starts = beat_times[:1]
    downbeats = beat_times[(grid.positions == 0) | (grid.positions == BEATS_PER_BAR)]
    phrase_period = BEATS_PER_PHRASE * 60.0 / grid.bpm

    mel_db = spectral.power_to_db(spectral.melspectrogram(power, sample_rate))
    rms = spectral.rms_from_power(power)[0]
    bounds = _phrase_bounds(phrase_starts, phrase_period, duration)
    phrase_energy = np.array([_frame_mean(rms, start, end, sample_rate) for start, end in bounds])
    mfcc = spectral.mfcc(mel_db, n_mfcc=13)
    chroma = spectral.chroma_stft(power, sample_rate)
    features = np.stack(
        [
            np.concatenate(
                [_frame_mean(mfcc, s, e, sample_rate) / 50.0, _frame_mean(chroma, s, e, sample_rate)]
            )
            for s, e in bounds
        ],
        axis=1,
    )
    loudness = 20 * np.log10(phrase_energy + 1e-9)
    features = np.vstack([features, (loudness - loudness.mean())[None, :] / 6.0])
    sections = coarse_sections(features, bounds, phrase_energy, float(rms.mean()), duration)
    confidence = grid.confidence
    return MusicAnalysis(
        audio_sha256=audio_sha256,
        duration=round(duration, 6),
        bpm=round(grid.bpm, 4),
        beat_times=_rounded(beat_times),
        downbeat_times=_rounded(downbeats),
        phrase_starts=_rounded(phrase_starts),
        phrase_energy=_rounded(phrase_energy),
        sections=sections,
        tempo_octave_factor=grid.octave_factor,
        audio_embedding=_rounded(audio_embedding(samples, sample_rate, grid.bpm, power=power)),
        tempo_curve=tempo_curve(beat_times, phrase_starts),
        confidence=confidence,
        hearing_notes=hearing_notes(confidence, grid.bpm) if confidence else (),
    )


# ---------------------------------------------------------------------------------------------- file + cache


def resolve_cache_dir(cache_dir: str | Path | None) -> Path | None:
    if cache_dir is not None:
        return Path(cache_dir)
    from_environment = os.environ.get(CACHE_DIR_ENVIRONMENT_VARIABLE)
    return Path(from_environment) if from_environment else None


def analysis_cache_path(cache_dir: Path, audio_sha256: str) -> Path:
    return cache_dir / "analysis" / f"{audio_sha256}-v{ANALYSIS_VERSION}.json"


def _write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    with os.fdopen(handle, "w") as stream:
        stream.write(text)
    os.replace(temporary, path)


def analyze_audio(path: str | Path, *, cache_dir: str | Path | None = None) -> MusicAnalysis:
    """Analyse the song at `path`, reusing a cached analysis of identical bytes when there is one."""
    digest = file_sha256(path)
    directory = resolve_cache_dir(cache_dir)
    if directory is not None:
        cached = analysis_cache_path(directory, digest)
        if cached.exists():
            try:
                return MusicAnalysis.from_dict(json.loads(cached.read_text()))
            except (ValueError, TypeError, KeyError):
                pass  # unreadable or outdated entry: recompute and overwrite
    analysis = analyze_samples(
        load_mono_audio(path, ANALYSIS_SAMPLE_RATE), ANALYSIS_SAMPLE_RATE, audio_sha256=digest
    )
    if directory is not None:
        _write_atomically(analysis_cache_path(directory, digest), json.dumps(analysis.to_dict()))
    return analysis
