"""`manage.py sync_jira [--full] [--json]`: one Jira run, synchronously (INTERFACES §1)."""

from sync import services
from sync.management.sync_command import SyncCommand
from sync.models import RunTrigger


class Command(SyncCommand):
    help = "Run one Jira worklog sync now (--full ignores the stored cursors)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--full",
            action="store_true",
            help="Read both feeds from the beginning, ignoring the cursors",
        )
        self.add_json_argument(parser)

    def handle(self, *args, **options):
        as_json = options["json"]
        problem = services.jira_configuration_error()
        if problem:
            return self.fail(problem, as_json=as_json)
        run = services.run_jira_sync(full=options["full"], trigger=RunTrigger.COMMAND)
        return self.report(run, as_json=as_json)
