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
"""

from __future__ import annotations

import librosa
import numpy as np

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


def audio_embedding(samples: np.ndarray, sample_rate: int, bpm: float) -> np.ndarray:
    """The 128-d unit-norm embedding of mono `samples`; `bpm` is the measured tempo."""
    samples = np.asarray(samples, dtype=np.float32)
    minimum_length = 4 * 2048
    if len(samples) < minimum_length:
        samples = np.pad(samples, (0, minimum_length - len(samples)))
    power = np.abs(librosa.stft(samples, n_fft=2048, hop_length=_HOP_LENGTH)) ** 2
    mel_db = librosa.power_to_db(librosa.feature.melspectrogram(S=power, sr=sample_rate, n_mels=_MEL_BANDS))
    mel_mean = mel_db.mean(axis=1)
    mel_std = mel_db.std(axis=1)
    chroma = librosa.feature.chroma_stft(S=power, sr=sample_rate, tuning=0.0)
    mfcc = librosa.feature.mfcc(S=mel_db, n_mfcc=14)[1:]
    contrast = librosa.feature.spectral_contrast(S=np.sqrt(power), sr=sample_rate, n_bands=6)
    flatness = librosa.feature.spectral_flatness(S=np.sqrt(power))
    onset_envelope = librosa.onset.onset_strength(S=mel_db, sr=sample_rate)
    rms = librosa.feature.rms(S=np.sqrt(power), frame_length=2048)
    duration = len(samples) / sample_rate
    onsets = librosa.onset.onset_detect(onset_envelope=onset_envelope, sr=sample_rate, hop_length=_HOP_LENGTH)
    scalars = np.array(
        [
            bpm / 200.0,
            min(len(onsets) / max(duration, 1e-6) / 10.0, 1.0),
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
