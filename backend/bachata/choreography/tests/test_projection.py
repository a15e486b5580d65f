"""The pure state machine: fold(events) -> legacy columns, without a database."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bachata.choreography.ledger import vocabulary as v
from bachata.choreography.ledger.errors import (
    CancelRequested,
    IllegalTransition,
    InvalidEvent,
    LedgerError,
    StaleAttempt,
)
from bachata.choreography.ledger.projection import Event, apply_event, fold, resolve_attempt


def run(*events):
    return fold(events)


def test_happy_path_writes_the_legacy_columns_the_old_ui_expects():
    state = run(
        Event("created"),
        Event("launched", {"execution": "exec-1"}),
        Event("attempt_started", attempt=1),
        Event("progress", {"stage": "downloading", "percent": 10}),
        Event("progress", {"stage": "analyzing", "percent": 25}),
        Event("completed", {"result": {"video_path": "choreographies/2026/11/t.mp4", "auto_saved": True}}),
    )
    assert state.columns() == {
        "status": "completed",
        "progress": 100,
        "stage": "completed",
        "message": "Choreography generated successfully! (Auto-saved to collection)",
        "result": {"video_path": "choreographies/2026/11/t.mp4", "auto_saved": True},
        "error": None,
        "job_execution_name": "exec-1",
    }


def test_progress_never_goes_down_within_an_attempt():
    state = run(
        Event("created"),
        Event("attempt_started"),
        Event("progress", {"stage": "generating", "percent": 70}),
        Event("progress", {"stage": "selecting", "percent": 40, "message": "late report"}),
    )
    assert state.progress == 70
    assert state.message == "late report"


def test_cancelled_reads_as_failed_with_the_legacy_error():
    state = run(Event("created"), Event("attempt_started"), Event("cancel_requested"), Event("cancelled"))
    assert (state.status, state.stage, state.error) == ("failed", "cancelled", "Cancelled by user")
    assert v.api_status(state.status, state.stage) == "cancelled"


def test_job_events_after_cancel_request_tell_the_job_to_stop():
    state = run(Event("created"), Event("attempt_started"), Event("cancel_requested"))
    for event in (
        Event("progress", {"stage": "analyzing", "percent": 30}),
        Event("completed", {"result": {}}),
    ):
        with pytest.raises(CancelRequested):
            apply_event(state, event)


def test_retry_starts_a_new_attempt_and_refuses_the_old_one():
    state = run(
        Event("created"), Event("attempt_started"), Event("failed", {"error": "Music analysis failed: x"})
    )
    state = apply_event(state, Event("retry_requested", attempt=2))
    assert (state.status, state.attempt, state.error) == ("started", 2, None)
    with pytest.raises(StaleAttempt):
        apply_event(state, Event("attempt_started", attempt=1))
    state = apply_event(state, Event("attempt_started", attempt=2))
    assert state.status == "running"


def test_a_second_container_of_a_running_attempt_starts_the_next_attempt():
    state = run(Event("created"), Event("attempt_started", attempt=1))
    assert resolve_attempt(state, "attempt_started") == 2
    with pytest.raises(StaleAttempt):
        apply_event(state, Event("attempt_started", attempt=1))
    state = apply_event(state, Event("attempt_started", attempt=2))
    with pytest.raises(StaleAttempt):
        apply_event(state, Event("progress", {"stage": "analyzing", "percent": 30}, attempt=1))


@pytest.mark.parametrize(
    ("events", "error"),
    [
        ([Event("progress", {"stage": "analyzing", "percent": 10})], IllegalTransition),
        ([Event("created"), Event("created")], IllegalTransition),
        ([Event("created"), Event("completed", {"result": {}})], IllegalTransition),
        ([Event("created"), Event("cancelled")], IllegalTransition),
        (
            [
                Event("created"),
                Event("attempt_started"),
                Event("progress", {"stage": "dancing", "percent": 5}),
            ],
            InvalidEvent,
        ),
        (
            [
                Event("created"),
                Event("attempt_started"),
                Event("progress", {"stage": "analyzing", "percent": 101}),
            ],
            InvalidEvent,
        ),
        ([Event("created"), Event("failed", {"error": ""})], InvalidEvent),
        ([Event("created"), Event("nonsense")], InvalidEvent),
        (
            [
                Event("created"),
                Event("attempt_started"),
                Event("completed", {"result": {}}),
                Event("retry_requested", attempt=2),
            ],
            IllegalTransition,
        ),
    ],
)
def test_illegal_or_malformed_events_are_refused_with_a_readable_message(events, error):
    with pytest.raises(error) as raised:
        fold(events)
    assert raised.value.message


EVENT_TYPES = [t.value for t in v.EventType if t not in (v.EventType.CREATED, v.EventType.ADOPTED)]
payloads = st.fixed_dictionaries(
    {},
    optional={
        "stage": st.sampled_from([*v.PROGRESS_STAGES, "bogus"]),
        "percent": st.one_of(st.integers(-5, 120), st.floats(allow_nan=True), st.text(max_size=3)),
        "error": st.text(max_size=20),
        "result": st.one_of(st.none(), st.dictionaries(st.text(max_size=5), st.integers(), max_size=2)),
        "execution": st.one_of(st.none(), st.text(max_size=10)),
        "message": st.one_of(st.none(), st.text(max_size=10)),
    },
)
events = st.builds(Event, type=st.sampled_from(EVENT_TYPES), payload=payloads, attempt=st.integers(1, 4))


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.lists(events, max_size=25))
def test_any_event_stream_keeps_the_stored_vocabulary_legacy(stream):
    state = apply_event(None, Event("created"))
    for event in stream:
        before = state
        try:
            state = apply_event(state, event)
        except LedgerError:
            assert state is before
            continue
        assert state.status in v.STATUSES
        assert state.stage in v.STORED_STAGES
        assert 0 <= state.progress <= 100
        if state.attempt == before.attempt and before.status == state.status == "running":
            assert state.progress >= before.progress
        if before.status in ("completed", "failed"):
            assert event.type in ("retry_requested", "launched") or state.status == before.status
