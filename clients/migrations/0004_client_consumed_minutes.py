"""Each client's running total of consumed minutes, filled from its entries and adjustments."""

from django.db import migrations, models

FILL_CONSUMED_MINUTES = """
UPDATE clients_client SET consumed_minutes =
    COALESCE((SELECT SUM(e.billable_minutes)
              FROM timetracking_timeentry e
              JOIN clients_task t ON t.id = e.task_id
              JOIN clients_project p ON p.id = t.project_id
              WHERE p.client_id = clients_client.id), 0)
  + COALESCE((SELECT SUM(a.minutes) FROM timetracking_billingadjustment a
              WHERE a.client_id = clients_client.id), 0)
"""


class Migration(migrations.Migration):
    dependencies = [
        ("clients", "0003_billing_ledger_field_settings"),
        ("timetracking", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="client",
            name="consumed_minutes",
            field=models.BigIntegerField(default=0, editable=False),
        ),
        migrations.RunSQL(FILL_CONSUMED_MINUTES, reverse_sql=migrations.RunSQL.noop),
    ]
