"""Structured request logging with a request id (taken from X-Request-ID or made up)."""

import json
import logging
import re
import time
import uuid

from django.http import JsonResponse

logger = logging.getLogger("bachata.requests")
_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class RequestLogMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request.request_id = incoming if _SAFE_ID.match(incoming) else uuid.uuid4().hex
        started = time.perf_counter()
        response = self.get_response(request)
        response["X-Request-ID"] = request.request_id
        if request.path.startswith("/api/"):
            user = getattr(request, "user", None)
            logger.info(
                json.dumps(
                    {
                        "request_id": request.request_id,
                        "method": request.method,
                        "path": request.path,
                        "status": response.status_code,
                        "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                        "user_id": getattr(user, "pk", None),
                    }
                )
            )
        return response


class MalformedRequestMiddleware:
    """NUL characters in an API path or query become a 4xx in the error shape (PostgreSQL refuses NUL in
    text, which would otherwise surface as a 500 from whichever query first uses the id)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith("/api/"):
            from .errors import error_body

            if "\x00" in request.path:
                return JsonResponse(error_body("Not found.", "not_found"), status=404)
            query = request.GET
            if any("\x00" in key or any("\x00" in v for v in query.getlist(key)) for key in query):
                return JsonResponse(
                    error_body(
                        "The query contains a NUL character, which no parameter accepts.", "bad_request"
                    ),
                    status=400,
                )
        return self.get_response(request)
