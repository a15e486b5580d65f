"""Properties of the ordering services on the real table (with its non-deferrable unique constraint), and
concurrent writers on one plan."""

import threading

import pytest
from django.db import connections
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bachata.api.errors import ApiError
from bachata.collections.models import SavedChoreography
from bachata.instructors import services
from bachata.instructors.models import ClassPlan, ClassPlanSequence

from .helpers import orders_of

PROPERTY_SETTINGS = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def _plan_with(instructor, stored_orders) -> tuple[ClassPlan, list]:
    plan = ClassPlan.objects.create(instructor=instructor, title="Property", difficulty_level="beginner")
    choreography = SavedChoreography.objects.create(
        user=instructor,
        title="Basic",
        video_path="choreographies/2026/11/x.mp4",
        difficulty="beginner",
        duration=90.0,
    )
    sequences = [
        ClassPlanSequence.objects.create(class_plan=plan, choreography=choreography, sequence_order=order)
        for order in stored_orders
    ]
    return plan, sequences


# Legacy rows may hold any distinct orders: gaps, 0-based, even negative.
stored_orders = st.lists(st.integers(min_value=-50, max_value=10_000), min_size=0, max_size=12, unique=True)


@pytest.mark.django_db
@PROPERTY_SETTINGS
@given(stored=stored_orders.map(sorted), data=st.data())
def test_any_permutation_is_applied_exactly_and_numbered_from_1(instructor, stored, data):
    plan, sequences = _plan_with(instructor, stored)
    wanted = data.draw(st.permutations([s.pk for s in sequences]))
    services.class_plan_sequences_reorder(plan=plan, sequence_ids=wanted)
    assert orders_of(plan) == [(str(pk), n) for n, pk in enumerate(wanted, start=1)]


@pytest.mark.django_db
@PROPERTY_SETTINGS
@given(stored=stored_orders.map(sorted), data=st.data())
def test_inserting_at_any_position_keeps_the_others_in_order(instructor, stored, data):
    plan, sequences = _plan_with(instructor, stored)
    position = data.draw(st.integers(min_value=1, max_value=len(sequences) + 1))
    choreography = SavedChoreography.objects.filter(user=instructor).first()
    new = services.class_plan_sequence_add(
        plan=plan, choreography_id=choreography.pk, sequence_order=position
    )
    expected = [str(s.pk) for s in sequences]
    expected.insert(position - 1, str(new.pk))
    assert orders_of(plan) == [(pk, n) for n, pk in enumerate(expected, start=1)]


@pytest.mark.django_db
@PROPERTY_SETTINGS
@given(stored=stored_orders.filter(bool).map(sorted), data=st.data())
def test_removing_any_sequence_closes_the_gap(instructor, stored, data):
    plan, sequences = _plan_with(instructor, stored)
    gone = data.draw(st.sampled_from(sequences))
    services.class_plan_sequence_delete(sequence=gone)
    expected = [str(s.pk) for s in sequences if s.pk != gone.pk]
    assert orders_of(plan) == [(pk, n) for n, pk in enumerate(expected, start=1)]


@pytest.mark.django_db(transaction=True)
def test_concurrent_adds_reorders_and_removals_on_one_plan_never_collide(instructor):
    """Writers serialise on the plan row: every change lands and the orders stay 1..n without gaps."""
    plan, sequences = _plan_with(instructor, range(1, 7))
    choreography_id = sequences[0].choreography_id
    errors: list[BaseException] = []
    start = threading.Barrier(8)

    def run(work):
        try:
            start.wait()
            work()
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connections.close_all()

    def adder(position):
        return lambda: services.class_plan_sequence_add(
            plan=plan, choreography_id=choreography_id, sequence_order=position
        )

    def reverser():
        current = list(
            ClassPlanSequence.objects.filter(class_plan=plan)
            .order_by("-sequence_order")
            .values_list("id", flat=True)
        )
        try:
            services.class_plan_sequences_reorder(plan=plan, sequence_ids=current)
        except ApiError as exc:
            # Someone changed the plan between our read and our write: refused, as a user would be.
            assert exc.get_codes() == "invalid_order"

    work = [adder(1), adder(2), adder(None), adder(3), reverser, reverser]
    work += [lambda s=s: services.class_plan_sequence_delete(sequence=s) for s in sequences[:2]]
    threads = [threading.Thread(target=run, args=(w,)) for w in work]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors, errors
    rows = orders_of(plan)
    assert len(rows) == 6 + 4 - 2
    assert [order for _, order in rows] == list(range(1, 9))
