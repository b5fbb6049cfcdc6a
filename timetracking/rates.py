"""Rate resolution (PRODUCT §1, seed 001): the one place that decides what an hour costs."""

from collections import defaultdict
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
    return pick_billing_rate(rows, project, on_date)


def _applies(row: RateCard, project: Project, on_date: date) -> bool:
    if row.valid_from > on_date:
        return False
    if row.project_id is not None:
        return row.project_id == project.pk
    return row.client_id is None or row.client_id == project.client_id


def pick_billing_rate(rows, project: Project, on_date: date) -> ResolvedRate:
    """The rule of `resolve_billing_rate` over a member's rate cards, newest `valid_from` first
    (rows of other projects, clients or later dates are passed over)."""
    best = {}
    for row in rows:
        if _applies(row, project, on_date):
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
    rows = CostRate.objects.filter(member=member, valid_from__lte=on_date).order_by("-valid_from")
    return pick_cost_rate(rows[:1], on_date)


def pick_cost_rate(rows, on_date: date) -> ResolvedRate:
    """The member's cost rate valid on `on_date`, from its cost rates newest `valid_from` first."""
    row = next((row for row in rows if row.valid_from <= on_date), None)
    if row is None:
        return NO_RATE
    return ResolvedRate(row.rate, row.currency, "cost")


class RateBook:
    """The rate cards and cost rates of some members read at once, so a batch of entries
    (a sync page) resolves its rates by the same rules without a query per entry."""

    def __init__(self, member_ids):
        self._cards: dict[int, list[RateCard]] = defaultdict(list)
        self._costs: dict[int, list[CostRate]] = defaultdict(list)
        for card in RateCard.objects.filter(member_id__in=member_ids).order_by("-valid_from"):
            self._cards[card.member_id].append(card)
        for cost in CostRate.objects.filter(member_id__in=member_ids).order_by("-valid_from"):
            self._costs[cost.member_id].append(cost)

    def billing(self, member: Member, project: Project, on_date: date) -> ResolvedRate:
        return pick_billing_rate(self._cards[member.pk], project, on_date)

    def cost(self, member: Member, on_date: date) -> ResolvedRate:
        return pick_cost_rate(self._costs[member.pk], on_date)
