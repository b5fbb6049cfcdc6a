"""Rows → the frozen inputs of `billing.rules` (entries, plan, bank, support months)."""

import zoneinfo
from collections.abc import Iterable, Sequence
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import Exists, OuterRef, Q, Sum
from django.db.models.functions import TruncMonth

from clients.models import BillingPlan, Client, HourPurchase, LedgerKind
from core.units import hours_to_minutes
from timetracking.balances import sum_per_client
from timetracking.models import BillingAdjustment, TimeEntry

from ..models import LIVE_STATUSES, InvoiceEntry, InvoiceLine, LineCategory
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
    return plan_rules_by_client([client])[client.pk]


def plan_rules_by_client(clients: Iterable[Client]) -> dict[int, PlanRules]:
    """Each client's plan rules (a client without a plan gets the defaults): no query for
    clients read with `select_related("plan")`, else one."""
    clients = list(clients)
    unread = [client.pk for client in clients if not Client.plan.is_cached(client)]
    plans = {plan.client_id: plan for plan in BillingPlan.objects.filter(client__in=unread)}
    for client in clients:
        if client.pk not in unread:
            plans[client.pk] = getattr(client, "plan", None)
    return {
        client.pk: _plan_rules(client, plans.get(client.pk) or BillingPlan(client=client))
        for client in clients
    }


def _plan_rules(client: Client, plan: BillingPlan) -> PlanRules:
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
    clients = Client.objects.filter(pk=client.pk)
    return overage_minutes_of(
        with_overage_inputs(clients, period_to, exclude_invoice=exclude_invoice).get()
    )


def with_overage_inputs(clients, period_to: date, *, exclude_invoice=None):
    """Annotate a client queryset with what `overage_minutes_of` needs (no extra query)."""
    invoiced = InvoiceLine.objects.filter(
        invoice__status__in=LIVE_STATUSES, category=LineCategory.OVERAGE
    )
    if exclude_invoice is not None:
        invoiced = invoiced.exclude(invoice=exclude_invoice)
    return clients.annotate(
        later_entry_minutes=sum_per_client(
            TimeEntry.objects.filter(date__gt=period_to),
            "client",
            "billable_minutes",
        ),
        later_adjustment_minutes=sum_per_client(
            BillingAdjustment.objects.filter(created_at__date__gt=period_to), "client", "minutes"
        ),
        purchased_until_minutes=sum_per_client(
            HourPurchase.objects.filter(date__lte=period_to), "client", "minutes"
        ),
        overage_invoiced_minutes=sum_per_client(invoiced, "invoice__client", "billable_minutes"),
    )


def overage_minutes_of(client: Client) -> int:
    """max(0, consumed − purchased, both up to the period's end) less the overage minutes
    already on the client's live invoices (PRODUCT §5.0), from `with_overage_inputs`:
    consumed up to the period's end is the running total (`Client.consumed_minutes`) less the
    entries dated and adjustments made after it, so no query sums a whole history."""
    consumed = (
        client.consumed_minutes - client.later_entry_minutes - client.later_adjustment_minutes
    )
    over = max(consumed - client.purchased_until_minutes, 0)
    return max(over - client.overage_invoiced_minutes, 0)


def _live_lines(client: Client, exclude_invoice=None):
    return _live_lines_of([client.pk], exclude_invoice)


def _live_lines_of(client_ids: list[int], exclude_invoice=None):
    lines = InvoiceLine.objects.filter(
        invoice__client_id__in=client_ids, invoice__status__in=LIVE_STATUSES
    )
    if exclude_invoice is not None:
        lines = lines.exclude(invoice=exclude_invoice)
    return lines


def priced_purchases(
    client: Client, period_from: date, period_to: date, *, exclude_invoice=None
) -> list[PricedPurchase]:
    return priced_purchases_by_client(
        [client], period_from, period_to, exclude_invoice=exclude_invoice
    )[client.pk]


def priced_purchases_by_client(
    clients: Iterable[Client], period_from: date, period_to: date, *, exclude_invoice=None
) -> dict[int, list[PricedPurchase]]:
    """Priced purchases of the period not yet on a live invoice (one query)."""
    ids = [client.pk for client in clients]
    billed = _live_lines_of(ids, exclude_invoice).filter(purchase__isnull=False)
    rows = (
        HourPurchase.objects.filter(
            client__in=ids,
            kind=LedgerKind.PURCHASE,
            price__isnull=False,
            date__gte=period_from,
            date__lte=period_to,
        )
        .exclude(pk__in=billed.values("purchase_id"))
        .order_by("date", "id")
    )
    result: dict[int, list[PricedPurchase]] = {client_id: [] for client_id in ids}
    for p in rows:
        result[p.client_id].append(
            PricedPurchase(purchase_id=p.pk, day=p.date, hours=p.hours, price=p.price, note=p.note)
        )
    return result


def support_months(
    client: Client, period_from: date, period_to: date, rules: PlanRules, *, invoice
) -> list[SupportMonth]:
    return support_months_by_client([(client, period_from, rules)], period_to, invoice=invoice)[
        client.pk
    ]


def support_months_by_client(
    periods: Sequence[tuple[Client, date, PlanRules]], period_to: date, *, invoice
) -> dict[int, list[SupportMonth]]:
    """Per client (its period's start and plan) and month of the period: the included minutes
    this invoice may still draw (rollover chained from a year before) and whether its fees are
    still to be billed. Two queries for any number of clients."""
    if not periods:
        return {}
    chains = {}
    for client, period_from, _ in periods:
        months = months_between(period_from, period_to)
        first = months[0]
        for _ in range(ROLLOVER_LOOKBACK_MONTHS):
            first = month_start(first - timedelta(days=1))
        chains[client.pk] = (months, months_between(first, period_to))
    ids = list(chains)
    last_month = max(months[-1] for months, _ in chains.values())
    billable = TimeEntry.objects.filter(
        client__in=ids,
        billable_minutes__gt=0,
        date__gte=min(chain[0] for _, chain in chains.values()),
        date__lte=month_start(last_month + timedelta(days=31)) - timedelta(days=1),
    )

    # An entry is on at most one live invoice (`entry_on_one_live_invoice`).
    other_links = InvoiceEntry.objects.filter(entry=OuterRef("pk"), live=True)
    if invoice is not None:
        other_links = other_links.exclude(invoice=invoice)
    rows = (
        billable.annotate(month=TruncMonth("date"))
        .values("client_id", "month")
        .annotate(
            total=Sum("billable_minutes"),
            elsewhere=Sum("billable_minutes", filter=Q(Exists(other_links))),
        )
        .order_by()
    )
    used, on_other_invoices = {}, {}
    for row in rows:
        key = (row["client_id"], month_start(row["month"]))
        used[key] = row["total"]
        if row["elsewhere"]:
            on_other_invoices[key] = row["elsewhere"]
    fees_billed = set(
        _live_lines_of(ids, invoice)
        .filter(
            category=LineCategory.SUPPORT,
            service_month__in={month for months, _ in chains.values() for month in months},
        )
        .values_list("invoice__client_id", "service_month")
    )
    result = {}
    for client, _, rules in periods:
        months, chain = chains[client.pk]
        included = included_by_month(
            chain, {month: used.get((client.pk, month), 0) for month in chain}, rules
        )
        result[client.pk] = [
            SupportMonth(
                month=month,
                included_minutes=max(
                    included[month] - on_other_invoices.get((client.pk, month), 0), 0
                ),
                bill_fees=(client.pk, month) not in fees_billed,
            )
            for month in months
        ]
    return result


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
