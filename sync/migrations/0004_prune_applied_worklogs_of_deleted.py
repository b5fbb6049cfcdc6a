"""Replay guards of worklogs that already have a tombstone: `remove_worklog` now deletes them
with the deletion; this removes the ones written before (see `AppliedWorklog`)."""

from django.db import migrations
from django.db.models import Exists, OuterRef


def prune(apps, schema_editor):
    AppliedWorklog = apps.get_model("sync", "AppliedWorklog")
    DeletedWorklog = apps.get_model("sync", "DeletedWorklog")
    tombstone = DeletedWorklog.objects.filter(
        source=OuterRef("source"), worklog_id=OuterRef("worklog_id")
    )
    AppliedWorklog.objects.filter(Exists(tombstone)).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("sync", "0003_applied_worklog"),
    ]

    operations = [
        migrations.RunPython(prune, migrations.RunPython.noop),
    ]
