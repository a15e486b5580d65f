"""Assemble the choreography video with PyAV, by stream copy wherever possible.

Video: every segment of the plan starts on a keyframe of its normalised clip (ingest forced one on every
beat), so its packets are copied unchanged; retiming is done by rescaling packet timestamps (the clip
plays `rate` times faster or slower, or at one rate per phrase across a tempo change: `Segment.retimes`;
the video only, the clip audio is not used). A segment is re-encoded
only when it cannot be copied: its clip has other codec parameters than the rest, has B-frames, or has no
keyframe where the segment starts. Re-encoded segments use the canonical encoder settings of ingest, which
give the same SPS/PPS, so copied and re-encoded segments share one stream; if they would not, everything
is re-encoded.

Audio: the song itself. MP3 and AAC are muxed unchanged into the MP4 (no re-encode); other formats
(WAV, FLAC, OGG...) are encoded to AAC once (FFmpeg's fast AAC coder) and cached by the song's content hash.
The job starts that encoding early (`prepare_song_audio`, in a thread: PyAV encodes without holding the GIL),
so it runs while the song is analysed and the moves are planned; the render then waits for it.

Output: MP4 (H.264 + AAC/MP3) with faststart, exactly the song's duration, and a JPEG thumbnail.
"""

from __future__ import annotations

import heapq
import logging
import os
import tempfile
import threading
import time
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
from av.video.frame import PictureType

from videojob.analysis import resolve_cache_dir
from videojob.audio_io import file_sha256
from videojob.errors import RenderError
from videojob.ingest import CanonicalVideoFormat, fit_frame_to_format
from videojob.library import MoveLibrary
from videojob.planner import Plan, Segment

logger = logging.getLogger(__name__)
OUTPUT_TIME_BASE = Fraction(1, 90000)
COPYABLE_AUDIO = {"mp3": {"mp3"}, "aac": {"mov", "mp4", "m4a", "3gp", "3g2", "mj2"}}
SONG_AAC_BITRATE = 160_000
_HALF_FRAME = 0.5 / 30


@dataclass(frozen=True)
class RenderResult:
    video_path: Path
    thumbnail_path: Path | None
    duration: float
    cut_times: tuple[float, ...]
    copied_segments: int
    reencoded_segments: int
    audio_mode: str  # e.g. "copied mp3", "encoded aac (cached)"
    seconds: float


# ---------------------------------------------------------------------------------------------- H.264 helpers


def _split_annexb(data: bytes) -> list[bytes]:
    units, index, length = [], 0, len(data)
    starts = []
    while index < length - 3:
        if (
            data[index] == 0
            and data[index + 1] == 0
            and (
                data[index + 2] == 1 or (data[index + 2] == 0 and index + 3 < length and data[index + 3] == 1)
            )
        ):
            prefix = 3 if data[index + 2] == 1 else 4
            starts.append((index, index + prefix))
            index += prefix
        else:
            index += 1
    for number, (_, begin) in enumerate(starts):
        end = starts[number + 1][0] if number + 1 < len(starts) else length
        units.append(data[begin:end].rstrip(b"\x00") if number + 1 < len(starts) else data[begin:end])
    return [unit for unit in units if unit]


def h264_parameter_sets(extradata: bytes | None) -> tuple[bytes, ...]:
    """SPS and PPS NAL units from avcC (MP4) or Annex B (encoder) extradata, for comparing streams."""
    if not extradata:
        return ()
    if extradata[0] == 1 and len(extradata) > 6:  # avcC
        units, offset = [], 5
        sps_count = extradata[offset] & 0x1F
        offset += 1
        for _ in range(sps_count):
            size = int.from_bytes(extradata[offset : offset + 2], "big")
            units.append(extradata[offset + 2 : offset + 2 + size])
            offset += 2 + size
        pps_count = extradata[offset]
        offset += 1
        for _ in range(pps_count):
            size = int.from_bytes(extradata[offset : offset + 2], "big")
            units.append(extradata[offset + 2 : offset + 2 + size])
            offset += 2 + size
        return tuple(units)
    return tuple(unit for unit in _split_annexb(extradata) if unit[0] & 0x1F in (7, 8))


def annexb_to_length_prefixed(data: bytes, length_size: int = 4) -> bytes:
    """An encoder's Annex B access unit as MP4 (avcC) sample data, parameter sets left out."""
    return b"".join(
        len(unit).to_bytes(length_size, "big") + unit
        for unit in _split_annexb(data)
        if unit[0] & 0x1F not in (7, 8)
    )


def _open_canonical_encoder(video_format: CanonicalVideoFormat) -> av.CodecContext:
    """An encoder with ingest's settings and time base (x264 writes the time base into the SPS)."""
    encoder = av.CodecContext.create(video_format.codec, "w")
    encoder.width, encoder.height, encoder.pix_fmt = (
        video_format.width,
        video_format.height,
        video_format.pix_fmt,
    )
    encoder.time_base = Fraction(1, video_format.fps)
    encoder.framerate = Fraction(video_format.fps)
    encoder.options = video_format.encoder_options()
    encoder.flags |= av.codec.context.Flags.global_header
    encoder.open()
    return encoder


def write_canonical_template(video_format: CanonicalVideoFormat, path: Path) -> Path:
    """A one-frame MP4 from the canonical encoder: its stream is the template (avcC and all) of an output
    whose segments are re-encoded."""
    with av.open(str(path), "w", format="mp4") as container:
        stream = container.add_stream(video_format.codec, rate=video_format.fps)
        stream.width, stream.height, stream.pix_fmt = (
            video_format.width,
            video_format.height,
            video_format.pix_fmt,
        )
        stream.options = video_format.encoder_options()
        frame = av.VideoFrame(video_format.width, video_format.height, video_format.pix_fmt)
        for plane in frame.planes:
            plane.update(bytes(plane.buffer_size))
        frame.pts = 0
        container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    return path


# ---------------------------------------------------------------------------------------------- clips


@dataclass
class _ClipVideo:
    path: Path
    stream: av.VideoStream
    container: av.container.InputContainer
    parameter_sets: tuple[bytes, ...]
    size: tuple[int, int]
    times: np.ndarray  # presentation time of each packet (decode order == presentation order when copyable)
    keyframes: np.ndarray  # bool per packet
    payloads: list[bytes]
    has_b_frames: bool


def _load_clip(path: Path) -> _ClipVideo:
    try:
        container = av.open(str(path))
    except (av.error.FFmpegError, OSError) as error:
        raise RenderError(f"cannot open the move clip {path}: {error}") from error
    if not container.streams.video:
        raise RenderError(f"the move clip {path} has no video")
    stream = container.streams.video[0]
    # seconds = pts * num / den, in integers then one division: float(pts * Fraction) exactly, without
    # a Fraction per packet
    num, den = stream.time_base.numerator, stream.time_base.denominator
    times, keyframes, payloads, reordered = [], [], [], False
    for packet in container.demux(stream):
        if packet.pts is None or not packet.size:
            continue
        reordered |= packet.dts is not None and packet.dts != packet.pts
        times.append(packet.pts * num / den)
        keyframes.append(packet.is_keyframe)
        payloads.append(bytes(packet))
    order = np.argsort(times, kind="stable")
    return _ClipVideo(
        path=path,
        stream=stream,
        container=container,
        parameter_sets=h264_parameter_sets(stream.codec_context.extradata)
        if stream.codec_context.name == "h264"
        else (),
        size=(stream.codec_context.width, stream.codec_context.height),
        times=np.asarray(times)[order],
        keyframes=np.asarray(keyframes, dtype=bool)[order],
        payloads=[payloads[i] for i in order],
        has_b_frames=reordered,
    )


def _segment_packet_range(clip: _ClipVideo, segment: Segment) -> tuple[int, int]:
    """Indices [first, last) of the packets shown during the segment (first = the frame at clip_start)."""
    first = int(np.searchsorted(clip.times, segment.clip_start - _HALF_FRAME))
    last = int(np.searchsorted(clip.times, segment.clip_end - 1e-3))
    if last <= first:
        raise RenderError(f"segment of {segment.clip_id} at {segment.song_start:.2f} s selects no frame")
    return first, last


def _copyable(clip: _ClipVideo, segment: Segment, reference: _ClipVideo) -> bool:
    """The segment's packets can go into the output unchanged: same codec parameters as the reference
    clip, no frame reordering, and a keyframe exactly where the segment starts."""
    if clip.has_b_frames or clip.parameter_sets != reference.parameter_sets or clip.size != reference.size:
        return False
    first, _ = _segment_packet_range(clip, segment)
    return bool(clip.keyframes[first]) and abs(clip.times[first] - segment.clip_start) <= _HALF_FRAME


def _output_time(segment: Segment, clip_time: float, is_first_frame: bool) -> float:
    if is_first_frame:
        return segment.song_start
    if segment.retimes:  # a rate per phrase (a tempo change inside the segment)
        return float(segment.song_times(clip_time))
    return segment.song_start + segment.hold_before + (clip_time - segment.clip_start) / segment.rate


@dataclass
class _VideoPacket:
    time: float
    payload: bytes
    is_keyframe: bool


def _copied_packets(clip: _ClipVideo, segment: Segment) -> list[_VideoPacket]:
    first, last = _segment_packet_range(clip, segment)
    return [
        _VideoPacket(
            _output_time(segment, clip.times[i], i == first), clip.payloads[i], bool(clip.keyframes[i])
        )
        for i in range(first, last)
    ]


def _reencoded_packets(
    clip: _ClipVideo, segment: Segment, video_format: CanonicalVideoFormat
) -> list[_VideoPacket]:
    """Decode the segment's frames (from the keyframe before it) and encode them with a fresh canonical
    encoder, so the segment starts with its own IDR frame."""
    first, last = _segment_packet_range(clip, segment)
    start_time, end_time = clip.times[first], clip.times[last - 1]
    keyframe_before = np.flatnonzero(clip.keyframes[: first + 1])
    seek_time = clip.times[keyframe_before[-1]] if len(keyframe_before) else 0.0
    stream = clip.stream
    clip.container.seek(int(seek_time / stream.time_base), stream=stream, backward=True, any_frame=False)
    encoder = _open_canonical_encoder(video_format)
    output_times: list[float] = []
    encoded: list[av.Packet] = []
    for frame in clip.container.decode(stream):
        if frame.time is None or frame.time < start_time - 1e-4:
            continue
        if frame.time > end_time + 1e-4:
            break
        fitted = fit_frame_to_format(frame, video_format)
        # the encoder counts frames (its time base is the ingest one, so its SPS matches the copied
        # clips'); the real, retimed output time of each frame is kept aside, in order (no B-frames)
        fitted.pts, fitted.time_base = len(output_times), Fraction(1, video_format.fps)
        fitted.pict_type = PictureType.I if not output_times else PictureType.NONE
        output_times.append(_output_time(segment, frame.time, not output_times))
        encoded.extend(encoder.encode(fitted))
    encoded.extend(encoder.encode(None))
    if not encoded or len(encoded) != len(output_times):
        raise RenderError(
            f"re-encoding {segment.clip_id} for the segment at {segment.song_start:.2f} s failed"
        )
    # MP4 sample format (length-prefixed NAL units), like the copied packets and the avcC of the stream
    return [
        _VideoPacket(output_time, annexb_to_length_prefixed(bytes(packet)), packet.is_keyframe)
        for packet, output_time in zip(sorted(encoded, key=lambda p: p.pts), output_times, strict=True)
    ]


# ---------------------------------------------------------------------------------------------- audio


def _song_codec(song_path: Path) -> tuple[str, set[str]]:
    """(codec, container format names) of the song's first audio stream."""
    try:
        with av.open(str(song_path)) as container:
            if not container.streams.audio:
                raise RenderError(f"the song {song_path.name} has no audio stream")
            codec = container.streams.audio[0].codec_context.codec.canonical_name
            return codec, set(container.format.name.split(","))
    except av.error.FFmpegError as error:
        raise RenderError(f"cannot read the song {song_path.name}: {error}") from error


def _copyable_audio(codec: str, container_names: set[str]) -> bool:
    return bool(container_names & COPYABLE_AUDIO.get(codec, set()))


def _encoded_song_path(cache_dir: Path, song_path: Path) -> Path:
    return cache_dir / "audio" / f"{file_sha256(song_path)}.m4a"


# AAC encodings started by prepare_song_audio and not yet waited for, by target path
_preparing: dict[Path, threading.Thread] = {}
_preparing_lock = threading.Lock()


def prepare_song_audio(song_path: str | Path, cache_dir: str | Path | None) -> bool:
    """Start encoding the song to AAC in the cache (as the render would) in a background thread, so that it
    runs while the song is analysed and the moves are planned. Nothing to do, and False, for an MP3/AAC
    song (muxed as it is), an encoding already cached, or no cache folder. Never raises: a song that cannot
    be read or encoded is reported by the render itself."""
    song_path = Path(song_path)
    cache = resolve_cache_dir(cache_dir)
    if cache is None:
        return False
    try:
        if _copyable_audio(*_song_codec(song_path)):
            return False
        target = _encoded_song_path(cache, song_path)
    except (RenderError, OSError):
        return False
    with _preparing_lock:
        if target.exists() or target in _preparing:
            return False

        def encode() -> None:
            try:
                target.parent.mkdir(parents=True, exist_ok=True)
                encode_song_to_aac(song_path, target)
            except Exception:  # the render encodes it again and reports the error in its own words
                logger.warning("encoding %s in the background failed", song_path, exc_info=True)

        thread = threading.Thread(target=encode, daemon=True, name="song-audio")
        _preparing[target] = thread
        thread.start()
    return True


def _wait_for_preparation(target: Path) -> bool:
    """Wait for a background encoding of `target`; True when one was under way."""
    with _preparing_lock:
        thread = _preparing.pop(target, None)
    if thread is None:
        return False
    thread.join()
    return True


def _song_audio_source(song_path: Path, cache_dir: Path | None, work_dir: Path) -> tuple[Path, str]:
    """A file whose first audio stream can be muxed into MP4 unchanged: the song itself when it is MP3
    or AAC in an MP4-family container, else an AAC encoding of it (cached by content hash)."""
    codec, container_names = _song_codec(song_path)
    if _copyable_audio(codec, container_names):
        return song_path, f"copied {codec}"
    if cache_dir is None:
        target = work_dir / f"{file_sha256(song_path)}.m4a"
    else:
        target = _encoded_song_path(cache_dir, song_path)
        if _wait_for_preparation(target) and target.exists():
            return target, "encoded aac (during the analysis)"
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists():
        return target, "encoded aac (cached)"
    encode_song_to_aac(song_path, target)
    return target, "encoded aac"


def encode_song_to_aac(song_path: Path, target: Path) -> None:
    handle, temporary = tempfile.mkstemp(dir=target.parent, suffix=".m4a.tmp")
    os.close(handle)
    try:
        with av.open(str(song_path)) as source, av.open(temporary, "w", format="ipod") as output:
            rate = source.streams.audio[0].codec_context.sample_rate
            rate = rate if rate in (44100, 48000) else 44100
            stream = output.add_stream("aac", rate=rate)
            stream.layout = "stereo"
            stream.bit_rate = SONG_AAC_BITRATE
            # FFmpeg's "fast" quantiser search: ~4.5x less CPU than the default "twoloop" for a 3-minute song
            # (1.5 s against 6.8 s here), and at 160 kb/s its author finds it sounds at least as good
            stream.options = {"aac_coder": "fast"}
            resampler = av.AudioResampler(format="fltp", layout="stereo", rate=rate)
            for frame in source.decode(audio=0):
                for converted in resampler.resample(frame):
                    output.mux(stream.encode(converted))
            for converted in resampler.resample(None):
                output.mux(stream.encode(converted))
            output.mux(stream.encode(None))
        os.replace(temporary, target)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


# ---------------------------------------------------------------------------------------------- thumbnail


def write_thumbnail(video_path: Path, at_time: float, thumbnail_path: Path) -> None:
    """A JPEG of the output video's frame at `at_time` (PyAV's MJPEG encoder; no imaging library)."""
    with av.open(str(video_path)) as container:
        stream = container.streams.video[0]
        container.seek(int(at_time / stream.time_base), stream=stream, backward=True)
        chosen = None
        for frame in container.decode(stream):
            chosen = frame
            if frame.time is not None and frame.time >= at_time - 1e-3:
                break
    if chosen is None:
        raise RenderError("the rendered video has no frame for a thumbnail")
    encoder = av.CodecContext.create("mjpeg", "w")
    encoder.width, encoder.height, encoder.pix_fmt = chosen.width, chosen.height, "yuvj420p"
    encoder.time_base = Fraction(1, 25)
    encoder.options = {"qmin": "2", "qmax": "6"}
    picture = chosen.reformat(format="yuvj420p")
    picture.pts = 0
    data = b"".join(bytes(packet) for packet in [*encoder.encode(picture), *encoder.encode(None)])
    thumbnail_path.parent.mkdir(parents=True, exist_ok=True)
    thumbnail_path.write_bytes(data)


# ---------------------------------------------------------------------------------------------- assembly


def render_choreography(
    plan: Plan,
    library: MoveLibrary,
    song_path: str | Path,
    out_path: str | Path,
    *,
    thumbnail_path: str | Path | None = None,
    cache_dir: str | Path | None = None,
) -> RenderResult:
    """Write the choreography video for `plan` to `out_path` (MP4) and a JPEG thumbnail."""
    started = time.perf_counter()
    song_path, out_path = Path(song_path), Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    video_format = (
        CanonicalVideoFormat(**library.video_format) if library.video_format else CanonicalVideoFormat()
    )
    clips: dict[str, _ClipVideo] = {}
    try:
        for segment in plan.segments:
            if segment.clip_id not in clips:
                try:
                    move = library.move(segment.clip_id)
                except KeyError:
                    raise RenderError(
                        f"the plan uses {segment.clip_id}, which is not in the library"
                    ) from None
                clips[segment.clip_id] = _load_clip(Path(move.video_path))
        reference = clips[plan.segments[0].clip_id]
        decisions = [_copyable(clips[s.clip_id], s, reference) for s in plan.segments]
        with tempfile.TemporaryDirectory(dir=out_path.parent, prefix=".render-") as work:
            template = reference
            if not all(decisions):
                # some segments must be re-encoded: the output takes the canonical encoder's parameters and
                # only clips that share them are copied
                template = _load_clip(write_canonical_template(video_format, Path(work) / "template.mp4"))
                clips["\0template"] = template
                decisions = [_copyable(clips[s.clip_id], s, template) for s in plan.segments]
            audio_source, audio_mode = _song_audio_source(song_path, resolve_cache_dir(cache_dir), Path(work))
            partial = Path(work) / "output.mp4"
            copied = _assemble(plan, clips, decisions, template, video_format, audio_source, partial)
            os.replace(partial, out_path)
    finally:
        for clip in clips.values():
            clip.container.close()

    with av.open(str(out_path)) as result:
        duration = float(result.duration / av.time_base) if result.duration else 0.0
    thumbnail = None
    if thumbnail_path is not None:
        thumbnail = Path(thumbnail_path)
        middle = plan.segments[len(plan.segments) // 2]
        write_thumbnail(out_path, middle.song_start + min(1.0, middle.song_duration / 2), thumbnail)
    return RenderResult(
        video_path=out_path,
        thumbnail_path=thumbnail,
        duration=duration,
        cut_times=plan.cut_times,
        copied_segments=copied,
        reencoded_segments=len(plan.segments) - copied,
        audio_mode=audio_mode,
        seconds=time.perf_counter() - started,
    )


def _assemble(
    plan: Plan,
    clips: dict[str, _ClipVideo],
    decisions: list[bool],
    template: _ClipVideo,
    video_format: CanonicalVideoFormat,
    audio_source: Path,
    out_path: Path,
) -> int:
    video_packets: list[_VideoPacket] = []
    for segment, copy in zip(plan.segments, decisions, strict=True):
        clip = clips[segment.clip_id]
        if copy:
            video_packets.extend(_copied_packets(clip, segment))
        else:
            video_packets.extend(_reencoded_packets(clip, segment, video_format))
    song_end = plan.song_duration

    with (
        av.open(str(audio_source)) as audio_input,
        av.open(str(out_path), "w", format="mp4", options={"movflags": "+faststart"}) as output,
    ):
        video_stream = output.add_stream_from_template(template.stream)
        video_stream.time_base = OUTPUT_TIME_BASE
        audio_in = audio_input.streams.audio[0]
        audio_stream = output.add_stream_from_template(audio_in)

        def video_items():
            for index, item in enumerate(video_packets):
                end = video_packets[index + 1].time if index + 1 < len(video_packets) else song_end
                yield (item.time, 0, index, ("video", item, end))

        def audio_items():
            num, den = audio_in.time_base.numerator, audio_in.time_base.denominator
            for index, packet in enumerate(audio_input.demux(audio_in)):
                if packet.pts is None or not packet.size:
                    continue
                start = packet.pts * num / den  # as in _load_clip
                if start >= song_end:  # encoder padding past the decoded song (MP3 frames)
                    break
                yield (start, 1, index, ("audio", packet, None))

        previous_pts = -1
        for _, _, _, (kind, item, end) in heapq.merge(video_items(), audio_items()):
            if kind == "video":
                packet = av.Packet(item.payload)
                pts = round(item.time / OUTPUT_TIME_BASE)
                pts = max(pts, previous_pts + 1)
                previous_pts = pts
                packet.pts = packet.dts = pts
                packet.duration = max(1, round(end / OUTPUT_TIME_BASE) - pts)
                packet.time_base = OUTPUT_TIME_BASE
                packet.is_keyframe = item.is_keyframe
                packet.stream = video_stream
            else:
                packet = item
                packet.stream = audio_stream
            output.mux(packet)
    return int(sum(decisions))
