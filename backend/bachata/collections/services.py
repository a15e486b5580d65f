"""Writes on a user's collection. Stored files are removed after commit, and only when nothing else uses them."""

from django.db import transaction

from bachata.api.errors import ApiError, Conflict
from bachata.choreography.models import ChoreographyTask
from bachata.choreography.selectors import task_parameters
from bachata.storage import legacy_output_key

from . import selectors
from .models import SavedChoreography, saved_choreography_id_for_task

CHOREOGRAPHIES_PREFIX = "choreographies/"  # the new layout (legacy rows point at output/user_<id>/…)


def collection_item_from_task(
    *, user, task_id: str, title: str, difficulty: str | None = None
) -> SavedChoreography:
    task = ChoreographyTask.objects.filter(pk=task_id, user=user).first()
    if task is None:
        raise ApiError("Task not found.", code="not_found", status_code=404)
    if task.status != "completed" or not (task.result or {}).get("video_path"):
        raise Conflict("Only a finished choreography can be saved.", code="task_not_completed")
    existing = selectors.collection_item_for_task(user, task_id)
    if existing is not None:
        raise Conflict(
            "This choreography is already in your collection.",
            code="already_saved",
            fields={"id": [str(existing.pk)]},
        )
    params = task_parameters(task_id)
    result = task.result
    difficulty = difficulty or params.get("difficulty") or "intermediate"
    with transaction.atomic():
        item, created = SavedChoreography.objects.get_or_create(
            pk=result.get("saved_choreography_id") or saved_choreography_id_for_task(task_id),
            defaults={
                "user": user,
                "title": title,
                "video_path": result["video_path"],
                "thumbnail": result.get("thumbnail_path"),
                "difficulty": difficulty,
                "duration": float(result.get("duration") or result.get("sequence_duration") or 0.0),
                "music_info": {
                    "source": params.get("audio_input") or params.get("song_id") or "",
                    "title": params.get("song_title", ""),
                    "difficulty": difficulty,
                    "bpm": (result.get("musicality") or {}).get("bpm"),
                },
                "generation_parameters": {
                    "task_id": task_id,
                    "difficulty": params.get("difficulty", difficulty),
                    "energy_level": params.get("energy_level"),
                    "style": params.get("style"),
                    "audio_input": params.get("audio_input"),
                },
            },
        )
    if not created:
        raise Conflict(
            "This choreography is already in your collection.",
            code="already_saved",
            fields={"id": [str(item.pk)]},
        )
    return item


def collection_item_update(*, item: SavedChoreography, data: dict) -> SavedChoreography:
    fields = [name for name in ("title", "difficulty") if name in data]
    for name in fields:
        setattr(item, name, data[name])
    if fields:
        item.save(update_fields=fields)
    return item


def collection_items_delete(*, user, items) -> int:
    """Delete collection items; their video and thumbnail files go after commit unless another item uses them."""
    items = list(items)
    if not items:
        return 0
    ids = [item.pk for item in items]
    files = {item.video_path.name for item in items} | {
        item.thumbnail.name for item in items if item.thumbnail
    }
    # The alias the job published for the legacy video lookup goes with a new-layout video.
    files |= {
        legacy_output_key(item.user_id, item.video_path.name)
        for item in items
        if item.video_path.name.startswith(CHOREOGRAPHIES_PREFIX)
    }
    with transaction.atomic():
        SavedChoreography.objects.filter(user=user, pk__in=ids).delete()
        orphans = [
            path for path in files if path and not selectors.stored_file_in_use(path, excluding_ids=ids)
        ]
        transaction.on_commit(lambda: _delete_files(orphans))
    return len(ids)


def _delete_files(paths: list[str]) -> None:
    from .media import stored_files_delete

    stored_files_delete(paths)
