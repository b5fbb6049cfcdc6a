"""Source payloads → `NormalizedWorklog` (PRODUCT §3.1): Jira's REST v3 and webhook (v2)
worklogs. A payload that cannot be read raises `MalformedWorklog` and is quarantined."""

from __future__ import annotations

import zoneinfo
from datetime import UTC, datetime

from clients.units import seconds_to_minutes

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


def parse_jira_datetime(value, field: str) -> datetime:
    """`2025-03-10T09:00:00.000+0100` (offset without a colon; any offset) → aware datetime."""
    if not isinstance(value, str) or not value:
        raise MalformedWorklog(
            f"'{field}' is missing; expected a timestamp such as 2025-03-10T09:00:00.000+0100."
        )
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise MalformedWorklog(
            f"'{field}' is not a timestamp: {value!r} (expected e.g. 2025-03-10T09:00:00.000+0100)."
        ) from None
    if parsed.tzinfo is None:
        raise MalformedWorklog(
            f"'{field}' has no UTC offset: {value!r} (expected e.g. 2025-03-10T09:00:00.000+0100)."
        )
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
