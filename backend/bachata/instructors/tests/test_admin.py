"""The class plan admin, with its sequences shown inline."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bachata.collections.models import SavedChoreography
from bachata.instructors.models import ClassPlan, ClassPlanSequence

pytestmark = pytest.mark.django_db

PLANS = "/admin/instructors/classplan/"


def plan_with_sequences(instructor, title="Beginners, week 1", moves=("Basic step", "Side step")):
    plan = ClassPlan.objects.create(instructor=instructor, title=title, difficulty_level="beginner")
    for order, move in enumerate(moves, start=1):
        choreography = SavedChoreography.objects.create(
            user=instructor,
            title=move,
            video_path=f"choreographies/{order}.mp4",
            difficulty="beginner",
            duration=30,
        )
        ClassPlanSequence.objects.create(class_plan=plan, choreography=choreography, sequence_order=order)
    return plan


def test_list_searches_by_title_and_instructor_without_a_query_per_row(admin_client, make_user):
    ana = make_user(username="ana", email="ana@example.com", is_instructor=True)
    plan_with_sequences(ana, "Beginners, week 1")
    plan_with_sequences(make_user(username="pablo", is_instructor=True), "Sensual turns")
    assert [p.title for p in admin_client.get(PLANS, {"q": "ana@example"}).context["cl"].result_list] == [
        "Beginners, week 1"
    ]
    with CaptureQueriesContext(connection) as few:
        admin_client.get(PLANS)
    for n in range(3):
        plan_with_sequences(make_user(is_instructor=True), f"Plan {n}", moves=())
    with CaptureQueriesContext(connection) as many:
        response = admin_client.get(PLANS)
    assert len(response.context["cl"].result_list) == 5
    assert len(many.captured_queries) == len(few.captured_queries)


def test_plan_page_lists_its_sequences_in_order_read_only(admin_client, make_user):
    plan = plan_with_sequences(make_user(is_instructor=True), moves=("Basic step", "Side step", "Cross body"))
    response = admin_client.get(f"{PLANS}{plan.pk}/change/")
    assert response.status_code == 200
    html = response.content.decode()
    positions = [html.index(move) for move in ("Basic step", "Side step", "Cross body")]
    assert positions == sorted(positions)
    assert 'name="sequences-0-sequence_order"' not in html  # shown, not editable
    response = admin_client.post(
        f"{PLANS}{plan.pk}/change/",
        {
            "title": "Beginners, week 1 (revised)",
            "description": "",
            "difficulty_level": "beginner",
            "estimated_duration": "60",
            "instructor_notes": "",
            "sequences-TOTAL_FORMS": "3",
            "sequences-INITIAL_FORMS": "3",
            "_save": "Save",
        },
    )
    assert response.status_code == 302
    plan.refresh_from_db()
    assert (plan.title, plan.estimated_duration) == ("Beginners, week 1 (revised)", 60)
    assert list(plan.sequences.values_list("sequence_order", flat=True)) == [1, 2, 3]
