"""Conditional GET (RFC 9110, section 13.1.2): `If-None-Match` against a weak ETag, answered 304 Not Modified.

Used by the task status poll, which clients call every 2 s while a video is made: a 304 carries no body and
skips the serializer. The ETags are weak because a body carries freshly signed media URLs (see
bachata.api.media): two bodies with the same ETag mean the same, they are not byte for byte the same.
"""

import hashlib

from django.http import HttpResponseNotModified
from django.utils.cache import patch_vary_headers
from django.utils.http import parse_etags
from drf_spectacular.utils import OpenApiParameter

IF_NONE_MATCH_PARAMETER = OpenApiParameter(
    "If-None-Match",
    str,
    OpenApiParameter.HEADER,
    required=False,
    description="The ETag of the copy you hold: 304 Not Modified, without a body, while it is still current.",
)


def weak_etag(*parts) -> str:
    """An opaque weak ETag from the parts that determine what a response says."""
    digest = hashlib.sha256("\x1f".join(str(part) for part in parts).encode()).hexdigest()[:32]
    return f'W/"{digest}"'


def none_match(request, etag: str) -> bool:
    """Whether the request's If-None-Match names `etag` (weak comparison) or is `*`: the client's copy is
    current."""
    header = request.headers.get("If-None-Match")
    if not header:
        return False
    tags = parse_etags(header)
    if tags == ["*"]:
        return True
    opaque = etag.removeprefix("W/")
    return any(tag.removeprefix("W/") == opaque for tag in tags)


def with_etag(response, etag: str):
    """The response with its validator; caches must ask again before reusing it (and per user)."""
    response["ETag"] = etag
    response["Cache-Control"] = "private, no-cache"
    patch_vary_headers(response, ["Authorization"])
    return response


def not_modified(etag: str) -> HttpResponseNotModified:
    return with_etag(HttpResponseNotModified(), etag)
