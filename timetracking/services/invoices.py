"""Invoice linking and pending corrections: billing calls these; timetracking never imports billing."""

from django.db import transaction

from core.units import minutes_value

from ..models import BillingAdjustment, TimeEntry
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
