"""Deterministic demo assets, so the project runs and tests on a machine without the real move library.

- `generate_demo_song(path)`: a short synthetic bachata-like song (kick on every beat, accented on each
  8-count phrase start, bass on beats 1 and 3, a tap on 4 and 8, guira on the eighth notes, chords; the
  loudness changes by phrase). WAV or MP3 (by the file suffix), known tempo and beat grid.
- `generate_demo_library(folder)`: a small move library in the folder format of the real one
  (`<category>/<clip_id>.mp4` + `annotations.json`): clips of two stick-figure dancers in hold stepping
  the basic (step-step-step-tap, side to side) on the clip's beat, more or less widely by its energy
  level, the follow turning under the lead's raised hand in the turn clips (spins twice), swaying in the
  body waves, dipping at the end of the outro, each category on its own colour, H.264 yuv420p 30 fps with AAC audio carrying
  the clip's own beat at a known tempo, and x264's default keyframe interval like the real clips.

Everything is seeded: the same arguments give the same samples and frames.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import soundfile

DEMO_SONG_BPM = 128.0
DEMO_FPS = 30
BEATS_PER_PHRASE = 8
# bar roots of a I-IV-V-IV progression in A (Hz), one per bar
_BAR_ROOTS = (110.0, 146.83, 164.81, 146.83)


@dataclass(frozen=True)
class DemoSong:
    path: Path
    bpm: float
    duration: float
    beat_times: tuple[float, ...]
    phrase_starts: tuple[float, ...]


@dataclass(frozen=True)
class DemoClipSpec:
    clip_id: str
    move_label: str
    bpm: float
    beats: int
    energy_level: str  # low | medium | high (annotation vocabulary)
    difficulty: str  # low | medium | high (annotation vocabulary)
    first_beat: float  # seconds of silence / standing before the first count


DEMO_CLIPS: tuple[DemoClipSpec, ...] = (
    DemoClipSpec("intro_greeting", "intros", 124.0, 16, "low", "low", 0.20),
    DemoClipSpec("basic_side", "basic", 127.0, 24, "medium", "low", 0.30),
    DemoClipSpec("basic_front", "basic", 131.0, 16, "low", "low", 0.15),
    DemoClipSpec("sensual_bodywave", "bodywaves", 121.0, 16, "medium", "medium", 0.25),
    DemoClipSpec("ladyturn_right", "ladyturn", 129.0, 16, "medium", "medium", 0.10),
    DemoClipSpec("hammerlock_wrap", "hammerlock", 126.0, 24, "medium", "medium", 0.35),
    DemoClipSpec("hiproll_slow", "hiprolls", 118.0, 16, "low", "medium", 0.20),
    DemoClipSpec("spin_double", "spin", 134.0, 24, "high", "high", 0.30),
    DemoClipSpec("footwork_shines", "footwork", 138.0, 16, "high", "high", 0.15),
    # two more at the ends of the tempo range, so that a slow bachata (90 BPM: clips of 120 BPM and less at
    # 0.75x) and a fast song (170 BPM: 136 and more at 1.25x) each have two moves to alternate (footwork_shines
    # was 136 BPM, on the very edge)
    DemoClipSpec("basic_slow", "basic", 114.0, 16, "low", "low", 0.20),
    DemoClipSpec("footwork_quick", "footwork", 142.0, 16, "high", "high", 0.20),
    DemoClipSpec("outro_dip", "outro", 125.0, 16, "low", "low", 0.25),
)

_CATEGORY_COLOURS = {
    "intros": (40, 60, 110),
    "basic": (60, 90, 60),
    "bodywaves": (110, 50, 90),
    "ladyturn": (120, 90, 40),
    "hammerlock": (70, 70, 120),
    "hiprolls": (100, 40, 60),
    "spin": (130, 60, 30),
    "footwork": (30, 100, 110),
    "outro": (80, 80, 80),
}
_MOTION_AMPLITUDE = {"low": 0.05, "medium": 0.11, "high": 0.2}


# ---------------------------------------------------------------------------------------------- audio


def _add(target: np.ndarray, start: int, sound: np.ndarray) -> None:
    if start >= len(target) or start < 0:
        return
    piece = sound[: len(target) - start]
    target[start : start + len(piece)] += piece


def synthesize_bachata(
    bpm: float,
    seconds: float,
    *,
    first_beat: float,
    sample_rate: int,
    seed: int,
    phrase_levels: tuple[float, ...] = (1.0,),
) -> tuple[np.ndarray, np.ndarray]:
    """Mono samples in [-1, 1] and the beat times. Beat 0 is a phrase start; `phrase_levels` (cycled)
    scales each phrase's loudness."""
    rng = np.random.default_rng(seed)
    total = round(seconds * sample_rate)
    period = 60.0 / bpm
    beat_times = np.arange(first_beat, seconds - 0.05, period)
    song = np.zeros(total)

    def envelope(length_s: float, decay: float) -> np.ndarray:
        return np.exp(-np.arange(int(length_s * sample_rate)) / sample_rate * decay)

    kick_t = np.arange(int(0.15 * sample_rate)) / sample_rate
    kick = np.sin(2 * np.pi * (50 + 100 * np.exp(-kick_t * 30)) * kick_t) * envelope(0.15, 22)
    tap_t = np.arange(int(0.08 * sample_rate)) / sample_rate
    tap = np.sin(2 * np.pi * 320 * tap_t) * envelope(0.08, 45)
    scrape_length = int(0.05 * sample_rate)
    scrape_noise = rng.standard_normal(scrape_length)
    scrape = np.diff(scrape_noise, prepend=0) * envelope(0.05, 80)  # first difference: a bright, thin noise

    for index, beat in enumerate(beat_times):
        level = phrase_levels[(index // BEATS_PER_PHRASE) % len(phrase_levels)]
        start = round(beat * sample_rate)
        count = index % BEATS_PER_PHRASE  # 0..7 = counts 1..8
        _add(song, start, level * (0.9 if count == 0 else 0.4) * kick)
        if count in (3, 7):
            _add(song, start, level * 0.3 * tap)
        if count % 2 == 0:
            root = _BAR_ROOTS[(index // 4) % len(_BAR_ROOTS)]
            note_t = np.arange(int(period * 1.8 * sample_rate)) / sample_rate
            bass = np.sin(2 * np.pi * root * note_t) * np.exp(-note_t * 3)
            _add(song, start, level * 0.25 * bass)
        for eighth in (0.0, 0.5):
            _add(song, round((beat + eighth * period) * sample_rate), level * 0.08 * scrape)
        if count % 4 == 0:
            root = _BAR_ROOTS[(index // 4) % len(_BAR_ROOTS)] * 2
            chord_t = np.arange(int(4 * period * sample_rate)) / sample_rate
            chord = sum(np.sin(2 * np.pi * root * ratio * chord_t) for ratio in (1.0, 1.26, 1.5))
            _add(song, start, level * 0.03 * chord * np.minimum(1, chord_t * 20) * np.exp(-chord_t * 0.8))
    song += 0.002 * rng.standard_normal(total)
    peak = float(np.max(np.abs(song))) or 1.0
    return (0.8 * song / peak).astype(np.float32), beat_times


def generate_demo_song(
    path: str | Path,
    *,
    bpm: float = DEMO_SONG_BPM,
    seconds: float = 40.0,
    first_beat: float = 0.45,
    seed: int = 7,
    sample_rate: int = 44100,
) -> DemoSong:
    """Write the demo song (format by suffix: .wav, .flac or .mp3) and return its known beat grid."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    samples, beat_times = synthesize_bachata(
        bpm,
        seconds,
        first_beat=first_beat,
        sample_rate=sample_rate,
        seed=seed,
        phrase_levels=(0.45, 0.6, 1.0, 0.9, 0.55, 1.0, 0.8, 0.5),
    )
    stereo = np.stack([samples, samples], axis=1)
    soundfile.write(str(path), stereo, sample_rate)
    return DemoSong(
        path=path,
        bpm=bpm,
        duration=len(samples) / sample_rate,
        beat_times=tuple(float(t) for t in beat_times),
        phrase_starts=tuple(float(t) for t in beat_times[::BEATS_PER_PHRASE]),
    )


# ---------------------------------------------------------------------------------------------- video


_LEAD_COLOUR = (235, 235, 240)
_FOLLOW_COLOUR = (250, 140, 170)
_HANDS_COLOUR = (250, 220, 60)


def _line(frame: np.ndarray, p0, p1, thickness: float, colour) -> None:
    """A thick segment (round caps) from p0 to p1, in pixels."""
    height, width = frame.shape[:2]
    (x0, y0), (x1, y1), r = p0, p1, thickness / 2
    left, right = max(0, int(min(x0, x1) - r)), min(width, int(max(x0, x1) + r) + 2)
    top, bottom = max(0, int(min(y0, y1) - r)), min(height, int(max(y0, y1) + r) + 2)
    if left >= right or top >= bottom:
        return
    ys, xs = np.ogrid[top:bottom, left:right]
    dx, dy = x1 - x0, y1 - y0
    length2 = dx * dx + dy * dy or 1e-9
    t = np.clip(((xs - x0) * dx + (ys - y0) * dy) / length2, 0.0, 1.0)
    mask = (xs - (x0 + t * dx)) ** 2 + (ys - (y0 + t * dy)) ** 2 <= r * r
    frame[top:bottom, left:right][mask] = colour


def _disc(frame: np.ndarray, centre, radius: float, colour) -> None:
    _line(frame, centre, centre, 2 * radius, colour)


@dataclass(frozen=True)
class _Pose:
    hip_x: float  # pixels
    hip_drop: float  # pixels (the bachata hip on the tap)
    feet: tuple[tuple[float, float], tuple[float, float]]  # (x offset from hip, lift) in pixels
    facing: float  # 1 facing the camera, 0 side on, -1 back (turns)
    lean: float  # torso lean in pixels at the shoulders (body waves, dips)
    hands_up: bool  # the lead's hand raised over the follow's head (turns)


def _basic_step(beat_position: float, size: float, amplitude: float) -> tuple[float, float, tuple]:
    """Side basic: step, step, step, tap (counts 1-3 move, 4 taps), then back the other way (5-8).
    Returns the hip's travel, its drop, and the two feet (x offset from the hip, lift)."""
    count = int(beat_position) % BEATS_PER_PHRASE  # 0..7 for counts 1..8
    fraction = beat_position - int(beat_position)
    eased = 0.5 - 0.5 * np.cos(np.pi * min(1.0, fraction * 1.6))
    direction = 1 if count < 4 else -1
    in_half = count % 4
    travel = size * amplitude * 2.2
    steps_done = min(in_half, 3) + (eased if in_half < 3 else 0.0)
    hip = direction * travel * (steps_done / 3 - 0.5)
    stance = size * 0.11
    lift = size * 0.07 * np.sin(np.pi * fraction)
    moving = (in_half + (0 if direction > 0 else 1)) % 2  # which foot moves on this count
    feet = [[-stance, 0.0], [stance, 0.0]]
    if in_half < 3:
        feet[moving][1] = lift
        feet[moving][0] += direction * stance * 0.6 * (1 - eased)
    else:  # the tap: the free foot points next to the standing one, the hip pops
        free = 1 if direction > 0 else 0
        feet[free][0] = (stance * 0.3 if free else -stance * 0.3) + direction * stance * 0.5
        feet[free][1] = size * 0.1 * np.sin(np.pi * fraction)
    drop = size * 0.05 * np.sin(np.pi * fraction) if in_half == 3 else 0.0
    return hip, drop, tuple((x, y) for x, y in feet)


def _poses(time: float, spec: DemoClipSpec, width: int, height: int) -> tuple[_Pose, _Pose]:
    """The lead's and the follow's pose at `time`: the basic on the clip's beat, with what makes the move."""
    size = height * 0.62
    period = 60.0 / spec.bpm
    beat_position = max(0.0, (time - spec.first_beat) / period)
    started = time >= spec.first_beat
    amplitude = _MOTION_AMPLITUDE[spec.energy_level]
    hip, drop, feet = (
        _basic_step(beat_position, size, amplitude)
        if started
        else (0.0, 0.0, ((-size * 0.11, 0), (size * 0.11, 0)))
    )
    label = spec.move_label
    gap = width * (0.26 if label in ("footwork", "intros") else 0.17)
    lead_x, follow_x = width / 2 - gap / 2 + hip, width / 2 + gap / 2 + hip
    facing, lean, hands_up = 1.0, 0.0, False
    phase = beat_position / BEATS_PER_PHRASE
    if started and label in ("ladyturn", "spin"):
        turns = 2 if label == "spin" else 1
        in_phrase = phase - int(phase)
        # the follow turns on counts 5-8 (a spin: twice), the lead's hand over her head
        turn = np.clip((in_phrase - 0.5) * 2, 0.0, 1.0)
        facing = float(np.cos(2 * np.pi * turns * turn))
        hands_up = 0.0 < turn < 1.0 or in_phrase > 0.4
    elif started and label == "bodywaves":
        lean = size * 0.08 * np.sin(2 * np.pi * beat_position / 4)
    elif started and label == "hiprolls":
        drop += size * 0.04 * (1 + np.sin(2 * np.pi * beat_position / 2))
        hip_roll = size * 0.05 * np.cos(2 * np.pi * beat_position / 2)
        follow_x += hip_roll
    elif started and label == "outro":
        in_phrase = phase - int(phase)
        lean = -size * 0.22 * np.clip((in_phrase - 0.6) * 3, 0.0, 1.0)  # the dip at the end
    elif started and label == "hammerlock":
        hands_up = (int(phase) % 2) == 1
    lead = _Pose(lead_x, drop, feet, 1.0, 0.0, hands_up)
    mirrored = tuple((-x, y) for x, y in feet)  # partners mirror each other's feet
    follow = _Pose(follow_x, drop, mirrored, facing, lean, False)
    return lead, follow


def _draw_figure(frame: np.ndarray, pose: _Pose, floor: float, size: float, colour, towards: float):
    """A stick figure standing on `floor`; returns its (hand towards the partner) position."""
    limb = max(2.0, size * 0.055)
    hip = (pose.hip_x, floor - size * 0.47 + pose.hip_drop)
    shoulder_y = hip[1] - size * 0.33
    shoulder = (hip[0] + pose.lean * towards, shoulder_y)
    head = (shoulder[0] + pose.lean * 0.3 * towards, shoulder_y - size * 0.13)
    for foot_x, lift in pose.feet:
        foot = (hip[0] + foot_x, floor - lift)
        knee = (hip[0] + foot_x * 0.7, (hip[1] + foot[1]) / 2 - lift * 0.3)
        _line(frame, hip, knee, limb, colour)
        _line(frame, knee, foot, limb, colour)
    _line(frame, hip, shoulder, limb * 1.5, colour)
    _disc(frame, head, size * 0.075, colour)
    if pose.facing > 0.2:  # eyes when facing the camera: the turn reads as the face going and coming back
        for side in (-1, 1):
            _disc(
                frame,
                (head[0] + side * size * 0.025 * pose.facing, head[1] - size * 0.01),
                max(1.0, size * 0.012),
                (40, 40, 50),
            )
    spread = size * 0.16 * max(0.25, abs(pose.facing))
    inner_hand = (shoulder[0] + towards * spread, shoulder_y + size * 0.12)
    outer_hand = (shoulder[0] - towards * spread, shoulder_y + size * 0.14)
    _line(frame, shoulder, inner_hand, limb, colour)
    _line(frame, shoulder, outer_hand, limb, colour)
    return inner_hand


def _render_frame(time: float, spec: DemoClipSpec, width: int, height: int) -> np.ndarray:
    background = np.array(_CATEGORY_COLOURS.get(spec.move_label, (60, 60, 60)), dtype=np.uint8)
    frame = np.empty((height, width, 3), dtype=np.uint8)
    frame[:] = background
    floor = height * 0.86
    frame[int(floor) :, :] = background // 2  # the floor
    size = height * 0.62
    lead, follow = _poses(time, spec, width, height)
    lead_hand = _draw_figure(frame, lead, floor, size, _LEAD_COLOUR, 1.0)
    follow_hand = _draw_figure(frame, follow, floor, size, _FOLLOW_COLOUR, -1.0)
    if spec.move_label not in ("footwork", "intros"):  # the hold: the partners' hands joined
        if lead.hands_up:  # the lead's hand goes over the follow's head
            top = (follow.hip_x, floor - size * 1.08)
            _line(frame, lead_hand, top, max(2.0, size * 0.05), _LEAD_COLOUR)
            _disc(frame, top, size * 0.04, _HANDS_COLOUR)
        else:
            _line(frame, lead_hand, follow_hand, max(2.0, size * 0.04), _HANDS_COLOUR)
    # the count (1..8) as lit blocks along the bottom edge
    period = 60.0 / spec.bpm
    beat_position = (time - spec.first_beat) / period
    if beat_position >= 0:
        count = int(beat_position) % BEATS_PER_PHRASE
        block = width // 10
        for index in range(count + 1):
            left = block + index * block
            frame[height - 10 : height - 4, left + 2 : left + block - 2] = (250, 220, 60)
    return frame


def _encode_clip(path: Path, spec: DemoClipSpec, width: int, height: int, seed: int) -> float:
    """Write one clip; returns its duration in seconds."""
    period = 60.0 / spec.bpm
    duration = spec.first_beat + spec.beats * period + 0.3
    frame_count = int(np.ceil(duration * DEMO_FPS))
    duration = frame_count / DEMO_FPS
    audio_rate = 24000  # mono 24 kHz keeps AAC encoding cheap; the beat is all the audio has to carry
    samples, _ = synthesize_bachata(
        spec.bpm, duration, first_beat=spec.first_beat, sample_rate=audio_rate, seed=seed
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    with av.open(str(path), "w", options={"movflags": "+faststart"}) as container:
        video = container.add_stream("libx264", rate=DEMO_FPS)
        video.width, video.height, video.pix_fmt = width, height, "yuv420p"
        video.options = {"preset": "ultrafast", "crf": "26", "tune": "zerolatency"}
        audio = container.add_stream("aac", rate=audio_rate)
        audio.layout = "mono"
        audio.bit_rate = 48000
        for index in range(frame_count):
            frame = av.VideoFrame.from_ndarray(
                _render_frame(index / DEMO_FPS, spec, width, height), format="rgb24"
            )
            frame.pts = index
            frame.time_base = Fraction(1, DEMO_FPS)
            container.mux(video.encode(frame))
        container.mux(video.encode(None))
        mono = samples.reshape(1, -1)
        for start in range(0, mono.shape[1], 1024):
            chunk = np.ascontiguousarray(mono[:, start : start + 1024])
            frame = av.AudioFrame.from_ndarray(chunk, format="fltp", layout="mono")
            frame.sample_rate = audio_rate
            frame.pts = start
            frame.time_base = Fraction(1, audio_rate)
            container.mux(audio.encode(frame))
        container.mux(audio.encode(None))
    return duration


def generate_demo_library(
    folder: str | Path,
    *,
    clips: tuple[DemoClipSpec, ...] = DEMO_CLIPS,
    width: int = 320,
    height: int = 180,
    seed: int = 11,
) -> Path:
    """Write the demo move library into `folder` (created) and return the folder."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    entries = []
    for number, spec in enumerate(clips):
        relative = f"{spec.move_label}/{spec.clip_id}.mp4"
        _encode_clip(folder / relative, spec, width, height, seed + number)
        entries.append(
            {
                "clip_id": spec.clip_id,
                "video_path": relative,
                "move_label": spec.move_label,
                "energy_level": spec.energy_level,
                "estimated_tempo": round(spec.bpm),
                "difficulty": spec.difficulty,
            }
        )
    annotations = {
        "instructions": "Demo annotations generated by videojob.demo_assets (synthetic clips)",
        "move_categories": sorted({spec.move_label for spec in clips}),
        "clips": entries,
    }
    (folder / "annotations.json").write_text(json.dumps(annotations, indent=2))
    return folder
