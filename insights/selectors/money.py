"""Money figures: margin per client and project (finance and up) and "money left on the table"
per client, each in its own currency and never summed across currencies."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Sum, Value
from django.db.models.functions import Coalesce

from billing.selectors import LeftOnTable, left_on_table_by_client
from clients.models import Client

from .scope import BILLABLE_VALUE, COST_VALUE, Scope


@dataclass(frozen=True)
class Margin:
    client_code: str
    project_code: str
    project_name: str
    classification: str
    billing_currency: str
    cost_currency: str
    billable_minutes: int
    duration_minutes: int
    billable_value: Decimal
    cost_value: Decimal

    @property
    def margin(self) -> Decimal | None:
        """billable value − cost value; none when the two are in different currencies."""
        if (
            self.billing_currency
            and self.cost_currency
            and self.billing_currency != self.cost_currency
        ):
            return None
        return self.billable_value - self.cost_value

    @property
    def currency(self) -> str:
        return self.billing_currency or self.cost_currency


def margins(scope: Scope) -> list[Margin]:
    """Per project (and currency pair) with time in the period: Σ per-entry billable and cost
    values, in one grouped query."""
    rows = (
        scope.entries()
        .values(
            "task__project__client__code",
            "task__project__code",
            "task__project__name",
            "task__project__classification",
            "billing_currency",
            "cost_currency",
        )
        .annotate(
            billable_minutes_sum=Coalesce(Sum("billable_minutes"), Value(0)),
            duration_sum=Coalesce(Sum("duration_minutes"), Value(0)),
            billable_value=BILLABLE_VALUE,
            cost_value=COST_VALUE,
        )
        .order_by("task__project__client__code", "task__project__code", "billing_currency")
    )
    return [
        Margin(
            client_code=row["task__project__client__code"],
            project_code=row["task__project__code"],
            project_name=row["task__project__name"],
            classification=row["task__project__classification"],
            billing_currency=row["billing_currency"],
            cost_currency=row["cost_currency"],
            billable_minutes=row["billable_minutes_sum"],
            duration_minutes=row["duration_sum"],
            billable_value=row["billable_value"],
            cost_value=row["cost_value"],
        )
        for row in rows
    ]


@dataclass(frozen=True)
class ClientMargin:
    client_code: str
    currency: str
    billable_value: Decimal
    cost_value: Decimal
    comparable: bool  # False when some of its time bills and costs in different currencies

    @property
    def margin(self) -> Decimal | None:
        return self.billable_value - self.cost_value if self.comparable else None


def client_margins(rows: list[Margin]) -> list[ClientMargin]:
    """Project rows summed per client and currency (sums of already rounded values)."""
    totals: dict[tuple[str, str], list] = {}
    for row in rows:
        total = totals.setdefault(
            (row.client_code, row.currency), [Decimal("0.00"), Decimal("0.00"), True]
        )
        total[0] += row.billable_value
        total[1] += row.cost_value
        total[2] = total[2] and row.margin is not None
    return [
        ClientMargin(code, currency, billable, cost, comparable)
        for (code, currency), (billable, cost, comparable) in totals.items()
    ]


def money_left_on_table(scope: Scope, *, today: date) -> list[LeftOnTable]:
    """Per active, non-internal client (or the filtered one): what an invoice generated now
    would bill, from billing's own line building; a constant number of queries."""
    clients = Client.objects.filter(is_internal=False, is_active=True).order_by("code")
    if scope.client_id:
        clients = clients.filter(pk=scope.client_id)
    rows = left_on_table_by_client(clients, today=today)
    return [row for row in rows if row.amount != 0 or row.problem]
