"""Writes the outside-write trigger (migration 0007) does not see, for testing the ledger's safety net.

Production has them too: legacy rows written before the trigger existed, and writes made with triggers off
(`session_replication_role = replica`, e.g. a restore). The ledger adopts such columns at its next append and
`ledger_verify` reports them.
"""

from contextlib import contextmanager

from django.db import connection


@contextmanager
def trigger_bypassed():
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
        try:
            yield
        finally:
            cursor.execute("SET session_replication_role = origin")
