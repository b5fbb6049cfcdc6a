"""Client summaries, hour banks and unbilled time (seed 001) of the JSON API."""

import datetime as dt
from typing import Literal

from django.http import HttpRequest
from ninja import Field, Query, Schema
from pydantic import BaseModel

from clients.api_auth import READER_AUTH, STAFF_AUTH
from clients.models import Client
from clients.selectors import get_client_for_user, visible_clients
from core.api import (
    READ_ERRORS,
    PageQuery,
    api_user,
    datetime_text,
    hours_number,
    money_text,
    paginate,
    paginated,
)

from ..balances import balance_of, with_balances
from ..selectors import consumption_history, request_breakdown, unbilled_time
from .common import PeriodQuery, check_period, router


class ClientSummaryOut(Schema):
    id: int
    code: str
    name: str
    currency: str
    purchased_hours: float
    consumed_hours: float
    remaining_hours: float
    purchased_minutes: int
    consumed_minutes: int
    remaining_minutes: int
    at_risk: bool
    runout_date: dt.date | None


# The rows of /hours are plain pydantic models: a ninja Schema wraps every row it validates in
# an attribute getter meant for model instances, a third of the time of a big client's response.
class RequestOut(BaseModel):
    task_id: int
    jira_issue_key: str | None
    summary: str
    minutes: int
    hours: float


class HistoryOut(BaseModel):
    at: str = Field(description="ISO 8601 UTC, e.g. 2026-03-02T14:05:00Z")
    kind: Literal["created", "updated", "deleted", "purchase", "correction", "expiry", "adjustment"]
    entry_id: int | None
    minutes_delta: int
    description: str


class ClientHoursOut(ClientSummaryOut):
    requests: list[RequestOut]
    history: list[HistoryOut]


def client_summary(client: Client) -> dict:
    balance = balance_of(client)
    return {
        "id": client.pk,
        "code": client.code,
        "name": client.name,
        "currency": client.currency,
        "purchased_hours": hours_number(balance.purchased_minutes),
        "consumed_hours": hours_number(balance.consumed_minutes),
        "remaining_hours": hours_number(balance.remaining_minutes),
        "purchased_minutes": balance.purchased_minutes,
        "consumed_minutes": balance.consumed_minutes,
        "remaining_minutes": balance.remaining_minutes,
        "at_risk": balance.at_risk,
        "runout_date": balance.runout_date,
    }


@router.get(
    "/clients",
    response={200: paginated(ClientSummaryOut), **READ_ERRORS},
    auth=READER_AUTH,
    tags=["clients"],
)
def list_clients(request: HttpRequest, paging: Query[PageQuery]):
    """Client summaries with hour-bank balances, ordered by code (client users: their own)."""
    user = api_user(request)
    clients = with_balances(visible_clients(user)).order_by("code", "id")
    return paginate(request, clients, paging, client_summary)


@router.get(
    "/clients/{id}",
    response={200: ClientSummaryOut, **READ_ERRORS},
    auth=READER_AUTH,
    tags=["clients"],
)
def get_client(request: HttpRequest, id: int):
    user = api_user(request)
    return client_summary(get_client_for_user(user, id))


@router.get(
    "/clients/{id}/hours",
    response={200: ClientHoursOut, **READ_ERRORS},
    auth=READER_AUTH,
    tags=["clients"],
)
def client_hours(request: HttpRequest, id: int):
    """Summary, per-request breakdown and the latest 100 hour-bank changes, newest first."""
    user = api_user(request)
    client = get_client_for_user(user, id)
    requests = [
        {
            "task_id": row.task_id,
            "jira_issue_key": row.jira_issue_key,
            "summary": row.summary,
            "minutes": row.minutes,
            "hours": hours_number(row.minutes),
        }
        for row in request_breakdown(client)
    ]
    history = [
        {
            "at": datetime_text(row.at),
            "kind": row.kind,
            "entry_id": row.entry_id,
            "minutes_delta": row.minutes_delta,
            "description": row.description,
        }
        for row in consumption_history(client, limit=100)
    ]
    return {**client_summary(client), "requests": requests, "history": history}


class UnbilledEntryOut(Schema):
    id: int
    date: dt.date
    member: str
    task: str
    jira_issue_key: str | None
    minutes: int
    billable_minutes: int
    rate: str | None
    value: str | None


class UnbilledProjectOut(Schema):
    project_id: int
    name: str
    minutes: int
    billable_minutes: int
    value: str
    entries: list[UnbilledEntryOut]


class UnbilledTimeOut(Schema):
    client_id: int
    date_from: dt.date | None = Field(None, alias="from")
    date_to: dt.date | None = Field(None, alias="to")
    currency: str
    total_minutes: int
    total_billable_minutes: int
    total_value: str
    projects: list[UnbilledProjectOut]


@router.get(
    "/clients/{id}/unbilled-time",
    response={200: UnbilledTimeOut, **READ_ERRORS},
    by_alias=True,
    auth=STAFF_AUTH,
    tags=["clients"],
)
def client_unbilled_time(request: HttpRequest, id: int, period: Query[PeriodQuery]):
    """Billable entries on no invoice, grouped by project; values at each entry's rate snapshot
    (`rate`/`value` null without a rate, and then not in the totals)."""
    user = api_user(request)
    check_period(period)
    client = get_client_for_user(user, id)
    unbilled = unbilled_time(client, period.date_from, period.date_to)
    return {
        "client_id": client.pk,
        "from": unbilled.date_from,
        "to": unbilled.date_to,
        "currency": client.currency,
        "total_minutes": unbilled.total_minutes,
        "total_billable_minutes": unbilled.total_billable_minutes,
        "total_value": money_text(unbilled.total_value),
        "projects": [
            {
                "project_id": project.project_id,
                "name": project.name,
                "minutes": project.minutes,
                "billable_minutes": project.billable_minutes,
                "value": money_text(project.value),
                "entries": [
                    {
                        "id": row.entry.pk,
                        "date": row.entry.date,
                        "member": row.entry.member.user.username,
                        "task": row.entry.task.name,
                        "jira_issue_key": row.entry.task.jira_issue_key,
                        "minutes": row.entry.duration_minutes,
                        "billable_minutes": row.entry.billable_minutes,
                        "rate": money_text(row.entry.billing_rate),
                        "value": money_text(row.value),
                    }
                    for row in project.entries
                ],
            }
            for project in unbilled.projects
        ],
    }
