"""Reads of time entries for pages and the API, and who may change which entry."""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import PermissionDenied
from django.db.models import Case, Count, F, IntegerField, Max, Q, Sum, Value, When
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404
from django.utils import timezone

from clients.models import Client, FirmSettings, HourPurchase, Project, Task
from clients.roles import has_role, is_staff_member
from clients.selectors import visible_clients, visible_tasks
from core.calendar import today_in, working_weekdays_of
from core.units import minutes_to_hours, minutes_value

from .balances import Balance, balance_of, with_balances
from .durations import format_minutes
from .models import (
    BillingAdjustment,
    EntryChange,
    EntryStatus,
    Exclusion,
    Member,
    Source,
    TimeEntry,
    Timer,
)
from .rates import NO_RATE, ResolvedRate, resolve_billing_rate
from .rules import billable_minutes


def visible_entries(user):
    """Staff read every entry (PRODUCT §9); client users read their own client's; others none."""
    entries = TimeEntry.objects.select_related("task__project__client", "member__user")
    if is_staff_member(user):
        return entries
    return entries.filter(task__project__client__in=visible_clients(user))


def get_entry_for_user(user, entry_id) -> TimeEntry:
    return get_object_or_404(visible_entries(user), pk=entry_id)


def member_for_user(user) -> Member | None:
    return Member.objects.filter(user=user).first() if user.is_authenticated else None


def get_member_for_user(user, member_id) -> Member:
    if not is_staff_member(user):
        from django.http import Http404

        raise Http404
    return get_object_or_404(Member.objects.select_related("user"), pk=member_id)


def can_change_entry(user, entry: TimeEntry) -> bool:
    """Staff change their own entries; managers and up anyone's (locks are the service's job)."""
    if has_role(user, "manager"):
        return True
    return is_staff_member(user) and entry.member.user_id == user.pk


def ensure_can_change_entry(user, entry: TimeEntry) -> None:
    if not can_change_entry(user, entry):
        raise PermissionDenied("You can only change your own entries.")


# --- Client hour bank reads (client page, portal, API): requests, history, unbilled time ------


@dataclass(frozen=True)
class RequestRow:
    """One request (task) of a client with the billable minutes its entries consumed."""

    task_id: int
    jira_issue_key: str | None
    summary: str
    minutes: int

    @property
    def hours(self):
        return minutes_to_hours(self.minutes)


def request_breakdown(client) -> list[RequestRow]:
    """One row per task with consumed minutes ≠ 0, largest first (one query).

    Σ minutes = the client's consumed minutes less its billing adjustments."""
    rows = (
        TimeEntry.objects.filter(task__project__client=client)
        .order_by()
        .values("task_id", "task__name", "task__jira_issue_key", "task__jira_summary")
        .annotate(minutes=Sum("billable_minutes"))
        .exclude(minutes=0)
        .order_by("-minutes", "task_id")
    )
    return [
        RequestRow(
            task_id=row["task_id"],
            jira_issue_key=row["task__jira_issue_key"] or None,
            summary=(row["task__jira_summary"] or row["task__name"])
            if row["task__jira_issue_key"]
            else row["task__name"],
            minutes=row["minutes"],
        )
        for row in rows
    ]


@dataclass(frozen=True)
class HistoryRow:
    """A change of a client's hour bank: an entry created/updated/deleted, a purchase or an
    adjustment. `minutes_delta` is the change in consumed minutes (purchases: minutes bought)."""

    at: datetime
    kind: str
    entry_id: int | None
    minutes_delta: int
    description: str


def consumption_history(client, limit: int = 100) -> list[HistoryRow]:
    """The latest `limit` changes, newest first, zero deltas left out (three queries)."""
    changes = (
        EntryChange.objects.filter(client=client)
        .exclude(minutes_delta=0)
        .order_by("-at", "-id")[:limit]
    )
    purchases = HourPurchase.objects.filter(client=client).order_by("-created_at", "-id")[:limit]
    adjustments = BillingAdjustment.objects.filter(client=client).order_by("-created_at", "-id")[
        :limit
    ]
    rows = [
        HistoryRow(
            at=c.at,
            kind=c.kind,
            entry_id=c.entry_ref,
            minutes_delta=c.minutes_delta,
            description=c.description,
        )
        for c in changes
    ]
    rows += [
        HistoryRow(
            at=p.created_at,
            kind="purchase",
            entry_id=None,
            minutes_delta=p.minutes,
            description=p.note,
        )
        for p in purchases
    ]
    rows += [
        HistoryRow(
            at=a.created_at,
            kind="adjustment",
            entry_id=a.entry_ref,
            minutes_delta=a.minutes,
            description=a.reason,
        )
        for a in adjustments
        if a.minutes
    ]
    rows.sort(key=lambda row: row.at, reverse=True)
    return rows[:limit]


@dataclass(frozen=True)
class UnbilledEntry:
    entry: TimeEntry
    value: Decimal | None  # None when the entry has no billing rate


@dataclass
class UnbilledProject:
    project_id: int
    name: str
    entries: list[UnbilledEntry] = field(default_factory=list)

    @property
    def minutes(self) -> int:
        return sum(row.entry.duration_minutes for row in self.entries)

    @property
    def billable_minutes(self) -> int:
        return sum(row.entry.billable_minutes for row in self.entries)

    @property
    def value(self) -> Decimal:
        """Σ of the entries that have a rate; entries without one add nothing."""
        return sum((row.value for row in self.entries if row.value is not None), Decimal("0.00"))


@dataclass
class UnbilledTime:
    client: Client
    date_from: date | None
    date_to: date | None
    projects: list[UnbilledProject]

    @property
    def total_minutes(self) -> int:
        return sum(project.minutes for project in self.projects)

    @property
    def total_billable_minutes(self) -> int:
        return sum(project.billable_minutes for project in self.projects)

    @property
    def total_value(self) -> Decimal:
        return sum((project.value for project in self.projects), Decimal("0.00"))


def unbilled_entries(client, date_from: date | None = None, date_to: date | None = None):
    """Billable entries (billable minutes > 0) on no invoice, `from`/`to` inclusive."""
    entries = TimeEntry.objects.filter(
        task__project__client=client, invoice__isnull=True, billable_minutes__gt=0
    ).select_related("task__project", "member__user")
    if date_from is not None:
        entries = entries.filter(date__gte=date_from)
    if date_to is not None:
        entries = entries.filter(date__lte=date_to)
    return entries.order_by("task__project__code", "date", "id")


def unbilled_time(
    client, date_from: date | None = None, date_to: date | None = None
) -> UnbilledTime:
    """The client's unbilled time grouped by project (seed 001's endpoint), in one query;
    totals are sums of the listed entries, values at each entry's rate snapshot."""
    projects: dict[int, UnbilledProject] = {}
    for entry in unbilled_entries(client, date_from, date_to):
        project = entry.task.project
        group = projects.setdefault(
            project.pk, UnbilledProject(project_id=project.pk, name=project.name)
        )
        group.entries.append(
            UnbilledEntry(
                entry=entry, value=minutes_value(entry.billable_minutes, entry.billing_rate)
            )
        )
    return UnbilledTime(
        client=client, date_from=date_from, date_to=date_to, projects=list(projects.values())
    )


def entries_with_status(entries, status: str):
    """Filter entries by billing status, the same rule as `TimeEntry.status`, in SQL."""
    if status == EntryStatus.NON_BILLABLE:
        return entries.filter(billable_minutes=0, invoice__isnull=True)
    if status == EntryStatus.UNBILLED:
        return entries.filter(billable_minutes__gt=0, invoice__isnull=True)
    if status == EntryStatus.BILLED:
        return entries.filter(invoice__isnull=False, locked=False)
    if status == EntryStatus.INVOICED:
        return entries.filter(invoice__isnull=False, locked=True)
    raise ValueError(
        f"Unknown entry status {status!r}; use one of {', '.join(EntryStatus.values)}."
    )


# --- Staff pages: My Work, timesheet, client directory, project and task pages ----------------

# Duration of the entries that bill (stored billable minutes > 0, the same rule as
# `TimeEntry.status`): utilization and "billable hours" are about time worked, not time billed.
BILLABLE_DURATION = Coalesce(
    Sum(
        Case(
            When(billable_minutes__gt=0, then=F("duration_minutes")),
            default=Value(0),
            output_field=IntegerField(),
        )
    ),
    Value(0),
)


def member_today(member: Member | None) -> date:
    """ "Today" is the member's today (PRODUCT §2.2): their timezone, else the firm's."""
    return today_in(member.timezone if member else None)


def working_weekdays(days_per_week=None) -> set[int]:
    """Working weekdays of the firm (or of `days_per_week`)."""
    days = (
        FirmSettings.current().effective_days_per_week if days_per_week is None else days_per_week
    )
    return working_weekdays_of(days)


def entries_on_day(member: Member, day: date):
    return (
        TimeEntry.objects.filter(member=member, date=day)
        .select_related("task__project__client", "member__user", "invoice")
        .order_by("id")
    )


@dataclass(frozen=True)
class DayTotal:
    day: date
    total_minutes: int
    billable_minutes: int  # duration of billable entries

    @property
    def non_billable_minutes(self) -> int:
        return self.total_minutes - self.billable_minutes


def day_totals(member: Member, date_from: date, date_to: date) -> list[DayTotal]:
    """One row per day of the range, days without entries included (one query)."""
    rows = {
        row["date"]: row
        for row in TimeEntry.objects.filter(member=member, date__gte=date_from, date__lte=date_to)
        .order_by()
        .values("date")
        .annotate(total=Sum("duration_minutes"), billable=BILLABLE_DURATION)
    }
    days = []
    day = date_from
    while day <= date_to:
        row = rows.get(day, {})
        days.append(
            DayTotal(
                day=day,
                total_minutes=row.get("total") or 0,
                billable_minutes=row.get("billable") or 0,
            )
        )
        day += timedelta(days=1)
    return days


@dataclass(frozen=True)
class WeekChart:
    """My Work's week: hours per day, billable vs non-billable, and the member's target spread
    evenly over the working days."""

    days: list[DayTotal]
    weekly_target_minutes: int
    daily_target_minutes: int
    working: frozenset[int]

    @property
    def total_minutes(self) -> int:
        return sum(day.total_minutes for day in self.days)

    def target_of(self, day: date) -> int | None:
        return self.daily_target_minutes if day.weekday() in self.working else None

    @property
    def rows(self) -> list[tuple[DayTotal, int | None]]:
        return [(day, self.target_of(day.day)) for day in self.days]

    def data(self) -> dict:
        """JSON for Chart.js (hours as floats)."""
        target = [self.target_of(day.day) for day in self.days]
        return {
            "labels": [f"{day.day:%a} {day.day.day}" for day in self.days],
            "billable": [float(minutes_to_hours(day.billable_minutes)) for day in self.days],
            "non_billable": [
                float(minutes_to_hours(day.non_billable_minutes)) for day in self.days
            ],
            "target": [
                None if minutes is None else float(minutes_to_hours(minutes)) for minutes in target
            ],
        }


def week_chart(member: Member, week_start: date) -> WeekChart:
    days = day_totals(member, week_start, week_start + timedelta(days=6))
    days_per_week = FirmSettings.current().effective_days_per_week
    weekly_target = int(
        (Decimal(member.weekly_target_hours) * 60).quantize(Decimal("1"), ROUND_HALF_UP)
    )
    daily_target = (
        int((Decimal(weekly_target) / days_per_week).quantize(Decimal("1"), ROUND_HALF_UP))
        if days_per_week
        else 0
    )
    return WeekChart(
        days=days,
        weekly_target_minutes=weekly_target,
        daily_target_minutes=daily_target,
        working=frozenset(working_weekdays(days_per_week)),
    )


@dataclass(frozen=True)
class HoursRow:
    """Hours of one project (or task) in a period: the My Work breakdown."""

    id: int
    label: str
    detail: str
    minutes: int
    billable_minutes: int  # duration of billable entries

    @property
    def hours(self) -> Decimal:
        return minutes_to_hours(self.minutes)


def hours_by_project(member: Member, date_from: date, date_to: date) -> list[HoursRow]:
    rows = (
        TimeEntry.objects.filter(member=member, date__gte=date_from, date__lte=date_to)
        .order_by()
        .values(
            "task__project_id",
            "task__project__code",
            "task__project__name",
            "task__project__client__name",
        )
        .annotate(minutes=Sum("duration_minutes"), billable=BILLABLE_DURATION)
        .order_by("-minutes", "task__project__code")
    )
    return [
        HoursRow(
            id=row["task__project_id"],
            label=f"{row['task__project__code']} — {row['task__project__name']}",
            detail=row["task__project__client__name"],
            minutes=row["minutes"],
            billable_minutes=row["billable"],
        )
        for row in rows
    ]


def hours_by_task(
    member: Member, project_id: int, date_from: date, date_to: date
) -> list[HoursRow]:
    rows = (
        TimeEntry.objects.filter(
            member=member, task__project_id=project_id, date__gte=date_from, date__lte=date_to
        )
        .order_by()
        .values("task_id", "task__name", "task__jira_issue_key")
        .annotate(minutes=Sum("duration_minutes"), billable=BILLABLE_DURATION)
        .order_by("-minutes", "task__name")
    )
    return [
        HoursRow(
            id=row["task_id"],
            label=row["task__name"],
            detail=row["task__jira_issue_key"] or "",
            minutes=row["minutes"],
            billable_minutes=row["billable"],
        )
        for row in rows
    ]


@dataclass(frozen=True)
class MemberKpis:
    total_minutes: int
    billable_minutes: int  # duration of billable entries
    working_days: int

    @property
    def utilization_percent(self) -> Decimal | None:
        """utilization = Σ duration of billable entries / Σ duration of all entries (PRODUCT §1)."""
        if not self.total_minutes:
            return None
        return (Decimal(self.billable_minutes) * 100 / self.total_minutes).quantize(
            Decimal("0.1"), ROUND_HALF_UP
        )

    @property
    def average_daily_minutes(self) -> int | None:
        if not self.working_days:
            return None
        return int(
            (Decimal(self.total_minutes) / self.working_days).quantize(Decimal("1"), ROUND_HALF_UP)
        )


def member_kpis(member: Member, date_from: date, date_to: date, *, today: date) -> MemberKpis:
    """KPIs of a period; average daily hours count the working days up to today only."""
    totals = TimeEntry.objects.filter(
        member=member, date__gte=date_from, date__lte=date_to
    ).aggregate(total=Coalesce(Sum("duration_minutes"), Value(0)), billable=BILLABLE_DURATION)
    working = working_weekdays()
    last_day = min(date_to, today)
    working_days = 0
    day = date_from
    while day <= last_day:
        working_days += day.weekday() in working
        day += timedelta(days=1)
    return MemberKpis(
        total_minutes=totals["total"],
        billable_minutes=totals["billable"],
        working_days=working_days,
    )


# Weekly timesheet (PRODUCT §2.5)


@dataclass
class TimesheetCell:
    task: Task
    day: date
    entries: list = field(default_factory=list)
    # Set by the page when the text typed into this cell was refused: shown, and kept.
    error: str = ""
    typed: str | None = None

    @property
    def minutes(self) -> int:
        return sum(entry.duration_minutes for entry in self.entries)

    @property
    def editable(self) -> bool:
        """Empty, or exactly one manual entry not locked by an invoice."""
        if not self.entries:
            return True
        only = self.entries[0]
        return len(self.entries) == 1 and only.source == Source.MANUAL and not only.locked

    @property
    def value(self) -> str:
        return format_minutes(self.minutes) if self.minutes else ""

    @property
    def input_id(self) -> str:
        return f"cell-{self.task.pk}-{self.day.isoformat()}"


@dataclass
class TimesheetRow:
    task: Task
    cells: list[TimesheetCell]

    @property
    def total_minutes(self) -> int:
        return sum(cell.minutes for cell in self.cells)


@dataclass
class Timesheet:
    week_start: date
    days: list[date]
    rows: list[TimesheetRow]

    @property
    def day_totals(self) -> list[tuple[date, int]]:
        return [
            (day, sum(row.cells[index].minutes for row in self.rows))
            for index, day in enumerate(self.days)
        ]

    @property
    def total_minutes(self) -> int:
        return sum(row.total_minutes for row in self.rows)

    def cell(self, task_id: int, day: date) -> TimesheetCell | None:
        for row in self.rows:
            if row.task.pk == task_id:
                return row.cells[self.days.index(day)] if day in self.days else None
        return None


def timesheet(member: Member, week_start: date, extra_task_ids=()) -> Timesheet:
    """The member's tasks × the 7 days of the week (two queries): tasks with entries that week,
    plus `extra_task_ids` (rows added by hand or copied from last week, without hours)."""
    days = [week_start + timedelta(days=offset) for offset in range(7)]
    entries = list(
        TimeEntry.objects.filter(member=member, date__gte=days[0], date__lte=days[-1])
        .select_related("task__project__client")
        .order_by("date", "id")
    )
    tasks = {entry.task_id: entry.task for entry in entries}
    missing = [task_id for task_id in extra_task_ids if task_id not in tasks]
    if missing:
        tasks.update(
            {
                task.pk: task
                for task in Task.objects.filter(pk__in=missing).select_related("project__client")
            }
        )
    cells = {
        (task_id, day): TimesheetCell(task=task, day=day)
        for task_id, task in tasks.items()
        for day in days
    }
    for entry in entries:
        cells[(entry.task_id, entry.date)].entries.append(entry)
    ordered = sorted(
        tasks.values(),
        key=lambda task: (task.project.client.code, task.project.code, task.name.lower(), task.pk),
    )
    rows = [
        TimesheetRow(task=task, cells=[cells[(task.pk, day)] for day in days]) for task in ordered
    ]
    return Timesheet(week_start=week_start, days=days, rows=rows)


def task_ids_logged(member: Member, date_from: date, date_to: date) -> list[int]:
    return list(
        TimeEntry.objects.filter(member=member, date__gte=date_from, date__lte=date_to)
        .order_by()
        .values_list("task_id", flat=True)
        .distinct()
    )


def recent_tasks(member: Member | None, user, *, limit: int = 20):
    """Active tasks the member logged on lately, most recent first: the log-time dialog's list."""
    if member is None:
        return []
    task_ids = list(
        TimeEntry.objects.filter(member=member, task__is_active=True)
        .order_by()
        .values("task_id")
        .annotate(last=Max("date"))
        .order_by("-last")
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


# Log-time dialog preview (PRODUCT §2.2)


@dataclass(frozen=True)
class EntryPreview:
    rate: ResolvedRate
    billable_minutes: int
    balance: Balance | None  # None when the client has no hour bank (no purchases)
    balance_after_minutes: int | None

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
    balance = balance_of(project.client)
    if not balance.has_purchases:
        return EntryPreview(
            rate=rate, billable_minutes=new_billable, balance=None, balance_after_minutes=None
        )
    old_billable = entry.billable_minutes if entry is not None else 0
    after = balance.remaining_minutes - (new_billable - old_billable)
    return EntryPreview(
        rate=rate, billable_minutes=new_billable, balance=balance, balance_after_minutes=after
    )


# Client directory (PRODUCT §4)


class Risk:
    NEGATIVE = "negative"
    AT_RISK = "at_risk"
    OK = "ok"
    NO_BANK = "no_bank"
    CHOICES = (
        ("", "Any risk"),
        (AT_RISK, "At risk (incl. negative)"),
        (NEGATIVE, "Negative balance"),
        (OK, "Healthy"),
        (NO_BANK, "No hour bank"),
    )


@dataclass(frozen=True)
class DirectoryRow:
    client: Client
    balance: Balance

    @property
    def risk(self) -> str:
        if not self.balance.has_purchases:
            return Risk.NO_BANK
        if self.balance.is_negative:
            return Risk.NEGATIVE
        return Risk.AT_RISK if self.balance.at_risk else Risk.OK


DIRECTORY_SORTS = {
    "name": ("Name", lambda row: (row.client.name.lower(), row.client.code)),
    "code": ("Code", lambda row: row.client.code),
    "remaining": (
        "Remaining (lowest first)",
        lambda row: (not row.balance.has_purchases, row.balance.remaining_minutes),
    ),
    "used": (
        "Used % (highest first)",
        lambda row: (not row.balance.has_purchases, -row.balance.consumed_percent),
    ),
    "runout": (
        "Run-out date (soonest first)",
        lambda row: (row.balance.runout_date is None, row.balance.runout_date or date.max),
    ),
}
DIRECTORY_STATUSES = (("active", "Active"), ("inactive", "Inactive"), ("all", "All"))


def client_directory(
    user,
    *,
    search: str = "",
    status: str = "active",
    risk: str = "",
    sort: str = "name",
    today: date | None = None,
) -> list[DirectoryRow]:
    """One row per visible, non-internal client with its balance, in one query: balances are
    annotated once; risk filters and sorts work on the computed balances."""
    today = today or timezone.localdate()
    clients = visible_clients(user).filter(is_internal=False).select_related("owner")
    if status == "active":
        clients = clients.filter(is_active=True)
    elif status == "inactive":
        clients = clients.filter(is_active=False)
    for word in search.split():
        clients = clients.filter(Q(name__icontains=word) | Q(code__icontains=word))
    rows = [
        DirectoryRow(client=client, balance=balance_of(client, today=today))
        for client in with_balances(clients, today=today)
    ]
    if risk == Risk.AT_RISK:
        rows = [row for row in rows if row.balance.at_risk]
    elif risk:
        rows = [row for row in rows if row.risk == risk]
    rows.sort(key=DIRECTORY_SORTS.get(sort, DIRECTORY_SORTS["name"])[1])
    return rows


# Client page (PRODUCT §4)


def client_purchases(client: Client, limit: int = 100):
    return (
        HourPurchase.objects.filter(client=client)
        .select_related("entered_by")
        .order_by("-date", "-id")[:limit]
    )


def client_projects(client: Client):
    """The client's projects with their logged and billable minutes (one query)."""
    return (
        Project.objects.filter(client=client)
        .annotate(
            logged_minutes=Coalesce(Sum("tasks__entries__duration_minutes"), Value(0)),
            billable_minutes_sum=Coalesce(Sum("tasks__entries__billable_minutes"), Value(0)),
        )
        .order_by("status", "code")
    )


# Project page: seed 001's project time summary


@dataclass
class TaskTime:
    task_id: int
    name: str
    jira_issue_key: str | None
    minutes: int = 0
    billable_duration: int = 0
    billable_value: Decimal = Decimal("0.00")


@dataclass
class MemberTime:
    member_id: int
    name: str
    minutes: int = 0
    billable_duration: int = 0
    billable_value: Decimal = Decimal("0.00")
    tasks: list[TaskTime] = field(default_factory=list)

    @property
    def non_billable_duration(self) -> int:
        return self.minutes - self.billable_duration


@dataclass
class ProjectTimeSummary:
    project: Project
    members: list[MemberTime]
    entries_without_rate: int

    @property
    def currency(self) -> str:
        return self.project.client.currency

    @property
    def total_minutes(self) -> int:
        return sum(member.minutes for member in self.members)

    @property
    def billable_minutes(self) -> int:
        return sum(member.billable_duration for member in self.members)

    @property
    def non_billable_minutes(self) -> int:
        return self.total_minutes - self.billable_minutes

    @property
    def billable_value(self) -> Decimal:
        return sum((member.billable_value for member in self.members), Decimal("0.00"))

    @property
    def budget_hours_percent(self) -> int | None:
        """Share of the hour budget used by all logged time, for the progress bar."""
        budget = self.project.budget_hours
        if not budget:
            return None
        return int(
            (Decimal(self.total_minutes) * 100 / (budget * 60)).quantize(
                Decimal("1"), ROUND_HALF_UP
            )
        )

    @property
    def budget_amount_percent(self) -> int | None:
        budget = self.project.budget_amount
        if not budget:
            return None
        return int((self.billable_value * 100 / budget).quantize(Decimal("1"), ROUND_HALF_UP))


def project_time_summary(project: Project) -> ProjectTimeSummary:
    """Total, billable, non-billable, billable value; per member, expandable to tasks (one query).

    Values are billable minutes × the rate snapshot, summed per (member, task, rate) and rounded
    half-up to the cent once per group, as invoice lines are (PRODUCT §5.2)."""
    rows = (
        TimeEntry.objects.filter(task__project=project)
        .order_by()
        .values(
            "member_id",
            "member__user__username",
            "member__user__first_name",
            "member__user__last_name",
            "task_id",
            "task__name",
            "task__jira_issue_key",
            "billing_rate",
            "billing_currency",
        )
        .annotate(
            minutes=Sum("duration_minutes"),
            billable=BILLABLE_DURATION,
            billed=Sum("billable_minutes"),
            count=Count("id"),
        )
    )
    members: dict[int, MemberTime] = {}
    tasks: dict[tuple[int, int], TaskTime] = {}
    without_rate = 0
    for row in rows:
        name = (
            f"{row['member__user__first_name']} {row['member__user__last_name']}".strip()
            or row["member__user__username"]
        )
        member = members.setdefault(
            row["member_id"], MemberTime(member_id=row["member_id"], name=name)
        )
        key = (row["member_id"], row["task_id"])
        if key not in tasks:
            tasks[key] = TaskTime(
                task_id=row["task_id"],
                name=row["task__name"],
                jira_issue_key=row["task__jira_issue_key"],
            )
            member.tasks.append(tasks[key])
        value = None
        if row["billing_rate"] is not None and row["billing_currency"] == project.client.currency:
            value = minutes_value(row["billed"], row["billing_rate"])
        elif row["billed"]:
            without_rate += row["count"]
        for target in (member, tasks[key]):
            target.minutes += row["minutes"]
            target.billable_duration += row["billable"]
            target.billable_value += value or Decimal("0.00")
    ordered = sorted(members.values(), key=lambda member: (-member.minutes, member.name))
    for member in ordered:
        member.tasks.sort(key=lambda task: (-task.minutes, task.name))
    return ProjectTimeSummary(project=project, members=ordered, entries_without_rate=without_rate)


def project_tasks(project: Project):
    """The project's tasks with their logged minutes (one query)."""
    return (
        Task.objects.filter(project=project)
        .annotate(logged_minutes=Coalesce(Sum("entries__duration_minutes"), Value(0)))
        .order_by("-is_active", "name")
    )


@dataclass(frozen=True)
class UnbilledCount:
    entries: int
    billable_minutes: int

    @property
    def billable_hours(self) -> Decimal:
        return minutes_to_hours(self.billable_minutes)


def project_unbilled(project: Project) -> UnbilledCount:
    """Unbilled billable time of one project: the warning before marking it complete (seed 001)."""
    totals = (
        unbilled_entries(project.client)
        .filter(task__project=project)
        .order_by()
        .aggregate(entries=Count("id"), minutes=Coalesce(Sum("billable_minutes"), Value(0)))
    )
    return UnbilledCount(entries=totals["entries"], billable_minutes=totals["minutes"])


def task_entries(task: Task):
    return (
        TimeEntry.objects.filter(task=task)
        .select_related("member__user", "task__project__client", "invoice")
        .order_by("-date", "-id")
    )


def running_timer(member: Member | None) -> Timer | None:
    if member is None:
        return None
    return Timer.objects.filter(member=member).select_related("task__project__client").first()


# Logging for someone else (PRODUCT §9: manager and up log for others and edit their entries)

LOG_FOR_OTHERS_REFUSED = (
    "Only managers and up may log time for someone else; leave Member out to log your own time."
)


def can_log_for_others(user) -> bool:
    """Managers, finance and admins log time for (and move entries to) other members."""
    return has_role(user, "manager")


def loggable_members(*, keep: Member | None = None):
    """Members time can be logged for: active logins, not Jira placeholders, not excluded.
    `keep` (an entry's current member) stays listed so editing never moves it by accident."""
    members = Member.objects.filter(is_placeholder=False, user__is_active=True).exclude(
        exclusion=Exclusion.EXCLUDED
    )
    if keep is not None:
        members = members | Member.objects.filter(pk=keep.pk)
    return members.select_related("user").order_by("user__username")


def ensure_can_log_for(user, member_value, *, default: Member) -> None:
    """A request naming a member other than `default` (the user's own, or the entry's) is
    refused unless the user may log for others: refused, never silently ignored."""
    value = str(member_value or "").strip()
    if value and value != str(default.pk) and not can_log_for_others(user):
        raise PermissionDenied(LOG_FOR_OTHERS_REFUSED)


def member_to_log_for(user, member_value, *, default: Member) -> Member:
    """The member a dialog value names (for the preview): `default` when none or unknown."""
    ensure_can_log_for(user, member_value, default=default)
    value = str(member_value or "").strip()
    if not value.isdigit() or int(value) == default.pk:
        return default
    return loggable_members(keep=default).filter(pk=int(value)).first() or default
