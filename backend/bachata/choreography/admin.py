"""Support staff's view of the task ledger.

A task's status/progress/stage/message/result/error/job_execution_name are a projection of its events,
so nothing here edits them: the task page is read-only, and the only way to change a task is one of
the ledger actions (cancel, retry, mark timed out, rebuild projection), which call the services.
"""

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlencode

from django.contrib import admin, messages
from django.contrib.admin.utils import quote, unquote
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.html import format_html

from . import selectors
from .ledger.errors import LedgerError
from .ledger.vocabulary import LEDGER_STAGES, LEGACY_STAGES, STAGE_MESSAGES, EventType, api_status
from .models import ChoreographyTask, EventActor, TaskEvent
from .services import task_cancel, task_mark_timed_out, task_projection_rebuild, task_retry

logger = logging.getLogger(__name__)

ADMIN_ACTOR = EventActor.ADMIN.value
TIMELINE_LIMIT = 50


class EstimatedCountPaginator(Paginator):
    """Never counts a whole large table.

    Unfiltered, the count is PostgreSQL's estimate (pg_class.reltuples) once that is at least
    `exact_count_limit`; below it (or when filtered) rows are counted, but never more than
    `exact_count_limit`, so a filter matching millions of rows costs no more than one matching a few.
    """

    exact_count_limit = 10_000

    def __init__(self, *args, exact_count_limit: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if exact_count_limit is not None:
            self.exact_count_limit = exact_count_limit

    @cached_property
    def count(self) -> int:
        queryset = self.object_list
        if not queryset.query.where:
            estimate = selectors.table_row_estimate(queryset.model)
            if estimate >= self.exact_count_limit:
                return estimate
        return queryset.order_by()[: self.exact_count_limit].count()


class StageFilter(admin.SimpleListFilter):
    """The stored stages, from the vocabulary (no SELECT DISTINCT over the table)."""

    title = "stage"
    parameter_name = "stage"

    def lookups(self, request, model_admin):
        return [(stage, stage) for stage in LEGACY_STAGES + LEDGER_STAGES]

    def queryset(self, request, queryset):
        return queryset.filter(stage=self.value()) if self.value() else queryset


class EventTypeFilter(admin.SimpleListFilter):
    title = "type"
    parameter_name = "type"

    def lookups(self, request, model_admin):
        return [(kind.value, kind.value) for kind in EventType]

    def queryset(self, request, queryset):
        return queryset.filter(type=self.value()) if self.value() else queryset


# ---- Presenting events ----


def _short_json(value, limit: int = 200) -> str:
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass(frozen=True)
class EventSummary:
    stage: str = ""
    progress: str = ""
    text: str = ""
    is_error: bool = False


def event_summary(event: TaskEvent) -> EventSummary:
    """The parts of an event's payload a person looks for: stage, progress, and its message or error."""
    payload = event.payload if isinstance(event.payload, dict) else {}
    kind = event.type
    if kind == EventType.PROGRESS:
        stage, percent = str(payload.get("stage", "")), payload.get("percent")
        return EventSummary(
            stage,
            "" if percent is None else f"{percent}%",
            payload.get("message") or STAGE_MESSAGES.get(stage, ""),
        )
    if kind in (EventType.FAILED, EventType.TIMED_OUT):
        return EventSummary(text=str(payload.get("error", "")), is_error=True)
    if kind == EventType.ADOPTED:
        columns = payload.get("columns") or {}
        text = f"{payload.get('reason', '')}: status {columns.get('status')}, {columns.get('message', '')}"
        if columns.get("error"):
            text += f" — error: {columns['error']}"
        return EventSummary(str(columns.get("stage", "")), f"{columns.get('progress', '')}%", text)
    if kind == EventType.OUTSIDE_WRITE_REFUSED:
        tried = payload.get("attempted") or {}
        text = f"refused ({payload.get('reason', '')}): tried status {tried.get('status')}, {tried.get('message', '')}"
        if tried.get("error"):
            text += f" — error: {tried['error']}"
        return EventSummary(str(tried.get("stage", "")), f"{tried.get('progress', '')}%", text, is_error=True)
    if kind == EventType.CREATED:
        return EventSummary(text=f"parameters: {_short_json(payload.get('parameters') or {})}")
    if kind in (EventType.LAUNCHED, EventType.ATTEMPT_STARTED) and (
        event.execution or payload.get("execution")
    ):
        return EventSummary(text=f"execution {event.execution or payload.get('execution', '')}")
    if kind == EventType.COMPLETED:
        return EventSummary("completed", "100%", f"result: {_short_json(payload.get('result'))}")
    if payload.get("reason"):
        return EventSummary(text=str(payload["reason"]))
    return EventSummary(text=_short_json(payload) if payload else "")


def format_elapsed(delta: timedelta | None) -> str:
    if delta is None:
        return "—"
    seconds = delta.total_seconds()
    if seconds < 1:
        return f"+{round(seconds * 1000)} ms"
    if seconds < 60:
        return f"+{seconds:.1f} s"
    minutes, secs = divmod(int(seconds), 60)
    if minutes < 60:
        return f"+{minutes} min {secs} s"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"+{hours} h {minutes} min"
    days, hours = divmod(hours, 24)
    return f"+{days} d {hours} h"


def task_events_url(task_id: str) -> str:
    return (
        reverse("admin:choreography_taskevent_changelist")
        + "?"
        + urlencode({"task__task_id__exact": task_id})
    )


# ---- Ledger actions ----


def _cancel(task_id: str) -> str:
    task = task_cancel(task_id=task_id, actor=ADMIN_ACTOR)
    if api_status(task.status, task.stage) == "cancelled":
        return "cancelled"
    return "cancellation requested: the running job will stop and record it"


def _retry(task_id: str) -> str:
    task = task_retry(task_id=task_id, actor=ADMIN_ACTOR)
    attempt = selectors.task_current_attempt(task_id)
    if task.status == "failed":
        return f"retry requested (attempt {attempt}), but its video job could not be launched: {task.error}"
    if task.stage == "queued":
        return f"retry requested (attempt {attempt}): waiting for a free worker"
    return f"retry requested: attempt {attempt} is starting"


def _mark_timed_out(task_id: str) -> str:
    # The recorded error says how long the task had been idle, which is true even before the reaper's timeout.
    task = task_mark_timed_out(
        task_id=task_id, actor=ADMIN_ACTOR, minutes=selectors.task_idle_minutes(task_id)
    )
    return f"marked as timed out ({task.error})"


def _rebuild_projection(task_id: str) -> str:
    outcome = task_projection_rebuild(task_id=task_id)
    if not outcome.changed:
        return "projection rebuilt: the columns already matched the events"
    changes = "; ".join(f"{name} {before!r} → {after!r}" for name, (before, after) in outcome.changed.items())
    return f"projection rebuilt from the events: {changes}"


@dataclass(frozen=True)
class LedgerAction:
    name: str
    label: str  # the button
    verb: str  # "Could not <verb> task X: ..."
    run: Callable[[str], str]  # returns what happened, for the success message


LEDGER_ACTIONS = {
    action.name: action
    for action in (
        LedgerAction("cancel", "Cancel", "cancel", _cancel),
        LedgerAction("retry", "Retry", "retry", _retry),
        LedgerAction("mark_timed_out", "Mark timed out", "mark as timed out", _mark_timed_out),
        LedgerAction(
            "rebuild_projection", "Rebuild projection", "rebuild the projection of", _rebuild_projection
        ),
    )
}
MAX_MESSAGES = 10  # per kind, for bulk actions


def perform_ledger_action(request, action: LedgerAction, task_ids: list[str]) -> None:
    """Run the action on each task; report each outcome (or the ledger's refusal) as a message."""
    done, refused = [], []
    for task_id in task_ids:
        try:
            done.append(f"Task {task_id}: {action.run(task_id)}.")
        except LedgerError as exc:
            refused.append(f"Could not {action.verb} task {task_id}: {exc.message}")
        except Exception:  # a support tool reports and carries on; the log has the traceback
            logger.exception("admin action %s failed on task %s", action.name, task_id)
            refused.append(f"Could not {action.verb} task {task_id}: unexpected error (see the server log)")
    for level, texts in ((messages.SUCCESS, done), (messages.ERROR, refused)):
        for text in texts[:MAX_MESSAGES]:
            messages.add_message(request, level, text)
        if len(texts) > MAX_MESSAGES:
            messages.add_message(request, level, f"… and {len(texts) - MAX_MESSAGES} more like these.")


def _bulk_action(action: LedgerAction):
    def run(modeladmin, request, queryset):
        perform_ledger_action(request, action, list(queryset.values_list("pk", flat=True)))

    run.__name__ = f"ledger_{action.name}"
    return admin.action(description=f"{action.label} selected tasks", permissions=["ledger"])(run)


# ---- Admins ----


@admin.register(ChoreographyTask)
class ChoreographyTaskAdmin(admin.ModelAdmin):
    list_display = ("task_id", "user_display", "status", "stage", "progress", "created_at", "updated_at")
    list_filter = ("status", StageFilter, ("created_at", admin.DateFieldListFilter))
    list_select_related = ("user",)
    search_fields = ("task_id",)  # the search itself is selectors.tasks_search (exact matches)
    search_help_text = "An exact task id, or a user's exact username or email (case-insensitive)."
    ordering = ("-created_at",)
    paginator = EstimatedCountPaginator
    show_full_result_count = False
    actions = [_bulk_action(action) for action in LEDGER_ACTIONS.values()]
    change_form_template = "admin/choreography/choreographytask/change_form.html"
    fieldsets = (
        (None, {"fields": ("task_id", "user_link", "created_at", "updated_at", "parameters")}),
        (
            "Projected from the events (change them with the actions above)",
            {
                "fields": (
                    "shown_to_user_as",
                    "status",
                    "stage",
                    "progress",
                    "message",
                    "error",
                    "result",
                    "job_execution_name",
                )
            },
        ),
    )
    readonly_fields = ("user_link", "parameters", "shown_to_user_as")

    # The row is a projection of its events: it is viewed, never edited; the ledger actions change it.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_ledger_permission(self, request):
        opts = self.opts
        return request.user.has_perm(f"{opts.app_label}.change_{opts.model_name}")

    def get_search_results(self, request, queryset, search_term):
        return selectors.tasks_search(queryset, search_term), False

    @admin.display(description="user")
    def user_display(self, task):
        return f"{task.user.username} <{task.user.email}>" if task.user.email else task.user.username

    @admin.display(description="user")
    def user_link(self, task):
        url = reverse("admin:users_user_change", args=[task.user_id])
        return format_html('<a href="{}">{}</a> ({})', url, task.user.username, task.user.email or "no email")

    @admin.display(description="generation parameters")
    def parameters(self, task):
        return _short_json(selectors.task_parameters(task.pk), limit=2000)

    @admin.display(description="shown to the user as")
    def shown_to_user_as(self, task):
        return api_status(task.status, task.stage)

    def get_urls(self):
        info = (self.opts.app_label, self.opts.model_name)
        return [
            path(
                "<path:object_id>/ledger/<slug:action>/",
                self.admin_site.admin_view(self.ledger_action_view),
                name="{}_{}_ledger".format(*info),
            ),
            *super().get_urls(),
        ]

    def ledger_action_view(self, request, object_id, action):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.has_ledger_permission(request):
            raise PermissionDenied
        if action not in LEDGER_ACTIONS:
            raise Http404(f"Unknown action '{action}'")
        task_id = unquote(object_id)
        perform_ledger_action(request, LEDGER_ACTIONS[action], [task_id])
        if ChoreographyTask.objects.filter(pk=task_id).exists():
            return HttpResponseRedirect(
                reverse("admin:choreography_choreographytask_change", args=[quote(task_id)])
            )
        return HttpResponseRedirect(reverse("admin:choreography_choreographytask_changelist"))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        task_id = unquote(object_id)
        timeline = selectors.task_timeline(task_id, limit=TIMELINE_LIMIT)
        rows = [
            {
                "event": entry.event,
                "since_previous": format_elapsed(entry.since_previous),
                "summary": event_summary(entry.event),
            }
            for entry in timeline.entries
        ]
        ledger_actions = []
        if self.has_ledger_permission(request):
            ledger_actions = [
                {
                    "label": action.label,
                    "url": reverse("admin:choreography_choreographytask_ledger", args=[quote(task_id), name]),
                }
                for name, action in LEDGER_ACTIONS.items()
            ]
        context = {
            "timeline_rows": rows,
            "timeline_total": timeline.total,
            "timeline_truncated": timeline.total > len(rows),
            "task_events_url": task_events_url(task_id),
            "ledger_actions": ledger_actions,
            **(extra_context or {}),
        }
        return super().change_view(request, object_id, form_url, extra_context=context)


@admin.register(TaskEvent)
class TaskEventAdmin(admin.ModelAdmin):
    """The append-only history: read-only everywhere."""

    list_display = (
        "seq",
        "task_link",
        "created_at",
        "actor",
        "attempt",
        "type",
        "stage",
        "progress",
        "details",
    )
    list_display_links = ("seq",)
    list_filter = (EventTypeFilter, "actor")
    list_select_related = ("task",)
    search_fields = ("task__task_id",)  # the search itself is an exact task id (get_search_results)
    search_help_text = "An exact task id."
    ordering = ("task_id", "seq")
    paginator = EstimatedCountPaginator
    show_full_result_count = False
    readonly_fields = ("summary",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if not term:
            return queryset, False
        return queryset.filter(task_id__in={term, term.lower()}), False

    @admin.display(description="task", ordering="task_id")
    def task_link(self, event):
        url = reverse("admin:choreography_choreographytask_change", args=[quote(event.task_id)])
        return format_html('<a href="{}">{}</a>', url, event.task)

    @admin.display(description="stage")
    def stage(self, event):
        return event_summary(event).stage

    @admin.display(description="progress")
    def progress(self, event):
        return event_summary(event).progress

    @admin.display(description="message / error")
    def details(self, event):
        summary = event_summary(event)
        if summary.is_error:
            return format_html('<strong class="errornote-text">{}</strong>', summary.text)
        return summary.text

    @admin.display(description="summary")
    def summary(self, event):
        return self.details(event)
