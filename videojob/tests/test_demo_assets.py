"""The generated demo song and move library: deterministic, in the real library's format, known tempos."""

import json

import av
import numpy as np
import pytest
import soundfile
from videojob.analysis import analyze_audio, beat_f_measure, track_beats
from videojob.audio_io import ANALYSIS_SAMPLE_RATE, decode_mono_audio_with_pyav
from videojob.demo_assets import DEMO_CLIPS, DEMO_FPS, generate_demo_song, synthesize_bachata


def test_demo_song_has_the_announced_beat_grid(demo_song):
    analysis = analyze_audio(demo_song.path)
    assert analysis.bpm == pytest.approx(demo_song.bpm, rel=0.005)
    assert beat_f_measure(demo_song.beat_times, analysis.beat_times) >= 0.97
    for start in analysis.phrase_starts:
        assert min(abs(start - reference) for reference in demo_song.phrase_starts) <= 0.07
    assert analysis.duration == pytest.approx(demo_song.duration, abs=0.01)
    assert max(analysis.phrase_energy) > 1.5 * min(analysis.phrase_energy)  # the loudness changes by phrase


def test_demo_song_is_deterministic_and_writes_mp3(tmp_path):
    first = generate_demo_song(tmp_path / "a.wav", seconds=6)
    second = generate_demo_song(tmp_path / "b.wav", seconds=6)
    assert first.path.read_bytes() == second.path.read_bytes()
    mp3 = generate_demo_song(tmp_path / "c.mp3", seconds=6)
    assert soundfile.info(str(mp3.path)).format == "MP3"
    samples, _ = synthesize_bachata(120, 3, first_beat=0.1, sample_rate=8000, seed=1)
    again, _ = synthesize_bachata(120, 3, first_beat=0.1, sample_rate=8000, seed=1)
    assert np.array_equal(samples, again)


def test_demo_library_has_the_movelib_layout(demo_library_dir):
    annotations = json.loads((demo_library_dir / "annotations.json").read_text())
    assert set(annotations) == {"instructions", "move_categories", "clips"}
    labels = {clip["move_label"] for clip in annotations["clips"]}
    assert {"intros", "outro"} <= labels
    assert set(annotations["move_categories"]) == labels
    assert 8 <= len(annotations["clips"]) <= 12
    for clip in annotations["clips"]:
        assert set(clip) == {
            "clip_id",
            "video_path",
            "move_label",
            "energy_level",
            "estimated_tempo",
            "difficulty",
        }
        assert clip["video_path"] == f"{clip['move_label']}/{clip['clip_id']}.mp4"
        assert clip["difficulty"] in {"low", "medium", "high"}
        assert clip["energy_level"] in {"low", "medium", "high"}
        assert (demo_library_dir / clip["video_path"]).exists()


@pytest.mark.parametrize("spec", [DEMO_CLIPS[1], DEMO_CLIPS[7]], ids=lambda spec: spec.clip_id)
def test_demo_clips_are_h264_with_aac_audio_at_a_known_tempo(demo_library_dir, spec):
    path = demo_library_dir / spec.move_label / f"{spec.clip_id}.mp4"
    with av.open(str(path)) as container:
        video = container.streams.video[0]
        assert video.codec_context.name == "h264"
        assert video.format.name == "yuv420p"
        assert (video.width, video.height) == (320, 180)
        assert video.average_rate == DEMO_FPS
        assert container.streams.audio[0].codec_context.name == "aac"
        frames = sum(1 for _ in container.decode(video=0))
        assert frames == pytest.approx((spec.first_beat + spec.beats * 60 / spec.bpm + 0.3) * DEMO_FPS, abs=1)
    samples, _ = decode_mono_audio_with_pyav(path, ANALYSIS_SAMPLE_RATE)
    assert track_beats(samples, ANALYSIS_SAMPLE_RATE).bpm == pytest.approx(spec.bpm, rel=0.01)
