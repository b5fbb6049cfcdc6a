"""`manage.py sync_jira [--full] [--json]`: one Jira run, synchronously (INTERFACES §1)."""

import json

from django.core.management.base import BaseCommand, CommandError

from sync import services
from sync.models import COUNT_KEYS, RunStatus, RunTrigger


class Command(BaseCommand):
    help = "Run one Jira worklog sync now (--full ignores the stored cursors)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--full",
            action="store_true",
            help="Read both feeds from the beginning, ignoring the cursors",
        )
        parser.add_argument(
            "--json", action="store_true", help="Print exactly one JSON object on stdout"
        )

    def handle(self, *args, **options):
        as_json = options["json"]
        problem = services.jira_configuration_error()
        if problem:
            return self._fail(problem, as_json=as_json)
        run = services.run_jira_sync(full=options["full"], trigger=RunTrigger.COMMAND)
        if run.status != RunStatus.SUCCEEDED:
            return self._fail(f"Jira sync failed: {run.error}", as_json=as_json)
        counts = {key: int(value) for key, value in run.counts().items()}
        if as_json:
            self.stdout.write(json.dumps(counts))
        else:
            self.stdout.write(", ".join(f"{key} {counts[key]}" for key in COUNT_KEYS))

    def _fail(self, message: str, *, as_json: bool):
        if as_json:
            self.stdout.write(json.dumps({"error": message}))
            raise SystemExit(1)
        raise CommandError(message, returncode=1)
