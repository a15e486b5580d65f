"""Is this file audio we can use? Shared by the upload endpoint and the video job.

The whole file is decoded (a 10-minute MP3 takes ~1-2 s): a file damaged partway through, a clip too short
to dance to, or silence is refused here, with a reason a person can read, instead of failing the job later.
Reasons never quote FFmpeg or a file path (those go to the log).
"""

import logging
from dataclasses import dataclass
from pathlib import Path

logger = logging.getLogger(__name__)
# Louder than this somewhere (peak, full scale = 1.0), or the song counts as silent: about -50 dBFS.
SILENCE_PEAK = 0.003


class NotAudio(ValueError):
    pass


@dataclass(frozen=True)
class AudioProbe:
    duration: float  # seconds of decoded audio
    codec: str
    sample_rate: int
    peak: float  # the loudest sample, 0..1


def _frame_peak(frame) -> float:
    import numpy as np  # with PyAV, when a file is probed: the video job imports this module at start-up

    samples = frame.to_ndarray()
    if samples.size == 0:
        return 0.0
    peak = float(np.max(np.abs(samples)))
    if np.issubdtype(samples.dtype, np.integer):
        peak /= float(np.iinfo(samples.dtype).max)
    return peak


def probe_audio(path: Path | str, *, min_seconds: float = 0.0) -> AudioProbe:
    """Decode every frame of the first audio track; NotAudio with a readable reason when it is not a song."""
    import av  # here, not at the top: the video job imports this module before it needs PyAV

    decoded, peak = 0, 0.0
    try:
        with av.open(str(path)) as container:
            if not container.streams.audio:
                raise NotAudio("the file has no audio track")
            stream = container.streams.audio[0]
            codec, rate = stream.codec_context.name, stream.rate or 0
            try:
                for frame in container.decode(stream):
                    decoded += frame.samples
                    rate = rate or frame.sample_rate
                    if peak < SILENCE_PEAK:
                        peak = max(peak, _frame_peak(frame))
            except (av.error.FFmpegError, ValueError) as exc:
                logger.info("audio decoding stopped after %d samples: %s", decoded, exc)
                if decoded == 0:
                    raise NotAudio("the audio could not be decoded") from exc
                raise NotAudio(
                    f"the audio is damaged after {decoded / (rate or 1):.0f} seconds and cannot be decoded"
                ) from exc
    except NotAudio:
        raise
    except (av.error.FFmpegError, OSError, ValueError, IndexError) as exc:
        logger.info("not audio: %s", exc)
        raise NotAudio("the file is not audio we can read") from exc
    if decoded == 0 or not rate:
        raise NotAudio("the audio is empty")
    duration = decoded / rate
    if duration < min_seconds:
        raise NotAudio(
            f"the song is only {duration:.1f} seconds long; it needs at least {min_seconds:g} seconds"
        )
    if peak < SILENCE_PEAK:
        raise NotAudio("the audio is silent")
    return AudioProbe(duration=duration, codec=codec, sample_rate=rate, peak=peak)
