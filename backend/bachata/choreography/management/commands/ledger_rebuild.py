from django.core.management.base import BaseCommand, CommandError

from bachata.choreography.ledger.errors import LedgerError
from bachata.choreography.services import task_projection_rebuild


class Command(BaseCommand):
    help = "Repair a task's legacy columns from its events."

    def add_arguments(self, parser):
        parser.add_argument("task_id", nargs="+")

    def handle(self, *args, task_id: list[str], **options):
        for one in task_id:
            try:
                outcome = task_projection_rebuild(task_id=one)
            except LedgerError as exc:
                raise CommandError(f"{one}: {exc.message}") from exc
            if not outcome.changed:
                self.stdout.write(f"{one}: already consistent")
            for column, (before, after) in outcome.changed.items():
                self.stdout.write(f"{one}: {column} {before!r} -> {after!r}")
