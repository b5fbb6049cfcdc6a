"""`manage.py sync_tempo [--from DATE] [--to DATE] [--json]`: one Tempo run, synchronously
(INTERFACES §1), the same run as beat's: the updates since the cursor plus a window read and
reconciled (entries of worklogs gone from Tempo are deleted, or, when invoiced, adjusted). The
window is --from/--to, or by default the last TEMPO_RECONCILE_DAYS days."""

from datetime import date

from django.utils import timezone

from sync.management.sync_command import SyncCommand
from sync.models import WorklogSource


class Command(SyncCommand):
    help = (
        "Run one Tempo worklog sync now, as the scheduled run does: the updates since the cursor, "
        "and a read and reconcile (deletions) of a date window: --from/--to, or by default the "
        "last TEMPO_RECONCILE_DAYS days through tomorrow."
    )
    source = WorklogSource.TEMPO

    def add_source_arguments(self, parser):
        parser.add_argument(
            "--from",
            dest="date_from",
            help="First day of the window, e.g. 2025-03-01 (default: TEMPO_RECONCILE_DAYS ago)",
        )
        parser.add_argument(
            "--to",
            dest="date_to",
            help="Last day of the window, e.g. 2025-03-31 (default: today with --from, else tomorrow)",
        )

    def run_options(self, options):
        date_from, date_to = self._window(options["date_from"], options["date_to"])
        return {"date_from": date_from, "date_to": date_to}

    @staticmethod
    def _window(raw_from: str | None, raw_to: str | None) -> tuple[date | None, date | None]:
        if raw_from is None and raw_to is None:
            return None, None
        if raw_from is None:
            raise ValueError("--to needs --from too, e.g. --from 2025-03-01 --to 2025-03-31.")

        def parse(raw: str, option: str) -> date:
            try:
                return date.fromisoformat(raw)
            except ValueError:
                raise ValueError(
                    f"{option} {raw!r} is not a date; use YYYY-MM-DD, e.g. {option} 2025-03-01."
                ) from None

        date_from = parse(raw_from, "--from")
        date_to = parse(raw_to, "--to") if raw_to is not None else timezone.localdate()
        if date_from > date_to:
            raise ValueError(
                f"--from {date_from} is after --to {date_to}; e.g. --from 2025-03-01 --to 2025-03-31."
            )
        return date_from, date_to
