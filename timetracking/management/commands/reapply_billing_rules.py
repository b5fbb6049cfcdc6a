"""`manage.py reapply_billing_rules --client CODE [--json]` (INTERFACES §1)."""

import json

from django.core.management.base import BaseCommand, CommandError

from clients.models import Client
from timetracking.services import reapply_billing_rules


class Command(BaseCommand):
    help = (
        "Recompute billable minutes of a client's unlocked entries with today's plan, "
        "classifications and exclusions; a history row per changed entry."
    )

    def add_arguments(self, parser):
        parser.add_argument("--client", required=True, help="The client's code, e.g. ACME")
        parser.add_argument(
            "--json",
            dest="as_json",
            action="store_true",
            help='Print exactly {"entries": …, "minutes_delta": …} on stdout',
        )

    def handle(self, *args, client, as_json, **options):
        target = Client.objects.filter(code=client).first()
        if target is None:
            self.fail(
                f"No client has the code {client!r}; use a client's code, e.g. ACME.", as_json
            )
        changes = reapply_billing_rules(client=target)
        if as_json:
            self.stdout.write(json.dumps(changes.as_dict()))
        else:
            self.stdout.write(
                f"{target.code}: {changes.entries} entries changed, "
                f"{changes.minutes_delta:+d} billable minutes."
            )

    def fail(self, message: str, as_json: bool):
        # --json: stdout carries only the JSON object; the exit status is 1 either way.
        if as_json:
            self.stdout.write(json.dumps({"error": message}))
        raise CommandError(message, returncode=1)
