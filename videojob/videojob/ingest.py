"""Ingest a move library folder: normalise every clip so cuts can be stream-copied, and index it.

Per annotated clip:
- its music is analysed (the same analysis as a song): tempo, beat grid, 8-count phrase starts and a
  128-d audio embedding;
- its video is re-encoded into one canonical format (H.264 High yuv420p, 30 fps CFR, one size for the whole
  library, no B-frames, an IDR keyframe forced on every beat and nowhere else by choice), without audio:
  the renderer replaces the clip audio with the song, and dropping it avoids the AAC priming trap;
- per-beat motion energy is measured from frame differences at 64x36 grey;
- existing pose/text embeddings (move_embeddings.json) are reused when the clip is there; lead/follow
  embeddings are not invented;
- opt-in (`pose=True`, CLI `--pose`, needs the `pose` extra): clips without an existing pose embedding get
  YOLO pose features measured on their normalised video (lead/follow/interaction embeddings, detection
  rate; see pose.py).

Missing or undecodable clips are reported and skipped. Clips whose source bytes and settings did not
change since the last run are reused from the previous index.

`jobs` > 1 (the CLI's default: every core) ingests clips in that many worker processes (spawned, not forked:
the parent holds PyAV and threads). The first clip to ingest runs in this process before the workers start,
so that caches written on first use (numba's, while the analysis uses librosa) are written once, not raced
by the workers. The index lists the clips in annotation order whatever order they finish in; a worker that
dies (a crash, out of memory) costs only its clips, which are tried again alone.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import numpy as np
from av.video.frame import PictureType

from videojob.analysis import analyze_samples
from videojob.audio_io import ANALYSIS_SAMPLE_RATE, AudioDecodeError, decode_mono_audio_with_pyav, file_sha256
from videojob.library import (
    INDEX_FILE_NAME,
    INDEX_NAME,
    AnnotatedClip,
    ExistingEmbeddings,
    read_annotations,
    read_existing_embeddings,
    read_index,
)

# 2: clip beat grids from the rebuilt hearing (videojob.beats: no ~40 ms lag); libraries ingested before re-ingest.
# 3: the level score, the local tempo and the bar evidence of 2026-12-02 move some clips' beats and 8-counts.
INGEST_VERSION = "videojob-ingest-3"
MOTION_WIDTH, MOTION_HEIGHT = 64, 36
MAX_CANONICAL_HEIGHT = 360


@dataclass(frozen=True)
class CanonicalVideoFormat:
    """The one format every normalised clip shares, so their packets can be concatenated without
    re-encoding: identical codec parameters (SPS/PPS), constant frame rate, no B-frames."""

    width: int = 640
    height: int = 360
    fps: int = 30
    codec: str = "libx264"
    pix_fmt: str = "yuv420p"
    preset: str = "veryfast"
    crf: int = 23

    def encoder_options(self) -> dict[str, str]:
        return {
            "preset": self.preset,
            "crf": str(self.crf),
            "profile": "high",
            # keyframes only where forced (every beat) or after 10 s without one; closed GOPs, no B-frames
            "x264-params": f"keyint={self.fps * 10}:min-keyint=1:scenecut=0:bframes=0:open-gop=0",
            "forced-idr": "1",
        }

    @classmethod
    def for_height(cls, height: int) -> CanonicalVideoFormat:
        height = max(2, min(MAX_CANONICAL_HEIGHT, height)) // 2 * 2
        width = round(height * 16 / 9 / 2) * 2
        return cls(width=width, height=height)


class ClipIngestError(Exception):
    """One clip cannot be ingested (missing, undecodable, no beat); the others go on."""


@dataclass(frozen=True)
class SkippedClip:
    clip_id: str
    video_path: str
    reason: str


@dataclass(frozen=True)
class IngestProgress:
    number: int
    total: int
    clip_id: str
    status: str  # ok | reused | skipped
    detail: str
    seconds: float


@dataclass
class IngestReport:
    index_path: Path
    documents: list[dict[str, Any]] = field(default_factory=list)
    skipped: list[SkippedClip] = field(default_factory=list)
    reused: int = 0
    seconds: float = 0.0
    renamed: dict[str, str] = field(
        default_factory=dict
    )  # video_path -> clip id, where annotations repeat one


@dataclass(frozen=True)
class NormalisedVideo:
    frame_count: int
    fps: int
    frame_motion: tuple[float, ...]  # mean |difference| (0..1) between frame i and i-1; frame 0 has 0


# ---------------------------------------------------------------------------------------------- pure helpers


def keyframe_indices(beat_times: list[float] | tuple[float, ...], fps: int, frame_count: int) -> set[int]:
    """Frame 0 and the frame nearest each beat."""
    indices = {0}
    for beat in beat_times:
        index = round(beat * fps)
        if 0 <= index < frame_count:
            indices.add(index)
    return indices


def quantise_to_frames(times: list[float] | tuple[float, ...], fps: int, frame_count: int) -> list[float]:
    """The times of the frames nearest `times` (those inside the clip), in order, without duplicates."""
    indices = sorted({round(t * fps) for t in times if 0 <= round(t * fps) < frame_count})
    return [round(index / fps, 6) for index in indices]


def motion_energy_per_beat(
    frame_motion: list[float] | tuple[float, ...], fps: int, beat_times: list[float] | tuple[float, ...]
) -> list[float]:
    """Mean frame-difference energy over each beat interval [beat_i, beat_i+1) (the last beat spans one
    median beat period). Beats whose interval holds no frame get 0."""
    motion = np.asarray(frame_motion, dtype=float)
    beats = np.asarray(beat_times, dtype=float)
    if len(beats) == 0 or len(motion) == 0:
        return []
    period = float(np.median(np.diff(beats))) if len(beats) > 1 else 0.5
    ends = np.append(beats[1:], beats[-1] + period)
    frame_times = np.arange(len(motion)) / fps
    energies = []
    for start, end in zip(beats, ends, strict=True):
        inside = motion[(frame_times >= start) & (frame_times < end)]
        energies.append(round(float(inside.mean()), 6) if len(inside) else 0.0)
    return energies


def choose_canonical_height(source_heights: list[int]) -> int:
    """The canonical height: the most common source height, at most 360 (640x360)."""
    if not source_heights:
        return MAX_CANONICAL_HEIGHT
    values, counts = np.unique(np.asarray(source_heights), return_counts=True)
    return int(min(MAX_CANONICAL_HEIGHT, values[np.argmax(counts)]))


# ---------------------------------------------------------------------------------------------- one clip


def fit_frame_to_format(frame: av.VideoFrame, video_format: CanonicalVideoFormat) -> av.VideoFrame:
    """Scale to the canonical size; a source of another aspect ratio is letterboxed, not stretched."""
    target_aspect = video_format.width / video_format.height
    if abs(frame.width / frame.height - target_aspect) < 0.01:
        return frame.reformat(
            width=video_format.width, height=video_format.height, format=video_format.pix_fmt
        )
    scale = min(video_format.width / frame.width, video_format.height / frame.height)
    width, height = max(2, int(frame.width * scale) // 2 * 2), max(2, int(frame.height * scale) // 2 * 2)
    picture = frame.reformat(width=width, height=height, format="rgb24").to_ndarray()
    canvas = np.zeros((video_format.height, video_format.width, 3), dtype=np.uint8)
    top, left = (video_format.height - height) // 2, (video_format.width - width) // 2
    canvas[top : top + height, left : left + width] = picture
    return av.VideoFrame.from_ndarray(canvas, format="rgb24").reformat(format=video_format.pix_fmt)


def probe_video(path: Path) -> tuple[int, int, float]:
    """(width, height, start time in seconds) of the first video stream."""
    with av.open(str(path)) as container:
        if not container.streams.video:
            raise ClipIngestError("no video stream")
        stream = container.streams.video[0]
        start = float(stream.start_time * stream.time_base) if stream.start_time is not None else 0.0
        return stream.codec_context.width, stream.codec_context.height, start


def normalise_clip_video(
    source: Path, destination: Path, beat_times: list[float], video_format: CanonicalVideoFormat
) -> NormalisedVideo:
    """Re-encode `source`'s video into `destination` in the canonical format with an IDR frame at every
    beat (times on the source video's timeline, whose first frame becomes time 0)."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    fps = video_format.fps
    handle, temporary_name = tempfile.mkstemp(dir=destination.parent, suffix=".mp4.tmp")
    os.close(handle)
    motion: list[float] = []
    try:
        with av.open(str(source)) as container:
            stream = container.streams.video[0]
            stream.thread_type = "AUTO"
            duration_hint = float(stream.duration * stream.time_base) if stream.duration else None
            frame_count_hint = round(duration_hint * fps) if duration_hint else 10**9
            forced = keyframe_indices(beat_times, fps, frame_count_hint)
            with av.open(temporary_name, "w", format="mp4", options={"movflags": "+faststart"}) as output:
                video = output.add_stream(video_format.codec, rate=fps)
                video.width, video.height, video.pix_fmt = (
                    video_format.width,
                    video_format.height,
                    video_format.pix_fmt,
                )
                video.options = video_format.encoder_options()
                state = {"index": 0, "previous_grey": None}

                def emit(frame: av.VideoFrame) -> None:
                    index = state["index"]
                    # the same picture may be sent twice (frame-rate conversion); x264 copies it on encode
                    frame.pts, frame.time_base = index, Fraction(1, fps)
                    frame.pict_type = PictureType.I if index in forced else PictureType.NONE
                    grey = frame.reformat(
                        width=MOTION_WIDTH, height=MOTION_HEIGHT, format="gray"
                    ).to_ndarray()
                    grey = grey.astype(np.int16)
                    previous = state["previous_grey"]
                    motion.append(0.0 if previous is None else float(np.abs(grey - previous).mean()) / 255.0)
                    state["previous_grey"] = grey
                    output.mux(video.encode(frame))
                    state["index"] = index + 1

                first_time: float | None = None
                previous_frame: av.VideoFrame | None = None
                last_time = 0.0
                frame_duration = 1.0 / fps
                for frame in container.decode(stream):
                    if frame.time is None:
                        continue
                    if first_time is None:
                        first_time = frame.time
                    current_time = frame.time - first_time
                    fitted = fit_frame_to_format(frame, video_format)
                    # output frame k (time k/fps) shows the latest source frame at or before k/fps
                    while previous_frame is not None and state["index"] / fps < current_time - 1e-3:
                        emit(previous_frame)
                    previous_frame, last_time = fitted, current_time
                    if frame.duration:
                        frame_duration = float(frame.duration * stream.time_base)
                if previous_frame is None:
                    raise ClipIngestError("no decodable video frame")
                end_time = last_time + frame_duration
                while state["index"] / fps < end_time - 0.5 / fps:
                    emit(previous_frame)
                output.mux(video.encode(None))
        os.replace(temporary_name, destination)
    except av.error.FFmpegError as error:
        raise ClipIngestError(f"cannot decode or encode the video: {error}") from error
    finally:
        if os.path.exists(temporary_name):
            os.unlink(temporary_name)
    return NormalisedVideo(frame_count=len(motion), fps=fps, frame_motion=tuple(motion))


def _rounded(values, digits: int = 4) -> list[float]:
    return [round(float(value), digits) for value in values]


def ingest_clip(
    library_dir: Path,
    annotated: AnnotatedClip,
    out_dir: Path,
    video_format: CanonicalVideoFormat,
    existing: ExistingEmbeddings | None,
    source_sha256: str,
) -> dict[str, Any]:
    """Normalise and index one clip; returns its index document."""
    started = time.perf_counter()
    source = library_dir / annotated.video_path
    try:
        samples, audio_start = decode_mono_audio_with_pyav(source, ANALYSIS_SAMPLE_RATE)
    except AudioDecodeError as error:
        raise ClipIngestError(f"no usable audio to measure the beat: {error}") from error
    try:
        music = analyze_samples(samples, ANALYSIS_SAMPLE_RATE)
    except ValueError as error:
        raise ClipIngestError(f"cannot measure the clip's beat: {error}") from error
    _, _, video_start = probe_video(source)
    shift = audio_start - video_start  # audio-timeline seconds → normalised-video seconds
    beat_times = [t + shift for t in music.beat_times]
    relative_video_path = f"clips/{annotated.move_label}/{annotated.clip_id}.mp4"
    normalised = normalise_clip_video(source, out_dir / relative_video_path, beat_times, video_format)
    duration = normalised.frame_count / normalised.fps
    beats_inside = [t for t in beat_times if 0 <= t < duration]
    phrase_starts = quantise_to_frames(
        [t + shift for t in music.phrase_starts], video_format.fps, normalised.frame_count
    )
    per_beat_motion = motion_energy_per_beat(normalised.frame_motion, normalised.fps, beats_inside)
    document: dict[str, Any] = {
        "clip_id": annotated.clip_id,
        **({"annotated_clip_id": annotated.annotated_id} if annotated.annotated_id else {}),
        "audio_embedding": list(music.audio_embedding),
        "move_label": annotated.move_label,
        "difficulty": annotated.difficulty_level,
        "energy_level": annotated.energy_level,
        "estimated_tempo": round(music.bpm, 3),
        "video_path": relative_video_path,
        "frame_count": normalised.frame_count,
        "version": INGEST_VERSION,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "style": annotated.style,
        "annotated_tempo": annotated.estimated_tempo,
        "duration": round(duration, 6),
        "fps": normalised.fps,
        "width": video_format.width,
        "height": video_format.height,
        "beat_times": _rounded(beats_inside),
        "keyframe_times": quantise_to_frames(beats_inside, video_format.fps, normalised.frame_count),
        "phrase_starts": phrase_starts,
        "tempo_octave_factor": music.tempo_octave_factor,
        "motion_energy": per_beat_motion,
        "mean_motion_energy": round(float(np.mean(normalised.frame_motion[1:] or [0.0])), 6),
        "source_video_path": annotated.video_path,
        "source_sha256": source_sha256,
    }
    if existing is not None and existing.text_embedding is not None:
        document["text_embedding"] = list(existing.text_embedding)
    if existing is not None and existing.pose_embedding is not None:
        # one vector for the couple; the legacy lead_/follow_embedding fields stay absent
        document["pose_embedding"] = list(existing.pose_embedding)
    document["processing_time"] = round(time.perf_counter() - started, 3)
    if not phrase_starts:
        (out_dir / relative_video_path).unlink(missing_ok=True)
        raise ClipIngestError("the clip's music has no 8-count phrase start inside the video")
    return document


# ---------------------------------------------------------------------------------------------- whole library


def print_progress(event: IngestProgress, stream=None) -> None:
    """One plain line per clip, on stderr by default (logs, pipes, CI)."""
    width = len(str(event.total))
    print(
        f"[{event.number:>{width}}/{event.total}] {event.clip_id:<36} {event.status:<7} "
        f"{event.detail} ({event.seconds:.1f} s)",
        file=stream if stream is not None else sys.stderr,
        flush=True,
    )


def _clock(seconds: float) -> str:
    minutes, seconds = divmod(round(seconds), 60)
    return f"{minutes}:{seconds:02d}"


class ProgressBar:
    """A progress bar redrawn in place on a terminal: done/total, elapsed time, time left at the pace so
    far, the last clip. Skipped clips are printed above it (they stay on screen); the bar ends with a
    newline once the last clip is done."""

    def __init__(self, stream=None):
        self.stream = stream if stream is not None else sys.stderr
        self.started = time.monotonic()

    def __call__(self, event: IngestProgress) -> None:
        columns = shutil.get_terminal_size((100, 24)).columns
        if event.status == "skipped":
            self.stream.write(f"\r\x1b[K  skipped {event.clip_id}: {event.detail}\n")
        elapsed = time.monotonic() - self.started
        fraction = event.number / event.total if event.total else 1.0
        left = elapsed / event.number * (event.total - event.number) if event.number else 0.0
        slots = 24
        filled = round(slots * fraction)
        text = (
            f"[{'#' * filled}{'.' * (slots - filled)}] {event.number}/{event.total} {fraction:4.0%}  "
            f"{_clock(elapsed)} elapsed, ~{_clock(left)} left  {event.clip_id} {event.status}"
        )
        self.stream.write("\r\x1b[K" + text[: max(10, columns - 1)])
        if event.number >= event.total:
            self.stream.write("\n")
        self.stream.flush()


def terminal_progress(stream=None) -> Callable[[IngestProgress], None]:
    """A progress bar when `stream` (default stderr) is a terminal, else one plain line per clip."""
    if stream is None:
        return ProgressBar() if sys.stderr.isatty() else print_progress
    return ProgressBar(stream) if stream.isatty() else functools.partial(print_progress, stream=stream)


def _previous_documents(index_path: Path) -> dict[str, dict[str, Any]]:
    if not index_path.exists():
        return {}
    try:
        return {document["clip_id"]: document for document in read_index(index_path)["embeddings"]}
    except Exception:  # an unreadable previous index only means nothing is reused
        return {}


def _write_index(index_path: Path, data: dict[str, Any]) -> None:
    index_path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=index_path.parent, prefix=".move_index-", suffix=".tmp")
    with os.fdopen(handle, "w") as stream:
        json.dump(data, stream)
    os.replace(temporary, index_path)


def _with_pose_features(
    document: dict[str, Any], out_dir: Path, existing: ExistingEmbeddings | None, estimator: Any
) -> dict[str, Any]:
    """The document with YOLO pose features of its normalised clip, unless the clip has an existing pose
    embedding or the document already has pose features (a reused document)."""
    if (existing is not None and existing.pose_embedding is not None) or "pose_embedding" in document:
        return document
    if document.get("pose_version") == estimator.version:
        return document
    from videojob.pose import clip_pose_features

    features = clip_pose_features(
        out_dir / document["video_path"],
        estimator,
        beat_times=document["beat_times"],
        duration=document["duration"],
    )
    stale = ("lead_embedding", "follow_embedding", "interaction_embedding", "detection_rate")
    kept = {key: value for key, value in document.items() if key not in stale}
    return {**kept, **features.document_fields()}


@dataclass
class _ClipWork:
    index: int  # position in the annotations: the index keeps that order
    clip: AnnotatedClip
    source_sha256: str
    started: float


def _ingest_one(*arguments) -> tuple[dict[str, Any] | None, str | None, float]:
    """ingest_clip's document, or why the clip is skipped (a string: PyAV's errors do not pickle), and the
    seconds it took."""
    started = time.perf_counter()
    try:
        return ingest_clip(*arguments), None, time.perf_counter() - started
    except (ClipIngestError, av.error.FFmpegError, OSError) as error:
        return None, str(error), time.perf_counter() - started


def _worker_started() -> None:
    """Nothing: submitted once per worker so that the pool starts them early."""


WORKER_DIED = "the ingest worker stopped while ingesting this clip (it crashed or ran out of memory)"


def _ingest_pending(
    pending: list[_ClipWork], arguments: Callable[[_ClipWork], tuple], jobs: int
) -> Iterator[tuple[_ClipWork, dict[str, Any] | None, str | None, float]]:
    """(work, document, reason, seconds) for every clip of `pending`, as each finishes."""
    # here, not at the top: the video job imports this module (render.py) and never ingests
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed
    from concurrent.futures.process import BrokenProcessPool

    if jobs <= 1 or len(pending) <= 1:
        for work in pending:
            yield work, *_ingest_one(*arguments(work))
        return
    first, rest = pending[0], pending[1:]
    context = multiprocessing.get_context("spawn")
    lost: list[_ClipWork] = []
    workers = min(jobs, len(rest))
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=context)
    try:
        for _ in range(workers):  # the workers start (and import this module) meanwhile
            pool.submit(_worker_started)
        # this process ingests the first clip before any worker does: whatever is cached on first use
        # (numba's compiled code, while the analysis uses librosa) is written by one process, not raced
        yield first, *_ingest_one(*arguments(first))
        futures = {pool.submit(_ingest_one, *arguments(work)): work for work in rest}
        for future in as_completed(futures):
            try:
                yield futures[future], *future.result()
            except BrokenProcessPool:
                lost.append(futures[future])
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    for work in sorted(lost, key=lambda work: work.index):  # each again, alone: a crash costs one clip
        with ProcessPoolExecutor(max_workers=1, mp_context=context) as alone:
            try:
                yield work, *alone.submit(_ingest_one, *arguments(work)).result()
            except BrokenProcessPool:
                yield work, None, WORKER_DIED, 0.0


def ingest_library(
    library_dir: str | Path,
    out_dir: str | Path,
    *,
    video_format: CanonicalVideoFormat | None = None,
    clip_ids: list[str] | None = None,
    limit: int | None = None,
    progress: Callable[[IngestProgress], None] | None = print_progress,
    pose: bool = False,
    jobs: int = 1,
) -> IngestReport:
    """Ingest the clips of `library_dir` (all, those in `clip_ids`, or the first `limit`) into `out_dir`:
    normalised clips under `out_dir/clips/` and the index `out_dir/move_index.json`.

    `jobs`: clips ingested at once, each in a worker process (1: all in this process). `progress` is
    called in this process once per clip as it finishes (`number` counts the clips done so far).

    `pose=True` adds YOLO pose features to the clips that have no existing pose embedding (raises
    videojob.pose.PoseUnavailable before any work when the `pose` extra is not installed)."""
    started = time.perf_counter()
    pose_estimator = None
    if pose:
        from videojob.pose import load_pose_estimator

        pose_estimator = load_pose_estimator()
    library_dir, out_dir = Path(library_dir), Path(out_dir)
    annotated_clips = read_annotations(library_dir)
    if clip_ids is not None:
        wanted = set(clip_ids)
        annotated_clips = [clip for clip in annotated_clips if clip.clip_id in wanted]
    if limit is not None:
        annotated_clips = annotated_clips[:limit]
    existing = read_existing_embeddings(library_dir)
    index_path = out_dir / INDEX_FILE_NAME
    previous = _previous_documents(index_path)
    report = IngestReport(index_path=index_path)
    report.renamed = {clip.video_path: clip.clip_id for clip in annotated_clips if clip.annotated_id}

    if video_format is None:
        heights = []
        for clip in annotated_clips:
            try:
                heights.append(probe_video(library_dir / clip.video_path)[1])
            except (ClipIngestError, av.error.FFmpegError, OSError):
                continue  # reported when the clip itself is ingested
        video_format = CanonicalVideoFormat.for_height(choose_canonical_height(heights))
    format_description = asdict(video_format)

    total, done = len(annotated_clips), 0
    documents: dict[int, dict[str, Any]] = {}
    skipped: dict[int, SkippedClip] = {}

    def finished(
        work: _ClipWork,
        document: dict[str, Any] | None,
        reason: str | None,
        status: str,
        seconds: float | None = None,  # the ingest's own time (a worker's); None: since `work.started`
    ) -> None:
        nonlocal done
        clip, here = work.clip, time.perf_counter()
        if document is not None and pose_estimator is not None:
            try:
                document = _with_pose_features(document, out_dir, existing.for_clip(clip), pose_estimator)
            except (ClipIngestError, av.error.FFmpegError, OSError) as error:
                document, reason = None, str(error)
        if document is None:
            status, detail = "skipped", str(reason)
            skipped[work.index] = SkippedClip(clip.clip_id, clip.video_path, detail)
        else:
            documents[work.index] = document
            detail = f"{document['estimated_tempo']:6.1f} BPM {document['duration']:5.1f} s"
            if pose_estimator is not None and "detection_rate" in document:
                detail += f", 2 dancers in {document['detection_rate']:.0%} of the pose frames"
        done += 1
        if progress is not None:
            progress(
                IngestProgress(
                    done,
                    total,
                    clip.clip_id,
                    status,
                    detail,
                    (time.perf_counter() - (here if seconds is not None else work.started))
                    + (seconds or 0.0),
                )
            )

    pending: list[_ClipWork] = []
    for index, clip in enumerate(annotated_clips):
        work = _ClipWork(index, clip, "", time.perf_counter())
        source = library_dir / clip.video_path
        if not source.is_file():
            finished(work, None, f"file not found: {clip.video_path}", "skipped")
            continue
        try:
            work.source_sha256 = file_sha256(source)
        except OSError as error:
            finished(work, None, str(error), "skipped")
            continue
        earlier = previous.get(clip.clip_id)
        if (
            earlier is not None
            and earlier.get("source_sha256") == work.source_sha256
            and earlier.get("version") == INGEST_VERSION
            and (earlier.get("width"), earlier.get("height"), earlier.get("fps"))
            == (video_format.width, video_format.height, video_format.fps)
            and (out_dir / earlier["video_path"]).is_file()
        ):
            report.reused += 1
            finished(work, earlier, None, "reused")
        else:
            pending.append(work)

    def arguments(work: _ClipWork) -> tuple:
        return (
            library_dir,
            work.clip,
            out_dir,
            video_format,
            existing.for_clip(work.clip),
            work.source_sha256,
        )

    for work, document, reason, seconds in _ingest_pending(pending, arguments, jobs):
        finished(work, document, reason, "ok", seconds)
    report.documents = [documents[index] for index in sorted(documents)]
    report.skipped = [skipped[index] for index in sorted(skipped)]

    report.seconds = time.perf_counter() - started
    _write_index(
        index_path,
        {
            "index_name": INDEX_NAME,
            "version": INGEST_VERSION,
            "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "source_library": str(library_dir.resolve()),
            "video_format": format_description,
            "count": len(report.documents),
            "skipped": [asdict(skipped) for skipped in report.skipped],
            "embeddings": report.documents,
        },
    )
    return report
