"""Seed 002 allocation of a day: travel by adjusted total minutes, breaks by billable minutes;
largest remainder keeps the day's totals exact. Billed activities are left as they are."""

from datetime import date

from django.db import transaction

from ..models import WorkActivity
from ..rules import Rounding, allocate
from ..selectors import breakdown_of, field_rounding, is_read_only
from .activities import lock_clients, recompute


def _day_for_update(on_date: date) -> list[WorkActivity]:
    """The day's editable activities, locked (clients first), oldest start first."""
    client_ids = WorkActivity.objects.filter(date=on_date).values_list(
        "task__project__client_id", flat=True
    )
    lock_clients(*client_ids)
    activities = (
        WorkActivity.objects.select_for_update(of=("self",))
        .filter(date=on_date)
        .select_related("task__project", "lead__user", "time_entry")
        .prefetch_related("adjustments")
        .order_by("start_time", "id")
    )
    return [activity for activity in activities if not is_read_only(activity)]


@transaction.atomic
def allocate_travel(on_date: date, *, by=None) -> list[WorkActivity]:
    """Spread the day's raw travel over its unbilled activities by adjusted total minutes."""
    activities = _day_for_update(on_date)
    rounding = field_rounding()
    weights = [breakdown_of(a, rounding).adjusted_total_minutes for a in activities]
    parts = allocate(sum(a.travel_minutes for a in activities), weights)
    for activity, minutes in zip(activities, parts, strict=True):
        activity.allocated_travel_minutes = minutes
        recompute(activity, by=by, rounding=rounding)
    return activities


@transaction.atomic
def allocate_breaks(on_date: date, *, by=None) -> list[WorkActivity]:
    """Redistribute the day's breaks over its unbilled activities by billable minutes.

    The weight is the billable time without any allocated break, so running it twice gives the
    same result (the allocated break would otherwise feed its own weights)."""
    activities = _day_for_update(on_date)
    rounding = field_rounding()
    weights = [
        breakdown_of(a, Rounding.OFF).unrounded_minutes - a.allocated_break_minutes
        for a in activities
    ]
    parts = allocate(sum(a.break_minutes for a in activities), weights)
    for activity, minutes in zip(activities, parts, strict=True):
        activity.allocated_break_minutes = minutes
        recompute(activity, by=by, rounding=rounding)
    return activities
