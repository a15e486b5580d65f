import urllib.parse
import urllib.request
from datetime import timedelta

from google.cloud import storage

from bachata.storage.gcs import GCSStorage

from .conftest import BUCKET


def test_content_type_is_stored_or_guessed(gcs_storage):
    gcs_storage.save("choreographies/2025/01/a.mp4", b"video", "video/mp4")
    gcs_storage.save("songs/b.mp3", b"song")
    gcs_storage.save("uploads/user_1/blob", b"?")
    types = {key: gcs_storage.bucket.get_blob(key).content_type for key in gcs_storage.list_keys()}
    assert types == {
        "choreographies/2025/01/a.mp4": "video/mp4",
        "songs/b.mp3": "audio/mpeg",
        "uploads/user_1/blob": "application/octet-stream",
    }


def test_a_signed_url_downloads_the_object_over_http(gcs_storage, gcs_emulator):
    gcs_storage.save("choreographies/2025/01/v.mp4", b"the video bytes", "video/mp4")
    url = gcs_storage.url_for("choreographies/2025/01/v.mp4", timedelta(minutes=5))
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)
    assert urllib.parse.urlsplit(url).path == f"/{BUCKET}/choreographies/2025/01/v.mp4"
    assert query["X-Goog-Algorithm"] == ["GOOG4-RSA-SHA256"]
    assert query["X-Goog-Expires"] == ["300"]
    assert query["X-Goog-Credential"][0].startswith("media-signer@test-project.iam.gserviceaccount.com/")
    with urllib.request.urlopen(url, timeout=5) as response:
        assert response.read() == b"the video bytes"


def test_signed_urls_last_url_lifetime_by_default(gcs_storage):
    gcs_storage.url_lifetime = timedelta(seconds=90)
    url = gcs_storage.url_for("songs/anything.mp3")
    assert "X-Goog-Expires=90" in url


def test_keys_are_object_names_in_the_bucket(gcs_storage):
    gcs_storage.save("output/user_3/besame_balanced_choreography.mp4", b"legacy")
    client = storage.Client(project="someone-else", credentials=gcs_storage.client._credentials)
    blob = client.bucket(BUCKET).get_blob("output/user_3/besame_balanced_choreography.mp4")
    assert blob.download_as_bytes() == b"legacy"
    assert gcs_storage.local_path("output/user_3/besame_balanced_choreography.mp4") is None


def test_without_signed_urls_the_api_streams_ranges_from_the_bucket(gcs_storage, rf):
    """STORAGE_SIGNED_URLS=0 (compose.yaml's fake-gcs-server): no redirect to an address browsers cannot
    reach; the media view answers the browser's range requests from the bucket itself."""
    from bachata.api.media import media_response

    gcs_storage.save("choreographies/2025/01/c.mp4", bytes(range(256)) * 8, "video/mp4")
    unsigned = GCSStorage(BUCKET, client=gcs_storage.client, signed_urls=False)
    assert unsigned.url_for("choreographies/2025/01/c.mp4") is None

    response = media_response(
        rf.get("/", HTTP_RANGE="bytes=256-511"), unsigned, "choreographies/2025/01/c.mp4"
    )
    assert response.status_code == 206
    assert response["Content-Range"] == "bytes 256-511/2048"
    assert b"".join(response.streaming_content) == bytes(range(256))
    whole = media_response(rf.get("/"), unsigned, "choreographies/2025/01/c.mp4")
    assert (whole.status_code, whole["Content-Type"], whole["Content-Length"]) == (200, "video/mp4", "2048")
    missing = media_response(rf.get("/"), unsigned, "choreographies/2025/01/gone.mp4")
    assert missing.status_code == 404


def test_the_factory_turns_signed_urls_off_from_settings(settings, gcs_emulator):
    from bachata.storage import get_storage

    settings.STORAGE_BACKEND, settings.GCS_BUCKET, settings.STORAGE_SIGNED_URLS = "gcs", BUCKET, False
    assert get_storage().url_for("songs/any.mp3") is None
    settings.STORAGE_SIGNED_URLS = True
    assert get_storage().signed_urls is True
