"""Legacy parity: 5 failed logins lock an account for 15 minutes.

The counter is one PostgreSQL row per subject, changed by single atomic statements, and an attempt is
*reserved* before its password is checked: however many requests arrive at once, at most MAX_FAILURES
passwords are checked per lock period (a read-then-write counter let 24 parallel guesses through 13 checks).
A reservation counts as a failure until the login succeeds, which deletes only that subject's row.
"""

import hashlib
from dataclasses import dataclass

from django.db import connection
from django.utils import timezone

MAX_FAILURES = 5
LOCK_SECONDS = 15 * 60

_RESERVE = """
INSERT INTO api_login_failures AS f (subject, failures, updated_at, locked_until)
VALUES (%(subject)s, 1, clock_timestamp(), NULL)
ON CONFLICT (subject) DO UPDATE SET
    failures = CASE
        WHEN f.locked_until > clock_timestamp() THEN f.failures
        WHEN f.locked_until IS NOT NULL OR f.updated_at < clock_timestamp() - make_interval(secs => %(window)s)
            THEN 1
        ELSE f.failures + 1 END,
    locked_until = CASE
        WHEN f.locked_until > clock_timestamp() THEN f.locked_until
        WHEN f.locked_until IS NULL AND f.failures >= %(max)s
             AND f.updated_at >= clock_timestamp() - make_interval(secs => %(window)s)
            THEN clock_timestamp() + make_interval(secs => %(window)s)
        ELSE NULL END,
    updated_at = CASE WHEN f.locked_until > clock_timestamp() THEN f.updated_at ELSE clock_timestamp() END
RETURNING failures, locked_until
"""


@dataclass(frozen=True)
class Lock:
    seconds_left: int


@dataclass(frozen=True)
class Attempt:
    subject: str
    number: int  # failures so far, this attempt included


def subject_for_user(user_id: int) -> str:
    return f"user:{user_id}"


def subject_for_identifier(identifier: str) -> str:
    digest = hashlib.sha256(identifier.strip().lower().encode()).hexdigest()[:32]
    return f"name:{digest}"


def attempt_begin(subject: str) -> Attempt | Lock:
    """Reserve one password check for the subject, or say how long it stays locked."""
    with connection.cursor() as cursor:
        cursor.execute(_RESERVE, {"subject": subject, "window": LOCK_SECONDS, "max": MAX_FAILURES})
        failures, locked_until = cursor.fetchone()
    now = timezone.now()
    if locked_until is not None and locked_until > now:
        return Lock(seconds_left=max(1, int((locked_until - now).total_seconds())))
    return Attempt(subject=subject, number=failures)


def attempt_failed(attempt: Attempt) -> None:
    if attempt.number >= MAX_FAILURES:
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE api_login_failures SET locked_until = clock_timestamp() + make_interval(secs => %s) "
                "WHERE subject = %s AND (locked_until IS NULL OR locked_until <= clock_timestamp())",
                [LOCK_SECONDS, attempt.subject],
            )


def attempt_succeeded(attempt: Attempt) -> None:
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM api_login_failures WHERE subject = %s", [attempt.subject])


def lock_of(subject: str) -> Lock | None:
    """The subject's lock, if any (read only)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT locked_until FROM api_login_failures WHERE subject = %s", [subject])
        row = cursor.fetchone()
    now = timezone.now()
    if row and row[0] is not None and row[0] > now:
        return Lock(seconds_left=max(1, int((row[0] - now).total_seconds())))
    return None
