"""`manage.py seed_demo [--json]`: the idempotent demo firm (logic in timetracking.demo)."""

import json

from django.core.management.base import BaseCommand, CommandError

from timetracking.demo import DEMO_PASSWORD, DEMO_USERS, seed_demo
from timetracking.setup import SetupError


class Command(BaseCommand):
    help = (
        "Create the demo firm (clients, plans, purchases, projects, tasks, members, rates, users, "
        "time entries). Safe to rerun: a rerun adds nothing. --json prints the totals now in the database."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--json",
            dest="as_json",
            action="store_true",
            help='Print exactly {"clients": N, "entries": N, "users": N} (totals in the database)',
        )

    def handle(self, *args, as_json, **options):
        try:
            totals = seed_demo()
        except SetupError as error:
            message = f"The demo setup was refused: {error}"
            if as_json:
                self.stdout.write(json.dumps({"error": message}))
            raise CommandError(message, returncode=1) from error
        if as_json:
            self.stdout.write(json.dumps(totals))
            return
        self.stdout.write(
            f"Demo firm ready: {totals['clients']} clients, {totals['entries']} time entries, {totals['users']} users."
        )
        logins = ", ".join(f"{username} ({role})" for username, _name, role, _extra in DEMO_USERS)
        self.stdout.write(f"Logins (password {DEMO_PASSWORD!r}): {logins}")
