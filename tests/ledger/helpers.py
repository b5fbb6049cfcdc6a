"""Ledger test helpers: blocks through the service, billable time through create_entry."""

import datetime as dt

from clients.services import add_purchase
from tests.factories import TimeEntryFactory


def block(client, hours, *, on: str, expires: str | None = None, price=None, by=None):
    return add_purchase(
        client=client,
        hours=hours,
        on_date=dt.date.fromisoformat(on),
        note=f"Block of {hours} h",
        by=by,
        price=price,
        expires_on=dt.date.fromisoformat(expires) if expires else None,
    )


def use(firm, minutes: int, on: str):
    """Billable time on Acme (default plan: billable minutes = duration)."""
    return TimeEntryFactory(
        task=firm.acme_task,
        member=firm.staff_member,
        on_date=dt.date.fromisoformat(on),
        duration_minutes=minutes,
    )
