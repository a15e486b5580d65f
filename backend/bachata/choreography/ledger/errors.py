"""Domain errors of the ledger: each carries a message that can be shown to a person as it is."""


class LedgerError(Exception):
    code = "ledger_error"

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class TaskNotFound(LedgerError):
    code = "task_not_found"


class InvalidEvent(LedgerError):
    """The event itself is malformed (unknown type, bad payload)."""

    code = "invalid_event"


class IllegalTransition(LedgerError):
    """The event is well-formed but not allowed in the task's current state."""

    code = "illegal_transition"


class CancelRequested(IllegalTransition):
    """The task's cancellation was requested: the job must stop and record `cancelled`."""

    code = "cancel_requested"


class StaleAttempt(IllegalTransition):
    """The event belongs to an attempt that a later attempt has superseded."""

    code = "stale_attempt"


class IdempotencyConflict(LedgerError):
    """The idempotency key was already used for a different kind of event."""

    code = "idempotency_conflict"
