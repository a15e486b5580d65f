"""Fetch a song into a local file: storage keys and paths, http(s) links, gs:// URIs and YouTube links.

Every failure is an AcquisitionError with a message in the legacy style ("YouTube download failed: …") and a
`permanent` flag: permanent ones (bad link, not audio, too long) fail the task; the others (network, server
errors) are worth another attempt.
"""

import contextlib
import http.client
import ipaddress
import json
import logging
import os
import shutil
import socket
import ssl
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from bachata.songs.audio import NotAudio, probe_audio

YOUTUBE_HOSTS = {"youtube.com", "www.youtube.com", "m.youtube.com", "music.youtube.com", "youtu.be"}
# yt-dlp runs only YouTube's own extractor: its generic one follows redirects to any address unchecked.
YOUTUBE_EXTRACTORS = ("youtube",)
MAX_REDIRECTS = 5
CHUNK = 1 << 16
logger = logging.getLogger(__name__)


class AcquisitionError(Exception):
    def __init__(self, message: str, *, permanent: bool):
        super().__init__(message)
        self.message = message
        self.permanent = permanent


@dataclass(frozen=True)
class AcquisitionLimits:
    max_bytes: int = 50 * 1024 * 1024
    max_seconds: float = 10 * 60
    min_seconds: float = 0.0
    timeout_seconds: float = 30  # for each network wait
    deadline_seconds: float = 180  # for the whole download, redirects and yt-dlp included
    allow_private_hosts: bool = False
    gcs_buckets: tuple[str, ...] = ()  # the only buckets a gs:// link may name (docs/security.md)

    @classmethod
    def from_environment(cls, env=os.environ) -> "AcquisitionLimits":
        return cls(
            max_bytes=int(env.get("AUDIO_MAX_BYTES", cls.max_bytes)),
            max_seconds=float(env.get("AUDIO_MAX_SECONDS", cls.max_seconds)),
            min_seconds=float(env.get("SONG_MIN_SECONDS", "10")),
            timeout_seconds=float(env.get("AUDIO_FETCH_TIMEOUT_SECONDS", cls.timeout_seconds)),
            deadline_seconds=float(env.get("AUDIO_DOWNLOAD_DEADLINE_SECONDS", cls.deadline_seconds)),
            allow_private_hosts=env.get("AUDIO_ALLOW_PRIVATE_HOSTS", "").lower() in {"1", "true", "yes"},
            gcs_buckets=tuple(
                b.strip() for b in env.get("AUDIO_GCS_ALLOWED_BUCKETS", "").split(",") if b.strip()
            ),
        )


class _Deadline:
    def __init__(self, seconds: float):
        self.seconds = seconds
        self.ends = time.monotonic() + seconds

    def left(self) -> float:
        left = self.ends - time.monotonic()
        if left <= 0:
            raise AcquisitionError(
                f"Audio download failed: it did not finish within {self.seconds:g} seconds", permanent=False
            )
        return left


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
    cancel_event: threading.Event | None = None,
) -> AcquiredAudio:
    """Put the song in `workdir` (or point at a local file) and check it decodes as audio within the limits.

    `open_storage_key` turns a storage key (e.g. songs/x.mp3) into a local file path, downloading if needed.
    `cancel_event`, once set, stops an http(s) download at once (a stalled server would otherwise hold a
    cancelled job until its network wait times out).
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
            path, kind = download_http(audio_input, workdir / "song", limits, cancel_event), "url"
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
    duration = probe_audio_duration(path, limits.min_seconds)
    if duration > limits.max_seconds:
        raise AcquisitionError(
            f"Audio download failed: the song is {duration / 60:.1f} minutes long; the limit is "
            f"{limits.max_seconds / 60:g} minutes",
            permanent=True,
        )
    return AcquiredAudio(path=path, duration=duration, source_kind=kind)


def _too_big(limits: AcquisitionLimits) -> str:
    return f"Audio download failed: the file is larger than {limits.max_bytes // (1024 * 1024)} MB"


def probe_audio_duration(path: Path, min_seconds: float = 0.0) -> float:
    """Seconds of audio in the file; raises a permanent error when it does not decode as a usable song."""
    try:
        return probe_audio(path, min_seconds=min_seconds).duration
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


def download_http(
    url: str, target: Path, limits: AcquisitionLimits, cancel_event: threading.Event | None = None
) -> Path:
    """GET with redirects, each hop's address checked (no private/loopback/link-local) and pinned; the whole
    download (every hop, every byte) ends by one deadline, however slowly the server sends, and at once when
    `cancel_event` is set."""
    deadline = _Deadline(limits.deadline_seconds)
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
                timeout=min(limits.timeout_seconds, deadline.left()),
                context=ssl.create_default_context(),
            )
        else:
            conn = _PinnedHTTPConnection(
                parts.hostname, address, port=port, timeout=min(limits.timeout_seconds, deadline.left())
            )
        path = parts.path or "/"
        if parts.query:
            path += "?" + parts.query
        try:
            conn.request("GET", path, headers={"User-Agent": "BachataBuddy/1.0", "Accept": "audio/*, */*"})
            sock = conn.sock  # the response keeps reading it after an HTTP/1.0 server's reply detaches it
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
            with _shut_down_when_set(cancel_event, sock):
                _copy_limited(response, target, limits.max_bytes, deadline)
            _raise_if_cancelled(cancel_event)
            return target
        except (TimeoutError, ConnectionError, OSError, http.client.HTTPException) as exc:
            if isinstance(exc, AcquisitionError):
                raise
            _raise_if_cancelled(cancel_event)
            raise AcquisitionError(f"Audio download failed: {exc}", permanent=False) from exc
        finally:
            conn.close()
    raise AcquisitionError("Audio download failed: too many redirects", permanent=True)


@contextlib.contextmanager
def _shut_down_when_set(cancel_event: threading.Event | None, sock: socket.socket | None):
    """While the body is read, a watcher shuts the socket down as soon as the job is cancelled: the blocked
    read in this thread then returns at once (a signal handler cannot interrupt it: Python retries the read)."""
    if cancel_event is None:
        yield
        return
    done = threading.Event()

    def watch() -> None:
        while not done.wait(0.2):
            if cancel_event.is_set():
                with contextlib.suppress(OSError, AttributeError):
                    sock.shutdown(socket.SHUT_RDWR)
                return

    watcher = threading.Thread(target=watch, name="download-cancel", daemon=True)
    watcher.start()
    try:
        yield
    finally:
        done.set()
        watcher.join()


def _raise_if_cancelled(cancel_event: threading.Event | None) -> None:
    if cancel_event is not None and cancel_event.is_set():
        raise AcquisitionError("Audio download stopped: the generation was cancelled", permanent=True)


def _copy_limited(source, target: Path, max_bytes: int, deadline: _Deadline) -> None:
    written = 0
    with open(target, "wb") as out:
        # read1: whatever has arrived (read(n) would wait for n bytes, a byte a second at a time)
        while chunk := source.read1(CHUNK):
            deadline.left()
            written += len(chunk)
            if written > max_bytes:
                raise AcquisitionError(
                    f"Audio download failed: the file is larger than {max_bytes // (1024 * 1024)} MB",
                    permanent=True,
                )
            out.write(chunk)


# --- gs:// ------------------------------------------------------------------------------------------------


def download_gcs(uri: str, target: Path, limits: AcquisitionLimits) -> Path:
    """Only buckets the deployment names as readable for everyone (AUDIO_GCS_ALLOWED_BUCKETS): the job's
    credentials could read other users' uploads and videos, and its answers would tell which objects exist."""
    from google.api_core import exceptions as gexc
    from google.auth import exceptions as auth_exceptions
    from google.cloud import storage

    bucket_name, _, blob_name = uri[len("gs://") :].partition("/")
    if not bucket_name or not blob_name:
        raise AcquisitionError(
            f"Audio download failed: {uri} does not name a bucket and an object", permanent=True
        )
    if bucket_name not in limits.gcs_buckets:
        raise AcquisitionError(
            "Audio download failed: gs:// links are not accepted for that bucket; upload the song instead",
            permanent=True,
        )
    try:
        client = storage.Client()
        blob = client.bucket(bucket_name).get_blob(blob_name, timeout=min(limits.timeout_seconds, 60))
        if blob is None:
            raise AcquisitionError(f"Audio download failed: {uri} does not exist", permanent=True)
        if blob.size is not None and blob.size > limits.max_bytes:
            raise AcquisitionError(_too_big(limits), permanent=True)
        blob.download_to_filename(str(target), timeout=limits.timeout_seconds)
    except (gexc.Forbidden, gexc.Unauthorized) as exc:
        raise AcquisitionError(f"Audio download failed: no access to {uri}", permanent=True) from exc
    except auth_exceptions.GoogleAuthError as exc:
        logger.warning("no Google Cloud credentials for %s: %s", uri, exc)
        raise AcquisitionError(
            "Audio download failed: this server has no Google Cloud Storage credentials to read gs:// links",
            permanent=True,
        ) from exc
    except gexc.GoogleAPIError as exc:
        logger.warning("reading %s failed: %s", uri, exc)
        raise AcquisitionError(
            "Audio download failed: Google Cloud Storage did not answer", permanent=False
        ) from exc
    return target


# --- YouTube (yt-dlp) -------------------------------------------------------------------------------------


def download_youtube(
    url: str, workdir: Path, limits: AcquisitionLimits, *, extractors: tuple[str, ...] = YOUTUBE_EXTRACTORS
) -> Path:
    """yt-dlp in a child process, killed at the download's deadline (yt-dlp has no overall timeout of its
    own: a server sending a byte a second would hold the job forever while its heartbeat kept the reaper away)."""
    out_dir = workdir / "youtube"
    out_dir.mkdir(parents=True, exist_ok=True)
    request = {
        "url": url,
        "out_dir": str(out_dir),
        "max_bytes": limits.max_bytes,
        "max_seconds": limits.max_seconds,
        "timeout_seconds": limits.timeout_seconds,
        "extractors": list(extractors),
    }
    try:
        child = subprocess.run(
            [sys.executable, "-c", "from videojob.acquire import _youtube_child; _youtube_child()"],
            input=json.dumps(request),
            capture_output=True,
            text=True,
            timeout=limits.deadline_seconds,
        )
    except subprocess.TimeoutExpired:
        raise AcquisitionError(
            f"YouTube download failed: it did not finish within {limits.deadline_seconds:g} seconds",
            permanent=False,
        ) from None
    if child.returncode != 0:
        lines = [line for line in child.stderr.splitlines() if line.startswith("ERROR:")]
        reason = (lines[-1] if lines else "the download stopped").removeprefix("ERROR:").strip()
        logger.warning("yt-dlp failed for %s: %s", url, child.stderr[-2000:])
        transient = any(
            word in reason.lower() for word in ("timed out", "temporary", "503", "502", "connection")
        )
        raise AcquisitionError(f"YouTube download failed: {reason[:300]}", permanent=not transient)
    files = sorted(out_dir.iterdir())
    if not files:
        raise AcquisitionError(
            "YouTube download failed: nothing was downloaded (too long or too large?)", permanent=True
        )
    song = workdir / f"song{files[0].suffix}"
    shutil.move(str(files[0]), song)
    return song


def _youtube_child() -> None:
    """The child's side: one yt-dlp download described as JSON on stdin; errors as `ERROR: …` on stderr."""
    import yt_dlp

    request = json.loads(sys.stdin.read())
    options = {
        "format": "bestaudio/best",
        "outtmpl": str(Path(request["out_dir"]) / "song.%(ext)s"),
        "noplaylist": True,
        "quiet": True,
        "no_warnings": True,
        "noprogress": True,
        "max_filesize": request["max_bytes"],
        "socket_timeout": request["timeout_seconds"],
        "retries": 2,
        "allowed_extractors": request["extractors"],
        # A list is OR-ed: short enough, or of unknown length (checked after download).
        "match_filter": yt_dlp.utils.match_filter_func(
            [f"duration <= {int(request['max_seconds'])}", "!duration"]
        ),
        "cachedir": False,
    }
    try:
        with yt_dlp.YoutubeDL(options) as ydl:
            ydl.download([request["url"]])
    except yt_dlp.utils.DownloadError as exc:
        reason = str(exc).removeprefix("ERROR: ").strip().splitlines()[0]
        print(f"ERROR: {reason}", file=sys.stderr)
        raise SystemExit(1) from None
