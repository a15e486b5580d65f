from django.core.management.base import BaseCommand, CommandError

from bachata.choreography.selectors import ledger_drift


class Command(BaseCommand):
    help = "Replay every task's events and report drift between fold(events) and the stored legacy columns."

    def add_arguments(self, parser):
        parser.add_argument(
            "--fail-on-drift", action="store_true", help="exit non-zero when any drift is found"
        )

    def handle(self, *args, fail_on_drift: bool = False, **options):
        drifted = 0
        for drift in ledger_drift():
            drifted += 1
            if drift.error:
                self.stdout.write(f"{drift.task_id}: {drift.error}")
                continue
            for column, (stored, folded) in drift.columns.items():
                self.stdout.write(f"{drift.task_id}: {column} stored={stored!r} events={folded!r}")
        if drifted:
            self.stdout.write(self.style.WARNING(f"{drifted} task(s) drifted from their events"))
            if fail_on_drift:
                raise CommandError("ledger drift found")
        else:
            self.stdout.write(self.style.SUCCESS("No drift: every task's columns match its events"))
