"""Which time entries a user may read, and entry querysets shared by the pages and the API."""

from datetime import date

from django.db.models import Case, F, IntegerField, Sum, Value, When
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404

from clients.models import Task
from clients.roles import is_staff_member
from clients.selectors import visible_clients

from ..models import EntryStatus, Member, TimeEntry


def visible_entries(user):
    """Staff read every entry (PRODUCT §9); client users read their own client's; others none."""
    entries = TimeEntry.objects.select_related("task__project__client", "member__user")
    if is_staff_member(user):
        return entries
    return entries.filter(client__in=visible_clients(user))


def get_entry_for_user(user, entry_id) -> TimeEntry:
    return get_object_or_404(visible_entries(user), pk=entry_id)


def entries_with_status(entries, status: str):
    """Filter entries by billing status, the same rule as `TimeEntry.status`, in SQL."""
    if status == EntryStatus.NON_BILLABLE:
        return entries.filter(billable_minutes=0, invoice__isnull=True)
    if status == EntryStatus.UNBILLED:
        return entries.filter(billable_minutes__gt=0, invoice__isnull=True)
    if status == EntryStatus.BILLED:
        return entries.filter(invoice__isnull=False, locked=False)
    if status == EntryStatus.INVOICED:
        return entries.filter(invoice__isnull=False, locked=True)
    raise ValueError(
        f"Unknown entry status {status!r}; use one of {', '.join(EntryStatus.values)}."
    )


# Duration of the entries that bill (stored billable minutes > 0, the same rule as
# `TimeEntry.status`): utilization and "billable hours" are about time worked, not time billed.
BILLABLE_DURATION = Coalesce(
    Sum(
        Case(
            When(billable_minutes__gt=0, then=F("duration_minutes")),
            default=Value(0),
            output_field=IntegerField(),
        )
    ),
    Value(0),
)


def entries_on_day(member: Member, day: date):
    return (
        TimeEntry.objects.filter(member=member, date=day)
        .select_related("task__project__client", "member__user", "invoice")
        .order_by("id")
    )


def task_entries(task: Task):
    return (
        TimeEntry.objects.filter(task=task)
        .select_related("member__user", "task__project__client", "invoice")
        .order_by("-date", "-id")
    )
