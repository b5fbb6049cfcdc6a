"""Per-task totals of one client's entries in one grouped scan: the client page's requests,
projects and unbilled cards all read them, so a big client's entries are read once, not three
times (issue 13). The scan is an index-only scan of `entry_client_totals` (entries carry their
client: no join through tasks and projects)."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Count, Q, Sum, Value
from django.db.models.functions import Coalesce

from clients.models import Task
from core.units import ZERO_MONEY, summed_money

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
    client,
    date_from: date | None = None,
    date_to: date | None = None,
    *,
    with_unbilled: bool = True,
) -> list[TaskTotals]:
    """One row per task of the client that has entries (two queries, one when it has none).
    The entries are grouped by task id alone (no sort of wide name columns); the names come
    from the tasks. `with_unbilled=False` leaves the unbilled figures at 0 for callers that
    only need logged and billable minutes."""
    sums = {
        "logged": Sum("duration_minutes"),
        "billable": Sum("billable_minutes"),
    }
    if with_unbilled:
        unbilled = unbilled_condition(date_from, date_to)
        sums.update(
            unbilled_entries=Count("task_id", filter=unbilled),
            unbilled_minutes=Coalesce(Sum("duration_minutes", filter=unbilled), Value(0)),
            unbilled_billable=Coalesce(Sum("billable_minutes", filter=unbilled), Value(0)),
            unbilled_value=summed_money("billable_value", filter=unbilled),
        )
    rows = TimeEntry.objects.filter(client=client).order_by().values("task_id").annotate(**sums)
    by_task = {row["task_id"]: row for row in rows}
    if not by_task:
        return []
    # Rows, not instances: a big client has a thousand tasks, and a Task with its project
    # built per row cost more than the sums. Joined on the client, not an IN list of ids.
    tasks = (
        Task.objects.filter(project__client=client)
        .order_by("pk")
        .values_list(
            "pk", "project_id", "project__code", "project__name", "name", "jira_issue_key",
            "jira_summary",
        )
    )  # fmt: skip
    return [
        TaskTotals(
            task_id=task_id,
            project_id=project_id,
            project_code=project_code,
            project_name=project_name,
            name=name,
            jira_issue_key=jira_issue_key,
            jira_summary=jira_summary,
            logged_minutes=by_task[task_id]["logged"],
            billable_minutes=by_task[task_id]["billable"],
            unbilled_entries=by_task[task_id].get("unbilled_entries", 0),
            unbilled_minutes=by_task[task_id].get("unbilled_minutes", 0),
            unbilled_billable_minutes=by_task[task_id].get("unbilled_billable", 0),
            unbilled_value=by_task[task_id].get("unbilled_value", ZERO_MONEY),
        )
        for (
            task_id, project_id, project_code, project_name, name, jira_issue_key, jira_summary,
        ) in tasks
        if task_id in by_task
    ]  # fmt: skip
