"""Invoice linking and pending corrections: billing calls these; timetracking never imports billing."""

from django.db import transaction

from core.units import minutes_value

from ..models import AdjustmentStatus, BillingAdjustment, TimeEntry
from .entries import lock_client


@transaction.atomic
def record_adjustment(entry: TimeEntry, *, minutes: int, reason: str) -> BillingAdjustment | None:
    """A pending correction for a locked entry whose source changed (PRODUCT §3.6)."""
    if minutes == 0:
        return None
    client_id = entry.task.project.client_id
    lock_client(client_id)
    return BillingAdjustment.objects.create(
        client_id=client_id,
        entry=entry,
        entry_ref=entry.pk,
        minutes=minutes,
        value=minutes_value(minutes, entry.billing_rate),
        currency=entry.billing_currency,
        reason=reason[:300],
    )


@transaction.atomic
def attach_entries_to_invoice(entry_ids, invoice_id: int) -> int:
    return TimeEntry.objects.filter(pk__in=list(entry_ids), invoice__isnull=True).update(
        invoice_id=invoice_id
    )


@transaction.atomic
def set_invoice_lock(invoice_id: int, locked: bool) -> int:
    return TimeEntry.objects.filter(invoice_id=invoice_id).update(locked=locked)


@transaction.atomic
def release_invoice_entries(invoice_id: int) -> int:
    return TimeEntry.objects.filter(invoice_id=invoice_id).update(invoice=None, locked=False)


# --- Pending billing adjustments carried by an invoice (PRODUCT §3.6) ---------------------


@transaction.atomic
def attach_adjustments_to_invoice(adjustment_ids, invoice_id: int) -> int:
    """Put pending adjustments on a draft; only those still free are taken."""
    return (
        BillingAdjustment.objects.select_for_update(of=("self",))
        .filter(pk__in=list(adjustment_ids), status=AdjustmentStatus.PENDING, invoice__isnull=True)
        .update(invoice_id=invoice_id)
    )


@transaction.atomic
def settle_invoice_adjustments(invoice_id: int) -> int:
    """The invoice was approved: its adjustments are invoiced."""
    return BillingAdjustment.objects.filter(invoice_id=invoice_id).update(
        status=AdjustmentStatus.INVOICED
    )


@transaction.atomic
def release_invoice_adjustments(invoice_id: int) -> int:
    """The draft was deleted or the invoice voided: its adjustments are pending again."""
    return BillingAdjustment.objects.filter(invoice_id=invoice_id).update(
        invoice=None, status=AdjustmentStatus.PENDING
    )
