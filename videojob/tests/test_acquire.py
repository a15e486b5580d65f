"""Audio acquisition against real local peers: an HTTP server, yt-dlp, the GCS emulator."""

import math
import struct
import threading
import time
import wave
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from videojob.acquire import AcquisitionError, AcquisitionLimits, acquire_audio, download_youtube

LOCAL = AcquisitionLimits(allow_private_hosts=True, timeout_seconds=5, gcs_buckets=("bachata-songs",))


def make_wav(path: Path, seconds: float = 2.0, rate: int = 22050) -> bytes:
    frames = b"".join(
        struct.pack("<h", int(12000 * math.sin(2 * math.pi * 440 * n / rate)))
        for n in range(int(seconds * rate))
    )
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(frames)
    return path.read_bytes()


@pytest.fixture
def web(tmp_path):
    """A local web server: /song.wav, /long.wav, /notes.txt, /moved (redirect), /missing (404), /broken (500)."""
    files = {
        "/song.wav": make_wav(tmp_path / "song.wav"),
        "/long.wav": make_wav(tmp_path / "long.wav", seconds=8),
        "/notes.txt": b"these are not the droids you are looking for" * 100,
    }

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            if self.path == "/moved":
                self.send_response(302)
                self.send_header("Location", "/song.wav")
                self.end_headers()
            elif self.path in files:
                body = files[self.path]
                self.send_response(200)
                self.send_header("Content-Type", "audio/wav")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            else:
                self.send_response(500 if self.path == "/broken" else 404)
                self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def test_http_download_follows_redirects_and_measures_the_song(web, tmp_path):
    song = acquire_audio(f"{web}/moved", tmp_path / "work", limits=LOCAL)
    assert song.source_kind == "url"
    assert song.duration == pytest.approx(2.0, abs=0.05)


@pytest.mark.parametrize(
    ("path", "permanent", "message"),
    [
        ("/missing", True, "Audio download failed: the server answered 404"),
        ("/broken", False, "Audio download failed: the server answered 500"),
        ("/notes.txt", True, "Music analysis failed:"),
    ],
)
def test_http_failures_are_readable_and_classified(web, tmp_path, path, permanent, message):
    with pytest.raises(AcquisitionError) as failure:
        acquire_audio(f"{web}{path}", tmp_path / "work", limits=LOCAL)
    assert failure.value.message.startswith(message)
    assert failure.value.permanent is permanent


def test_links_to_local_addresses_are_refused_unless_allowed(web, tmp_path):
    with pytest.raises(AcquisitionError, match="private or local network address") as failure:
        acquire_audio(f"{web}/song.wav", tmp_path / "work", limits=AcquisitionLimits())
    assert failure.value.permanent


def test_size_and_duration_limits(web, tmp_path):
    small = AcquisitionLimits(allow_private_hosts=True, max_bytes=50_000)
    with pytest.raises(AcquisitionError, match="larger than"):
        acquire_audio(f"{web}/long.wav", tmp_path / "a", limits=small)
    short = AcquisitionLimits(allow_private_hosts=True, max_seconds=5)
    with pytest.raises(AcquisitionError, match="minutes long") as failure:
        acquire_audio(f"{web}/long.wav", tmp_path / "b", limits=short)
    assert failure.value.permanent


def test_storage_keys_and_local_paths(tmp_path):
    song = tmp_path / "library" / "songs" / "x.wav"
    song.parent.mkdir(parents=True)
    make_wav(song)
    assert acquire_audio(str(song), tmp_path / "w", limits=LOCAL).source_kind == "file"

    def open_key(key):
        path = tmp_path / "library" / key
        if not path.exists():
            raise FileNotFoundError(key)
        return path

    assert (
        acquire_audio("songs/x.wav", tmp_path / "w", limits=LOCAL, open_storage_key=open_key).duration > 1.9
    )
    with pytest.raises(AcquisitionError, match="is not in storage"):
        acquire_audio("songs/nope.wav", tmp_path / "w", limits=LOCAL, open_storage_key=open_key)
    with pytest.raises(AcquisitionError, match="unsupported link type"):
        acquire_audio("ftp://example.com/x.mp3", tmp_path / "w", limits=LOCAL)


def test_yt_dlp_downloads_through_its_generic_extractor(web, tmp_path):
    # YouTube itself is unreachable here; yt-dlp's generic extractor fetching a direct media URL exercises
    # the same download path, options and error handling.
    path = download_youtube(f"{web}/song.wav", tmp_path, LOCAL, extractors=("generic",))
    assert path.exists() and path.stat().st_size > 40_000
    with pytest.raises(AcquisitionError, match=r"^YouTube download failed: ") as failure:
        download_youtube(f"{web}/missing", tmp_path / "again", LOCAL, extractors=("generic",))
    assert failure.value.permanent


def test_yt_dlp_runs_only_youtubes_extractor(web, tmp_path):
    # the generic extractor would follow this link (and its redirects) anywhere; the job's yt-dlp refuses it
    with pytest.raises(AcquisitionError, match=r"^YouTube download failed: .*(Unsupported URL|No suitable)"):
        download_youtube(f"{web}/song.wav", tmp_path, LOCAL)
    assert not list((tmp_path / "youtube").iterdir())


@pytest.fixture
def trickle(tmp_path):
    """A server that sends a song one byte every 0.1 s (it would take hours), never going quiet long enough
    for a per-read timeout."""
    body = make_wav(tmp_path / "trickle.wav")

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "audio/wav")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            try:
                for byte in body:
                    self.wfile.write(bytes([byte]))
                    self.wfile.flush()
                    time.sleep(0.1)
            except OSError:
                pass

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/song.wav"
    server.shutdown()


def test_a_download_ends_at_its_deadline_however_slowly_the_server_sends(trickle, tmp_path):
    limits = AcquisitionLimits(allow_private_hosts=True, timeout_seconds=5, deadline_seconds=2)
    started = time.monotonic()
    with pytest.raises(AcquisitionError, match="did not finish within 2 seconds"):
        acquire_audio(trickle, tmp_path / "w", limits=limits)
    assert time.monotonic() - started < 6


def test_yt_dlp_ends_at_the_same_deadline(trickle, tmp_path):
    limits = AcquisitionLimits(allow_private_hosts=True, timeout_seconds=5, deadline_seconds=4)
    started = time.monotonic()
    with pytest.raises(AcquisitionError, match="did not finish within 4 seconds"):
        download_youtube(trickle, tmp_path, limits, extractors=("generic",))
    assert time.monotonic() - started < 10


@pytest.mark.parametrize(
    ("name", "reason"),
    [("silence.wav", "silent"), ("short.wav", "only 0.2 seconds"), ("corrupt.mp3", "damaged after")],
)
def test_unusable_songs_are_refused_readably_before_any_analysis(bad_songs, tmp_path, name, reason):
    limits = AcquisitionLimits(allow_private_hosts=True, min_seconds=10)
    with pytest.raises(AcquisitionError, match=reason) as failure:
        acquire_audio(str(bad_songs[name]), tmp_path / "w", limits=limits)
    assert failure.value.permanent
    assert str(tmp_path) not in failure.value.message and "ffmpeg" not in failure.value.message.lower()


def test_gs_links_are_refused_outside_the_configured_buckets(tmp_path):
    with pytest.raises(AcquisitionError, match="not accepted for that bucket") as failure:
        acquire_audio("gs://someone-elses-bucket/uploads/7/song.mp3", tmp_path / "w", limits=LOCAL)
    assert failure.value.permanent


def test_a_gs_link_without_credentials_fails_readably(tmp_path, monkeypatch):
    for name in ("STORAGE_EMULATOR_HOST", "GOOGLE_APPLICATION_CREDENTIALS", "GOOGLE_CLOUD_PROJECT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("GCE_METADATA_HOST", "127.0.0.1:9")  # no metadata server to find credentials on
    monkeypatch.setenv("GCE_METADATA_IP", "127.0.0.1:9")
    monkeypatch.setenv("CLOUDSDK_CONFIG", str(tmp_path / "no-gcloud"))
    with pytest.raises(AcquisitionError, match="no Google Cloud Storage credentials") as failure:
        acquire_audio("gs://bachata-songs/songs/x.wav", tmp_path / "w", limits=LOCAL)
    assert failure.value.permanent


def test_gs_uri_through_the_gcs_emulator(tmp_path, monkeypatch):
    from gcp_storage_emulator.server import create_server
    from google.auth.credentials import AnonymousCredentials
    from google.cloud import storage

    server = create_server("127.0.0.1", 0, in_memory=True, default_bucket="bachata-songs")
    server.start()
    try:
        host = f"http://127.0.0.1:{server._api._httpd.server_port}"
        monkeypatch.setenv("STORAGE_EMULATOR_HOST", host)
        client = storage.Client(project="test", credentials=AnonymousCredentials())
        make_wav(tmp_path / "src.wav")
        client.bucket("bachata-songs").blob("songs/gs.wav").upload_from_filename(str(tmp_path / "src.wav"))
        song = acquire_audio("gs://bachata-songs/songs/gs.wav", tmp_path / "w", limits=LOCAL)
        assert song.source_kind == "gcs" and song.duration == pytest.approx(2.0, abs=0.05)
        with pytest.raises(AcquisitionError, match="does not exist") as failure:
            acquire_audio("gs://bachata-songs/songs/none.wav", tmp_path / "w2", limits=LOCAL)
        assert failure.value.permanent
    finally:
        server.stop()
