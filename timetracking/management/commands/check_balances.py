"""`manage.py check_balances [--json]` (INTERFACES §1): the running totals against the entries,
and the entries' denormalized client against their task's."""

import json

from django.core.management.base import BaseCommand
from django.db.models import Count, F, Min, Q

from timetracking.balances import with_recomputed_consumed
from timetracking.models import TimeEntry


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


def entry_client_drift() -> list[dict]:
    """[{client, stored, entries, first_entry}]: entries whose `client` (kept by the database,
    timetracking/entry_client.py) is not their task's project's client, counted per that
    client (`client`) and the one they carry (`stored`, None when empty)."""
    rows = (
        TimeEntry.objects.filter(Q(client__isnull=True) | ~Q(client=F("task__project__client")))
        .values("task__project__client__code", "client__code")
        .annotate(entries=Count("pk"), first_entry=Min("pk"))
        .order_by("task__project__client__code", "client__code")
    )
    return [
        {
            "client": row["task__project__client__code"],
            "stored": row["client__code"],
            "entries": row["entries"],
            "first_entry": row["first_entry"],
        }
        for row in rows
    ]


class Command(BaseCommand):
    help = (
        "Recompute every client's consumed minutes from its entries and adjustments and report "
        "any drift from the running total the pages and API show, and any entry whose client "
        "is not its task's (exit 0 either way)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--json",
            dest="as_json",
            action="store_true",
            help='Print exactly {"clients": …, "drift": [{client, stored, recomputed}], '
            '"entry_drift": [{client, stored, entries, first_entry}]} on stdout',
        )

    def handle(self, *args, as_json, **options):
        checked, drift = balance_drift()
        entry_drift = entry_client_drift()
        if as_json:
            self.stdout.write(
                json.dumps({"clients": checked, "drift": drift, "entry_drift": entry_drift})
            )
            return
        if not drift:
            self.stdout.write(f"{checked} clients checked; every balance matches its entries.")
        else:
            self.stdout.write(f"{checked} clients checked; {len(drift)} with drift (minutes):")
            for row in drift:
                self.stdout.write(
                    f"  {row['client']}: stored {row['stored']}, recomputed {row['recomputed']}"
                )
        if entry_drift:
            total = sum(row["entries"] for row in entry_drift)
            carry = "entry carries" if total == 1 else "entries carry"
            self.stdout.write(f"{total} {carry} another client than its task's:")
            for row in entry_drift:
                self.stdout.write(
                    f"  {row['client']}: {row['entries']} stored under "
                    f"{row['stored'] or 'no client'} (first entry {row['first_entry']})"
                )
