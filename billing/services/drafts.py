"""Generate a draft from unbilled entries and rebuild its lines (PRODUCT §5.0–§5.2).

Lock order, in every billing write: client row, then invoice row, then entry rows."""

from datetime import date

from django.db import IntegrityError, transaction
from django.utils import timezone

from clients.models import BillingMode, Client
from clients.services import lock_client as lock_client_row
from timetracking.models import TimeEntry
from timetracking.selectors import pending_adjustments
from timetracking.services import (
    attach_adjustments_to_invoice,
    attach_entries_to_invoice,
    release_invoice_adjustments,
    release_invoice_entries,
)

from .. import rules
from ..models import Invoice, InvoiceEntry, InvoiceLine, InvoiceStatus, InvoiceTransition
from ..selectors import (
    adjustment_facts,
    entry_facts,
    hour_bank_overage_minutes,
    plan_rules,
    priced_purchases,
    support_months,
)
from .errors import IllegalTransition, InvoiceInvalid

MAX_NAMED = 10


def lock_client(client_id: int) -> Client:
    client = lock_client_row(client_id)
    if client is None:
        raise InvoiceInvalid(
            f"There is no client {client_id}; use a client id, e.g. 3.", "client_id"
        )
    return client


def lock_invoice(invoice_id: int) -> Invoice:
    return Invoice.objects.select_for_update(of=("self",)).get(pk=invoice_id)


def _named(ids) -> str:
    ids = sorted(ids)
    text = ", ".join(str(i) for i in ids[:MAX_NAMED])
    return text + (f" and {len(ids) - MAX_NAMED} more" if len(ids) > MAX_NAMED else "")


def _chosen_entries(client: Client, date_from: date, date_to: date, entry_ids):
    """Lock and check the entries to bill; refuse (naming them) entries of another client,
    outside the period, not billable, on an invoice, or in another currency."""
    if entry_ids is None:
        entries = TimeEntry.objects.filter(
            client=client,
            invoice__isnull=True,
            billable_minutes__gt=0,
            date__gte=date_from,
            date__lte=date_to,
        )
    else:
        entry_ids = list(dict.fromkeys(entry_ids))
        entries = TimeEntry.objects.filter(pk__in=entry_ids)
    entries = list(
        entries.select_for_update(of=("self",))
        .select_related("task__project", "member__user")
        .order_by("id")
    )
    if entry_ids is not None:
        found = {entry.pk for entry in entries}
        missing = set(entry_ids) - found
        other = {e.pk for e in entries if e.task.project.client_id != client.pk}
        if missing or other:
            raise InvoiceInvalid(
                f"Entries {_named(missing | other)} are not time of {client.code}; choose "
                f"entries from its unbilled time, e.g. entry_ids=[{next(iter(found), 12)}].",
                "entry_ids",
            )
        outside = [e.pk for e in entries if not date_from <= e.date <= date_to]
        if outside:
            raise InvoiceInvalid(
                f"Entries {_named(outside)} are outside the period {date_from} – {date_to}.",
                "entry_ids",
            )
        not_billable = [e.pk for e in entries if e.billable_minutes <= 0]
        if not_billable:
            raise InvoiceInvalid(
                f"Entries {_named(not_billable)} are not billable and cannot be invoiced.",
                "entry_ids",
            )
    on_invoice = [e.pk for e in entries if e.invoice_id is not None]
    if on_invoice:
        raise InvoiceInvalid(
            f"Entries {_named(on_invoice)} are already on an invoice; leave them out.",
            "entry_ids",
        )
    foreign = [e for e in entries if e.billing_currency and e.billing_currency != client.currency]
    if foreign:
        raise InvoiceInvalid(
            f"Entries {_named(e.pk for e in foreign)} are in {foreign[0].billing_currency}, not "
            f"the client's {client.currency}: an invoice has one currency.",
            "entry_ids",
        )
    return entries


def build_lines(invoice: Invoice, client: Client) -> list[rules.Line]:
    """The lines of `invoice` from its entries and adjustments, by the client's mode."""
    entries = (
        TimeEntry.objects.filter(invoice=invoice)
        .select_related("task", "member__user")
        .order_by("date", "id")
    )
    facts = entry_facts(client, entries)
    plan = plan_rules(client)
    if client.billing_mode == BillingMode.HOUR_BANK:
        lines = rules.hour_bank_lines(
            facts,
            plan,
            overage_minutes=hour_bank_overage_minutes(
                client, invoice.period_to, exclude_invoice=invoice
            ),
            purchases=priced_purchases(
                client, invoice.period_from, invoice.period_to, exclude_invoice=invoice
            ),
        )
    elif client.billing_mode == BillingMode.SUPPORT_PLAN:
        months = support_months(
            client, invoice.period_from, invoice.period_to, plan, invoice=invoice
        )
        lines = rules.support_plan_lines(facts, plan, months)
    else:
        lines = rules.time_and_materials_lines(facts, plan)
    adjustments = invoice.adjustments.select_related("entry").order_by("created_at", "id")
    return lines + rules.adjustment_lines(adjustment_facts(adjustments))


def store_lines(invoice: Invoice, client: Client) -> None:
    """Replace the draft's lines and totals (the caller holds the invoice row)."""
    try:
        lines = build_lines(invoice, client)
    except rules.BillingRuleError as error:
        raise InvoiceInvalid(error.message, error.field) from error
    invoice.lines.all().delete()
    InvoiceLine.objects.bulk_create(
        InvoiceLine(
            invoice=invoice,
            position=position,
            category=line.category,
            rate_tier=line.rate_tier,
            description=line.description[:500],
            task_id=line.task_id,
            jira_issue_key=line.jira_issue_key,
            time_minutes=line.time_minutes,
            billable_minutes=line.billable_minutes,
            quantity=line.quantity,
            unit_price=line.unit_price,
            multiplier=line.multiplier,
            amount=line.amount,
            purchase_id=line.purchase_id,
            service_month=line.service_month,
        )
        for position, line in rules.with_positions(lines)
    )
    total = rules.totals(lines, client.tax_rate)
    invoice.tax_rate = client.tax_rate
    invoice.subtotal, invoice.tax, invoice.total = total.subtotal, total.tax, total.total
    invoice.lines_built_at = timezone.now()
    invoice.save(
        update_fields=["tax_rate", "subtotal", "tax", "total", "lines_built_at", "updated_at"]
    )


@transaction.atomic
def generate_draft(
    *,
    client_id: int,
    date_from: date,
    date_to: date,
    entry_ids=None,
    include_adjustments: bool = True,
    by=None,
) -> Invoice:
    """A draft invoice linking exactly the chosen entries (all unbilled billable entries of
    the period when `entry_ids` is None) and, by default, the client's pending adjustments."""
    if date_from > date_to:
        raise InvoiceInvalid(
            f"The period starts ({date_from}) after it ends ({date_to}); e.g. from=2026-03-01 "
            "to=2026-03-31.",
            "from",
        )
    client = lock_client(client_id)
    entries = _chosen_entries(client, date_from, date_to, entry_ids)
    adjustments = (
        [a for a in pending_adjustments(client.pk) if a.currency in ("", client.currency)]
        if include_adjustments
        else []
    )
    if not entries and not adjustments and client.billing_mode == BillingMode.TIME_AND_MATERIALS:
        raise InvoiceInvalid(
            f"{client.code} has no unbilled billable time from {date_from} to {date_to}; "
            "choose another period.",
            "entry_ids" if entry_ids is not None else "from",
        )
    invoice = Invoice.objects.create(
        client=client,
        currency=client.currency,
        period_from=date_from,
        period_to=date_to,
        tax_rate=client.tax_rate,
        created_by=by if getattr(by, "pk", None) else None,
    )
    ids = [entry.pk for entry in entries]
    try:
        with transaction.atomic():
            InvoiceEntry.objects.bulk_create(
                InvoiceEntry(invoice=invoice, entry_id=entry_id) for entry_id in ids
            )
    except IntegrityError as error:  # a concurrent generation took one of them first
        raise InvoiceInvalid(
            "Some of these entries were just put on another invoice; reload and try again.",
            "entry_ids",
        ) from error
    if attach_entries_to_invoice(ids, invoice.pk) != len(ids):
        raise InvoiceInvalid(
            "Some of these entries were just put on another invoice; reload and try again.",
            "entry_ids",
        )
    attach_adjustments_to_invoice([a.pk for a in adjustments], invoice.pk)
    store_lines(invoice, client)
    record_transition(invoice, "", InvoiceStatus.DRAFT, by)
    return invoice


@transaction.atomic
def rebuild_draft_lines(invoice_id: int) -> Invoice:
    """Rebuild a draft's lines from its entries (they stay editable until approval)."""
    invoice = Invoice.objects.only("client_id").get(pk=invoice_id)
    client = lock_client(invoice.client_id)
    invoice = lock_invoice(invoice_id)
    if invoice.status != InvoiceStatus.DRAFT:
        raise IllegalTransition(
            f"Invoice {invoice.display_number} is {invoice.status}; its lines are frozen."
        )
    store_lines(invoice, client)
    return invoice


@transaction.atomic
def delete_draft(invoice_id: int, *, by=None) -> None:
    """Delete a draft, releasing its entries and adjustments."""
    invoice = Invoice.objects.only("client_id").get(pk=invoice_id)
    lock_client(invoice.client_id)
    invoice = lock_invoice(invoice_id)
    if invoice.status != InvoiceStatus.DRAFT:
        raise IllegalTransition(
            f"Invoice {invoice.display_number} is {invoice.status}: only drafts can be deleted "
            "(void an approved or sent invoice instead)."
        )
    release_invoice_entries(invoice.pk)
    release_invoice_adjustments(invoice.pk)
    invoice.delete()


def record_transition(invoice: Invoice, from_status: str, to_status: str, by) -> None:
    InvoiceTransition.objects.create(
        invoice=invoice,
        from_status=from_status,
        to_status=to_status,
        by=by if getattr(by, "pk", None) else None,
    )


def refresh_stale_draft(invoice: Invoice) -> Invoice:
    """A draft whose entries changed since its lines were built gets them rebuilt; anything
    else is returned as it is."""
    from ..selectors import draft_is_stale

    if not draft_is_stale(invoice):
        return invoice
    try:
        return rebuild_draft_lines(invoice.pk)
    except InvoiceInvalid:
        # A rule that cannot be met now (e.g. a rate removed) is reported at approval.
        return invoice
