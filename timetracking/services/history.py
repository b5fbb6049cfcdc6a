"""The history row every change of an entry writes (PRODUCT §1: balances are explained by it),
and the client's running total of consumed minutes that moves with it.

`move_balance` is the one place a client's consumed minutes change: every entry write (through
`record_change`) and every billing adjustment calls it inside its transaction, with the client
row already locked (services.locks). Code that must react to a balance change hooks in there."""

from django.db.models import F

from clients.models import Client

from ..alerts import schedule_balance_check
from ..models import ChangeKind, EntryChange, TimeEntry


def entry_data(entry: TimeEntry) -> dict:
    return {
        "task_id": entry.task_id,
        "member": entry.member.user.username,
        "date": entry.date.isoformat(),
        "start_time": entry.start_time.isoformat() if entry.start_time else None,
        "duration_minutes": entry.duration_minutes,
        "billable": entry.billable,
        "billable_minutes": entry.billable_minutes,
        "billing_rate": str(entry.billing_rate) if entry.billing_rate is not None else None,
        "description": entry.description[:500],
        "source": entry.source,
    }


def move_balance(client_id: int, minutes_delta: int) -> None:
    """Add `minutes_delta` to the client's consumed minutes (Σ entries' billable minutes + Σ
    adjustments), in the caller's transaction; the caller holds the client's row lock. The
    one place balances move, so the low-balance alert check is scheduled here too."""
    if minutes_delta:
        Client.objects.filter(pk=client_id).update(
            consumed_minutes=F("consumed_minutes") + minutes_delta
        )
        schedule_balance_check(client_id)


def record_change(
    entry: TimeEntry,
    kind: str,
    *,
    client_id: int,
    minutes_delta: int,
    duration_delta: int,
    by,
    description: str = "",
):
    move_balance(client_id, minutes_delta)
    change = change_row(
        entry,
        kind,
        client_id=client_id,
        minutes_delta=minutes_delta,
        duration_delta=duration_delta,
        by=by,
        description=description,
    )
    change.save()
    return change


def change_row(
    entry: TimeEntry,
    kind: str,
    *,
    client_id: int,
    minutes_delta: int,
    duration_delta: int,
    by,
    description: str = "",
) -> EntryChange:
    """The history row of one change, unsaved: `record_change` saves it; a batch writer saves
    many at once (and moves each client's balance once by their sum)."""
    return EntryChange(
        entry=entry if kind != ChangeKind.DELETED else None,
        entry_ref=entry.pk,
        client_id=client_id,
        kind=kind,
        minutes_delta=minutes_delta,
        duration_delta=duration_delta,
        description=(description or entry.description or str(entry.task))[:500],
        data=entry_data(entry),
        source=entry.source,
        changed_by=by if getattr(by, "pk", None) else None,
    )
