"""Activities with their adjustments and their one `field` time entry, written together.

Locks are taken in the one order of the project: client rows, then activity rows, then the
time entry (inside timetracking's services)."""

from dataclasses import dataclass, field
from datetime import date, time

from django.db import transaction

from clients.models import Task
from timetracking.models import Member, Source
from timetracking.services import (
    EntryChanges,
    EntryError,
    create_entry,
    delete_entry,
    lock_clients,
    update_entry,
)

from ..models import PersonAdjustment, WorkActivity
from ..selectors import breakdown_of, field_rounding, is_read_only

MAX_CREW = 500
MAX_MINUTES = 7 * 24 * 60


class ActivityError(EntryError):
    """A refusal of field work, shown as it is (the API maps `status`: 400, 403, 409)."""


class ActivityInvalid(ActivityError):
    status = 400


class ActivityLocked(ActivityError):
    status = 409


class ActivityForbidden(ActivityError):
    status = 403


@dataclass(frozen=True)
class AdjustmentInput:
    person: str
    minutes: int
    note: str = ""


@dataclass
class ActivityInput:
    """Everything an activity is made of; allocated minutes None keep what is stored (0 when new)."""

    task: Task
    lead: Member
    on_date: date
    start_time: time
    end_time: time
    crew_size: int = 1
    break_minutes: int = 0
    non_billable_minutes: int = 0
    travel_minutes: int = 0
    allocated_break_minutes: int | None = None
    allocated_travel_minutes: int | None = None
    adjustments: list[AdjustmentInput] = field(default_factory=list)


def activity_errors(data: ActivityInput) -> dict[str, str]:
    """What is wrong with `data`, by field (the one check for pages, API and CSV import)."""
    errors: dict[str, str] = {}
    if data.end_time <= data.start_time:
        errors["end_time"] = (
            "End time must be after the start time on the same day, e.g. start 08:00, end 16:30."
        )
    if not 1 <= data.crew_size <= MAX_CREW:
        errors["crew_size"] = f"Crew size must be a whole number from 1 to {MAX_CREW}, e.g. 3."
    for name in (
        "break_minutes",
        "non_billable_minutes",
        "travel_minutes",
        "allocated_break_minutes",
        "allocated_travel_minutes",
    ):
        value = getattr(data, name)
        if value is not None and not 0 <= value <= MAX_MINUTES:
            errors[name] = (
                f"{name.replace('_', ' ').capitalize()} must be 0 to {MAX_MINUTES} minutes, e.g. 30."
            )
    for adjustment in data.adjustments:
        if not adjustment.person.strip():
            errors["adjustments"] = "Each adjustment needs a person, e.g. Andrea 2:25."
        elif abs(adjustment.minutes) > 100 * 60:
            errors["adjustments"] = "An adjustment is at most 100 hours either way, e.g. -0:30."
    return errors


def lock_activity(activity_id: int) -> WorkActivity:
    return (
        WorkActivity.objects.select_for_update(of=("self",))
        .select_related("task__project", "lead__user", "time_entry")
        .get(pk=activity_id)
    )


def _refuse_if_read_only(activity: WorkActivity) -> None:
    if is_read_only(activity):
        entry = activity.time_entry
        raise ActivityLocked(
            f"This activity's time is on invoice {entry.invoice or entry.invoice_id}; "
            "billed and invoiced activities cannot be changed."
        )


def _description(activity: WorkActivity) -> str:
    crew = f"crew of {activity.crew_size}" if activity.crew_size != 1 else "1 person"
    return f"Field work {activity.start_time:%H:%M}–{activity.end_time:%H:%M}, {crew}"


def _sync_entry(activity: WorkActivity, *, by) -> None:
    """The activity's billable minutes as its one `field` time entry (none when ≤ 0)."""
    minutes = activity.billable_minutes
    entry = activity.time_entry
    if entry is not None and minutes <= 0:
        activity.time_entry = None
        activity.save(update_fields=["time_entry"])
        delete_entry(entry, by=by, from_source=True)
        return
    if minutes <= 0:
        return
    if entry is None:
        activity.time_entry = create_entry(
            task=activity.task,
            member=activity.lead,
            on_date=activity.date,
            duration_minutes=minutes,
            description=_description(activity),
            start_time=activity.start_time,
            source=Source.FIELD,
            by=by,
            billable_base_minutes=minutes,
            use_plan=False,
        )
        activity.save(update_fields=["time_entry"])
        return
    activity.time_entry = update_entry(
        entry,
        EntryChanges(
            task=activity.task,
            member=activity.lead,
            on_date=activity.date,
            duration_minutes=minutes,
            description=_description(activity),
            start_time=activity.start_time,
            billable_base_minutes=minutes,
        ),
        by=by,
        from_source=True,
        use_plan=False,
    )


def recompute(activity: WorkActivity, *, by, rounding: str | None = None) -> None:
    activity.billable_minutes = breakdown_of(
        activity, field_rounding() if rounding is None else rounding
    ).billable_minutes
    activity.save()
    _sync_entry(activity, by=by)


def _apply_input(activity: WorkActivity, data: ActivityInput) -> None:
    activity.task = data.task
    activity.lead = data.lead
    activity.date = data.on_date
    activity.start_time = data.start_time
    activity.end_time = data.end_time
    activity.crew_size = data.crew_size
    activity.break_minutes = data.break_minutes
    activity.non_billable_minutes = data.non_billable_minutes
    activity.travel_minutes = data.travel_minutes
    if data.allocated_break_minutes is not None:
        activity.allocated_break_minutes = data.allocated_break_minutes
    if data.allocated_travel_minutes is not None:
        activity.allocated_travel_minutes = data.allocated_travel_minutes


def _check(data: ActivityInput) -> None:
    errors = activity_errors(data)
    if errors:
        name, message = next(iter(errors.items()))
        raise ActivityInvalid(message, name)


@transaction.atomic
def create_activity(data: ActivityInput, *, by=None) -> WorkActivity:
    _check(data)
    lock_clients(data.task.project.client_id)
    activity = WorkActivity(created_by=by if getattr(by, "pk", None) else None)
    _apply_input(activity, data)
    activity.save()
    PersonAdjustment.objects.bulk_create(
        PersonAdjustment(activity=activity, person=a.person.strip(), minutes=a.minutes, note=a.note)
        for a in data.adjustments
    )
    recompute(activity, by=by)
    return activity


@transaction.atomic
def update_activity(activity: WorkActivity, data: ActivityInput, *, by=None) -> WorkActivity:
    """Replace an activity's inputs and adjustments; its entry follows in the same transaction."""
    _check(data)
    lock_clients(activity.task.project.client_id, data.task.project.client_id)
    current = lock_activity(activity.pk)
    _refuse_if_read_only(current)
    _apply_input(current, data)
    current.adjustments.all().delete()
    PersonAdjustment.objects.bulk_create(
        PersonAdjustment(activity=current, person=a.person.strip(), minutes=a.minutes, note=a.note)
        for a in data.adjustments
    )
    recompute(current, by=by)
    return current


def input_of(activity: WorkActivity) -> ActivityInput:
    """An activity as input, for partial updates (API PATCH)."""
    return ActivityInput(
        task=activity.task,
        lead=activity.lead,
        on_date=activity.date,
        start_time=activity.start_time,
        end_time=activity.end_time,
        crew_size=activity.crew_size,
        break_minutes=activity.break_minutes,
        non_billable_minutes=activity.non_billable_minutes,
        travel_minutes=activity.travel_minutes,
        allocated_break_minutes=activity.allocated_break_minutes,
        allocated_travel_minutes=activity.allocated_travel_minutes,
        adjustments=[
            AdjustmentInput(row.person, row.minutes, row.note) for row in activity.adjustments.all()
        ],
    )


@transaction.atomic
def delete_activity(activity: WorkActivity, *, by=None) -> None:
    lock_clients(activity.task.project.client_id)
    current = lock_activity(activity.pk)
    _refuse_if_read_only(current)
    entry = current.time_entry
    current.delete()
    if entry is not None:
        delete_entry(entry, by=by, from_source=True)
