"""Reconciling a Tempo date window (PRODUCT §3.4). Tempo v4 has no deleted feed: a run over a
date window deletes the entries of that window whose worklog no page returned, and only after
every page came back without error. The window is read before the incremental pass, so a worklog
moved out of the window meanwhile is seen by that pass; entries touched after the window was read
are left for the next run."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.conf import settings
from django.utils import timezone

from timetracking.models import TimeEntry

from ..clients.tempo import TempoClient
from ..mapping import remove_worklog
from ..models import DeletedWorklog, SyncRun, UnmappedWorklog, WorklogSource
from ..runs import page_transaction, tally
from .tempo_payloads import payload_worklog_id

TEMPO = WorklogSource.TEMPO
CONFIRM_ISSUES_PER_READ = 50  # issueId parameters in one confirming read


def reconcile_window(today: date | None = None) -> tuple[date, date]:
    """The window every beat run reconciles: the last TEMPO_RECONCILE_DAYS days, through
    tomorrow (a worker east of the firm may already log tomorrow's date)."""
    today = today or timezone.localdate()
    return today - timedelta(days=settings.TEMPO_RECONCILE_DAYS), today + timedelta(days=1)


def _missing_in_window(
    date_from: date, date_to: date, seen: set[str], read_at: datetime
) -> dict[str, str]:
    """Tempo ids (→ Jira issue id) of entries and queued worklogs dated in the window that no
    page returned. Rows changed since the window was read, and tombstones, are left out."""
    entries = TimeEntry.objects.filter(
        tempo_worklog_id__isnull=False,
        date__range=(date_from, date_to),
        updated_at__lt=read_at,
    ).values_list("tempo_worklog_id", "task__jira_issue_id")
    queued = UnmappedWorklog.objects.filter(
        # Every run re-evaluates the queue (touching its rows): judge by when a row arrived.
        source=TEMPO,
        local_date__range=(date_from, date_to),
        first_seen_at__lt=read_at,
    ).values_list("worklog_id", "issue_id")
    # Streamed, keeping only the unseen: the window's rows are as many as its worklogs.
    missing = {
        worklog_id: issue_id or ""
        for rows in (entries, queued)
        for worklog_id, issue_id in rows.iterator(chunk_size=2000)
        if worklog_id not in seen
    }
    for worklog_id in DeletedWorklog.objects.filter(
        source=TEMPO, worklog_id__in=missing
    ).values_list("worklog_id", flat=True):
        missing.pop(worklog_id, None)
    return missing


def reconcile(
    tempo: TempoClient,
    run: SyncRun,
    date_from: date,
    date_to: date,
    seen: set[str],
    read_at: datetime,
) -> None:
    """Delete what the window no longer holds: entries dated in it whose Tempo worklog no page
    returned (`seen`, grown here by the confirming reads) are deleted, their hours credited
    (history row), or, when invoiced, credited by a billing adjustment. Queued worklogs that
    vanished leave the queue."""
    missing = _missing_in_window(date_from, date_to, seen, read_at)
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
            seen.update(filter(None, (payload_worklog_id(raw) for raw in page.results)))
    with page_transaction(run) as (_, counts):
        for worklog_id in sorted(_missing_in_window(date_from, date_to, seen, read_at), key=int):
            tally(counts, remove_worklog(TEMPO, worklog_id))
