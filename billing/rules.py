"""Pure billing arithmetic (PRODUCT §5.0, §5.2): categories, rate tiers, off-hours, line
aggregation per mode and the invoice totals. No database access: selectors turn rows into the
frozen inputs below, services store what these functions return.

Money is rounded here and only here: half-up to the cent, once per line."""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
ZERO = Decimal("0.00")

# Tier order used to break ties between equal multipliers: the more specific tier wins.
TIER_PRIORITY = ("p1_p3_off_hours", "p1_p3", "off_hours", "standard")
# Lines that carry entry minutes; their billable minutes add up to the linked entries'.
ENTRY_CATEGORIES = ("incident_critical", "incident", "meeting", "off_hours", "task")
MINUTE_SPLIT_CATEGORIES = ("overage", "overtime")


def money(value) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def hours(minutes: int) -> Decimal:
    """A line's quantity: round-half-up(minutes / 60, 2)."""
    return money(Decimal(minutes) / 60)


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


# --- Seed 004: categories and tiers ------------------------------------------------------------


def is_off_hours(local_start: datetime | None, business: BusinessHours) -> bool:
    """Outside the client's business weekdays and hours; no start time = business hours."""
    if local_start is None:
        return False
    if local_start.weekday() not in business.weekdays:
        return True
    moment = local_start.time().replace(tzinfo=None)
    return not (business.start <= moment < business.end)


def is_critical(issue_type: str, priority: str, critical_priorities: Iterable[str]) -> bool:
    """An Incident whose priority is one of the plan's critical ones (case-insensitive)."""
    wanted = {p.strip().lower() for p in critical_priorities}
    return issue_type.strip().lower() == "incident" and priority.strip().lower() in wanted


def applicable_tiers(critical: bool, off_hours: bool) -> list[str]:
    tiers = ["standard"]
    if off_hours:
        tiers.append("off_hours")
    if critical:
        tiers.append("p1_p3")
    if critical and off_hours:
        tiers.append("p1_p3_off_hours")
    return tiers


def rate_tier(critical: bool, off_hours: bool, multipliers: dict[str, Decimal]) -> str:
    """The applicable tier with the highest multiplier; equal multipliers go to the more
    specific tier (p1_p3_off_hours, p1_p3, off_hours, standard)."""
    tiers = applicable_tiers(critical, off_hours)
    return max(
        tiers,
        key=lambda tier: (multipliers.get(tier, Decimal("1")), -TIER_PRIORITY.index(tier)),
    )


def category(issue_type: str, critical: bool, off_hours: bool) -> str:
    """The first that matches of incident_critical, incident, meeting, off_hours, task."""
    if critical and off_hours:
        return "incident_critical"
    if critical:
        return "incident"
    if issue_type.strip().lower() == "meeting":
        return "meeting"
    if off_hours:
        return "off_hours"
    return "task"


@dataclass(frozen=True)
class Classified:
    entry: EntryFacts
    category: str
    rate_tier: str
    multiplier: Decimal


def classify(entry: EntryFacts, plan: PlanRules) -> Classified:
    off = is_off_hours(entry.local_start, plan.business_hours)
    critical = is_critical(entry.issue_type, entry.priority, plan.critical_priorities)
    tier = rate_tier(critical, off, plan.multipliers)
    return Classified(
        entry=entry,
        category=category(entry.issue_type, critical, off),
        rate_tier=tier,
        multiplier=Decimal(plan.multipliers.get(tier, Decimal("1"))),
    )


# --- Aggregation -------------------------------------------------------------------------------


@dataclass
class _Group:
    task_id: int
    label: str
    jira_issue_key: str
    category: str
    rate_tier: str
    unit_price: Decimal
    multiplier: Decimal
    time_minutes: int = 0
    billable_minutes: int = 0


def aggregate(
    items: Sequence[tuple[Classified, int, int]], *, price_of, description_prefix: str = ""
) -> list[Line]:
    """One line per task, category, tier and unit price: `items` are (classified entry, time
    minutes, billable minutes); the amount is rounded once per line."""
    groups: dict[tuple, _Group] = {}
    for classified, time_minutes, billable in items:
        entry = classified.entry
        unit_price, multiplier = price_of(classified)
        key = (entry.task_id, classified.category, classified.rate_tier, unit_price, multiplier)
        group = groups.get(key)
        if group is None:
            group = groups[key] = _Group(
                task_id=entry.task_id,
                label=entry.task_label,
                jira_issue_key=entry.jira_issue_key,
                category=classified.category,
                rate_tier=classified.rate_tier,
                unit_price=unit_price,
                multiplier=multiplier,
            )
        group.time_minutes += time_minutes
        group.billable_minutes += billable
    lines = []
    for group in groups.values():
        label = f"{group.jira_issue_key}: {group.label}" if group.jira_issue_key else group.label
        lines.append(
            Line(
                category=group.category,
                rate_tier=group.rate_tier,
                description=f"{description_prefix}{label}",
                time_minutes=group.time_minutes,
                billable_minutes=group.billable_minutes,
                quantity=hours(group.billable_minutes),
                unit_price=money(group.unit_price),
                multiplier=group.multiplier,
                amount=line_amount(group.billable_minutes, group.unit_price, group.multiplier),
                task_id=group.task_id,
                jira_issue_key=group.jira_issue_key,
            )
        )
    return lines


def _ordered(entries: Iterable[EntryFacts]) -> list[EntryFacts]:
    return sorted(
        entries,
        key=lambda e: (
            e.day,
            e.local_start is not None,
            e.local_start.timestamp() if e.local_start else 0,
            e.entry_id,
        ),
    )


def time_and_materials_lines(entries: Sequence[EntryFacts], plan: PlanRules) -> list[Line]:
    missing = [e for e in entries if e.rate is None and e.billable_minutes > 0]
    if missing:
        names = ", ".join(
            f"entry {e.entry_id} ({e.day}, {e.member_label or 'member'})" for e in missing[:5]
        )
        raise BillingRuleError(
            f"No billing rate for {names}: add a rate card (member default, client or project) "
            "valid on the entry's date, then regenerate.",
            "entry_ids",
        )
    items = [(classify(e, plan), e.duration_minutes, e.billable_minutes) for e in entries]
    return aggregate(items, price_of=lambda c: (c.entry.rate, c.multiplier))


def split_included(
    entries: Sequence[EntryFacts], included_minutes: int
) -> tuple[list[tuple[EntryFacts, int, int]], int]:
    """Draw entries (in date order) from `included_minutes`: (entry, time, billable minutes
    included) for each entry that draws, and the billable minutes left over. An entry that
    straddles the limit is listed with its included part; its rest is over the limit."""
    included, remaining, over = [], max(included_minutes, 0), 0
    for entry in _ordered(entries):
        take = min(entry.billable_minutes, remaining)
        remaining -= take
        over += entry.billable_minutes - take
        # Every entry stays listed (its time shows), with the minutes the bank covers.
        included.append((entry, entry.duration_minutes, take))
    return included, over


def _included_lines(
    drawn: Sequence[tuple[EntryFacts, int, int]], plan: PlanRules, prefix: str
) -> list[Line]:
    items = [(classify(e, plan), t, b) for e, t, b in drawn]
    return aggregate(items, price_of=lambda c: (ZERO, Decimal("1.00")), description_prefix=prefix)


def _priced_minutes_line(
    category_name: str, description: str, minutes: int, rate: Decimal, **extra
) -> Line:
    return Line(
        category=category_name,
        rate_tier="standard",
        description=description,
        time_minutes=minutes,
        billable_minutes=minutes,
        quantity=hours(minutes),
        unit_price=money(rate),
        multiplier=Decimal("1.00"),
        amount=line_amount(minutes, rate, Decimal("1")),
        **extra,
    )


@dataclass(frozen=True)
class PricedPurchase:
    purchase_id: int
    day: date
    hours: Decimal
    price: Decimal
    note: str = ""


def hour_bank_lines(
    entries: Sequence[EntryFacts],
    plan: PlanRules,
    *,
    overage_minutes: int,
    purchases: Sequence[PricedPurchase] = (),
) -> list[Line]:
    """A period statement: entries at 0.00, then one `overage` line for the minutes beyond
    the bank (at most this invoice's entry minutes; the latest entries are the ones over),
    then one `hour_block` line per priced purchase."""
    entry_minutes = sum(e.billable_minutes for e in entries)
    overage = min(max(overage_minutes, 0), entry_minutes)
    if overage and plan.overage_rate is None:
        raise BillingRuleError(
            f"{hours(overage)} h are beyond the hour bank and the billing plan has no "
            "overage_rate: set the plan's overage rate (e.g. 150.00), then regenerate.",
            "overage_rate",
        )
    drawn, over = split_included(entries, entry_minutes - overage)
    lines = _included_lines(drawn, plan, "Included in hour bank: ")
    if over:
        lines.append(
            _priced_minutes_line("overage", "Overage beyond the hour bank", over, plan.overage_rate)
        )
    for purchase in purchases:
        lines.append(
            Line(
                category="hour_block",
                rate_tier="standard",
                description=f"Hour block of {purchase.day:%Y-%m-%d}"
                + (f": {purchase.note}" if purchase.note else ""),
                time_minutes=0,
                billable_minutes=0,
                quantity=money(purchase.hours),
                unit_price=money(Decimal(purchase.price) / Decimal(purchase.hours))
                if purchase.hours
                else money(purchase.price),
                multiplier=Decimal("1.00"),
                amount=money(purchase.price),
                purchase_id=purchase.purchase_id,
            )
        )
    return lines


def month_start(day: date) -> date:
    return day.replace(day=1)


def months_between(first: date, last: date) -> list[date]:
    """The first days of the calendar months from `first`'s to `last`'s, inclusive."""
    months, current = [], month_start(first)
    while current <= last:
        months.append(current)
        days = calendar.monthrange(current.year, current.month)[1]
        current = date.fromordinal(current.toordinal() + days)
    return months


def included_by_month(
    months: Sequence[date], used_minutes: dict[date, int], plan: PlanRules
) -> dict[date, int]:
    """Each month's included minutes: the plan's monthly minutes plus the unused minutes of
    the month before, at most `rollover_cap_minutes` carried."""
    monthly = plan.monthly_included_minutes or 0
    result, carried = {}, 0
    for month in months:
        included = monthly + carried
        result[month] = included
        unused = max(included - used_minutes.get(month, 0), 0)
        carried = min(unused, max(plan.rollover_cap_minutes, 0))
    return result


@dataclass(frozen=True)
class SupportMonth:
    month: date
    included_minutes: int  # what this invoice may still draw (other invoices' use deducted)
    bill_fees: bool  # false when a live invoice already billed this month's fees


def support_plan_lines(
    entries: Sequence[EntryFacts], plan: PlanRules, months: Sequence[SupportMonth]
) -> list[Line]:
    """Per month: `support` and `monitoring` fees, the entries within the included hours at
    0.00, and the rest as one `overtime` line at the plan's overtime rate."""
    lines: list[Line] = []
    for spec in months:
        label = f"{spec.month:%B %Y}"
        in_month = [e for e in entries if month_start(e.day) == spec.month]
        drawn, over = split_included(in_month, spec.included_minutes)
        if over and plan.overtime_rate is None:
            raise BillingRuleError(
                f"{hours(over)} h in {label} exceed the support plan's included hours and the "
                "plan has no overtime_rate: set the plan's overtime rate (e.g. 120.00).",
                "overtime_rate",
            )
        if spec.bill_fees:
            lines.append(_fee_line("support", f"Support plan, {label}", plan.support_fee, spec))
            if plan.monitoring_fee:
                lines.append(
                    _fee_line("monitoring", f"Monitoring, {label}", plan.monitoring_fee, spec)
                )
        lines += _included_lines(drawn, plan, f"Included in support plan ({label}): ")
        if over:
            lines.append(
                _priced_minutes_line(
                    "overtime",
                    f"Overtime beyond included hours, {label}",
                    over,
                    plan.overtime_rate,
                    service_month=spec.month,
                )
            )
    return lines


def _fee_line(category_name: str, description: str, fee: Decimal, spec: SupportMonth) -> Line:
    return Line(
        category=category_name,
        rate_tier="standard",
        description=description,
        time_minutes=0,
        billable_minutes=0,
        quantity=Decimal("1.00"),
        unit_price=money(fee),
        multiplier=Decimal("1.00"),
        amount=money(fee),
        service_month=spec.month,
    )


@dataclass(frozen=True)
class AdjustmentFacts:
    adjustment_id: int
    minutes: int
    value: Decimal | None
    reason: str
    entry_ref: int | None = None
    rate: Decimal | None = None


def adjustment_lines(adjustments: Sequence[AdjustmentFacts]) -> list[Line]:
    """One `adjustment` line per pending correction of a locked entry (PRODUCT §3.6)."""
    lines = []
    for adj in adjustments:
        amount = money(adj.value) if adj.value is not None else ZERO
        unit_price = (
            money(adj.rate)
            if adj.rate is not None
            else (money(amount * 60 / adj.minutes) if adj.minutes else ZERO)
        )
        what = f"entry {adj.entry_ref}" if adj.entry_ref else "a removed entry"
        lines.append(
            Line(
                category="adjustment",
                rate_tier="standard",
                description=f"Adjustment to {what}: {adj.reason}".strip().rstrip(":")[:500],
                time_minutes=adj.minutes,
                billable_minutes=adj.minutes,
                quantity=hours(adj.minutes),
                unit_price=unit_price,
                multiplier=Decimal("1.00"),
                amount=amount,
                adjustment_ids=(adj.adjustment_id,),
            )
        )
    return lines


def totals(lines: Iterable[Line], tax_rate: Decimal) -> Totals:
    """Subtotal = Σ line amounts; tax at the client's rate, half-up; total = subtotal + tax."""
    subtotal = money(sum((line.amount for line in lines), ZERO))
    tax = money(subtotal * Decimal(tax_rate))
    return Totals(subtotal=subtotal, tax=tax, total=subtotal + tax)


def entry_line_minutes(lines: Iterable[Line]) -> int:
    """The billable minutes the lines bill for entries (their sum equals the linked entries')."""
    return sum(
        line.billable_minutes
        for line in lines
        if line.category in ENTRY_CATEGORIES or line.category in MINUTE_SPLIT_CATEGORIES
    )


def with_positions(lines: Sequence[Line]) -> list[tuple[int, Line]]:
    return [(index + 1, line) for index, line in enumerate(lines)]


__all__ = [
    "AdjustmentFacts",
    "BillingRuleError",
    "BusinessHours",
    "EntryFacts",
    "Line",
    "PlanRules",
    "PricedPurchase",
    "SupportMonth",
    "Totals",
    "adjustment_lines",
    "category",
    "classify",
    "entry_line_minutes",
    "hour_bank_lines",
    "included_by_month",
    "is_critical",
    "is_off_hours",
    "line_amount",
    "money",
    "months_between",
    "rate_tier",
    "split_included",
    "support_plan_lines",
    "time_and_materials_lines",
    "totals",
    "with_positions",
]
