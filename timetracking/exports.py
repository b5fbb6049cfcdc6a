"""Time entries as finance hands them to accounting: the one column list of the entries export
(the Django admin's streamed CSV, `core.exports.streamed_csv`). Money has exactly 2 decimals;
values follow the one rule of an entry's value (`core.units.entry_value`), so they add up to the
totals the pages show."""

from import_export import fields

from core.exports import MONEY_WIDGET, ExportResource
from core.units import entry_value

from .models import TimeEntry


class TimeEntryResource(ExportResource):
    client_code = fields.Field(attribute="task__project__client__code", column_name="client_code")
    project_code = fields.Field(attribute="task__project__code", column_name="project_code")
    task = fields.Field(attribute="task__name", column_name="task")
    jira_issue_key = fields.Field(attribute="task__jira_issue_key", column_name="jira_issue_key")
    member = fields.Field(attribute="member__user__username", column_name="member")
    billing_rate = fields.Field(
        attribute="billing_rate", column_name="billing_rate", widget=MONEY_WIDGET
    )
    billable_value = fields.Field(
        attribute="billable_value", column_name="billable_value", widget=MONEY_WIDGET
    )
    cost_rate = fields.Field(attribute="cost_rate", column_name="cost_rate", widget=MONEY_WIDGET)
    cost_value = fields.Field(attribute="cost_value", column_name="cost_value", widget=MONEY_WIDGET)
    invoice_id = fields.Field(attribute="invoice_id", column_name="invoice_id")

    class Meta:
        model = TimeEntry
        name = "Time entries"
        fields = (
            "id",
            "date",
            "client_code",
            "project_code",
            "task",
            "jira_issue_key",
            "member",
            "description",
            "duration_minutes",
            "billable",
            "billable_minutes",
            "billing_rate",
            "billing_currency",
            "billable_value",
            "cost_rate",
            "cost_currency",
            "cost_value",
            "source",
            "invoice_id",
            "locked",
        )
        export_order = fields

    def filter_export(self, queryset, **kwargs):
        # Billable value on billable minutes (stored on the entry), cost value on the duration
        # (PRODUCT §10, seed 001), by the same rule.
        return queryset.annotate(cost_value=entry_value("duration_minutes", "cost_rate"))
