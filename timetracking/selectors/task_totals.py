"""Per-task totals of one client's entries in one grouped scan: the client page's requests,
projects and unbilled cards all read them, so a big client's entries are read once, not three
times (issue 13). The scan is an index-only scan of `entry_task_totals`."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Count, Q, Sum, Value
from django.db.models.functions import Coalesce

from core.units import summed_value

from ..models import TimeEntry


@dataclass(frozen=True)
class TaskTotals:
    task_id: int
    project_id: int
    project_code: str
    project_name: str
    name: str
    jira_issue_key: str | None
    jira_summary: str
    logged_minutes: int
    billable_minutes: int
    # Unbilled (billable minutes > 0, on no invoice) within the period asked for.
    unbilled_entries: int
    unbilled_minutes: int
    unbilled_billable_minutes: int
    unbilled_value: Decimal  # Σ per-entry rounded values; entries without a rate add nothing


def unbilled_condition(date_from: date | None = None, date_to: date | None = None) -> Q:
    """The rows `unbilled_entries` keeps, as a condition on entries."""
    condition = Q(invoice__isnull=True, billable_minutes__gt=0)
    if date_from is not None:
        condition &= Q(date__gte=date_from)
    if date_to is not None:
        condition &= Q(date__lte=date_to)
    return condition


def task_totals(
    client, date_from: date | None = None, date_to: date | None = None
) -> list[TaskTotals]:
    """One row per task of the client that has entries (one query)."""
    unbilled = unbilled_condition(date_from, date_to)
    rows = (
        TimeEntry.objects.filter(task__project__client=client)
        .order_by()
        .values(
            "task_id",
            "task__project_id",
            "task__project__code",
            "task__project__name",
            "task__name",
            "task__jira_issue_key",
            "task__jira_summary",
        )
        .annotate(
            logged=Sum("duration_minutes"),
            billable=Sum("billable_minutes"),
            unbilled_entries=Count("task_id", filter=unbilled),
            unbilled_minutes=Coalesce(Sum("duration_minutes", filter=unbilled), Value(0)),
            unbilled_billable=Coalesce(Sum("billable_minutes", filter=unbilled), Value(0)),
            unbilled_value=summed_value("billable_minutes", "billing_rate", filter=unbilled),
        )
    )
    return [
        TaskTotals(
            task_id=row["task_id"],
            project_id=row["task__project_id"],
            project_code=row["task__project__code"],
            project_name=row["task__project__name"],
            name=row["task__name"],
            jira_issue_key=row["task__jira_issue_key"],
            jira_summary=row["task__jira_summary"],
            logged_minutes=row["logged"],
            billable_minutes=row["billable"],
            unbilled_entries=row["unbilled_entries"],
            unbilled_minutes=row["unbilled_minutes"],
            unbilled_billable_minutes=row["unbilled_billable"],
            unbilled_value=row["unbilled_value"],
        )
        for row in rows
    ]
