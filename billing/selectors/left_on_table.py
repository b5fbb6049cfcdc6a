""" "Money left on the table" (PRODUCT §5.0): what an invoice generated now would bill a client,
built with the same line rules and inputs as `billing.services.drafts.build_lines`."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import (
    Case,
    DateField,
    Exists,
    Min,
    OuterRef,
    Sum,
    When,
)
from django.db.models.functions import TruncMonth

from clients.models import BillingMode, Client, HourPurchase, LedgerKind
from timetracking.selectors import (
    all_pending_adjustments,
    pending_adjustments_of,
    unbilled_entries_of,
)

from .. import rules
from .inputs import (
    adjustment_facts,
    overage_minutes_of,
    plan_rules_by_client,
    priced_purchases_by_client,
    support_months_by_client,
    with_overage_inputs,
)
from .off_hours import off_hours

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


def unbilled_facts_by_client(
    clients: Sequence[Client], date_to: date, *, date_from: dict[int, date]
) -> dict[int, list[rules.EntryFacts]]:
    """The unbilled entries of `clients` up to `date_to` (from each client's first month in
    `date_from`, a month start) as billing's `EntryFacts`, summed in the database where summing
    changes no amount: an entry's category and tier depend only on its task and on whether it
    started off hours (decided in SQL with `off_hours`), so entries are summed per client,
    task, rate and off-hours flag, and per month for support plans (line amounts and each
    month's included and overtime minutes stay the same). Hour banks draw every entry at 0.00
    whatever its task, rate or start, so only their total counts: one fact per client. One
    query per kind (hour banks, the others), whatever the number of clients and entries."""
    result: dict[int, list[rules.EntryFacts]] = {client.pk: [] for client in clients}
    banks = [c.pk for c in clients if c.billing_mode == BillingMode.HOUR_BANK]
    others = [c.pk for c in clients if c.billing_mode != BillingMode.HOUR_BANK]
    sums = {
        "first_id": Min("id"),
        "first_day": Min("date"),
        "duration": Sum("duration_minutes"),
        "billable": Sum("billable_minutes"),
    }
    if banks:
        for row in (
            unbilled_entries_of(banks, date_to=date_to)
            .order_by()
            .values("client_id")
            .annotate(**sums)
        ):
            result[row["client_id"]].append(
                rules.EntryFacts(
                    entry_id=row["first_id"],
                    task_id=None,
                    task_label=HOUR_BANK_LABEL,
                    jira_issue_key="",
                    issue_type="",
                    priority="",
                    local_start=None,
                    day=row["first_day"],
                    duration_minutes=row["duration"],
                    billable_minutes=row["billable"],
                    rate=None,
                    off_hours=False,
                )
            )
    if not others:
        return result
    rows = (
        unbilled_entries_of(others, date_to=date_to)
        .order_by()
        .annotate(month=_support_month(), off=off_hours())
        .values(
            "client_id",
            "task_id",
            "task__name",
            "task__jira_summary",
            "task__jira_issue_key",
            "task__jira_issue_type",
            "task__jira_priority",
            "billing_rate",
            "month",
            "off",
        )
        .annotate(**sums)
        .order_by("client_id", "first_day", "first_id")
    )
    for row in rows:
        client_id = row["client_id"]
        if row["first_day"] < date_from.get(client_id, EARLIEST):
            continue  # whole months before the client's period (its start is a month start)
        result[client_id].append(
            rules.EntryFacts(
                entry_id=row["first_id"],
                task_id=row["task_id"],
                task_label=row["task__jira_summary"] or row["task__name"],
                jira_issue_key=row["task__jira_issue_key"] or "",
                issue_type=row["task__jira_issue_type"] or "",
                priority=row["task__jira_priority"] or "",
                local_start=None,
                day=row["first_day"],
                duration_minutes=row["duration"],
                billable_minutes=row["billable"],
                rate=row["billing_rate"],
                off_hours=row["off"],
            )
        )
    return result


HOUR_BANK_LABEL = "Time drawn from the hour bank"


def _support_month():
    """The entry's month for support-plan clients (their included hours are monthly); one
    group for the others, whose amounts do not depend on the month."""
    return Case(
        When(
            client__billing_mode=BillingMode.SUPPORT_PLAN,
            then=TruncMonth("date"),
        ),
        default=None,
        output_field=DateField(),
    )


def left_on_table(client: Client, *, today: date) -> LeftOnTable:
    return left_on_table_by_client(Client.objects.filter(pk=client.pk), today=today)[0]


def left_on_table_by_client(clients, *, today: date) -> list[LeftOnTable]:
    """Per client, the subtotal of an invoice generated now for every unbilled entry up to
    `today`: entry values (time and materials); overage and unbilled priced purchases (hour
    bank); fees of past months not yet invoiced and overtime (support plan); plus pending
    adjustments. `clients` is a queryset, read once with plans and overage inputs; a constant
    number of queries for any number of clients: two, one more when some hour bank has priced
    purchases, one more when some client has pending adjustments, two more with support
    plans."""
    clients = list(
        with_overage_inputs(clients.select_related("plan"), today).annotate(
            has_priced_purchases=Exists(
                HourPurchase.objects.filter(
                    client=OuterRef("pk"), kind=LedgerKind.PURCHASE, price__isnull=False
                )
            ),
            has_pending_adjustments=Exists(all_pending_adjustments().filter(client=OuterRef("pk"))),
        )
    )
    plans = plan_rules_by_client(clients)
    support = [c for c in clients if c.billing_mode == BillingMode.SUPPORT_PLAN]
    priced = [
        c for c in clients if c.billing_mode == BillingMode.HOUR_BANK and c.has_priced_purchases
    ]
    period_from = {c.pk: _support_period_start(c, today) for c in support}
    facts_of = unbilled_facts_by_client(clients, today, date_from=period_from)
    purchases = priced_purchases_by_client(priced, EARLIEST, today) if priced else {}
    months_of = support_months_by_client(
        [(c, period_from[c.pk], plans[c.pk]) for c in support], today, invoice=None
    )
    adjustments_of: dict[int, list] = {c.pk: [] for c in clients}
    adjusted = [c.pk for c in clients if c.has_pending_adjustments]
    if adjusted:
        for adjustment in pending_adjustments_of(adjusted).select_related("entry"):
            adjustments_of[adjustment.client_id].append(adjustment)
    return [
        _left_on_table(
            client,
            today,
            plans[client.pk],
            facts_of[client.pk],
            overage=overage_minutes_of(client),
            purchases=purchases.get(client.pk, []),
            months=months_of.get(client.pk, []),
            adjustments=adjustments_of[client.pk],
        )
        for client in clients
    ]


def _left_on_table(client, today, plan, facts, *, overage, purchases, months, adjustments):
    unbilled_minutes = sum(fact.billable_minutes for fact in facts)
    try:
        if client.billing_mode == BillingMode.HOUR_BANK:
            lines = rules.hour_bank_lines(facts, plan, overage_minutes=overage, purchases=purchases)
        elif client.billing_mode == BillingMode.SUPPORT_PLAN:
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
    adjustments = [a for a in adjustments if a.currency in ("", client.currency)]
    lines = lines + rules.adjustment_lines(adjustment_facts(adjustments))
    return LeftOnTable(
        client=client,
        currency=client.currency,
        amount=rules.totals(lines, Decimal("0")).subtotal,
        unbilled_minutes=unbilled_minutes,
        lines=tuple(lines),
    )
