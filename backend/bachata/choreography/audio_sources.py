"""Parsing of a generation's `audio_input`: an http(s) link, a YouTube link or a gs:// URI."""

import ipaddress
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

MAX_LENGTH = 2000
YOUTUBE_HOSTS = {"youtube.com", "www.youtube.com", "m.youtube.com", "music.youtube.com", "youtu.be"}
_GCS_BUCKET = re.compile(r"^[a-z0-9][a-z0-9._-]{1,61}[a-z0-9]$")
_HOST = re.compile(r"^[A-Za-z0-9.-]+$")


class AudioInputError(ValueError):
    pass


@dataclass(frozen=True)
class AudioSource:
    kind: str  # url | youtube | gcs | library | upload
    value: str  # what the job receives as AUDIO_INPUT
    label: str  # shown to people (music_info.source)


def audio_input_parse(
    text: str, *, allow_private_hosts: bool = False, gcs_buckets: tuple[str, ...] | list[str] = ()
) -> AudioSource:
    if not isinstance(text, str) or not text.strip():
        raise AudioInputError("Enter a link to the song.")
    text = text.strip()
    if len(text) > MAX_LENGTH:
        raise AudioInputError(f"The link is too long (at most {MAX_LENGTH} characters).")
    if any(ch.isspace() or ord(ch) < 32 for ch in text):
        raise AudioInputError("The link must not contain spaces or control characters.")
    if text.startswith("gs://"):
        bucket, _, name = text[5:].partition("/")
        if not _GCS_BUCKET.match(bucket) or not name:
            raise AudioInputError(
                "A gs:// address must name a bucket and an object, like gs://bucket/song.mp3."
            )
        if bucket not in gcs_buckets:
            # The job would read it with its own credentials: other users' uploads and videos included.
            raise AudioInputError(
                "gs:// links are not accepted for that bucket. Upload the song or choose one from the library."
            )
        return AudioSource("gcs", text, text)
    try:
        parts = urlsplit(text)
        host = (parts.hostname or "").lower()
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError:
        raise AudioInputError("That link is not a valid web address.") from None
    if parts.scheme not in ("http", "https"):
        raise AudioInputError("Enter an http(s) link, a YouTube link or a gs:// address.")
    if not host or not _HOST.match(host) or host.startswith(".") or ".." in host:
        raise AudioInputError("That link has no valid host name.")
    if not allow_private_hosts and _is_private(host):
        raise AudioInputError("Links to private or local network addresses are not allowed.")
    if host in YOUTUBE_HOSTS:
        return AudioSource("youtube", text, text)
    return AudioSource("url", text, text)


def _is_private(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False  # a name: the job resolves it and checks the address it connects to
    return not address.is_global
