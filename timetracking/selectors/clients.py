"""The client directory and the client page (PRODUCT §4)."""

from dataclasses import dataclass
from datetime import date

from django.db.models import Q
from django.shortcuts import get_object_or_404
from django.utils import timezone

from clients.models import Client, HourPurchase, Project
from clients.selectors import visible_clients

from ..balances import Balance, balance_of, with_balances
from .forecast import burn_minutes_per_week, risk_reason, runs_out_in
from .task_totals import TaskTotals, task_totals


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
    today: date | None = None

    @property
    def burn_minutes_per_week(self) -> int:
        return burn_minutes_per_week(self.balance)

    @property
    def runs_out_in(self) -> str:
        return runs_out_in(self.balance, self.today or timezone.localdate())

    @property
    def risk_reason(self) -> str:
        return risk_reason(self.client, self.balance, self.today or timezone.localdate())

    @property
    def risk(self) -> str:
        if not self.balance.has_purchases:
            return Risk.NO_BANK
        if self.balance.is_negative:
            return Risk.NEGATIVE
        return Risk.AT_RISK if self.balance.at_risk else Risk.OK


_RISK_RANK = {Risk.NEGATIVE: 0, Risk.AT_RISK: 1, Risk.OK: 2, Risk.NO_BANK: 3}

DIRECTORY_SORTS = {
    # Default: who needs attention first — overdrawn (deepest first), then at risk and healthy
    # by run-out date, then clients without an hour bank.
    "risk": (
        "Risk (most urgent first)",
        lambda row: (
            _RISK_RANK[row.risk],
            row.balance.remaining_minutes if row.risk == Risk.NEGATIVE else 0,
            row.balance.runout_date or date.max,
            row.client.name.lower(),
        ),
    ),
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
        # An overdrawn bank has already run out: it comes first, not last.
        lambda row: (
            not row.balance.has_purchases,
            date.min if row.balance.is_negative else (row.balance.runout_date or date.max),
        ),
    ),
}


DIRECTORY_STATUSES = (("active", "Active"), ("inactive", "Inactive"), ("all", "All"))


def client_directory(
    user,
    *,
    search: str = "",
    status: str = "active",
    risk: str = "",
    sort: str = "risk",
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
        DirectoryRow(client=client, balance=balance_of(client, today=today), today=today)
        for client in with_balances(clients, today=today)
    ]
    if risk == Risk.AT_RISK:
        rows = [row for row in rows if row.balance.at_risk]
    elif risk:
        rows = [row for row in rows if row.risk == risk]
    rows.sort(key=DIRECTORY_SORTS.get(sort, DIRECTORY_SORTS["risk"])[1])
    return rows


def get_client_with_balance(user, client_id, *, today: date | None = None) -> Client:
    """`get_client_for_user` with the balance annotations read in the same query, so
    `balance_of(client)` costs nothing more (404 across clients, as there)."""
    clients = visible_clients(user).select_related("owner")
    return get_object_or_404(with_balances(clients, today=today), pk=client_id)


def client_purchases(client: Client, limit: int = 100):
    return (
        HourPurchase.objects.filter(client=client)
        .select_related("entered_by")
        .order_by("-date", "-id")[:limit]
    )


def client_projects(client: Client, totals: list[TaskTotals] | None = None) -> list[Project]:
    """The client's projects with their logged and billable minutes (`logged_minutes`,
    `billable_minutes_sum`), summed from the client's `task_totals` (one query for the
    projects, plus one for the totals unless the page passes them)."""
    totals = task_totals(client) if totals is None else totals
    logged: dict[int, int] = {}
    billable: dict[int, int] = {}
    for row in totals:
        logged[row.project_id] = logged.get(row.project_id, 0) + row.logged_minutes
        billable[row.project_id] = billable.get(row.project_id, 0) + row.billable_minutes
    projects = list(Project.objects.filter(client=client).order_by("status", "code"))
    for project in projects:
        project.logged_minutes = logged.get(project.pk, 0)
        project.billable_minutes_sum = billable.get(project.pk, 0)
    return projects
