"""The one sync engine's bookkeeping (PRODUCT §3): run lifecycle, the source lock, counts and
quarantine, and the page transaction both feeds apply their worklogs in.

How exactly-once holds:
- every write of a source runs in a transaction that first locks its `SyncState` row, so runs,
  webhook fetches and triage actions never interleave their writes;
- a feed applies each page in one `page_transaction`, together with the cursor that covers it
  (Jira) or before it stores the cursor at the end of the run (Tempo); a crash anywhere before
  the commit leaves both untouched, and the next run fetches the page again;
- the mapping compares each worklog with its entry (id + updated time + fields) and with the
  newest version it applied (`AppliedWorklog`), so a repeated item or a late, older snapshot
  changes nothing, and deleted worklogs leave a tombstone no late fetch can undo."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from timetracking.services import EntryError

from .clients.base import SourceAuthError, SourceError
from .liveness import beat, mark_interrupted_runs, this_holder
from .mapping import ApplyResult, Outcome, apply_worklog
from .models import (
    COUNT_KEYS,
    QuarantinedWorklog,
    RunStatus,
    RunTrigger,
    SyncRun,
    SyncState,
    WebhookDelivery,
    empty_counts,
)
from .page_batch import apply_in_bulk
from .page_lookups import PageLookups
from .worklog import Fetched, NormalizedWorklog, page_order

logger = logging.getLogger(__name__)

# Called with (stage, details) at "fetched" (after a page's HTTP reads, before its transaction)
# and "applied" (inside the transaction, after the worklogs, before the cursor is saved). Tests
# use it to inject a crash between fetch and commit; production passes nothing.
StageHook = Callable[[str, dict], None]

# Jira retries a delivery for hours, not weeks: older delivery identifiers can go.
WEBHOOK_DEDUPE_DAYS = 14


class SyncError(Exception):
    """A run cannot go on (configuration, a feed the source cannot page through); `str` says why."""


# --- the source lock -------------------------------------------------------------------------


def sync_state(source: str) -> SyncState:
    state, _ = SyncState.objects.get_or_create(source=source)
    return state


def locked_state(source: str) -> SyncState:
    """The source's `SyncState` row, locked until the caller's transaction ends."""
    state = SyncState.objects.select_for_update().filter(source=source).first()
    if state is None:  # the first run of this source: create the row, then lock it
        sync_state(source)
        state = SyncState.objects.select_for_update().get(source=source)
    return state


# --- counts and quarantine -------------------------------------------------------------------


def tally(counts: dict, result: ApplyResult) -> None:
    if result.outcome in (
        Outcome.CREATED,
        Outcome.UPDATED,
        Outcome.DELETED,
        Outcome.IGNORED,
        Outcome.UNMAPPED,
    ):
        counts[result.outcome] += 1
    if result.entry_deleted:
        counts["deleted"] += 1


def commit_counts(state: SyncState, run: SyncRun, counts: dict) -> None:
    """Inside the page's transaction, so the counts are exactly those of committed work."""
    if not any(counts.values()):
        return
    totals = {key: int(state.totals.get(key, 0)) + counts[key] for key in COUNT_KEYS}
    state.totals = totals
    state.save(update_fields=["totals"])
    for key in COUNT_KEYS:
        setattr(run, key, getattr(run, key) + counts[key])
    run.save(update_fields=list(COUNT_KEYS))


def quarantine(source: str, worklog_id: str, payload, error: str) -> None:
    """Record (or count again) a payload that could not be read; one row per worklog id, or,
    without an id, per identical payload, so re-reading it on every run adds no rows."""
    same = {"worklog_id": worklog_id} if worklog_id else {"worklog_id": "", "payload": payload}
    row = QuarantinedWorklog.objects.filter(source=source, **same).first()
    if row is None:
        QuarantinedWorklog.objects.create(
            source=source, worklog_id=worklog_id, payload=payload, error=error[:2000]
        )
    else:
        row.payload, row.error, row.times_seen = payload, error[:2000], row.times_seen + 1
        row.save(update_fields=["payload", "error", "times_seen", "last_seen_at"])


# --- the page transaction --------------------------------------------------------------------


@contextmanager
def page_transaction(run: SyncRun) -> Iterator[tuple[SyncState, dict]]:
    """One page's writes: the source lock, fresh counts, and the counts committed with the work.
    Yields (locked state, counts)."""
    with transaction.atomic():
        state = locked_state(run.source)
        beat(run)
        counts = empty_counts()
        yield state, counts
        commit_counts(state, run, counts)


def quarantine_malformed(
    source: str, counts: dict, malformed: Iterable[tuple[str, object, str]]
) -> None:
    """Quarantine (worklog id, payload, error) triples a feed could not read."""
    for worklog_id, payload, error in malformed:
        logger.warning("Quarantined %s worklog %s: %s", source, worklog_id or "?", error)
        quarantine(source, worklog_id, payload, error)
        counts["quarantined"] += 1


def apply_fetched(
    counts: dict,
    fetched: Iterable[Fetched],
    prepare: Callable[[NormalizedWorklog, PageLookups], NormalizedWorklog] | None = None,
) -> None:
    """Apply a page's worklogs oldest change first (ties by id); `prepare` lets a feed adjust a
    worklog inside the page transaction. The page's lookups are read in a few queries; new and
    unchanged worklogs are applied in bulk (`page_batch`), the rest one by one, each in its own
    savepoint. After a worklog is refused (its savepoint rolled back), the rest of the page reads
    one by one, since objects the lookups hold may have been changed in memory."""
    ordered = sorted(fetched, key=page_order)
    if not ordered:
        return
    lookups = PageLookups.read(ordered[0][0].source, [worklog for worklog, _ in ordered])
    if prepare:
        ordered = [(prepare(worklog, lookups), raw) for worklog, raw in ordered]
    rest, holds = apply_in_bulk(counts, ordered, lookups)
    if not holds:
        lookups = None
    for worklog, raw in rest:
        if not apply_one(worklog, raw, counts, lookups):
            lookups = None


def apply_one(
    worklog: NormalizedWorklog, raw, counts: dict, lookups: PageLookups | None = None
) -> bool:
    """Apply one worklog in a savepoint: a worklog the rules refuse is quarantined (False), the
    rest go on."""
    try:
        with transaction.atomic():
            tally(counts, apply_worklog(worklog, lookups))
    except (EntryError, ValueError, IntegrityError) as error:
        message = getattr(error, "message", None) or str(error)
        logger.warning("Quarantined %s worklog %s: %s", worklog.source, worklog.worklog_id, message)
        quarantine(
            worklog.source, worklog.worklog_id, raw, f"{error.__class__.__name__}: {message}"
        )
        counts["quarantined"] += 1
        return False
    return True


# --- run lifecycle ---------------------------------------------------------------------------


def start_run(source: str, trigger: str, full: bool = False, **window) -> SyncRun:
    sync_state(source)
    mark_interrupted_runs(source)
    now = timezone.now()
    SyncState.objects.filter(source=source).update(last_run_at=now)
    return SyncRun.objects.create(
        source=source, trigger=trigger, full=full, heartbeat_at=now, holder=this_holder(), **window
    )


def finish_run(run: SyncRun, *, error: str = "", auth_failed: bool = False) -> SyncRun:
    now = timezone.now()
    with transaction.atomic():
        state = locked_state(run.source)
        run.status = RunStatus.FAILED if error else RunStatus.SUCCEEDED
        run.error = error
        run.finished_at = now
        run.save(update_fields=["status", "error", "finished_at"])
        if error:
            state.last_error, state.last_error_at = error, now
            if auth_failed:
                state.healthy = False
        elif run.trigger != RunTrigger.WEBHOOK:
            # A webhook fetch proves little about the feeds; only polling runs clear the error.
            state.last_success_at, state.healthy, state.last_error = now, True, ""
            WebhookDelivery.objects.filter(
                received_at__lt=now - timedelta(days=WEBHOOK_DEDUPE_DAYS)
            ).delete()
        state.save(update_fields=["last_error", "last_error_at", "healthy", "last_success_at"])
    return run


def guarded(run: SyncRun, work: Callable[[], None]) -> SyncRun:
    """Run `work`; Jira/Tempo and sync failures end the run as failed (cursor kept), other
    exceptions are recorded and re-raised."""
    try:
        work()
    except SourceAuthError as error:
        logger.error("%s sync stopped: %s", run.get_source_display(), error)
        return finish_run(run, error=str(error), auth_failed=True)
    except (SourceError, SyncError) as error:
        logger.error("%s sync failed: %s", run.get_source_display(), error)
        return finish_run(run, error=str(error))
    except BaseException as error:
        finish_run(run, error=f"Unexpected {error.__class__.__name__}: {error}")
        raise
    return finish_run(run)
