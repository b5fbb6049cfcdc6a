""" "Money left on the table" (PRODUCT §5.0): what an invoice generated now would bill a client,
built with the same line rules and inputs as `billing.services.drafts.build_lines`."""

import zoneinfo
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from types import SimpleNamespace

from django.db.models import Min, Sum
from django.db.models.functions import TruncMonth

from clients.models import BillingMode, Client, Task
from timetracking.selectors import pending_adjustments, unbilled_entries

from .. import rules
from .inputs import (
    adjustment_facts,
    hour_bank_overage_minutes,
    local_start,
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


def unbilled_facts(client: Client, date_from: date, date_to: date) -> list[rules.EntryFacts]:
    """The unbilled entries as billing's `EntryFacts`, summed in the database where summing
    changes no amount: entries without a start time are business-hours work, so their category
    and tier depend only on the task; they are summed per task, rate and month (line amounts
    and each month's included and overtime minutes stay the same). Entries with a start are
    read one by one (columns only) for the off-hours rule. Three queries."""
    entries = unbilled_entries(client, date_from, date_to).order_by()
    untimed = (
        entries.filter(start_time__isnull=True, started_at__isnull=True)
        .annotate(month=TruncMonth("date"))
        .values("task_id", "billing_rate", "month")
        .annotate(
            first_id=Min("id"),
            first_day=Min("date"),
            duration=Sum("duration_minutes"),
            billable=Sum("billable_minutes"),
        )
    )
    timed = entries.exclude(start_time__isnull=True, started_at__isnull=True).values_list(
        "id",
        "task_id",
        "date",
        "start_time",
        "started_at",
        "member__timezone",
        "duration_minutes",
        "billable_minutes",
        "billing_rate",
        "member__user__username",
    )
    untimed, timed = list(untimed), list(timed)
    task_ids = {row["task_id"] for row in untimed} | {row[1] for row in timed}
    tasks = {task.pk: task for task in Task.objects.filter(pk__in=task_ids)}
    zone = zoneinfo.ZoneInfo(client.timezone)

    def facts(entry_id, task_id, day, start, duration, billable, rate, member=""):
        task = tasks[task_id]
        return rules.EntryFacts(
            entry_id=entry_id,
            task_id=task_id,
            task_label=task.jira_summary or task.name,
            jira_issue_key=task.jira_issue_key or "",
            issue_type=task.jira_issue_type or "",
            priority=task.jira_priority or "",
            local_start=start,
            day=day,
            duration_minutes=duration,
            billable_minutes=billable,
            rate=rate,
            member_label=member,
        )

    result = [
        facts(
            row["first_id"],
            row["task_id"],
            row["first_day"],
            None,
            row["duration"],
            row["billable"],
            row["billing_rate"],
        )
        for row in untimed
    ]
    for entry_id, task_id, day, start_time, started_at, member_zone, *rest in timed:
        member = SimpleNamespace(timezone=member_zone)
        when = SimpleNamespace(
            started_at=started_at, start_time=start_time, date=day, member=member
        )
        duration, billable, rate, username = rest
        result.append(
            facts(
                entry_id, task_id, day, local_start(when, zone), duration, billable, rate, username
            )
        )
    return result


def left_on_table(client: Client, *, today: date) -> LeftOnTable:
    """The subtotal of an invoice generated now for every unbilled entry up to `today`: entry
    values (time and materials); overage and unbilled priced purchases (hour bank); fees of past
    months not yet invoiced and overtime (support plan); plus pending adjustments."""
    plan = plan_rules(client)
    period_from = EARLIEST
    if client.billing_mode == BillingMode.SUPPORT_PLAN:
        period_from = _support_period_start(client, today)
    facts = unbilled_facts(client, period_from, today)
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
