"""`manage.py check_balances [--json]` (INTERFACES §1): the running totals against the entries."""

import json

from django.core.management.base import BaseCommand

from timetracking.balances import with_recomputed_consumed


def balance_drift() -> tuple[int, list[dict]]:
    """(clients checked, [{client, stored, recomputed}] of those whose running total of consumed
    minutes differs from Σ entries' billable minutes + Σ adjustments)."""
    rows = (
        with_recomputed_consumed()
        .order_by("code")
        .values_list("code", "consumed_minutes", "recomputed_minutes")
    )
    checked, drift = 0, []
    for code, stored, recomputed in rows:
        checked += 1
        if stored != recomputed:
            drift.append({"client": code, "stored": stored, "recomputed": recomputed})
    return checked, drift


class Command(BaseCommand):
    help = (
        "Recompute every client's consumed minutes from its entries and adjustments and report "
        "any drift from the running total the pages and API show (exit 0 either way)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--json",
            dest="as_json",
            action="store_true",
            help='Print exactly {"clients": …, "drift": [{client, stored, recomputed}]} on stdout',
        )

    def handle(self, *args, as_json, **options):
        checked, drift = balance_drift()
        if as_json:
            self.stdout.write(json.dumps({"clients": checked, "drift": drift}))
            return
        if not drift:
            self.stdout.write(f"{checked} clients checked; every balance matches its entries.")
            return
        self.stdout.write(f"{checked} clients checked; {len(drift)} with drift (minutes):")
        for row in drift:
            self.stdout.write(
                f"  {row['client']}: stored {row['stored']}, recomputed {row['recomputed']}"
            )
