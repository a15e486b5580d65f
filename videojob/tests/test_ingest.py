"""Ingest: normalised clips that can be stream-copied, and index documents in the legacy shape."""

import dataclasses
import json
import os
import shutil
import subprocess
import sys

import av
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from videojob.__main__ import main
from videojob.analysis import analyze_audio
from videojob.demo_assets import DEMO_CLIPS
from videojob.ingest import (
    CanonicalVideoFormat,
    IngestProgress,
    ProgressBar,
    choose_canonical_height,
    ingest_library,
    keyframe_indices,
    motion_energy_per_beat,
    quantise_to_frames,
    terminal_progress,
)
from videojob.library import (
    difficulty_level,
    load_move_library,
    read_annotations,
    style_for_label,
)
from videojob.planner import PlanRequest, plan_choreography
from videojob.render import render_choreography

SPEC_BY_ID = {spec.clip_id: spec for spec in DEMO_CLIPS}
LEGACY_FIELDS = {
    "clip_id",
    "audio_embedding",
    "move_label",
    "difficulty",
    "energy_level",
    "estimated_tempo",
    "video_path",
    "frame_count",
    "version",
}


def _packets(path):
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        return (
            [
                (packet.pts, packet.dts, packet.is_keyframe, float(packet.pts * packet.time_base))
                for packet in container.demux(stream)
                if packet.size
            ],
            stream.codec_context.extradata,
            (stream.width, stream.height),
            len(container.streams.audio),
        )


def test_every_demo_clip_is_indexed_with_the_legacy_fields(ingested_demo_library):
    report = ingested_demo_library
    assert report.skipped == []
    assert {document["clip_id"] for document in report.documents} == set(SPEC_BY_ID)
    index = json.loads(report.index_path.read_text())
    assert index["index_name"] == "bachata_move_embeddings" and index["count"] == len(DEMO_CLIPS)
    for document in index["embeddings"]:
        spec = SPEC_BY_ID[document["clip_id"]]
        assert set(document) >= LEGACY_FIELDS
        assert "lead_embedding" not in document and "follow_embedding" not in document
        assert "text_embedding" not in document  # the demo library has no move_embeddings.json
        assert (
            document["difficulty"]
            == {"low": "beginner", "medium": "intermediate", "high": "advanced"}[spec.difficulty]
        )
        assert document["style"] == style_for_label(spec.move_label)
        assert isinstance(document["version"], str) and isinstance(document["frame_count"], int)
        assert len(document["audio_embedding"]) == 128
        assert np.linalg.norm(document["audio_embedding"]) == pytest.approx(1, abs=1e-4)
        assert document["estimated_tempo"] == pytest.approx(spec.bpm, rel=0.01)
        assert len(document["motion_energy"]) == len(document["beat_times"])
        # the first phrase starts on the clip's first count (beat 0 of the synthetic music)
        assert document["phrase_starts"][0] == pytest.approx(spec.first_beat, abs=0.07)


def test_normalised_clips_share_one_copyable_format_with_keyframes_on_the_beats(ingested_demo_library):
    library_dir = ingested_demo_library.index_path.parent
    extradata = set()
    for document in ingested_demo_library.documents:
        packets, codec_header, size, audio_streams = _packets(library_dir / document["video_path"])
        extradata.add(codec_header)
        assert size == (320, 180) and audio_streams == 0
        assert len(packets) == document["frame_count"]
        assert all(pts == dts for pts, dts, _, _ in packets)  # no B-frames: decode order is display order
        keyframes = {round(time, 3) for _, _, is_key, time in packets if is_key}
        assert {round(t, 3) for t in document["keyframe_times"]} <= keyframes
        assert {round(t, 3) for t in document["phrase_starts"]} <= keyframes
    assert len(extradata) == 1  # identical SPS/PPS: packets of any clip can follow packets of any other


def test_motion_energy_follows_the_dancers_energy(ingested_demo_library):
    energy = {doc["clip_id"]: doc["mean_motion_energy"] for doc in ingested_demo_library.documents}
    by_level = {
        level: np.mean([energy[spec.clip_id] for spec in DEMO_CLIPS if spec.energy_level == level])
        for level in ("low", "medium", "high")
    }
    assert by_level["low"] < by_level["medium"] < by_level["high"]


def test_the_library_loads_for_planning(ingested_demo_library):
    library = load_move_library(ingested_demo_library.index_path.parent)
    assert len(library.moves) == len(DEMO_CLIPS)
    intro = library.move("intro_greeting")
    assert intro.is_intro and not intro.is_outro
    assert intro.difficulty == "beginner" and intro.phrase_starts and intro.bpm > 100
    assert all(
        move.video_path and (library.index_path.parent / move.video_path).exists() for move in library.moves
    )


def test_broken_entries_are_reported_and_skipped_and_reingest_reuses(demo_library_dir, tmp_path, capsys):
    library = tmp_path / "library"
    library.mkdir()
    kept = ["basic_front", "footwork_shines"]
    annotations = json.loads((demo_library_dir / "annotations.json").read_text())
    clips = [clip for clip in annotations["clips"] if clip["clip_id"] in kept]
    for clip in clips:
        (library / clip["move_label"]).mkdir(exist_ok=True)
        shutil.copy(demo_library_dir / clip["video_path"], library / clip["video_path"])
    (library / "basic" / "corrupt.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 8)
    clips += [
        {
            "clip_id": "missing",
            "video_path": "basic/missing.mp4",
            "move_label": "basic",
            "energy_level": "high",
            "estimated_tempo": 129,
            "difficulty": "high",
        },
        {
            "clip_id": "corrupt",
            "video_path": "basic/corrupt.mp4",
            "move_label": "basic",
            "energy_level": "low",
            "estimated_tempo": 129,
            "difficulty": "low",
        },
    ]
    (library / "annotations.json").write_text(json.dumps({**annotations, "clips": clips}))
    pose, text = [0.0] * 511 + [1.0], [1.0] + [0.0] * 383
    (library / "move_embeddings.json").write_text(
        json.dumps(
            {
                "embeddings": [
                    {
                        "clip_id": "basic_front",
                        "pose_embedding": pose,
                        "text_embedding": text,
                        "audio_embedding": [0.5] * 128,
                    }
                ]
            }
        )
    )

    assert main(["ingest", "--library", str(library), "--out", str(tmp_path / "out")]) == 0
    captured = capsys.readouterr()
    # progress on stderr (not a terminal here: a line per clip, numbered by clips done; 2 workers by default)
    assert "/4] basic_front" in captured.err and "skipped" in captured.err
    assert "skipped missing" in captured.out and "file not found" in captured.out
    index = json.loads((tmp_path / "out" / "move_index.json").read_text())
    assert [doc["clip_id"] for doc in index["embeddings"]] == kept
    assert {skipped["clip_id"] for skipped in index["skipped"]} == {"missing", "corrupt"}
    basic_front = index["embeddings"][0]
    assert basic_front["pose_embedding"] == pose and basic_front["text_embedding"] == text
    assert basic_front["audio_embedding"] != [0.5] * 128  # the legacy random audio vector is not reused

    report = ingest_library(library, tmp_path / "out", progress=None)
    assert report.reused == 2 and len(report.skipped) == 2


def test_a_clip_id_repeated_under_another_label_is_indexed_under_its_own_id(demo_library_dir, tmp_path):
    library = tmp_path / "library"
    annotations = json.loads((demo_library_dir / "annotations.json").read_text())
    source = next(clip for clip in annotations["clips"] if clip["clip_id"] == "basic_front")
    twin = {**source, "move_label": "bolero", "video_path": "bolero/basic_front.mp4"}
    for clip in (source, twin):
        (library / clip["move_label"]).mkdir(parents=True, exist_ok=True)
        shutil.copy(demo_library_dir / source["video_path"], library / clip["video_path"])
    (library / "annotations.json").write_text(json.dumps({**annotations, "clips": [source, twin]}))
    first, second = [0.0] * 511 + [1.0], [1.0] + [0.0] * 511  # each clip's own existing pose embedding
    (library / "move_embeddings.json").write_text(
        json.dumps(
            {
                "embeddings": [
                    {"clip_id": "basic_front", "move_label": "basic", "pose_embedding": first},
                    {"clip_id": "basic_front", "move_label": "bolero", "pose_embedding": second},
                ]
            }
        )
    )

    report = ingest_library(library, tmp_path / "out", progress=None)
    documents = {doc["clip_id"]: doc for doc in report.documents}
    assert set(documents) == {"basic_front", "bolero_basic_front"}
    assert report.renamed == {"bolero/basic_front.mp4": "bolero_basic_front"}
    assert documents["bolero_basic_front"]["annotated_clip_id"] == "basic_front"
    assert documents["bolero_basic_front"]["move_label"] == "bolero"
    assert documents["basic_front"]["pose_embedding"] == first
    assert documents["bolero_basic_front"]["pose_embedding"] == second
    paths = {doc["video_path"] for doc in report.documents}
    assert len(paths) == 2 and all((tmp_path / "out" / path).is_file() for path in paths)
    library_moves = load_move_library(report.index_path)
    assert {move.clip_id for move in library_moves.moves} == {"basic_front", "bolero_basic_front"}
    assert ingest_library(library, tmp_path / "out", progress=None).reused == 2  # stable across runs


VOLATILE_FIELDS = {"created_at", "processing_time"}


def test_clips_ingested_in_parallel_give_the_same_index_in_annotation_order(
    demo_library_dir, ingested_demo_library, tmp_path
):
    events = []
    parallel = ingest_library(demo_library_dir, tmp_path / "out", jobs=2, progress=events.append)
    sequential = ingested_demo_library  # the same library, ingested in one process (jobs=1)

    def stable(report):
        return [{k: v for k, v in doc.items() if k not in VOLATILE_FIELDS} for doc in report.documents]

    assert stable(parallel) == stable(sequential)
    assert [doc["clip_id"] for doc in parallel.documents] == [clip.clip_id for clip in DEMO_CLIPS]
    assert [event.number for event in events] == list(range(1, len(DEMO_CLIPS) + 1))
    assert {event.clip_id for event in events} == {clip.clip_id for clip in DEMO_CLIPS}
    for document in parallel.documents:  # what the workers wrote is complete on disk
        with av.open(str(tmp_path / "out" / document["video_path"])) as container:
            assert container.streams.video[0].frames == document["frame_count"]
    assert ingest_library(demo_library_dir, tmp_path / "out", jobs=2, progress=None).reused == len(DEMO_CLIPS)


class FakeTerminal:
    def __init__(self, tty=True):
        self.text, self.tty = "", tty

    def write(self, text):
        self.text += text

    def flush(self):
        pass

    def isatty(self):
        return self.tty


def test_the_progress_bar_redraws_one_line_and_keeps_skipped_clips_on_screen():
    terminal = FakeTerminal()
    show = terminal_progress(terminal)
    assert isinstance(show, ProgressBar)
    show(IngestProgress(1, 4, "basic_front", "ok", "128.0 BPM", 1.0))
    show(IngestProgress(2, 4, "missing", "skipped", "file not found: basic/missing.mp4", 0.0))
    show(IngestProgress(3, 4, "spin", "reused", "", 0.0))
    assert "\n" not in terminal.text.replace("file not found: basic/missing.mp4\n", "")
    show(IngestProgress(4, 4, "outro", "ok", "120.0 BPM", 1.0))
    lines = terminal.text.split("\n")
    assert lines[0].endswith("skipped missing: file not found: basic/missing.mp4")
    assert lines[1].split("\r")[-1].startswith("\x1b[K[########################] 4/4 100%")
    assert lines[2] == ""  # the finished bar ends its line

    plain = FakeTerminal(tty=False)
    print_line = terminal_progress(plain)
    print_line(IngestProgress(1, 4, "basic_front", "ok", "128.0 BPM", 1.0))
    assert plain.text.startswith("[1/4] basic_front") and plain.text.endswith("(1.0 s)\n")


def test_no_subcommand_means_job_mode():
    environment = {k: v for k, v in os.environ.items() if k not in ("TASK_ID", "USER_ID", "AUDIO_INPUT")}
    ran = subprocess.run(
        [sys.executable, "-m", "videojob"], env=environment, capture_output=True, text=True, timeout=120
    )
    # the job's own configuration check answered: no task to fail, so nothing for the platform to retry
    assert "TASK_ID must be the task's 36-character id" in ran.stdout + ran.stderr
    assert ran.returncode == 0


# ------------------------------------------------------------------------------------- pure helpers


def test_vocabulary_mapping():
    assert [difficulty_level(d) for d in ("low", "medium", "high")] == [
        "beginner",
        "intermediate",
        "advanced",
    ]
    assert difficulty_level("advanced") == "advanced"
    assert style_for_label("spin") == "energetic" and style_for_label("bodywaves") == "sensual"


def test_annotations_of_the_demo_library_read(demo_library_dir):
    clips = read_annotations(demo_library_dir)
    assert clips[0].difficulty_level in {"beginner", "intermediate", "advanced"}


@given(st.lists(st.floats(0, 20), max_size=40), st.integers(10, 700))
def test_keyframes_are_frame_zero_and_the_frames_nearest_the_beats(beats, frame_count):
    indices = keyframe_indices(beats, 30, frame_count)
    assert 0 in indices and all(0 <= index < frame_count for index in indices)
    for beat in beats:
        if round(beat * 30) < frame_count:
            assert round(beat * 30) in indices
    quantised = quantise_to_frames(beats, 30, frame_count)
    assert quantised == sorted(set(quantised)) and {round(t * 30) for t in quantised} <= indices


@given(st.integers(60, 600), st.integers(9, 21), st.integers(0, 2**16))
def test_motion_per_beat_averages_the_frames_of_each_beat(frames, frames_per_beat, seed):
    motion = np.random.default_rng(seed).uniform(0, 1, frames)
    first_frames = np.arange(3, frames - frames_per_beat, frames_per_beat)
    beats = list((first_frames - 0.5) / 30)  # half a frame early: no frame sits on a boundary
    energies = motion_energy_per_beat(motion, 30, beats)
    assert len(energies) == len(beats)
    for first, energy in zip(first_frames, energies, strict=True):
        assert energy == pytest.approx(motion[first : first + frames_per_beat].mean(), abs=1e-5)


def test_canonical_size():
    assert choose_canonical_height([720, 720, 360]) == 360
    assert choose_canonical_height([180, 180, 360]) == 180
    assert CanonicalVideoFormat.for_height(180) == CanonicalVideoFormat(width=320, height=180)
    assert CanonicalVideoFormat.for_height(1080).height == 360


@pytest.mark.slow
def test_a_few_real_library_clips_ingest_plan_and_render(real_move_library, demo_song, tmp_path):
    """The real library, on a small subset: its broken entry is reported, its existing pose/text embeddings
    are kept, and its normalised 640x360 clips are stream-copied into a video of the demo song."""
    report = ingest_library(
        real_move_library,
        tmp_path / "out",
        clip_ids=["intro", "basic_front", "energetic_bodywaves", "double_spin2", "outro2"],
        progress=None,
    )
    assert [skipped.clip_id for skipped in report.skipped] == ["energetic_bodywaves"]
    assert "file not found" in report.skipped[0].reason
    for document in report.documents:
        assert len(document["text_embedding"]) == 384 and len(document["pose_embedding"]) == 512
        assert (document["width"], document["height"]) == (640, 360)
        assert 100 <= document["estimated_tempo"] <= 160
        assert len(document["phrase_starts"]) >= 1

    library = load_move_library(report.index_path)
    analysis = analyze_audio(demo_song.path)
    plan = plan_choreography(analysis, library.moves, PlanRequest(seed=1))
    result = render_choreography(plan, library, demo_song.path, tmp_path / "real.mp4")
    assert result.reencoded_segments == 0
    with av.open(str(result.video_path)) as container:
        assert container.streams.video[0].width == 640
        assert sum(1 for _ in container.decode(video=0)) > analysis.duration * 25
        assert container.duration / av.time_base == pytest.approx(analysis.duration, abs=1 / 30)


def test_a_demo_library_cached_by_an_earlier_release_is_made_again_with_todays_clips(tmp_path):
    from videojob.demo_assets import generate_demo_library
    from videojob.pipeline import DEMO_LIBRARY_FOLDER, ensure_demo_library

    root = tmp_path / DEMO_LIBRARY_FOLDER
    # an earlier release's three clips, its intro at another tempo
    earlier = (dataclasses.replace(DEMO_CLIPS[0], bpm=100.0), *DEMO_CLIPS[1:3])
    ingest_library(generate_demo_library(root / "raw", clips=earlier), root / "ingested", progress=None)
    assert load_move_library(root / "ingested").move(DEMO_CLIPS[0].clip_id).bpm == pytest.approx(100, abs=2)
    library = ensure_demo_library(tmp_path)
    assert sorted(move.clip_id for move in library.moves) == sorted(spec.clip_id for spec in DEMO_CLIPS)
    assert library.move(DEMO_CLIPS[0].clip_id).bpm == pytest.approx(DEMO_CLIPS[0].bpm, abs=2)
    written = library.index_path.stat().st_mtime_ns
    ensure_demo_library(tmp_path)
    assert library.index_path.stat().st_mtime_ns == written  # kept from then on, not made again


def test_jobs_that_find_no_demo_library_at_once_make_it_once_and_both_get_all_of_it(tmp_path):
    import threading

    from videojob.pipeline import ensure_demo_library

    start = threading.Barrier(2)
    made, libraries = [[], []], [None, None]

    def job(number):
        start.wait()
        libraries[number] = ensure_demo_library(tmp_path, progress=made[number].append)

    jobs = [threading.Thread(target=job, args=(number,)) for number in range(2)]
    for thread in jobs:
        thread.start()
    for thread in jobs:
        thread.join()
    assert sorted(bool(events) for events in made) == [False, True]  # one made it, the other waited
    expected = sorted(spec.clip_id for spec in DEMO_CLIPS)
    for library in libraries:
        assert sorted(move.clip_id for move in library.moves) == expected
