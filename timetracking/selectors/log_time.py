"""The log-time dialog (PRODUCT §2.2): the task picker and the preview of what saving would do."""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Max, Q

from clients.models import Classification, Task
from clients.selectors import visible_tasks
from core.units import minutes_to_hours

from ..balances import Balance, balance_of
from ..models import Exclusion, Member, TimeEntry
from ..rates import NO_RATE, ResolvedRate, resolve_billing_rate
from ..rules import billable_minutes, is_billable
from .my_work import member_today

RECENT_DAYS = 90


def recent_tasks(member: Member | None, user, *, limit: int = 20):
    """Active tasks the member logged on lately, most recent first: the log-time dialog's list.

    Only the last RECENT_DAYS count: grouping a member's whole history on every My Work and
    timesheet load grows with the years; a task not touched for months is found by search."""
    if member is None:
        return []
    since = member_today(member) - timedelta(days=RECENT_DAYS)
    task_ids = list(
        TimeEntry.objects.filter(member=member, date__gte=since, task__is_active=True)
        .order_by()
        .values("task_id")
        .annotate(last=Max("date"))
        .order_by("-last", "task_id")
        .values_list("task_id", flat=True)[:limit]
    )
    tasks = {
        task.pk: task
        for task in visible_tasks(user).filter(pk__in=task_ids).select_related("project__client")
    }
    return [tasks[task_id] for task_id in task_ids if task_id in tasks]


def search_tasks(user, text: str, *, limit: int = 50):
    """Active tasks whose name, Jira key, project or client matches `text` (the task picker)."""
    tasks = visible_tasks(user).filter(is_active=True).select_related("project__client")
    for word in text.split():
        tasks = tasks.filter(
            Q(name__icontains=word)
            | Q(jira_issue_key__icontains=word)
            | Q(jira_summary__icontains=word)
            | Q(project__code__icontains=word)
            | Q(project__name__icontains=word)
            | Q(project__client__code__icontains=word)
            | Q(project__client__name__icontains=word)
        )
    return list(tasks.order_by("project__client__code", "project__code", "name")[:limit])


@dataclass(frozen=True)
class EntryPreview:
    rate: ResolvedRate
    billable_minutes: int
    balance: Balance | None  # None when the client has no hour bank (no purchases)
    balance_after_minutes: int | None
    # Why saving would bill nothing ("" when it bills): the preview then says "Not billable".
    not_billable_reason: str = ""

    @property
    def balance_after_hours(self) -> Decimal | None:
        return (
            None
            if self.balance_after_minutes is None
            else minutes_to_hours(self.balance_after_minutes)
        )


def entry_preview(
    *,
    member: Member,
    task: Task,
    on_date: date,
    duration_minutes: int | None,
    billable: bool,
    entry=None,
) -> EntryPreview:
    """What saving would do: the rate that applies and, for a client with an hour bank, the
    balance after this entry (an edit counts only its change in billable minutes)."""
    project = task.project
    if (
        entry is not None
        and entry.task_id == task.pk
        and entry.member_id == member.pk
        and entry.date == on_date
    ):
        # Changing only duration, billable or description keeps the snapshot (PRODUCT §1).
        rate = (
            ResolvedRate(entry.billing_rate, entry.billing_currency, "snapshot")
            if entry.billing_rate is not None
            else NO_RATE
        )
    else:
        rate = resolve_billing_rate(member, project, on_date)
    new_billable = billable_minutes(
        base_minutes=duration_minutes or 0, flag=billable, project=project, member=member
    )
    reason = _not_billable_reason(flag=billable, project=project, member=member)
    balance = balance_of(project.client)
    if not balance.has_purchases:
        return EntryPreview(
            rate=rate,
            billable_minutes=new_billable,
            balance=None,
            balance_after_minutes=None,
            not_billable_reason=reason,
        )
    old_billable = entry.billable_minutes if entry is not None else 0
    after = balance.remaining_minutes - (new_billable - old_billable)
    return EntryPreview(
        rate=rate,
        billable_minutes=new_billable,
        balance=balance,
        balance_after_minutes=after,
        not_billable_reason=reason,
    )


def _not_billable_reason(*, flag: bool, project, member: Member) -> str:
    """The same test as the rule that sets billable minutes, in words."""
    if is_billable(flag=flag, project=project, member=member):
        return ""
    if project.classification != Classification.BILLABLE:
        return f"{project.get_classification_display().lower()} project"
    if member.exclusion != Exclusion.NONE:
        return "overhead-only member"
    return "Billable is off"


def task_choices(user, member, *, selected=None, project=None, search: str = ""):
    """Options of the task picker: the chosen task, the context project's tasks, the member's
    recent tasks and, when searching, the matches (never the whole firm's task list)."""
    if search:
        tasks = search_tasks(user, search)
    elif project is not None:
        tasks = list(
            project.tasks.filter(is_active=True).select_related("project__client").order_by("name")
        )
    else:
        tasks = recent_tasks(member, user) or search_tasks(user, "")
    if selected is not None and all(task.pk != selected.pk for task in tasks):
        tasks = [selected, *tasks]
    return tasks
