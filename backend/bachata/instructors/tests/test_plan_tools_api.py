"""Duplicate, summary, printable export and the instructor dashboard."""

import html
from datetime import timedelta

import pytest
from django.utils import timezone

from bachata.api.tests.assertions import assert_error
from bachata.instructors.models import ClassPlan, ClassPlanSequence

from .helpers import DASHBOARD, ids_in_order, plan_url

pytestmark = pytest.mark.django_db

XSS = '<script>alert("x")</script>'


@pytest.fixture
def lesson(instructor, make_plan, make_sequence, make_choreography):
    """Beginner basics (90 s, 10 min planned) → intermediate turn (45.5 s, unplanned) → advanced dip (30 s)."""
    plan = make_plan(
        instructor,
        title="Sunday class",
        description="Warm-up first.",
        difficulty_level="intermediate",
        estimated_duration=60,
        instructor_notes="Mirror on the left.",
    )
    basics = make_choreography(instructor, title="Basics", difficulty="beginner", duration=90.0)
    turn = make_choreography(instructor, title="Turn", difficulty="intermediate", duration=45.5)
    dip = make_choreography(instructor, title="Dip", difficulty="advanced", duration=30.0)
    sequences = [
        make_sequence(plan, basics, notes="Count 1-2-3-tap", estimated_time=10),
        make_sequence(plan, turn),
        make_sequence(plan, dip, estimated_time=5),
    ]
    return plan, sequences


# ---- Duplicate ----


def test_duplicate_copies_the_plan_and_its_sequences(teacher, instructor, lesson):
    plan, sequences = lesson
    response = teacher.post(plan_url(plan, "/duplicate"))
    assert response.status_code == 201, response.content
    body = response.json()
    copy = ClassPlan.objects.get(pk=body["id"])
    assert copy.pk != plan.pk and copy.instructor == instructor
    assert body["title"] == "Copy of Sunday class"
    assert (
        body["description"],
        body["difficulty_level"],
        body["estimated_duration"],
        body["instructor_notes"],
    ) == (
        "Warm-up first.",
        "intermediate",
        60,
        "Mirror on the left.",
    )
    copied = [
        (s["choreography"]["id"], s["notes"], s["estimated_time"], s["sequence_order"])
        for s in body["sequences"]
    ]
    assert copied == [
        (str(s.choreography_id), s.notes, s.estimated_time, n) for n, s in enumerate(sequences, start=1)
    ]
    assert {s["id"] for s in body["sequences"]}.isdisjoint({str(s.pk) for s in sequences})
    assert ids_in_order(plan) == [str(s.pk) for s in sequences]  # the original is untouched
    assert ClassPlanSequence.objects.count() == 6


def test_duplicate_keeps_the_title_within_200_characters(teacher, instructor, make_plan):
    plan = make_plan(instructor, title="T" * 200)
    body = teacher.post(plan_url(plan, "/duplicate")).json()
    assert body["title"] == ("Copy of " + "T" * 200)[:200]
    assert len(body["title"]) == 200
    again = teacher.post(plan_url(ClassPlan.objects.get(pk=body["id"]), "/duplicate")).json()
    assert again["title"].startswith("Copy of Copy of ")


def test_duplicate_of_an_empty_plan(teacher, instructor, make_plan):
    plan = make_plan(instructor, title="Empty")
    body = teacher.post(plan_url(plan, "/duplicate")).json()
    assert (body["title"], body["sequences"], body["sequence_count"]) == ("Copy of Empty", [], 0)


def test_duplicate_with_a_new_title_and_without_the_sequences(teacher, lesson):
    plan, _ = lesson
    body = teacher.post(
        plan_url(plan, "/duplicate"), {"title": "Monday class", "include_sequences": False}, format="json"
    ).json()
    assert (body["title"], body["sequences"], body["sequence_count"]) == ("Monday class", [], 0)
    assert body["instructor_notes"] == "Mirror on the left."
    with_them = teacher.post(plan_url(plan, "/duplicate"), {"title": "Tuesday"}, format="json").json()
    assert (with_them["title"], with_them["sequence_count"]) == ("Tuesday", 3)
    assert_error(teacher.post(plan_url(plan, "/duplicate"), {"title": ""}, format="json"), 400, field="title")
    assert_error(
        teacher.post(plan_url(plan, "/duplicate"), {"title": "x" * 201}, format="json"), 400, field="title"
    )
    assert ClassPlan.objects.count() == 3  # the refused ones made nothing


def test_the_list_gives_each_plans_total_time_as_the_summary_counts_it(
    teacher, lesson, instructor, make_plan
):
    plan, _ = lesson
    make_plan(instructor, title="Empty")
    rows = {row["title"]: row for row in teacher.get("/api/instructors/class-plans").json()["results"]}
    summary = teacher.get(plan_url(plan, "/summary")).json()
    assert rows["Sunday class"]["total_time_minutes"] == summary["total_time_minutes"] == 16
    assert rows["Empty"]["total_time_minutes"] == 0
    assert teacher.get(plan_url(plan)).json()["total_time_minutes"] == 16


def test_recommendations_notice_a_step_back_and_a_plan_that_runs_over(
    teacher, instructor, make_plan, make_sequence, make_choreography
):
    plan = make_plan(instructor, difficulty_level="advanced", estimated_duration=10)
    make_sequence(plan, make_choreography(instructor, difficulty="advanced"), estimated_time=8)
    make_sequence(plan, make_choreography(instructor, difficulty="beginner"), estimated_time=5)
    assert teacher.get(plan_url(plan, "/summary")).json()["recommendations"] == [
        "Sequence 2 (beginner) comes after a harder one (advanced): move it earlier so that the class builds up.",
        "The sequences take 13 min, more than the 10 min planned: shorten or remove one.",
    ]
    page = teacher.get(plan_url(plan, "/export?format=html")).content.decode()
    assert "Recommendations" in page and "more than the 10 min planned" in page


# ---- Summary ----


def test_summary_adds_up_the_plan(teacher, lesson):
    plan, _ = lesson
    response = teacher.get(plan_url(plan, "/summary"))
    assert response.status_code == 200
    # 10 + 5 planned minutes, plus the turn's 45.5 s of video (no estimate): 15.76 min, rounded up.
    assert response.json() == {
        "total_sequences": 3,
        "total_time_minutes": 16,
        "total_video_seconds": 165.5,
        "difficulty_progression": ["beginner", "intermediate", "advanced"],
        "is_progressive": True,
        "estimated_duration": 60,
        "recommendations": [
            "Sequence 3 is harder than the class's intermediate level.",
            "The sequences fill 16 of the 60 min planned: there is room for another choreography or more "
            "practice time.",
            "1 sequence has no estimated time, so only the video's length counts: add time for teaching and "
            "practice.",
        ],
    }


def test_summary_rounds_whole_minutes_without_adding_one(
    teacher, instructor, make_plan, make_sequence, make_choreography
):
    plan = make_plan(instructor)
    for _ in range(3):
        make_sequence(plan, make_choreography(instructor, duration=20.0))  # exactly one minute of video
    assert teacher.get(plan_url(plan, "/summary")).json()["total_time_minutes"] == 1


def test_summary_notices_a_step_back_in_difficulty(
    teacher, lesson, make_sequence, make_choreography, instructor
):
    plan, _ = lesson
    make_sequence(
        plan, make_choreography(instructor, difficulty="intermediate", duration=60.0), estimated_time=3
    )
    body = teacher.get(plan_url(plan, "/summary")).json()
    assert body["difficulty_progression"] == ["beginner", "intermediate", "advanced", "intermediate"]
    assert body["is_progressive"] is False
    assert (body["total_sequences"], body["total_time_minutes"], body["total_video_seconds"]) == (
        4,
        19,
        225.5,
    )


def test_summary_follows_the_order_after_a_reorder(teacher, lesson):
    plan, (basics, turn, dip) = lesson
    teacher.post(
        plan_url(plan, "/sequences/reorder"),
        {"sequence_ids": [str(dip.pk), str(basics.pk), str(turn.pk)]},
        format="json",
    )
    body = teacher.get(plan_url(plan, "/summary")).json()
    assert body["difficulty_progression"] == ["advanced", "beginner", "intermediate"]
    assert body["is_progressive"] is False


def test_summary_of_an_empty_plan(teacher, instructor, make_plan):
    plan = make_plan(instructor)
    assert teacher.get(plan_url(plan, "/summary")).json() == {
        "total_sequences": 0,
        "total_time_minutes": 0,
        "total_video_seconds": 0.0,
        "difficulty_progression": [],
        "is_progressive": True,
        "estimated_duration": None,
        "recommendations": ["Add choreographies from your collection to build this class."],
    }


# ---- Export ----


def test_export_defaults_to_structured_json(teacher, instructor, lesson):
    plan, sequences = lesson
    response = teacher.get(plan_url(plan, "/export"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["plan"]["id"] == str(plan.pk) and body["plan"]["title"] == "Sunday class"
    assert body["plan"]["instructor_notes"] == "Mirror on the left."
    assert body["instructor"] == {"username": instructor.username, "display_name": "Profe Ana"}
    assert body["sequences"][0] == {
        "position": 1,
        "choreography_id": str(sequences[0].choreography_id),
        "title": "Basics",
        "difficulty": "beginner",
        "duration_seconds": 90.0,
        "estimated_time": 10,
        "notes": "Count 1-2-3-tap",
    }
    assert [s["position"] for s in body["sequences"]] == [1, 2, 3]
    assert body["summary"]["total_time_minutes"] == 16
    assert body["exported_at"]
    assert teacher.get(plan_url(plan, "/export?format=json")).json()["plan"] == body["plan"]


def test_export_as_html_is_a_printable_page(teacher, lesson):
    plan, _ = lesson
    response = teacher.get(plan_url(plan, "/export?format=html"))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert response["Content-Disposition"] == 'inline; filename="sunday-class.html"'
    assert "script-src" not in response["Content-Security-Policy"]
    page = response.content.decode()
    assert page.startswith("<!DOCTYPE html>")
    assert "@media print" in page
    for text in (
        "Sunday class",
        "Warm-up first.",
        "Mirror on the left.",
        "Basics",
        "Turn",
        "Dip",
        "Count 1-2-3-tap",
    ):
        assert text in page
    assert "16 min" in page
    assert page.index("Basics") < page.index("Turn") < page.index("Dip")


def test_export_html_escapes_everything_the_instructor_typed(
    teacher, instructor, make_plan, make_sequence, make_choreography
):
    plan = make_plan(instructor, title=XSS, description=XSS, instructor_notes=f"{XSS}\nline 2")
    make_sequence(plan, make_choreography(instructor, title=XSS), notes=f"<b>{XSS}</b>")
    page = teacher.get(plan_url(plan, "/export?format=html")).content.decode()
    assert "<script>" not in page and "<b>" not in page
    assert html.escape(XSS) in page
    assert "&lt;b&gt;" in page
    assert "line 2" in page


def test_export_refuses_unknown_formats(teacher, lesson):
    plan, _ = lesson
    body = assert_error(teacher.get(plan_url(plan, "/export?format=pdf")), 400, "invalid", "format")
    assert "pdf" in body["fields"]["format"][0]
    assert_error(teacher.get(plan_url(plan, "/export?format=")), 400, "invalid", "format")


def test_export_errors_stay_json_even_when_html_was_asked_for(teacher, anon, instructor, make_plan):
    plan = make_plan(instructor)
    missing = teacher.get(
        "/api/instructors/class-plans/00000000-0000-4000-8000-000000000000/export?format=html"
    )
    assert missing["Content-Type"] == "application/json"
    assert_error(missing, 404, "not_found")
    assert_error(anon.get(plan_url(plan, "/export?format=html")), 401)


# ---- Dashboard ----


def test_dashboard_counts_my_plans_sequences_and_choreographies(
    teacher, instructor, make_user, make_plan, make_sequence, make_choreography
):
    plans = [
        make_plan(instructor, title=f"P{n}", difficulty_level=level)
        for n, level in enumerate(
            ["beginner", "beginner", "intermediate", "advanced", "advanced", "advanced"]
        )
    ]
    for n, plan in enumerate(plans):
        ClassPlan.objects.filter(pk=plan.pk).update(updated_at=timezone.now() - timedelta(hours=10 - n))
    make_sequence(plans[0])
    make_sequence(plans[0])
    make_sequence(plans[3])
    make_choreography(instructor)  # saved but in no plan
    someone = make_user(is_instructor=True)
    make_sequence(make_plan(someone))  # not counted anywhere

    response = teacher.get(DASHBOARD)
    assert response.status_code == 200
    body = response.json()
    assert body["total_plans"] == 6
    assert body["total_sequences"] == 3
    assert body["plans_by_difficulty"] == {"beginner": 2, "intermediate": 1, "advanced": 3}
    assert body["total_choreographies"] == 4
    assert [p["title"] for p in body["recent_plans"]] == ["P5", "P4", "P3", "P2", "P1"]
    assert set(body["recent_plans"][0]) == {"id", "title", "updated_at"}

    teacher.patch(plan_url(plans[0]), {"title": "P0 edited"}, format="json")
    recent = teacher.get(DASHBOARD).json()["recent_plans"]
    assert [p["title"] for p in recent] == ["P0 edited", "P5", "P4", "P3", "P2"]


def test_dashboard_of_a_new_instructor(teacher):
    assert teacher.get(DASHBOARD).json() == {
        "total_plans": 0,
        "total_sequences": 0,
        "plans_by_difficulty": {"beginner": 0, "intermediate": 0, "advanced": 0},
        "recent_plans": [],
        "total_choreographies": 0,
    }


def test_dashboard_costs_a_fixed_number_of_queries(
    teacher, instructor, make_plan, make_sequence, django_assert_max_num_queries
):
    for _ in range(12):
        make_sequence(make_plan(instructor))
    # auth (1) + throttle counter (1) + plan counts, recent plans, sequences, choreographies (4)
    with django_assert_max_num_queries(6):
        assert teacher.get(DASHBOARD).json()["total_plans"] == 12


@pytest.mark.parametrize("suffix", ["/summary", "/export", "/export?format=html"])
def test_summary_and_export_of_a_long_plan_cost_a_fixed_number_of_queries(
    teacher, instructor, make_plan, make_sequence, django_assert_max_num_queries, suffix
):
    plan = make_plan(instructor)
    for _ in range(30):
        make_sequence(plan)
    # auth (1) + throttle counter (1) + plan (1) + sequences with their choreographies (1)
    with django_assert_max_num_queries(4):
        assert teacher.get(plan_url(plan, suffix)).status_code == 200
