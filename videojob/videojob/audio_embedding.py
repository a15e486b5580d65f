"""A real 128-d audio embedding (timbre, harmony, rhythm statistics), L2-normalised.

The same function embeds a song and a move clip's music, so cosine similarity between them is meaningful
(unlike the random `audio_embedding` vectors of the legacy move_embeddings.json). Layout:

    32  log-mel band means (spectral shape, mean-removed)
    32  log-mel band standard deviations (how much each band moves)
    12  chroma means                       12  chroma standard deviations
    13  MFCC 1..13 means
     7  spectral contrast means
    16  onset-envelope autocorrelation at lags of 1/4 .. 4 beats (rhythm pattern)
     4  tempo / onset rate / loudness / flatness scalars
   ---
   128

Each block is normalised on its own, then weighted, so no block dominates through its units.

The features are librosa's (the move index's embeddings were made with them), computed by
`videojob.spectral`: the same values with numpy/scipy only, without librosa's numba start-up cost.
"""

from __future__ import annotations

import numpy as np

from videojob import spectral

EMBEDDING_DIMENSIONS = 128
_HOP_LENGTH = 512
_MEL_BANDS = 32
_RHYTHM_LAGS = 16


def _unit(vector: np.ndarray) -> np.ndarray:
    norm = float(np.linalg.norm(vector))
    return vector / norm if norm > 1e-12 else np.zeros_like(vector)


def _rhythm_profile(onset_envelope: np.ndarray, sample_rate: int, bpm: float) -> np.ndarray:
    """Normalised autocorrelation of the onset envelope at lags of k/4 beats, k = 1..16."""
    envelope = onset_envelope - onset_envelope.mean()
    energy = float(np.dot(envelope, envelope))
    if energy <= 1e-12 or bpm <= 0:
        return np.zeros(_RHYTHM_LAGS)
    frames_per_beat = 60.0 / bpm * sample_rate / _HOP_LENGTH
    profile = np.zeros(_RHYTHM_LAGS)
    for index in range(_RHYTHM_LAGS):
        lag = round((index + 1) * frames_per_beat / 4)
        if 0 < lag < len(envelope):
            profile[index] = float(np.dot(envelope[:-lag], envelope[lag:])) / energy
    return profile


def audio_embedding(
    samples: np.ndarray, sample_rate: int, bpm: float, *, power: np.ndarray | None = None
) -> np.ndarray:
    """The 128-d unit-norm embedding of mono `samples`; `bpm` is the measured tempo. `power`: the samples'
    power spectrogram (n_fft 2048, hop 512, `spectral.stft_power`) when already computed."""
    samples = np.asarray(samples, dtype=np.float32)
    original_length = len(samples)
    minimum_length = 4 * 2048
    if len(samples) < minimum_length:
        samples = np.pad(samples, (0, minimum_length - len(samples)))
    if power is None or len(samples) != original_length:
        power = spectral.stft_power(samples, n_fft=2048, hop_length=_HOP_LENGTH)
    magnitude = np.sqrt(power)
    mel_db = spectral.power_to_db(spectral.melspectrogram(power, sample_rate, n_mels=_MEL_BANDS))
    mel_mean = mel_db.mean(axis=1)
    mel_std = mel_db.std(axis=1)
    chroma = spectral.chroma_stft(power, sample_rate)
    mfcc = spectral.mfcc(mel_db, n_mfcc=14)[1:]
    contrast = spectral.spectral_contrast(magnitude, sample_rate, n_bands=6)
    flatness = spectral.spectral_flatness(power)
    onset_envelope = spectral.onset_strength(mel_db)
    rms = spectral.rms_from_power(power)
    duration = len(samples) / sample_rate
    onsets = spectral.onset_count(onset_envelope, sample_rate, _HOP_LENGTH)
    scalars = np.array(
        [
            bpm / 200.0,
            min(onsets / max(duration, 1e-6) / 10.0, 1.0),
            float(np.clip((20 * np.log10(rms.mean() + 1e-9) + 60) / 60, 0, 1)),
            float(flatness.mean()),
        ]
    )
    blocks = [
        (_unit(mel_mean - mel_mean.mean()), 1.0),
        (_unit(mel_std), 0.8),
        (_unit(chroma.mean(axis=1)), 0.8),
        (_unit(chroma.std(axis=1)), 0.5),
        (_unit(mfcc.mean(axis=1)), 1.0),
        (_unit(contrast.mean(axis=1)), 0.6),
        (_unit(_rhythm_profile(onset_envelope, sample_rate, bpm)), 1.0),
        (scalars, 0.8),
    ]
    vector = np.concatenate([block * weight for block, weight in blocks])
    assert vector.shape == (EMBEDDING_DIMENSIONS,)
    unit = _unit(vector)
    if not np.any(unit):
        unit = np.zeros(EMBEDDING_DIMENSIONS)
        unit[0] = 1.0
    return unit


def cosine_similarity(first: np.ndarray, second: np.ndarray) -> float:
    return float(np.dot(_unit(np.asarray(first, float)), _unit(np.asarray(second, float))))
