"""A JSON body value must have the type the OpenAPI schema states: no silent 0 -> "0", "5" -> 5, 1 -> true.

Each refusal is a 400 in the API's error shape naming the field; correctly typed bodies keep working.
"""

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rest_framework import serializers

from bachata.api.fields import json_type_error
from bachata.api.tests.assertions import assert_error

PLAN = {"title": "Tuesday beginners", "difficulty_level": "beginner", "estimated_duration": 60}


@pytest.fixture
def teacher(make_user, api_client_for):
    return api_client_for(make_user(is_instructor=True))


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "body", "field", "message"),
    [
        (
            "/api/auth/register",
            {"username": 0, "email": "a@example.com", "password": "x" * 12},
            "username",
            "Username: Must be text.",
        ),
        (
            "/api/auth/login",
            {"username": "someone", "password": 12345678},
            "password",
            "Password: Must be text.",
        ),
        ("/api/auth/refresh", {"refresh": 5}, "refresh", "Refresh: Must be text."),
    ],
)
def test_anonymous_bodies_refuse_a_number_for_text(anon, path, body, field, message):
    response = anon.post(path, body, format="json")
    assert assert_error(response, 400, field=field)["message"] == message


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({**PLAN, "instructor_notes": 0}, "instructor_notes", "Instructor notes: Must be text."),
        ({**PLAN, "title": ["a"]}, "title", "Title: Must be text."),
        ({**PLAN, "difficulty_level": 1}, "difficulty_level", "Difficulty level: Must be text."),
        (
            {**PLAN, "estimated_duration": "30"},
            "estimated_duration",
            "Estimated duration: Must be a whole number.",
        ),
        (
            {**PLAN, "estimated_duration": True},
            "estimated_duration",
            "Estimated duration: Must be a whole number.",
        ),
        (
            {**PLAN, "estimated_duration": 30.5},
            "estimated_duration",
            "Estimated duration: Must be a whole number.",
        ),
    ],
)
def test_a_class_plan_with_a_wrongly_typed_field_is_refused_and_not_saved(teacher, body, field, message):
    from bachata.instructors.models import ClassPlan

    response = teacher.post("/api/instructors/class-plans", body, format="json")
    assert assert_error(response, 400, "invalid", field=field)["message"] == message
    assert not ClassPlan.objects.exists()


@pytest.mark.django_db
def test_correctly_typed_bodies_still_work(teacher):
    plan = teacher.post("/api/instructors/class-plans", PLAN, format="json")
    assert plan.status_code == 201, plan.content
    assert plan.json()["estimated_duration"] == 60
    cleared = teacher.patch(
        f"/api/instructors/class-plans/{plan.json()['id']}", {"estimated_duration": None}, format="json"
    )
    assert cleared.status_code == 200, cleared.content
    assert cleared.json()["estimated_duration"] is None
    copy = teacher.post(
        f"/api/instructors/class-plans/{plan.json()['id']}/duplicate",
        {"include_sequences": False},
        format="json",
    )
    assert copy.status_code == 201, copy.content


@pytest.mark.django_db
def test_numbers_and_booleans_are_not_ids_or_switches(teacher):
    plan_id = teacher.post("/api/instructors/class-plans", PLAN, format="json").json()["id"]
    # DRF's UUIDField would read an integer as UUID(int=...), its BooleanField 1 as true.
    response = teacher.post(
        f"/api/instructors/class-plans/{plan_id}/sequences", {"choreography_id": 7}, format="json"
    )
    assert assert_error(response, 400, field="choreography_id")["message"] == "Choreography id: Must be text."
    response = teacher.post(
        f"/api/instructors/class-plans/{plan_id}/sequences/reorder", {"sequence_ids": [1, "x"]}, format="json"
    )
    assert assert_error(response, 400, field="sequence_ids")["fields"]["sequence_ids"] == [
        "Item 1: Must be text."
    ]
    response = teacher.post(
        f"/api/instructors/class-plans/{plan_id}/duplicate", {"include_sequences": 1}, format="json"
    )
    assert assert_error(response, 400, field="include_sequences")["message"] == (
        "Include sequences: Must be true or false."
    )


@pytest.mark.django_db
def test_parse_query_refuses_a_number(api):
    response = api.post("/api/choreography/parse-query", {"query": 0}, format="json")
    assert assert_error(response, 400, field="query")["message"] == "Query: Must be text."


@pytest.mark.django_db
def test_generate_refuses_an_integer_upload_id_and_creates_no_task(api):
    from bachata.choreography.models import ChoreographyTask

    response = api.post("/api/choreography/generate", {"upload_id": 12345}, format="json")
    assert assert_error(response, 400, field="upload_id")["message"] == "Upload id: Must be text."
    assert not ChoreographyTask.objects.exists()


@pytest.mark.django_db
def test_profile_preferences_must_be_an_object_of_booleans(api, user):
    response = api.patch("/api/auth/me", {"preferences": "yes"}, format="json")
    assert assert_error(response, 400, field="preferences")["message"] == "Preferences: Must be an object."
    response = api.patch("/api/auth/me", {"preferences": {"auto_save_choreographies": 0}}, format="json")
    assert_error(response, 400, field="preferences")
    response = api.patch("/api/auth/me", {"display_name": 0}, format="json")
    assert assert_error(response, 400, field="display_name")["message"] == "Display name: Must be text."
    user.refresh_from_db()
    assert user.display_name == "" and user.auto_save_choreographies is True


# --- the type rule itself, over any JSON value ------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3),
    max_leaves=8,
)


@given(json_values)
def test_each_field_kind_accepts_exactly_its_json_type(value):
    if value is None:
        return  # null is the field's own business (allow_null)
    is_number = isinstance(value, int | float) and not isinstance(value, bool)
    assert (json_type_error(serializers.CharField(), value) is None) == isinstance(value, str)
    assert (json_type_error(serializers.ChoiceField(choices=["a"]), value) is None) == isinstance(value, str)
    assert (json_type_error(serializers.UUIDField(), value) is None) == isinstance(value, str)
    assert (json_type_error(serializers.BooleanField(), value) is None) == isinstance(value, bool)
    assert (json_type_error(serializers.IntegerField(), value) is None) == (
        is_number and isinstance(value, int)
    )
    assert (json_type_error(serializers.FloatField(), value) is None) == is_number
    assert (json_type_error(serializers.DictField(), value) is None) == isinstance(value, dict)
    texts = serializers.ListField(child=serializers.CharField())
    assert (json_type_error(texts, value) is None) == (
        isinstance(value, list) and all(isinstance(item, str) or item is None for item in value)
    )


@pytest.mark.django_db
@pytest.mark.parametrize("page", ["", "last", "1.0", "-1", "\uff12"])
def test_a_page_that_is_not_a_whole_number_is_a_400(api, page):
    response = api.get("/api/choreography/tasks", {"page": page})
    assert (
        assert_error(response, 400, "invalid", field="page")["message"]
        == "Page: Enter a whole page number from 1."
    )


@pytest.mark.django_db
def test_page_one_still_lists(api):
    assert api.get("/api/choreography/tasks", {"page": "1"}).json()["results"] == []


def test_the_schema_states_the_cross_field_rules_and_no_borrowed_descriptions():
    from drf_spectacular.generators import SchemaGenerator

    schemas = SchemaGenerator().get_schema(request=None, public=True)["components"]["schemas"]
    assert (
        "description" not in schemas["RefreshRequest"]
    )  # the strict base's own notes stay out of the schema
    assert schemas["LoginRequest"]["anyOf"] == [{"required": ["username"]}, {"required": ["email"]}]
    assert [rule["required"] for rule in schemas["GenerateRequestRequest"]["oneOf"]] == [
        ["audio_input"],
        ["song_id"],
        ["upload_id"],
    ]
