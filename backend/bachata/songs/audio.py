"""Is this file audio we can use? Shared by the upload endpoint and the video job."""

from dataclasses import dataclass
from pathlib import Path

import av


class NotAudio(ValueError):
    pass


@dataclass(frozen=True)
class AudioProbe:
    duration: float  # seconds
    codec: str
    sample_rate: int


def probe_audio(path: Path | str) -> AudioProbe:
    """Open the file, decode its first audio frames and measure its duration; NotAudio with a reason if not."""
    try:
        with av.open(str(path)) as container:
            if not container.streams.audio:
                raise NotAudio("the file has no audio track")
            stream = container.streams.audio[0]
            decoded = 0
            for frame in container.decode(stream):
                decoded += frame.samples
                if decoded > 4096:
                    break
            if decoded == 0:
                raise NotAudio("the audio could not be decoded")
            if stream.duration is not None and stream.time_base is not None:
                duration = float(stream.duration * stream.time_base)
            elif container.duration is not None:
                duration = container.duration / av.time_base
            else:
                duration = None
            codec, rate = stream.codec_context.name, stream.rate or 0
    except NotAudio:
        raise
    except (av.error.FFmpegError, OSError, ValueError, IndexError) as exc:
        # FFmpeg's and the OS's reason without the file name: the message reaches users, paths must not
        reason = getattr(exc, "strerror", None) or str(exc)
        raise NotAudio(f"the file is not audio we can read ({reason})") from exc
    if duration is None:
        duration = _duration_by_decoding(path)
    if duration <= 0:
        raise NotAudio("the audio is empty")
    return AudioProbe(duration=duration, codec=codec, sample_rate=rate)


def _duration_by_decoding(path) -> float:
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        return sum(frame.samples for frame in container.decode(stream)) / stream.rate
