"""Reads on instructors' class plans. Every read is scoped to the instructor: another's plan does not exist."""

import math
from itertools import pairwise
from typing import Any

from django.db.models import Count, F, FloatField, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum, Value
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
    return plans.annotate(sequence_count=_sequence_count(), total_seconds=_total_seconds()).order_by(
        "-created_at", "-id"
    )


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


def _total_seconds():
    """Seconds the plan's sequences take: each one's estimated time, or its video's length without one (the
    summary's rule, so the list and the summary agree)."""
    seconds = Coalesce(
        F("estimated_time") * Value(60.0),
        F("choreography__duration"),
        Value(0.0),
        output_field=FloatField(),
    )
    totals = (
        ClassPlanSequence.objects.filter(class_plan=OuterRef("pk"))
        .order_by()
        .values("class_plan")
        .annotate(s=Sum(seconds))
        .values("s")
    )
    return Coalesce(Subquery(totals, output_field=FloatField()), Value(0.0))


def total_minutes(seconds: float) -> int:
    # round(…, 6) first so that float noise (e.g. 60.00000000001 s) does not add a minute.
    return math.ceil(round(seconds / 60, 6))


def _sequences_with_choreography() -> QuerySet[ClassPlanSequence]:
    return ClassPlanSequence.objects.select_related("choreography").order_by("sequence_order")


def class_plan_get_for_instructor(instructor, plan_id) -> ClassPlan | None:
    """The plan with its ordered sequences and their choreographies prefetched (two queries)."""
    return (
        ClassPlan.objects.filter(instructor=instructor, pk=plan_id)
        .annotate(sequence_count=_sequence_count(), total_seconds=_total_seconds())
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
    minutes = total_minutes(planned_minutes * 60 + unplanned_seconds)
    ranks = [DIFFICULTY_RANK.get(value, 0) for value in progression]
    return {
        "total_sequences": len(sequences),
        "total_time_minutes": minutes,
        "total_video_seconds": round(video_seconds, 2),
        "difficulty_progression": progression,
        "is_progressive": all(a <= b for a, b in pairwise(ranks)),
        "estimated_duration": plan.estimated_duration,
        "recommendations": _recommendations(plan, sequences, progression, ranks, minutes),
    }


def _recommendations(plan, sequences, progression, ranks, minutes) -> list[str]:
    """Advice for the instructor, in the words the web app shows."""
    if not sequences:
        return ["Add choreographies from your collection to build this class."]
    advice = []
    for position, (before, after) in enumerate(pairwise(ranks), start=2):
        if after < before:
            advice.append(
                f"Sequence {position} ({progression[position - 1]}) comes after a harder one "
                f"({progression[position - 2]}): move it earlier so that the class builds up."
            )
            break
    level = DIFFICULTY_RANK.get(plan.difficulty_level, 0)
    harder = [str(n) for n, rank in enumerate(ranks, start=1) if rank > level]
    if harder:
        which = "Sequence " + harder[0] if len(harder) == 1 else "Sequences " + ", ".join(harder)
        advice.append(
            f"{which} {'is' if len(harder) == 1 else 'are'} harder than the class's {plan.difficulty_level} level."
        )
    planned = plan.estimated_duration
    if planned and minutes > planned:
        advice.append(
            f"The sequences take {minutes} min, more than the {planned} min planned: shorten or remove one."
        )
    elif planned and minutes * 2 < planned:
        advice.append(
            f"The sequences fill {minutes} of the {planned} min planned: there is room for another "
            "choreography or more practice time."
        )
    unplanned = sum(1 for sequence in sequences if sequence.estimated_time is None)
    if unplanned:
        advice.append(
            f"{unplanned} sequence{'s have' if unplanned > 1 else ' has'} no estimated time, so only the video's "
            "length counts: add time for teaching and practice."
        )
    return advice


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
