"""Re-applying today's billing plans to unbilled, unlocked entries (PRODUCT §1)."""

from django.db import transaction
from django.utils import timezone

from clients.models import Client

from ..models import ChangeKind, Source, TimeEntry
from .entries import set_billable_minutes
from .history import record_change


@transaction.atomic
def reapply_billing_rules(*, client: Client | None = None, by=None) -> int:
    """Recompute billable minutes of unlocked entries with today's plans; history per change."""
    entries = (
        TimeEntry.objects.select_for_update()
        .filter(locked=False)
        .select_related("task__project__client", "member")
    )
    if client is not None:
        entries = entries.filter(task__project__client=client)
    changed = 0
    for entry in entries.order_by("id"):
        if entry.source == Source.FIELD:
            continue  # field minutes are final (never round twice)
        old = entry.billable_minutes
        set_billable_minutes(
            entry, None if entry.source != Source.TEMPO else old or entry.duration_minutes, True
        )
        if entry.billable_minutes != old:
            TimeEntry.objects.filter(pk=entry.pk).update(
                billable_minutes=entry.billable_minutes, updated_at=timezone.now()
            )
            record_change(
                entry,
                ChangeKind.UPDATED,
                client_id=entry.task.project.client_id,
                minutes_delta=entry.billable_minutes - old,
                duration_delta=0,
                by=by,
                description="Billing rules re-applied",
            )
            changed += 1
    return changed
