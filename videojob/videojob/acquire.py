"""Fetch a song into a local file: storage keys and paths, http(s) links, gs:// URIs and YouTube links.

Every failure is an AcquisitionError with a message in the legacy style ("YouTube download failed: …") and a
`permanent` flag: permanent ones (bad link, not audio, too long) fail the task; the others (network, server
errors) are worth another attempt.
"""

import http.client
import ipaddress
import os
import shutil
import socket
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from bachata.songs.audio import NotAudio, probe_audio

YOUTUBE_HOSTS = {"youtube.com", "www.youtube.com", "m.youtube.com", "music.youtube.com", "youtu.be"}
MAX_REDIRECTS = 5
CHUNK = 1 << 16


class AcquisitionError(Exception):
    def __init__(self, message: str, *, permanent: bool):
        super().__init__(message)
        self.message = message
        self.permanent = permanent


@dataclass(frozen=True)
class AcquisitionLimits:
    max_bytes: int = 50 * 1024 * 1024
    max_seconds: float = 10 * 60
    timeout_seconds: float = 30
    allow_private_hosts: bool = False

    @classmethod
    def from_environment(cls, env=os.environ) -> "AcquisitionLimits":
        return cls(
            max_bytes=int(env.get("AUDIO_MAX_BYTES", cls.max_bytes)),
            max_seconds=float(env.get("AUDIO_MAX_SECONDS", cls.max_seconds)),
            timeout_seconds=float(env.get("AUDIO_FETCH_TIMEOUT_SECONDS", cls.timeout_seconds)),
            allow_private_hosts=env.get("AUDIO_ALLOW_PRIVATE_HOSTS", "").lower() in {"1", "true", "yes"},
        )


@dataclass(frozen=True)
class AcquiredAudio:
    path: Path
    duration: float
    source_kind: str  # storage | file | url | youtube | gcs


def acquire_audio(
    audio_input: str,
    workdir: Path,
    *,
    limits: AcquisitionLimits,
    open_storage_key: Callable[[str], Path] | None = None,
) -> AcquiredAudio:
    """Put the song in `workdir` (or point at a local file) and check it decodes as audio within the limits.

    `open_storage_key` turns a storage key (e.g. songs/x.mp3) into a local file path, downloading if needed.
    """
    audio_input = (audio_input or "").strip()
    if not audio_input:
        raise AcquisitionError("Audio download failed: no audio input was given", permanent=True)
    workdir.mkdir(parents=True, exist_ok=True)
    scheme = urlsplit(audio_input).scheme.lower()
    if scheme in ("http", "https"):
        host = (urlsplit(audio_input).hostname or "").lower()
        if host in YOUTUBE_HOSTS:
            path, kind = download_youtube(audio_input, workdir, limits), "youtube"
        else:
            path, kind = download_http(audio_input, workdir / "song", limits), "url"
    elif scheme == "gs":
        path, kind = download_gcs(audio_input, workdir / "song", limits), "gcs"
    elif scheme:
        raise AcquisitionError(f"Audio download failed: unsupported link type '{scheme}:'", permanent=True)
    elif Path(audio_input).is_absolute():
        path, kind = Path(audio_input), "file"
        if not path.is_file():
            raise AcquisitionError(f"Audio download failed: no such file {audio_input}", permanent=True)
    else:
        if open_storage_key is None:
            raise AcquisitionError("Audio download failed: storage is not configured", permanent=False)
        try:
            path, kind = open_storage_key(audio_input), "storage"
        except FileNotFoundError:
            raise AcquisitionError(
                f"Audio download failed: {audio_input} is not in storage", permanent=True
            ) from None
    if path.stat().st_size > limits.max_bytes:
        raise AcquisitionError(_too_big(limits), permanent=True)
    duration = probe_audio_duration(path)
    if duration > limits.max_seconds:
        raise AcquisitionError(
            f"Audio download failed: the song is {duration / 60:.1f} minutes long; the limit is "
            f"{limits.max_seconds / 60:g} minutes",
            permanent=True,
        )
    return AcquiredAudio(path=path, duration=duration, source_kind=kind)


def _too_big(limits: AcquisitionLimits) -> str:
    return f"Audio download failed: the file is larger than {limits.max_bytes // (1024 * 1024)} MB"


def probe_audio_duration(path: Path) -> float:
    """Seconds of audio in the file; raises a permanent error when it does not decode as audio."""
    try:
        return probe_audio(path).duration
    except NotAudio as exc:
        raise AcquisitionError(f"Music analysis failed: {exc}", permanent=True) from exc


# --- http(s) ----------------------------------------------------------------------------------------------


def _checked_address(host: str, port: int, allow_private: bool) -> str:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise AcquisitionError(f"Audio download failed: cannot resolve {host}", permanent=True) from exc
    for *_, sockaddr in infos:
        address = ipaddress.ip_address(sockaddr[0])
        if allow_private or address.is_global:
            return sockaddr[0]
    raise AcquisitionError(
        f"Audio download failed: {host} points to a private or local network address, which is not allowed",
        permanent=True,
    )


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """HTTPS to an address checked beforehand, still verifying the certificate for the host name."""

    def __init__(self, host, address, **kwargs):
        super().__init__(host, **kwargs)
        self._address = address

    def connect(self):
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, host, address, **kwargs):
        super().__init__(host, **kwargs)
        self._address = address

    def connect(self):
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


def download_http(url: str, target: Path, limits: AcquisitionLimits) -> Path:
    """GET with redirects, each hop's address checked (no private/loopback/link-local) and pinned."""
    for _ in range(MAX_REDIRECTS + 1):
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise AcquisitionError(f"Audio download failed: unsupported link {url}", permanent=True)
        port = parts.port or (443 if parts.scheme == "https" else 80)
        address = _checked_address(parts.hostname, port, limits.allow_private_hosts)
        if parts.scheme == "https":
            conn = _PinnedHTTPSConnection(
                parts.hostname,
                address,
                port=port,
                timeout=limits.timeout_seconds,
                context=ssl.create_default_context(),
            )
        else:
            conn = _PinnedHTTPConnection(parts.hostname, address, port=port, timeout=limits.timeout_seconds)
        path = parts.path or "/"
        if parts.query:
            path += "?" + parts.query
        try:
            conn.request("GET", path, headers={"User-Agent": "BachataBuddy/1.0", "Accept": "audio/*, */*"})
            response = conn.getresponse()
            if response.status in (301, 302, 303, 307, 308) and response.getheader("Location"):
                url = urljoin(url, response.getheader("Location"))
                continue
            if response.status >= 500:
                raise AcquisitionError(
                    f"Audio download failed: the server answered {response.status}", permanent=False
                )
            if response.status >= 400:
                raise AcquisitionError(
                    f"Audio download failed: the server answered {response.status}", permanent=True
                )
            length = response.getheader("Content-Length")
            if length and length.isdigit() and int(length) > limits.max_bytes:
                raise AcquisitionError(_too_big(limits), permanent=True)
            _copy_limited(response, target, limits.max_bytes)
            return target
        except (TimeoutError, ConnectionError, OSError, http.client.HTTPException) as exc:
            if isinstance(exc, AcquisitionError):
                raise
            raise AcquisitionError(f"Audio download failed: {exc}", permanent=False) from exc
        finally:
            conn.close()
    raise AcquisitionError("Audio download failed: too many redirects", permanent=True)


def _copy_limited(source, target: Path, max_bytes: int) -> None:
    written = 0
    with open(target, "wb") as out:
        while chunk := source.read(CHUNK):
            written += len(chunk)
            if written > max_bytes:
                raise AcquisitionError(
                    f"Audio download failed: the file is larger than {max_bytes // (1024 * 1024)} MB",
                    permanent=True,
                )
            out.write(chunk)


# --- gs:// ------------------------------------------------------------------------------------------------


def download_gcs(uri: str, target: Path, limits: AcquisitionLimits) -> Path:
    from google.api_core import exceptions as gexc
    from google.cloud import storage

    bucket_name, _, blob_name = uri[len("gs://") :].partition("/")
    if not bucket_name or not blob_name:
        raise AcquisitionError(
            f"Audio download failed: {uri} does not name a bucket and an object", permanent=True
        )
    try:
        client = storage.Client()
        blob = client.bucket(bucket_name).get_blob(blob_name)
        if blob is None:
            raise AcquisitionError(f"Audio download failed: {uri} does not exist", permanent=True)
        if blob.size is not None and blob.size > limits.max_bytes:
            raise AcquisitionError(_too_big(limits), permanent=True)
        blob.download_to_filename(str(target), timeout=limits.timeout_seconds)
    except (gexc.Forbidden, gexc.Unauthorized) as exc:
        raise AcquisitionError(f"Audio download failed: no access to {uri}", permanent=True) from exc
    except gexc.GoogleAPIError as exc:
        raise AcquisitionError(f"Audio download failed: {exc}", permanent=False) from exc
    return target


# --- YouTube (yt-dlp) -------------------------------------------------------------------------------------


def download_youtube(url: str, workdir: Path, limits: AcquisitionLimits) -> Path:
    import yt_dlp

    out_dir = workdir / "youtube"
    out_dir.mkdir(parents=True, exist_ok=True)
    options = {
        "format": "bestaudio/best",
        "outtmpl": str(out_dir / "song.%(ext)s"),
        "noplaylist": True,
        "quiet": True,
        "no_warnings": True,
        "noprogress": True,
        "max_filesize": limits.max_bytes,
        "socket_timeout": limits.timeout_seconds,
        "retries": 2,
        # A list is OR-ed: short enough, or of unknown length (checked after download).
        "match_filter": yt_dlp.utils.match_filter_func(
            [f"duration <= {int(limits.max_seconds)}", "!duration"]
        ),
        "cachedir": False,
    }
    try:
        with yt_dlp.YoutubeDL(options) as ydl:
            ydl.download([url])
    except yt_dlp.utils.DownloadError as exc:
        reason = str(exc).removeprefix("ERROR: ").strip()
        transient = any(
            word in reason.lower() for word in ("timed out", "temporary", "503", "502", "connection")
        )
        raise AcquisitionError(f"YouTube download failed: {reason}", permanent=not transient) from exc
    files = sorted(out_dir.iterdir())
    if not files:
        raise AcquisitionError(
            "YouTube download failed: nothing was downloaded (too long or too large?)", permanent=True
        )
    song = workdir / f"song{files[0].suffix}"
    shutil.move(str(files[0]), song)
    return song
