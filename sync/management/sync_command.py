"""The one implementation of `sync_jira` and `sync_tempo` (INTERFACES §1): check the source may
run here, read its options, run it as beat does, and report. `--json` prints exactly one JSON
object (the run's counts, or `{"error": …}`); a handled failure exits 1."""

import json

from django.core.management.base import BaseCommand, CommandError

from sync.models import COUNT_KEYS, RunStatus, RunTrigger, SyncRun
from sync.sources import SourceNotConfigured, configuration_error, run_sync


class SyncCommand(BaseCommand):
    source: str  # a WorklogSource value, set by each command
    # Cron and operators run these every few minutes: the system checks (URLs, models, admin;
    # ~0.2 s) belong to deploys and `manage.py check`, not to every run.
    requires_system_checks = []

    def add_source_arguments(self, parser) -> None:
        """The source's own options (none by default)."""

    def run_options(self, options: dict) -> dict:
        """The source's options for `run_sync`; ValueError (a message for the user) refuses them."""
        return {}

    def add_arguments(self, parser):
        self.add_source_arguments(parser)
        parser.add_argument(
            "--json", action="store_true", help="Print exactly one JSON object on stdout"
        )

    def handle(self, *args, **options):
        as_json = options["json"]
        problem = configuration_error(self.source)
        if problem:
            return self.fail(problem, as_json=as_json)
        try:
            run_options = self.run_options(options)
        except ValueError as error:
            return self.fail(str(error), as_json=as_json)
        try:
            run = run_sync(self.source, trigger=RunTrigger.COMMAND, **run_options)
        except SourceNotConfigured as error:
            return self.fail(str(error), as_json=as_json)
        return self.report(run, as_json=as_json)

    def report(self, run: SyncRun, *, as_json: bool):
        """Print the counts of a finished run, or fail with its error."""
        if run.status != RunStatus.SUCCEEDED:
            return self.fail(
                f"{run.get_source_display()} sync failed: {run.error}", as_json=as_json
            )
        counts = {key: int(value) for key, value in run.counts().items()}
        if as_json:
            self.stdout.write(json.dumps(counts))
        else:
            self.stdout.write(", ".join(f"{key} {counts[key]}" for key in COUNT_KEYS))

    def fail(self, message: str, *, as_json: bool):
        if as_json:
            self.stdout.write(json.dumps({"error": message}))
            raise SystemExit(1)
        raise CommandError(message, returncode=1)
