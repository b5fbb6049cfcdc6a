"""Tempo v4 payloads (`GET /4/worklogs` results) → `NormalizedWorklog` (PRODUCT §3.1). A payload
that cannot be read raises `MalformedWorklog` and is quarantined."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from core.units import seconds_to_minutes

from ..models import WorklogSource
from ..worklog import MalformedWorklog, NormalizedWorklog, parse_timestamp


def payload_worklog_id(raw) -> str:
    """The tempoWorklogId of a payload, even of one that cannot be read otherwise ("" if none)."""
    value = raw.get("tempoWorklogId") if isinstance(raw, dict) else None
    return str(value) if isinstance(value, int | str) and str(value).isdigit() else ""


def _tempo_id(value, field: str, example: str) -> str:
    """Tempo sends ids as JSON integers; numeric strings are accepted too."""
    if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).isdigit():
        raise MalformedWorklog(
            f"'{field}' is missing or not an integer id: {value!r} (e.g. {example})."
        )
    return str(int(value))


def _tempo_seconds(payload: dict, field: str, *, required: bool) -> int | None:
    value = payload.get(field)
    if value is None and not required:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < (1 if required else 0):
        kind = "a positive" if required else "a non-negative"
        raise MalformedWorklog(
            f"'{field}' must be {kind} integer number of seconds (e.g. 3600), got {value!r}."
        )
    return value


def parse_tempo_datetime(value, field: str) -> datetime:
    """Tempo's UTC stamps: `2017-02-06T16:41:41.000Z` or `2025-03-10T08:00:00Z` (a stamp
    without an offset is UTC, as the API documents)."""
    parsed = parse_timestamp(value, field, "2025-03-10T08:15:22Z")
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).astimezone(UTC)


def tempo_worklog(payload, *, jira_worklog_id: str | None = None) -> NormalizedWorklog:
    """A Tempo v4 worklog (`GET /4/worklogs` result). The start date and time are the worker's
    own, taken as given; `started_at` is `startDateTimeUtc`. Billable minutes come from
    `billableSeconds` (0: not billable; absent: the project decides)."""
    if not isinstance(payload, dict):
        raise MalformedWorklog(f"A worklog must be a JSON object, got {type(payload).__name__}.")
    worklog_id = _tempo_id(payload.get("tempoWorklogId"), "tempoWorklogId", "5501")
    issue = payload.get("issue")
    if not isinstance(issue, dict):
        raise MalformedWorklog("'issue' is missing; expected {\"id\": 10042}.")
    issue_id = _tempo_id(issue.get("id"), "issue.id", "10042")
    author = payload.get("author")
    if not isinstance(author, dict) or not author.get("accountId"):
        raise MalformedWorklog("'author.accountId' is missing; every worklog needs its author.")
    seconds = _tempo_seconds(payload, "timeSpentSeconds", required=True)
    billable_seconds = _tempo_seconds(payload, "billableSeconds", required=False)
    try:
        local_date = date.fromisoformat(str(payload.get("startDate") or ""))
    except ValueError:
        raise MalformedWorklog(
            f"'startDate' is missing or not a date: {payload.get('startDate')!r} (expected e.g. 2025-03-10)."
        ) from None
    local_time = None
    if payload.get("startTime"):
        try:
            local_time = time.fromisoformat(str(payload["startTime"])).replace(microsecond=0)
        except ValueError:
            raise MalformedWorklog(
                f"'startTime' is not a time: {payload['startTime']!r} (expected e.g. 09:00:00)."
            ) from None
    started_at = (
        parse_tempo_datetime(payload["startDateTimeUtc"], "startDateTimeUtc")
        if payload.get("startDateTimeUtc")
        else None
    )
    description = payload.get("description") or ""
    if not isinstance(description, str):
        raise MalformedWorklog(f"'description' must be text, got {type(description).__name__}.")
    return NormalizedWorklog(
        source=WorklogSource.TEMPO,
        worklog_id=worklog_id,
        issue_id=issue_id,
        author_account_id=str(author["accountId"]),
        author_display_name="",  # Tempo gives none; Jira is asked for unknown authors
        author_timezone=None,
        started_at=started_at,
        local_date=local_date,
        local_time=local_time,
        duration_minutes=seconds_to_minutes(seconds),
        description=description.strip(),
        updated_at=parse_tempo_datetime(
            payload.get("updatedAt") or payload.get("createdAt"), "updatedAt"
        ),
        # Converted once, like the duration; 0 stays 0 (seconds_to_minutes never returns 0).
        billable_base_minutes=None
        if billable_seconds is None
        else (seconds_to_minutes(billable_seconds) if billable_seconds else 0),
        jira_worklog_id=jira_worklog_id,
    )
