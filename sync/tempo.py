"""The Tempo sync (PRODUCT §3.1, §3.4): `GET /4/worklogs` → the one mapping (`sync.mapping`),
on the same run bookkeeping, locking, quarantine and triage as the Jira sync (`sync.services`).

How a run keeps the exactly-once effect:
- Tempo pages by offset, in start-date order, over a live data set, so a page cannot carry a
  cursor. Each page is applied in its own transaction under the source's `SyncState` row lock;
  the cursor (the largest `updatedAt` seen) is stored once the run's last page is applied. A run
  that stops half way leaves the old cursor, and the next run reads those pages again.
- The next run asks from cursor − 5 minutes, and worklogs are de-duplicated by
  (`tempoWorklogId`, `updatedAt`): inside a run by a table of what it applied, across runs by the
  mapping, which leaves an entry with the same update time unchanged.
- v4 has no deleted feed. A run over a date window (`sync_tempo --from/--to`, and every beat,
  "Sync now" or plain `sync_tempo` run over the last TEMPO_RECONCILE_DAYS days) deletes the entries of that window whose worklog no
  page returned, and only after every page came back without error. The window is read before
  the incremental pass, so a worklog moved out of the window meanwhile is seen by that pass;
  entries touched after the window was read are left for the next run.
- Tempo worklogs carry no Jira worklog id: the tempo-to-jira mapping fills `jira_worklog_id`,
  asked again every run until Tempo knows it, so Jira's worklog_deleted webhook finds the entry."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from timetracking.models import Source, TimeEntry
from timetracking.services import EntryError, link_source_ids

from .clients.jira import JiraClient
from .clients.tempo import TempoClient
from .mapping import (
    NormalizedWorklog,
    entry_for_worklog,
    remove_worklog,
    retire_duplicate_entry,
)
from .models import (
    DeletedWorklog,
    RunTrigger,
    SyncRun,
    SyncState,
    UnmappedWorklog,
    WorklogSource,
    empty_counts,
)
from .normalize import MalformedWorklog, tempo_worklog
from .services import (
    StageHook,
    _apply_one,
    _commit_counts,
    _guarded,
    _locked_state,
    _quarantine,
    _reevaluate_queue,
    _start_run,
    _tally,
    _with_display_names,
    jira_client,
    refresh_issues,
    sync_state,
)

logger = logging.getLogger(__name__)

TEMPO = WorklogSource.TEMPO
CURSOR_OVERLAP = timedelta(minutes=5)
MAX_JIRA_IDS_ASKED_PER_RUN = 5000  # entries still waiting for their Jira worklog id
CONFIRM_ISSUES_PER_READ = 50  # issueId parameters in one confirming read


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


def reconcile_window(today: date | None = None) -> tuple[date, date]:
    """The window every beat run reconciles: the last TEMPO_RECONCILE_DAYS days, through
    tomorrow (a worker east of the firm may already log tomorrow's date)."""
    today = today or timezone.localdate()
    return today - timedelta(days=settings.TEMPO_RECONCILE_DAYS), today + timedelta(days=1)


def cursor_updated_at(state: SyncState) -> datetime | None:
    if not state.updated_cursor:
        return None
    return datetime.fromtimestamp(state.updated_cursor / 1000, tz=UTC)


# --- reading pages ---------------------------------------------------------------------------


@dataclass
class _RunMemory:
    """What one run has read so far."""

    applied: dict[str, datetime] = field(default_factory=dict)  # tempo id → updatedAt applied
    seen: set[str] = field(default_factory=set)  # every tempo id a page returned
    quarantined: set[str] = field(default_factory=set)  # malformed ones, counted once a run
    jira_ids_asked: set[str] = field(default_factory=set)  # tempo ids asked tempo-to-jira
    jira_ids: dict[str, str] = field(default_factory=dict)  # tempo id → Jira id, as answered
    largest_updated_at: datetime | None = None


def _raw_id(raw) -> str:
    value = raw.get("tempoWorklogId") if isinstance(raw, dict) else None
    return str(value) if isinstance(value, int | str) and str(value).isdigit() else ""


def _read_pages(
    tempo: TempoClient,
    jira: JiraClient,
    run: SyncRun,
    memory: _RunMemory,
    hook: StageHook | None,
    **query,
) -> None:
    """Read every page of one `GET /4/worklogs` query and apply each page in its transaction."""
    for page in tempo.worklog_pages(**query):
        fetched, malformed = [], []
        for raw in page.results:
            worklog_id = _raw_id(raw)
            if worklog_id:
                memory.seen.add(worklog_id)
            try:
                worklog = tempo_worklog(raw)
            except MalformedWorklog as error:
                if not worklog_id or worklog_id not in memory.quarantined:
                    malformed.append((worklog_id, raw, str(error)))
                continue
            if memory.applied.get(worklog.worklog_id) == worklog.updated_at:
                continue  # the same (tempoWorklogId, updatedAt) on a shifted page
            fetched.append((worklog, raw))
        fetched = _with_jira_ids(tempo, memory, fetched)
        refresh_issues(jira, {w.issue_id for w, _ in fetched})
        fetched = _with_display_names(jira, fetched)
        if hook:
            hook("fetched", {"query": query, "offset": page.offset})

        with transaction.atomic():
            state = _locked_state(TEMPO)
            counts = empty_counts()
            counts["fetched"] += len(fetched) + len(malformed)
            for worklog_id, raw, error in malformed:
                _quarantine(TEMPO, worklog_id, raw, error)
                counts["quarantined"] += 1
            for worklog, raw in sorted(
                fetched, key=lambda pair: (pair[0].updated_at, int(pair[0].worklog_id))
            ):
                _apply_one(_adopting_jira_entry(worklog), raw, counts)
            if hook:
                hook("applied", {"query": query, "offset": page.offset})
            _commit_counts(state, run, counts)

        memory.quarantined.update(worklog_id for worklog_id, _, _ in malformed)
        for worklog, _ in fetched:
            memory.applied[worklog.worklog_id] = worklog.updated_at
            if memory.largest_updated_at is None or worklog.updated_at > memory.largest_updated_at:
                memory.largest_updated_at = worklog.updated_at


def _with_jira_ids(tempo: TempoClient, memory: _RunMemory, fetched: list) -> list:
    """Ask Tempo for the Jira worklog ids of a page, so new entries are written with both ids."""
    wanted = {w.worklog_id for w, _ in fetched} - memory.jira_ids_asked
    wanted -= set(  # entries that have their Jira id already need no question
        TimeEntry.objects.filter(
            tempo_worklog_id__in=wanted, jira_worklog_id__isnull=False
        ).values_list("tempo_worklog_id", flat=True)
    )
    if not wanted:
        return fetched
    memory.jira_ids.update(tempo.tempo_to_jira(wanted))
    memory.jira_ids_asked |= wanted
    known = memory.jira_ids
    return [
        (replace(w, jira_worklog_id=known[w.worklog_id]) if w.worklog_id in known else w, raw)
        for w, raw in fetched
    ]


def _adopting_jira_entry(worklog: NormalizedWorklog) -> NormalizedWorklog:
    """A worklog the Jira sync already brought in (the firm read Jira before): Tempo takes that
    entry over instead of writing a second one. Returns the worklog to apply."""
    if not worklog.jira_worklog_id or entry_for_worklog(TEMPO, worklog.worklog_id):
        return worklog
    holder = TimeEntry.objects.filter(jira_worklog_id=worklog.jira_worklog_id).first()
    if holder is None:
        return worklog
    if holder.tempo_worklog_id is None:
        # The handover drops Jira's update time, so Tempo's version is applied in full.
        try:
            link_source_ids(holder, tempo_worklog_id=worklog.worklog_id, source=Source.TEMPO)
        except EntryError as error:
            logger.warning("Tempo worklog %s: %s", worklog.worklog_id, error.message)
            return replace(worklog, jira_worklog_id=None)
        return worklog
    logger.warning(
        "Jira worklog %s is already on the entry of Tempo worklog %s; entry of %s written without it",
        worklog.jira_worklog_id,
        holder.tempo_worklog_id,
        worklog.worklog_id,
    )
    return replace(worklog, jira_worklog_id=None)


# --- Jira worklog ids ------------------------------------------------------------------------


def _fill_jira_ids(tempo: TempoClient, run: SyncRun, memory: _RunMemory) -> None:
    """Entries written before Tempo could map them get their Jira worklog id now (from this
    run's answers, or by asking for the ones no page of this run brought)."""
    waiting = list(
        TimeEntry.objects.filter(
            source=Source.TEMPO, tempo_worklog_id__isnull=False, jira_worklog_id__isnull=True
        )
        .order_by("-date", "-id")
        .values_list("tempo_worklog_id", flat=True)[:MAX_JIRA_IDS_ASKED_PER_RUN]
    )
    to_ask = [tempo_id for tempo_id in waiting if tempo_id not in memory.jira_ids_asked]
    if to_ask:
        memory.jira_ids.update(tempo.tempo_to_jira(to_ask))
        memory.jira_ids_asked.update(to_ask)
    known = {
        tempo_id: memory.jira_ids[tempo_id] for tempo_id in waiting if tempo_id in memory.jira_ids
    }
    if not known:
        return
    with transaction.atomic():
        state = _locked_state(TEMPO)
        counts = empty_counts()
        for tempo_id, jira_id in sorted(known.items()):
            entry = entry_for_worklog(TEMPO, tempo_id)
            if entry is None or entry.jira_worklog_id:
                continue
            holder = TimeEntry.objects.filter(jira_worklog_id=jira_id).first()
            if holder is not None:
                if holder.tempo_worklog_id is not None:
                    logger.warning(
                        "Jira worklog %s is already on the entry of Tempo worklog %s, not %s",
                        jira_id,
                        holder.tempo_worklog_id,
                        tempo_id,
                    )
                    continue
                # The Jira sync wrote this work before Tempo did: count it once.
                if retire_duplicate_entry(holder, entry):
                    counts["deleted"] += 1
                if TimeEntry.objects.filter(pk=holder.pk).exists():
                    continue  # invoiced: it stays (credited by an adjustment) and keeps the id
            try:
                link_source_ids(entry, jira_worklog_id=jira_id)
            except EntryError as error:
                logger.warning("Tempo worklog %s: %s", tempo_id, error.message)
        _commit_counts(state, run, counts)


# --- reconciling a window --------------------------------------------------------------------


def _missing_in_window(
    date_from: date, date_to: date, memory: _RunMemory, read_at: datetime
) -> dict[str, str]:
    """Tempo ids (→ Jira issue id) of entries and queued worklogs dated in the window that no
    page returned. Rows changed since the window was read, and tombstones, are left out."""
    rows = list(
        TimeEntry.objects.filter(
            tempo_worklog_id__isnull=False,
            date__range=(date_from, date_to),
            updated_at__lt=read_at,
        ).values_list("tempo_worklog_id", "task__jira_issue_id")
    )
    rows += UnmappedWorklog.objects.filter(
        # Every run re-evaluates the queue (touching its rows): judge by when a row arrived.
        source=TEMPO,
        local_date__range=(date_from, date_to),
        first_seen_at__lt=read_at,
    ).values_list("worklog_id", "issue_id")
    missing = {worklog_id: issue_id or "" for worklog_id, issue_id in rows}
    for worklog_id in memory.seen | set(
        DeletedWorklog.objects.filter(source=TEMPO, worklog_id__in=missing).values_list(
            "worklog_id", flat=True
        )
    ):
        missing.pop(worklog_id, None)
    return missing


def _reconcile(
    tempo: TempoClient,
    run: SyncRun,
    date_from: date,
    date_to: date,
    memory: _RunMemory,
    read_at: datetime,
) -> None:
    """Delete what the window no longer holds (PRODUCT §3.4): entries dated in it whose Tempo
    worklog no page returned are deleted, their hours credited (history row), or, when invoiced,
    credited by a billing adjustment. Queued worklogs that vanished leave the queue."""
    missing = _missing_in_window(date_from, date_to, memory, read_at)
    if not missing:
        return
    # Offset paging over a live data set skips an item whenever another one is deleted or moved
    # between two pages: confirm each absence with a narrow read of its issue before deleting.
    issue_ids = sorted({issue_id for issue_id in missing.values() if issue_id}, key=int)
    for start in range(0, len(issue_ids), CONFIRM_ISSUES_PER_READ):
        for page in tempo.worklog_pages(
            issue_ids=issue_ids[start : start + CONFIRM_ISSUES_PER_READ],
            date_from=date_from,
            date_to=date_to,
        ):
            memory.seen.update(filter(None, (_raw_id(raw) for raw in page.results)))
    with transaction.atomic():
        state = _locked_state(TEMPO)
        counts = empty_counts()
        for worklog_id in sorted(_missing_in_window(date_from, date_to, memory, read_at), key=int):
            _tally(counts, remove_worklog(TEMPO, worklog_id))
        _commit_counts(state, run, counts)


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
    run = _start_run(TEMPO, trigger, False, window_from=date_from, window_to=date_to)

    def work():
        memory = _RunMemory()
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
        _fill_jira_ids(tempo, run, memory)
        _reevaluate_queue(jira, run, TEMPO)
        if date_from is not None:
            # Only here, after every page of the window and of the updates came back.
            _reconcile(tempo, run, date_from, date_to, memory, read_at)

    return _guarded(run, work)


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


def _store_cursor(largest: datetime | None) -> None:
    if largest is None:
        return  # nothing read: keep the cursor
    with transaction.atomic():
        state = _locked_state(TEMPO)
        value = int(largest.timestamp() * 1000)
        if value > state.updated_cursor:  # never backwards (a concurrent run may be ahead)
            state.updated_cursor = value
            state.save(update_fields=["updated_cursor"])


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
    run = _start_run(TEMPO, RunTrigger.WEBHOOK, False)

    def work():
        _read_pages(
            tempo,
            jira,
            run,
            _RunMemory(),
            None,
            issue_ids=[issue_id],
            date_from=on_date - timedelta(days=1),
            date_to=on_date + timedelta(days=1),
        )

    return _guarded(run, work)


def delete_by_jira_worklog_id(jira_worklog_id: str, *, tempo: TempoClient | None = None) -> SyncRun:
    """A Jira worklog_deleted webhook when Tempo owns the entries: delete the entry that carries
    this Jira worklog id. An entry whose Jira id is not known yet is looked up through Tempo's
    jira-to-tempo mapping; if Tempo forgot it too, the next window reconcile finds it."""
    run = _start_run(TEMPO, RunTrigger.WEBHOOK, False)

    def work():
        entry = TimeEntry.objects.filter(jira_worklog_id=str(jira_worklog_id)).first()
        if entry is not None:
            source, worklog_id = entry.source, entry.external_id
        else:
            known = (tempo or tempo_client()).jira_to_tempo([jira_worklog_id])
            source, worklog_id = TEMPO, known.get(str(jira_worklog_id))
        if not worklog_id or source not in (Source.JIRA, Source.TEMPO):
            return
        with transaction.atomic():
            state = _locked_state(TEMPO)
            counts = empty_counts()
            _tally(counts, remove_worklog(source, worklog_id))
            _commit_counts(state, run, counts)

    return _guarded(run, work)
