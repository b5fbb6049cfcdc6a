"""Rate resolution (PRODUCT §1, seed 001): the one place that decides what an hour costs."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Q

from clients.models import Project

from .models import CostRate, Member, RateCard


@dataclass(frozen=True)
class ResolvedRate:
    rate: Decimal | None
    currency: str
    level: str  # "project", "client", "default" or "none"

    @property
    def preview(self) -> str:
        """The log-time dialog's words (PRODUCT §2.2)."""
        if self.rate is None:
            return "No billing rate set"
        return f"Billing at {self.currency} {self.rate:.2f}/h"


NO_RATE = ResolvedRate(None, "", "none")


def resolve_billing_rate(member: Member, project: Project, on_date: date) -> ResolvedRate:
    """member + project > member + client > member default, each the row valid on `on_date`.

    Client- and project-level rows are in the client's currency; a default rate in another
    currency is "no rate" for that client."""
    rows = (
        RateCard.objects.filter(member=member, valid_from__lte=on_date)
        .filter(
            Q(project=project)
            | Q(client_id=project.client_id)
            | Q(client__isnull=True, project__isnull=True)
        )
        .order_by("-valid_from")
    )
    best = {}
    for row in rows:
        best.setdefault(row.level, row)
    client_currency = project.client.currency
    for level in ("project", "client", "default"):
        row = best.get(level)
        if row is None:
            continue
        if row.currency != client_currency:
            if level == "default":
                return NO_RATE
            continue
        return ResolvedRate(row.rate, row.currency, level)
    return NO_RATE


def resolve_cost_rate(member: Member, on_date: date) -> ResolvedRate:
    row = (
        CostRate.objects.filter(member=member, valid_from__lte=on_date)
        .order_by("-valid_from")
        .first()
    )
    if row is None:
        return NO_RATE
    return ResolvedRate(row.rate, row.currency, "cost")
