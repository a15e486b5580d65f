from django.conf import settings
from django.core.management.base import BaseCommand

from bachata.choreography.launcher import job_dispatch_queued
from bachata.choreography.services import tasks_reap


class Command(BaseCommand):
    help = (
        "Fail unfinished tasks that have had no event for longer than the timeout (safe to run every minute)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--timeout",
            type=int,
            default=settings.LEDGER_REAP_TIMEOUT_SECONDS,
            help="seconds without an event (default: LEDGER_REAP_TIMEOUT_SECONDS, 900)",
        )

    def handle(self, *args, timeout: int, **options):
        reaped = tasks_reap(timeout_seconds=timeout)
        for task_id in reaped:
            self.stdout.write(f"timed out {task_id}")
        self.stdout.write(f"{len(reaped)} task(s) timed out")
        # Queued tasks start here too when workers freed up without anyone dispatching (e.g. a job crashed).
        for task_id in job_dispatch_queued():
            self.stdout.write(f"launched queued {task_id}")
