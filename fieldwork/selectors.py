"""Reads of field work: who sees which activity, a day's list, the figures of one activity."""

from dataclasses import dataclass
from datetime import date

from django.shortcuts import get_object_or_404

from clients.models import FirmSettings
from clients.selectors import visible_clients, visible_tasks
from timetracking.models import Member

from .models import WorkActivity
from .rules import Billable, billable_breakdown


def visible_activities(user):
    return (
        WorkActivity.objects.filter(task__project__client__in=visible_clients(user))
        .select_related("task__project__client", "lead__user", "time_entry__invoice")
        .prefetch_related("adjustments")
    )


def get_activity_for_user(user, activity_id) -> WorkActivity:
    return get_object_or_404(visible_activities(user), pk=activity_id)


def activities_of_day(user, on_date: date, client_id: int | None = None):
    activities = visible_activities(user).filter(date=on_date)
    if client_id is not None:
        activities = activities.filter(task__project__client_id=client_id)
    return activities.order_by("start_time", "id")


def field_rounding() -> str:
    return FirmSettings.current().field_rounding


def breakdown_of(activity: WorkActivity, rounding: str) -> Billable:
    """The formula's figures for an activity (its adjustments prefetched or saved)."""
    return billable_breakdown(
        start_time=activity.start_time,
        end_time=activity.end_time,
        crew_size=activity.crew_size,
        adjustment_minutes=[row.minutes for row in activity.adjustments.all()],
        break_minutes=activity.break_minutes,
        allocated_break_minutes=activity.allocated_break_minutes,
        non_billable_minutes=activity.non_billable_minutes,
        allocated_travel_minutes=activity.allocated_travel_minutes,
        rounding=rounding,
    )


def is_read_only(activity: WorkActivity) -> bool:
    """Billed or invoiced: its entry is on an invoice (draft or later) or locked."""
    entry = activity.time_entry
    return entry is not None and (entry.locked or entry.invoice_id is not None)


@dataclass(frozen=True)
class ActivityRow:
    activity: WorkActivity
    figures: Billable
    read_only: bool


def activity_rows(activities, rounding: str) -> list[ActivityRow]:
    return [
        ActivityRow(activity, breakdown_of(activity, rounding), is_read_only(activity))
        for activity in activities
    ]


def task_choices(user):
    return (
        visible_tasks(user)
        .select_related("project__client")
        .order_by("project__client__code", "project__code", "name")
    )


def lead_choices():
    return Member.objects.filter(is_placeholder=False).select_related("user")
