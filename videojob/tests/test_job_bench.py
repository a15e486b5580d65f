"""The pieces of bench/job_bench.py (the end-to-end benchmark) on small generated inputs."""

import importlib.util
import json
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import av
import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench" / "job_bench.py"


@pytest.fixture(scope="module")
def job_bench():
    spec = importlib.util.spec_from_file_location("job_bench", BENCH)
    module = importlib.util.module_from_spec(spec)
    sys.modules["job_bench"] = module
    spec.loader.exec_module(module)
    yield module
    sys.modules.pop("job_bench", None)


def test_stage_times_come_from_the_first_event_of_each_stage(job_bench):
    origin = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)

    def event(kind, seconds, stage=None):
        return {
            "type": kind,
            "payload": {"stage": stage} if stage else {},
            "created_at": origin + timedelta(seconds=seconds),
        }

    events = [
        event("created", 0.01),
        event("launched", 0.05),
        event("attempt_started", 2.0),
        event("progress", 2.1, "downloading"),
        event("progress", 2.3, "analyzing"),
        event("progress", 6.0, "selecting"),
        event("progress", 6.2, "generating"),
        event("progress", 10.2, "generating"),  # a heartbeat: not a new stage
        event("progress", 11.0, "finalizing"),
        event("completed", 11.5),
    ]
    times = job_bench.stage_times(events, origin.timestamp())
    assert times == {
        "launch": 0.05,
        "startup": 1.95,
        "initializing": 0.1,
        "downloading": 0.2,
        "analyzing": 3.7,
        "selecting": 0.2,
        "generating": 4.8,
        "finalizing": 0.5,
    }


def test_the_docs_section_is_replaced_in_place_or_appended(job_bench, tmp_path):
    docs = tmp_path / "benchmarks.md"
    docs.write_text("# Benchmarks\n\n## Ledger\n\ntext\n")
    job_bench.write_docs(f"{job_bench.DOCS_SECTION}\n\nfirst\n", docs)
    assert docs.read_text() == f"# Benchmarks\n\n## Ledger\n\ntext\n\n{job_bench.DOCS_SECTION}\n\nfirst\n"
    docs.write_text(docs.read_text() + "\n## API\n\nkept\n")
    job_bench.write_docs(f"{job_bench.DOCS_SECTION}\n\nsecond\n", docs)
    text = docs.read_text()
    assert "first" not in text and "second" in text
    assert text.index("## Ledger") < text.index(job_bench.DOCS_SECTION) < text.index("## API")
    assert text.endswith("## API\n\nkept\n")


def test_a_missing_library_is_refused_with_a_clear_message(job_bench, tmp_path, capsys):
    assert job_bench.main(["--library", str(tmp_path / "nowhere")]) == 2
    message = capsys.readouterr().err
    assert "the move library is not at" in message and "MOVELIB_DIR" in message


def test_the_legacy_method_fills_every_slot_and_muxes_the_song(job_bench, demo_library_dir, tmp_path):
    song = job_bench.make_song(tmp_path / "song.mp3", seconds=6.0)
    index = tmp_path / "move_index.json"
    clips = json.loads((demo_library_dir / "annotations.json").read_text())["clips"][:3]
    index.write_text(
        json.dumps(
            {"embeddings": [{"clip_id": c["clip_id"], "source_video_path": c["video_path"]} for c in clips]}
        )
    )
    # three slots of the plan, as the job reports them (clip, song start, song end)
    moves = [
        {"clip": clips[0]["clip_id"], "start": 0.0, "end": 1.5},
        {"clip": clips[1]["clip_id"], "start": 1.5, "end": 4.0},
        {"clip": clips[2]["clip_id"], "start": 4.0, "end": 6.0},
    ]
    spec = job_bench.legacy_spec(moves, index, demo_library_dir, song, tmp_path / "legacy.mp4")
    assert spec["slots"][1]["clip"] == str(demo_library_dir / clips[1]["video_path"])
    spec["size"] = [320, 180]  # the real size (1280x720) only costs time here
    outcome = job_bench.legacy_render(spec)
    assert outcome["frames"] == round(6.0 * job_bench.LEGACY_FPS)
    assert outcome["audio"] == "copied mp3"
    assert outcome["peak_rss_kb"] > 0
    with av.open(str(tmp_path / "legacy.mp4")) as result:
        video = result.streams.video[0]
        assert (video.codec_context.width, video.codec_context.height) == (320, 180)
        assert result.streams.audio[0].codec_context.codec.canonical_name == "mp3"
        assert abs(float(result.duration / av.time_base) - 6.0) < 0.2


def test_clip_ids_carried_by_several_clips_are_found(job_bench, tmp_path):
    index = tmp_path / "move_index.json"
    documents = [
        {"clip_id": "paseala", "source_video_path": "arm_styling/paseala.mp4"},
        {"clip_id": "basic", "source_video_path": "basic/basic.mp4"},
        {"clip_id": "paseala", "source_video_path": "bolero/paseala.mp4"},
    ]
    index.write_text(json.dumps({"embeddings": documents}))
    assert job_bench.duplicate_clip_ids(index) == {
        "paseala": ["arm_styling/paseala.mp4", "bolero/paseala.mp4"]
    }


def test_the_high_water_mark_is_read_from_proc_and_none_once_a_process_is_gone(job_bench):
    import os
    import subprocess

    assert job_bench.high_water_kb(os.getpid()) > 1000
    done = subprocess.Popen([sys.executable, "-c", "pass"])
    done.wait()
    assert job_bench.high_water_kb(done.pid) is None


def _run(end_to_end, startup=0.5, rss=300.0, generating=0.3):
    return {
        "end_to_end_s": end_to_end,
        "peak_rss_mb": rss,
        "stages": {"startup": startup, "generating": generating},
    }


def test_the_summary_judges_the_issue_targets(job_bench):
    report = {
        "cold": _run(9.0),
        "warm_new_song": [_run(2.9), _run(3.1), _run(2.8)],
        "warm_wav_song": [_run(3.4), _run(3.6), _run(3.3)],
        "warm_seen_song": [_run(2.0)],
        "legacy": [{"wall_s": 24.0, "peak_rss_mb": 80.0}],
        "startup": {
            "warm_numba_cache": {"interpreter_s": 0.02, "django_setup_s": 0.4, "job_imports_s": 0.05}
        },
        "fresh_analysis": {"median_s": 1.3},
    }
    summary = job_bench.summarise(report)
    assert (summary["warm_new_song_s"], summary["warm_wav_song_s"], summary["speedup"]) == (2.9, 3.4, 8.3)
    assert summary["targets"] == {
        "warm_end_to_end": True,
        "warm_wav_end_to_end": True,
        "speedup": True,
        "startup": True,
        "analysis": False,  # 1.3 s > 1.2 s
        "cold": True,
        "peak_rss": True,
    }
    report["warm_new_song"][0]["peak_rss_mb"] = 450.0
    report["cold"]["end_to_end_s"] = 12.0
    missed = job_bench.summarise(report)["targets"]
    assert not missed["peak_rss"] and not missed["cold"]


def test_import_offenders_sum_the_job_paths_imports_by_package(job_bench, tmp_path):
    offenders = job_bench.import_offenders(tmp_path / "numba")
    packages = dict(offenders["packages"])
    assert "django" in packages and offenders["total_s"] >= sum(packages.values()) > 0


def test_the_bytecode_check_covers_the_job_path_and_says_what_it_compiled(job_bench):
    found = job_bench.bytecode_check()
    assert found["checked"] > 200 and all(path.endswith(".py") for path in found["missing"])
    assert "Bytecode: all 680 modules" in job_bench._bytecode_note(
        {"bytecode": {"checked": 680, "missing_before": 0, "compiled": 0, "missing_after": 0, "examples": []}}
    )
    note = job_bench._bytecode_note(
        {
            "bytecode": {
                "checked": 680,
                "missing_before": 412,
                "compiled": 412,
                "missing_after": 0,
                "examples": ["/venv/django/db/models/base.py"],
            }
        }
    )
    assert "412 of the 680 modules" in note and "base.py" in note and "compiled 412" in note


def test_the_fresh_process_analysis_runs_the_analyze_command_and_counts_its_cpu(job_bench, tmp_path):
    song = job_bench.make_song(tmp_path / "song.mp3", seconds=12.0, bpm=128.0)
    fresh = job_bench.fresh_analysis(song, tmp_path / "numba", runs=1)
    assert len(fresh["runs"]) == len(fresh["cpu_runs"]) == 1
    assert fresh["median_cpu_s"] > 0 and fresh["median_s"] > 0
    bpm, beats = fresh["bpm_beats"].split()
    assert abs(float(bpm) - 128.0) < 2 and int(beats) > 15
