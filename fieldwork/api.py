"""JSON API of field work (INTERFACES §3): work activities, and travel and break allocation of a
day. Staff and up; client users get 403. Thin: reads from selectors, writes from services."""

import datetime as dt
import re
from typing import Annotated

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from pydantic import AfterValidator, BeforeValidator, ConfigDict

from clients.api_auth import STAFF_AUTH
from clients.selectors import visible_tasks
from core.api import (
    READ_ERRORS,
    WRITE_ERRORS,
    ApiInputError,
    Id,
    PageQuery,
    Text,
    api_user,
    hours_number,
    paginate,
    paginated,
    time_text,
)
from timetracking.models import Member

from .models import WorkActivity
from .rules import format_adjustment, parse_adjustment
from .selectors import (
    activities_of_day,
    breakdown_of,
    field_rounding,
    get_activity_for_user,
    visible_activities,
)
from .selectors import is_read_only as activity_is_read_only
from .services import (
    ActivityInput,
    AdjustmentInput,
    activity_errors,
    allocate_breaks,
    allocate_travel,
    create_activity,
    delete_activity,
    input_of,
    update_activity,
)

router = Router(auth=STAFF_AUTH, tags=["work activities"])

MAX_MINUTES = 7 * 24 * 60
_CLOCK = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)(:00)?$")


def _whole_minutes(value):
    # JSON true or 1.5 are not minutes; the message names what is accepted.
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_MINUTES:
        raise ValueError(f"Use whole minutes from 0 to {MAX_MINUTES}, e.g. 30")
    return value


def _crew(value):
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 500:
        raise ValueError("Use the number of people from 1 to 500, e.g. 3")
    return value


def _clock(value):
    match = _CLOCK.match(value) if isinstance(value, str) else None
    if match is None:
        raise ValueError("Use the local time as HH:MM, e.g. 08:00")
    return dt.time(int(match.group(1)), int(match.group(2)))


Minutes = Annotated[int, BeforeValidator(_whole_minutes)]
CrewSize = Annotated[int, BeforeValidator(_crew)]
Clock = Annotated[dt.time, BeforeValidator(_clock)]


def _person(value: str) -> str:
    if not value.strip():
        raise ValueError("Name the person of the adjustment, e.g. Andrea")
    return value.strip()


def _adjustment_text(value: str) -> str:
    parse_adjustment(value)  # ValueError carries the accepted format
    return value.strip()


class AdjustmentIn(Schema):
    model_config = ConfigDict(extra="forbid")

    person: Annotated[Text, AfterValidator(_person)] = Field(max_length=100, examples=["Andrea"])
    adjustment: Annotated[str, AfterValidator(_adjustment_text)] = Field(
        description="Signed H:MM", examples=["2:25", "-0:30"]
    )
    note: Text = Field("", max_length=200)


class ActivityIn(Schema):
    model_config = ConfigDict(extra="forbid")

    task_id: Id
    lead: Text = Field(description="The lead member's username: the time entry is theirs")
    date: dt.date
    start_time: Clock = Field(description="HH:MM")
    end_time: Clock = Field(description="HH:MM, after start_time")
    crew_size: CrewSize = 1
    break_minutes: Minutes = 0
    non_billable_minutes: Minutes = 0
    travel_minutes: Minutes = Field(0, description="Raw travel: stored, not billed")
    allocated_break_minutes: Minutes | None = None
    allocated_travel_minutes: Minutes | None = None
    adjustments: list[AdjustmentIn] = Field(default_factory=list, max_length=100)


class ActivityPatch(Schema):
    model_config = ConfigDict(extra="forbid")

    task_id: Id | None = None
    lead: Text | None = None
    date: dt.date | None = None
    start_time: Clock | None = None
    end_time: Clock | None = None
    crew_size: CrewSize | None = None
    break_minutes: Minutes | None = None
    non_billable_minutes: Minutes | None = None
    travel_minutes: Minutes | None = None
    allocated_break_minutes: Minutes | None = None
    allocated_travel_minutes: Minutes | None = None
    adjustments: list[AdjustmentIn] | None = Field(None, max_length=100)


class DayIn(Schema):
    model_config = ConfigDict(extra="forbid")

    date: dt.date


class ActivityFilters(Schema):
    date: dt.date | None = Field(None, description="YYYY-MM-DD")
    client: Id | None = Field(None, description="Client id")


class AdjustmentOut(Schema):
    person: str
    adjustment: str
    note: str


class ActivityOut(Schema):
    id: int
    task_id: int
    client_id: int
    lead: str
    date: dt.date
    start_time: str
    end_time: str
    crew_size: int
    break_minutes: int
    non_billable_minutes: int
    travel_minutes: int
    allocated_break_minutes: int
    allocated_travel_minutes: int
    adjustments: list[AdjustmentOut]
    total_minutes: int
    adjusted_total_minutes: int
    billable_minutes: int
    billable_hours: float
    time_entry_id: int | None
    locked: bool


def activity_json(activity: WorkActivity, rounding: str) -> dict:
    figures = breakdown_of(activity, rounding)
    return {
        "id": activity.pk,
        "task_id": activity.task_id,
        "client_id": activity.task.project.client_id,
        "lead": activity.lead.user.username,
        "date": activity.date,
        "start_time": time_text(activity.start_time),
        "end_time": time_text(activity.end_time),
        "crew_size": activity.crew_size,
        "break_minutes": activity.break_minutes,
        "non_billable_minutes": activity.non_billable_minutes,
        "travel_minutes": activity.travel_minutes,
        "allocated_break_minutes": activity.allocated_break_minutes,
        "allocated_travel_minutes": activity.allocated_travel_minutes,
        "adjustments": [
            {"person": row.person, "adjustment": format_adjustment(row.minutes), "note": row.note}
            for row in activity.adjustments.all()
        ],
        "total_minutes": figures.total_minutes,
        "adjusted_total_minutes": figures.adjusted_total_minutes,
        "billable_minutes": activity.billable_minutes,
        "billable_hours": hours_number(activity.billable_minutes),
        "time_entry_id": activity.time_entry_id,
        "locked": activity_is_read_only(activity),
    }


def _fresh(user, activity_id: int) -> dict:
    return activity_json(get_activity_for_user(user, activity_id), field_rounding())


# --- Input → service input --------------------------------------------------------------------


def _apply(user, data: ActivityInput, payload: ActivityIn | ActivityPatch) -> ActivityInput:
    """Overlay the payload's given fields on `data`; every bad field is reported at once."""
    errors: dict[str, list[str]] = {}
    given = payload.model_dump(exclude_unset=True)
    if given.get("task_id") is not None:
        task = (
            visible_tasks(user).select_related("project__client").filter(pk=payload.task_id).first()
        )
        if task is None:
            errors["task_id"] = [
                f"No task has id {payload.task_id}; use the id of a task from /api/v1/tasks, e.g. 12."
            ]
        else:
            data.task = task
    if given.get("lead") is not None:
        lead = Member.objects.select_related("user").filter(user__username=payload.lead).first()
        if lead is None:
            errors["lead"] = [
                f"No member has the username {payload.lead!r}; use a member's login name, e.g. 'alice'."
            ]
        else:
            data.lead = lead
    for name in ("start_time", "end_time"):
        if given.get(name) is not None:
            setattr(data, name, getattr(payload, name))
    if given.get("date") is not None:
        data.on_date = payload.date
    for name in (
        "crew_size",
        "break_minutes",
        "non_billable_minutes",
        "travel_minutes",
        "allocated_break_minutes",
        "allocated_travel_minutes",
    ):
        if name in given and given[name] is not None:
            setattr(data, name, given[name])
    if given.get("adjustments") is not None:
        data.adjustments = [
            AdjustmentInput(row.person.strip(), parse_adjustment(row.adjustment), row.note)
            for row in payload.adjustments
        ]
    if errors:
        raise ApiInputError(errors)
    for name, message in activity_errors(data).items():
        errors[name] = [message]
    if errors:
        raise ApiInputError(errors)
    return data


# --- Endpoints --------------------------------------------------------------------------------


@router.get("/work-activities", response={200: paginated(ActivityOut), **READ_ERRORS})
def list_activities(
    request: HttpRequest, filters: Query[ActivityFilters], paging: Query[PageQuery]
):
    """Work activities, newest date first, then by start time; `date` and `client` filter."""
    user = api_user(request)
    activities = visible_activities(user)
    if filters.date is not None:
        activities = activities_of_day(user, filters.date, filters.client)
    elif filters.client is not None:
        activities = activities.filter(task__project__client_id=filters.client)
    rounding = field_rounding()
    rows = activities.order_by("-date", "start_time", "id")
    return paginate(request, rows, paging, lambda activity: activity_json(activity, rounding))


@router.post("/work-activities", response={201: ActivityOut, **WRITE_ERRORS})
def create_work_activity(request: HttpRequest, payload: ActivityIn):
    """Create an activity; its billable minutes become one `field` entry of the lead."""
    user = api_user(request)
    blank = ActivityInput(
        task=None,
        lead=None,
        on_date=payload.date,
        start_time=payload.start_time,
        end_time=payload.end_time,
    )
    data = _apply(user, blank, payload)
    activity = create_activity(data, by=user)
    return Status(201, _fresh(user, activity.pk))


def _day_json(user, activities) -> list[dict]:
    rounding = field_rounding()
    fresh = visible_activities(user).filter(pk__in=[a.pk for a in activities])
    return [activity_json(a, rounding) for a in fresh.order_by("start_time", "id")]


@router.post("/work-activities/allocate-travel", response={200: list[ActivityOut], **WRITE_ERRORS})
def allocate_day_travel(request: HttpRequest, payload: DayIn):
    """Spread the day's travel over its unbilled activities by adjusted total minutes."""
    user = api_user(request)
    return _day_json(user, allocate_travel(payload.date, by=user))


@router.post("/work-activities/allocate-break", response={200: list[ActivityOut], **WRITE_ERRORS})
def allocate_day_breaks(request: HttpRequest, payload: DayIn):
    """Redistribute the day's breaks over its unbilled activities by billable minutes."""
    user = api_user(request)
    return _day_json(user, allocate_breaks(payload.date, by=user))


@router.get("/work-activities/{id}", response={200: ActivityOut, **READ_ERRORS})
def get_work_activity(request: HttpRequest, id: int):
    return _fresh(api_user(request), id)


@router.patch("/work-activities/{id}", response={200: ActivityOut, **WRITE_ERRORS})
def patch_work_activity(request: HttpRequest, id: int, payload: ActivityPatch):
    """Change any input (given `adjustments` replace the list); billed or invoiced → 409."""
    user = api_user(request)
    activity = get_activity_for_user(user, id)
    data = _apply(user, input_of(activity), payload)
    update_activity(activity, data, by=user)
    return _fresh(user, id)


@router.delete("/work-activities/{id}", response={204: None, **WRITE_ERRORS})
def delete_work_activity(request: HttpRequest, id: int):
    """Delete an activity and its entry (204); billed or invoiced → 409."""
    user = api_user(request)
    delete_activity(get_activity_for_user(user, id), by=user)
    return Status(204, None)
