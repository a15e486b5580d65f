"""The support admin for tasks and their ledger, as a staff superuser uses it."""

import re
from html import unescape

import pytest
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.html import strip_tags

from bachata.choreography.admin import EstimatedCountPaginator
from bachata.choreography.ledger.append import task_event_append, task_history_start
from bachata.choreography.models import ChoreographyTask, TaskEvent

from .untracked import trigger_bypassed

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("recording_launcher")]

TASKS = "/admin/choreography/choreographytask/"
EVENTS = "/admin/choreography/taskevent/"


def task_url(task_id):
    return f"{TASKS}{task_id}/change/"


def action_url(task_id, action):
    return f"{TASKS}{task_id}/ledger/{action}/"


def pending_task(user):
    return task_history_start(user=user, parameters={"audio_input": "songs/x.mp3", "difficulty": "beginner"})


def running_task(user):
    task = pending_task(user)
    task_event_append(task.pk, "attempt_started", actor="job", execution="exec-1")
    return task


def failed_task(user, error="ffmpeg exited with status 1"):
    task = running_task(user)
    task_event_append(task.pk, "progress", {"stage": "analyzing", "percent": 40}, actor="job")
    task_event_append(task.pk, "failed", {"error": error}, actor="job")
    return task


def legacy_task(user, **columns):
    """A row exactly as the legacy app wrote it before the ledger existed: no events."""
    values = {
        "status": "running",
        "progress": 40,
        "stage": "selecting",
        "message": "Selecting dance moves...",
    }
    values.update(columns)
    with trigger_bypassed():
        return ChoreographyTask.objects.create(user=user, **values)


def events_of(task_id):
    return list(TaskEvent.objects.filter(task_id=task_id).order_by("seq").values_list("seq", "type", "actor"))


def columns_of(task_id):
    return ChoreographyTask.objects.values(
        "status", "progress", "stage", "message", "result", "error", "job_execution_name", "updated_at"
    ).get(pk=task_id)


def messages_of(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


def listed_task_ids(response):
    return {str(task.pk) for task in response.context["cl"].result_list}


TIMELINE_COLUMNS = ("seq", "time", "since", "actor", "attempt", "type", "stage", "progress", "details")


def timeline_rows(response):
    """The timeline table's rows, top to bottom, each as {column: text}."""
    html = response.content.decode()
    rows = re.findall(r'<tr class="timeline-event[^"]*">(.*?)</tr>', html, flags=re.S)
    return [
        dict(
            zip(
                TIMELINE_COLUMNS,
                (
                    " ".join(unescape(strip_tags(cell)).split())
                    for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
                ),
                strict=True,
            )
        )
        for row in rows
    ]


# ---- The task list ----


def test_task_list_shows_tasks_newest_first_with_their_user(admin_client, make_user):
    lucia = make_user(username="lucia", email="lucia@example.com")
    older = pending_task(lucia)
    newer = failed_task(lucia)
    response = admin_client.get(TASKS)
    assert response.status_code == 200
    ids = [task.pk for task in response.context["cl"].result_list]
    assert ids.index(newer.pk) < ids.index(older.pk)
    html = response.content.decode()
    assert "lucia &lt;lucia@example.com&gt;" in html
    for title in ("By status", "By stage", "By created at"):
        assert title in html


def test_task_list_filters_by_status_stage_and_date(admin_client, user):
    pending, running, failed = pending_task(user), running_task(user), failed_task(user)
    assert listed_task_ids(admin_client.get(TASKS, {"status__exact": "failed"})) == {failed.pk}
    assert listed_task_ids(admin_client.get(TASKS, {"stage": "initializing"})) == {pending.pk, running.pk}
    year = pending.created_at.year
    this_year = {
        "created_at__gte": f"{year}-01-01 00:00+00:00",
        "created_at__lt": f"{year + 1}-01-01 00:00+00:00",
    }
    assert listed_task_ids(admin_client.get(TASKS, this_year)) == {pending.pk, running.pk, failed.pk}
    last_year = {
        "created_at__gte": f"{year - 1}-01-01 00:00+00:00",
        "created_at__lt": f"{year}-01-01 00:00+00:00",
    }
    assert listed_task_ids(admin_client.get(TASKS, last_year)) == set()


def test_task_list_search_finds_tasks_by_username_email_and_task_id(admin_client, make_user):
    lucia = make_user(username="lucia", email="lucia@example.com")
    marco = make_user(username="marco", email="marco@example.com")
    lucias = {pending_task(lucia).pk, failed_task(lucia).pk}
    marcos = pending_task(marco)
    assert listed_task_ids(admin_client.get(TASKS, {"q": "lucia"})) == lucias
    assert listed_task_ids(admin_client.get(TASKS, {"q": "LUCIA@example.com "})) == lucias
    assert listed_task_ids(admin_client.get(TASKS, {"q": marcos.pk})) == {marcos.pk}
    assert listed_task_ids(admin_client.get(TASKS, {"q": marcos.pk.upper()})) == {marcos.pk}
    assert listed_task_ids(admin_client.get(TASKS, {"q": "nobody@example.com"})) == set()


def test_task_list_does_not_query_per_row(admin_client, make_user):
    for _ in range(2):
        pending_task(make_user())
    admin_client.get(TASKS)  # warm up (session, content types)
    with CaptureQueriesContext(connection) as few:
        assert admin_client.get(TASKS).status_code == 200
    for _ in range(6):
        failed_task(make_user())
    with CaptureQueriesContext(connection) as many:
        response = admin_client.get(TASKS)
    assert len(response.context["cl"].result_list) == 8
    assert len(many.captured_queries) == len(few.captured_queries)


def unbounded_task_counts(queries):
    return [
        query["sql"]
        for query in queries
        if "COUNT(" in query["sql"].upper()
        and '"choreography_tasks"' in query["sql"]
        and "LIMIT" not in query["sql"].upper()
    ]


def test_task_list_never_counts_the_whole_table(admin_client, user):
    for _ in range(3):
        pending_task(user)
    with CaptureQueriesContext(connection) as unfiltered:
        response = admin_client.get(TASKS)
    assert response.context["cl"].result_count == 3
    assert unbounded_task_counts(unfiltered.captured_queries) == []
    with CaptureQueriesContext(connection) as filtered:
        response = admin_client.get(TASKS, {"status__exact": "started", "q": user.username})
    assert response.context["cl"].result_count == 3
    assert unbounded_task_counts(filtered.captured_queries) == []


def test_a_large_unfiltered_table_is_estimated_not_counted(user):
    for _ in range(5):
        pending_task(user)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE choreography_tasks")
    paginator = EstimatedCountPaginator(
        ChoreographyTask.objects.order_by("-created_at"), 2, exact_count_limit=3
    )
    with CaptureQueriesContext(connection) as queries:
        assert paginator.count == 5
    assert not any("COUNT(" in query["sql"].upper() for query in queries.captured_queries)
    assert paginator.num_pages == 3


# ---- The task page ----


def test_task_page_shows_the_timeline_in_order(admin_client, user):
    task = failed_task(user, error="ffmpeg exited with status 1")
    response = admin_client.get(task_url(task.pk))
    assert response.status_code == 200
    rows = timeline_rows(response)
    assert len(rows) == 4
    expected = [
        ("1", "created", "API"),
        ("2", "attempt_started", "Video job"),
        ("3", "progress", "Video job"),
        ("4", "failed", "Video job"),
    ]
    assert [(row["seq"], row["type"], row["actor"], row["attempt"]) for row in rows] == [
        (seq, kind, actor, "1") for seq, kind, actor in expected
    ]
    assert '"difficulty": "beginner"' in rows[0]["details"]
    assert rows[0]["since"] == "—"  # nothing before the first event
    assert re.fullmatch(r"\+\d+ ms", rows[1]["since"])
    assert rows[1]["details"] == "execution exec-1"
    assert (rows[2]["stage"], rows[2]["progress"]) == ("analyzing", "40%")
    assert rows[2]["details"] == "Analyzing music features..."
    assert rows[3]["details"] == "ffmpeg exited with status 1"
    times = [row["time"] for row in rows]
    assert times == sorted(times)
    html = response.content.decode()
    assert "All 4 events" in html
    assert f'href="{EVENTS}?task__task_id__exact={task.pk}"' in html


def test_task_page_shows_only_the_latest_fifty_events_with_a_link_to_all(admin_client, user):
    task = running_task(user)
    for percent in range(1, 60):
        task_event_append(task.pk, "progress", {"stage": "generating", "percent": percent}, actor="job")
    response = admin_client.get(task_url(task.pk))
    rows = timeline_rows(response)
    assert len(rows) == 50
    assert [row["seq"] for row in rows] == [str(seq) for seq in range(12, 62)]
    assert "The latest 50 of 61 events" in response.content.decode()


def test_a_legacy_task_without_events_still_renders(admin_client, user):
    task = legacy_task(user)
    response = admin_client.get(task_url(task.pk))
    assert response.status_code == 200
    html = response.content.decode()
    assert "No events yet — written by the legacy app" in html
    assert "Selecting dance moves..." in html
    assert timeline_rows(response) == []


def test_the_task_page_has_no_editable_fields_and_a_post_changes_nothing(admin_client, user):
    task = running_task(user)
    before = columns_of(task.pk)
    page = admin_client.get(task_url(task.pk))
    html = page.content.decode()
    assert 'name="status"' not in html and 'name="_save"' not in html
    response = admin_client.post(
        task_url(task.pk),
        {"status": "completed", "progress": "100", "stage": "completed", "message": "done", "_save": "Save"},
    )
    assert response.status_code == 403
    assert columns_of(task.pk) == before
    assert admin_client.get(f"{TASKS}add/").status_code == 403


# ---- Ledger actions from the task page ----


def test_cancel_from_the_task_page_records_admin_events(admin_client, user):
    task = pending_task(user)
    response = admin_client.post(action_url(task.pk, "cancel"))
    assert response.status_code == 302 and response.url == task_url(task.pk)
    assert messages_of(response) == [f"Task {task.pk}: cancelled."]
    assert events_of(task.pk)[1:] == [(2, "cancel_requested", "admin"), (3, "cancelled", "admin")]
    row = columns_of(task.pk)
    assert (row["status"], row["stage"], row["error"]) == ("failed", "cancelled", "Cancelled by user")


def test_cancel_of_a_running_task_asks_the_job_to_stop(admin_client, user, recording_launcher):
    task = running_task(user)
    response = admin_client.post(action_url(task.pk, "cancel"))
    assert "the running job will stop" in messages_of(response)[0]
    assert events_of(task.pk)[-1] == (3, "cancel_requested", "admin")
    assert columns_of(task.pk)["stage"] == "cancelling"


def test_retry_from_the_task_page_starts_the_next_attempt(
    admin_client, user, recording_launcher, django_capture_on_commit_callbacks
):
    task = failed_task(user)
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(action_url(task.pk, "retry"))
    assert messages_of(response) == [f"Task {task.pk}: retry requested: attempt 2 is starting."]
    assert recording_launcher.launched == [task.pk]
    retry, launched = TaskEvent.objects.filter(task_id=task.pk).order_by("seq")[4:]
    assert (retry.type, retry.actor, retry.attempt) == ("retry_requested", "admin", 2)
    assert (launched.type, launched.actor, launched.attempt) == ("launched", "admin", 2)
    row = columns_of(task.pk)
    assert (row["status"], row["error"], row["job_execution_name"]) == (
        "started",
        None,
        f"test-execution-{task.pk[:8]}",
    )


def test_mark_timed_out_fails_the_task_with_a_readable_error(admin_client, user):
    task = running_task(user)
    response = admin_client.post(action_url(task.pk, "mark_timed_out"))
    assert messages_of(response)[0].startswith(f"Task {task.pk}: marked as timed out (Task timed out:")
    assert events_of(task.pk)[-1] == (3, "timed_out", "admin")
    row = columns_of(task.pk)
    assert row["status"] == "failed"
    assert row["error"].startswith("Task timed out: no progress for")


def test_rebuild_projection_repairs_columns_written_outside_the_ledger(admin_client, user):
    task = failed_task(user)
    # A stale write by the legacy app after the job had already failed, which the trigger did not see.
    with trigger_bypassed():
        ChoreographyTask.objects.filter(pk=task.pk).update(status="running", progress=90, stage="finalizing")
    events_before = events_of(task.pk)
    response = admin_client.post(action_url(task.pk, "rebuild_projection"))
    [message] = messages_of(response)
    assert "projection rebuilt from the events" in message
    assert "status 'running' → 'failed'" in message
    row = columns_of(task.pk)
    assert (row["status"], row["progress"], row["stage"]) == ("failed", 40, "failed")
    assert events_of(task.pk) == events_before  # a rebuild replays the history, it adds nothing


def test_an_action_on_a_legacy_task_adopts_its_columns_first(admin_client, user):
    task = legacy_task(user)
    admin_client.post(action_url(task.pk, "mark_timed_out"))
    assert events_of(task.pk) == [(1, "adopted", "system"), (2, "timed_out", "admin")]
    assert columns_of(task.pk)["status"] == "failed"
    response = admin_client.get(task_url(task.pk))
    adopted, timed_out = timeline_rows(response)
    assert (adopted["type"], adopted["actor"], adopted["stage"], adopted["progress"]) == (
        "adopted",
        "System",
        "selecting",
        "40%",
    )
    assert (timed_out["type"], timed_out["actor"]) == ("timed_out", "Admin")


def test_an_illegal_action_shows_why_and_changes_nothing(admin_client, user, recording_launcher):
    task = running_task(user)
    before, events_before = columns_of(task.pk), events_of(task.pk)
    response = admin_client.post(action_url(task.pk, "retry"), follow=True)
    assert response.status_code == 200
    [message] = [str(m) for m in response.context["messages"]]
    assert message == (
        f"Could not retry task {task.pk}: Only a failed or cancelled task can be retried; this one is running"
    )
    assert "this one is running" in response.content.decode()
    assert columns_of(task.pk) == before
    assert events_of(task.pk) == events_before
    assert recording_launcher.launched == []


def test_rebuilding_a_legacy_task_explains_there_is_nothing_to_rebuild_from(admin_client, user):
    task = legacy_task(user)
    before = columns_of(task.pk)
    response = admin_client.post(action_url(task.pk, "rebuild_projection"))
    assert messages_of(response) == [
        f"Could not rebuild the projection of task {task.pk}: "
        "The task has no events: there is nothing to rebuild it from"
    ]
    assert columns_of(task.pk) == before


def test_actions_on_a_missing_task_or_by_get_do_not_break(admin_client, user):
    response = admin_client.post(action_url("no-such-task", "cancel"))
    assert response.status_code == 302 and response.url == TASKS
    assert messages_of(response) == ["Could not cancel task no-such-task: Task no-such-task does not exist"]
    task = pending_task(user)
    before = columns_of(task.pk)
    assert admin_client.get(action_url(task.pk, "cancel")).status_code == 405
    assert columns_of(task.pk) == before


def test_task_page_offers_the_actions_as_csrf_protected_posts(client, admin_user, user):
    from django.test import Client

    task = pending_task(user)
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(admin_user)
    html = strict.get(task_url(task.pk)).content.decode()
    for action in ("cancel", "retry", "mark_timed_out", "rebuild_projection"):
        form = re.search(
            rf'<form method="post" action="{re.escape(action_url(task.pk, action))}">(.*?)</form>', html, re.S
        )
        assert form and 'name="csrfmiddlewaretoken"' in form.group(1)
    assert strict.post(action_url(task.pk, "cancel")).status_code == 403  # no token
    assert events_of(task.pk) == [(1, "created", "api")]


def test_staff_who_may_only_view_tasks_get_no_actions(client, make_user, user):
    viewer = make_user(is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_choreographytask"))
    client.force_login(viewer)
    task = pending_task(user)
    page = client.get(task_url(task.pk))
    assert page.status_code == 200
    assert '<button type="submit" class="ledger-action">' not in page.content.decode()
    assert client.post(action_url(task.pk, "cancel")).status_code == 403
    assert events_of(task.pk) == [(1, "created", "api")]


# ---- Bulk actions on the task list ----


def test_bulk_actions_report_each_task_and_apply_where_allowed(admin_client, user, recording_launcher):
    pending, running, failed = pending_task(user), running_task(user), failed_task(user)
    response = admin_client.post(
        TASKS,
        {"action": "ledger_cancel", "_selected_action": [pending.pk, running.pk, failed.pk], "index": 0},
    )
    assert response.status_code == 302
    texts = messages_of(response)
    assert f"Task {pending.pk}: cancelled." in texts
    assert any(text.startswith(f"Task {running.pk}: cancellation requested") for text in texts)
    assert f"Could not cancel task {failed.pk}: The task cannot be cancelled: it is failed" in texts
    assert columns_of(pending.pk)["stage"] == "cancelled"
    assert columns_of(running.pk)["stage"] == "cancelling"
    assert columns_of(failed.pk)["stage"] == "failed"
    assert events_of(failed.pk)[-1] == (4, "failed", "job")


def test_bulk_rebuild_and_timeout_are_offered_on_the_list(admin_client, user):
    task = running_task(user)
    actions = dict(admin_client.get(TASKS).context["action_form"].fields["action"].choices)
    assert {"ledger_cancel", "ledger_retry", "ledger_mark_timed_out", "ledger_rebuild_projection"} <= set(
        actions
    )
    admin_client.post(TASKS, {"action": "ledger_mark_timed_out", "_selected_action": [task.pk], "index": 0})
    assert events_of(task.pk)[-1] == (3, "timed_out", "admin")


# ---- The event list ----


def test_event_list_filtered_by_task_shows_that_tasks_history_in_order(admin_client, make_user):
    task = failed_task(make_user())
    other = pending_task(make_user())
    response = admin_client.get(EVENTS, {"task__task_id__exact": task.pk})
    assert response.status_code == 200
    events = list(response.context["cl"].result_list)
    assert [(e.task_id, e.seq, e.type) for e in events] == [
        (task.pk, 1, "created"),
        (task.pk, 2, "attempt_started"),
        (task.pk, 3, "progress"),
        (task.pk, 4, "failed"),
    ]
    assert other.pk not in response.content.decode()
    assert "ffmpeg exited with status 1" in response.content.decode()


def test_event_list_filters_by_type_and_actor_and_searches_by_task(admin_client, user):
    task = failed_task(user)
    other = pending_task(user)
    failed = admin_client.get(EVENTS, {"type": "failed"}).context["cl"].result_list
    assert [(e.task_id, e.type) for e in failed] == [(task.pk, "failed")]
    by_api = admin_client.get(EVENTS, {"actor__exact": "api"}).context["cl"].result_list
    assert {e.task_id for e in by_api} == {task.pk, other.pk}
    found = admin_client.get(EVENTS, {"q": other.pk}).context["cl"].result_list
    assert [(e.task_id, e.seq) for e in found] == [(other.pk, 1)]


def test_event_list_is_read_only(admin_client, user):
    task = running_task(user)
    event = TaskEvent.objects.get(task_id=task.pk, seq=2)
    response = admin_client.get(EVENTS)
    assert response.status_code == 200
    assert response.context["action_form"] is None  # no actions at all, not even delete_selected
    assert admin_client.get(f"{EVENTS}add/").status_code == 403
    page = admin_client.get(f"{EVENTS}{event.pk}/change/")
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    assert admin_client.post(f"{EVENTS}{event.pk}/change/", {"type": "completed"}).status_code == 403
    assert admin_client.post(f"{EVENTS}{event.pk}/delete/", {"post": "yes"}).status_code == 403
    assert events_of(task.pk) == [(1, "created", "api"), (2, "attempt_started", "job")]


def test_event_list_does_not_query_per_row(admin_client, make_user):
    failed_task(make_user())
    admin_client.get(EVENTS)
    with CaptureQueriesContext(connection) as few:
        admin_client.get(EVENTS)
    for _ in range(4):
        failed_task(make_user())
    with CaptureQueriesContext(connection) as many:
        response = admin_client.get(EVENTS)
    assert len(response.context["cl"].result_list) == 20
    assert len(many.captured_queries) == len(few.captured_queries)


def test_the_timeline_shows_a_refused_outside_write_and_what_it_tried(admin_client, user):
    task = running_task(user)
    # The legacy stuck cleanup's save, as plain SQL (the trigger refuses it: the ledger runs this task).
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE choreography_tasks SET status = 'failed', stage = 'failed', progress = 0, error = %s "
            "WHERE task_id = %s",
            ["Task stuck for more than 5 minutes - likely container restart", task.pk],
        )
    assert columns_of(task.pk)["status"] == "running"
    last = timeline_rows(admin_client.get(task_url(task.pk)))[-1]
    assert (last["type"], last["actor"], last["stage"], last["progress"]) == (
        "outside_write_refused",
        "Outside the ledger (legacy app, SQL)",
        "failed",
        "0%",
    )
    assert last["details"] == (
        "refused (ledger_task): tried status failed, Preparing the video job... — error: "
        "Task stuck for more than 5 minutes - likely container restart"
    )
