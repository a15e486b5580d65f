"""Decoding audio into mono float samples, and hashing files by content.

soundfile (libsndfile 1.2.2, which decodes WAV, FLAC, OGG and MP3 itself) is tried first because it is the
fastest; anything it cannot read (AAC/M4A songs, the audio track of an MP4 clip) is decoded with PyAV.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import av
import numpy as np
import soundfile

ANALYSIS_SAMPLE_RATE = 22050


class AudioDecodeError(Exception):
    """The file has no decodable audio."""


def file_sha256(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def load_mono_audio(path: str | Path, sample_rate: int = ANALYSIS_SAMPLE_RATE) -> np.ndarray:
    """The file's audio as mono float32 samples at `sample_rate`; time 0 is the first decoded sample."""
    path = Path(path)
    try:
        samples, native_rate = soundfile.read(str(path), dtype="float32", always_2d=True)
    except (soundfile.LibsndfileError, RuntimeError, TypeError):
        return decode_mono_audio_with_pyav(path, sample_rate)[0]
    mono = samples.mean(axis=1)
    if native_rate != sample_rate:
        mono = resample(mono, native_rate, sample_rate)
    return np.ascontiguousarray(mono, dtype=np.float32)


def resample(samples: np.ndarray, native_rate: int, sample_rate: int) -> np.ndarray:
    """librosa.resample(res_type="soxr_hq") without librosa (whose import costs a fresh process its numba
    start-up): soxr's HQ band-limited resampler, the length fixed to ceil(n * ratio) as librosa does."""
    import soxr

    length = int(np.ceil(len(samples) * float(sample_rate) / native_rate))
    resampled = soxr.resample(samples, native_rate, sample_rate, quality="soxr_hq")
    if len(resampled) < length:
        resampled = np.pad(resampled, (0, length - len(resampled)))
    return resampled[:length]


def decode_mono_audio_with_pyav(path: str | Path, sample_rate: int) -> tuple[np.ndarray, float]:
    """(mono float32 samples, stream time in seconds of the first sample) of the first audio stream."""
    try:
        container = av.open(str(path))
    except (av.error.FFmpegError, OSError) as error:
        raise AudioDecodeError(f"cannot open {path}: {error}") from error
    with container:
        if not container.streams.audio:
            raise AudioDecodeError(f"{path} has no audio stream")
        resampler = av.AudioResampler(format="flt", layout="mono", rate=sample_rate)
        chunks: list[np.ndarray] = []
        first_time: float | None = None
        try:
            for frame in container.decode(audio=0):
                if first_time is None and frame.time is not None:
                    first_time = float(frame.time)
                for converted in resampler.resample(frame):
                    chunks.append(converted.to_ndarray().reshape(-1))
            for converted in resampler.resample(None):
                chunks.append(converted.to_ndarray().reshape(-1))
        except av.error.FFmpegError as error:
            raise AudioDecodeError(f"cannot decode the audio of {path}: {error}") from error
    if not chunks:
        raise AudioDecodeError(f"{path} has an audio stream but no decodable samples")
    return np.concatenate(chunks).astype(np.float32), first_time or 0.0
