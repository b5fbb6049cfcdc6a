"""Helpers shared by the staff-page view tests (tests/timetracking/test_views_*.py)."""

import datetime

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from billing.models import Invoice
from timetracking.services import attach_entries_to_invoice, create_entry, set_invoice_lock

HTMX = {"HX-Request": "true"}


def htmx(target: str | None = None) -> dict:
    """Headers of an htmx request; `target` is the id of the element being swapped."""
    return {**HTMX, "HX-Target": target} if target else dict(HTMX)


def log(member, task, minutes=90, *, on=None, billable=None, description="", **extra):
    return create_entry(
        task=task,
        member=member,
        on_date=on or timezone.localdate(),
        duration_minutes=minutes,
        billable=billable,
        description=description,
        by=member.user,
        **extra,
    )


def invoice_and_lock(client, entries, number="INV-2026-0001") -> Invoice:
    """An approved invoice holding `entries`, locked as billing's services would do it."""
    invoice = Invoice.objects.create(
        client=client,
        status="approved",
        number=number,
        currency=client.currency,
        period_from=datetime.date(2026, 1, 1),
        period_to=datetime.date(2026, 12, 31),
    )
    attach_entries_to_invoice([entry.pk for entry in entries], invoice.pk)
    set_invoice_lock(invoice.pk, True)
    return invoice


def query_count(callable_) -> int:
    with CaptureQueriesContext(connection) as queries:
        callable_()
    return len(queries)
