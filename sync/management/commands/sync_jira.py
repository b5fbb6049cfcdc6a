"""`manage.py sync_jira [--full] [--json]`: one Jira run, synchronously (INTERFACES §1)."""

from sync.management.sync_command import SyncCommand
from sync.models import WorklogSource


class Command(SyncCommand):
    help = "Run one Jira worklog sync now (--full ignores the stored cursors)."
    source = WorklogSource.JIRA

    def add_source_arguments(self, parser):
        parser.add_argument(
            "--full",
            action="store_true",
            help="Read both feeds from the beginning, ignoring the cursors",
        )

    def run_options(self, options):
        return {"full": options["full"]}
