"""Owner-only video access with HTTP Range, legacy paths, and file cleanup on delete (local storage)."""

from urllib.parse import urlsplit

import pytest

from bachata.collections.models import SavedChoreography
from bachata.storage import get_storage

pytestmark = pytest.mark.django_db(transaction=True)
VIDEO = bytes(range(256)) * 40  # 10,240 bytes


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.STORAGE_BACKEND = "local"
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def stored_item(user, key="choreographies/2026/11/a.mp4", **extra):
    get_storage().save(key, VIDEO, "video/mp4")
    return SavedChoreography.objects.create(
        user=user, title="a", difficulty="beginner", duration=10.0, video_path=key, **extra
    )


def body_of(response):
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_owner_streams_the_video_with_ranges(api, user):
    item = stored_item(user)
    full = api.get(f"/api/collections/{item.pk}/video")
    assert full.status_code == 200 and body_of(full) == VIDEO
    assert full["Accept-Ranges"] == "bytes" and full["Content-Type"] == "video/mp4"
    part = api.get(f"/api/collections/{item.pk}/video", HTTP_RANGE="bytes=100-199")
    assert part.status_code == 206
    assert part["Content-Range"] == f"bytes 100-199/{len(VIDEO)}"
    assert body_of(part) == VIDEO[100:200]
    tail = api.get(f"/api/collections/{item.pk}/video", HTTP_RANGE="bytes=-10")
    assert body_of(tail) == VIDEO[-10:]
    beyond = api.get(f"/api/collections/{item.pk}/video", HTTP_RANGE=f"bytes={len(VIDEO)}-")
    assert beyond.status_code == 416 and beyond["Content-Range"] == f"bytes */{len(VIDEO)}"


def test_the_signed_url_of_the_listing_plays_without_a_login_header(api, anon, user):
    item = stored_item(user)
    url = api.get("/api/collections").json()["results"][0]["video_url"]
    response = anon.get(url, HTTP_RANGE="bytes=0-9")
    assert response.status_code == 206 and body_of(response) == VIDEO[:10]
    path = urlsplit(url).path
    assert anon.get(path).status_code == 404
    assert anon.get(f"{path}?token=forged").status_code == 404
    assert anon.get(f"/api/collections/{item.pk}/thumbnail?{urlsplit(url).query}").status_code == 404


def test_signed_urls_stop_working_after_a_password_change_or_deactivation(api, anon, user):
    stored_item(user)
    url = api.get("/api/collections").json()["results"][0]["video_url"]
    assert anon.get(url).status_code == 200
    user.set_password("a-brand-new-password")
    user.save()
    assert anon.get(url).status_code == 404  # the old link ended with the old password
    fresh = api.get("/api/collections").json()["results"][0]["video_url"]
    assert anon.get(fresh).status_code == 200
    user.is_active = False
    user.save()
    assert anon.get(fresh).status_code == 404


def test_another_users_video_is_404_even_with_their_token(api_client_for, make_user, user, api):
    item = stored_item(user)
    url = api.get("/api/collections").json()["results"][0]["video_url"]
    intruder = api_client_for(make_user())
    assert intruder.get(f"/api/collections/{item.pk}/video").status_code == 404
    # A logged-in user is checked as themselves: someone else's token does not lend them access.
    assert intruder.get(url).status_code == 404


def test_legacy_absolute_paths_still_play(api, user, media_root):
    get_storage().save("output/user_3/besame_balanced_choreography.mp4", VIDEO, "video/mp4")
    item = SavedChoreography.objects.create(
        user=user,
        title="legacy",
        difficulty="beginner",
        duration=10.0,
        video_path="/app/data/output/user_3/besame_balanced_choreography.mp4",
    )
    response = api.get(f"/api/collections/{item.pk}/video", HTTP_RANGE="bytes=0-3")
    assert response.status_code == 206 and body_of(response) == VIDEO[:4]


def test_a_missing_file_is_a_readable_404(api, user):
    item = SavedChoreography.objects.create(
        user=user,
        title="gone",
        difficulty="beginner",
        duration=1.0,
        video_path="choreographies/2026/11/gone.mp4",
    )
    response = api.get(f"/api/collections/{item.pk}/video")
    assert response.status_code == 404
    assert response.json()["message"] == "This video is no longer available."


def test_deleting_removes_the_file_only_when_nothing_else_uses_it(api, user):
    shared_key = "choreographies/2026/11/shared.mp4"
    first = stored_item(user, key=shared_key, thumbnail="thumbnails/2026/11/shared.jpg")
    get_storage().save("thumbnails/2026/11/shared.jpg", b"jpeg", "image/jpeg")
    second = SavedChoreography.objects.create(
        user=user, title="b", difficulty="beginner", duration=1.0, video_path=shared_key
    )
    api.delete(f"/api/collections/{first.pk}")
    assert get_storage().exists(shared_key)  # the second item still plays it
    assert not get_storage().exists("thumbnails/2026/11/shared.jpg")
    api.delete(f"/api/collections/{second.pk}")
    assert not get_storage().exists(shared_key)
