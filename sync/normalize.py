"""Source payloads → `NormalizedWorklog` (PRODUCT §3.1): Jira's REST v3 and webhook (v2)
worklogs, and Tempo's v4 worklogs. A payload that cannot be read raises `MalformedWorklog` and
is quarantined."""

from __future__ import annotations

import zoneinfo
from datetime import UTC, date, datetime, time

from core.units import seconds_to_minutes

from .mapping import NormalizedWorklog
from .models import WorklogSource

# Block nodes of Atlassian Document Format: each starts a new line of plain text.
_ADF_BLOCKS = {
    "paragraph",
    "heading",
    "blockquote",
    "codeBlock",
    "listItem",
    "tableRow",
    "panel",
    "rule",
    "mediaSingle",
}


class MalformedWorklog(ValueError):
    """The payload lacks or garbles a field the mapping needs; the message names it."""


def _parse_timestamp(value, field: str, example: str) -> datetime:
    """An ISO 8601 timestamp, or MalformedWorklog naming the field and an accepted example."""
    if not isinstance(value, str) or not value:
        raise MalformedWorklog(f"'{field}' is missing; expected a timestamp such as {example}.")
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise MalformedWorklog(
            f"'{field}' is not a timestamp: {value!r} (expected e.g. {example})."
        ) from None


def parse_jira_datetime(value, field: str) -> datetime:
    """`2025-03-10T09:00:00.000+0100` (offset without a colon; any offset) → aware datetime."""
    example = "2025-03-10T09:00:00.000+0100"
    parsed = _parse_timestamp(value, field, example)
    if parsed.tzinfo is None:
        raise MalformedWorklog(f"'{field}' has no UTC offset: {value!r} (expected e.g. {example}).")
    return parsed


def adf_to_text(comment) -> str:
    """Plain text of a Jira comment: ADF paragraphs joined by newlines; plain strings (REST v2,
    webhooks) as they are."""
    if comment is None:
        return ""
    if isinstance(comment, str):
        return comment.strip()
    if not isinstance(comment, dict):
        raise MalformedWorklog(
            f"'comment' is neither text nor an ADF document: {str(comment)[:80]!r}."
        )
    lines: list[str] = []
    current: list[str] = []

    def flush():
        text = "".join(current).strip()
        if text:
            lines.append(text)
        current.clear()

    def walk(node):
        if not isinstance(node, dict):
            return
        kind = node.get("type")
        attrs = node.get("attrs") or {}
        if kind == "text":
            current.append(str(node.get("text", "")))
        elif kind == "hardBreak":
            flush()
        elif kind in ("mention", "emoji", "status", "date"):
            current.append(str(attrs.get("text") or attrs.get("shortName") or ""))
        elif kind == "inlineCard":
            current.append(str(attrs.get("url", "")))
        for child in node.get("content") or []:
            walk(child)
        if kind in _ADF_BLOCKS:
            flush()

    walk(comment)
    flush()
    return "\n".join(lines)


def _timezone(name):
    if not name or not isinstance(name, str):
        return None
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None


def jira_worklog(payload) -> NormalizedWorklog:
    """A Jira worklog (REST v3 `worklog/list`, single fetch, or a webhook's v2 body)."""
    if not isinstance(payload, dict):
        raise MalformedWorklog(f"A worklog must be a JSON object, got {type(payload).__name__}.")
    worklog_id = str(payload.get("id") or "").strip()
    if not worklog_id.isdigit():
        raise MalformedWorklog(f"'id' is missing or not numeric: {payload.get('id')!r}.")
    issue_id = str(payload.get("issueId") or "").strip()
    if not issue_id.isdigit():
        raise MalformedWorklog(f"'issueId' is missing or not numeric: {payload.get('issueId')!r}.")
    author = payload.get("author")
    if not isinstance(author, dict) or not author.get("accountId"):
        raise MalformedWorklog("'author.accountId' is missing; every worklog needs its author.")
    seconds = payload.get("timeSpentSeconds")
    if not isinstance(seconds, int) or isinstance(seconds, bool) or seconds <= 0:
        raise MalformedWorklog(f"'timeSpentSeconds' must be a positive integer, got {seconds!r}.")
    started = parse_jira_datetime(payload.get("started"), "started")
    updated = parse_jira_datetime(payload.get("updated") or payload.get("created"), "updated")
    author_zone = _timezone(author.get("timeZone"))
    # The worker's day and clock: in the author's own zone when Jira gives it, else as written.
    local = started.astimezone(author_zone) if author_zone else started
    return NormalizedWorklog(
        source=WorklogSource.JIRA,
        worklog_id=worklog_id,
        issue_id=issue_id,
        author_account_id=str(author["accountId"]),
        author_display_name=str(author.get("displayName") or ""),
        author_timezone=author.get("timeZone") if author_zone else None,
        started_at=started.astimezone(UTC),
        local_date=local.date(),
        local_time=local.time().replace(microsecond=0, tzinfo=None),
        duration_minutes=seconds_to_minutes(seconds),
        description=adf_to_text(payload.get("comment")),
        updated_at=updated.astimezone(UTC),
    )


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
    parsed = _parse_timestamp(value, field, "2025-03-10T08:15:22Z")
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
