"""Storage keys: validation, the legacy layout, and mapping legacy absolute video paths to keys.

A key is a relative, slash-separated path: no leading slash, no empty, `.`-leading or `..` segments, no
backslashes or control characters, at most 1,024 UTF-8 bytes (GCS's object name limit). Segments that start
with a dot are refused so that keys can never name hidden files or the local backend's temporary files.

Layout (legacy conventions): `choreographies/%Y/%m/`, `thumbnails/%Y/%m/`, `songs/`, `uploads/`; legacy
rows point at `output/user_<id>/<song>_balanced_choreography.mp4`.
"""

import re
import unicodedata
import uuid
from datetime import UTC, datetime
from pathlib import PurePosixPath

MAX_KEY_BYTES = 1024
MAX_FILENAME_CHARS = 120
_LEGACY_VIDEO_TAIL = re.compile(r"(?:^|/)(output/user_\d+/[^/]+)$")


class InvalidKey(ValueError):
    pass


def validate_key(key: object) -> str:
    """Return the key unchanged if it is a safe storage key; raise InvalidKey otherwise."""
    if not isinstance(key, str) or not key:
        raise InvalidKey("a storage key must be a non-empty string")
    if len(key.encode("utf-8", "surrogatepass")) > MAX_KEY_BYTES:
        raise InvalidKey(f"a storage key must be at most {MAX_KEY_BYTES} bytes")
    if key.startswith("/"):
        raise InvalidKey("a storage key must be relative (no leading slash)")
    if "\\" in key or any(unicodedata.category(ch) in ("Cc", "Cs") for ch in key):
        raise InvalidKey("a storage key must not contain backslashes or control characters")
    for segment in key.split("/"):
        if not segment:
            raise InvalidKey("a storage key must not contain empty segments (// or a trailing slash)")
        if segment.startswith("."):
            raise InvalidKey("a storage key segment must not start with a dot (., .., hidden names)")
    return key


def validate_prefix(prefix: str) -> str:
    """A listing prefix: empty, or a key, or a key followed by a slash."""
    if prefix:
        validate_key(prefix[:-1] if prefix.endswith("/") else prefix)
    return prefix


def legacy_video_path_to_key(path: str) -> str:
    """Map a legacy `video_path` to a storage key.

    Absolute paths (`<any media root>/output/user_<id>/<file>`) become `output/user_<id>/<file>`; relative
    values are already keys and come back unchanged. Raises InvalidKey for anything else.
    """
    if isinstance(path, str) and path.startswith("/"):
        match = _LEGACY_VIDEO_TAIL.search(path)
        if not match:
            raise InvalidKey(f"not a legacy video path (…/output/user_<id>/<file>): {path!r}")
        return validate_key(match.group(1))
    return validate_key(path)


def legacy_output_key(user_id: int, key: str) -> str:
    """Where the legacy app's `/video/<filename>/` looks for a file of this user: `output/user_<id>/<name>`.

    New videos stay at their own key; during the parallel run the job publishes an alias here (a link, or a
    server-side copy on GCS) so that the legacy result card and collection pages play them.
    """
    return validate_key(f"output/user_{int(user_id)}/{PurePosixPath(validate_key(key)).name}")


def safe_filename(name: str) -> str:
    """A file name usable as the last key segment: its base name in ASCII letters, digits and `._-`, no
    leading dot, at most MAX_FILENAME_CHARS characters (the extension kept), never empty."""
    base = PurePosixPath(str(name).replace("\\", "/")).name
    base = unicodedata.normalize("NFKD", base).encode("ascii", "ignore").decode("ascii")
    base = re.sub(r"[^A-Za-z0-9._-]+", "_", base).strip("._")
    stem, dot, suffix = base.rpartition(".")
    if not dot:
        stem, suffix = base, ""
    suffix = suffix[:10]
    stem = stem[: MAX_FILENAME_CHARS - len(suffix) - 1].rstrip("._")
    return (f"{stem}.{suffix}" if stem and suffix else stem or suffix) or "file"


def _dated_unique_key(prefix: str, filename: str, now: datetime | None) -> str:
    now = now or datetime.now(UTC)
    return validate_key(f"{prefix}/{now:%Y/%m}/{uuid.uuid4().hex[:12]}_{safe_filename(filename)}")


def new_choreography_key(filename: str, *, now: datetime | None = None) -> str:
    """`choreographies/%Y/%m/<unique>_<name>`: regenerating never overwrites an earlier video."""
    return _dated_unique_key("choreographies", filename, now)


def new_thumbnail_key(filename: str, *, now: datetime | None = None) -> str:
    return _dated_unique_key("thumbnails", filename, now)


def new_upload_key(user_id: int, filename: str) -> str:
    """`uploads/user_<id>/<unique>_<name>` for a user's own song."""
    return validate_key(f"uploads/user_{int(user_id)}/{uuid.uuid4().hex[:12]}_{safe_filename(filename)}")


def song_key(filename: str) -> str:
    """`songs/<name>`: library songs keep their names."""
    return validate_key(f"songs/{safe_filename(filename)}")
