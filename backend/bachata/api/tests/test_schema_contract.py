"""Schemathesis: every documented operation, with generated requests as a logged-in user.

No 5xx, and every response (including errors) matches the OpenAPI schema.
"""

import pytest
import schemathesis
import schemathesis.checks as checks
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, settings

from bachata.wsgi import application

schema = schemathesis.openapi.from_dict(SchemaGenerator().get_schema(request=None, public=True))
schema.app = application
# Unknown query parameters are ignored, as on most of the web (cache busters, tracking tags); the schema does
# not forbid them either, so schemathesis must not count them as invalid input.
schema.config.generation.update(allow_extra_parameters=False)


@pytest.fixture
def bearer(db, django_user_model):
    from rest_framework_simplejwt.tokens import RefreshToken

    user = django_user_model.objects.create_user(
        username="contract", email="contract@example.com", password="contract-pass", is_instructor=True
    )
    return {"Authorization": f"Bearer {RefreshToken.for_user(user).access_token}"}


@pytest.fixture(autouse=True)
def _move_index(settings, tmp_path):
    from bachata.moves.local_index import LocalMoveIndex

    settings.MOVE_INDEX, settings.MOVE_INDEX_PATH = "local", tmp_path / "moves.json"
    LocalMoveIndex([], path=settings.MOVE_INDEX_PATH).index_documents(
        [
            {"clip_id": f"clip{n}", "move_label": label, "difficulty": "beginner", "energy_level": "medium"}
            for n, label in enumerate(["basic", "ladyturn", "spin"])
        ]
    )


@pytest.fixture(autouse=True)
def _in_process_requests():
    # As Django's test client does: requests must not close the connection holding the test transaction,
    # and the generous rate keeps throttling out of the way of generated traffic.
    from rest_framework.throttling import SimpleRateThrottle

    original = SimpleRateThrottle.THROTTLE_RATES
    SimpleRateThrottle.THROTTLE_RATES = {"user": "100000/minute", "anon": "100000/minute"}
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)
    SimpleRateThrottle.THROTTLE_RATES = original


@schema.parametrize()
@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_contract(case, bearer):
    # Left out: positive_data_acceptance. Rules no JSON Schema states refuse some schema-valid requests with a
    # documented 4xx, as they should: password strength, tokens and ids that must exist and be yours, the song
    # link/upload must be real audio, whitespace-only text counts as blank, and lone surrogates or NUL anywhere
    # in a body (even under an ignored key) are refused.
    # What stays: no 5xx, documented status codes, content types, headers and response bodies, and
    # negative_data_rejection: a request the schema calls invalid (a number for a text field, a value out of its
    # range or enum, a missing required field, `?page=`) is refused with a 4xx (bachata.api.fields).
    case.call_and_validate(headers=bearer, excluded_checks=[checks.positive_data_acceptance])


# --- malformed input schemathesis does not generate: each a 4xx in the error shape, never a 500 ------------


@pytest.fixture
def raw_client():
    from django.test import Client

    return Client()


def _json(client, path, body: bytes, **headers):
    return client.generic("POST", path, body, content_type="application/json", **headers)


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/api/auth/login", "/api/auth/register", "/api/choreography/generate"])
def test_json_nested_100000_deep_is_a_400(raw_client, bearer, path):
    from bachata.api.tests.assertions import assert_error

    body = b"[" * 100_000 + b"]" * 100_000
    response = _json(raw_client, path, body, HTTP_AUTHORIZATION=bearer["Authorization"])
    assert response.status_code in (400, 401)
    if response.status_code == 400:
        assert "nested too deeply" in assert_error(response, 400)["message"]
    moderately = b'{"username": ' + b"[" * 1000 + b"]" * 1000 + b', "password": "x"}'
    assert (
        "nested too deeply" in assert_error(_json(raw_client, "/api/auth/login", moderately), 400)["message"]
    )


@pytest.mark.django_db
def test_a_body_over_the_limit_is_a_413(raw_client, bearer):
    from bachata.api.tests.assertions import assert_error

    body = b'{"username": "' + b"a" * (3 * 1024 * 1024) + b'", "password": "x"}'
    assert_error(_json(raw_client, "/api/auth/login", body), 413, "request_too_large")
    response = _json(
        raw_client, "/api/choreography/generate", body, HTTP_AUTHORIZATION=bearer["Authorization"]
    )
    assert_error(response, 413, "request_too_large")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "body"),
    [
        (
            "/api/choreography/generate",
            b'{"audio_input": "https://x.example/a.mp3", "difficulty": "\\ud800"}',
        ),
        ("/api/auth/register", b'{"username": "a", "email": "a@example.com", "password": "\\udfff-secret"}'),
        ("/api/choreography/generate", b'{"audio_input": "https://x.example/a.mp3", "query": "a\\u0000b"}'),
        ("/api/auth/register", b'{"username\\u0000": "a", "email": "a@example.com", "password": "secret1"}'),
        (
            "/api/choreography/generate",
            b'{"audio_input": "https://x.example/a.mp3", "x": {"a": ["\\u0000"]}}',
        ),
    ],
)
def test_lone_surrogates_and_nul_characters_in_json_are_a_400(raw_client, bearer, path, body):
    from bachata.api.tests.assertions import assert_error

    response = _json(raw_client, path, body, HTTP_AUTHORIZATION=bearer["Authorization"])
    message = assert_error(response, 400)["message"]
    assert "surrogate" in message or "NUL" in message or "Null characters are not allowed" in message


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    [
        "/api/choreography/tasks/%00",
        "/api/choreography/tasks/abc%00def/retry",
        "/api/choreography/tasks/%00/events",
        "/api/collections/%00",
    ],
)
def test_nul_in_an_id_is_a_404(raw_client, bearer, path):
    from bachata.api.tests.assertions import assert_error

    assert_error(raw_client.get(path, HTTP_AUTHORIZATION=bearer["Authorization"]), 404, "not_found")
    assert_error(raw_client.post(path, HTTP_AUTHORIZATION=bearer["Authorization"]), 404, "not_found")


@pytest.mark.django_db
def test_nul_in_a_query_parameter_is_a_400(raw_client, bearer):
    from bachata.api.tests.assertions import assert_error

    response = raw_client.get("/api/collections?search=a%00b", HTTP_AUTHORIZATION=bearer["Authorization"])
    assert "NUL" in assert_error(response, 400)["message"]


@pytest.mark.django_db
def test_cors_preflight_allows_the_idempotency_key_header(raw_client):
    response = raw_client.options(
        "/api/choreography/generate",
        HTTP_ORIGIN="http://127.0.0.1:5173",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="authorization, content-type, idempotency-key",
    )
    assert "idempotency-key" in response["Access-Control-Allow-Headers"].lower()
