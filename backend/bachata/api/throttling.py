"""Request throttling with one statement per request: a fixed-window counter upserted in PostgreSQL."""

import time
from datetime import UTC, datetime

from django.db import connection
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle

_UPSERT = """
INSERT INTO api_rate_limits (key, window_start, count) VALUES (%s, %s, 1)
ON CONFLICT (key) DO UPDATE SET
    count = CASE WHEN api_rate_limits.window_start = EXCLUDED.window_start THEN api_rate_limits.count + 1 ELSE 1 END,
    window_start = EXCLUDED.window_start
RETURNING count
"""


class PostgresWindowMixin:
    """Replaces DRF's cache-backed sliding log (several cache round trips a request) by one upsert."""

    def allow_request(self, request, view):
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        now = time.time()
        window_start = now - now % self.duration
        with connection.cursor() as cursor:
            cursor.execute(_UPSERT, [self.key, datetime.fromtimestamp(window_start, UTC)])
            (count,) = cursor.fetchone()
        self._wait = window_start + self.duration - now
        return count <= self.num_requests

    def wait(self):
        return max(1.0, self._wait)


class UserThrottle(PostgresWindowMixin, UserRateThrottle):
    pass


class AnonThrottle(PostgresWindowMixin, AnonRateThrottle):
    pass
