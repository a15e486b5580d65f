import io
import math
import struct
import wave

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from bachata.songs.models import LibrarySong, SongUpload
from bachata.storage import get_storage

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.STORAGE_BACKEND = "local"
    settings.MEDIA_ROOT = tmp_path / "media"


def wav_bytes(seconds=12.0, rate=8000) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(
            b"".join(struct.pack("<h", int(9000 * math.sin(n / 5))) for n in range(int(seconds * rate)))
        )
    return buffer.getvalue()


def upload(api, name, content, **extra):
    return api.post(
        "/api/songs/upload", {"file": SimpleUploadedFile(name, content), **extra}, format="multipart"
    )


def test_library_lists_the_songs_in_storage(api):
    storage = get_storage()
    storage.save("songs/besame_mucho.mp3", b"x")
    storage.save("songs/obsesion.wav", b"x")
    storage.save("songs/readme.txt", b"x")
    LibrarySong.objects.create(key="songs/obsesion.wav", title="Obsesión", bpm=126.0, duration=245.0)
    songs = api.get("/api/songs").json()["results"]
    assert songs == [
        {"id": "songs/besame_mucho.mp3", "title": "Besame Mucho", "duration": None, "bpm": None},
        {"id": "songs/obsesion.wav", "title": "Obsesión", "duration": 245.0, "bpm": 126.0},
    ]


def test_upload_a_song_then_use_it(api, user):
    response = upload(api, "Mi Canción.wav", wav_bytes(12.0), title="Mi canción")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["title"] == "Mi canción" and body["duration"] == pytest.approx(12.0, abs=0.01)
    stored = SongUpload.objects.get(pk=body["upload_id"])
    assert stored.storage_key.startswith(f"uploads/user_{user.pk}/") and get_storage().exists(
        stored.storage_key
    )
    assert [u["upload_id"] for u in api.get("/api/songs/uploads").json()["results"]] == [body["upload_id"]]


@pytest.mark.parametrize(
    ("name", "content", "code", "status"),
    [
        ("notes.txt", b"hello", "unsupported_format", 400),
        ("fake.mp3", b"this is not audio at all" * 50, "not_audio", 400),
        ("silence.wav", b"RIFF\x00\x00\x00\x00WAVE", "not_audio", 400),
    ],
)
def test_bad_uploads_are_refused_and_nothing_is_kept(api, name, content, code, status):
    response = upload(api, name, content)
    assert response.status_code == status
    assert response.json()["code"] == code and "file" in response.json()["fields"]
    assert SongUpload.objects.count() == 0
    assert get_storage().list_keys("uploads/") == []


def test_size_and_length_limits(api, settings):
    settings.SONG_UPLOAD_MAX_BYTES = 1000
    too_big = upload(api, "big.wav", wav_bytes(1.0))
    assert too_big.status_code == 413 and too_big.json()["code"] == "file_too_large"
    settings.SONG_UPLOAD_MAX_BYTES = 10_000_000
    settings.SONG_MAX_SECONDS, settings.SONG_MIN_SECONDS = 1, 0
    too_long = upload(api, "long.wav", wav_bytes(3.0))
    assert too_long.status_code == 400 and too_long.json()["code"] == "song_too_long"


def test_upload_requires_a_file_and_multipart(api):
    assert api.post("/api/songs/upload", {}, format="multipart").status_code == 400
    assert api.post("/api/songs/upload", {"file": "x"}, format="json").status_code == 415


def test_delete_own_upload_only(api, api_client_for, make_user, django_capture_on_commit_callbacks):
    upload_id = upload(api, "a.wav", wav_bytes()).json()["upload_id"]
    intruder = api_client_for(make_user())
    assert intruder.delete(f"/api/songs/uploads/{upload_id}").status_code == 404
    assert intruder.get("/api/songs/uploads").json()["count"] == 0
    key = SongUpload.objects.get(pk=upload_id).storage_key
    with django_capture_on_commit_callbacks(execute=True):
        assert api.delete(f"/api/songs/uploads/{upload_id}").status_code == 204
    assert not SongUpload.objects.filter(pk=upload_id).exists()
    assert not get_storage().exists(key)


def test_songs_need_login(anon):
    assert anon.get("/api/songs").status_code == 401
    assert anon.post("/api/songs/upload", {}, format="multipart").status_code == 401


@pytest.mark.parametrize(
    ("name", "code", "reason"),
    [
        ("silence.wav", "not_audio", "the audio is silent"),
        ("short.wav", "song_too_short", "too short: 0.2 seconds"),
        ("corrupt.mp3", "not_audio", "damaged after"),
    ],
)
def test_songs_no_one_can_dance_to_are_refused_at_upload(api, unusable_songs, name, code, reason):
    response = upload(api, name, unusable_songs[name].read_bytes())
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == code and reason in body["message"] and body["fields"]["file"]
    assert "/tmp" not in body["message"] and "ffmpeg" not in body["message"].lower()
    assert SongUpload.objects.count() == 0


def test_a_refusal_never_quotes_the_decoder_or_a_server_path(api):
    body = upload(api, "fake.mp3", b"ID3" + b"\x00garbage" * 300).json()
    assert body["code"] == "not_audio"
    assert "/" not in body["message"] and "Errno" not in body["message"]


@pytest.fixture(scope="session")
def unusable_songs(tmp_path_factory):
    from bachata.songs.tests.unusable import write_unusable_songs

    return write_unusable_songs(tmp_path_factory.mktemp("unusable"))


def _raw_http(port: int, head: bytes, body: bytes = b"", timeout: float = 10) -> bytes:
    import socket

    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(head + body)
        sock.shutdown(socket.SHUT_WR) if body else None
        chunks = []
        while True:
            try:
                chunk = sock.recv(65536)
            except (ConnectionResetError, TimeoutError):
                break
            if not chunk:
                break
            chunks.append(chunk)
    return b"".join(chunks)


@pytest.mark.django_db(transaction=True)
def test_an_upload_claiming_a_huge_body_is_refused_before_it_is_read(live_server, user, settings):
    from rest_framework_simplejwt.tokens import RefreshToken

    settings.STORAGE_BACKEND = "local"
    token = RefreshToken.for_user(user).access_token
    port = int(live_server.url.rsplit(":", 1)[1])
    head = (
        "POST /api/songs/upload HTTP/1.1\r\nHost: localhost\r\n"
        f"Authorization: Bearer {token}\r\n"
        "Content-Type: multipart/form-data; boundary=XyZ\r\n"
        f"Content-Length: {1536 * 1024 * 1024}\r\nConnection: close\r\n\r\n"
    ).encode()
    # only the headers are sent: the answer must come without waiting for 1.5 GB
    reply = _raw_http(port, head)
    assert reply.startswith(b"HTTP/1.1 413"), reply[:300]
    assert b'"code":"file_too_large"' in reply.replace(b" ", b"")


def test_an_upload_is_cut_off_as_soon_as_the_file_passes_the_limit(api, settings, tmp_path):

    settings.SONG_UPLOAD_MAX_BYTES = 200_000
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path / "spool")
    (tmp_path / "spool").mkdir()
    # the body is within Content-Length's allowance (limit + framing), the file itself is not
    response = upload(api, "big.wav", wav_bytes(14.0))  # ~224 kB
    assert response.status_code == 413 and response.json()["code"] == "file_too_large"
    assert list((tmp_path / "spool").iterdir()) == []  # the partial spool file is gone
