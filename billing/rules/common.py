"""Billing rules' vocabulary: the frozen inputs, a line, totals and money rounding."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal

from core.units import minutes_to_hours, money

ZERO = Decimal("0.00")

# Tier order used to break ties between equal multipliers: the more specific tier wins.
TIER_PRIORITY = ("p1_p3_off_hours", "p1_p3", "off_hours", "standard")
# Lines that carry entry minutes; their billable minutes add up to the linked entries'.
ENTRY_CATEGORIES = ("incident_critical", "incident", "meeting", "off_hours", "task")
MINUTE_SPLIT_CATEGORIES = ("overage", "overtime")


# A line's quantity is round-half-up(minutes / 60, 2): the one hours rule.
hours = minutes_to_hours


def line_amount(billable_minutes: int, unit_price: Decimal, multiplier: Decimal) -> Decimal:
    return money(Decimal(billable_minutes) * Decimal(unit_price) * Decimal(multiplier) / 60)


class BillingRuleError(ValueError):
    """Generation is impossible as configured; the message names the setting to fix."""

    def __init__(self, message: str, field: str = "client_id"):
        super().__init__(message)
        self.message = message
        self.field = field


# --- Inputs -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BusinessHours:
    weekdays: frozenset[int]
    start: time
    end: time  # exclusive


@dataclass(frozen=True)
class PlanRules:
    multipliers: dict[str, Decimal]
    critical_priorities: frozenset[str]  # lower-case
    business_hours: BusinessHours
    overage_rate: Decimal | None = None
    support_fee: Decimal = ZERO
    monitoring_fee: Decimal = ZERO
    monthly_included_minutes: int | None = None
    overtime_rate: Decimal | None = None
    rollover_cap_minutes: int = 0


@dataclass(frozen=True)
class EntryFacts:
    """One linked entry, as billing sees it."""

    entry_id: int
    task_id: int
    task_label: str
    jira_issue_key: str
    issue_type: str
    priority: str
    # The start in the client's timezone; None when the entry has no start time.
    local_start: datetime | None
    day: date
    duration_minutes: int
    billable_minutes: int
    rate: Decimal | None
    member_label: str = ""
    # Facts summed in the database carry the off-hours rule's answer instead of a start.
    off_hours: bool | None = None


@dataclass(frozen=True)
class Line:
    category: str
    rate_tier: str
    description: str
    time_minutes: int
    billable_minutes: int
    quantity: Decimal
    unit_price: Decimal
    multiplier: Decimal
    amount: Decimal
    task_id: int | None = None
    jira_issue_key: str = ""
    purchase_id: int | None = None
    service_month: date | None = None
    adjustment_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class Totals:
    subtotal: Decimal
    tax: Decimal
    total: Decimal
