"""Pending billing adjustments (PRODUCT §3.6) that the next invoice carries."""

from ..models import AdjustmentStatus, BillingAdjustment


def all_pending_adjustments():
    """Corrections of locked entries not yet on a live invoice, of every client."""
    return BillingAdjustment.objects.filter(status=AdjustmentStatus.PENDING, invoice__isnull=True)


def pending_adjustments(client_id: int):
    """A client's pending adjustments, oldest first."""
    return pending_adjustments_of([client_id])


def pending_adjustments_of(client_ids: list[int]):
    return all_pending_adjustments().filter(client_id__in=client_ids).order_by("created_at", "id")
