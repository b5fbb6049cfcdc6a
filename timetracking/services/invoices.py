"""Invoice linking and pending corrections: billing calls these; timetracking never imports billing."""

from core.transactions import atomic_with_retry
from core.units import minutes_value

from ..models import AdjustmentStatus, BillingAdjustment, TimeEntry
from .history import move_balance
from .locks import lock_client, lock_clients


def _lock_clients_of(entries) -> None:
    # Entries are written after their clients are locked (services.locks); UPDATE then locks
    # only the entry rows it changes.
    lock_clients(*entries.order_by().values_list("task__project__client_id", flat=True).distinct())


@atomic_with_retry
def record_adjustment(entry: TimeEntry, *, minutes: int, reason: str) -> BillingAdjustment | None:
    """A pending correction for a locked entry whose source changed (PRODUCT §3.6)."""
    if minutes == 0:
        return None
    client_id = entry.task.project.client_id
    lock_client(client_id)
    move_balance(client_id, minutes)
    return BillingAdjustment.objects.create(
        client_id=client_id,
        entry=entry,
        entry_ref=entry.pk,
        minutes=minutes,
        value=minutes_value(minutes, entry.billing_rate),
        currency=entry.billing_currency,
        reason=reason[:300],
    )


@atomic_with_retry
def attach_entries_to_invoice(entry_ids, invoice_id: int) -> int:
    entries = TimeEntry.objects.filter(pk__in=list(entry_ids), invoice__isnull=True)
    _lock_clients_of(entries)
    return entries.update(invoice_id=invoice_id)


@atomic_with_retry
def set_invoice_lock(invoice_id: int, locked: bool) -> int:
    entries = TimeEntry.objects.filter(invoice_id=invoice_id)
    _lock_clients_of(entries)
    return entries.update(locked=locked)


@atomic_with_retry
def release_invoice_entries(invoice_id: int) -> int:
    entries = TimeEntry.objects.filter(invoice_id=invoice_id)
    _lock_clients_of(entries)
    return entries.update(invoice=None, locked=False)


# --- Pending billing adjustments carried by an invoice (PRODUCT §3.6) ---------------------


@atomic_with_retry
def attach_adjustments_to_invoice(adjustment_ids, invoice_id: int) -> int:
    """Put pending adjustments on a draft; only those still free are taken."""
    return (
        BillingAdjustment.objects.select_for_update(of=("self",))
        .filter(pk__in=list(adjustment_ids), status=AdjustmentStatus.PENDING, invoice__isnull=True)
        .update(invoice_id=invoice_id)
    )


@atomic_with_retry
def settle_invoice_adjustments(invoice_id: int) -> int:
    """The invoice was approved: its adjustments are invoiced."""
    return BillingAdjustment.objects.filter(invoice_id=invoice_id).update(
        status=AdjustmentStatus.INVOICED
    )


@atomic_with_retry
def release_invoice_adjustments(invoice_id: int) -> int:
    """The draft was deleted or the invoice voided: its adjustments are pending again."""
    return BillingAdjustment.objects.filter(invoice_id=invoice_id).update(
        invoice=None, status=AdjustmentStatus.PENDING
    )
