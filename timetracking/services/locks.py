"""The row locks of every balance-changing write, in the one order all of them follow.

Lock order (a write takes only the steps it needs, always in this order):

0. the timesheet row — only a timesheet cell save (`timesheet_rows.save_timesheet_cell`), so
   two saves of one cell queue; no other write locks that row;
1. the member row — only the timer, whose start and stop are serialized per member;
2. client rows, ascending id (`lock_clients`) — every write that moves a balance;
3. a timesheet cell's advisory lock on (member, task, date) (`lock_timesheet_cell`) — the one
   check-then-insert: an empty cell has no row to lock, so the key is locked instead;
4. entry rows (`lock_entry`), only the entry's own row (`FOR UPDATE OF` the entry table, never
   the task, project, member or user rows it joins).

Because the client comes before the entry, an entry's client is read without a lock first and
checked again once the entry is locked (an entry moved to another client meanwhile is re-locked).
"""

import hashlib

from django.db import connection

from clients.services import lock_client, lock_clients

from ..models import TimeEntry
from .errors import EntryBusy, EntryNotFound

# The client steps of the lock order live with the client model; re-exported for the services.
__all__ = ["lock_client", "lock_clients", "lock_entry", "lock_timesheet_cell"]

_RELOCK_ATTEMPTS = 3


def lock_timesheet_cell(member_id: int, task_id: int, on_date) -> None:
    """Serialize writes of one timesheet cell until the transaction ends (pg_advisory_xact_lock).
    Taken after the client lock, so it never waits while holding an entry row."""
    if connection.vendor != "postgresql":
        return
    digest = hashlib.blake2b(
        f"timesheet-cell:{member_id}:{task_id}:{on_date.isoformat()}".encode(), digest_size=8
    ).digest()
    key = int.from_bytes(digest, "big", signed=True)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])


def _client_id_of(entry_id: int) -> int:
    client_id = (
        TimeEntry.objects.filter(pk=entry_id)
        .values_list("task__project__client_id", flat=True)
        .first()
    )
    if client_id is None:
        raise EntryNotFound.for_entry(entry_id)
    return client_id


def lock_entry(entry_id: int, *, also_clients=()) -> TimeEntry:
    """Lock the entry's client (with `also_clients`), then the entry's own row; the entry comes
    back with its task, project and member loaded (not locked). A vanished entry raises
    `EntryNotFound`."""
    for _ in range(_RELOCK_ATTEMPTS):
        client_id = _client_id_of(entry_id)
        lock_clients(client_id, *also_clients)
        current = (
            TimeEntry.objects.select_for_update(of=("self",))
            .select_related("task__project__client", "member__user")
            .filter(pk=entry_id)
            .first()
        )
        if current is None:
            raise EntryNotFound.for_entry(entry_id)
        if current.task.project.client_id == client_id:
            return current
    raise EntryBusy(f"Time entry {entry_id} is being moved between clients; try again.")
