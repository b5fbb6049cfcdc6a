"""Timetracking-side writes billing needs besides entry locking (which lives in
`timetracking.services`): pending billing adjustments carried by an invoice (PRODUCT §3.6).

timetracking never imports billing: these functions take invoice ids."""

from django.db import transaction

from .models import AdjustmentStatus, BillingAdjustment


def pending_adjustments(client_id: int):
    """Corrections of locked entries not yet on a live invoice, oldest first."""
    return BillingAdjustment.objects.filter(
        client_id=client_id, status=AdjustmentStatus.PENDING, invoice__isnull=True
    ).order_by("created_at", "id")


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
