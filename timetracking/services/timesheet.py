"""The weekly timesheet's cells (PRODUCT §2.5)."""

from datetime import date

from clients.models import Task
from core.transactions import atomic_with_retry

from ..models import Member, TimeEntry
from .entries import EntryChanges, create_entry, delete_entry, update_entry
from .errors import EntryInvalid
from .locks import lock_client, lock_timesheet_cell


@atomic_with_retry
def set_timesheet_cell(
    *, member: Member, task: Task, on_date: date, duration_minutes: int | None, by=None
) -> TimeEntry | None:
    """One cell of the weekly timesheet: no entry → create one; exactly one entry → rewrite its
    duration (`None` deletes it; locks and sources are refused by update/delete_entry); several
    entries → refused, they are changed one by one.

    The existence check and the insert are one step for parallel posts of the same cell: they
    hold the cell's advisory lock (after the client's row lock, the documented order), so a
    second post waits and then finds the first one's entry instead of adding another."""
    lock_client(task.project.client_id)
    lock_timesheet_cell(member.pk, task.pk, on_date)
    entries = list(
        TimeEntry.objects.select_for_update(of=("self",))
        .filter(member=member, task=task, date=on_date)
        .order_by("id")[:2]
    )
    if not entries:
        if duration_minutes is None:
            return None
        return create_entry(
            task=task, member=member, on_date=on_date, duration_minutes=duration_minutes, by=by
        )
    if len(entries) > 1:
        raise EntryInvalid(
            f"{task} has several entries on {on_date:%a %d %b}; change them one by one in that day's entries.",
            "duration",
        )
    if duration_minutes is None:
        delete_entry(entries[0], by=by)
        return None
    return update_entry(entries[0], EntryChanges(duration_minutes=duration_minutes), by=by)
