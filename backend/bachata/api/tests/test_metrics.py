import pytest

from bachata.choreography.ledger.append import task_event_append, task_history_start

pytestmark = pytest.mark.django_db


def test_metrics_are_for_staff_only(api, anon):
    assert anon.get("/api/metrics").status_code == 401
    assert api.get("/api/metrics").status_code == 403


def test_metrics_count_tasks_queue_and_stage_durations(make_user, api_client_for, user):
    staff = make_user(is_staff=True)
    done = task_history_start(user=user, parameters={})
    task_event_append(done.pk, "attempt_started", actor="job")
    task_event_append(done.pk, "progress", {"stage": "analyzing", "percent": 25}, actor="job")
    task_event_append(done.pk, "progress", {"stage": "generating", "percent": 70}, actor="job")
    task_event_append(done.pk, "completed", {"result": {}}, actor="job")
    waiting = task_history_start(user=user, parameters={})
    task_event_append(waiting.pk, "queued", actor="system")

    body = api_client_for(staff).get("/api/metrics").json()
    assert body["tasks_by_status"] == {"completed": 1, "pending": 1}
    assert body["queue_depth"] == 1
    assert set(body["stage_durations"]) == {"analyzing", "generating"}
    assert body["stage_durations"]["analyzing"]["samples"] == 1
