"""Timesheet rows kept per member and week, and the one save path of a timesheet cell."""

from datetime import date, timedelta

from django.db import transaction

from clients.models import Task
from core.calendar import week_start_of

from ..models import Member, TimeEntry, TimesheetRow
from .timesheet import set_timesheet_cell


def add_timesheet_rows(member: Member, week_start: date, task_ids) -> int:
    """Keep these tasks as rows of the member's week; answers how many rows were new."""
    existing = set(
        TimesheetRow.objects.filter(member=member, week_start=week_start).values_list(
            "task_id", flat=True
        )
    )
    new = [task_id for task_id in dict.fromkeys(task_ids) if task_id not in existing]
    TimesheetRow.objects.bulk_create(
        [TimesheetRow(member=member, week_start=week_start, task_id=task_id) for task_id in new],
        ignore_conflicts=True,
    )
    return len(new)


def copy_last_weeks_rows(member: Member, week_start: date) -> int:
    """Last week's rows (kept or with hours) become this week's rows, without their hours."""
    previous_start = week_start - timedelta(days=7)
    kept = TimesheetRow.objects.filter(member=member, week_start=previous_start).values_list(
        "task_id", flat=True
    )
    logged = (
        TimeEntry.objects.filter(member=member, date__gte=previous_start, date__lt=week_start)
        .order_by()
        .values_list("task_id", flat=True)
        .distinct()
    )
    return add_timesheet_rows(member, week_start, [*kept, *logged])


@transaction.atomic
def save_timesheet_cell(
    *, member: Member, task: Task, on_date: date, duration_minutes: int | None, by=None
) -> TimeEntry | None:
    """Set one cell. Its row is created if needed and locked first, so a cell saved twice at
    once (Enter, then the change event) queues; a save of the value already stored changes
    nothing, so repeating it never adds an entry or a history row."""
    week_start = week_start_of(on_date)
    TimesheetRow.objects.get_or_create(member=member, task=task, week_start=week_start)
    TimesheetRow.objects.select_for_update().get(member=member, task=task, week_start=week_start)
    entries = list(TimeEntry.objects.filter(member=member, task=task, date=on_date)[:2])
    if duration_minutes is None and not entries:
        return None
    if len(entries) == 1 and entries[0].duration_minutes == duration_minutes:
        return entries[0]
    return set_timesheet_cell(
        member=member, task=task, on_date=on_date, duration_minutes=duration_minutes, by=by
    )
