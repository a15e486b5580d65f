"""One error shape for the whole API: {"message": str, "code": str, "fields": {name: [messages]}}.

`message` is written for people: the SPA shows it as it is.
"""

import logging

from django.core.exceptions import PermissionDenied, RequestDataTooBig, SuspiciousOperation
from django.http import Http404, JsonResponse
from django.views.defaults import page_not_found
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from bachata.choreography.ledger.errors import (
    IdempotencyConflict,
    IllegalTransition,
    InvalidEvent,
    LedgerError,
    TaskNotFound,
)

logger = logging.getLogger("bachata.api")


class ApiError(exceptions.APIException):
    """A business-rule refusal raised by a service or a view, with a status and a readable message."""

    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "bad_request"

    def __init__(self, message: str, *, code: str | None = None, status_code: int | None = None, fields=None):
        super().__init__(detail=message, code=code or self.default_code)
        if status_code is not None:
            self.status_code = status_code
        self.fields = fields or {}


class Conflict(ApiError):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"


LEDGER_STATUS = {
    TaskNotFound: status.HTTP_404_NOT_FOUND,
    InvalidEvent: status.HTTP_400_BAD_REQUEST,
    IllegalTransition: status.HTTP_409_CONFLICT,
    IdempotencyConflict: status.HTTP_409_CONFLICT,
}


def error_body(message: str, code: str, fields: dict | None = None) -> dict:
    return {"message": message, "code": code, "fields": fields or {}}


def _flatten(detail) -> list[str]:
    if isinstance(detail, dict):
        return [m for value in detail.values() for m in _flatten(value)]
    if isinstance(detail, list):
        return [m for value in detail for m in _flatten(value)]
    return [str(detail)]


def _field_messages(detail: dict) -> dict:
    return {name: _flatten(value) for name, value in detail.items()}


def _validation_message(fields: dict) -> str:
    for name, messages in fields.items():
        if not messages:
            continue
        if name in ("non_field_errors", "detail"):
            return messages[0]
        label = name.replace("_", " ").capitalize()
        return f"{label}: {messages[0]}"
    return "The request is not valid."


def _code_of(exc: exceptions.APIException) -> str:
    codes = exc.get_codes()
    if isinstance(codes, str):
        return codes
    flat = _flatten(codes)
    return flat[0] if len(set(flat)) == 1 else exc.default_code


def api_exception_handler(exc, context):
    for ledger_class, http_status in LEDGER_STATUS.items():
        if isinstance(exc, ledger_class):
            return Response(error_body(exc.message, exc.code), status=http_status)
    if isinstance(exc, LedgerError):
        return Response(error_body(exc.message, exc.code), status=status.HTTP_409_CONFLICT)
    if isinstance(exc, Http404):
        return Response(error_body("Not found.", "not_found"), status=status.HTTP_404_NOT_FOUND)
    if isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    if isinstance(exc, RequestDataTooBig):
        return Response(
            error_body("The request body is too large.", "request_too_large"),
            status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
        )
    if isinstance(exc, SuspiciousOperation):  # too many fields, a malformed header, …
        return Response(error_body("The request is not valid.", "bad_request"), status=400)

    response = exception_handler(exc, context)
    if response is None:
        logger.exception("unhandled error in %s", context.get("view").__class__.__name__, exc_info=exc)
        return Response(
            error_body("Something went wrong on our side. Please try again.", "server_error"),
            status=status.HTTP_500_INTERNAL_SERVER_ERROR,
        )

    if isinstance(exc, exceptions.ValidationError):
        detail = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        fields = _field_messages(detail)
        body = error_body(_validation_message(fields), "invalid", fields)
    elif isinstance(exc, exceptions.Throttled):
        wait = int(exc.wait or 1)
        body = error_body(f"Too many requests. Please try again in {wait} seconds.", "throttled")
    elif isinstance(exc, ApiError):
        body = error_body(str(exc.detail), _code_of(exc), exc.fields)
    else:
        detail = exc.detail
        message = _flatten(detail)[0] if not isinstance(detail, str) else str(detail)
        body = error_body(message, _code_of(exc))
    response.data = body
    return response


def json_not_found(request, exception=None):
    if not request.path.startswith("/api/"):
        return page_not_found(request, exception)
    return JsonResponse(error_body("Not found.", "not_found"), status=404)


def json_server_error(request):
    return JsonResponse(
        error_body("Something went wrong on our side. Please try again.", "server_error"), status=500
    )
