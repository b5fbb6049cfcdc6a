"""Rows → the frozen inputs of `billing.rules` (entries, plan, bank, support months)."""

import zoneinfo
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import Sum
from django.db.models.functions import TruncMonth

from clients.models import BillingPlan, Client, HourPurchase, LedgerKind
from core.units import hours_to_minutes
from timetracking.models import BillingAdjustment, TimeEntry

from ..models import LIVE_STATUSES, InvoiceLine, LineCategory
from ..rules import (
    AdjustmentFacts,
    BusinessHours,
    EntryFacts,
    PlanRules,
    PricedPurchase,
    SupportMonth,
    included_by_month,
    month_start,
    months_between,
)

ROLLOVER_LOOKBACK_MONTHS = 12


def plan_rules(client: Client) -> PlanRules:
    plan = BillingPlan.objects.filter(client=client).first() or BillingPlan(client=client)
    multipliers = {key: Decimal(str(value)) for key, value in (plan.multipliers or {}).items()}
    return PlanRules(
        multipliers=multipliers,
        critical_priorities=frozenset(p.strip().lower() for p in plan.critical_priorities or []),
        business_hours=BusinessHours(
            weekdays=frozenset(client.business_weekdays or []),
            start=_as_time(client.business_start),
            end=_as_time(client.business_end),
        ),
        overage_rate=plan.overage_rate,
        support_fee=plan.support_fee,
        monitoring_fee=plan.monitoring_fee,
        monthly_included_minutes=(
            hours_to_minutes(plan.monthly_included_hours)
            if plan.monthly_included_hours is not None
            else None
        ),
        overtime_rate=plan.overtime_rate,
        rollover_cap_minutes=hours_to_minutes(plan.rollover_cap_hours or 0),
    )


def _as_time(value) -> time:
    return value if isinstance(value, time) else time.fromisoformat(str(value))


def local_start(entry: TimeEntry, client_zone: zoneinfo.ZoneInfo) -> datetime | None:
    """When the entry started, in the client's timezone: the source's UTC instant, else the
    worker's local date and start time in the member's timezone; None without a start."""
    if entry.started_at is not None:
        return entry.started_at.astimezone(client_zone)
    if entry.start_time is None:
        return None
    member_zone = zoneinfo.ZoneInfo(entry.member.timezone)
    return datetime.combine(entry.date, entry.start_time, tzinfo=member_zone).astimezone(
        client_zone
    )


def entry_facts(client: Client, entries) -> list[EntryFacts]:
    """`entries` must come with task and member__user selected."""
    zone = zoneinfo.ZoneInfo(client.timezone)
    facts = []
    for entry in entries:
        task = entry.task
        facts.append(
            EntryFacts(
                entry_id=entry.pk,
                task_id=task.pk,
                task_label=task.jira_summary or task.name,
                jira_issue_key=task.jira_issue_key or "",
                issue_type=task.jira_issue_type or "",
                priority=task.jira_priority or "",
                local_start=local_start(entry, zone),
                day=entry.date,
                duration_minutes=entry.duration_minutes,
                billable_minutes=entry.billable_minutes,
                rate=entry.billing_rate,
                member_label=entry.member.user.username,
            )
        )
    return facts


def hour_bank_overage_minutes(client: Client, period_to: date, *, exclude_invoice=None) -> int:
    """max(0, consumed − purchased, both up to the period's end) less the overage minutes
    already on the client's live invoices (PRODUCT §5.0)."""
    consumed = (
        TimeEntry.objects.filter(task__project__client=client, date__lte=period_to).aggregate(
            total=Sum("billable_minutes")
        )["total"]
        or 0
    )
    consumed += (
        BillingAdjustment.objects.filter(client=client, created_at__date__lte=period_to).aggregate(
            total=Sum("minutes")
        )["total"]
        or 0
    )
    purchased = (
        HourPurchase.objects.filter(client=client, date__lte=period_to).aggregate(
            total=Sum("minutes")
        )["total"]
        or 0
    )
    invoiced = _live_lines(client, exclude_invoice).filter(category=LineCategory.OVERAGE)
    already = invoiced.aggregate(total=Sum("billable_minutes"))["total"] or 0
    return max(max(consumed - purchased, 0) - already, 0)


def _live_lines(client: Client, exclude_invoice=None):
    lines = InvoiceLine.objects.filter(invoice__client=client, invoice__status__in=LIVE_STATUSES)
    if exclude_invoice is not None:
        lines = lines.exclude(invoice=exclude_invoice)
    return lines


def priced_purchases(
    client: Client, period_from: date, period_to: date, *, exclude_invoice=None
) -> list[PricedPurchase]:
    """Priced purchases of the period not yet on a live invoice."""
    billed = _live_lines(client, exclude_invoice).filter(purchase__isnull=False)
    rows = (
        HourPurchase.objects.filter(
            client=client,
            kind=LedgerKind.PURCHASE,
            price__isnull=False,
            date__gte=period_from,
            date__lte=period_to,
        )
        .exclude(pk__in=billed.values("purchase_id"))
        .order_by("date", "id")
    )
    return [
        PricedPurchase(purchase_id=p.pk, day=p.date, hours=p.hours, price=p.price, note=p.note)
        for p in rows
    ]


def support_months(
    client: Client, period_from: date, period_to: date, rules: PlanRules, *, invoice
) -> list[SupportMonth]:
    """Per month of the period: the included minutes this invoice may still draw (rollover
    chained from a year before) and whether its fees are still to be billed."""
    months = months_between(period_from, period_to)
    first = months[0]
    for _ in range(ROLLOVER_LOOKBACK_MONTHS):
        first = month_start(first - timedelta(days=1))
    chain = months_between(first, period_to)
    billable = TimeEntry.objects.filter(
        task__project__client=client,
        billable_minutes__gt=0,
        date__gte=first,
        date__lte=month_start(months[-1] + timedelta(days=31)) - timedelta(days=1),
    )
    used = {
        month_start(row["month"]): row["total"]
        for row in billable.annotate(month=TruncMonth("date"))
        .values("month")
        .annotate(total=Sum("billable_minutes"))
        .order_by()
    }
    included = included_by_month(chain, used, rules)
    on_other_invoices = {
        month_start(row["month"]): row["total"]
        for row in billable.filter(invoice_links__live=True)
        .exclude(invoice_links__invoice=invoice)
        .annotate(month=TruncMonth("date"))
        .values("month")
        .annotate(total=Sum("billable_minutes"))
        .order_by()
    }
    fees_billed = set(
        _live_lines(client, invoice)
        .filter(category=LineCategory.SUPPORT, service_month__in=months)
        .values_list("service_month", flat=True)
    )
    return [
        SupportMonth(
            month=month,
            included_minutes=max(included[month] - on_other_invoices.get(month, 0), 0),
            bill_fees=month not in fees_billed,
        )
        for month in months
    ]


def adjustment_facts(adjustments) -> list[AdjustmentFacts]:
    return [
        AdjustmentFacts(
            adjustment_id=adj.pk,
            minutes=adj.minutes,
            value=adj.value,
            reason=adj.reason,
            entry_ref=adj.entry_ref,
            rate=adj.entry.billing_rate if adj.entry_id and adj.entry else None,
        )
        for adj in adjustments
    ]
