"""Writes on instructors' class plans and their sequences.

`class_plan_sequences` has a NON-deferrable UNIQUE(class_plan_id, sequence_order): PostgreSQL checks it row by
row, even in the middle of one UPDATE, so shifting or permuting orders in place can collide (the legacy
defect). Every write that changes orders therefore, inside one transaction holding the plan row FOR UPDATE:
  1. moves all of the plan's orders into a range disjoint from both the current and the final values
     (below min(current, 0)) with one UPDATE, then
  2. sets every final order (1..n) with one UPDATE … CASE.
Each statement maps distinct values to distinct values outside the range any other row holds at that moment,
so no row ever meets another's value. Orders come out 1-based and gapless, whatever the legacy rows held.
"""

from collections import Counter
from collections.abc import Sequence
from uuid import UUID

from django.db import transaction
from django.db.models import Case, F, IntegerField, Value, When
from django.utils import timezone

from bachata.api.errors import ApiError, Conflict

from .models import ClassPlan, ClassPlanSequence
from .selectors import choreography_get_owned

COPY_PREFIX = "Copy of "
TITLE_MAX = 200


def _plan_locked(plan_id) -> ClassPlan:
    locked = ClassPlan.objects.select_for_update().filter(pk=plan_id).first()
    if locked is None:
        raise ApiError("Class plan not found.", code="not_found", status_code=404)
    return locked


def _plan_touch(plan_id) -> None:
    ClassPlan.objects.filter(pk=plan_id).update(updated_at=timezone.now())


def _current_order(plan: ClassPlan) -> list[UUID]:
    return list(
        ClassPlanSequence.objects.filter(class_plan=plan)
        .order_by("sequence_order")
        .values_list("id", flat=True)
    )


def _sequences_renumber(plan: ClassPlan, final_orders: dict[UUID, int]) -> None:
    """Give the plan's sequences these orders in two collision-free statements. Caller holds the plan lock.

    `final_orders` must cover every sequence of the plan; if a row appeared meanwhile (a writer that does not
    lock the plan, such as the legacy app) the whole change is refused rather than left half done.
    """
    rows = ClassPlanSequence.objects.filter(class_plan=plan)
    current = dict(rows.values_list("id", "sequence_order"))
    if current == final_orders:
        return
    if set(current) != set(final_orders):
        raise Conflict("The class plan changed while it was being updated. Please try again.")
    low, high = min(current.values()), max(current.values())
    shift = high + 1 - min(low, 0)  # every value lands below `low` and at or below -1
    if rows.update(sequence_order=F("sequence_order") - shift) != len(final_orders):
        raise Conflict("The class plan changed while it was being updated. Please try again.")
    rows.filter(pk__in=list(final_orders)).update(
        sequence_order=Case(
            *[When(pk=pk, then=Value(order)) for pk, order in final_orders.items()],
            output_field=IntegerField(),
        )
    )


# ---- Plans ----


def class_plan_create(*, instructor, data: dict) -> ClassPlan:
    return ClassPlan.objects.create(instructor=instructor, **data)


@transaction.atomic
def class_plan_update(*, plan: ClassPlan, data: dict) -> ClassPlan:
    locked = _plan_locked(plan.pk)
    for name, value in data.items():
        setattr(locked, name, value)
    locked.save()
    return locked


@transaction.atomic
def class_plan_delete(*, plan: ClassPlan) -> None:
    # Locked, so no sequence can be added meanwhile; sequences go first (Django-side cascade: the legacy
    # FKs have no ON DELETE).
    _plan_locked(plan.pk).delete()


@transaction.atomic
def class_plan_duplicate(
    *, plan: ClassPlan, title: str | None = None, include_sequences: bool = True
) -> ClassPlan:
    """A new plan — titled `title`, or "Copy of <title>" (cut to 200 characters) — with copies of the
    sequences, orders 1..n (or none, when `include_sequences` is false)."""
    source = _plan_locked(plan.pk)  # a consistent set of sequences to copy
    copy = ClassPlan.objects.create(
        instructor_id=source.instructor_id,
        title=title or (COPY_PREFIX + source.title)[:TITLE_MAX],
        description=source.description,
        difficulty_level=source.difficulty_level,
        estimated_duration=source.estimated_duration,
        instructor_notes=source.instructor_notes,
    )
    if not include_sequences:
        return copy
    sequences = ClassPlanSequence.objects.filter(class_plan=source).order_by("sequence_order")
    ClassPlanSequence.objects.bulk_create(
        ClassPlanSequence(
            class_plan=copy,
            choreography_id=sequence.choreography_id,
            sequence_order=position,
            notes=sequence.notes,
            estimated_time=sequence.estimated_time,
        )
        for position, sequence in enumerate(sequences, start=1)
    )
    return copy


# ---- Sequences ----


@transaction.atomic
def class_plan_sequence_add(
    *,
    plan: ClassPlan,
    choreography_id: UUID,
    sequence_order: int | None = None,
    notes: str = "",
    estimated_time: int | None = None,
) -> ClassPlanSequence:
    """Add one of the instructor's own saved choreographies at the end, or at a 1-based position."""
    plan = _plan_locked(plan.pk)
    choreography = choreography_get_owned(user_id=plan.instructor_id, choreography_id=choreography_id)
    if choreography is None:
        message = "That choreography is not in your collection."
        raise ApiError(
            message, code="choreography_not_found", status_code=404, fields={"choreography_id": [message]}
        )
    order = _current_order(plan)
    last = len(order) + 1
    position = last if sequence_order is None else sequence_order
    if not 1 <= position <= last:
        message = f"Choose a position from 1 to {last}, or leave it out to add at the end."
        raise ApiError(message, code="invalid_position", fields={"sequence_order": [message]})
    order.insert(position - 1, None)
    _sequences_renumber(plan, {pk: i for i, pk in enumerate(order, start=1) if pk is not None})
    sequence = ClassPlanSequence.objects.create(
        class_plan=plan,
        choreography=choreography,
        sequence_order=position,
        notes=notes,
        estimated_time=estimated_time,
    )
    _plan_touch(plan.pk)
    return sequence


@transaction.atomic
def class_plan_sequence_update(*, sequence: ClassPlanSequence, data: dict) -> ClassPlanSequence:
    """Change the notes and/or the estimated time (the order changes through reorder)."""
    changes = {name: data[name] for name in ("notes", "estimated_time") if name in data}
    if not changes:
        return sequence
    if not ClassPlanSequence.objects.filter(pk=sequence.pk).update(**changes):
        raise ApiError("Sequence not found.", code="not_found", status_code=404)
    for name, value in changes.items():
        setattr(sequence, name, value)
    _plan_touch(sequence.class_plan_id)
    return sequence


@transaction.atomic
def class_plan_sequence_delete(*, sequence: ClassPlanSequence) -> None:
    """Remove the sequence and close the gap it leaves."""
    plan = _plan_locked(sequence.class_plan_id)
    deleted, _ = ClassPlanSequence.objects.filter(pk=sequence.pk, class_plan=plan).delete()
    if not deleted:  # removed meanwhile by another request
        raise ApiError("Sequence not found.", code="not_found", status_code=404)
    _sequences_renumber(plan, {pk: i for i, pk in enumerate(_current_order(plan), start=1)})
    _plan_touch(plan.pk)


@transaction.atomic
def class_plan_sequences_reorder(*, plan: ClassPlan, sequence_ids: Sequence[UUID]) -> ClassPlan:
    """Put the sequences in the given order: a permutation of all of the plan's sequence ids, nothing else."""
    plan = _plan_locked(plan.pk)
    current = _current_order(plan)
    repeated = sorted(str(pk) for pk, n in Counter(sequence_ids).items() if n > 1)
    unknown = sorted(str(pk) for pk in set(sequence_ids) - set(current))
    missing = [str(pk) for pk in current if pk not in set(sequence_ids)]
    problems = []
    if repeated:
        problems.append(f"Listed more than once: {', '.join(repeated)}.")
    if unknown:
        problems.append(f"Not sequences of this plan: {', '.join(unknown)}.")
    if missing:
        problems.append(f"Missing: {', '.join(missing)}.")
    if problems:
        raise ApiError(
            "List every sequence of this plan exactly once, in the new order.",
            code="invalid_order",
            fields={"sequence_ids": problems},
        )
    _sequences_renumber(plan, {pk: i for i, pk in enumerate(sequence_ids, start=1)})
    _plan_touch(plan.pk)
    return plan
