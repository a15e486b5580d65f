import itertools

import pytest

from bachata.collections.models import SavedChoreography
from bachata.instructors.models import ClassPlan, ClassPlanSequence

_titles = itertools.count(1)


@pytest.fixture
def instructor(make_user):
    return make_user(is_instructor=True, display_name="Profe Ana")


@pytest.fixture
def teacher(api_client_for, instructor):
    """An API client logged in as `instructor`."""
    return api_client_for(instructor)


@pytest.fixture
def make_choreography():
    def make(user, **fields) -> SavedChoreography:
        fields.setdefault("title", f"Choreography {next(_titles)}")
        fields.setdefault("video_path", "choreographies/2026/11/x.mp4")
        fields.setdefault("difficulty", "beginner")
        fields.setdefault("duration", 90.0)
        return SavedChoreography.objects.create(user=user, **fields)

    return make


@pytest.fixture
def make_plan():
    def make(instructor, **fields) -> ClassPlan:
        fields.setdefault("title", f"Plan {next(_titles)}")
        fields.setdefault("difficulty_level", "beginner")
        return ClassPlan.objects.create(instructor=instructor, **fields)

    return make


@pytest.fixture
def make_sequence(make_choreography):
    def make(plan, choreography=None, **fields) -> ClassPlanSequence:
        if choreography is None:
            choreography = make_choreography(plan.instructor)
        if "sequence_order" not in fields:
            fields["sequence_order"] = ClassPlanSequence.objects.filter(class_plan=plan).count() + 1
        return ClassPlanSequence.objects.create(class_plan=plan, choreography=choreography, **fields)

    return make


@pytest.fixture
def plan_with_sequences(instructor, make_plan, make_sequence):
    """A plan with five sequences, orders 1..5."""

    def make(n: int = 5, **fields):
        plan = make_plan(instructor, **fields)
        sequences = [make_sequence(plan) for _ in range(n)]
        return plan, sequences

    return make
