import pytest

from bachata.api.tests.assertions import assert_error
from bachata.choreography.ledger.append import task_event_append, task_history_start
from bachata.collections.models import SavedChoreography

pytestmark = pytest.mark.django_db


def completed_task(user, **result):
    task = task_history_start(
        user=user,
        parameters={
            "audio_input": "songs/besame.mp3",
            "difficulty": "advanced",
            "energy_level": "high",
            "style": "sensual",
        },
    )
    task_event_append(task.pk, "attempt_started", actor="job")
    task_event_append(
        task.pk,
        "completed",
        {
            "result": {
                "video_path": f"choreographies/2026/11/{task.pk}.mp4",
                "thumbnail_path": f"thumbnails/2026/11/{task.pk}.jpg",
                "duration": 184.5,
                "musicality": {"bpm": 128.0},
                "auto_saved": False,
                **result,
            }
        },
        actor="job",
    )
    return task


def item(user, title, difficulty="beginner", duration=100.0, **extra):
    return SavedChoreography.objects.create(
        user=user,
        title=title,
        difficulty=difficulty,
        duration=duration,
        video_path=f"choreographies/2026/11/{title}.mp4",
        **extra,
    )


def test_save_a_completed_task_to_the_collection(api, user):
    task = completed_task(user)
    response = api.post("/api/collections", {"task_id": task.pk, "title": "Besame routine"}, format="json")
    assert response.status_code == 201
    body = response.json()
    assert (body["title"], body["difficulty"], body["duration"]) == ("Besame routine", "advanced", 184.5)
    assert body["video_url"].startswith(f"/api/collections/{body['id']}/video?token=")
    assert body["thumbnail_url"].startswith(f"/api/collections/{body['id']}/thumbnail?token=")
    saved = SavedChoreography.objects.get(pk=body["id"])
    assert saved.video_path.name == f"choreographies/2026/11/{task.pk}.mp4"
    assert saved.generation_parameters["task_id"] == task.pk
    assert saved.music_info["source"] == "songs/besame.mp3"


def test_saving_twice_or_after_auto_save_is_refused(api, user):
    task = completed_task(user)
    first = api.post("/api/collections", {"task_id": task.pk, "title": "One"}, format="json").json()
    body = assert_error(
        api.post("/api/collections", {"task_id": task.pk, "title": "Two"}, format="json"),
        409,
        "already_saved",
    )
    assert body["fields"]["id"] == [first["id"]]
    # A legacy auto-saved row (generation_parameters.task_id) counts too.
    legacy = completed_task(user)
    item(user, "auto", generation_parameters={"task_id": legacy.pk, "difficulty": "beginner"})
    assert_error(
        api.post("/api/collections", {"task_id": legacy.pk, "title": "Again"}, format="json"),
        409,
        "already_saved",
    )


def test_unfinished_or_foreign_tasks_cannot_be_saved(api, user, make_user):
    running = task_history_start(user=user, parameters={})
    assert_error(
        api.post("/api/collections", {"task_id": running.pk, "title": "x"}, format="json"),
        409,
        "task_not_completed",
    )
    other = completed_task(make_user())
    assert_error(api.post("/api/collections", {"task_id": other.pk, "title": "x"}, format="json"), 404)
    assert_error(api.post("/api/collections", {"title": "x"}, format="json"), 400, field="task_id")
    assert_error(
        api.post("/api/collections", {"task_id": running.pk, "title": ""}, format="json"), 400, field="title"
    )
    assert_error(
        api.post(
            "/api/collections", {"task_id": running.pk, "title": "x", "difficulty": "pro"}, format="json"
        ),
        400,
        field="difficulty",
    )


def test_list_search_filter_sort_and_paginate(api, user):
    item(user, "Alpha", "advanced", 300, music_info={"title": "Obsesion", "source": "songs/obsesion.mp3"})
    item(user, "Bravo", "beginner", 100)
    item(user, "Charlie", "intermediate", 200)
    titles = lambda r: [i["title"] for i in r.json()["results"]]  # noqa: E731
    assert titles(api.get("/api/collections")) == ["Charlie", "Bravo", "Alpha"]
    assert titles(api.get("/api/collections?search=obses")) == ["Alpha"]
    assert titles(api.get("/api/collections?search=brav")) == ["Bravo"]
    assert titles(api.get("/api/collections?difficulty=beginner")) == ["Bravo"]
    assert titles(api.get("/api/collections?ordering=title")) == ["Alpha", "Bravo", "Charlie"]
    assert titles(api.get("/api/collections?ordering=-duration")) == ["Alpha", "Charlie", "Bravo"]
    assert titles(api.get("/api/collections?ordering=difficulty")) == ["Alpha", "Bravo", "Charlie"]
    assert_error(api.get("/api/collections?ordering=password"), 400, field="ordering")
    assert_error(api.get("/api/collections?difficulty="), 400, field="difficulty")
    for n in range(20):
        item(user, f"Extra {n}")
    page = api.get("/api/collections").json()
    assert page["count"] == 23 and len(page["results"]) == 20 and page["next"]


def test_edit_title_and_difficulty(api, user):
    saved = item(user, "Old")
    response = api.patch(
        f"/api/collections/{saved.pk}", {"title": "New", "difficulty": "advanced"}, format="json"
    )
    assert response.status_code == 200 and response.json()["title"] == "New"
    saved.refresh_from_db()
    assert (saved.title, saved.difficulty) == ("New", "advanced")
    assert_error(
        api.put(f"/api/collections/{saved.pk}", {"title": "x" * 201}, format="json"), 400, field="title"
    )


def test_stats_use_the_legacy_keys(api, user):
    item(user, "a", "beginner", 100)
    item(user, "b", "beginner", 200)
    item(user, "c", "advanced", 60)
    assert api.get("/api/collections/stats").json() == {
        "total_count": 3,
        "total_duration": 360.0,
        "avg_duration": 120.0,
        "beginner_count": 2,
        "intermediate_count": 0,
        "advanced_count": 1,
    }


def test_empty_stats(api):
    assert api.get("/api/collections/stats").json()["total_count"] == 0


def test_delete_one_and_delete_all(api, user, make_user):
    a, b = item(user, "a"), item(user, "b")
    theirs = item(make_user(), "theirs")
    assert api.delete(f"/api/collections/{a.pk}").status_code == 204
    assert not SavedChoreography.objects.filter(pk=a.pk).exists()
    assert api.post("/api/collections/delete-all").json() == {"deleted": 1}
    assert not SavedChoreography.objects.filter(pk=b.pk).exists()
    assert SavedChoreography.objects.filter(pk=theirs.pk).exists()


def test_another_users_item_is_404(api, make_user, api_client_for):
    theirs = item(make_user(), "theirs")
    for method in ("get", "put", "patch", "delete"):
        assert_error(
            getattr(api, method)(f"/api/collections/{theirs.pk}", {"title": "mine"}, format="json"), 404
        )
    assert api.get("/api/collections").json()["count"] == 0
    assert SavedChoreography.objects.get(pk=theirs.pk).title == "theirs"


def test_collections_need_login(anon):
    assert_error(anon.get("/api/collections"), 401)


TIMING = {"bpm": 120.0, "beats": [0.0, 0.5, 1.0, 1.5], "downbeats": [0.0], "phrase_starts": [0.0]}
MOVES = [{"clip": "basic_1", "move": "basic", "label": "basic step", "start": 0.0, "end": 4.0, "rate": 1.0}]


def test_an_item_from_a_known_task_gives_the_player_its_beat_grid_and_moves(api, user):
    task = completed_task(user, timing=TIMING, moves=MOVES)
    saved_id = api.post("/api/collections", {"task_id": task.pk, "title": "Mine"}, format="json").json()["id"]
    body = api.get(f"/api/collections/{saved_id}").json()
    assert body["timing"] == TIMING and body["moves"] == MOVES
    # An edit answers with the same detail, so a page that shows the response keeps its player working.
    edited = api.patch(f"/api/collections/{saved_id}", {"title": "Renamed"}, format="json").json()
    assert edited["title"] == "Renamed" and edited["timing"] == TIMING
    # The list stays light: no grids there.
    assert "timing" not in api.get("/api/collections").json()["results"][0]


def test_an_auto_saved_item_is_found_through_the_task_result(api, user):
    # The job's auto-save writes generation_parameters too; an item saved by another path may only be named by
    # the task's result.
    saved = item(user, "auto")
    completed_task(user, timing=TIMING, moves=MOVES, saved_choreography_id=str(saved.pk), auto_saved=True)
    body = api.get(f"/api/collections/{saved.pk}").json()
    assert body["timing"] == TIMING and body["moves"] == MOVES


def test_legacy_items_play_without_a_beat_grid(api, user, make_user):
    # A legacy row: no generation parameters, no task.
    plain = item(user, "legacy")
    # A legacy auto-save whose task result predates the grid (moves but no timing), and one whose task is gone.
    old_task = completed_task(user, moves=[])
    older = item(user, "older", generation_parameters={"task_id": old_task.pk})
    purged = item(user, "purged", generation_parameters={"task_id": "no-such-task"})
    # Another user's task that names this item is not used.
    completed_task(make_user(), timing=TIMING, moves=MOVES, saved_choreography_id=str(plain.pk))
    for saved in (plain, older, purged):
        body = api.get(f"/api/collections/{saved.pk}").json()
        assert (body["timing"], body["moves"]) == (None, None), saved.title
