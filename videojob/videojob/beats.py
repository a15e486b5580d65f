"""Hearing the beat with numpy only: onset envelopes, the metrical level, a tempo that may change, an
Ellis-style dynamic-programming beat tracker, the phase check, and bar/8-count positions that may re-phase.

Nothing here is compiled at run time (no numba) and nothing but numpy is imported (scipy.signal alone costs a
fresh process ~0.5 s of imports). The
steps, each a function:

1. `onset_envelopes`: a centred STFT (n_fft 1024, hop 256: 11.6 ms frames), log-compressed mel bands, the
   half-wave rectified spectral flux of all bands and of the bass bins (< 200 Hz) alone, each high-passed
   (a moving mean over 0.4 s subtracted). Frame times are corrected for the flux's own lag (`ONSET_LAG`:
   on click tracks none, the flux between frames t-1 and t peaks half a hop late and the log compression and
   the window's rise move it back; on music, whose attacks are softer, 4 ms).
2. `choose_tempo`: the novelty's autocorrelation; the tracker's first guess (the strongest lag under a broad
   prior) and its x1/2, x2/3, x3/4, x1, x4/3, x3/2, x2 levels, each refined to its local maximum and scored by how much of the
   music it explains: the autocorrelation at 1, 2 and 4 beats (a bar: rhythm patterns repeat per bar, which a
   dotted or triplet pulse does not) and at half a beat, less what a third of a beat explains beyond the
   half (a beat of three 16ths divides in three), times a log-normal prior around 130 BPM (the bachata
   range 110-150 as a prior, not a rule). The margin between the best two levels is the tempo-level confidence.
3. `local_periods`: the autocorrelation in 8 s windows every 2 s, periods within ±35 % of the chosen level
   scored at 1, 2 and 4 beats and the half beat (less the third, as above: 4/3 of the level lies inside the
   ±35 %), a Viterbi path that pays for every change of period: a tempo change (120 -> 150 -> 120) is
   followed.
4. `track_beats`: dynamic programming over frames (Ellis 2007): each frame's score is its onset strength plus
   the best earlier beat's score minus a penalty on log(interval / local period)^2; back-tracked from the end.
   `phase_continuity`: music keeps its beat's phase, so where the tracker slipped more than 0.4 of a beat
   (a bass on every "&" pulled it onto the off-beat) and held it, the stretch off the grid the most beats
   share is moved onto that grid: between two stretches on it, re-placed evenly; at an end of the song,
   shifted by one tempo fitted across the seam, the few beats of the drift re-placed evenly.
5. `phase_check`: when the onsets of all bands, the harmonic change over the half beat before and after
   (chords change on the beat) and the harmonic change at the bar lines each grid implies together favour
   the points half-way between the beats, the grid moves by half a beat, unless the bass sounds almost only
   on the grid (a kick under an off-beat hi-hat). `swing_check`: when the onsets of all bands and of the bass
   and the harmonic change favour the grid a third of a beat later, the tracker held the swung "&" (2/3 of a
   beat after the beat), and the grid moves there.
6. `metre_positions`: per beat, evidence of a bar start (bass onset and level, chord change over ±2 and ±4
   beats, timbre change over ±4 beats, weighed by a fit of which of the 4 bar phases is right) and of a phrase start (chord change over
   ±4 beats, a bass accent every 8 beats); a Viterbi over the 8 positions of the 8-count, advancing one
   position per beat, that may jump (re-phase) at a cost after a break or a slip, with a prior that the
   song's first sounding beat starts a bar.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from videojob import spectral

N_FFT = 1024
HOP = 256
# seconds. On click tracks the flux peaks on time (0 here); music's softer attacks peak later: on the hearing
# set's tuning and study parts the beats sat +1.7 and +5.6 ms after the sound (MIDI truth less fluidsynth's
# ~7 ms), so 4 ms centres them (bench/hearing_bench.py; docs/benchmarks.md, 2026-12-02 14:48)
ONSET_LAG = 0.004
LOW_BAND_HZ = 200.0
BPM_PRIOR_CENTRE = 130.0
BPM_PRIOR_OCTAVES = 0.65  # the hearing set's tuning and study parts: the same levels anywhere in 0.6-0.75
LEVEL_FACTORS = (0.5, 2.0 / 3.0, 0.75, 1.0, 4.0 / 3.0, 1.5, 2.0)
TIGHTNESS = 400.0
BAR_PAIR_WEIGHT = 1.0
HALF_BEAT_WEIGHT = 1.0
TERNARY_PENALTY = 1.0
LOCAL_BAR_WEIGHT = 0.5  # the local tempo's bar (4 beats) and half-beat evidence
LOCAL_HALF_WEIGHT = 0.5
ACCENT_WEIGHT = 1.0
# The bar-start evidence per beat (`BAR_CUES`): bass onset, chord change over ±2 beats, over ±4 beats, bass
# level just after the beat, timbre change over ±4 beats (each in standard units over the song). Fitted by
# bench/metre_fit.py (a 4-way softmax over the bar phases, each phase scored by the mean cues of its beats) on
# the hearing set's tuning material: the tuning, study and variants parts (the variants: the tuning part's
# MIDI with other soundfonts and at 0.9x and 1.1x tempo), 441 pieces since simutrans joined the tuning part;
# the fit's weights, scaled by 0.25 against the Viterbi's other terms. 5-fold cross-validation by piece (each
# variant in its piece's fold), the "1" on tuning / study / variants: analysis 10's weights (0.7 bass onset,
# 1 chord change over ±2) 77.5 / 91.5 / 78.3 %; the first four cues 81.7 / 92.7 / 81.2 %; all five 83.7 / 94.1
# / 82.9 %. With analysis 10's weights the "1" of 18 of the 57 tuning pieces that have variants moved by > 20
# points with the soundfont or a 10 % tempo change, and 9 of the 17 simutrans pieces; with these, 14 and 7.
BAR_WEIGHTS = (0.133, 0.302, 0.184, 0.214, 0.285)
# the timbre change's spread over a song is 0.007-0.33 on the tuning material (5 % under 0.012); a drum loop
# that never changes reads 0.002, noise, which standard units would make a cue
TIMBRE_LEAST_SPREAD = 0.01
# The "1" against the "5" (`metre_positions`): the chord change over ±4 beats and the bass level at a beat,
# each against the beats 4 before and after; and moving the 8-count by a bar (the "1" and the "5" swap) costs
# PHRASE_REPHASE_COST, less than a change of the bar's phase. Tuning material, the "1" (all 441 pieces /
# simutrans tuning): analysis 12, whose chord change at the "1" also pulled the bar phase away from what the
# fitted bar evidence says (simu-29: the bar evidence favours its true phase in 10 of 11 stretches of 16
# beats, yet its path re-phased to the "3"), 86.6 / 53.0 %; relative terms 88.1 / 59.0 %; with the move by a
# bar at 4 (not 6) 88.4 / 56.5 % (at 3, a drum loop whose "1" is only a kick accent every 8 beats swapped its
# "1" and "5"). Without the cheaper move, a 12-bar son whose 9th bar repeats the 8th's chord re-phased by a
# beat rather than by a bar, and lost its "1". The accent at 0.5 read 89.4 / 60.3 %, but 7 of the demo
# library's 12 clips (synthetic bachata whose "1" is its accent) then had their first "1" on the "5". The
# pieces sequenced here, whose "1" is the 8-count's: 98.9 % each way.
PHRASE_WEIGHT = 1.0
PHRASE_REPHASE_COST = 4.0
REPHASE_COST = 6.0  # standard units (9 read the same in the cross-validation, but re-phases a song too late
# after a half bar: a 16-bar song with a 2-beat bar in its middle kept the old phase to its end)
# bar evidence to the downbeat confidence's units: with 1.5 its warning (< 0.45) finds 8 of 11 wrong "1"s on
# tuning, 6 of 6 on study, 24 of 34 on the variants, at 17 of 62, 12 of 142, 46 of 168 false alarms (analysis
# 13; analysis 10's weights, unscaled: 7 of 16, 12 of 14, 20 of 42 at 8 of 54, 17 of 136, 36 of 151)
BAR_MARGIN_SCALE = 1.5
# a song starts on a bar's first beat unless its music says otherwise: START_PRIOR standard units of bar-start
# evidence on its first sounding beat (tuning and study parts: 4 put 12 pieces' "1" right and none wrong; 6 and
# more put 2-3 wrong); under the re-phase cost, so where a pickup's evidence disagrees, the prior gives way
START_PRIOR = 4.0
START_SOUND = 0.1  # the first sounding beat: the first with this share of the 90th-percentile beat's onsets
COMPRESSION = 1000.0  # log(1 + C x) of the band energies before the flux
PHASE_THRESHOLD = 0.05  # log ratio; tuning + study parts: right phases <= -0.10, wrong ones >= +0.10
BASS_VETO = -2.5  # log ratio; kick-only drum tracks -2.8 to -3.6; tuning pieces shifted: -1.7 to 0
# sum of three log ratios (the grid a third of a beat later against the grid); tuning material, as the job
# hears it: grids on the beat <= -1.23 (study-bluefolk, a shuffle), on the swung "&" (simutrans 13, 39) >= -0.23
SWING_THRESHOLD = -0.7
# log ratio: the beat confidence is 0.2 (analysis.LOW_BEAT_CONFIDENCE) where the phase evidence is -0.3
PHASE_MARGIN_SCALE = 1.75
BEATS_PER_PHRASE = 8


@dataclass(frozen=True)
class OnsetEnvelopes:
    full: np.ndarray  # spectral flux of all bands, high-passed, >= 0
    low: np.ndarray  # the same of the bass bins
    low_level: np.ndarray  # loudness (dB) of the bass bins per frame: accents, which the log flux flattens
    chroma: np.ndarray  # (12, chroma frames) pitch-class energy
    frame_rate: float
    chroma_frame_rate: float
    # (40 bands, frames) the compressed mel spectrum the full flux is made of
    log_mel: np.ndarray | None = None

    def frame_times(self, frames) -> np.ndarray:
        return np.asarray(frames, dtype=float) / self.frame_rate - ONSET_LAG

    def frames_of(self, times) -> np.ndarray:
        frames = np.round((np.asarray(times, dtype=float) + ONSET_LAG) * self.frame_rate).astype(int)
        return np.clip(frames, 0, len(self.full) - 1)

    @property
    def novelty(self) -> np.ndarray:
        return _unit_scale(self.full) + _unit_scale(self.low)


@dataclass(frozen=True)
class TempoChoice:
    bpm: float
    period_frames: float
    level_confidence: float  # 0..1: how clearly the chosen level beats the next best
    candidates: tuple[tuple[float, float], ...]  # (bpm, score) of each level considered, best first
    level_factor: float = 1.0  # the chosen level / the first guess


@dataclass(frozen=True)
class Metre:
    positions: np.ndarray  # per beat: 0..7, its place in the 8-count (0 = the "1")
    downbeat_confidence: float
    rephased: int = 0  # how many times the path jumped instead of advancing by one


@dataclass(frozen=True)
class Heard:
    beat_times: np.ndarray
    tempo: TempoChoice
    metre: Metre
    beat_confidence: float
    tracked_times: np.ndarray | None = None  # the tracker's beats before `phase_continuity` (its slips)


def _unit_scale(values: np.ndarray) -> np.ndarray:
    spread = float(np.std(values))
    return values / spread if spread > 1e-12 else np.zeros_like(values)


def power_spectrogram(samples: np.ndarray, n_fft: int = N_FFT, hop: int = HOP) -> np.ndarray:
    """|STFT|^2 (bins, frames) of centred frames (zero padding of n_fft/2 at both ends), periodic Hann."""
    return spectral.stft_power(samples, n_fft=n_fft, hop_length=hop)


def _mel_matrix(sample_rate: int, n_fft: int, bands: int, low_hz: float, high_hz: float) -> np.ndarray:
    to_mel = lambda hz: 2595.0 * np.log10(1.0 + hz / 700.0)  # noqa: E731
    edges = 700.0 * (10 ** (np.linspace(to_mel(low_hz), to_mel(high_hz), bands + 2) / 2595.0) - 1.0)
    frequencies = np.linspace(0, sample_rate / 2, n_fft // 2 + 1)
    matrix = np.zeros((bands, len(frequencies)), dtype=np.float32)
    for band in range(bands):
        left, centre, right = edges[band : band + 3]
        rising = (frequencies - left) / max(centre - left, 1e-9)
        falling = (right - frequencies) / max(right - centre, 1e-9)
        matrix[band] = np.maximum(0, np.minimum(rising, falling))
    return matrix


def _chroma_matrix(sample_rate: int, n_fft: int, low_hz: float = 55.0, high_hz: float = 2000.0) -> np.ndarray:
    frequencies = np.linspace(0, sample_rate / 2, n_fft // 2 + 1)
    matrix = np.zeros((12, len(frequencies)), dtype=np.float32)
    inside = (frequencies >= low_hz) & (frequencies <= high_hz)
    pitch = 12 * np.log2(frequencies[inside] / 440.0) + 69
    nearest = np.round(pitch)
    weight = np.exp(-0.5 * ((pitch - nearest) / 0.25) ** 2)
    matrix[(nearest.astype(int) % 12), np.flatnonzero(inside)] = weight
    return matrix


def _flux(log_bands: np.ndarray, frame_rate: float) -> np.ndarray:
    difference = np.diff(log_bands, axis=1, prepend=log_bands[:, :1])
    flux = np.maximum(difference, 0).sum(axis=0)
    width = max(3, round(0.4 * frame_rate))
    return np.maximum(flux - _moving_mean(flux, width), 0)


def _moving_mean(values: np.ndarray, width: int) -> np.ndarray:
    """Centred moving mean over `width` frames, the edges extended by their nearest value."""
    before = width // 2
    padded = np.pad(values.astype(np.float64), (before, width - 1 - before), mode="edge")
    cumulative = np.concatenate([[0.0], np.cumsum(padded)])
    return (cumulative[width:] - cumulative[:-width]) / width


def onset_envelopes(
    samples: np.ndarray, sample_rate: int, chroma_power: np.ndarray | None = None, chroma_hop: int = 512
) -> OnsetEnvelopes:
    """`chroma_power`: a finer-frequency power spectrogram (n_fft 2048, hop `chroma_hop`) for the chroma,
    when the caller has one; else the chroma comes from the onset STFT."""
    power = power_spectrogram(samples)
    frame_rate = sample_rate / HOP
    mel = _mel_matrix(sample_rate, N_FFT, 40, 30.0, min(8000.0, sample_rate / 2)) @ power
    scale = float(np.percentile(mel, 99)) + 1e-12
    log_mel = np.log1p(COMPRESSION * mel / scale)
    full = _flux(log_mel, frame_rate)
    frequencies = np.linspace(0, sample_rate / 2, N_FFT // 2 + 1)
    low_bins = power[(frequencies >= 30.0) & (frequencies <= LOW_BAND_HZ)]
    low_scale = float(np.percentile(low_bins, 99)) + 1e-12
    low = _flux(np.log1p(COMPRESSION * low_bins / low_scale), frame_rate)
    low_level = 10 * np.log10(low_bins.sum(axis=0) / low_scale + 1e-6)
    if chroma_power is None:
        chroma, chroma_rate = _chroma_matrix(sample_rate, N_FFT) @ power, frame_rate
    else:
        n_fft = 2 * (chroma_power.shape[0] - 1)
        chroma, chroma_rate = _chroma_matrix(sample_rate, n_fft) @ chroma_power, sample_rate / chroma_hop
    return OnsetEnvelopes(
        full=full,
        low=low,
        low_level=low_level,
        chroma=chroma,
        frame_rate=frame_rate,
        chroma_frame_rate=chroma_rate,
        log_mel=log_mel,
    )


# ---------------------------------------------------------------------------------------------- tempo


def autocorrelation(values: np.ndarray, max_lag: int) -> np.ndarray:
    """Unbiased autocorrelation of the mean-removed `values` for lags 0..max_lag, 1 at lag 0."""
    centred = values - values.mean()
    size = 1 << int(np.ceil(np.log2(2 * len(centred) + 1)))
    spectrum = np.fft.rfft(centred, size)
    correlation = np.fft.irfft(spectrum * np.conj(spectrum), size)[: max_lag + 1]
    correlation /= np.maximum(len(centred) - np.arange(max_lag + 1), 1)
    return correlation / correlation[0] if correlation[0] > 0 else correlation


def _at(correlation: np.ndarray, lag: float) -> float:
    """The autocorrelation's largest value within one frame of a (fractional) lag."""
    low, high = int(np.floor(lag - 1)), int(np.ceil(lag + 1))
    if low < 1 or high >= len(correlation):
        return 0.0
    return float(correlation[low : high + 1].max())


def _at_many(correlation: np.ndarray, lags: np.ndarray) -> np.ndarray:
    """`_at` for an array of lags at once."""
    lags = np.asarray(lags, dtype=float)
    padded = np.pad(correlation, 1)
    three = np.maximum(np.maximum(padded[:-2], padded[1:-1]), padded[2:])  # max of c[i-1], c[i], c[i+1]
    low, high = np.floor(lags).astype(int), np.ceil(lags).astype(int)
    inside = (low - 1 >= 1) & (high + 1 < len(correlation))
    values = np.maximum(three[np.clip(low, 0, len(three) - 1)], three[np.clip(high, 0, len(three) - 1)])
    return np.where(inside, values, 0.0)


def bpm_prior(bpm: float) -> float:
    return float(np.exp(-0.5 * (np.log2(bpm / BPM_PRIOR_CENTRE) / BPM_PRIOR_OCTAVES) ** 2))


def metrical_score(correlation: np.ndarray, lag: float) -> float:
    """How much of the music's periodicity a beat of `lag` frames explains: the beat, two beats, the bar
    (four beats) and the half beat, less what a third of the beat explains beyond the half beat (a beat
    of three 16ths, 4/3 of the true tempo in 16th-note music, divides in three, not in two)."""
    half, third = _at(correlation, lag / 2), _at(correlation, lag / 3)
    return (
        _at(correlation, lag)
        + _at(correlation, 2 * lag)
        + _at(correlation, 4 * lag)
        + BAR_PAIR_WEIGHT * _at(correlation, 8 * lag)
        + HALF_BEAT_WEIGHT * half
        - TERNARY_PENALTY * max(0.0, third - half)
    )


def _refine(correlation: np.ndarray, lag: float, spread: float = 0.04) -> float:
    """The lag within ±spread of `lag` with the best metrical score (in tenths of a frame)."""
    candidates = np.arange(lag * (1 - spread), lag * (1 + spread), 0.1)
    scores = [metrical_score(correlation, candidate) for candidate in candidates]
    return float(candidates[int(np.argmax(scores))])


def choose_tempo(novelty: np.ndarray, frame_rate: float, prior_weight: float = 1.0) -> TempoChoice:
    max_lag = min(len(novelty) - 1, int(8 * 60.0 / 45.0 * frame_rate) + 2)
    correlation = autocorrelation(novelty, max_lag)
    to_bpm = lambda lag: 60.0 * frame_rate / lag  # noqa: E731
    lags = np.arange(int(60.0 * frame_rate / 240.0), int(60.0 * frame_rate / 50.0))
    lags = lags[lags < len(correlation)]
    if len(lags) == 0:
        raise ValueError("the audio is too short to find a tempo")
    broad = np.array([correlation[lag] * bpm_prior(to_bpm(lag)) ** 0.25 for lag in lags])
    first_guess = float(lags[int(np.argmax(broad))])
    candidates = []
    for factor in LEVEL_FACTORS:
        lag = first_guess / factor
        bpm = to_bpm(lag)
        if not 50.0 <= bpm <= 260.0 or 4 * lag >= len(correlation) - 2:
            continue
        lag = _refine(correlation, lag)
        score = metrical_score(correlation, lag) * bpm_prior(to_bpm(lag)) ** prior_weight
        candidates.append((to_bpm(lag), lag, score, factor))
    candidates.sort(key=lambda item: -item[2])
    best_bpm, best_lag, best_score, best_factor = candidates[0]
    # the runner-up among levels that really differ (a refined x1 and x4/3 can meet near one lag)
    second = next((c[2] for c in candidates[1:] if abs(c[0] / best_bpm - 1) > 0.08), 0.0)
    confidence = float(np.clip((best_score - second) / best_score, 0, 1)) if best_score > 0 else 0.0
    return TempoChoice(
        bpm=best_bpm,
        period_frames=best_lag,
        level_confidence=confidence,
        candidates=tuple((round(bpm, 2), round(score, 4)) for bpm, _, score, _ in candidates),
        level_factor=best_factor,
    )


def local_periods(
    novelty: np.ndarray,
    frame_rate: float,
    period: float,
    window_seconds: float = 8.0,
    step_seconds: float = 2.0,
    spread: float = 0.35,
    change_cost: float = 10.0,
) -> np.ndarray:
    """The beat period (frames) at every frame: a Viterbi path through windowed autocorrelations."""
    window = int(window_seconds * frame_rate)
    step = int(step_seconds * frame_rate)
    if len(novelty) < 2 * window:
        return np.full(len(novelty), period)
    candidates = np.exp(np.linspace(np.log(period * (1 - spread)), np.log(period * (1 + spread)), 61))
    centres = np.arange(window // 2, len(novelty) - window // 2, step)
    taper = np.hanning(window)
    max_lag = int(np.ceil(candidates[-1] * (4 if LOCAL_BAR_WEIGHT else 2))) + 2
    emissions = np.zeros((len(centres), len(candidates)))
    for row, centre in enumerate(centres):
        chunk = novelty[centre - window // 2 : centre - window // 2 + window] * taper
        correlation = autocorrelation(chunk, max_lag)
        emissions[row] = _at_many(correlation, candidates) + 0.5 * _at_many(correlation, 2 * candidates)
        if LOCAL_BAR_WEIGHT:
            half, third = _at_many(correlation, candidates / 2), _at_many(correlation, candidates / 3)
            emissions[row] += LOCAL_BAR_WEIGHT * _at_many(correlation, 4 * candidates) + LOCAL_HALF_WEIGHT * (
                half - np.maximum(0.0, third - half)
            )
    emissions -= emissions.max(axis=1, keepdims=True)
    log_ratio = np.log(candidates)[:, None] - np.log(candidates)[None, :]
    transition = -change_cost * np.abs(log_ratio)
    prior = -0.5 * (np.log(candidates / period) / 0.3) ** 2 * 0.1
    score = emissions[0] + prior
    back = np.zeros((len(centres), len(candidates)), dtype=int)
    for row in range(1, len(centres)):
        total = score[None, :] + transition  # [to, from]
        back[row] = np.argmax(total, axis=1)
        score = total[np.arange(len(candidates)), back[row]] + emissions[row] + prior
    path = np.empty(len(centres), dtype=int)
    path[-1] = int(np.argmax(score))
    for row in range(len(centres) - 1, 0, -1):
        path[row - 1] = back[row, path[row]]
    periods = candidates[path]
    frames = np.arange(len(novelty))
    # step-wise: a tempo change is abrupt more often than gradual; hold each window's period
    index = np.clip(np.round((frames - centres[0]) / step).astype(int), 0, len(centres) - 1)
    return periods[index]


# ---------------------------------------------------------------------------------------------- beats


def track_beats(novelty: np.ndarray, periods: np.ndarray, tightness: float = TIGHTNESS) -> np.ndarray:
    """Beat frames by dynamic programming (Ellis 2007) with a local period per frame."""
    typical = float(np.median(periods))
    sigma = max(1.0, typical / 16)
    kernel = np.exp(-0.5 * (np.arange(-int(3 * sigma), int(3 * sigma) + 1) / sigma) ** 2)
    local = np.convolve(_unit_scale(novelty), kernel / kernel.sum(), mode="same")
    count = len(local)
    cumulative = local.copy()
    back = np.full(count, -1)
    periods = np.asarray(periods, dtype=float)
    # Frames closer together than the shortest allowed interval (half a period) cannot be each other's
    # predecessor, so a block of them is scored at once: the same recursion, vectorised.
    frame = 0
    while frame < count:
        length = max(1, round(periods[frame] / 2))
        end = min(count, frame + length)
        block_periods = periods[frame:end]
        shortest = np.maximum(1, np.round(block_periods / 2)).astype(int)
        longest = np.round(2 * block_periods).astype(int)
        independent = shortest > np.arange(end - frame)
        if not independent.all():
            end = frame + max(1, int(np.argmin(independent)))
            block_periods, shortest, longest = (
                block_periods[: end - frame],
                shortest[: end - frame],
                longest[: end - frame],
            )
        intervals = np.arange(longest.max(), shortest.min() - 1, -1)  # earliest predecessor first (ties)
        frames = np.arange(frame, end)[:, None]
        predecessors = frames - intervals[None, :]
        valid = (predecessors >= 0) & (intervals >= shortest[:, None]) & (intervals <= longest[:, None])
        with np.errstate(divide="ignore"):
            penalty = -tightness * np.log(intervals[None, :] / block_periods[:, None]) ** 2
        scores = np.where(valid, cumulative[np.clip(predecessors, 0, None)] + penalty, -np.inf)
        best = np.argmax(scores, axis=1)
        rows = np.arange(end - frame)
        value = scores[rows, best]
        good = value > 0
        cumulative[frame:end][good] = local[frame:end][good] + value[good]
        back[frame:end][good] = predecessors[rows, best][good]
        frame = end
    # the end: the best-scoring frame within the last period before the music stops
    active = np.flatnonzero(local > 0.05 * local.max())
    last = int(active[-1]) if len(active) else count - 1
    tail_start = max(0, last - round(periods[last]))
    frame = tail_start + int(np.argmax(cumulative[tail_start : last + 1]))
    beats = []
    while frame >= 0:
        beats.append(frame)
        frame = back[frame]
    beats = np.asarray(beats[::-1])
    return _trim_silent_ends(beats, local)


def _trim_silent_ends(beats: np.ndarray, local: np.ndarray) -> np.ndarray:
    if len(beats) < 3:
        return beats
    strength = local[beats]
    threshold = 0.1 * float(np.median(strength))
    keep = np.flatnonzero(strength > threshold)
    return beats[keep[0] : keep[-1] + 1] if len(keep) else beats


def _strength_near(envelope: np.ndarray, frames: np.ndarray, radius: int = 2) -> np.ndarray:
    padded = np.pad(envelope, radius)
    windows = np.lib.stride_tricks.sliding_window_view(padded, 2 * radius + 1)
    return windows[np.clip(frames, 0, len(envelope) - 1)].max(axis=1)


def _midpoints(beat_frames: np.ndarray) -> np.ndarray:
    """The frames half-way between consecutive beats."""
    return ((beat_frames[:-1] + beat_frames[1:]) // 2).astype(int)


def _log_ratio(envelope: np.ndarray, frames: np.ndarray, others: np.ndarray) -> float:
    """log(mean strength of `envelope` at `others` / at `frames`), clipped to ±6."""
    on = float(_strength_near(envelope, frames).mean())
    moved = float(_strength_near(envelope, others).mean())
    return float(np.clip(np.log(max(moved, 1e-9) / max(on, 1e-9)), -6.0, 6.0))


def _chroma_change(envelopes: OnsetEnvelopes, frames: np.ndarray, span: int) -> tuple[np.ndarray, np.ndarray]:
    """(change, inside): per frame of `frames`, the L1 change of the (frame-normalised) chroma between the
    `span` chroma frames before it and the `span` after, per chroma frame; `inside` marks the frames whose
    spans fit in the song (the change of the others is 0)."""
    chroma = envelopes.chroma / (envelopes.chroma.sum(axis=0, keepdims=True) + 1e-12)
    cumulative = np.concatenate([np.zeros((12, 1)), np.cumsum(chroma, axis=1)], axis=1)
    centres = np.round(envelopes.frame_times(frames) * envelopes.chroma_frame_rate).astype(int)
    inside = (centres - span >= 0) & (centres + span <= chroma.shape[1])
    kept = centres[inside]
    before = cumulative[:, kept] - cumulative[:, kept - span]
    after = cumulative[:, kept + span] - cumulative[:, kept]
    change = np.zeros(len(centres))
    change[inside] = np.abs(after - before).sum(axis=0) / span
    return change, inside


def _mean_chroma_change(envelopes: OnsetEnvelopes, frames: np.ndarray, span: int) -> float:
    """`_chroma_change` averaged over the frames whose spans fit in the song (0 where none does)."""
    change, inside = _chroma_change(envelopes, frames, span)
    return float(change[inside].mean()) if inside.any() else 0.0


def _chroma_frames_per_beat(envelopes: OnsetEnvelopes, beat_frames: np.ndarray) -> float:
    return float(np.median(np.diff(beat_frames))) / envelopes.frame_rate * envelopes.chroma_frame_rate


def _half_beat_chroma_change(envelopes: OnsetEnvelopes, beat_frames: np.ndarray) -> tuple[float, float]:
    """Mean L1 change of the (frame-normalised) chroma between the half beat before and after each inner
    beat, and each midpoint: chords change on beats, so a grid on the beats sees more harmonic change than
    one between them."""
    half = max(1, round(_chroma_frames_per_beat(envelopes, beat_frames) / 2))
    return _mean_chroma_change(envelopes, beat_frames[1:-1], half), _mean_chroma_change(
        envelopes, _midpoints(beat_frames), half
    )


def _log_contrast(envelope: np.ndarray, beat_frames: np.ndarray) -> float:
    """log(onset strength half-way between the beats / on them), clipped to ±6."""
    return _log_ratio(envelope, beat_frames[1:-1], _midpoints(beat_frames))


def _bar_chord_change(envelopes: OnsetEnvelopes, frames: np.ndarray) -> float:
    """The harmonic change at bar lines a grid implies: the L1 change of the (frame-normalised) chroma
    between the beat before and the beat after each point, averaged over every 4th point, for the best of
    the 4 ways to start (chords change at bar lines, so the per-beat average dilutes them 1 in 4)."""
    change, _ = _chroma_change(envelopes, frames, max(1, round(_chroma_frames_per_beat(envelopes, frames))))
    return max(float(change[start::4].mean()) for start in range(4))


def phase_evidence(envelopes: OnsetEnvelopes, beat_frames: np.ndarray) -> tuple[float, float]:
    """(evidence, bass): how much better the grid moved by half a beat explains the music than the grid
    itself (log ratios, > 0: the midpoints), by three cues that do not count the bass apart: the onsets of
    all bands (a kick or bass on every '&' is as loud as the beat's), the harmonic change over the half beat
    before and after (chords change on the beat) and the harmonic change at the bar lines each grid implies
    (a chord per bar, which the half-beat cue averages with three beats of none); and the bass band's own
    log ratio."""
    if len(beat_frames) < 4:
        return 0.0, 0.0
    full = _log_contrast(_unit_scale(envelopes.full), beat_frames)
    bass = _log_contrast(_unit_scale(envelopes.low), beat_frames)
    chroma_on, chroma_between = _half_beat_chroma_change(envelopes, beat_frames)
    harmonic = float(np.log(chroma_between / chroma_on)) if min(chroma_on, chroma_between) > 0 else 0.0
    if len(beat_frames) >= 10:
        bar_on = _bar_chord_change(envelopes, beat_frames[1:-1])
        bar_between = _bar_chord_change(envelopes, _midpoints(beat_frames))
        harmonic += float(np.log(bar_between / bar_on)) if min(bar_on, bar_between) > 0 else 0.0
    return full + harmonic, bass


def beat_confidence(envelopes: OnsetEnvelopes, beat_frames: np.ndarray) -> float:
    """How clearly the grid, rather than the points half-way between its beats, explains the music: the
    margin by which `phase_check` keeps it (the phase evidence under PHASE_THRESHOLD, or the bass under
    BASS_VETO: a kick on the beat under an off-beat hi-hat), over PHASE_MARGIN_SCALE, clipped to 0..1. (The
    onset contrast it replaced, 1 - between / on, called music with a note on every "&" unsure: 65 of the
    tuning material's 422 right grids were under 0.2.)"""
    if len(beat_frames) < 4:
        return 0.0
    evidence, bass = phase_evidence(envelopes, beat_frames)
    margin = max(PHASE_THRESHOLD - evidence, BASS_VETO - bass)
    return float(np.clip(margin / PHASE_MARGIN_SCALE, 0.0, 1.0))


def phase_check(
    envelopes: OnsetEnvelopes, beat_frames: np.ndarray, threshold: float | None = None
) -> np.ndarray:
    """Move the grid by half a beat when `phase_evidence` says the midpoints explain the music better by
    more than `threshold` (PHASE_THRESHOLD), unless the bass sounds almost only on the grid (its onsets
    there > e^-BASS_VETO times those between: a kick on the beat under an off-beat hi-hat, with no harmony
    to say otherwise)."""
    threshold = PHASE_THRESHOLD if threshold is None else threshold
    if len(beat_frames) < 4:
        return beat_frames
    evidence, bass = phase_evidence(envelopes, beat_frames)
    if evidence > threshold and bass > BASS_VETO:
        midpoints = _midpoints(beat_frames)
        tail = beat_frames[-1] + (beat_frames[-1] - beat_frames[-2]) // 2
        return np.append(midpoints, tail) if tail < len(envelopes.full) else midpoints
    return beat_frames


def _moved_by(beat_frames: np.ndarray, fraction: float) -> np.ndarray:
    """Each beat moved by `fraction` of its own period (the step to the next beat; the last, the one before)."""
    periods = np.diff(beat_frames).astype(float)
    periods = np.append(periods, periods[-1])
    return np.round(beat_frames + fraction * periods).astype(int)


def swing_evidence(envelopes: OnsetEnvelopes, beat_frames: np.ndarray) -> float:
    """How much better the grid a third of a beat later explains the music than the grid itself (log ratios,
    > 0: the later grid): the onsets of all bands and of the bass, and the harmonic change over the half beat
    before and after each point (chords change on the beat). A swung "&" sounds 2/3 of a beat after the beat,
    and a grid on it has nothing half-way between its points either, so the half-beat check cannot see it."""
    later = _moved_by(beat_frames, 1 / 3)
    keep = later < len(envelopes.full)
    grid, later = beat_frames[keep], later[keep]
    if len(grid) < 4:
        return -np.inf
    grid, later = grid[1:-1], later[1:-1]
    half = max(1, round(_chroma_frames_per_beat(envelopes, beat_frames) / 2))
    changes = [_mean_chroma_change(envelopes, frames, half) for frames in (grid, later)]
    harmonic = float(np.log(changes[1] / changes[0])) if min(changes) > 0 else 0.0
    onsets = (_log_ratio(_unit_scale(envelope), grid, later) for envelope in (envelopes.full, envelopes.low))
    return sum(onsets) + harmonic


def swing_check(envelopes: OnsetEnvelopes, beat_frames: np.ndarray, threshold: float = SWING_THRESHOLD):
    """Move the grid a third of a beat later when `swing_evidence` is above `threshold`: the tracker held the
    swung "&" (the bass and the chords are on the beat, a third of a beat later; a grid on the beat has
    nothing there: SWING_THRESHOLD)."""
    if len(beat_frames) < 4 or swing_evidence(envelopes, beat_frames) <= threshold:
        return beat_frames
    later = _moved_by(beat_frames, 1 / 3)
    return later[later < len(envelopes.full)]


CONTINUITY_SLIP = 0.4  # beats (a run's median); tuning part: 0.28 also moves a recording's stray 0.3 slips
CONTINUITY_BOUND = 0.25  # beats a slip must hold to be found: under CONTINUITY_SLIP, so that a slip back,
# which reads up to ~0.1 less than the slip away (frame rounding), is found too
CONTINUITY_STRETCH = 16  # beats fitted on each side of a point
CONTINUITY_GAP = 6  # beats left out on each side: a tracker takes a few beats to slip
CONTINUITY_HOLD = 5  # points a slip must hold (odd)
CONTINUITY_FIT = 32  # beats on each side of a seam fitted for the shift of a stretch moved at an end
CONTINUITY_SAME = 0.2  # beats: two stretches this close in phase (after the slips between them) share a grid


def signed_slips(
    beats: np.ndarray, stretch: int = CONTINUITY_STRETCH, gap: int = CONTINUITY_GAP
) -> tuple[np.ndarray, np.ndarray]:
    """(points, signed slip in beats at each point, -0.5..0.5): at beat `point`, how far the steady grid of
    the `stretch` beats starting `gap` after it sits from where the grid of the `stretch` beats ending `gap`
    before it, carried on, puts them; 0 where either side is unsteady or the two tempi differ by > 3 %."""
    times = np.asarray(beats, dtype=float)
    points = np.arange(stretch + gap, len(times) - stretch - gap)
    if len(points) == 0:
        return points, np.zeros(0)
    windows = np.lib.stride_tricks.sliding_window_view(times, stretch)
    index = np.arange(stretch) - (stretch - 1) / 2
    slopes = windows @ index / (index @ index)
    centres = windows.mean(axis=1)
    residuals = (windows - centres[:, None] - slopes[:, None] * index).std(axis=1)
    before, after = points - gap - stretch, points + gap
    period = (slopes[before] + slopes[after]) / 2
    one_tempo = np.abs(slopes[before] / slopes[after] - 1) <= 0.03
    steady = np.maximum(residuals[before], residuals[after]) <= 0.04 * period
    # one tempo for both sides (their mean slope): each side's own slope, carried over the beats between
    # them, carries its frame rounding too (a period between whole frames reads a few % steeper or flatter
    # in 16 beats), which read up to 0.06 of a beat of slip where there was none
    slips = ((centres[after] - centres[before]) / period - (stretch + 2 * gap) + 0.5) % 1.0 - 0.5
    slips[~(one_tempo & steady)] = 0.0
    return points, slips


def _frame_period(frames: np.ndarray, span: int = 4) -> float:
    """The beat period (frames) of beat frames: the median over `span` beats, divided by it, so that a
    period between whole frames (19.5: the tracker's beats 19 and 20 apart, in turn) reads as it is rather
    than as one of the two (the median of single steps), which, carried over the many beats of a stretch
    moved by half a beat, misplaced its seam by a beat."""
    span = min(span, len(frames) - 1)
    return float(np.median(frames[span:] - frames[:-span])) / span


def _evenly_between(left: float, right: float, period: float) -> np.ndarray:
    """The beats strictly between beats `left` and `right`, evenly spaced, about `period` apart."""
    count = max(1, round((right - left) / period))
    return left + (right - left) * np.arange(1, count) / count


def _seam_shift(frames: np.ndarray, grid_end: int, seam: int, far_end: int, rough: float) -> float:
    """The shift (beats) that puts the beats from `seam` towards `far_end` onto the grid of the beats from
    `seam` towards `grid_end`, by one tempo fitted to up to CONTINUITY_FIT beats on each side clear of the
    drift, so it is not the two short windows' slip carried far (their tempi differ by frame rounding);
    `rough` (the runs' slip) where a side is too short, and which way round half a beat goes."""
    step = 1 if far_end > seam else -1
    grid = np.arange(seam - step * CONTINUITY_GAP, grid_end - step, -step)[:CONTINUITY_FIT]
    moving = np.arange(seam + step * CONTINUITY_GAP, far_end, step)[:CONTINUITY_FIT]
    grid = grid[(grid >= 0) & (grid < len(frames))]
    moving = moving[(moving >= 0) & (moving < len(frames))]
    if min(len(grid), len(moving)) < CONTINUITY_STRETCH // 2:
        return rough
    sides = [(index.astype(float), frames[index]) for index in (grid, moving)]
    spread = sum(((index - index.mean()) ** 2).sum() for index, _ in sides)
    slope = sum(((index - index.mean()) * (times - times.mean())).sum() for index, times in sides) / spread
    (grid_index, grid_times), (moving_index, moving_times) = sides
    offset = (moving_times.mean() - slope * moving_index.mean()) - (
        grid_times.mean() - slope * grid_index.mean()
    )
    return rough + float((-offset / slope - rough + 0.5) % 1.0 - 0.5)


def phase_continuity(
    beat_frames: np.ndarray,
    threshold: float = CONTINUITY_SLIP,
    bound: float = CONTINUITY_BOUND,
) -> np.ndarray:
    """Music keeps its beat's phase: where the grid slips by more than `threshold` of a beat (a syncopated
    stretch pulled the tracker onto the off-beat) and back, or once, the beats off the grid the most beats
    share are moved onto it. A slip is found where it holds more than `bound` over CONTINUITY_HOLD points
    (so that a slip back which reads a little under `threshold` is still found and undoes it)."""
    frames = np.asarray(beat_frames, dtype=float)
    points, slips = signed_slips(frames)
    if len(points) == 0:
        return beat_frames
    held = np.pad(np.abs(slips), CONTINUITY_HOLD // 2)
    found = np.lib.stride_tricks.sliding_window_view(held, CONTINUITY_HOLD).min(axis=1) > bound
    # each run of points that hold a slip is one slip
    edges = np.flatnonzero(np.diff(np.r_[0, found.astype(int), 0]))
    wrap = lambda x: (x + 0.5) % 1.0 - 0.5  # noqa: E731
    # a run's slip is its median, taken round the circle (half a beat reads +0.5 at one point and -0.5 at
    # the next). It is a slip when it passes `threshold`, or when it undoes the nearest such slip (a slip
    # back reads a little less or more than the slip away: frame rounding)
    runs = []
    for a, b in zip(edges[0::2], edges[1::2], strict=True):
        slip = slips[a] + float(np.median(wrap(slips[a:b] - slips[a])))
        # the slip sits at the middle of the points that read it fully (both windows clear of the drift)
        plateau = a + np.flatnonzero(np.abs(wrap(slips[a:b] - slip)) <= 0.1)
        ends = (plateau[0], plateau[-1]) if len(plateau) else (a, b - 1)
        runs.append(((ends[0] + ends[1]) // 2, slip))
    # each slip read again with one tempo fitted to up to CONTINUITY_FIT beats on each side, as far as the
    # slips beside it: the 16-beat windows' tempo, carried over the beats between them, reads a slip of
    # 0.45 anywhere from 0.36 to 0.47 (frame rounding), on either side of `threshold`
    seams = [int(points[middle]) for middle, _ in runs]
    sides = [0, *seams, len(frames)]
    runs = [
        (middle, -_seam_shift(frames, sides[i], seams[i], sides[i + 2], -slip))
        for i, (middle, slip) in enumerate(runs)
    ]
    strong = [(middle, slip) for middle, slip in runs if abs(slip) > threshold]
    if not strong:
        return beat_frames

    def undoes(middle: int, slip: float) -> bool:
        nearest = min(strong, key=lambda run: abs(run[0] - middle))
        return abs(wrap(slip + nearest[1])) <= CONTINUITY_SAME

    runs = [(middle, slip) for middle, slip in runs if abs(slip) > threshold or undoes(middle, slip)]
    bounds = [0, *[int(points[middle]) for middle, _ in runs], len(frames)]
    phases = np.cumsum([0.0, *[slip for _, slip in runs]])
    sizes = np.diff(bounds)
    support = [sizes[np.abs(wrap(phases - p)) <= CONTINUITY_SAME].sum() for p in phases]
    reference = phases[int(np.argmax(support))]
    shifts = [float(wrap(reference - phase)) for phase in phases]
    moved = [abs(shift) > CONTINUITY_SAME for shift in shifts]
    drop = np.zeros(len(frames), dtype=bool)
    extra = []
    for i, (start, end) in enumerate(itertools.pairwise(bounds)):
        if not moved[i] or end - start < 2:
            continue
        period = _frame_period(frames[max(0, start - 1) : end + 1])
        grid_before = i > 0 and not moved[i - 1]
        grid_after = i < len(moved) - 1 and not moved[i + 1]
        if grid_before and grid_after:
            # between two stretches on the grid: the grid carried from a beat of one, clear of the drift
            # onto the off-beat, to one of the other
            left = max(start - CONTINUITY_GAP, bounds[i - 1])
            right = min(end + CONTINUITY_GAP, bounds[i + 2] - 1)
            beside = np.r_[np.diff(frames[bounds[i - 1] : left + 1]), np.diff(frames[right : bounds[i + 2]])]
            drop[left + 1 : right] = True
            extra.append(
                _evenly_between(
                    frames[left], frames[right], float(np.mean(beside)) if len(beside) else period
                )
            )
        else:
            # a stretch at an end of the song, or beside one moved otherwise: moved by its shift, and where
            # it meets a stretch on the grid, the beats within CONTINUITY_GAP of the slip (the tracker's
            # drift from one grid to the other) re-placed evenly from a beat of one to a beat of the other
            if grid_before:
                shift = _seam_shift(frames, bounds[i - 1], start, end, shifts[i])
            elif grid_after:
                shift = _seam_shift(frames, bounds[i + 2], end, start, shifts[i])
            else:
                shift = shifts[i]
            shifted = frames[start:end] + shift * period
            drop[start:end] = True
            first, last = 0, end - start - 1
            if grid_before and last > 0:
                left, first = max(start - CONTINUITY_GAP, bounds[i - 1]), min(CONTINUITY_GAP, last)
                drop[left + 1 : start] = True
                extra.append(_evenly_between(frames[left], shifted[first], period))
            if grid_after and last > first:
                right, last = (
                    min(end - 1 + CONTINUITY_GAP, bounds[i + 2] - 1),
                    max(last - CONTINUITY_GAP, first),
                )
                drop[end:right] = True
                extra.append(_evenly_between(shifted[last], frames[right], period))
            extra.append(shifted[first : last + 1])
    merged = np.sort(np.concatenate([frames[~drop], *extra]))
    # the seams: no two beats closer than half a period, no gap of two beats left empty
    period = _frame_period(merged)
    kept = [merged[0]]
    for frame in merged[1:]:
        if frame - kept[-1] < 0.5 * period:
            continue
        kept.extend(_evenly_between(kept[-1], frame, period))
        kept.append(frame)
    result = np.round(np.asarray(kept)).astype(int)
    return result[result >= 0]


# ---------------------------------------------------------------------------------------------- metre


def _span_sums(values: np.ndarray, frames: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """`values` (rows, frames) summed over each inter-beat span, the last as long as the one before:
    (beats, rows), and the spans' lengths in frames."""
    bounds = np.append(
        frames, min(values.shape[1], frames[-1] + (frames[-1] - frames[-2] if len(frames) > 1 else 1))
    )
    cumulative = np.concatenate([np.zeros((values.shape[0], 1)), np.cumsum(values, axis=1)], axis=1)
    return (cumulative[:, bounds[1:]] - cumulative[:, bounds[:-1]]).T, np.diff(bounds)


def _segment_means(chroma: np.ndarray, frames: np.ndarray) -> np.ndarray:
    """Chroma summed over each inter-beat span (beats, 12), unit-normalised."""
    sums, _ = _span_sums(chroma, frames)
    norms = np.linalg.norm(sums, axis=1, keepdims=True)
    return sums / np.maximum(norms, 1e-12)


def _change(per_beat: np.ndarray, span: int) -> np.ndarray:
    """Per beat b: 1 - cosine between the sums of `per_beat` (chroma, or a centred spectrum) over beats
    [b, b+span) and [b-span, b)."""
    count = len(per_beat)
    cumulative = np.concatenate([np.zeros((1, per_beat.shape[1])), np.cumsum(per_beat, axis=0)])
    change = np.zeros(count)
    for beat in range(count):
        before = cumulative[beat] - cumulative[max(0, beat - span)]
        after = cumulative[min(count, beat + span)] - cumulative[beat]
        norm = np.linalg.norm(before) * np.linalg.norm(after)
        change[beat] = 1 - float(before @ after) / norm if norm > 1e-12 else 0.0
    # where a window is cut short by the song's start or end, the change says nothing
    change[:span] = change[-span:] = np.median(change) if count > 2 * span else 0.0
    return change


def _standard(values: np.ndarray, least_spread: float = 0.0) -> np.ndarray:
    """In standard units over the song, clipped to ±3; a spread under `least_spread` counts as that (a cue
    that barely varies is noise, which dividing by its own small spread would make as loud as music)."""
    spread = max(float(np.std(values)), least_spread)
    return np.clip((values - values.mean()) / spread, -3, 3) if spread > 1e-12 else np.zeros_like(values)


BAR_CUES = ("bass onset", "chord change ±2", "chord change ±4", "bass level", "timbre change ±4")


def _timbre_change(envelopes: OnsetEnvelopes, beat_frames: np.ndarray, span: int = 4) -> np.ndarray:
    """Per beat b: the change of the spectrum's shape (the log mel bands, averaged over each beat, each beat's
    mean taken off) between beats [b, b+span) and [b-span, b): an instrument that comes in or stops, a
    new section, which start on a bar's first beat. Zeros without the log mel spectrum."""
    if envelopes.log_mel is None or len(beat_frames) < 2:
        return np.zeros(len(beat_frames))
    frames = np.clip(np.maximum.accumulate(beat_frames), 0, envelopes.log_mel.shape[1] - 1)
    sums, lengths = _span_sums(envelopes.log_mel, frames)
    per_beat = sums / np.maximum(1, lengths)[:, None]
    return _change(per_beat - per_beat.mean(axis=1, keepdims=True), span)


def bar_cues(envelopes: OnsetEnvelopes, beat_frames: np.ndarray) -> np.ndarray:
    """(beats, 5): per beat, the `BAR_CUES` in standard units over the song: the bass band's onsets at the
    beat, the chord change over ±2 and ±4 beats, the bass level 0-100 ms after the beat (an accent, which
    the log flux flattens) and the timbre change over ±4 beats."""
    bass = _standard(_strength_near(envelopes.low, beat_frames, radius=2))
    chroma_frames = np.round(beat_frames * envelopes.chroma_frame_rate / envelopes.frame_rate).astype(int)
    chroma_frames = np.clip(chroma_frames, 0, envelopes.chroma.shape[1] - 1)
    per_beat = _segment_means(envelopes.chroma, np.maximum.accumulate(chroma_frames))
    after = max(1, round(0.1 * envelopes.frame_rate))
    windows = np.lib.stride_tricks.sliding_window_view(
        np.pad(envelopes.low_level, (0, after), mode="edge"), after
    )
    level = windows[np.clip(beat_frames, 0, len(envelopes.low_level) - 1)].max(axis=1)
    return np.stack(
        [
            bass,
            _standard(_change(per_beat, 2)),
            _standard(_change(per_beat, 4)),
            _standard(level),
            _standard(_timbre_change(envelopes, beat_frames), TIMBRE_LEAST_SPREAD),
        ],
        axis=1,
    )


def _against_neighbour_bars(values: np.ndarray) -> np.ndarray:
    """Per beat b: values[b] less the mean of values[b - 4] and values[b + 4] (at the ends, itself)."""
    later, earlier = np.roll(values, -4), np.roll(values, 4)
    later[-4:], earlier[:4] = values[-4:], values[:4]
    return values - 0.5 * (later + earlier)


def metre_positions(
    envelopes: OnsetEnvelopes,
    beat_frames: np.ndarray,
    rephase_cost: float = REPHASE_COST,
    weights: tuple[float, ...] = BAR_WEIGHTS,
) -> Metre:
    """Each beat's place in the 8-count (0 = the "1", 4 = the second bar's downbeat)."""
    count = len(beat_frames)
    if count < 2:
        return Metre(np.zeros(count, dtype=int), 0.0)
    cues = bar_cues(envelopes, beat_frames)
    bar_evidence = cues @ np.asarray(weights, dtype=float)
    # the "1" against the "5": what a beat has more of than the beats 4 before and after it (a chord change
    # over ±4 beats, a bass accent that returns every 8 beats); relative, so that it says nothing about
    # where the bar starts, which the fitted bar evidence says
    emissions = np.zeros((count, BEATS_PER_PHRASE))
    emissions[:, 0] = (
        bar_evidence
        + PHRASE_WEIGHT * _against_neighbour_bars(cues[:, 2])
        + ACCENT_WEIGHT * _against_neighbour_bars(cues[:, 3])
    )
    emissions[:, 4] = bar_evidence
    emissions[first_sounding_beat(envelopes.full, beat_frames), [0, 4]] += START_PRIOR
    states = np.arange(BEATS_PER_PHRASE)
    transition = np.full((BEATS_PER_PHRASE, BEATS_PER_PHRASE), -rephase_cost)  # [to, from]
    transition[(states + 1) % BEATS_PER_PHRASE, states] = 0.0
    transition[
        (states + 5) % BEATS_PER_PHRASE, states
    ] = -PHRASE_REPHASE_COST  # the bar stays, the 8-count moves
    score = emissions[0].copy()
    back = np.zeros((count, BEATS_PER_PHRASE), dtype=int)
    for beat in range(1, count):
        total = score[None, :] + transition
        back[beat] = np.argmax(total, axis=1)
        score = total[states, back[beat]] + emissions[beat]
    path = np.empty(count, dtype=int)
    path[-1] = int(np.argmax(score))
    for beat in range(count - 1, 0, -1):
        path[beat - 1] = back[beat, path[beat]]
    rephased = int(np.sum(path[1:] != (path[:-1] + 1) % BEATS_PER_PHRASE))
    return Metre(
        positions=path,
        downbeat_confidence=_bar_phase_margin(BAR_MARGIN_SCALE * bar_evidence, path),
        rephased=rephased,
    )


def first_sounding_beat(envelope: np.ndarray, beat_frames: np.ndarray) -> int:
    """The index of the first beat whose onset strength reaches START_SOUND of the 90th-percentile beat's
    (the tracker's first beats may fall in a silent or near-silent lead-in)."""
    strength = _strength_near(envelope, beat_frames)
    sounding = np.flatnonzero(strength >= START_SOUND * np.percentile(strength, 90))
    return int(sounding[0]) if len(sounding) else 0


def _bar_phase_margin(bar_evidence: np.ndarray, path: np.ndarray) -> float:
    """How much more bar-start evidence (standard units, clipped to 0..1) the beats the path makes
    downbeats carry than the beats of the best other way to start the bar: a wrong "1" is chosen where
    another bar phase is nearly as good, so the margin, not the gap to the average beat, says how sure."""
    if len(path) < 8:
        return 0.0
    phases = (np.arange(len(path)) - path) % 4  # each beat's bar phase under the path (it may re-phase)
    chosen = int(np.bincount(phases, minlength=4).argmax())
    means = [float(bar_evidence[start::4].mean()) for start in range(4)]
    best_other = max(mean for start, mean in enumerate(means) if start != chosen)
    return float(np.clip(means[chosen] - best_other, 0, 1))


def beat_grid(
    samples: np.ndarray, sample_rate: int, chroma_power: np.ndarray | None = None
) -> tuple[OnsetEnvelopes, TempoChoice, np.ndarray, np.ndarray]:
    """Steps 1-5 of the module doc: (envelopes, tempo, the tracker's beat frames, the beat frames after the
    continuity, phase and swing checks, which the metre reads)."""
    envelopes = onset_envelopes(samples, sample_rate, chroma_power)
    tempo = choose_tempo(envelopes.novelty, envelopes.frame_rate)
    periods = local_periods(envelopes.novelty, envelopes.frame_rate, tempo.period_frames)
    tracked = track_beats(envelopes.novelty, periods)
    continuous = phase_continuity(tracked)
    checked = phase_check(envelopes, continuous[continuous < len(envelopes.full)])
    return envelopes, tempo, tracked, swing_check(envelopes, checked)


def hear(samples: np.ndarray, sample_rate: int, chroma_power: np.ndarray | None = None) -> Heard:
    """Every step of the module doc on mono samples: beat times (s), tempo, metre, beat confidence.
    `chroma_power`: the samples' n_fft 2048 / hop 512 power spectrogram, when the caller has it."""
    envelopes, tempo, tracked, frames = beat_grid(samples, sample_rate, chroma_power)
    metre = metre_positions(envelopes, frames)
    confidence = beat_confidence(envelopes, frames)
    times = envelopes.frame_times(frames)
    keep = times >= 0
    tracked_times = envelopes.frame_times(tracked)
    return Heard(
        beat_times=times[keep],
        tempo=tempo,
        metre=Metre(metre.positions[keep], metre.downbeat_confidence, metre.rephased),
        beat_confidence=confidence,
        tracked_times=tracked_times[tracked_times >= 0],
    )
