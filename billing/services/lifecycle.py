"""Invoice lifecycle (PRODUCT §5.1): draft → approved → sent → paid; approved/sent → void.

Approval numbers from a gapless per-year sequence whose row is locked, so concurrent
approvals get consecutive numbers and a rolled-back approval gives its number back."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from clients.models import FirmSettings
from timetracking.services import (
    release_invoice_adjustments,
    release_invoice_entries,
    set_invoice_lock,
    settle_invoice_adjustments,
)

from ..models import Invoice, InvoiceEntry, InvoiceSequence, InvoiceStatus
from .drafts import lock_client, lock_invoice, record_transition, store_lines
from .errors import IllegalTransition
from .pdfs import request_invoice_pdf

# The transitions PRODUCT §5.1 allows: action → (from statuses, to status).
TRANSITIONS = {
    "approve": ((InvoiceStatus.DRAFT,), InvoiceStatus.APPROVED),
    "send": ((InvoiceStatus.APPROVED,), InvoiceStatus.SENT),
    "pay": ((InvoiceStatus.SENT,), InvoiceStatus.PAID),
    "void": ((InvoiceStatus.APPROVED, InvoiceStatus.SENT), InvoiceStatus.VOID),
}
VERBS = {"approve": "approved", "send": "sent", "pay": "paid", "void": "voided"}


def _locked_for(action: str, invoice_id: int) -> Invoice:
    invoice = Invoice.objects.only("client_id").get(pk=invoice_id)
    lock_client(invoice.client_id)
    invoice = lock_invoice(invoice_id)
    allowed, _ = TRANSITIONS[action]
    if invoice.status not in allowed:
        froms = " or ".join(allowed)
        raise IllegalTransition(
            f"Invoice {invoice.display_number} is {invoice.status}; only a {froms} invoice can be "
            f"{VERBS[action]}."
        )
    return invoice


def next_number(year: int) -> str:
    """The next number of the year's sequence, e.g. INV-2026-0001 (the row stays locked
    until the caller's transaction ends)."""
    prefix = FirmSettings.current().invoice_prefix or "INV"
    InvoiceSequence.objects.bulk_create(
        [InvoiceSequence(year=year, prefix=prefix)], ignore_conflicts=True
    )
    sequence = InvoiceSequence.objects.select_for_update(of=("self",)).get(year=year, prefix=prefix)
    sequence.last_number += 1
    sequence.save(update_fields=["last_number"])
    return f"{prefix}-{year}-{sequence.last_number:04d}"


@transaction.atomic
def approve_invoice(invoice_id: int, *, by=None) -> Invoice:
    """Rebuild the lines one last time and freeze them, number the invoice, set its issue and
    due dates and lock its entries; its PDF is rendered by the worker once this commits."""
    invoice = _locked_for("approve", invoice_id)
    client = invoice.client
    store_lines(invoice, client)
    issue_date = timezone.localdate()  # the firm's TIME_ZONE
    invoice.number = next_number(issue_date.year)
    invoice.issue_date = issue_date
    invoice.due_date = issue_date + timedelta(days=client.payment_terms_days)
    invoice.status = InvoiceStatus.APPROVED
    invoice.save(update_fields=["number", "issue_date", "due_date", "status", "updated_at"])
    set_invoice_lock(invoice.pk, True)
    settle_invoice_adjustments(invoice.pk)
    record_transition(invoice, InvoiceStatus.DRAFT, InvoiceStatus.APPROVED, by)
    request_invoice_pdf(invoice.pk)
    return invoice


def _move(action: str, invoice_id: int, by) -> Invoice:
    invoice = _locked_for(action, invoice_id)
    before = invoice.status
    invoice.status = TRANSITIONS[action][1]
    invoice.save(update_fields=["status", "updated_at"])
    record_transition(invoice, before, invoice.status, by)
    return invoice


@transaction.atomic
def send_invoice(invoice_id: int, *, by=None) -> Invoice:
    return _move("send", invoice_id, by)


@transaction.atomic
def pay_invoice(invoice_id: int, *, by=None) -> Invoice:
    return _move("pay", invoice_id, by)


@transaction.atomic
def void_invoice(invoice_id: int, *, by=None) -> Invoice:
    """Keep the number and lines; release the entries and adjustments for re-invoicing."""
    invoice = _move("void", invoice_id, by)
    InvoiceEntry.objects.filter(invoice=invoice).update(live=False)
    release_invoice_entries(invoice.pk)
    release_invoice_adjustments(invoice.pk)
    return invoice


ACTIONS = {
    "approve": approve_invoice,
    "send": send_invoice,
    "pay": pay_invoice,
    "void": void_invoice,
}


def transition(action: str, invoice_id: int, *, by=None) -> Invoice:
    return ACTIONS[action](invoice_id, by=by)
