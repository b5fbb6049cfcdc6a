"""The Tempo feed (PRODUCT §3.1, §3.4): `GET /4/worklogs` pages in, `NormalizedWorklog`s out,
applied by the engine (`sync.runs`) with the same mapping, locking, quarantine and triage as the
Jira feed.

How a run keeps the exactly-once effect:
- Tempo pages by offset, in start-date order, over a live data set, so a page cannot carry a
  cursor. Each page is applied in its own page transaction; the cursor (the largest `updatedAt`
  seen) is stored once the run's last page is applied. A run that stops half way leaves the old
  cursor, and the next run reads those pages again.
- The next run asks from cursor − 5 minutes, and worklogs are de-duplicated by
  (`tempoWorklogId`, `updatedAt`): inside a run by a table of what it applied, across runs by the
  mapping, which leaves an entry with the same update time unchanged.
- v4 has no deleted feed: every beat, "Sync now" or plain `sync_tempo` run reads and reconciles
  a date window (`sync.feeds.tempo_reconcile`).
- Jira worklog ids are filled through Tempo's mapping (`sync.feeds.tempo_jira_ids`)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from timetracking.models import Source, TimeEntry

from ..clients.jira import JiraClient
from ..clients.tempo import TempoClient
from ..issues import refresh_issues, with_display_names
from ..mapping import remove_worklog
from ..models import RunTrigger, SyncRun, SyncState, WorklogSource
from ..runs import (
    StageHook,
    apply_fetched,
    guarded,
    locked_state,
    page_transaction,
    quarantine_malformed,
    start_run,
    sync_state,
    tally,
)
from ..triage import reevaluate_queue
from ..worklog import MalformedWorklog
from .jira import jira_client
from .tempo_jira_ids import JiraIdAnswers, adopting_jira_entry, fill_jira_ids, with_jira_ids
from .tempo_payloads import payload_worklog_id, tempo_worklog
from .tempo_reconcile import reconcile, reconcile_window

logger = logging.getLogger(__name__)

TEMPO = WorklogSource.TEMPO
CURSOR_OVERLAP = timedelta(minutes=5)


# --- configuration ---------------------------------------------------------------------------


def tempo_configuration_error() -> str | None:
    """Why `sync_tempo` may not run here, or None when it may."""
    if settings.WORKLOG_SOURCE != TEMPO:
        return (
            f"WORKLOG_SOURCE is '{settings.WORKLOG_SOURCE}': this firm reads worklogs from Jira, so run "
            "sync_jira instead (or set WORKLOG_SOURCE=tempo to read them from Tempo)."
        )
    if not settings.TEMPO_API_TOKEN:
        return (
            "Tempo is not configured: set TEMPO_API_TOKEN (Tempo → Settings → API integration) and, "
            "outside the default region, TEMPO_BASE_URL (e.g. https://api.eu.tempo.io)."
        )
    if not settings.JIRA_BASE_URL:
        return (
            "The Tempo sync reads issue details and author names from Jira: set JIRA_BASE_URL "
            "(e.g. https://yourfirm.atlassian.net), JIRA_EMAIL and JIRA_API_TOKEN."
        )
    return None


def tempo_client(**options) -> TempoClient:
    return TempoClient(settings.TEMPO_BASE_URL, settings.TEMPO_API_TOKEN, **options)


def cursor_updated_at(state: SyncState) -> datetime | None:
    if not state.updated_cursor:
        return None
    return datetime.fromtimestamp(state.updated_cursor / 1000, tz=UTC)


# --- reading pages ---------------------------------------------------------------------------


@dataclass
class RunMemory:
    """What one run has read so far."""

    applied: dict[str, datetime] = field(default_factory=dict)  # tempo id → updatedAt applied
    # The same as sent (payload id → its `updatedAt` text): a page of the updates pass repeats
    # most of the window's worklogs, and this skips them before they are parsed.
    applied_stamps: dict[str, str] = field(default_factory=dict)
    seen: set[str] = field(default_factory=set)  # every tempo id a page returned
    quarantined: set[str] = field(default_factory=set)  # malformed ones, counted once a run
    jira_ids: JiraIdAnswers = field(default_factory=JiraIdAnswers)
    largest_updated_at: datetime | None = None


def _stamp(raw) -> str | None:
    """The update time a payload was parsed from (`tempo_worklog`), as sent."""
    return raw.get("updatedAt") or raw.get("createdAt") if isinstance(raw, dict) else None


def _read_pages(
    tempo: TempoClient,
    jira: JiraClient,
    run: SyncRun,
    memory: RunMemory,
    hook: StageHook | None,
    **query,
) -> None:
    """Read every page of one `GET /4/worklogs` query and apply each page in its transaction."""
    for page in tempo.worklog_pages(**query):
        fetched, malformed = [], []
        for raw in page.results:
            worklog_id = payload_worklog_id(raw)
            if worklog_id:
                memory.seen.add(worklog_id)
                if memory.applied_stamps.get(worklog_id, False) == _stamp(raw):
                    continue  # the same (tempoWorklogId, updatedAt) again, as sent
            try:
                worklog = tempo_worklog(raw)
            except MalformedWorklog as error:
                if not worklog_id or worklog_id not in memory.quarantined:
                    malformed.append((worklog_id, raw, str(error)))
                continue
            if memory.applied.get(worklog.worklog_id) == worklog.updated_at:
                continue  # the same (tempoWorklogId, updatedAt) on a shifted page
            fetched.append((worklog, raw))
        fetched = with_jira_ids(tempo, memory.jira_ids, fetched)
        refresh_issues(jira, {w.issue_id for w, _ in fetched})
        fetched = with_display_names(jira, fetched)
        if hook:
            hook("fetched", {"query": query, "offset": page.offset})

        with page_transaction(run) as (_, counts):
            counts["fetched"] += len(fetched) + len(malformed)
            quarantine_malformed(TEMPO, counts, malformed)
            apply_fetched(counts, fetched, prepare=adopting_jira_entry)
            if hook:
                hook("applied", {"query": query, "offset": page.offset})

        memory.quarantined.update(worklog_id for worklog_id, _, _ in malformed)
        for worklog, raw in fetched:
            memory.applied[worklog.worklog_id] = worklog.updated_at
            if stamp := _stamp(raw):
                memory.applied_stamps[payload_worklog_id(raw)] = stamp
            if memory.largest_updated_at is None or worklog.updated_at > memory.largest_updated_at:
                memory.largest_updated_at = worklog.updated_at


def _store_cursor(largest: datetime | None) -> None:
    if largest is None:
        return  # nothing read: keep the cursor
    with transaction.atomic():
        state = locked_state(TEMPO)
        value = int(largest.timestamp() * 1000)
        if value > state.updated_cursor:  # never backwards (a concurrent run may be ahead)
            state.updated_cursor = value
            state.save(update_fields=["updated_cursor"])


# --- runs ------------------------------------------------------------------------------------


def run_tempo_sync(
    *,
    date_from: date | None = None,
    date_to: date | None = None,
    trigger: str = RunTrigger.MANUAL,
    tempo: TempoClient | None = None,
    jira: JiraClient | None = None,
    hook: StageHook | None = None,
) -> SyncRun:
    """One run: the window (when given, then reconciled), the worklogs updated since the cursor,
    the Jira worklog ids still missing, and the triage queue. Returns the run."""
    if (date_from is None) != (date_to is None):
        raise ValueError(
            "Give both ends of the window (e.g. 2025-03-01 and 2025-03-31) or neither."
        )
    if date_from is not None and date_from > date_to:
        raise ValueError(f"The window starts after it ends: {date_from} > {date_to}.")
    tempo = tempo or tempo_client()
    jira = jira or jira_client()
    run = start_run(TEMPO, trigger, window_from=date_from, window_to=date_to)

    def work():
        memory = RunMemory()
        read_at = timezone.now()
        if date_from is not None:
            _read_pages(tempo, jira, run, memory, hook, date_from=date_from, date_to=date_to)
        cursor = cursor_updated_at(sync_state(TEMPO))
        _read_pages(
            tempo,
            jira,
            run,
            memory,
            hook,
            updated_from=cursor - CURSOR_OVERLAP if cursor else None,
        )
        _store_cursor(memory.largest_updated_at)
        fill_jira_ids(tempo, run, memory.jira_ids)
        reevaluate_queue(jira, run)
        if date_from is not None:
            # Only here, after every page of the window and of the updates came back.
            reconcile(tempo, run, date_from, date_to, memory.seen, read_at)

    return guarded(run, work)


def run_scheduled_tempo_sync(
    *,
    date_from: date | None = None,
    date_to: date | None = None,
    trigger: str = RunTrigger.BEAT,
) -> SyncRun:
    """The run of beat, "Sync now" and `manage.py sync_tempo`: the given window, or by default
    the last TEMPO_RECONCILE_DAYS days, read and reconciled along with the updates. The window
    read also finds what offset paging of the updates skipped (an item deleted or moved between
    two pages shifts the next one past the run, and the cursor then moves beyond it)."""
    if date_from is None and date_to is None:
        date_from, date_to = reconcile_window()
    return run_tempo_sync(date_from=date_from, date_to=date_to, trigger=trigger)


# --- single worklogs (webhooks) ------------------------------------------------------------


def fetch_tempo_worklogs(
    issue_id: str,
    on_date: date,
    *,
    tempo: TempoClient | None = None,
    jira: JiraClient | None = None,
) -> SyncRun:
    """A Jira worklog_created/updated webhook when Tempo owns the entries: read that issue's
    Tempo worklogs around the worklog's day and apply them (no deletions: a fetch this narrow
    proves nothing about what is gone)."""
    tempo = tempo or tempo_client()
    jira = jira or jira_client()
    run = start_run(TEMPO, RunTrigger.WEBHOOK)

    def work():
        _read_pages(
            tempo,
            jira,
            run,
            RunMemory(),
            None,
            issue_ids=[issue_id],
            date_from=on_date - timedelta(days=1),
            date_to=on_date + timedelta(days=1),
        )

    return guarded(run, work)


def delete_by_jira_worklog_id(jira_worklog_id: str, *, tempo: TempoClient | None = None) -> SyncRun:
    """A Jira worklog_deleted webhook when Tempo owns the entries: delete the entry that carries
    this Jira worklog id. An entry whose Jira id is not known yet is looked up through Tempo's
    jira-to-tempo mapping; if Tempo forgot it too, the next window reconcile finds it."""
    run = start_run(TEMPO, RunTrigger.WEBHOOK)

    def work():
        entry = TimeEntry.objects.filter(jira_worklog_id=str(jira_worklog_id)).first()
        if entry is not None:
            source, worklog_id = entry.source, entry.external_id
        else:
            known = (tempo or tempo_client()).jira_to_tempo([jira_worklog_id])
            source, worklog_id = TEMPO, known.get(str(jira_worklog_id))
        if not worklog_id or source not in (Source.JIRA, Source.TEMPO):
            return
        with page_transaction(run) as (_, counts):
            tally(counts, remove_worklog(source, worklog_id))

    return guarded(run, work)
