"""Collection rows the new system writes, as the legacy pages read them during the parallel run (issue 8)."""

from urllib.parse import urlsplit

import pytest
from django.db import connection

from bachata.choreography.tests.legacy_app import legacy_find_video
from bachata.collections.models import SavedChoreography
from bachata.storage import get_storage, legacy_output_key

from .test_api import completed_task

pytestmark = pytest.mark.django_db


@pytest.fixture
def media(settings, tmp_path):
    settings.STORAGE_BACKEND, settings.MEDIA_ROOT = "local", tmp_path / "media"
    return settings.MEDIA_ROOT


def raw_thumbnail_path(item_id):
    with connection.cursor() as cursor:
        cursor.execute("SELECT thumbnail_path FROM saved_choreographies WHERE id = %s", [item_id])
        return cursor.fetchone()[0]


def test_a_saved_item_leaves_the_legacy_thumbnail_column_empty_and_the_api_still_shows_it(api, user, media):
    task = completed_task(user)
    get_storage().save(f"thumbnails/2026/11/{task.pk}.jpg", b"\xff\xd8jpeg", "image/jpeg")
    body = api.post("/api/collections", {"task_id": task.pk, "title": "Mine"}, format="json").json()
    # The legacy list renders <img src="{{ thumbnail_path }}">: NULL is what its own rows hold (no image),
    # a storage key would be a broken image.
    assert raw_thumbnail_path(body["id"]) is None
    response = api.get(f"/api/collections/{body['id']}/thumbnail?{urlsplit(body['thumbnail_url']).query}")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"\xff\xd8jpeg"


def test_deleting_an_item_removes_the_video_the_legacy_lookup_found(
    api, user, media, django_capture_on_commit_callbacks
):
    task = completed_task(user)
    key = f"choreographies/2026/11/{task.pk}.mp4"
    storage = get_storage()
    storage.save(key, b"video", "video/mp4")
    storage.alias(key, legacy_output_key(user.pk, key))  # what the job publishes
    assert legacy_find_video(media, f"{task.pk}.mp4", user.pk)
    item_id = api.post("/api/collections", {"task_id": task.pk, "title": "Mine"}, format="json").json()["id"]

    with django_capture_on_commit_callbacks(execute=True):  # files go after commit
        assert api.delete(f"/api/collections/{item_id}").status_code == 204
    assert not SavedChoreography.objects.filter(pk=item_id).exists()
    assert not storage.exists(key)
    assert legacy_find_video(media, f"{task.pk}.mp4", user.pk) is None
    assert storage.list_keys("output/") == []
