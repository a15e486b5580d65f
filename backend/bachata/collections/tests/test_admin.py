"""The collections admin: users' saved choreographies, read-mostly."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bachata.collections.models import SavedChoreography

pytestmark = pytest.mark.django_db

SAVED = "/admin/collections/savedchoreography/"


def saved(user, title="Noche de bachata", **fields):
    fields.setdefault("video_path", "choreographies/2026/01/noche.mp4")
    return SavedChoreography.objects.create(
        user=user, title=title, difficulty="beginner", duration=92.5, **fields
    )


def test_list_searches_by_title_and_owner_without_a_query_per_row(admin_client, make_user):
    lucia = make_user(username="lucia", email="lucia@example.com")
    saved(lucia, "Noche de bachata")
    saved(make_user(username="marco"), "Amor sensual")
    found = admin_client.get(SAVED, {"q": "lucia@example"}).context["cl"].result_list
    assert [choreography.title for choreography in found] == ["Noche de bachata"]
    found = admin_client.get(SAVED, {"q": "sensual"}).context["cl"].result_list
    assert [choreography.title for choreography in found] == ["Amor sensual"]

    with CaptureQueriesContext(connection) as few:
        admin_client.get(SAVED)
    for n in range(4):
        saved(make_user(), f"Extra {n}")
    with CaptureQueriesContext(connection) as many:
        response = admin_client.get(SAVED)
    assert len(response.context["cl"].result_list) == 6
    assert len(many.captured_queries) == len(few.captured_queries)


def test_page_shows_the_stored_video_key_and_edits_only_title_and_difficulty(admin_client, user):
    choreography = saved(user, video_path="/legacy/media/choreographies/old.mp4")
    url = f"{SAVED}{choreography.pk}/change/"
    html = admin_client.get(url).content.decode()
    assert "/legacy/media/choreographies/old.mp4" in html
    response = admin_client.post(
        url, {"title": "Renamed", "difficulty": "advanced", "video_path": "elsewhere.mp4", "_save": "Save"}
    )
    assert response.status_code == 302
    choreography.refresh_from_db()
    assert (choreography.title, choreography.difficulty) == ("Renamed", "advanced")
    assert choreography.video_path.name == "/legacy/media/choreographies/old.mp4"
    assert admin_client.get(f"{SAVED}add/").status_code == 403
