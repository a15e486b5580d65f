"""Reads on instructors' class plans. Every read is scoped to the instructor: another's plan does not exist."""

import math
from itertools import pairwise
from typing import Any

from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from bachata.collections.models import SavedChoreography
from bachata.vocabulary import Difficulty

from .models import ClassPlan, ClassPlanSequence

DIFFICULTY_RANK = {value: rank for rank, value in enumerate(Difficulty.values)}


def class_plans_for_instructor(
    instructor, *, difficulty_level: str | None = None, search: str | None = None
) -> QuerySet[ClassPlan]:
    """The instructor's plans, newest first, each with its `sequence_count` (one query, no N+1)."""
    plans = ClassPlan.objects.filter(instructor=instructor)
    if difficulty_level:
        plans = plans.filter(difficulty_level=difficulty_level)
    if search:
        plans = plans.filter(title__icontains=search)
    return plans.annotate(sequence_count=_sequence_count()).order_by("-created_at", "-id")


def _sequence_count():
    # A correlated subquery rather than JOIN + GROUP BY: the paginator's COUNT(*) can leave it out.
    counts = (
        ClassPlanSequence.objects.filter(class_plan=OuterRef("pk"))
        .order_by()
        .values("class_plan")
        .annotate(n=Count("id"))
        .values("n")
    )
    return Coalesce(Subquery(counts), 0)


def _sequences_with_choreography() -> QuerySet[ClassPlanSequence]:
    return ClassPlanSequence.objects.select_related("choreography").order_by("sequence_order")


def class_plan_get_for_instructor(instructor, plan_id) -> ClassPlan | None:
    """The plan with its ordered sequences and their choreographies prefetched (two queries)."""
    return (
        ClassPlan.objects.filter(instructor=instructor, pk=plan_id)
        .annotate(sequence_count=_sequence_count())
        .prefetch_related(Prefetch("sequences", queryset=_sequences_with_choreography()))
        .first()
    )


def class_plan_get_owned(instructor, plan_id) -> ClassPlan | None:
    """Just the plan row (no sequences), or None when it is not the instructor's."""
    return ClassPlan.objects.filter(instructor=instructor, pk=plan_id).first()


def class_plan_sequence_get(instructor, plan_id, sequence_id) -> ClassPlanSequence | None:
    return (
        _sequences_with_choreography()
        .filter(pk=sequence_id, class_plan_id=plan_id, class_plan__instructor=instructor)
        .first()
    )


def choreography_get_owned(*, user_id, choreography_id) -> SavedChoreography | None:
    return SavedChoreography.objects.filter(user_id=user_id, pk=choreography_id).first()


def _ordered_sequences(plan: ClassPlan) -> list[ClassPlanSequence]:
    # Uses the prefetched sequences when the plan came from class_plan_get_for_instructor.
    return list(plan.sequences.all())


def _summary_of(plan: ClassPlan, sequences: list[ClassPlanSequence]) -> dict[str, Any]:
    planned_minutes = 0
    unplanned_seconds = 0.0
    video_seconds = 0.0
    progression = []
    for sequence in sequences:
        duration = float(sequence.choreography.duration or 0.0)
        video_seconds += duration
        if sequence.estimated_time is None:
            unplanned_seconds += duration
        else:
            planned_minutes += sequence.estimated_time
        progression.append(sequence.choreography.difficulty)
    # round(…, 6) first so that float noise (e.g. 60.00000000001 s) does not add a minute.
    total_minutes = math.ceil(round(planned_minutes + unplanned_seconds / 60, 6))
    ranks = [DIFFICULTY_RANK.get(value, 0) for value in progression]
    return {
        "total_sequences": len(sequences),
        "total_time_minutes": total_minutes,
        "total_video_seconds": round(video_seconds, 2),
        "difficulty_progression": progression,
        "is_progressive": all(a <= b for a, b in pairwise(ranks)),
        "estimated_duration": plan.estimated_duration,
    }


def class_plan_summary(plan: ClassPlan) -> dict[str, Any]:
    """Totals and the difficulty progression (an empty plan counts as progressive)."""
    return _summary_of(plan, _ordered_sequences(plan))


def class_plan_export(plan: ClassPlan, instructor) -> dict[str, Any]:
    """Everything a printed class sheet needs, as plain data (the HTML page and the JSON share it)."""
    sequences = _ordered_sequences(plan)
    return {
        "plan": {
            "id": plan.id,
            "title": plan.title,
            "description": plan.description,
            "difficulty_level": plan.difficulty_level,
            "estimated_duration": plan.estimated_duration,
            "instructor_notes": plan.instructor_notes,
            "created_at": plan.created_at,
            "updated_at": plan.updated_at,
        },
        "instructor": {"username": instructor.username, "display_name": instructor.display_name},
        "sequences": [
            {
                "position": position,
                "choreography_id": sequence.choreography.id,
                "title": sequence.choreography.title,
                "difficulty": sequence.choreography.difficulty,
                "duration_seconds": float(sequence.choreography.duration or 0.0),
                "estimated_time": sequence.estimated_time,
                "notes": sequence.notes,
            }
            for position, sequence in enumerate(sequences, start=1)
        ],
        "summary": _summary_of(plan, sequences),
        "exported_at": timezone.now(),
    }


def instructor_dashboard(instructor) -> dict[str, Any]:
    """Counts over the instructor's plans and collection (four queries whatever the sizes)."""
    plans = ClassPlan.objects.filter(instructor=instructor)
    counts = plans.aggregate(
        total=Count("id"),
        **{value: Count("id", filter=Q(difficulty_level=value)) for value in Difficulty.values},
    )
    recent = plans.order_by("-updated_at", "-id").values("id", "title", "updated_at")[:5]
    return {
        "total_plans": counts["total"],
        "total_sequences": ClassPlanSequence.objects.filter(class_plan__instructor=instructor).count(),
        "plans_by_difficulty": {value: counts[value] for value in Difficulty.values},
        "recent_plans": list(recent),
        "total_choreographies": SavedChoreography.objects.filter(user=instructor).count(),
    }
