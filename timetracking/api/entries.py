"""Time entries of the JSON API: list, read, create, change, delete."""

import datetime as dt
from enum import StrEnum
from typing import Literal

from django.http import HttpRequest
from ninja import Field, Query, Schema, Status
from ninja.errors import HttpError
from pydantic import ConfigDict, StrictInt

from clients.api_auth import STAFF_AUTH
from clients.roles import has_role
from clients.selectors import visible_tasks
from core.api import (
    READ_ERRORS,
    WRITE_ERRORS,
    ApiInputError,
    Id,
    PageQuery,
    Text,
    api_user,
    bad_input,
    money_text,
    paginate,
    paginated,
    time_text,
)
from core.units import minutes_value

from ..durations import ACCEPTED_EXAMPLE, DurationError, parse_duration
from ..models import EntryStatus, Member, TimeEntry
from ..selectors import (
    can_change_entry,
    can_log_for_others,
    entries_with_status,
    get_entry_for_user,
    member_for_user,
    visible_entries,
)
from ..services import EntryChanges, create_entry, delete_entry, update_entry
from .common import BodyFlag, BodyId, Description, PeriodQuery, check_period, router


class EntryOut(Schema):
    id: int
    task_id: int
    project_id: int
    client_id: int
    member: str = Field(description="The member's username")
    date: dt.date
    start_time: str | None = Field(description="HH:MM, the worker's local time")
    duration_minutes: int
    billable: bool
    billable_minutes: int
    description: str
    billing_rate: str | None
    billing_currency: str | None
    cost_rate: str | None = Field(description="null below the finance role")
    cost_currency: str | None = Field(description="null below the finance role")
    billable_value: str | None
    cost_value: str | None = Field(description="null below the finance role")
    source: Literal["manual", "jira", "tempo", "field"]
    external_id: str | None
    invoice_id: int | None
    status: Literal["non_billable", "unbilled", "billed", "invoiced"]
    locked: bool


def entry_json(entry: TimeEntry, *, show_cost: bool) -> dict:
    has_rate = entry.billing_rate is not None
    has_cost = show_cost and entry.cost_rate is not None
    return {
        "id": entry.pk,
        "task_id": entry.task_id,
        "project_id": entry.task.project_id,
        "client_id": entry.task.project.client_id,
        "member": entry.member.user.username,
        "date": entry.date,
        "start_time": time_text(entry.start_time),
        "duration_minutes": entry.duration_minutes,
        "billable": entry.billable,
        "billable_minutes": entry.billable_minutes,
        "description": entry.description,
        "billing_rate": money_text(entry.billing_rate),
        "billing_currency": entry.billing_currency if has_rate else None,
        "cost_rate": money_text(entry.cost_rate) if has_cost else None,
        "cost_currency": entry.cost_currency if has_cost else None,
        "billable_value": money_text(minutes_value(entry.billable_minutes, entry.billing_rate)),
        "cost_value": money_text(minutes_value(entry.duration_minutes, entry.cost_rate))
        if has_cost
        else None,
        "source": entry.source,
        "external_id": entry.external_id,
        "invoice_id": entry.invoice_id,
        "status": entry.status,
        "locked": entry.locked,
    }


def _entry_serializer(user):
    show_cost = has_role(user, "finance")
    return lambda entry: entry_json(entry, show_cost=show_cost)


class StatusFilter(StrEnum):
    unbilled = EntryStatus.UNBILLED.value
    billed = EntryStatus.BILLED.value
    invoiced = EntryStatus.INVOICED.value
    non_billable = EntryStatus.NON_BILLABLE.value


class EntryFilters(PeriodQuery):
    client: Id | None = Field(None, description="Client id")
    project: Id | None = Field(None, description="Project id")
    member: Text | None = Field(None, description="A member's username")
    status: StatusFilter | None = None


def _member_by_username(username: str, field: str = "member") -> Member:
    member = Member.objects.select_related("user").filter(user__username=username).first()
    if member is None:
        raise bad_input(
            field,
            f"No member has the username {username!r}; use a member's login name, e.g. 'alice'.",
        )
    return member


@router.get(
    "/time-entries",
    response={200: paginated(EntryOut), **READ_ERRORS},
    auth=STAFF_AUTH,
    tags=["time entries"],
)
def list_entries(request: HttpRequest, filters: Query[EntryFilters], paging: Query[PageQuery]):
    """Time entries, newest date first; `from`/`to` inclusive, `member` a username."""
    user = api_user(request)
    check_period(filters)
    entries = visible_entries(user)
    if filters.client is not None:
        entries = entries.filter(client_id=filters.client)
    if filters.project is not None:
        entries = entries.filter(task__project_id=filters.project)
    if filters.member is not None:
        entries = entries.filter(member=_member_by_username(filters.member))
    if filters.date_from is not None:
        entries = entries.filter(date__gte=filters.date_from)
    if filters.date_to is not None:
        entries = entries.filter(date__lte=filters.date_to)
    if filters.status is not None:
        entries = entries_with_status(entries, filters.status.value)
    return paginate(request, entries.order_by("-date", "-id"), paging, _entry_serializer(user))


# Strict: JSON true or 1.5 are not minutes (pydantic would read them as 1).
Duration = StrictInt | Text


class EntryIn(Schema):
    model_config = ConfigDict(extra="forbid")

    task_id: BodyId
    date: dt.date = Field(
        description="The worker's local day, YYYY-MM-DD, from 2000-01-01 to a year from today"
    )
    duration: Duration = Field(
        description=f"Text or whole minutes: {ACCEPTED_EXAMPLE}", examples=["1h 30m", 90]
    )
    billable: BodyFlag | None = Field(None, description="Default: the project's classification")
    description: Description = Field("", description="At most 10,000 characters")
    start_time: dt.time | None = Field(None, description="HH:MM")
    member: Text | None = Field(
        None, description="Username; logging for someone else needs manager or finance"
    )


class EntryPatch(Schema):
    model_config = ConfigDict(extra="forbid")

    date: dt.date | None = None
    duration: Duration | None = None
    billable: BodyFlag | None = None
    description: Description | None = None
    start_time: dt.time | None = Field(None, description="HH:MM; null clears it")
    task_id: BodyId | None = Field(None, description="Manager and up")
    member: Text | None = Field(None, description="Username; manager and up")


def _minutes(duration) -> int:
    try:
        return parse_duration(duration)
    except DurationError as error:
        raise bad_input("duration", str(error)) from None


def _local_time(value: dt.time | None, field: str = "start_time") -> dt.time | None:
    if value is not None and value.tzinfo is not None:
        raise bad_input(field, "Give the worker's local time without a timezone, e.g. 09:30.")
    return value.replace(microsecond=0) if value is not None else None


def _task(user, task_id: int):
    # A task id in a body is input, not the URL's object: an unknown one is a 400.
    task = visible_tasks(user).select_related("project__client").filter(pk=task_id).first()
    if task is None:
        raise bad_input(
            "task_id", f"No task has id {task_id}; use the id of a task from /api/v1/tasks."
        )
    return task


def _acting_member(user, username: str | None) -> Member:
    """The member the entry is for: the caller, or (manager and up) the named member."""
    if username is None or username == user.username:
        own = member_for_user(user)
        if own is None:
            raise bad_input(
                "member",
                "Your login has no member profile, so it cannot log its own time; ask a manager "
                'to add one, or (manager and up) name the member, e.g. "member": "alice".',
            )
        return own
    return _member_by_username(username)


def _collect(errors: dict, read):
    """Run one input reader, keeping its field error so all bad fields are reported at once."""
    try:
        return read()
    except ApiInputError as error:
        for name, messages in error.errors.items():
            errors.setdefault(name, []).extend(messages)
        return None


@router.post(
    "/time-entries",
    response={201: EntryOut, **WRITE_ERRORS},
    auth=STAFF_AUTH,
    tags=["time entries"],
)
def create_time_entry(request: HttpRequest, payload: EntryIn):
    """Log time. Staff log for themselves; managers and finance may name another `member`."""
    user = api_user(request)
    if payload.member not in (None, user.username) and not can_log_for_others(user):
        raise HttpError(403, "Only managers and finance may log time for someone else.")
    errors: dict[str, list[str]] = {}
    minutes = _collect(errors, lambda: _minutes(payload.duration))
    member = _collect(errors, lambda: _acting_member(user, payload.member))
    task = _collect(errors, lambda: _task(user, payload.task_id))
    start_time = _collect(errors, lambda: _local_time(payload.start_time))
    if errors:
        raise ApiInputError(errors)
    entry = create_entry(
        task=task,
        member=member,
        on_date=payload.date,
        duration_minutes=minutes,
        billable=payload.billable,
        description=payload.description,
        start_time=start_time,
        by=user,
    )
    return Status(
        201, entry_json(get_entry_for_user(user, entry.pk), show_cost=has_role(user, "finance"))
    )


@router.get(
    "/time-entries/{id}",
    response={200: EntryOut, **READ_ERRORS},
    auth=STAFF_AUTH,
    tags=["time entries"],
)
def get_time_entry(request: HttpRequest, id: int):
    user = api_user(request)
    return entry_json(get_entry_for_user(user, id), show_cost=has_role(user, "finance"))


def _ensure_can_change(user, entry: TimeEntry) -> None:
    if not can_change_entry(user, entry):
        raise HttpError(403, "Staff may change only their own entries; ask a manager.")


@router.patch(
    "/time-entries/{id}",
    response={200: EntryOut, **WRITE_ERRORS},
    auth=STAFF_AUTH,
    tags=["time entries"],
)
def patch_time_entry(request: HttpRequest, id: int, payload: EntryPatch):
    """Change an entry: `date, duration, billable, description, start_time`, and (manager and
    up) `task_id, member`. A locked entry → 409, a synced entry's source fields → 409."""
    user = api_user(request)
    entry = get_entry_for_user(user, id)
    _ensure_can_change(user, entry)
    moving_task = payload.task_id is not None and payload.task_id != entry.task_id
    moving_member = payload.member is not None and payload.member != entry.member.user.username
    if (moving_task or moving_member) and not can_log_for_others(user):
        raise HttpError(403, "Only managers and up may change an entry's task or member.")

    given = payload.model_fields_set
    errors: dict[str, list[str]] = {}
    for name in ("date", "duration", "billable", "description", "task_id", "member"):
        if name in given and getattr(payload, name) is None:
            errors[name] = [f"'{name}' cannot be null; leave it out to keep the current value."]
    changes = EntryChanges(
        on_date=payload.date,
        billable=payload.billable,
        description=payload.description if "description" in given else None,
    )
    if payload.duration is not None:
        changes.duration_minutes = _collect(errors, lambda: _minutes(payload.duration))
    if "start_time" in given:
        changes.start_time = _collect(errors, lambda: _local_time(payload.start_time))
        changes.clear_start_time = payload.start_time is None
    if moving_task:
        changes.task = _collect(errors, lambda: _task(user, payload.task_id))
    if moving_member:
        changes.member = _collect(errors, lambda: _member_by_username(payload.member))
    if errors:
        raise ApiInputError(errors)
    entry = update_entry(entry, changes, by=user)
    return entry_json(get_entry_for_user(user, entry.pk), show_cost=has_role(user, "finance"))


@router.delete(
    "/time-entries/{id}",
    response={204: None, **WRITE_ERRORS},
    auth=STAFF_AUTH,
    tags=["time entries"],
)
def delete_time_entry(request: HttpRequest, id: int):
    """Delete an entry (204). Locked by an invoice → 409; synced entries are deleted at their source."""
    user = api_user(request)
    entry = get_entry_for_user(user, id)
    _ensure_can_change(user, entry)
    delete_entry(entry, by=user)
    return Status(204, None)
