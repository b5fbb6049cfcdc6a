""" "Money left on the table" (PRODUCT §5.0): what an invoice generated now would bill a client,
built with the same line rules and inputs as `billing.services.drafts.build_lines`."""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from clients.models import BillingMode, Client
from timetracking.selectors import pending_adjustments, unbilled_entries

from .. import rules
from .inputs import (
    adjustment_facts,
    entry_facts,
    hour_bank_overage_minutes,
    plan_rules,
    priced_purchases,
    support_months,
)

# Support-plan fees are looked for this far back: a firm bills its plans at least yearly.
SUPPORT_LOOKBACK_MONTHS = 12
EARLIEST = date(1970, 1, 1)


@dataclass(frozen=True)
class LeftOnTable:
    client: Client
    currency: str
    amount: Decimal | None  # None when an invoice could not be generated now (see `problem`)
    unbilled_minutes: int  # billable minutes of the unbilled entries it would bill
    lines: tuple[rules.Line, ...] = ()
    problem: str = ""


def _support_period_start(client: Client, today: date) -> date:
    start = rules.month_start(today)
    for _ in range(SUPPORT_LOOKBACK_MONTHS - 1):
        start = rules.month_start(start - timedelta(days=1))
    created = client.created_at.date() if client.created_at else start
    return max(start, rules.month_start(created))


def left_on_table(client: Client, *, today: date) -> LeftOnTable:
    """The subtotal of an invoice generated now for every unbilled entry up to `today`: entry
    values (time and materials); overage and unbilled priced purchases (hour bank); fees of past
    months not yet invoiced and overtime (support plan); plus pending adjustments."""
    plan = plan_rules(client)
    period_from = EARLIEST
    if client.billing_mode == BillingMode.SUPPORT_PLAN:
        period_from = _support_period_start(client, today)
    entries = unbilled_entries(client, period_from, today).select_related("task", "member__user")
    facts = entry_facts(client, entries)
    unbilled_minutes = sum(fact.billable_minutes for fact in facts)
    try:
        if client.billing_mode == BillingMode.HOUR_BANK:
            lines = rules.hour_bank_lines(
                facts,
                plan,
                overage_minutes=hour_bank_overage_minutes(client, today),
                purchases=priced_purchases(client, EARLIEST, today),
            )
        elif client.billing_mode == BillingMode.SUPPORT_PLAN:
            months = support_months(client, period_from, today, plan, invoice=None)
            current = rules.month_start(today)
            lines = [
                line
                for line in rules.support_plan_lines(facts, plan, months)
                # The running month's fees are billed once it is over.
                if not (
                    line.category in ("support", "monitoring") and line.service_month == current
                )
            ]
        else:
            lines = rules.time_and_materials_lines(facts, plan)
    except rules.BillingRuleError as error:
        return LeftOnTable(
            client=client,
            currency=client.currency,
            amount=None,
            unbilled_minutes=unbilled_minutes,
            problem=error.message,
        )
    adjustments = [
        adjustment
        for adjustment in pending_adjustments(client.pk).select_related("entry")
        if adjustment.currency in ("", client.currency)
    ]
    lines = lines + rules.adjustment_lines(adjustment_facts(adjustments))
    return LeftOnTable(
        client=client,
        currency=client.currency,
        amount=rules.totals(lines, Decimal("0")).subtotal,
        unbilled_minutes=unbilled_minutes,
        lines=tuple(lines),
    )
