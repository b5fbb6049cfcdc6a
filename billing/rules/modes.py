"""Lines per billing mode (PRODUCT §5.0): time and materials, hour bank, support plan;
adjustment lines and the invoice totals."""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from .aggregation import aggregate, ordered
from .common import (
    ENTRY_CATEGORIES,
    MINUTE_SPLIT_CATEGORIES,
    ZERO,
    BillingRuleError,
    EntryFacts,
    Line,
    PlanRules,
    Totals,
    hours,
    line_amount,
    money,
)
from .seed004 import classify


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
    for entry in ordered(entries):
        take = min(entry.billable_minutes, remaining)
        remaining -= take
        over += entry.billable_minutes - take
        # Every entry stays listed (its time shows), with the minutes the bank covers.
        included.append((entry, entry.duration_minutes, take))
    return included, over


def included_lines(
    drawn: Sequence[tuple[EntryFacts, int, int]], plan: PlanRules, prefix: str
) -> list[Line]:
    items = [(classify(e, plan), t, b) for e, t, b in drawn]
    return aggregate(items, price_of=lambda c: (ZERO, Decimal("1.00")), description_prefix=prefix)


def priced_minutes_line(
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
    lines = included_lines(drawn, plan, "Included in hour bank: ")
    if over:
        lines.append(
            priced_minutes_line("overage", "Overage beyond the hour bank", over, plan.overage_rate)
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
            lines.append(fee_line("support", f"Support plan, {label}", plan.support_fee, spec))
            if plan.monitoring_fee:
                lines.append(
                    fee_line("monitoring", f"Monitoring, {label}", plan.monitoring_fee, spec)
                )
        lines += included_lines(drawn, plan, f"Included in support plan ({label}): ")
        if over:
            lines.append(
                priced_minutes_line(
                    "overtime",
                    f"Overtime beyond included hours, {label}",
                    over,
                    plan.overtime_rate,
                    service_month=spec.month,
                )
            )
    return lines


def fee_line(category_name: str, description: str, fee: Decimal, spec: SupportMonth) -> Line:
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
