"""Reads on a user's collection (the legacy saved_choreographies table)."""

from django.db.models import Avg, Count, Q, Sum

from bachata.choreography.models import ChoreographyTask

from .models import SavedChoreography

SORT_FIELDS = {"created_at", "title", "difficulty", "duration"}


def collection_for_user(user, *, search: str = "", difficulty: str = "", ordering: str = "-created_at"):
    items = SavedChoreography.objects.filter(user=user)
    if search:
        # music_info is jsonb: its text form covers the song title, source and tempo the legacy app stored.
        items = items.filter(Q(title__icontains=search) | Q(music_info__icontains=search))
    if difficulty:
        items = items.filter(difficulty=difficulty)
    field = ordering.lstrip("-")
    if field not in SORT_FIELDS:
        field, ordering = "created_at", "-created_at"
    return items.order_by(ordering, "-created_at" if field != "created_at" else "id")


def collection_item_for_user(user, item_id) -> SavedChoreography | None:
    return SavedChoreography.objects.filter(user=user, pk=item_id).first()


def collection_item_practice(item: SavedChoreography) -> dict:
    """The beat grid and the moves the practice player needs, from the task that made this item: the one its
    generation_parameters.task_id names, or the one whose result names the item. Legacy rows (no such task, a
    purged task, or a result from before the grid was recorded) get None for each."""
    task_id = (item.generation_parameters or {}).get("task_id")
    tasks = ChoreographyTask.objects.filter(user_id=item.user_id, status="completed")
    task = tasks.filter(pk=task_id).first() if isinstance(task_id, str) and task_id else None
    if task is None:
        task = tasks.filter(result__saved_choreography_id=str(item.pk)).first()
    result = task.result if task is not None and isinstance(task.result, dict) else {}
    timing, moves = result.get("timing"), result.get("moves")
    return {
        "timing": timing if isinstance(timing, dict) and timing.get("beats") else None,
        "moves": moves if isinstance(moves, list) and moves else None,
    }


def collection_item_for_task(user, task_id: str) -> SavedChoreography | None:
    """The collection item saved from this task, by the legacy auto-save or a manual save."""
    return SavedChoreography.objects.filter(user=user, generation_parameters__task_id=task_id).first()


def collection_stats(user) -> dict:
    """The legacy stats keys."""
    totals = SavedChoreography.objects.filter(user=user).aggregate(
        total_count=Count("id"),
        total_duration=Sum("duration"),
        avg_duration=Avg("duration"),
        beginner_count=Count("id", filter=Q(difficulty="beginner")),
        intermediate_count=Count("id", filter=Q(difficulty="intermediate")),
        advanced_count=Count("id", filter=Q(difficulty="advanced")),
    )
    totals["total_duration"] = round(totals["total_duration"] or 0.0, 2)
    totals["avg_duration"] = round(totals["avg_duration"] or 0.0, 2)
    return totals


def stored_file_in_use(path: str, *, excluding_ids) -> bool:
    """Whether another collection item still plays this video or shows this thumbnail."""
    return (
        SavedChoreography.objects.filter(Q(video_path=path) | Q(thumbnail=path))
        .exclude(pk__in=excluding_ids)
        .exists()
    )
