"""Owner-only access to stored media (videos, thumbnails) for browsers.

A `<video>` element cannot send an Authorization header, so the API hands out URLs carrying a short-lived
token signed for one object and one user. The media view then streams the file with HTTP Range support
(local storage) or redirects to a freshly signed URL (GCS).
"""

import mimetypes
import re
import time
from dataclasses import dataclass
from datetime import timedelta

from django.core import signing
from django.http import FileResponse, HttpResponse, HttpResponseRedirect, JsonResponse, StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import NotFound

from bachata.storage import InvalidKey, ObjectNotFound, Storage, get_storage, legacy_video_path_to_key

from .errors import error_body

TOKEN_MAX_AGE = timedelta(hours=2)
REDIRECT_LIFETIME = timedelta(minutes=10)
_SALT = "bachata.media"
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def _account_fingerprint(user_id) -> str | None:
    """Changes when the account's password changes; None when the account is gone or deactivated. A token
    carries it, so that a password change or a deactivation ends every media link handed out before."""
    from django.contrib.auth import get_user_model
    from django.utils.crypto import salted_hmac

    row = get_user_model().objects.filter(pk=user_id).values_list("password", "is_active").first()
    if row is None or not row[1]:
        return None
    return salted_hmac(_SALT, row[0], algorithm="sha256").hexdigest()[:20]


def media_token(kind: str, object_id, user_id: int) -> str:
    data = {"k": kind, "o": str(object_id), "u": user_id, "a": _account_fingerprint(user_id)}
    return signing.TimestampSigner(salt=_SALT).sign_object(data)


def media_token_epoch(now: float | None = None) -> int:
    """Which half of TOKEN_MAX_AGE it is. The ETag of a body carrying media URLs includes it, so a client
    told "not modified" never keeps a token past half its lifetime."""
    return int((time.time() if now is None else now) // (TOKEN_MAX_AGE.total_seconds() / 2))


def media_token_user(token: str, kind: str, object_id) -> int | None:
    """The user id the token was issued to, if it is genuine, fresh, for this object, and its account is
    still active with the password it had then."""
    try:
        data = signing.TimestampSigner(salt=_SALT).unsign_object(token, max_age=TOKEN_MAX_AGE)
    except (signing.BadSignature, TypeError, ValueError):
        return None
    if data.get("k") != kind or data.get("o") != str(object_id):
        return None
    fingerprint = _account_fingerprint(data.get("u"))
    if fingerprint is None or data.get("a") != fingerprint:
        return None
    return data.get("u")


class Unsatisfiable(Exception):
    pass


@dataclass(frozen=True)
class ByteRange:
    start: int
    end: int  # inclusive, as in HTTP


def parse_range(header: str | None, size: int) -> ByteRange | None:
    """One `bytes=` range of RFC 9110 (suffix and open-ended forms included); None means the whole file.

    Multiple ranges and malformed headers are answered with the whole file, as the RFC allows.
    """
    if not header:
        return None
    match = _RANGE.match(header.strip())
    if not match or (not match.group(1) and not match.group(2)):
        return None
    first, last = match.group(1), match.group(2)
    if not first:  # the last N bytes
        length = int(last)
        if length == 0 or size == 0:
            raise Unsatisfiable
        return ByteRange(max(0, size - length), size - 1)
    start = int(first)
    end = min(int(last), size - 1) if last else size - 1
    if last and int(last) < start:
        return None
    if start >= size:
        raise Unsatisfiable
    return ByteRange(start, end)


def media_response(request, storage: Storage, key: str, *, content_type: str | None = None):
    content_type = content_type or mimetypes.guess_type(key)[0] or "application/octet-stream"
    try:
        url = storage.url_for(key, expires=REDIRECT_LIFETIME)
        if url:
            if not storage.exists(key):
                raise ObjectNotFound(key)
            return HttpResponseRedirect(url)
        size = storage.size(key)
    except ObjectNotFound:
        return JsonResponse(error_body("This video is no longer available.", "media_missing"), status=404)
    try:
        wanted = parse_range(request.headers.get("Range"), size)
    except Unsatisfiable:
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
        return response
    if wanted is None:
        response = FileResponse(storage.open(key), content_type=content_type)
        response["Content-Length"] = str(size)
    else:
        response = StreamingHttpResponse(
            _chunks(storage, key, wanted.start, wanted.end + 1), status=206, content_type=content_type
        )
        response["Content-Range"] = f"bytes {wanted.start}-{wanted.end}/{size}"
        response["Content-Length"] = str(wanted.end - wanted.start + 1)
    response["Accept-Ranges"] = "bytes"
    response["Cache-Control"] = "private, max-age=600"
    return response


def _chunks(storage: Storage, key: str, start: int, stop: int, chunk: int = 1 << 20):
    position = start
    while position < stop:
        data = storage.read(key, position, min(stop, position + chunk))
        if not data:
            return
        position += len(data)
        yield data


media_view_schema = extend_schema(
    parameters=[OpenApiParameter("token", str, OpenApiParameter.QUERY, required=False)],
    responses={
        (200, "video/mp4"): OpenApiTypes.BINARY,
        (206, "video/mp4"): OpenApiTypes.BINARY,
        302: None,
        416: None,
    },
)


def stored_media_response(request, stored_path: str | None):
    """The file a row points to — a storage key, or a legacy absolute file path — streamed or redirected
    by `media_response`; 404 when the row points nowhere or outside the storage."""
    if not stored_path:
        raise NotFound("Not found.")
    try:
        key = legacy_video_path_to_key(stored_path)
    except InvalidKey:
        raise NotFound("This video is no longer available.") from None
    return media_response(request, get_storage(), key)


def media_url(path: str, kind: str, object_id, user_id: int) -> str:
    return f"{path}?token={media_token(kind, object_id, user_id)}"


def requesting_user_id(request, kind: str, object_id) -> int | None:
    """Who asks for the media: the logged-in user, or the user a valid token was issued to."""
    if request.user and request.user.is_authenticated:
        return request.user.pk
    token = request.query_params.get("token")
    return media_token_user(token, kind, object_id) if token else None
