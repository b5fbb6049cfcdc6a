"""`manage.py expire_hour_blocks [--json]` (INTERFACES §1): what the daily beat task does."""

import json

from django.core.management.base import BaseCommand

from timetracking.services.hour_blocks import run_hour_block_day


class Command(BaseCommand):
    help = (
        "Write the expiry rows of hour blocks that expired (client timezone, the day after "
        "expires_on) and send the 30- and 7-day expiry notices due; a second run writes none."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--json",
            dest="as_json",
            action="store_true",
            help='Print exactly {"expired": …, "minutes": …} on stdout',
        )

    def handle(self, *args, as_json, **options):
        run = run_hour_block_day()
        if as_json:
            self.stdout.write(json.dumps({"expired": run.expired, "minutes": run.minutes}))
        else:
            self.stdout.write(
                f"{run.expired} blocks expired ({run.minutes} unused minutes); "
                f"{run.notices} expiry notices sent."
            )
