"""librosa's spectral features, computed the same way with numpy only.

librosa 0.11 compiles numba kernels when its modules load (several seconds in a fresh process, and one is
compiled again in every process), which a Cloud Run job pays on every start. The audio embedding that the
move index holds was made with these librosa functions, so the job must compute exactly the same values:
each function here follows librosa's code (ISC licence, (c) 2013--2023 librosa development team) step by
step and is checked against librosa itself in videojob/tests/test_spectral.py. Parameters are fixed to the
ones this project uses.
"""

from __future__ import annotations

import itertools

import numpy as np

# ---------------------------------------------------------------------------------------------- frames


def stft_power(samples: np.ndarray, n_fft: int = 2048, hop_length: int = 512) -> np.ndarray:
    """np.abs(librosa.stft(samples, n_fft=n_fft, hop_length=hop_length)) ** 2 for float32 samples, as
    librosa computes it: centred frames (zero padding), periodic Hann window in float64, the spectrum
    rounded to complex64. (bins, frames), each frame contiguous (Fortran order)."""
    samples = np.asarray(samples, dtype=np.float32)
    padded = np.pad(samples, n_fft // 2)
    count = 1 + (len(padded) - n_fft) // hop_length
    window = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(n_fft) / n_fft)  # scipy's get_window("hann", fftbins)
    frames = np.lib.stride_tricks.sliding_window_view(padded, n_fft)[::hop_length][:count]
    power = np.empty((count, n_fft // 2 + 1), dtype=np.float32)
    # 512 kB of float64 frames at a time, windowed into one reused buffer: the block and its spectrum stay
    # in the CPU's cache (8 MB blocks took ~1.5x as long); the same operations, so the same values
    block = max(1, (1 << 16) // n_fft)
    windowed = np.empty((block, n_fft))
    for start in range(0, count, block):
        size = min(block, count - start)
        np.multiply(frames[start : start + size], window, out=windowed[:size])
        spectrum = np.fft.rfft(windowed[:size], axis=1).astype(np.complex64)
        out = power[start : start + size]
        np.abs(spectrum, out=out)
        np.square(out, out=out)
    return power.T


# ---------------------------------------------------------------------------------------------- filter banks


def _hz_to_mel(frequencies: np.ndarray) -> np.ndarray:
    """Slaney's mel scale (librosa's default, htk=False)."""
    frequencies = np.asanyarray(frequencies, dtype=float)
    f_sp = 200.0 / 3
    mels = frequencies / f_sp
    min_log_hz, min_log_mel, logstep = 1000.0, 1000.0 / f_sp, np.log(6.4) / 27.0
    return np.where(
        frequencies >= min_log_hz,
        min_log_mel + np.log(np.maximum(frequencies, 1e-12) / min_log_hz) / logstep,
        mels,
    )


def _mel_to_hz(mels: np.ndarray) -> np.ndarray:
    mels = np.asanyarray(mels, dtype=float)
    f_sp = 200.0 / 3
    frequencies = f_sp * mels
    min_log_hz, min_log_mel, logstep = 1000.0, 1000.0 / f_sp, np.log(6.4) / 27.0
    return np.where(mels >= min_log_mel, min_log_hz * np.exp(logstep * (mels - min_log_mel)), frequencies)


def fft_frequencies(sample_rate: int, n_fft: int) -> np.ndarray:
    return np.fft.rfftfreq(n=n_fft, d=1.0 / sample_rate)


_MEL_CACHE: dict[tuple[int, int, int], np.ndarray] = {}
_CHROMA_CACHE: dict[tuple[int, int], np.ndarray] = {}


def mel_filters(sample_rate: int, n_fft: int, n_mels: int) -> np.ndarray:
    """librosa.filters.mel(sr=sample_rate, n_fft=n_fft, n_mels=n_mels) (fmin 0, fmax sr/2, Slaney norm)."""
    key = (sample_rate, n_fft, n_mels)
    if key not in _MEL_CACHE:
        fftfreqs = fft_frequencies(sample_rate, n_fft)
        mel_f = _mel_to_hz(np.linspace(_hz_to_mel(0.0), _hz_to_mel(sample_rate / 2.0), n_mels + 2))
        fdiff = np.diff(mel_f)
        ramps = np.subtract.outer(mel_f, fftfreqs)
        weights = np.zeros((n_mels, len(fftfreqs)), dtype=np.float32)
        for index in range(n_mels):
            lower = -ramps[index] / fdiff[index]
            upper = ramps[index + 2] / fdiff[index + 1]
            weights[index] = np.maximum(0, np.minimum(lower, upper))
        weights *= (2.0 / (mel_f[2 : n_mels + 2] - mel_f[:n_mels]))[:, np.newaxis]
        _MEL_CACHE[key] = weights
    return _MEL_CACHE[key]


def _normalize(values: np.ndarray, norm: float, axis: int) -> np.ndarray:
    """librosa.util.normalize with its defaults (threshold: the dtype's tiny; fill None)."""
    magnitude = np.abs(values).astype(float)
    if norm == np.inf:
        length = np.max(magnitude, axis=axis, keepdims=True)
    else:
        length = np.sum(magnitude**norm, axis=axis, keepdims=True) ** (1.0 / norm)
    tiny = np.finfo(values.dtype if np.issubdtype(values.dtype, np.floating) else np.float32).tiny
    length[length < tiny] = 1.0
    return values / length


def chroma_filters(sample_rate: int, n_fft: int) -> np.ndarray:
    """librosa.filters.chroma(sr=sample_rate, n_fft=n_fft, tuning=0.0) (12 bins, centre octave 5, width 2,
    L2 norm, starting at C)."""
    key = (sample_rate, n_fft)
    if key not in _CHROMA_CACHE:
        n_chroma = 12
        frequencies = np.linspace(0, sample_rate, n_fft, endpoint=False)[1:]
        a440 = 440.0
        frqbins = n_chroma * np.log2(frequencies / (a440 / 16))
        frqbins = np.concatenate(([frqbins[0] - 1.5 * n_chroma], frqbins))
        binwidthbins = np.concatenate((np.maximum(frqbins[1:] - frqbins[:-1], 1.0), [1]))
        distance = np.subtract.outer(frqbins, np.arange(0, n_chroma, dtype="d")).T
        half = np.round(float(n_chroma) / 2)
        distance = np.remainder(distance + half + 10 * n_chroma, n_chroma) - half
        weights = np.exp(-0.5 * (2 * distance / np.tile(binwidthbins, (n_chroma, 1))) ** 2)
        weights = _normalize(weights, 2, axis=0)
        weights *= np.tile(np.exp(-0.5 * (((frqbins / n_chroma - 5.0) / 2.0) ** 2)), (n_chroma, 1))
        weights = np.roll(weights, -3, axis=0)
        _CHROMA_CACHE[key] = np.ascontiguousarray(weights[:, : int(1 + n_fft / 2)], dtype=np.float32)
    return _CHROMA_CACHE[key]


# ---------------------------------------------------------------------------------------------- features


def melspectrogram(power: np.ndarray, sample_rate: int, n_mels: int = 128) -> np.ndarray:
    """mel_filters(...) @ power, band by band over the bins each filter covers: a filter is zero outside
    its triangle (~2 % of the bins for 128 bands), so the dense product spends ~98 % of its work on zeros
    (0.025 -> 0.012 s for a 3-minute song at 128 bands). Each band is a dot product of the same values, in
    another order than the dense BLAS product's: equal to float32 rounding (1e-7 relative)."""
    n_fft = 2 * (power.shape[0] - 1)
    weights = mel_filters(sample_rate, n_fft, n_mels)
    frames_first = power.T  # (frames, bins); C-contiguous for stft_power's output
    mel = np.empty((n_mels, power.shape[1]), dtype=np.result_type(weights, power))
    for band, (low, high) in enumerate(_filter_spans(weights, (sample_rate, n_fft, n_mels))):
        if high > low:
            np.matmul(frames_first[:, low:high], weights[band, low:high], out=mel[band])
        else:
            mel[band] = 0.0
    return mel


_SPAN_CACHE: dict[tuple[int, int, int], list[tuple[int, int]]] = {}


def _filter_spans(weights: np.ndarray, key: tuple[int, int, int]) -> list[tuple[int, int]]:
    """Per filter (row), the bins [low, high) outside which its weights are zero."""
    if key not in _SPAN_CACHE:
        spans = []
        for row in weights:
            inside = np.flatnonzero(row)
            spans.append((int(inside[0]), int(inside[-1]) + 1) if len(inside) else (0, 0))
        _SPAN_CACHE[key] = spans
    return _SPAN_CACHE[key]


def power_to_db(power: np.ndarray, amin: float = 1e-10, top_db: float = 80.0) -> np.ndarray:
    log_spec = 10.0 * np.log10(np.maximum(amin, power))
    log_spec -= 10.0 * np.log10(max(amin, 1.0))
    return np.maximum(log_spec, log_spec.max() - top_db)


def mfcc(mel_db: np.ndarray, n_mfcc: int) -> np.ndarray:
    return _dct_matrix(mel_db.shape[-2], n_mfcc) @ mel_db


_DCT_CACHE: dict[tuple[int, int], np.ndarray] = {}


def _dct_matrix(size: int, count: int) -> np.ndarray:
    """The first `count` rows of the orthonormal DCT-II of length `size` (scipy.fft.dct(type=2, norm="ortho"))."""
    if (size, count) not in _DCT_CACHE:
        k = np.arange(count)[:, None]
        n = np.arange(size)[None, :]
        matrix = np.cos(np.pi * k * (2 * n + 1) / (2 * size)) * np.sqrt(2.0 / size)
        matrix[0] /= np.sqrt(2.0)
        _DCT_CACHE[(size, count)] = matrix
    return _DCT_CACHE[(size, count)]


def chroma_stft(power: np.ndarray, sample_rate: int) -> np.ndarray:
    n_fft = 2 * (power.shape[0] - 1)
    raw = chroma_filters(sample_rate, n_fft) @ power
    return _normalize(raw, np.inf, axis=-2)


def spectral_contrast(magnitude: np.ndarray, sample_rate: int, n_bands: int = 6) -> np.ndarray:
    """librosa.feature.spectral_contrast(S=magnitude, sr=sample_rate, n_bands=n_bands) (fmin 200 Hz,
    quantile 0.02, in dB).

    The same values as the column-wise version (librosa's steps), bit for bit, computed frame-major: each
    band is a contiguous run of bins, so a frame's bins lie side by side in `magnitude.T` (the power
    spectrogram's own layout) and are sorted along rows, not down strided columns (0.10 -> 0.03 s for a
    3-minute song); the lowest and highest `count` are averaged in ascending order, as numpy's reduction
    down the columns adds them."""
    n_fft = 2 * (magnitude.shape[0] - 1)
    freq = fft_frequencies(sample_rate, n_fft)
    octa = np.zeros(n_bands + 2)
    octa[1:] = 200.0 * (2.0 ** np.arange(0, n_bands + 1))
    frames_first = magnitude.T  # (frames, bins); C-contiguous for stft_power's output
    valley = np.zeros((n_bands + 1, magnitude.shape[1]))
    peak = np.zeros_like(valley)
    for k, (f_low, f_high) in enumerate(itertools.pairwise(octa)):
        indices = np.flatnonzero(np.logical_and(freq >= f_low, freq <= f_high))
        low = indices[0] - 1 if k > 0 else indices[0]
        high = len(freq) if k == n_bands else indices[-1] + 1
        count = int(np.maximum(np.rint(0.02 * (high - low)), 1))
        if k < n_bands:
            high -= 1  # librosa leaves the band's last bin out of its quantiles
        # numpy's SIMD sort of each frame's bins beats np.partition (introselect) here, even for the
        # widest band's 728 bins
        ordered = np.sort(frames_first[:, low:high], axis=1)
        valley[k] = _mean_of_columns(ordered[:, :count])
        peak[k] = _mean_of_columns(ordered[:, -count:])
    return power_to_db(peak) - power_to_db(valley)


def _mean_of_columns(values: np.ndarray) -> np.ndarray:
    """np.mean(values.T, axis=0) for a few columns: added one after the other, then divided by their count."""
    total = values[:, 0].copy()
    for column in range(1, values.shape[1]):
        total += values[:, column]
    return total / values.shape[1]


def spectral_flatness(power: np.ndarray, amin: float = 1e-10) -> np.ndarray:
    """librosa.feature.spectral_flatness(S=sqrt(power)) (its power 2 squares the magnitude back)."""
    thresholded = np.maximum(amin, power)
    return np.exp(np.mean(np.log(thresholded), axis=0, keepdims=True)) / np.mean(
        thresholded, axis=0, keepdims=True
    )


def rms_from_power(power: np.ndarray) -> np.ndarray:
    """librosa.feature.rms(S=sqrt(power), frame_length=2 * (bins - 1)): the first and last bins count half."""
    frame_length = 2 * (power.shape[0] - 1)
    total = power.sum(axis=0, keepdims=True, dtype=np.float64) - 0.5 * (power[:1] + power[-1:])
    return np.sqrt(2 * total / frame_length**2).astype(np.float32)


def onset_strength(mel_db: np.ndarray, n_fft: int = 2048, hop_length: int = 512) -> np.ndarray:
    """librosa.onset.onset_strength(S=mel_db) (lag 1, no max filter, mean over bands, centred)."""
    envelope = np.maximum(0.0, mel_db[:, 1:] - mel_db[:, :-1]).mean(axis=0)
    envelope = np.pad(envelope, (1 + n_fft // (2 * hop_length), 0))
    return envelope[: mel_db.shape[1]]


def onset_count(envelope: np.ndarray, sample_rate: int, hop_length: int = 512) -> int:
    """len(librosa.onset.onset_detect(onset_envelope=envelope, sr=sample_rate, hop_length=hop_length)):
    the envelope normalised to 0..1, then librosa.util.peak_pick with onset_detect's defaults."""
    x = envelope - np.min(envelope)
    x = x / (np.max(x) + np.finfo(x.dtype).tiny)
    if not x.any() or not np.all(np.isfinite(x)):
        return 0
    pre_max = int(np.ceil(0.03 * sample_rate // hop_length))
    post_max = int(np.ceil(0.00 * sample_rate // hop_length + 1))
    pre_avg = int(np.ceil(0.10 * sample_rate // hop_length))
    post_avg = int(np.ceil(0.10 * sample_rate // hop_length + 1))
    wait = int(np.ceil(0.03 * sample_rate // hop_length))
    delta = float(np.float32(0.07))
    length = len(x)
    # sliding maxima / means over [n - pre, n + post)
    padded_max = np.pad(x, (pre_max, post_max), constant_values=-np.inf)
    window_max = np.lib.stride_tricks.sliding_window_view(padded_max, pre_max + post_max)[:length].max(axis=1)
    cumulative = np.concatenate([[0.0], np.cumsum(x, dtype=np.float64)])
    index = np.arange(length)
    low, high = np.maximum(0, index - pre_avg), np.minimum(index + post_avg, length)
    window_mean = (cumulative[high] - cumulative[low]) / (high - low)
    candidates = (x == window_max) & (x >= window_mean + delta)
    # the first frame: its own rule (max and mean over [0, post))
    first = bool(
        x[0] >= np.max(x[: min(post_max, length)]) and x[0] >= np.mean(x[: min(post_avg, length)]) + delta
    )
    count = int(first)
    next_allowed = wait + 1 if first else 1
    for frame in np.flatnonzero(candidates):
        if frame >= next_allowed:
            count += 1
            next_allowed = frame + wait + 1
    return count
