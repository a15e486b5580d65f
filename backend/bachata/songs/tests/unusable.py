"""Files that decode as audio but are no song (for the upload check and the job's acquisition tests)."""

from pathlib import Path

import av
import numpy as np

RATE = 44100


def _write(path: Path, samples: np.ndarray, codec: str) -> Path:
    sample_format = "s16" if codec == "pcm_s16le" else "s16p"
    with av.open(str(path), "w") as container:
        stream = container.add_stream(codec, rate=RATE, layout="mono")
        pts = 0
        for start in range(0, len(samples), 1152):
            chunk = (samples[start : start + 1152] * 32767).astype(np.int16).reshape(1, -1)
            frame = av.AudioFrame.from_ndarray(chunk, format=sample_format, layout="mono")
            frame.sample_rate, frame.pts = RATE, pts
            pts += chunk.shape[1]
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return path


def clicks(seconds: float) -> np.ndarray:
    t = np.arange(int(RATE * seconds)) / RATE
    return (0.8 * np.sin(2 * np.pi * 440 * t) * (np.mod(t, 0.47) < 0.05)).astype(np.float32)


def write_unusable_songs(folder: Path) -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    silence = _write(folder / "silence.wav", np.zeros(RATE * 300, dtype=np.float32), "pcm_s16le")
    t = np.arange(int(RATE * 0.2)) / RATE
    short = _write(folder / "short.wav", (0.5 * np.sin(2 * np.pi * 440 * t)).astype(np.float32), "pcm_s16le")
    good = _write(folder / "good.mp3", clicks(60), "libmp3lame")
    data = bytearray(good.read_bytes())
    third = len(data) // 3
    data[third : 2 * third] = np.random.default_rng(1).integers(0, 256, third, dtype=np.uint8).tobytes()
    corrupt = folder / "corrupt.mp3"
    corrupt.write_bytes(bytes(data))
    return {"silence.wav": silence, "short.wav": short, "corrupt.mp3": corrupt, "good.mp3": good}
