"""Class plans CRUD, as an instructor uses it from the SPA; who may use it at all."""

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from bachata.api.tests.assertions import assert_error
from bachata.collections.models import SavedChoreography
from bachata.instructors.models import ClassPlan, ClassPlanSequence

from .helpers import DASHBOARD, PLANS, plan_url

pytestmark = pytest.mark.django_db

SOME_ID = "00000000-0000-4000-8000-000000000000"
EVERY_ENDPOINT = [
    ("get", PLANS),
    ("post", PLANS),
    ("get", f"{PLANS}/{SOME_ID}"),
    ("put", f"{PLANS}/{SOME_ID}"),
    ("patch", f"{PLANS}/{SOME_ID}"),
    ("delete", f"{PLANS}/{SOME_ID}"),
    ("post", f"{PLANS}/{SOME_ID}/sequences"),
    ("patch", f"{PLANS}/{SOME_ID}/sequences/{SOME_ID}"),
    ("delete", f"{PLANS}/{SOME_ID}/sequences/{SOME_ID}"),
    ("post", f"{PLANS}/{SOME_ID}/sequences/reorder"),
    ("post", f"{PLANS}/{SOME_ID}/duplicate"),
    ("get", f"{PLANS}/{SOME_ID}/summary"),
    ("get", f"{PLANS}/{SOME_ID}/export"),
    ("get", f"{PLANS}/{SOME_ID}/export?format=html"),
    ("get", DASHBOARD),
]

VALID = {"title": "Basics week 1", "difficulty_level": "beginner"}


def create(client, **body):
    return client.post(PLANS, {**VALID, **body}, format="json")


# ---- Who may use it ----


@pytest.mark.parametrize(("method", "url"), EVERY_ENDPOINT)
def test_anonymous_requests_get_401(anon, method, url):
    assert_error(getattr(anon, method)(url, {}, format="json"), 401)


@pytest.mark.parametrize(("method", "url"), EVERY_ENDPOINT)
def test_dancers_who_are_not_instructors_get_403_saying_why(api, method, url):
    body = assert_error(getattr(api, method)(url, {}, format="json"), 403, "not_instructor")
    assert body["message"] == "Only instructor accounts can use class plans."


def test_a_non_instructor_cannot_create_a_plan(api):
    create(api)
    assert not ClassPlan.objects.exists()


# ---- Create ----


def test_create_answers_201_with_the_new_plan(teacher, instructor):
    response = create(
        teacher,
        title="  Basics week 1 ",
        description="Footwork first.",
        estimated_duration=60,
        instructor_notes="Bring water.",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    plan = ClassPlan.objects.get()
    assert plan.instructor == instructor
    assert body == {
        "id": str(plan.pk),
        "title": "Basics week 1",
        "description": "Footwork first.",
        "difficulty_level": "beginner",
        "estimated_duration": 60,
        "instructor_notes": "Bring water.",
        "sequence_count": 0,
        "total_time_minutes": 0,
        "sequences": [],
        "created_at": body["created_at"],
        "updated_at": body["updated_at"],
    }


def test_create_with_only_the_required_fields_uses_the_defaults(teacher):
    body = create(teacher, title="x" * 200, difficulty_level="advanced").json()
    assert body["title"] == "x" * 200
    assert body["description"] == "" and body["instructor_notes"] == ""
    assert body["estimated_duration"] is None
    assert create(teacher, estimated_duration=None).status_code == 201


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"title": None}, "title"),
        ({"title": ""}, "title"),
        ({"title": "   "}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"difficulty_level": None}, "difficulty_level"),
        ({"difficulty_level": "expert"}, "difficulty_level"),
        ({"difficulty_level": "Beginner"}, "difficulty_level"),
        ({"estimated_duration": 0}, "estimated_duration"),
        ({"estimated_duration": -5}, "estimated_duration"),
        ({"estimated_duration": 1441}, "estimated_duration"),
        ({"estimated_duration": 10**12}, "estimated_duration"),
        ({"estimated_duration": "soon"}, "estimated_duration"),
        ({"estimated_duration": 1.5}, "estimated_duration"),
        ({"description": "x" * 10_001}, "description"),
        ({"instructor_notes": "x" * 10_001}, "instructor_notes"),
        ({"title": "nul\x00byte"}, "title"),
    ],
)
def test_create_refuses_invalid_fields_with_a_message_per_field(teacher, body, field):
    assert_error(create(teacher, **body), 400, "invalid", field)
    assert not ClassPlan.objects.exists()


@pytest.mark.parametrize("missing", ["title", "difficulty_level"])
def test_create_requires_title_and_difficulty(teacher, missing):
    body = {k: v for k, v in VALID.items() if k != missing}
    response = teacher.post(PLANS, body, format="json")
    assert_error(response, 400, "invalid", missing)
    assert response.json()["fields"][missing] == ["This field is required."]


def test_create_refuses_form_encoded_bodies(teacher):
    response = teacher.post(PLANS, VALID)  # multipart
    assert response.status_code == 415
    assert not ClassPlan.objects.exists()


# ---- List ----


def test_list_shows_only_my_plans_newest_first_with_their_sequence_count(
    teacher, instructor, make_user, make_plan, make_sequence
):
    older = make_plan(instructor, title="Older")
    newer = make_plan(instructor, title="Newer")
    ClassPlan.objects.filter(pk=older.pk).update(created_at=timezone.now() - timedelta(days=1))
    make_sequence(newer)
    make_sequence(newer)
    make_plan(make_user(is_instructor=True), title="Someone else's")

    body = teacher.get(PLANS).json()
    assert body["count"] == 2
    assert [(p["title"], p["sequence_count"]) for p in body["results"]] == [("Newer", 2), ("Older", 0)]
    assert "sequences" not in body["results"][0]


def test_list_pages_hold_20_plans(teacher, instructor, make_plan):
    for _ in range(23):
        make_plan(instructor)
    first = teacher.get(PLANS).json()
    assert first["count"] == 23 and len(first["results"]) == 20 and first["next"]
    second = teacher.get(f"{PLANS}?page=2").json()
    assert len(second["results"]) == 3 and second["next"] is None
    ids = {p["id"] for p in first["results"]} | {p["id"] for p in second["results"]}
    assert len(ids) == 23
    assert_error(teacher.get(f"{PLANS}?page=3"), 404)


def test_list_filters_by_difficulty_and_searches_titles(teacher, instructor, make_plan):
    make_plan(instructor, title="Salsa crossover", difficulty_level="beginner")
    make_plan(instructor, title="Bachata sensual turns", difficulty_level="advanced")
    make_plan(instructor, title="BACHATA basics", difficulty_level="beginner")

    def titles(query):
        return sorted(p["title"] for p in teacher.get(f"{PLANS}?{query}").json()["results"])

    assert titles("difficulty_level=beginner") == ["BACHATA basics", "Salsa crossover"]
    assert titles("search=bachata") == ["BACHATA basics", "Bachata sensual turns"]
    assert titles("search=bachata&difficulty_level=advanced") == ["Bachata sensual turns"]
    assert titles("difficulty_level=intermediate") == []
    assert titles("search=%25") == []  # a literal %, not a wildcard


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("difficulty_level=expert", "difficulty_level"),
        ("difficulty_level=", "difficulty_level"),
        ("search=", "search"),
        (f"search={'x' * 201}", "search"),
    ],
)
def test_list_refuses_invalid_filters(teacher, query, field):
    assert_error(teacher.get(f"{PLANS}?{query}"), 400, "invalid", field)


def test_listing_many_plans_costs_no_more_queries_than_listing_a_few(
    teacher, instructor, make_plan, make_sequence, django_assert_max_num_queries
):
    plan = make_plan(instructor)
    make_sequence(plan)
    # auth (1) + throttle counter (1) + count (1) + page (1), however many plans and sequences
    with django_assert_max_num_queries(4):
        assert teacher.get(PLANS).status_code == 200
    for _ in range(19):
        plan = make_plan(instructor)
        make_sequence(plan)
        make_sequence(plan)
    with django_assert_max_num_queries(4):
        body = teacher.get(PLANS).json()
    assert len(body["results"]) == 20


# ---- Detail ----


def test_detail_lists_the_sequences_in_order_with_their_choreography(
    teacher, instructor, make_plan, make_sequence, make_choreography
):
    plan = make_plan(instructor, title="Turns")
    spin = make_choreography(instructor, title="Spin", difficulty="advanced", duration=42.5)
    basic = make_choreography(instructor, title="Basic", difficulty="beginner", duration=90.0)
    second = make_sequence(plan, spin, sequence_order=2, notes="slowly", estimated_time=5)
    first = make_sequence(plan, basic, sequence_order=1)

    response = teacher.get(plan_url(plan))
    assert response.status_code == 200
    body = response.json()
    assert body["title"] == "Turns" and body["sequence_count"] == 2
    assert body["sequences"] == [
        {
            "id": str(first.pk),
            "sequence_order": 1,
            "notes": "",
            "estimated_time": None,
            "choreography": {
                "id": str(basic.pk),
                "title": "Basic",
                "difficulty": "beginner",
                "duration": 90.0,
            },
        },
        {
            "id": str(second.pk),
            "sequence_order": 2,
            "notes": "slowly",
            "estimated_time": 5,
            "choreography": {"id": str(spin.pk), "title": "Spin", "difficulty": "advanced", "duration": 42.5},
        },
    ]


def test_detail_answers_with_and_without_a_trailing_slash(teacher, instructor, make_plan):
    plan = make_plan(instructor)
    assert teacher.get(plan_url(plan)).status_code == 200
    assert teacher.get(plan_url(plan, "/")).status_code == 200


def test_an_unknown_plan_is_404(teacher):
    body = assert_error(teacher.get(f"{PLANS}/{uuid.uuid4()}"), 404, "not_found")
    assert body["message"] == "Class plan not found."


def test_detail_of_a_long_plan_costs_a_fixed_number_of_queries(
    teacher, instructor, make_plan, make_sequence, django_assert_max_num_queries
):
    plan = make_plan(instructor)
    for _ in range(30):
        make_sequence(plan)
    # auth (1) + throttle counter (1) + plan (1) + sequences with their choreographies (1)
    with django_assert_max_num_queries(4):
        assert len(teacher.get(plan_url(plan)).json()["sequences"]) == 30


# ---- Update ----


def test_put_replaces_the_plan_and_resets_what_it_leaves_out(teacher, instructor, make_plan):
    plan = make_plan(instructor, description="Old", estimated_duration=45, instructor_notes="Old notes")
    response = teacher.put(
        plan_url(plan), {"title": "New title", "difficulty_level": "intermediate"}, format="json"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["title"], body["difficulty_level"]) == ("New title", "intermediate")
    assert (body["description"], body["estimated_duration"], body["instructor_notes"]) == ("", None, "")
    plan.refresh_from_db()
    assert plan.title == "New title" and plan.estimated_duration is None


def test_put_requires_the_required_fields(teacher, instructor, make_plan):
    plan = make_plan(instructor, title="Keep me")
    assert_error(teacher.put(plan_url(plan), {"title": "Only a title"}, format="json"), 400, "invalid")
    plan.refresh_from_db()
    assert plan.title == "Keep me"


def test_patch_changes_only_what_it_sends(teacher, instructor, make_plan):
    plan = make_plan(instructor, title="Keep", description="Keep too", estimated_duration=45)
    before = plan.updated_at
    response = teacher.patch(plan_url(plan), {"estimated_duration": 90}, format="json")
    assert response.status_code == 200
    plan.refresh_from_db()
    assert (plan.title, plan.description, plan.estimated_duration) == ("Keep", "Keep too", 90)
    assert plan.updated_at > before
    assert teacher.patch(plan_url(plan), {}, format="json").status_code == 200


@pytest.mark.parametrize(
    "body",
    [
        {"title": ""},
        {"title": "x" * 201},
        {"difficulty_level": "pro"},
        {"estimated_duration": 0},
        {"estimated_duration": 1441},
    ],
)
def test_patch_refuses_invalid_values_and_changes_nothing(teacher, instructor, make_plan, body):
    plan = make_plan(instructor, title="Keep", estimated_duration=30)
    assert_error(teacher.patch(plan_url(plan), body, format="json"), 400, "invalid", next(iter(body)))
    plan.refresh_from_db()
    assert (plan.title, plan.difficulty_level, plan.estimated_duration) == ("Keep", "beginner", 30)


def test_patch_can_clear_the_estimated_duration(teacher, instructor, make_plan):
    plan = make_plan(instructor, estimated_duration=30)
    assert teacher.patch(plan_url(plan), {"estimated_duration": None}, format="json").status_code == 200
    plan.refresh_from_db()
    assert plan.estimated_duration is None


# ---- Delete ----


def test_delete_removes_the_plan_and_its_sequences_but_not_the_choreographies(
    teacher, instructor, make_plan, make_sequence
):
    plan = make_plan(instructor)
    kept = make_plan(instructor)
    make_sequence(plan)
    make_sequence(plan)
    make_sequence(kept)
    response = teacher.delete(plan_url(plan))
    assert response.status_code == 204
    assert list(ClassPlan.objects.all()) == [kept]
    assert ClassPlanSequence.objects.count() == 1
    assert SavedChoreography.objects.count() == 3
    assert_error(teacher.get(plan_url(plan)), 404)
    assert_error(teacher.delete(plan_url(plan)), 404)
