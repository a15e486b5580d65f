"""Instructor B cannot see or touch anything of instructor A's: every attempt answers 404, and nothing changes."""

import pytest

from bachata.api.tests.assertions import assert_error
from bachata.instructors.models import ClassPlan, ClassPlanSequence

from .helpers import DASHBOARD, PLANS, orders_of, plan_url, sequence_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def a_plan(instructor, make_plan, make_sequence):
    plan = make_plan(instructor, title="A's plan", description="A's", estimated_duration=30)
    return plan, [make_sequence(plan, notes="A's notes") for _ in range(3)]


@pytest.fixture
def b(make_user, api_client_for):
    user = make_user(is_instructor=True)
    return user, api_client_for(user)


def _a_requests(plan, sequences):
    first = sequences[0]
    ids = [str(s.pk) for s in reversed(sequences)]
    return [
        ("get", plan_url(plan), None),
        ("put", plan_url(plan), {"title": "Mine now", "difficulty_level": "advanced"}),
        ("patch", plan_url(plan), {"title": "Mine now"}),
        ("delete", plan_url(plan), None),
        ("post", plan_url(plan, "/duplicate"), None),
        ("get", plan_url(plan, "/summary"), None),
        ("get", plan_url(plan, "/export"), None),
        ("get", plan_url(plan, "/export?format=html"), None),
        ("post", plan_url(plan, "/sequences"), {"choreography_id": str(first.choreography_id)}),
        ("post", plan_url(plan, "/sequences/reorder"), {"sequence_ids": ids}),
        ("patch", sequence_url(first), {"notes": "B was here"}),
        ("delete", sequence_url(first), None),
    ]


def test_instructor_b_gets_404_on_every_one_of_a_plans_endpoints(a_plan, b, make_choreography):
    plan, sequences = a_plan
    b_user, b_client = b
    make_choreography(b_user)  # B has a collection of their own
    before = orders_of(plan)

    for method, url, body in _a_requests(plan, sequences):
        response = getattr(b_client, method)(url, body, format="json")
        assert response.status_code == 404, (method, url, response.content)
        assert response["Content-Type"] == "application/json", (method, url)
        assert_error(response, 404, "not_found")

    plan.refresh_from_db()
    assert (plan.title, plan.difficulty_level, plan.description) == ("A's plan", "beginner", "A's")
    assert orders_of(plan) == before
    assert set(ClassPlanSequence.objects.values_list("notes", flat=True)) == {"A's notes"}
    assert ClassPlan.objects.count() == 1


def test_a_sequence_of_a_cannot_be_reached_through_a_plan_of_b(a_plan, b, make_plan):
    _, (first, *_) = a_plan
    b_user, b_client = b
    b_plan = make_plan(b_user)
    url = f"{PLANS}/{b_plan.pk}/sequences/{first.pk}"
    assert_error(b_client.patch(url, {"notes": "B was here"}, format="json"), 404)
    assert_error(b_client.delete(url), 404)
    reorder = b_client.post(
        plan_url(b_plan, "/sequences/reorder"), {"sequence_ids": [str(first.pk)]}, format="json"
    )
    assert_error(reorder, 400, "invalid_order", "sequence_ids")
    first.refresh_from_db()
    assert (first.notes, first.class_plan_id) == ("A's notes", a_plan[0].pk)


def test_b_cannot_add_a_choreography_of_a_to_b_own_plan(a_plan, b, make_plan, make_choreography, instructor):
    b_user, b_client = b
    b_plan = make_plan(b_user)
    a_choreography = make_choreography(instructor, title="A's best")
    response = b_client.post(
        plan_url(b_plan, "/sequences"), {"choreography_id": str(a_choreography.pk)}, format="json"
    )
    assert_error(response, 404, "choreography_not_found", "choreography_id")
    assert not ClassPlanSequence.objects.filter(class_plan=b_plan).exists()


def test_b_lists_and_counts_only_b_plans(a_plan, b, make_plan):
    b_user, b_client = b
    make_plan(b_user, title="B's plan")
    assert [p["title"] for p in b_client.get(PLANS).json()["results"]] == ["B's plan"]
    assert b_client.get(f"{PLANS}?search=plan").json()["count"] == 1
    dashboard = b_client.get(DASHBOARD).json()
    assert (dashboard["total_plans"], dashboard["total_sequences"], dashboard["total_choreographies"]) == (
        1,
        0,
        0,
    )
    assert [p["title"] for p in dashboard["recent_plans"]] == ["B's plan"]
