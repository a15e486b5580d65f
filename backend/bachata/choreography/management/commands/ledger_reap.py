import os
import time

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import close_old_connections

from bachata.choreography.launcher import job_dispatch_queued
from bachata.choreography.services import tasks_reap


class Command(BaseCommand):
    help = (
        "Fail unfinished tasks that have had no event for longer than the timeout, then start queued tasks "
        "for free workers (safe to run every minute, or as a service with --every)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--timeout",
            type=int,
            default=settings.LEDGER_REAP_TIMEOUT_SECONDS,
            help="seconds without an event (default: LEDGER_REAP_TIMEOUT_SECONDS, 900)",
        )
        parser.add_argument(
            "--every",
            type=float,
            default=0,
            help="keep running, one pass every this many seconds (`make run`, compose)",
        )
        parser.add_argument(
            "--parent",
            type=int,
            default=0,
            help="with --every: stop when this process (e.g. the server that started the reaper) is no longer "
            "the parent (default: the parent at start)",
        )

    def handle(self, *args, timeout: int, every: float, parent: int, **options):
        if not every:
            self.reap_once(timeout)
            return
        parent = parent or os.getppid()
        while os.getppid() == parent:
            close_old_connections()
            try:
                self.reap_once(timeout, quiet=True)
            except Exception as exc:  # the database may be restarting: try again next time
                self.stderr.write(f"ledger_reap: {exc}")
            time.sleep(every)

    def reap_once(self, timeout: int, quiet: bool = False) -> None:
        reaped = tasks_reap(timeout_seconds=timeout)
        for task_id in reaped:
            self.stdout.write(f"timed out {task_id}")
        if not quiet or reaped:
            self.stdout.write(f"{len(reaped)} task(s) timed out")
        # Queued tasks start here too when workers freed up without anyone dispatching (e.g. a job crashed).
        for task_id in job_dispatch_queued():
            self.stdout.write(f"launched queued {task_id}")
