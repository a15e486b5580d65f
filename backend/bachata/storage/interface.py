"""The storage interface: media files (songs, uploads, choreography videos, thumbnails) by key."""

from datetime import timedelta
from pathlib import Path
from typing import BinaryIO, Protocol

Content = bytes | bytearray | memoryview | BinaryIO


class ObjectNotFound(FileNotFoundError):
    pass


class Storage(Protocol):
    """Keys are validated by `keys.validate_key` (InvalidKey) before anything is touched.

    Byte ranges follow Python slices: `read(key, start, end)` returns bytes `start` up to, not including,
    `end` (HTTP's inclusive `bytes=a-b` is `read(key, a, b + 1)`); a range past the end returns what exists.
    """

    def save(self, key: str, content: Content, content_type: str | None = None) -> str:
        """Write (or replace) the object from bytes or a readable binary file (all of it: rewound if seekable)."""

    def open(self, key: str) -> BinaryIO:
        """A readable, seekable binary stream (GCS reads it in ranged chunks). ObjectNotFound if absent."""

    def read(self, key: str, start: int = 0, end: int | None = None) -> bytes:
        """The bytes [start, end). ObjectNotFound if absent."""

    def exists(self, key: str) -> bool: ...

    def delete(self, key: str) -> None:
        """Remove the object; nothing happens if it is absent."""

    def size(self, key: str) -> int:
        """Size in bytes. ObjectNotFound if absent."""

    def list_keys(self, prefix: str = "") -> list[str]:
        """Keys starting with `prefix` (a plain string prefix, as in GCS), sorted."""

    def url_for(self, key: str, expires: timedelta | None = None) -> str | None:
        """A time-limited URL a browser can GET (signed, GCS); None when the API must serve the file itself."""

    def local_path(self, key: str) -> Path | None:
        """The file behind the key on this machine (local storage), else None."""

    def alias(self, key: str, alias_key: str) -> str:
        """Make `alias_key` read as `key` (replacing what it held) without writing the bytes again where the
        storage allows: a relative symbolic link locally, a server-side copy on GCS (objects cannot be
        linked). ObjectNotFound if `key` is absent. Deleting `key` leaves a local alias dangling (absent)."""


def rewind(stream: BinaryIO) -> None:
    if getattr(stream, "seekable", lambda: False)():
        stream.seek(0)


def check_range(start: int, end: int | None) -> None:
    if (
        not isinstance(start, int)
        or start < 0
        or (end is not None and (not isinstance(end, int) or end < start))
    ):
        raise ValueError(f"invalid byte range [{start}, {end})")
