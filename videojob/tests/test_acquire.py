"""Audio acquisition against real local peers: an HTTP server, yt-dlp, the GCS emulator."""

import math
import struct
import threading
import wave
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from videojob.acquire import AcquisitionError, AcquisitionLimits, acquire_audio, download_youtube

LOCAL = AcquisitionLimits(allow_private_hosts=True, timeout_seconds=5)


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
    path = download_youtube(f"{web}/song.wav", tmp_path, LOCAL)
    assert path.exists() and path.stat().st_size > 40_000
    with pytest.raises(AcquisitionError, match=r"^YouTube download failed: ") as failure:
        download_youtube(f"{web}/missing", tmp_path / "again", LOCAL)
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
