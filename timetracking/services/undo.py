"""Undo of a delete: for a few seconds after deleting an entry, its author may bring it back,
with the same id and its history, as if it had never been deleted."""

from datetime import date, time, timedelta
from decimal import Decimal

from django.utils import timezone

from core.transactions import atomic_with_retry

from ..models import ChangeKind, EntryChange, Member, Source, TimeEntry
from .entries import snapshot_rates
from .errors import EntryInvalid
from .history import move_balance
from .locks import lock_client

UNDO_SECONDS = 10
# The button shows for UNDO_SECONDS; the server also takes a click sent just before it went.
UNDO_GRACE_SECONDS = 5


@atomic_with_retry
def undo_delete(entry_ref: int, *, by) -> TimeEntry:
    """Restore the manual entry `entry_ref` that `by` deleted in the last few seconds: the
    entry comes back with its id, fields and rate snapshot, its history rows point at it again
    and the "deleted" row goes, so the hour bank and its history read as before the delete."""
    latest = (
        EntryChange.objects.filter(entry_ref=entry_ref, kind=ChangeKind.DELETED)
        .order_by("-at", "-id")
        .values("pk", "client_id")
        .first()
    )
    if latest is None:
        raise EntryInvalid(
            f"Entry #{entry_ref} was not deleted; there is nothing to undo.", "entry"
        )
    # One lock order for every balance write: the client first, then the rows of its entries.
    lock_client(latest["client_id"])
    deletion = EntryChange.objects.select_for_update(of=("self",)).get(pk=latest["pk"])
    if by is None or deletion.changed_by_id != by.pk:
        raise EntryInvalid("Only whoever deleted an entry can undo it.", "entry")
    if timezone.now() - deletion.at > timedelta(seconds=UNDO_SECONDS + UNDO_GRACE_SECONDS):
        raise EntryInvalid(
            f"Undo is only possible for {UNDO_SECONDS} seconds after a delete; log the time "
            "again instead (e.g. from My Work).",
            "entry",
        )
    if TimeEntry.objects.filter(pk=entry_ref).exists():
        raise EntryInvalid(f"Entry #{entry_ref} is already back.", "entry")
    data = deletion.data or {}
    if data.get("source", Source.MANUAL) != Source.MANUAL:
        raise EntryInvalid(
            "Only entries logged here can be restored; synced ones come back with their source.",
            "entry",
        )
    member = Member.objects.get(user__username=data["member"])
    entry = TimeEntry(
        pk=entry_ref,
        task_id=data["task_id"],
        member=member,
        date=date.fromisoformat(data["date"]),
        start_time=time.fromisoformat(data["start_time"]) if data.get("start_time") else None,
        duration_minutes=data["duration_minutes"],
        billable=data["billable"],
        billable_minutes=data["billable_minutes"],
        description=data.get("description", ""),
        source=Source.MANUAL,
        created_by=by,
        updated_by=by,
    )
    snapshot_rates(entry)
    # The rate the entry had, not today's: a restore is not a new entry.
    entry.billing_rate = Decimal(data["billing_rate"]) if data.get("billing_rate") else None
    entry.save(force_insert=True)
    EntryChange.objects.filter(entry_ref=entry_ref).exclude(pk=deletion.pk).update(entry=entry)
    deletion.delete()
    # The delete took its minutes off the running total; the restore puts them back.
    move_balance(latest["client_id"], entry.billable_minutes)
    return entry
