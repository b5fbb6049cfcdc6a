"""Client hour-bank reads (client page, portal, API): requests, history, unbilled time."""

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from clients.models import Client, HourPurchase
from core.units import minutes_to_hours, minutes_value, total_value

from ..balances import Balance, balance_of
from ..models import BillingAdjustment, EntryChange, TimeEntry
from .task_totals import TaskTotals, task_totals, unbilled_condition


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


def request_breakdown(client, totals: list[TaskTotals] | None = None) -> list[RequestRow]:
    """One row per task with consumed minutes ≠ 0, largest first (two queries, none when the
    page already has the client's `task_totals`).

    Σ minutes = the client's consumed minutes less its billing adjustments."""
    totals = task_totals(client, with_unbilled=False) if totals is None else totals
    rows = sorted(
        (row for row in totals if row.billable_minutes),
        key=lambda row: (-row.billable_minutes, row.task_id),
    )
    return [
        RequestRow(
            task_id=row.task_id,
            jira_issue_key=row.jira_issue_key or None,
            summary=(row.jira_summary or row.name) if row.jira_issue_key else row.name,
            minutes=row.billable_minutes,
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
            kind=p.kind,
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
        return total_value(row.value for row in self.entries)


class ProjectTotals:
    """Totals over `self.projects` (each with minutes, billable minutes and value): the value is
    the sum of the projects' values, themselves sums of per-entry rounded values."""

    projects: list

    @property
    def total_minutes(self) -> int:
        return sum(project.minutes for project in self.projects)

    @property
    def total_billable_minutes(self) -> int:
        return sum(project.billable_minutes for project in self.projects)

    @property
    def total_value(self) -> Decimal:
        return total_value(project.value for project in self.projects)


@dataclass
class UnbilledTime(ProjectTotals):
    client: Client
    date_from: date | None
    date_to: date | None
    projects: list[UnbilledProject]


def unbilled_entries(client, date_from: date | None = None, date_to: date | None = None):
    """Billable entries (billable minutes > 0) on no invoice, `from`/`to` inclusive."""
    return (
        unbilled_entries_of([client.pk], date_from, date_to)
        .select_related("task__project", "member__user")
        .order_by("task__project__code", "date", "id")
    )


def unbilled_entries_of(
    client_ids: list[int], date_from: date | None = None, date_to: date | None = None
):
    """`unbilled_entries` of several clients, unordered (for grouped sums)."""
    return TimeEntry.objects.filter(client__in=client_ids).filter(
        unbilled_condition(date_from, date_to)
    )


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


@dataclass(frozen=True)
class UnbilledProjectTotal:
    """One project's unbilled billable time, summed in SQL (the client page's card)."""

    project_id: int
    name: str
    entry_count: int
    minutes: int
    billable_minutes: int
    value: Decimal  # Σ per-entry rounded values; entries without a rate add nothing


@dataclass(frozen=True)
class UnbilledSummary(ProjectTotals):
    client: Client
    date_from: date | None
    date_to: date | None
    projects: list[UnbilledProjectTotal]


def unbilled_summary(
    client,
    date_from: date | None = None,
    date_to: date | None = None,
    *,
    totals: list[TaskTotals] | None = None,
) -> UnbilledSummary:
    """`unbilled_time` per project without its entries, from the client's `task_totals` of the
    same period: the card costs the same for ten unbilled entries or a hundred thousand."""
    totals = task_totals(client, date_from, date_to) if totals is None else totals
    projects: dict[int, UnbilledProjectTotal] = {}
    for row in sorted(totals, key=lambda row: (row.project_code, row.project_id)):
        if not row.unbilled_entries:
            continue
        known = projects.get(row.project_id)
        projects[row.project_id] = UnbilledProjectTotal(
            project_id=row.project_id,
            name=row.project_name,
            entry_count=row.unbilled_entries + (known.entry_count if known else 0),
            minutes=row.unbilled_minutes + (known.minutes if known else 0),
            billable_minutes=row.unbilled_billable_minutes
            + (known.billable_minutes if known else 0),
            value=total_value((row.unbilled_value, known.value if known else None)),
        )
    return UnbilledSummary(
        client=client, date_from=date_from, date_to=date_to, projects=list(projects.values())
    )


def client_balance(client: Client, *, today: date | None = None) -> Balance:
    """The client's hour-bank balance, as the client page, the portal and the API show it."""
    return balance_of(client, today=today)
