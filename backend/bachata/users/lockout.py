"""Legacy parity: 5 failed logins lock an account for 15 minutes. Counters live in the shared cache."""

import hashlib
from dataclasses import dataclass

from django.core.cache import cache
from django.utils import timezone

MAX_FAILURES = 5
LOCK_SECONDS = 15 * 60


@dataclass(frozen=True)
class Lock:
    seconds_left: int


def _failures_key(subject: str) -> str:
    return f"login-failures:{subject}"


def _lock_key(subject: str) -> str:
    return f"login-locked-until:{subject}"


def subject_for_user(user_id: int) -> str:
    return f"user:{user_id}"


def subject_for_identifier(identifier: str) -> str:
    digest = hashlib.sha256(identifier.strip().lower().encode()).hexdigest()[:32]
    return f"name:{digest}"


def lock_of(subjects: list[str]) -> Lock | None:
    now = timezone.now().timestamp()
    for subject in subjects:
        until = cache.get(_lock_key(subject))
        if until and until > now:
            return Lock(seconds_left=max(1, int(until - now)))
    return None


def login_failed(subjects: list[str]) -> None:
    for subject in subjects:
        key = _failures_key(subject)
        failures = cache.get(key, 0) + 1
        if failures >= MAX_FAILURES:
            cache.set(_lock_key(subject), timezone.now().timestamp() + LOCK_SECONDS, LOCK_SECONDS)
            cache.delete(key)
        else:
            cache.set(key, failures, LOCK_SECONDS)


def login_succeeded(subjects: list[str]) -> None:
    cache.delete_many([_failures_key(s) for s in subjects])
