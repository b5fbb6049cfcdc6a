"""Pending billing adjustments (PRODUCT §3.6) that the next invoice carries."""

from ..models import AdjustmentStatus, BillingAdjustment


def pending_adjustments(client_id: int):
    """Corrections of locked entries not yet on a live invoice, oldest first."""
    return BillingAdjustment.objects.filter(
        client_id=client_id, status=AdjustmentStatus.PENDING, invoice__isnull=True
    ).order_by("created_at", "id")
