"""Music analysis with librosa: beats, a precise BPM, bars, 8-count phrases, energy and coarse sections.

`analyze_audio(path)` decodes a song and returns a `MusicAnalysis`, cached by the sha256 of the file's bytes
in `cache_dir` (or `$VIDEOJOB_CACHE_DIR`). The steps, each a small function:

1. onset envelope (sr 22050, hop 512) and `librosa.beat.beat_track` for the beat positions;
2. BPM from the beat times by a least-squares fit of time against beat index (librosa's own tempo is
   quantised to frame lags: a true 140 BPM reads 143.6);
3. octave correction into the bachata range (110-150 BPM): halve (keep the stronger of the two beat
   parities) or double (insert midpoints) when that lands nearer the range;
4. the beat grid is extended at both ends while the onset envelope still shows a beat there;
5. phrase phase: bachata is counted in 8s (two 4/4 bars); of the 8 possible phases, the one whose beats
   carry the strongest accent (onset strength + loudness at the beat) starts the phrases;
6. RMS energy per phrase, and coarse sections by constrained agglomerative clustering of phrase features.

One power spectrogram (n_fft 2048, hop 512) feeds the onset envelope, the bass-band envelope, the MFCCs and
the chroma (librosa would compute the same STFT four times). The sections' Ward clustering is done here, not
by `librosa.segment.agglomerative`: that imports scikit-learn, about a second of a fresh job process's start.
"""

from __future__ import annotations

import heapq
import json
import os
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

import librosa
import numpy as np
import scipy.signal

from videojob.audio_embedding import audio_embedding
from videojob.audio_io import ANALYSIS_SAMPLE_RATE, file_sha256, load_mono_audio

ANALYSIS_VERSION = 2
HOP_LENGTH = 512
N_FFT = 2048  # librosa's default frame, for every spectral feature here
BACHATA_BPM_RANGE = (110.0, 150.0)
BEATS_PER_BAR = 4
BEATS_PER_PHRASE = 8
CACHE_DIR_ENVIRONMENT_VARIABLE = "VIDEOJOB_CACHE_DIR"
SECTION_TARGET_SECONDS = 30.0
LOW_BAND_CUTOFF_HZ = 250.0
OFF_BEAT_RATIO = 1.5
ACCENT_LOW_PASS_HZ = 200.0
BEAT_OUTLIER_TOLERANCE = 0.035


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
class MusicAnalysis:
    audio_sha256: str
    duration: float
    bpm: float
    beat_times: tuple[float, ...]
    downbeat_times: tuple[float, ...]
    phrase_starts: tuple[float, ...]
    phrase_energy: tuple[float, ...]  # mean RMS of each phrase (same order as phrase_starts)
    sections: tuple[Section, ...]
    tempo_octave_factor: float  # 1.0, or 2.0 / 0.5 when the tracked tempo was doubled / halved
    audio_embedding: tuple[float, ...]
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
        return cls(**fields)


@dataclass(frozen=True)
class BeatGrid:
    beat_times: np.ndarray
    bpm: float
    octave_factor: float


# ---------------------------------------------------------------------------------------------- pure helpers


def bpm_from_beat_times(beat_times: np.ndarray | list[float]) -> float:
    """Tempo from beat positions: slope of a least-squares fit of time against beat index.

    Indices come from the intervals rounded to the median interval, so a skipped beat does not bend the
    slope. Unlike librosa's tempo estimate this is not quantised to frame lags.
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


def tempo_octave_factor(bpm: float, bpm_range: tuple[float, float] = BACHATA_BPM_RANGE) -> float:
    """1, 2 or 0.5: the octave of `bpm` that lies nearest the range (inside it if possible)."""
    low, high = bpm_range

    def distance(value: float) -> float:
        return max(low - value, 0.0, value - high)

    candidates = [(distance(bpm), 0, 1.0), (distance(bpm * 2), 1, 2.0), (distance(bpm / 2), 1, 0.5)]
    return min(candidates)[2]


def apply_octave_factor(beat_times: np.ndarray, factor: float, beat_strength: np.ndarray) -> np.ndarray:
    """Double the grid (midpoints) or halve it (keep the parity with the stronger beats)."""
    if factor == 2.0:
        midpoints = (beat_times[:-1] + beat_times[1:]) / 2
        return np.sort(np.concatenate([beat_times, midpoints]))
    if factor == 0.5:
        even, odd = beat_strength[0::2], beat_strength[1::2]
        parity = 0 if len(odd) == 0 or even.mean() >= odd.mean() else 1
        return beat_times[parity::2]
    return beat_times


def choose_phrase_phase(
    beat_accents: np.ndarray | list[float], beats_per_phrase: int = BEATS_PER_PHRASE
) -> int:
    """Index (0..beats_per_phrase-1) of the first beat of the first phrase: the phase whose beats have the
    highest median accent (the median shrugs off a badly placed beat at the ends). Ties go to the earliest."""
    accents = np.asarray(beat_accents, dtype=float)
    if len(accents) == 0:
        return 0
    scores = [
        float(np.median(accents[phase::beats_per_phrase])) if phase < len(accents) else -np.inf
        for phase in range(beats_per_phrase)
    ]
    return int(np.argmax(scores))


def _leave_one_out_predictions(times: np.ndarray, neighbours: int) -> np.ndarray:
    """Each beat's position predicted from its neighbours (itself left out) by a robust local line: the
    slope is the median beat interval of the window, the offset the median over the neighbours, so one
    stray beat in the window does not drag the prediction."""
    predictions = np.empty_like(times)
    for index in range(len(times)):
        lower, upper = max(0, index - neighbours), min(len(times), index + neighbours + 1)
        period = float(np.median(np.diff(times[lower:upper])))
        others = np.array([j for j in range(lower, upper) if j != index])
        offset = float(np.median(times[others] - period * others))
        predictions[index] = offset + period * index
    return predictions


def regularise_beats(
    beat_times: np.ndarray | list[float], neighbours: int = 4, tolerance: float = BEAT_OUTLIER_TOLERANCE
) -> np.ndarray:
    """Move stray beats onto the line through their neighbours (up to `neighbours` on each side), the
    worst first, while one strays more than `tolerance` seconds. The tracker places the first and last
    beats of a piece, and beats in breaks, less reliably; a local line keeps genuine tempo drift."""
    times = np.asarray(beat_times, dtype=float).copy()
    if len(times) < 4:
        return times
    for _ in range(len(times) // 3):
        predictions = _leave_one_out_predictions(times, neighbours)
        errors = np.abs(times - predictions)
        worst = int(np.argmax(errors))
        if errors[worst] <= tolerance:
            break
        times[worst] = predictions[worst]
    return np.sort(times)


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


def _standardised(values: np.ndarray) -> np.ndarray:
    spread = values.std()
    return (values - values.mean()) / spread if spread > 1e-12 else np.zeros_like(values)


# ---------------------------------------------------------------------------------------------- beat tracking


def _peak_near(envelope: np.ndarray, frames: np.ndarray, radius: int = 2) -> np.ndarray:
    padded = np.pad(envelope, radius)
    return np.array([padded[frame : frame + 2 * radius + 1].max() for frame in frames])


def _extend_grid(
    beat_times: np.ndarray, period: float, onset_envelope: np.ndarray, sample_rate: int, duration: float
) -> np.ndarray:
    """Add beats before the first / after the last tracked one while the onset envelope still has a peak
    there (librosa trims weak beats at the edges)."""
    to_frames = lambda times: librosa.time_to_frames(times, sr=sample_rate, hop_length=HOP_LENGTH)  # noqa: E731
    last_frame = len(onset_envelope) - 1
    strengths = _peak_near(onset_envelope, np.clip(to_frames(beat_times), 0, last_frame))
    threshold = 0.3 * float(np.median(strengths))
    earlier: list[float] = []
    time = beat_times[0] - period
    while (
        time >= 0 and _peak_near(onset_envelope, np.array([min(to_frames(time), last_frame)]))[0] > threshold
    ):
        earlier.append(time)
        time -= period
    later: list[float] = []
    time = beat_times[-1] + period
    while (
        time < duration
        and _peak_near(onset_envelope, np.array([min(to_frames(time), last_frame)]))[0] > threshold
    ):
        later.append(time)
        time += period
    return np.concatenate([earlier[::-1], beat_times, later])


def power_spectrogram(samples: np.ndarray) -> np.ndarray:
    """|STFT|^2 with librosa's defaults (n_fft 2048, Hann window, centred frames) and our hop: exactly
    what librosa's spectral features compute from `y` themselves."""
    return np.abs(librosa.stft(samples, n_fft=N_FFT, hop_length=HOP_LENGTH)) ** 2


def low_band_onset_envelope(
    samples: np.ndarray,
    sample_rate: int,
    cutoff_hz: float = LOW_BAND_CUTOFF_HZ,
    *,
    power: np.ndarray | None = None,
) -> np.ndarray:
    """Onset strength of the bass region only (kick, bass, low bongo), where the beat lives; broadband
    percussion between the beats (guira, hi-hats) dominates the full-band envelope but not this one.
    `power`: the samples' power spectrogram, when already computed."""
    if power is None:
        power = power_spectrogram(samples)
    mel = librosa.feature.melspectrogram(S=power, sr=sample_rate, n_mels=64, fmax=8000)
    centres = librosa.mel_frequencies(n_mels=64, fmax=8000)
    low = librosa.power_to_db(mel[centres <= cutoff_hz])
    return librosa.onset.onset_strength(S=low, sr=sample_rate, hop_length=HOP_LENGTH)


def off_beat_correction(
    beat_times: np.ndarray, low_band_envelope: np.ndarray, sample_rate: int, ratio: float = OFF_BEAT_RATIO
) -> np.ndarray:
    """Shift the grid by half a beat when the bass hits between the tracked beats rather than on them."""
    if len(beat_times) < 4:
        return beat_times
    midpoints = (beat_times[:-1] + beat_times[1:]) / 2
    last = len(low_band_envelope) - 1
    to_frames = lambda times: np.clip(  # noqa: E731
        librosa.time_to_frames(times, sr=sample_rate, hop_length=HOP_LENGTH), 0, last
    )
    on_beat = _peak_near(low_band_envelope, to_frames(beat_times), radius=1).mean()
    off_beat = _peak_near(low_band_envelope, to_frames(midpoints), radius=1).mean()
    return midpoints if off_beat > ratio * on_beat else beat_times


def track_beats(
    samples: np.ndarray,
    sample_rate: int,
    onset_envelope: np.ndarray | None = None,
    bpm_range: tuple[float, float] = BACHATA_BPM_RANGE,
    *,
    power: np.ndarray | None = None,
) -> BeatGrid:
    """Beat times (seconds), precise BPM and the octave correction applied. `power`: the samples' power
    spectrogram, when already computed."""
    if onset_envelope is None:
        onset_envelope = librosa.onset.onset_strength(y=samples, sr=sample_rate, hop_length=HOP_LENGTH)
    duration = len(samples) / sample_rate
    _, beat_frames = librosa.beat.beat_track(
        onset_envelope=onset_envelope, sr=sample_rate, hop_length=HOP_LENGTH, start_bpm=sum(bpm_range) / 2
    )
    beat_times = librosa.frames_to_time(beat_frames, sr=sample_rate, hop_length=HOP_LENGTH)
    if len(beat_times) < 4:
        raise ValueError("no steady beat found: fewer than 4 beats were tracked")
    factor = tempo_octave_factor(bpm_from_beat_times(beat_times), bpm_range)
    low_band_envelope = low_band_onset_envelope(samples, sample_rate, power=power)
    strengths = _peak_near(low_band_envelope, np.clip(np.asarray(beat_frames), 0, len(low_band_envelope) - 1))
    beat_times = apply_octave_factor(beat_times, factor, strengths)
    beat_times = off_beat_correction(beat_times, low_band_envelope, sample_rate)
    beat_times = regularise_beats(beat_times)
    period = 60.0 / bpm_from_beat_times(beat_times)
    beat_times = _extend_grid(beat_times, period, onset_envelope, sample_rate, duration)
    return BeatGrid(beat_times=beat_times, bpm=bpm_from_beat_times(beat_times), octave_factor=factor)


def _loudness_db_after(samples: np.ndarray, sample_rate: int, times: np.ndarray) -> np.ndarray:
    """RMS level (dB) of `samples` from 10 ms before to 100 ms after each time."""
    before, length = int(0.01 * sample_rate), int(0.11 * sample_rate)
    levels = []
    for time in times:
        start = max(0, int(time * sample_rate) - before)
        chunk = samples[start : start + length].astype(float)
        levels.append(20 * np.log10(np.sqrt(np.mean(chunk**2)) + 1e-9) if len(chunk) else -180.0)
    return np.asarray(levels)


def beat_accents(
    samples: np.ndarray, sample_rate: int, onset_envelope: np.ndarray, beat_times: np.ndarray
) -> np.ndarray:
    """Per beat: the standardised loudness of the bass region (< 200 Hz: kick, bass note, low bongo) just
    after the beat, plus half the standardised onset strength near it (±3 frames, ~70 ms)."""
    frames = librosa.time_to_frames(beat_times, sr=sample_rate, hop_length=HOP_LENGTH)
    frames = np.clip(frames, 0, len(onset_envelope) - 1)
    onset_part = _peak_near(onset_envelope, frames, radius=3)
    low_pass = scipy.signal.butter(4, ACCENT_LOW_PASS_HZ, fs=sample_rate, output="sos")
    bass = scipy.signal.sosfilt(low_pass, samples.astype(float))
    return _standardised(_loudness_db_after(bass, sample_rate, beat_times)) + 0.5 * _standardised(onset_part)


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
    first, last = librosa.time_to_frames([start, end], sr=sample_rate, hop_length=HOP_LENGTH)
    first = min(int(first), feature.shape[-1] - 1)
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
    power = power_spectrogram(samples)  # one STFT for every spectral feature below
    mel_db = librosa.power_to_db(librosa.feature.melspectrogram(S=power, sr=sample_rate))
    onset_envelope = librosa.onset.onset_strength(S=mel_db, sr=sample_rate, hop_length=HOP_LENGTH)
    grid = track_beats(samples, sample_rate, onset_envelope, power=power)
    beat_times = grid.beat_times
    accents = beat_accents(samples, sample_rate, onset_envelope, beat_times)
    phase = choose_phrase_phase(accents)
    phrase_starts = beat_times[phase::BEATS_PER_PHRASE]
    downbeats = beat_times[phase % BEATS_PER_BAR :: BEATS_PER_BAR]
    phrase_period = BEATS_PER_PHRASE * 60.0 / grid.bpm

    rms = librosa.feature.rms(y=samples, hop_length=HOP_LENGTH)[0]
    bounds = _phrase_bounds(phrase_starts, phrase_period, duration)
    phrase_energy = np.array([_frame_mean(rms, start, end, sample_rate) for start, end in bounds])
    mfcc = librosa.feature.mfcc(S=mel_db, n_mfcc=13)
    chroma = librosa.feature.chroma_stft(S=power, sr=sample_rate, tuning=0.0)
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
        audio_embedding=_rounded(audio_embedding(samples, sample_rate, grid.bpm)),
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
