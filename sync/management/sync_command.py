"""What `sync_jira` and `sync_tempo` share (INTERFACES §1): `--json` prints exactly one JSON
object (the run's counts, or `{"error": …}`); a handled failure exits 1."""

import json

from django.core.management.base import BaseCommand, CommandError

from sync.models import COUNT_KEYS, RunStatus, SyncRun


class SyncCommand(BaseCommand):
    def add_json_argument(self, parser) -> None:
        parser.add_argument(
            "--json", action="store_true", help="Print exactly one JSON object on stdout"
        )

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
