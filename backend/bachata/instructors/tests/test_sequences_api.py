"""Sequences of a class plan: add, edit, remove, reorder — never tripping UNIQUE(class_plan_id, sequence_order),
which the legacy table declares NOT deferrable."""

import uuid

import pytest
from django.db import IntegrityError, transaction
from django.db.models import F

from bachata.api.tests.assertions import assert_error
from bachata.instructors.models import ClassPlan, ClassPlanSequence

from .helpers import ids_in_order, orders_of, plan_url, sequence_url

pytestmark = pytest.mark.django_db


def add(client, plan, choreography, **body):
    body = {"choreography_id": str(choreography.pk), **body}
    return client.post(plan_url(plan, "/sequences"), body, format="json")


def reorder(client, plan, ids):
    return client.post(
        plan_url(plan, "/sequences/reorder"), {"sequence_ids": [str(i) for i in ids]}, format="json"
    )


def assert_gapless(plan):
    orders = [order for _, order in orders_of(plan)]
    assert orders == list(range(1, len(orders) + 1))


def api_order(client, plan) -> list[str]:
    return [s["id"] for s in client.get(plan_url(plan)).json()["sequences"]]


# ---- The premise: the legacy defect is real on this schema ----


def test_shifting_or_swapping_orders_in_place_collides_with_the_constraint(plan_with_sequences):
    plan, (first, second, _) = plan_with_sequences(3)
    with pytest.raises(IntegrityError), transaction.atomic():
        ClassPlanSequence.objects.filter(class_plan=plan).update(sequence_order=F("sequence_order") + 1)
    with pytest.raises(IntegrityError), transaction.atomic():  # the legacy one-row-at-a-time swap
        ClassPlanSequence.objects.filter(pk=first.pk).update(sequence_order=2)
        ClassPlanSequence.objects.filter(pk=second.pk).update(sequence_order=1)
    assert [order for _, order in orders_of(plan)] == [1, 2, 3]


# ---- Add ----


def test_add_appends_my_choreography_at_the_end(teacher, instructor, make_plan, make_choreography):
    plan = make_plan(instructor)
    basic = make_choreography(instructor, title="Basic", difficulty="intermediate", duration=75.5)
    response = add(teacher, plan, basic, notes="Count out loud", estimated_time=10)
    assert response.status_code == 201, response.content
    body = response.json()
    sequence = ClassPlanSequence.objects.get()
    assert body == {
        "id": str(sequence.pk),
        "sequence_order": 1,
        "notes": "Count out loud",
        "estimated_time": 10,
        "choreography": {
            "id": str(basic.pk),
            "title": "Basic",
            "difficulty": "intermediate",
            "duration": 75.5,
        },
    }
    second = add(teacher, plan, basic).json()  # the same choreography may come back later in the class
    assert (second["sequence_order"], second["notes"], second["estimated_time"]) == (2, "", None)
    assert_gapless(plan)


def test_add_touches_the_plan(teacher, instructor, make_plan, make_choreography):
    plan = make_plan(instructor)
    before = plan.updated_at
    add(teacher, plan, make_choreography(instructor))
    plan.refresh_from_db()
    assert plan.updated_at > before


@pytest.mark.parametrize("position", [1, 2, 3, 4])
def test_add_at_a_position_moves_the_later_sequences_down(
    teacher, instructor, plan_with_sequences, make_choreography, position
):
    plan, sequences = plan_with_sequences(3)
    response = add(teacher, plan, make_choreography(instructor), sequence_order=position)
    assert response.status_code == 201, response.content
    assert response.json()["sequence_order"] == position
    expected = [str(s.pk) for s in sequences]
    expected.insert(position - 1, response.json()["id"])
    assert ids_in_order(plan) == expected
    assert_gapless(plan)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"choreography_id": None}, "choreography_id"),
        ({"choreography_id": "not-a-uuid"}, "choreography_id"),
        ({"sequence_order": 0}, "sequence_order"),
        ({"sequence_order": -1}, "sequence_order"),
        ({"sequence_order": "first"}, "sequence_order"),
        ({"estimated_time": 0}, "estimated_time"),
        ({"estimated_time": 1441}, "estimated_time"),
        ({"notes": "x" * 10_001}, "notes"),
    ],
)
def test_add_refuses_invalid_fields(teacher, instructor, plan_with_sequences, make_choreography, body, field):
    plan, _ = plan_with_sequences(2)
    before = orders_of(plan)
    assert_error(add(teacher, plan, make_choreography(instructor), **body), 400, "invalid", field)
    assert orders_of(plan) == before


def test_add_requires_a_choreography(teacher, instructor, make_plan):
    plan = make_plan(instructor)
    response = teacher.post(plan_url(plan, "/sequences"), {}, format="json")
    assert_error(response, 400, "invalid", "choreography_id")


@pytest.mark.parametrize("position", [4, 10**12])
def test_add_refuses_a_position_past_the_end(
    teacher, instructor, plan_with_sequences, make_choreography, position
):
    plan, _ = plan_with_sequences(2)
    before = orders_of(plan)
    body = assert_error(
        add(teacher, plan, make_choreography(instructor), sequence_order=position),
        400,
        "invalid_position",
        "sequence_order",
    )
    assert body["message"] == "Choose a position from 1 to 3, or leave it out to add at the end."
    assert orders_of(plan) == before


def test_only_my_own_saved_choreographies_can_be_added(
    teacher, instructor, make_user, make_plan, make_choreography
):
    plan = make_plan(instructor)
    someone_elses = make_choreography(make_user(), title="Not mine")
    body = assert_error(add(teacher, plan, someone_elses), 404, "choreography_not_found", "choreography_id")
    assert body["message"] == "That choreography is not in your collection."
    missing = teacher.post(
        plan_url(plan, "/sequences"), {"choreography_id": str(uuid.uuid4())}, format="json"
    )
    assert_error(missing, 404, "choreography_not_found", "choreography_id")
    assert not ClassPlanSequence.objects.exists()


def test_add_to_an_unknown_plan_is_404(teacher, instructor, make_choreography):
    response = teacher.post(
        f"/api/instructors/class-plans/{uuid.uuid4()}/sequences",
        {"choreography_id": str(make_choreography(instructor).pk)},
        format="json",
    )
    assert_error(response, 404, "not_found")


# ---- Edit ----


def test_patch_changes_notes_and_estimated_time(teacher, plan_with_sequences):
    _, (first, *_) = plan_with_sequences(2)
    response = teacher.patch(
        sequence_url(first), {"notes": "Slow, then on tempo", "estimated_time": 8}, format="json"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["notes"], body["estimated_time"], body["sequence_order"]) == ("Slow, then on tempo", 8, 1)
    assert body["choreography"]["id"] == str(first.choreography_id)
    first.refresh_from_db()
    assert (first.notes, first.estimated_time) == ("Slow, then on tempo", 8)

    cleared = teacher.patch(sequence_url(first), {"estimated_time": None}, format="json").json()
    assert (cleared["notes"], cleared["estimated_time"]) == ("Slow, then on tempo", None)


def test_patch_does_not_move_the_sequence(teacher, plan_with_sequences):
    plan, (first, *_) = plan_with_sequences(2)
    before = orders_of(plan)
    assert teacher.patch(sequence_url(first), {"sequence_order": 2}, format="json").status_code == 200
    assert orders_of(plan) == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"estimated_time": 0}, "estimated_time"),
        ({"estimated_time": -3}, "estimated_time"),
        ({"estimated_time": 1441}, "estimated_time"),
        ({"estimated_time": "ten"}, "estimated_time"),
        ({"notes": None}, "notes"),
        ({"notes": "x" * 10_001}, "notes"),
    ],
)
def test_patch_refuses_invalid_values_and_changes_nothing(teacher, plan_with_sequences, body, field):
    _, (first, *_) = plan_with_sequences(1)
    ClassPlanSequence.objects.filter(pk=first.pk).update(notes="Keep", estimated_time=5)
    assert_error(teacher.patch(sequence_url(first), body, format="json"), 400, "invalid", field)
    first.refresh_from_db()
    assert (first.notes, first.estimated_time) == ("Keep", 5)


def test_a_sequence_is_only_reachable_through_its_own_plan(teacher, instructor, plan_with_sequences):
    plan, (first, *_) = plan_with_sequences(1)
    other, _ = plan_with_sequences(1)
    wrong = f"/api/instructors/class-plans/{other.pk}/sequences/{first.pk}"
    assert_error(teacher.patch(wrong, {"notes": "x"}, format="json"), 404, "not_found")
    assert_error(teacher.delete(wrong), 404, "not_found")
    assert_error(teacher.delete(f"{plan_url(plan)}/sequences/{uuid.uuid4()}"), 404)
    assert ClassPlanSequence.objects.filter(pk=first.pk, notes="").exists()


# ---- Remove ----


@pytest.mark.parametrize("index", [0, 2, 4])
def test_delete_closes_the_gap(teacher, plan_with_sequences, index):
    plan, sequences = plan_with_sequences(5)
    response = teacher.delete(sequence_url(sequences[index]))
    assert response.status_code == 204
    remaining = [str(s.pk) for i, s in enumerate(sequences) if i != index]
    assert orders_of(plan) == [(pk, n) for n, pk in enumerate(remaining, start=1)]
    assert_error(teacher.delete(sequence_url(sequences[index])), 404)


def test_deleting_the_last_sequence_leaves_an_empty_plan(teacher, plan_with_sequences):
    plan, (only,) = plan_with_sequences(1)
    assert teacher.delete(sequence_url(only)).status_code == 204
    assert teacher.get(plan_url(plan)).json()["sequences"] == []


# ---- Reorder ----


def test_reorder_reverses_the_plan(teacher, plan_with_sequences):
    plan, sequences = plan_with_sequences(5)
    wanted = [s.pk for s in reversed(sequences)]
    response = reorder(teacher, plan, wanted)
    assert response.status_code == 200, response.content
    assert [s["id"] for s in response.json()["sequences"]] == [str(pk) for pk in wanted]
    assert [s["sequence_order"] for s in response.json()["sequences"]] == [1, 2, 3, 4, 5]
    assert orders_of(plan) == [(str(pk), n) for n, pk in enumerate(wanted, start=1)]


def test_reorder_rotates_the_plan_both_ways(teacher, plan_with_sequences):
    plan, sequences = plan_with_sequences(6)
    ids = [s.pk for s in sequences]
    left = ids[1:] + ids[:1]
    assert reorder(teacher, plan, left).status_code == 200
    assert ids_in_order(plan) == [str(pk) for pk in left]
    right = ids[-1:] + ids[:-1]
    assert reorder(teacher, plan, right).status_code == 200
    assert ids_in_order(plan) == [str(pk) for pk in right]
    assert_gapless(plan)


def test_reorder_to_the_same_order_and_of_an_empty_plan_are_fine(
    teacher, instructor, make_plan, plan_with_sequences
):
    plan, sequences = plan_with_sequences(3)
    assert reorder(teacher, plan, [s.pk for s in sequences]).status_code == 200
    assert ids_in_order(plan) == [str(s.pk) for s in sequences]
    empty = make_plan(instructor)
    assert reorder(teacher, empty, []).json()["sequences"] == []


def test_reorder_touches_the_plan(teacher, plan_with_sequences):
    plan, sequences = plan_with_sequences(2)
    before = plan.updated_at
    reorder(teacher, plan, [sequences[1].pk, sequences[0].pk])
    plan.refresh_from_db()
    assert plan.updated_at > before


@pytest.mark.parametrize(
    ("build", "problem"),
    [
        (lambda ids, foreign: ids[:-1], "Missing: "),
        (lambda ids, foreign: [*ids, ids[0]], "Listed more than once: "),
        (lambda ids, foreign: [*ids[:-1], ids[0]], "Listed more than once: "),
        (lambda ids, foreign: [*ids, foreign], "Not sequences of this plan: "),
        (lambda ids, foreign: [*ids[:-1], foreign], "Not sequences of this plan: "),
        (lambda ids, foreign: [*ids, uuid.uuid4()], "Not sequences of this plan: "),
        (lambda ids, foreign: [], "Missing: "),
    ],
    ids=[
        "missing",
        "duplicate",
        "duplicate-instead-of-one",
        "extra",
        "foreign-instead-of-one",
        "unknown",
        "empty",
    ],
)
def test_reorder_refuses_anything_but_a_permutation_and_changes_nothing(
    teacher, plan_with_sequences, build, problem
):
    plan, sequences = plan_with_sequences(4)
    _, (foreign, *_) = plan_with_sequences(1)  # my own, but another plan's
    before = orders_of(plan)
    body = assert_error(
        reorder(teacher, plan, build([s.pk for s in sequences], foreign.pk)),
        400,
        "invalid_order",
        "sequence_ids",
    )
    assert body["message"] == "List every sequence of this plan exactly once, in the new order."
    assert any(message.startswith(problem) for message in body["fields"]["sequence_ids"]), body
    assert orders_of(plan) == before


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"sequence_ids": None},
        {"sequence_ids": "abc"},
        {"sequence_ids": ["not-a-uuid"]},
        {"sequence_ids": [1]},
    ],
)
def test_reorder_refuses_malformed_bodies(teacher, plan_with_sequences, body):
    plan, _ = plan_with_sequences(2)
    before = orders_of(plan)
    response = teacher.post(plan_url(plan, "/sequences/reorder"), body, format="json")
    assert_error(response, 400, field="sequence_ids")  # [1] reads as a UUID (DRF), then is not in the plan
    assert orders_of(plan) == before


# ---- Legacy rows: orders with gaps, 0-based, far apart ----


@pytest.mark.parametrize("stored", [[0, 1, 2], [3, 7, 50], [2, 3, 4], [-2, 0, 9]])
def test_legacy_orders_are_renumbered_from_1_by_every_change(
    teacher, instructor, make_plan, make_sequence, make_choreography, stored
):
    plan = make_plan(instructor)
    a, b, c = (make_sequence(plan, sequence_order=order) for order in stored)
    assert api_order(teacher, plan) == [str(a.pk), str(b.pk), str(c.pk)]

    assert reorder(teacher, plan, [c.pk, a.pk, b.pk]).status_code == 200
    assert orders_of(plan) == [(str(c.pk), 1), (str(a.pk), 2), (str(b.pk), 3)]

    ClassPlanSequence.objects.filter(pk=c.pk).update(sequence_order=stored[2] + 100)  # gaps again
    new = add(teacher, plan, make_choreography(instructor), sequence_order=2).json()
    assert ids_in_order(plan) == [str(a.pk), new["id"], str(b.pk), str(c.pk)]
    assert_gapless(plan)


def test_a_plan_changed_behind_our_back_is_refused_not_half_reordered(instructor, plan_with_sequences):
    """The renumbering covers every row of the plan; one it was not told about fails the whole change."""
    from bachata.api.errors import Conflict
    from bachata.instructors.services import _sequences_renumber

    plan, sequences = plan_with_sequences(3)
    before = orders_of(plan)
    with pytest.raises(Conflict), transaction.atomic():
        _sequences_renumber(plan, {sequences[1].pk: 1, sequences[0].pk: 2})
    assert orders_of(plan) == before


def test_deleting_a_plan_keeps_the_other_plans_sequences(teacher, plan_with_sequences):
    plan, _ = plan_with_sequences(2)
    other, other_sequences = plan_with_sequences(2)
    teacher.delete(plan_url(plan))
    assert not ClassPlan.objects.filter(pk=plan.pk).exists()
    assert ids_in_order(other) == [str(s.pk) for s in other_sequences]
