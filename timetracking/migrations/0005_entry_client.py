"""`TimeEntry.client`, filled from each entry's task's project and kept by triggers
(timetracking/entry_client.py), with the indexes the per-client sums read."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from timetracking import entry_client


def fill_and_install(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # The new foreign key is deferred: its checks of the fill would be pending events,
            # which forbid the ALTER TABLE below.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            entry_client.install(connection)
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            cursor.execute(
                "ALTER TABLE timetracking_timeentry ALTER COLUMN client_id SET NOT NULL"
            )
    elif connection.vendor == "sqlite":
        # The triggers come with every `migrate` (entry_client.after_migrate), not from here.
        with connection.cursor() as cursor:
            cursor.execute(entry_client.SQLITE_FILL)
    else:
        entry_client.install(connection)


def uninstall(apps, schema_editor):
    entry_client.uninstall(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0003_invoice_pdf"),
        ("clients", "0005_ledger_expiry_blocks"),
        ("timetracking", "0004_page_indexes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="timeentry",
            name="client",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="time_entries",
                to="clients.client",
            ),
        ),
        migrations.RunPython(fill_and_install, uninstall),
        migrations.AddIndex(
            model_name="timeentry",
            index=models.Index(
                fields=["client", "date"],
                include=(
                    "task",
                    "duration_minutes",
                    "billable_minutes",
                    "billing_rate",
                    "invoice",
                ),
                name="entry_client_totals",
            ),
        ),
        migrations.AddIndex(
            model_name="timeentry",
            index=models.Index(
                fields=["date"], include=("client", "billable_minutes"), name="entry_date_client"
            ),
        ),
        # After its replacement exists: entry_date_client has the same key column.
        migrations.RemoveIndex(
            model_name="timeentry",
            name="timetrackin_date_7d698b_idx",
        ),
    ]
