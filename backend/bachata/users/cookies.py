"""The refresh token as an HttpOnly cookie for the web app, next to the tokens in JSON for other clients.

The cookie is SameSite=Strict, scoped to the auth endpoints (`/api/auth/`) and Secure outside local
development. Where the API reads the token from the cookie (refresh, logout) it also demands what a
cross-site page cannot forge: the SPA's own request header (a custom header makes any cross-origin
request a CORS preflight, which the API answers only for its configured origins) and, when the browser
sends one, an Origin of this site or of CORS_ALLOWED_ORIGINS.
"""

from urllib.parse import urlsplit

from django.conf import settings
from rest_framework import serializers, status

from bachata.api.errors import ApiError
from bachata.api.fields import TEXT

COOKIE_NAME = "bachata_refresh"
COOKIE_PATH = "/api/auth/"
CLIENT_HEADER = "X-Bachata-Client"  # the SPA sends `X-Bachata-Client: web`


def _cookie_secure() -> bool:
    return getattr(settings, "AUTH_COOKIE_SECURE", not settings.DEBUG)


def refresh_cookie_set(response, refresh: str):
    lifetime = settings.SIMPLE_JWT["REFRESH_TOKEN_LIFETIME"]
    response.set_cookie(
        COOKIE_NAME,
        refresh,
        max_age=int(lifetime.total_seconds()),
        path=COOKIE_PATH,
        secure=_cookie_secure(),
        httponly=True,
        samesite="Strict",
    )
    return response


def refresh_cookie_clear(response):
    response.delete_cookie(COOKIE_NAME, path=COOKIE_PATH, samesite="Strict")
    return response


def _origin_allowed(request) -> bool:
    origin = request.headers.get("Origin")
    if not origin:
        return True  # same-origin GET/HEAD and non-browser clients send none; SameSite still applies
    if origin == "null":
        return False
    parts = urlsplit(origin)
    if parts.netloc and parts.netloc == request.get_host():
        return True
    return origin in getattr(settings, "CORS_ALLOWED_ORIGINS", [])


def refresh_from_request(request) -> str | None:
    """The refresh token of the body, else of the cookie (then only from the SPA on an allowed origin)."""
    body = request.data.get("refresh") if hasattr(request.data, "get") else None
    if body is not None and not isinstance(body, str):
        raise serializers.ValidationError({"refresh": [TEXT]})
    if body:
        return body
    cookie = request.COOKIES.get(COOKIE_NAME)
    if not cookie:
        return None
    if not request.headers.get(CLIENT_HEADER) or not _origin_allowed(request):
        raise ApiError(
            "This request did not come from the Bachata Buddy app.",
            code="cross_site_refused",
            status_code=status.HTTP_403_FORBIDDEN,
        )
    return cookie
