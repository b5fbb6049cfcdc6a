"""The Jira feed (PRODUCT §3.1): the updated and deleted worklog feeds (REST v3) and single
webhook fetches in, `NormalizedWorklog`s out, applied by the engine (`sync.runs`).

The updated feed gives ids and update times; the worklogs are then read in batches. Each page is
applied in one transaction together with the cursor that covers it; a run that finds the cursor
moved while it was fetching (another run applied that page) drops what it fetched and goes on from
the new cursor."""

from __future__ import annotations

import functools
import json
import logging
import zoneinfo
from datetime import UTC, datetime

from django.conf import settings

from core.units import seconds_to_minutes

from ..clients.jira import JiraClient
from ..issues import refresh_issues, with_display_names
from ..mapping import remove_worklog
from ..models import RunTrigger, SyncRun, WorklogSource
from ..runs import (
    StageHook,
    SyncError,
    apply_fetched,
    guarded,
    page_transaction,
    quarantine_malformed,
    start_run,
    sync_state,
    tally,
)
from ..triage import reevaluate_queue
from ..worklog import MalformedWorklog, NormalizedWorklog, parse_timestamp

logger = logging.getLogger(__name__)

JIRA = WorklogSource.JIRA

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


def parse_jira_datetime(value, field: str) -> datetime:
    """`2025-03-10T09:00:00.000+0100` (offset without a colon; any offset) → aware datetime."""
    example = "2025-03-10T09:00:00.000+0100"
    parsed = parse_timestamp(value, field, example)
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
    simple = _paragraphs_of_text(comment)
    if simple is not None:
        return simple
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


def _paragraphs_of_text(doc: dict) -> str | None:
    """The text of the usual worklog comment, paragraphs of plain text nodes, as the walk in
    `adf_to_text` reads it but without its calls per node (a sync parses 100,000 of them);
    None for any other shape, which the walk reads."""
    if doc.get("type") != "doc" or "text" in doc:
        return None
    lines = []
    for block in doc.get("content") or []:
        if not isinstance(block, dict) or block.get("type") != "paragraph" or "text" in block:
            return None
        parts = []
        for node in block.get("content") or []:
            if not isinstance(node, dict) or node.get("type") != "text" or node.get("content"):
                return None
            parts.append(str(node.get("text", "")))
        text = "".join(parts).strip()
        if text:
            lines.append(text)
    return "\n".join(lines)


def _timezone(name):
    if not name or not isinstance(name, str):
        return None
    return _zone(name)


@functools.lru_cache(maxsize=256)
def _zone(name: str):
    """A zone by name, or None; looked up once per name (every worklog carries one)."""
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
        source=JIRA,
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


# --- configuration ---------------------------------------------------------------------------


def jira_configuration_error() -> str | None:
    """Why `sync_jira` may not run here, or None when it may."""
    if settings.WORKLOG_SOURCE != JIRA:
        return (
            f"WORKLOG_SOURCE is '{settings.WORKLOG_SOURCE}': this firm reads worklogs from Tempo, so run "
            "sync_tempo instead (or set WORKLOG_SOURCE=jira to read them from Jira)."
        )
    if not settings.JIRA_BASE_URL:
        return (
            "Jira is not configured: set JIRA_BASE_URL (e.g. https://yourfirm.atlassian.net), "
            "JIRA_EMAIL and JIRA_API_TOKEN."
        )
    return None


def jira_client(**options) -> JiraClient:
    return JiraClient(
        settings.JIRA_BASE_URL, settings.JIRA_EMAIL, settings.JIRA_API_TOKEN, **options
    )


# --- runs ------------------------------------------------------------------------------------


def _feed_item_key(item) -> str:
    return json.dumps(item, sort_keys=True, default=str)


def run_jira_sync(
    *,
    full: bool = False,
    trigger: str = RunTrigger.MANUAL,
    client: JiraClient | None = None,
    hook: StageHook | None = None,
) -> SyncRun:
    """One run: the updated feed, the deleted feed, then the triage queue. Returns the run
    (status, error and counts); a failure keeps every cursor at the last committed page."""
    client = client or jira_client()
    run = start_run(JIRA, trigger, full)

    def work():
        _walk_feed(client, run, "updated", full=full, hook=hook)
        _walk_feed(client, run, "deleted", full=full, hook=hook)
        reevaluate_queue(client, run)

    return guarded(run, work)


def read_worklogs(client: JiraClient, worklog_ids) -> tuple[list, list]:
    """Read worklogs by id: (worklog, payload) pairs, and (id, payload, error) of unreadable ones,
    with issue metadata and authors' names cached for the mapping."""
    fetched, malformed = [], []
    for raw in client.worklogs(worklog_ids):
        try:
            fetched.append((jira_worklog(raw), raw))
        except MalformedWorklog as error:
            worklog_id = str(raw.get("id", "")) if isinstance(raw, dict) else ""
            malformed.append((worklog_id, raw, str(error)))
    refresh_issues(client, {worklog.issue_id for worklog, _ in fetched})
    return with_display_names(client, fetched), malformed


def _repeatable(applied_at: dict[str, int], since: int) -> dict[str, int]:
    """The applied items a page from `since` on can still return: a feed page holds only items
    updated at or after its `since`, and `since` never moves back within a run."""
    return {worklog_id: at for worklog_id, at in applied_at.items() if at >= since}


def _walk_feed(
    client: JiraClient, run: SyncRun, feed: str, *, full: bool, hook: StageHook | None
) -> None:
    cursor_field = f"{feed}_cursor"
    since = 0 if full else getattr(sync_state(JIRA), cursor_field)
    # Worklog id → updatedTime applied by this run, for the items the next page can repeat only
    # (`since` is inclusive): kept for the whole run, it grew with every worklog (issue 13).
    applied_at: dict[str, int] = {}
    # Malformed feed items quarantined by this run: a boundary item repeats on the next page.
    quarantined_items: set[str] = set()
    while True:
        page = client.changed_worklogs(feed, since)
        if page.has_items and not page.last_page and (page.until is None or page.until <= since):
            raise SyncError(
                f"1000 or more worklogs in Jira's {feed} feed share the time {since} (epoch ms), so the feed "
                "cannot page past them; the run stopped instead of looping. Spread those worklogs' update times "
                "(edit one of them) or run sync_jira --full after Jira settles."
            )
        # `since` is inclusive: the boundary item of the previous page comes back; skip it.
        fresh = [
            item for item in page.values if applied_at.get(item.worklog_id, -1) < item.updated_time
        ]
        bad_items = {
            _feed_item_key(bad.item): bad
            for bad in page.malformed
            if _feed_item_key(bad.item) not in quarantined_items
        }
        fetched, malformed = [], []
        if feed == "updated" and fresh:
            fetched, malformed = read_worklogs(client, (item.worklog_id for item in fresh))
        malformed += [(bad.worklog_id, bad.item, bad.error) for bad in bad_items.values()]
        if hook:
            hook("fetched", {"feed": feed, "since": since, "page": page})

        with page_transaction(run) as (state, counts):
            stored = getattr(state, cursor_field)
            if not full and stored != since:
                # Another run applied this page while we fetched it: go on from its cursor.
                since = stored
                continue
            counts["fetched"] += len(fetched) + len(malformed)
            quarantine_malformed(JIRA, counts, malformed)
            apply_fetched(counts, fetched)
            if feed == "deleted":
                for item in fresh:
                    tally(counts, remove_worklog(JIRA, item.worklog_id))
            if hook:
                hook("applied", {"feed": feed, "since": since, "page": page})
            # The next cursor is this page's `until`; an empty page keeps the old one.
            new_cursor = page.until if page.has_items and page.until is not None else since
            setattr(state, cursor_field, max(stored, new_cursor) if full else new_cursor)
            state.save(update_fields=[cursor_field])

        for item in fresh:
            applied_at[item.worklog_id] = item.updated_time
        quarantined_items.update(bad_items)
        if page.last_page:
            return
        since = page.until
        applied_at = _repeatable(applied_at, since)


# --- single worklogs (webhooks) ------------------------------------------------------------


def fetch_jira_worklog(
    issue_id: str, worklog_id: str, *, client: JiraClient | None = None
) -> SyncRun:
    """Fetch and apply just one worklog (a worklog_created/updated webhook)."""
    client = client or jira_client()
    run = start_run(JIRA, RunTrigger.WEBHOOK)

    def work():
        raw = client.worklog(issue_id, worklog_id)
        if raw is None:
            return  # gone or hidden: only a delete event or the deleted feed deletes
        try:
            fetched = [(jira_worklog(raw), raw)]
        except MalformedWorklog as error:
            with page_transaction(run) as (_, counts):
                counts["fetched"] += 1
                quarantine_malformed(JIRA, counts, [(str(worklog_id), raw, str(error))])
            return
        refresh_issues(client, {fetched[0][0].issue_id})
        fetched = with_display_names(client, fetched)
        with page_transaction(run) as (_, counts):
            counts["fetched"] += 1
            apply_fetched(counts, fetched)

    return guarded(run, work)


def delete_jira_worklog(worklog_id: str) -> SyncRun:
    """A worklog_deleted webhook: delete by id, no fetch."""
    run = start_run(JIRA, RunTrigger.WEBHOOK)

    def work():
        with page_transaction(run) as (_, counts):
            tally(counts, remove_worklog(JIRA, str(worklog_id)))

    return guarded(run, work)
