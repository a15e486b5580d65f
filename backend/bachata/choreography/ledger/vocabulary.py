"""Event types, stages and messages of the ledger. Stored values are the legacy app's vocabulary."""

from enum import StrEnum


class EventType(StrEnum):
    CREATED = "created"
    ADOPTED = "adopted"
    QUEUED = "queued"
    LAUNCHED = "launched"
    ATTEMPT_STARTED = "attempt_started"
    PROGRESS = "progress"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCEL_REQUESTED = "cancel_requested"
    CANCELLED = "cancelled"
    RETRY_REQUESTED = "retry_requested"
    TIMED_OUT = "timed_out"
    # Recorded by the database trigger only: a write from outside the ledger that was not applied.
    OUTSIDE_WRITE_REFUSED = "outside_write_refused"


class Phase(StrEnum):
    """Where a task is in its lifecycle; derived from the stored columns, never stored itself."""

    PENDING = "pending"
    RUNNING = "running"
    CANCELLING = "cancelling"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"


TERMINAL_PHASES = frozenset({Phase.COMPLETED, Phase.FAILED, Phase.CANCELLED})

# The legacy status column's vocabulary.
STATUSES = ("started", "running", "completed", "failed")

# Stages the legacy UI's stepper knows, in order; 'explaining' is the legacy natural-language path's stage.
LEGACY_STAGES = (
    "initializing",
    "downloading",
    "analyzing",
    "selecting",
    "generating",
    "explaining",
    "finalizing",
    "completed",
    "failed",
)
LEDGER_STAGES = ("queued", "cancelling", "cancelled")
STORED_STAGES = frozenset(LEGACY_STAGES + LEDGER_STAGES)

# Stages a running job may report through `progress` events.
PROGRESS_STAGES = ("initializing", "downloading", "analyzing", "selecting", "generating", "finalizing")

STAGE_MESSAGES = {
    "initializing": "Starting choreography generation...",
    "downloading": "Downloading audio...",
    "analyzing": "Analyzing music features...",
    "selecting": "Selecting dance moves...",
    "generating": "Generating choreography video...",
    "finalizing": "Finalizing video...",
}

CREATED_MESSAGE = "Starting choreography generation..."
QUEUED_MESSAGE = "Waiting for a free worker..."
LAUNCHED_MESSAGE = "Video job launched, waiting for it to start..."
ATTEMPT_STARTED_MESSAGE = "Preparing the video job..."
COMPLETED_MESSAGE = "Choreography generated successfully!"
AUTO_SAVED_SUFFIX = " (Auto-saved to collection)"
FAILED_MESSAGE = "Choreography generation failed"
CANCEL_REQUESTED_MESSAGE = "Cancelling..."
CANCELLED_MESSAGE = "Choreography generation cancelled"
CANCELLED_ERROR = "Cancelled by user"
RETRY_MESSAGE = "Retrying choreography generation..."


def timed_out_error(minutes: float) -> str:
    return f"Task timed out: no progress for {minutes:g} minutes"


# The API's status vocabulary, derived from the stored columns.
API_STATUSES = ("pending", "processing", "completed", "failed", "cancelled")


def api_status(status: str, stage: str) -> str:
    if status == "failed" and stage == "cancelled":
        return "cancelled"
    return {"started": "pending", "running": "processing"}.get(status, status)
