"""One choreography task, end to end, reported through the ledger (`python -m videojob` in job mode).

downloading → analyzing → selecting → generating → finalizing → completed, with the legacy stage names.
Exit status tells the platform whether to retry: permanent failures (bad audio, nothing to match) are
recorded as `failed` and exit 0; transient ones (database, storage, network) exit 1 so that Cloud Run starts
the next attempt — on the last attempt, or locally where nothing retries, they are recorded as `failed`
(retryable) first. Every path removes the job's temporary files.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
import signal
import tempfile
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

from bachata.choreography.models import ChoreographyTask
from bachata.collections.models import SavedChoreography, saved_choreography_id_for_task
from bachata.moves.interface import MoveIndexUnavailable
from bachata.moves.vocabulary import move_name
from bachata.songs.models import LibrarySong
from bachata.songs.selectors import SONGS_PREFIX, title_from_filename
from bachata.storage import get_storage, legacy_output_key
from bachata.users.models import User
from django.conf import settings
from django.db import DatabaseError

from .acquire import AcquisitionError, AcquisitionLimits, acquire_audio
from .errors import AnalysisError, PlanningError, RenderError
from .job_config import JobConfig
from .library import LibraryError
from .reporter import JobCancelled, TaskGone, TaskReporter

if TYPE_CHECKING:
    from .pipeline import ChoreographyResult

# numpy, PyAV, the analysis, the planner and the renderer are imported in _make_and_publish, once
# `attempt_started` and `downloading` are recorded: a fresh process tells the task it has started within a
# second.

logger = logging.getLogger("videojob")
STAGE_PERCENT = {"downloading": 10, "analyzing": 25, "selecting": 40, "generating": 70, "finalizing": 90}
EXIT_DONE, EXIT_RETRY = 0, 1
WORKDIR_PREFIX = "videojob-"
# A job's working directory untouched this long belongs to a job that died without cleaning up (SIGKILL,
# OOM): a live job writes into it at least every few minutes (downloads end by their deadline).
STALE_WORKDIR_SECONDS = 60 * 60
UNKNOWN_FAILURE = "Video generation failed"


class TransientFailure(Exception):
    """Worth another attempt: the database, storage or network let us down."""


def run_job(config: JobConfig) -> int:
    reporter = TaskReporter(config.task_id, config.execution)
    # Cloud Run's cancel_execution and the local launcher's cancel send SIGTERM: stop as for a cancellation.
    in_main_thread = threading.current_thread() is threading.main_thread()
    previous_handler = (
        signal.signal(signal.SIGTERM, lambda *_: reporter.cancel_event.set()) if in_main_thread else None
    )
    uploaded: list[str] = []
    try:
        reporter.start()
        remove_stale_workdirs()  # after `attempt_started`: a temp folder full of old jobs must not delay it
        with tempfile.TemporaryDirectory(prefix=f"{WORKDIR_PREFIX}{config.task_id[:8]}-") as workdir:
            result = _make_and_publish(config, reporter, Path(workdir), uploaded)
        reporter.completed(result)
        return EXIT_DONE
    except JobCancelled:
        return _stopped(config, reporter, uploaded)
    except TaskGone as gone:
        logger.info("task %s: nothing to do (%s)", config.task_id, gone)
        _remove(uploaded)
        return EXIT_DONE
    except AcquisitionError as exc:
        if reporter.should_stop():  # the download was cut short because the job is being stopped
            return _stopped(config, reporter, uploaded)
        if exc.permanent:
            return _permanent(reporter, exc.message)
        return _transient(config, reporter, exc.message)
    except AnalysisError as exc:
        return _permanent(reporter, f"Music analysis failed: {exc}")
    except PlanningError as exc:
        return _permanent(reporter, f"Move selection failed: {exc}")
    except (RenderError, LibraryError) as exc:
        return _permanent(reporter, f"Video generation failed: {exc}")
    except (TransientFailure, MoveIndexUnavailable, DatabaseError, OSError, ConnectionError) as exc:
        _remove(uploaded)
        return _transient(config, reporter, f"Video generation failed: {exc}")
    except Exception:
        # Anything else is a defect: the task still ends, readably; the details are for the log only.
        logger.exception("task %s: unexpected error", config.task_id)
        _remove(uploaded)
        return _unknown_failure(reporter)
    finally:
        if in_main_thread:
            signal.signal(signal.SIGTERM, previous_handler)
        reporter.close()


def _make_and_publish(config: JobConfig, reporter: TaskReporter, workdir: Path, uploaded: list[str]) -> dict:
    started = time.perf_counter()
    storage = get_storage()
    reporter.stage("downloading", STAGE_PERCENT["downloading"])
    from .move_search import job_move_index
    from .pipeline import default_cache_dir, make_choreography, resolve_library
    from .planner import PlanRequest
    from .render import prepare_song_audio

    def open_storage_key(key: str) -> Path:
        local = storage.local_path(key)
        if local is not None:
            if not local.exists():
                raise FileNotFoundError(key)
            return local
        target = workdir / Path(key).name
        with storage.open(key) as source, open(target, "wb") as out:
            while chunk := source.read(1 << 20):
                out.write(chunk)
        return target

    audio = acquire_audio(
        config.audio_input,
        workdir / "audio",
        limits=AcquisitionLimits.from_environment(),
        open_storage_key=open_storage_key,
        cancel_event=reporter.cancel_event,
    )
    reporter.check_cancelled()
    # a WAV/FLAC/OGG song's AAC encoding (seconds) runs alongside the analysis instead of after the planning
    prepare_song_audio(audio.path, default_cache_dir())
    cache_dir = default_cache_dir()
    library = resolve_library(settings.VIDEOJOB_LIBRARY or None, cache_dir)
    request = PlanRequest(
        difficulty=config.difficulty,
        energy_level=config.energy_level,
        style=config.style or None,
        seed=int(hashlib.sha256(config.task_id.encode()).hexdigest()[:8], 16),
    )
    video, thumbnail = workdir / "choreography.mp4", workdir / "thumbnail.jpg"
    made = make_choreography(
        audio.path,
        video,
        library,
        request,
        thumbnail_path=thumbnail,
        cache_dir=cache_dir,
        on_stage=lambda stage: reporter.stage(stage, STAGE_PERCENT[stage]),
        move_index=job_move_index(library),
    )
    reporter.stage("finalizing", STAGE_PERCENT["finalizing"])
    _remember_library_song(config.audio_input, made)
    task = ChoreographyTask.objects.filter(pk=config.task_id).first()
    if task is None:
        raise TaskGone("the task was deleted")  # the legacy app's cancel and purge delete rows
    # One key per task (stable across attempts, never another task's), under the legacy date prefixes.
    month = task.created_at.strftime("%Y/%m")
    video_key = f"choreographies/{month}/{config.task_id}.mp4"
    thumbnail_key = f"thumbnails/{month}/{config.task_id}.jpg" if made.render.thumbnail_path else None
    try:
        with open(video, "rb") as content:
            storage.save(video_key, content, "video/mp4")
        uploaded.append(video_key)
        # The parallel run: the legacy app's video lookup finds it under output/user_<id>/ (docs/architecture.md).
        uploaded.append(storage.alias(video_key, legacy_output_key(task.user_id, video_key)))
        if thumbnail_key:
            with open(thumbnail, "rb") as content:
                storage.save(thumbnail_key, content, "image/jpeg")
            uploaded.append(thumbnail_key)
    except Exception as exc:  # storage adapters raise their own errors: all worth another attempt
        raise TransientFailure(f"could not store the video ({exc})") from exc
    reporter.check_cancelled()
    saved_id = _auto_save(config, task, made, video_key, thumbnail_key)
    return _result(config, made, video_key, thumbnail_key, saved_id, time.perf_counter() - started)


def _remember_library_song(audio_input: str, made: ChoreographyResult) -> None:
    """A library song's duration and BPM, now known, for GET /api/songs."""
    if audio_input.startswith(SONGS_PREFIX):
        measured = {"duration": round(made.analysis.duration, 3), "bpm": round(made.analysis.bpm, 2)}
        LibrarySong.objects.update_or_create(
            key=audio_input,
            defaults=measured,  # a title someone set is kept
            create_defaults={**measured, "title": title_from_filename(audio_input)},
        )


def _auto_save(
    config: JobConfig, task, made: ChoreographyResult, video_key: str, thumbnail_key
) -> str | None:
    """Save to the user's collection when their preference says so — exactly once per task, whatever
    the number of attempts (the row's id is derived from the task id)."""
    user = User.objects.get(pk=task.user_id)
    if not user.auto_save_choreographies:
        return None
    from bachata.choreography.selectors import task_parameters

    params = task_parameters(config.task_id)
    title = params.get("song_title") or Path(config.audio_input.split("?")[0]).stem.replace("_", " ").title()
    item, _ = SavedChoreography.objects.get_or_create(
        pk=saved_choreography_id_for_task(config.task_id),
        defaults={
            "user": user,
            "title": (title or "My choreography")[:200],
            "video_path": video_key,
            "thumbnail": thumbnail_key,  # the legacy thumbnail_path stays NULL (legacy <img src>)
            "difficulty": config.difficulty,
            "duration": round(made.render.duration, 3),
            "music_info": {
                "source": config.audio_input,
                "title": title,
                "difficulty": config.difficulty,
                "bpm": round(made.analysis.bpm, 2),
            },
            "generation_parameters": {
                "task_id": config.task_id,
                "difficulty": config.difficulty,
                "energy_level": config.energy_level,
                "style": config.style,
                "audio_input": config.audio_input,
            },
        },
    )
    return str(item.pk)


def _result(config, made: ChoreographyResult, video_key, thumbnail_key, saved_id, seconds) -> dict:
    segments = made.plan.segments
    return {
        # The legacy keys
        "video_path": video_key,
        "video_filename": Path(video_key).name,
        "processing_time": round(seconds, 3),
        "sequence_duration": round(made.render.duration, 3),
        "moves_analyzed": len({s.clip_id for s in segments}),
        "metadata_path": None,  # legacy key: no separate metadata file, the plan is in this result (moves)
        "saved_choreography_id": saved_id,
        "auto_saved": saved_id is not None,
        # The API contract's keys
        "video_url": f"/api/choreography/tasks/{config.task_id}/video",
        "duration": round(made.render.duration, 3),
        "moves_count": len(segments),
        "thumbnail_path": thumbnail_key,
        "moves": [
            {
                "clip": s.clip_id,
                "move": s.move_label,
                "start": round(s.song_start, 3),
                "end": round(s.song_end, 3),
                "rate": round(s.rate, 4),
                "label": move_name(s.move_label),
            }
            for s in segments
        ],
        "timing": _timing(made),
        "musicality": made.musicality.to_dict(),
        "plan_notes": list(made.plan.notes),
        "timings": {name: round(value, 3) for name, value in made.timings.items()},
    }


def remove_stale_workdirs(now: float | None = None) -> list[Path]:
    """Working directories of jobs that were killed (their `finally` never ran), left in the temp folder."""
    now = now if now is not None else time.time()
    removed = []
    for folder in Path(tempfile.gettempdir()).glob(f"{WORKDIR_PREFIX}*"):
        try:
            newest = max(
                [folder.stat().st_mtime, *(p.stat().st_mtime for p in folder.rglob("*"))], default=now
            )
        except OSError:
            continue
        if folder.is_dir() and now - newest > STALE_WORKDIR_SECONDS:
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    if removed:
        logger.info("removed %d stale job working directories", len(removed))
    return removed


def _unknown_failure(reporter: TaskReporter) -> int:
    try:
        reporter.failed(UNKNOWN_FAILURE, retryable=True)
    except (JobCancelled, TaskGone):
        reporter.cancelled()
    except Exception:
        logger.exception("could not record the failure")
    return EXIT_DONE


def _timing(made: ChoreographyResult) -> dict:
    """The beat grid the practice player needs, in video seconds. The video's time is the song's time: the
    plan covers the song from 0 s, the renderer puts each segment at its song_start and muxes the song's audio
    from its first sample, so the analysis's times apply to the video unchanged."""
    analysis = made.analysis
    return {
        "bpm": round(analysis.bpm, 2),
        "beats": [round(t, 3) for t in analysis.beat_times],
        "downbeats": [round(t, 3) for t in analysis.downbeat_times],
        "phrase_starts": [round(t, 3) for t in analysis.phrase_starts],
    }


def _stopped(config: JobConfig, reporter: TaskReporter, uploaded: list[str]) -> int:
    _remove(uploaded)
    if not reporter.cancelled():
        # Stopped (SIGTERM) without a cancellation request: the platform is shutting us down.
        return _transient(config, reporter, "Video generation failed: the job was stopped before it finished")
    return EXIT_DONE


def _permanent(reporter: TaskReporter, error: str) -> int:
    try:
        reporter.failed(error, retryable=False)
    except (JobCancelled, TaskGone):
        reporter.cancelled()
    return EXIT_DONE


def _transient(config: JobConfig, reporter: TaskReporter, error: str) -> int:
    last_try = not config.on_cloud_run or config.platform_attempt + 1 >= config.max_platform_attempts
    if last_try:
        try:
            reporter.failed(error, retryable=True)
        except (JobCancelled, TaskGone):  # a cancellation came first: that is how the task ends
            reporter.cancelled()
            return EXIT_DONE
        except Exception:  # the database may be what failed: the reaper will time the task out
            logger.exception("task %s: could not record the failure", config.task_id)
    else:
        logger.warning("task %s: %s; exiting for another attempt", config.task_id, error)
    return EXIT_RETRY


def _remove(keys: list[str]) -> None:
    if not keys:
        return
    storage = get_storage()
    for key in keys:
        try:
            storage.delete(key)
        except Exception:
            logger.exception("could not remove %s", key)
