"""The API's error shape, asserted the same way by every app's tests."""


def assert_error(response, status: int, code: str | None = None, field: str | None = None) -> dict:
    """The response is a `status` error in the one shape (`message`, `code`, `fields`); return its body."""
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"message", "code", "fields"}, body
    assert body["message"]
    if code:
        assert body["code"] == code, body
    if field:
        assert field in body["fields"], body
    return body
