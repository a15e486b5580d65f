"""Rendering: stream-copied, retimed segments on the song; the file matches the plan."""

import json
import shutil
from dataclasses import replace
from pathlib import Path

import av
import numpy as np
import pytest
from videojob.__main__ import main
from videojob.analysis import analyze_audio
from videojob.demo_assets import generate_demo_song
from videojob.library import load_move_library
from videojob.musicality import musicality_report
from videojob.pipeline import DEMO_LIBRARY_FOLDER
from videojob.planner import PlanRequest, plan_choreography
from videojob.render import (
    annexb_to_length_prefixed,
    encode_song_to_aac,
    h264_parameter_sets,
    prepare_song_audio,
    render_choreography,
)

FRAME = 1 / 30


@pytest.fixture(scope="module")
def library(ingested_demo_library):
    return load_move_library(ingested_demo_library.index_path)


@pytest.fixture(scope="module")
def analysis(demo_song):
    return analyze_audio(demo_song.path)


@pytest.fixture(scope="module")
def plan(analysis, library):
    return plan_choreography(analysis, library.moves, PlanRequest(seed=5))


@pytest.fixture(scope="module")
def rendered(plan, library, demo_song, tmp_path_factory):
    folder = tmp_path_factory.mktemp("render")
    return render_choreography(
        plan, library, demo_song.path, folder / "out.mp4", thumbnail_path=folder / "out.jpg", cache_dir=folder
    )


def video_packets(path):
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        return [(float(p.pts * p.time_base), p.is_keyframe) for p in container.demux(stream) if p.size]


def decoded_frames(path, times):
    """The decoded picture shown at each of `times` (the last frame starting at or before it)."""
    wanted = sorted(times)
    found = {}
    with av.open(str(path)) as container:
        previous = None
        for frame in container.decode(video=0):
            while wanted and frame.time > wanted[0] + 1e-4:
                found[wanted.pop(0)] = previous
            previous = frame.to_ndarray(format="gray")
        while wanted:
            found[wanted.pop(0)] = previous
    return found


def test_output_decodes_and_lasts_exactly_the_song(rendered, analysis):
    with av.open(str(rendered.video_path)) as container:
        video, audio = container.streams.video[0], container.streams.audio[0]
        assert video.codec_context.name == "h264" and audio.codec_context.codec.canonical_name == "aac"
        duration = container.duration / av.time_base
        frames = sum(1 for _ in container.decode(video=0))
    assert frames > analysis.duration * 25
    assert duration == pytest.approx(analysis.duration, abs=FRAME)
    assert rendered.duration == pytest.approx(analysis.duration, abs=FRAME)
    data = rendered.video_path.read_bytes()
    assert data.index(b"moov") < data.index(b"mdat")  # faststart
    assert rendered.copied_segments == len(rendered.cut_times) + 1 and rendered.reencoded_segments == 0
    assert rendered.audio_mode.startswith("encoded aac")  # a WAV song is encoded once


def test_cuts_in_the_file_are_where_the_plan_puts_them(rendered, plan, library):
    packets = video_packets(rendered.video_path)
    assert packets[0] == (0.0, True)
    keyframe_times = [time for time, is_key in packets if is_key]
    for cut in plan.cut_times:
        assert min(abs(time - cut) for time in keyframe_times) < 0.001
    # the picture at each segment start is the clip's frame at clip_start (the bitstream is copied), and
    # a frame a second later is the clip's frame one second x rate later (the retiming)
    probes, expected = [], []
    for segment in plan.segments[1:]:
        clip_path = Path(library.move(segment.clip_id).video_path)
        offset = min(1.0, segment.song_duration / 2)
        clip_frames = decoded_frames(
            clip_path, [segment.clip_start, segment.clip_start + offset * segment.rate]
        )
        probes += [segment.song_start, segment.song_start + offset]
        expected += [clip_frames[segment.clip_start], clip_frames[segment.clip_start + offset * segment.rate]]
    output_frames = decoded_frames(rendered.video_path, probes)
    for probe, picture in zip(probes, expected, strict=True):
        assert np.abs(output_frames[probe].astype(int) - picture.astype(int)).mean() < 2.0


def test_a_segment_retimed_phrase_by_phrase_is_copied_at_its_rates(plan, library, demo_song, tmp_path):
    """A segment with a rate per phrase (`retimes`, a tempo change inside it): each copied frame is placed
    where its clip time plays in the song, through the points, still by stream copy."""
    index = next(i for i, s in enumerate(plan.segments) if i > 0 and s.phrase_count >= 2)
    segment = plan.segments[index]
    clip_middle = segment.clip_start + (segment.clip_end - segment.clip_start) / 2
    song_middle = segment.song_start + 0.45 * segment.song_duration  # the first half faster
    retimed = replace(segment, retimes=((round(clip_middle, 6), round(song_middle, 6)),))
    rates = [rate for _, _, rate in retimed.pieces()]
    assert rates[0] > segment.rate > rates[1]
    plan = replace(plan, segments=(*plan.segments[:index], retimed, *plan.segments[index + 1 :]))
    result = render_choreography(plan, library, demo_song.path, tmp_path / "retimed.mp4")
    assert result.reencoded_segments == 0
    with av.open(library.move(segment.clip_id).video_path) as container:
        stream = container.streams.video[0]
        clip_times = sorted(float(p.pts * stream.time_base) for p in container.demux(stream) if p.size)
    clip_times = [t for t in clip_times if segment.clip_start + FRAME / 2 < t < segment.clip_end - 1e-3]
    expected = np.asarray(retimed.song_times(clip_times))
    output = np.asarray([t for t, _ in video_packets(result.video_path)])
    shown = output[(output > segment.song_start + 1e-4) & (output < segment.song_end - 1e-4)]
    assert len(shown) == len(expected) and np.allclose(shown, expected, atol=1e-3)


def test_thumbnail_is_a_jpeg_of_the_video(rendered):
    data = rendered.thumbnail_path.read_bytes()
    assert data[:2] == b"\xff\xd8" and data[-2:] == b"\xff\xd9"
    with av.open(str(rendered.thumbnail_path)) as image:
        frame = next(image.decode(video=0))
        assert (frame.width, frame.height) == (320, 180)


def test_an_mp3_song_is_muxed_without_reencoding(plan, library, analysis, demo_song, tmp_path):
    song = generate_demo_song(tmp_path / "song.mp3")
    assert song.duration == pytest.approx(demo_song.duration)
    result = render_choreography(plan, library, song.path, tmp_path / "mp3.mp4")
    assert result.audio_mode == "copied mp3"
    with av.open(str(result.video_path)) as container:
        assert container.streams.audio[0].codec_context.codec.canonical_name == "mp3"
        assert container.duration / av.time_base == pytest.approx(analysis.duration, abs=FRAME)
        assert sum(1 for _ in container.decode(audio=0)) > 0


def test_an_aac_song_is_muxed_without_reencoding(plan, library, analysis, demo_song, tmp_path):
    song = tmp_path / "song.m4a"
    encode_song_to_aac(demo_song.path, song)
    result = render_choreography(plan, library, song, tmp_path / "aac.mp4")
    assert result.audio_mode == "copied aac"
    with av.open(str(result.video_path)) as container:
        assert container.duration / av.time_base == pytest.approx(analysis.duration, abs=FRAME)
        samples = sum(frame.samples for frame in container.decode(audio=0))
    assert samples / 44100 == pytest.approx(analysis.duration, abs=FRAME)


def _audio_payloads(path: Path) -> list[bytes]:
    with av.open(str(path)) as container:
        return [bytes(packet) for packet in container.demux(audio=0) if packet.size]


def test_a_song_encoded_during_the_analysis_is_the_one_the_render_muxes(
    rendered, plan, library, demo_song, tmp_path, monkeypatch
):
    """The job starts a WAV song's AAC encoding before the analysis; the render waits for it and muxes the
    same audio as when it encodes the song itself."""
    cache = tmp_path / "cache"
    assert prepare_song_audio(demo_song.path, cache) is True
    assert prepare_song_audio(demo_song.path, cache) is False  # already under way: not twice
    result = render_choreography(plan, library, demo_song.path, tmp_path / "out.mp4", cache_dir=cache)
    assert result.audio_mode == "encoded aac (during the analysis)"
    assert _audio_payloads(result.video_path) == _audio_payloads(rendered.video_path)
    assert prepare_song_audio(demo_song.path, cache) is False  # cached now
    mp3 = generate_demo_song(tmp_path / "song.mp3", seconds=4.0)
    assert prepare_song_audio(mp3.path, cache) is False  # muxed as it is
    monkeypatch.delenv("VIDEOJOB_CACHE_DIR", raising=False)
    assert prepare_song_audio(demo_song.path, None) is False  # nowhere to keep it
    assert prepare_song_audio(tmp_path / "missing.wav", cache) is False


def _library_copy(ingested_dir: Path, target: Path, replace_video) -> Path:
    shutil.copytree(ingested_dir, target)
    index = json.loads((target / "move_index.json").read_text())
    for document in index["embeddings"]:
        replacement = replace_video(document)
        if replacement is not None:
            document["video_path"] = str(replacement)
    (target / "move_index.json").write_text(json.dumps(index))
    return target


def test_clips_that_cannot_be_copied_are_reencoded_alone(
    plan, library, analysis, demo_song, demo_library_dir, ingested_demo_library, tmp_path
):
    # one clip is the raw demo clip (x264 ultrafast, keyframes every 250 frames): not copyable
    odd = plan.segments[1].clip_id
    copy = _library_copy(
        ingested_demo_library.index_path.parent,
        tmp_path / "mixed",
        lambda doc: demo_library_dir / doc["source_video_path"] if doc["clip_id"] == odd else None,
    )
    result = render_choreography(plan, load_move_library(copy), demo_song.path, tmp_path / "mixed.mp4")
    assert result.reencoded_segments == 1 and result.copied_segments == len(plan.segments) - 1
    packets = video_packets(result.video_path)
    assert packets[0] == (0.0, True)
    assert all(min(abs(t - cut) for t, key in packets if key) < 0.001 for cut in plan.cut_times)
    with av.open(str(result.video_path)) as container:
        assert sum(1 for _ in container.decode(video=0)) == len(packets)
        assert container.duration / av.time_base == pytest.approx(analysis.duration, abs=FRAME)


def test_a_library_of_raw_clips_is_reencoded_entirely(
    plan, analysis, demo_song, demo_library_dir, ingested_demo_library, tmp_path
):
    copy = _library_copy(
        ingested_demo_library.index_path.parent,
        tmp_path / "raw",
        lambda doc: demo_library_dir / doc["source_video_path"],
    )
    result = render_choreography(plan, load_move_library(copy), demo_song.path, tmp_path / "raw.mp4")
    assert result.copied_segments == 0 and result.reencoded_segments == len(plan.segments)
    with av.open(str(result.video_path)) as container:
        assert sum(1 for _ in container.decode(video=0)) > analysis.duration * 25
        assert container.duration / av.time_base == pytest.approx(analysis.duration, abs=FRAME)


def test_musicality_of_the_demo_plan(plan, analysis, library):
    report = musicality_report(plan, analysis, library.moves)
    assert report.cuts_on_beat_share == 1.0 and report.cuts_on_phrase_share == 1.0
    assert report.mean_tempo_mismatch_percent < 1.0
    assert report.mean_beat_offset_ms is not None and report.mean_beat_offset_ms < 40
    assert report.repeat_rate == 0.0
    # the hearing's own confidence, measured against the music, is reported beside the plan's figures
    assert report.beat_confidence is not None and report.beat_confidence >= 0.3
    assert report.beat_slip is not None and report.beat_slip < 0.1  # the demo song's beat never slips
    assert report.hearing_notes == analysis.hearing_notes
    assert len(report.lines()) == 9 + len(report.hearing_notes)
    assert any(line.startswith("hearing confidence (vs the music)") for line in report.lines())


def test_cuts_where_no_beat_was_heard_are_counted_apart(plan, analysis, library):
    """A move change after the last beat the analysis heard (the grid extended over a silent tail) has no
    beat to be on or off: it is counted apart, not as a change off the beat."""
    last_cut = plan.cut_times[-1]
    deaf_tail = replace(
        analysis,
        beat_times=tuple(t for t in analysis.beat_times if t < last_cut - 1.0),
        phrase_starts=tuple(t for t in analysis.phrase_starts if t < last_cut - 1.0),
    )
    deaf_tail = replace(deaf_tail, phrase_energy=analysis.phrase_energy[: len(deaf_tail.phrase_starts)])
    report = musicality_report(plan, deaf_tail, library.moves)
    assert report.cuts_where_no_beat_was_heard == 1
    assert report.cuts_on_beat_share == 1.0 and report.cuts_on_phrase_share == 1.0
    assert report.cut_count == len(plan.cut_times)
    assert "100 % (1 more where no beat was heard)" in "\n".join(report.lines())
    assert musicality_report(plan, analysis, library.moves).cuts_where_no_beat_was_heard == 0


def test_h264_helpers():
    sps, pps = bytes.fromhex("6764000dacb4"), bytes.fromhex("68ef0fcb")
    annexb = b"\x00\x00\x00\x01" + sps + b"\x00\x00\x00\x01" + pps
    avcc = bytes([1, 0x64, 0, 0x0D, 0xFF, 0xE1]) + len(sps).to_bytes(2, "big") + sps + b"\x01"
    avcc += len(pps).to_bytes(2, "big") + pps
    assert h264_parameter_sets(annexb) == h264_parameter_sets(avcc) == (sps, pps)
    slice_unit = bytes.fromhex("6588840021")
    converted = annexb_to_length_prefixed(annexb + b"\x00\x00\x01" + slice_unit)
    assert converted == len(slice_unit).to_bytes(4, "big") + slice_unit


def test_render_cli_prints_the_plan_and_musicality(
    demo_song, ingested_demo_library, tmp_path, capsys, monkeypatch
):
    # the default library is the demo library in the cache folder; put the session's copy where it goes
    cache = tmp_path / "cache"
    shutil.copytree(ingested_demo_library.index_path.parent, cache / DEMO_LIBRARY_FOLDER / "ingested")
    monkeypatch.setenv("VIDEOJOB_CACHE_DIR", str(cache))
    out = tmp_path / "cli.mp4"
    assert (
        main(
            [
                "render",
                "--audio",
                str(demo_song.path),
                "--out",
                str(out),
                "--difficulty",
                "beginner",
                "--seed",
                "3",
            ]
        )
        == 0
    )
    printed = capsys.readouterr().out
    assert "intro_greeting" in printed and "changes on an 8-count phrase    100 %" in printed
    assert "repeat rate" in printed and "BPM" in printed
    assert out.exists() and out.with_suffix(".jpg").exists()
    assert main(["render", "--audio", str(tmp_path / "absent.wav"), "--out", str(out)]) == 2
