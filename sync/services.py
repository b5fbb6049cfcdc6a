"""The Jira sync (PRODUCT §3): feeds → worklogs → issue metadata → mapping, exactly once.

How exactly-once holds:
- every write of a source runs in a transaction that first locks its `SyncState` row, so runs,
  webhook fetches and triage actions never interleave their writes;
- each page of a feed is applied together with the cursor that covers it, in one transaction;
  a crash anywhere before the commit leaves both untouched, and the next run fetches the page again;
- a run that finds the cursor moved while it was fetching (another run applied that page)
  drops what it fetched and goes on from the new cursor;
- the mapping compares each worklog with its entry (id + updated time + fields) and with the
  newest version it applied (`AppliedWorklog`), so a repeated item or a late, older snapshot
  changes nothing, and deleted worklogs leave a tombstone no late fetch can undo."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import date, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from clients.models import Project, Task
from timetracking.models import Member
from timetracking.services import EntryError

from .clients.base import SourceAuthError, SourceError
from .clients.jira import JiraClient
from .mapping import (
    ApplyResult,
    NormalizedWorklog,
    Outcome,
    apply_worklog,
    create_task_for_issue,
    link_task_to_issue,
    reevaluate_unmapped,
    remove_worklog,
)
from .models import (
    COUNT_KEYS,
    JiraIssue,
    QuarantinedWorklog,
    RunStatus,
    RunTrigger,
    SyncRun,
    SyncState,
    UnmappedWorklog,
    WebhookDelivery,
    WorklogSource,
    empty_counts,
)
from .normalize import MalformedWorklog, jira_worklog, parse_jira_datetime

logger = logging.getLogger(__name__)

# Called with (stage, details) at "fetched" (after a page's HTTP reads, before its transaction)
# and "applied" (inside the transaction, after the worklogs, before the cursor is saved). Tests
# use it to inject a crash between fetch and commit; production passes nothing.
StageHook = Callable[[str, dict], None]


WEBHOOK_DEDUPE_DAYS = 14


class SyncError(Exception):
    """A run cannot go on (configuration, a feed Jira cannot page through); `str` says why."""


# --- configuration ---------------------------------------------------------------------------


def jira_configuration_error() -> str | None:
    """Why `sync_jira` may not run here, or None when it may."""
    if settings.WORKLOG_SOURCE != WorklogSource.JIRA:
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


def sync_state(source: str = WorklogSource.JIRA) -> SyncState:
    state, _ = SyncState.objects.get_or_create(source=source)
    return state


def _locked_state(source: str) -> SyncState:
    sync_state(source)
    return SyncState.objects.select_for_update().get(source=source)


# --- counts ----------------------------------------------------------------------------------


def _tally(counts: dict, result: ApplyResult) -> None:
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


def _commit_counts(state: SyncState, run: SyncRun, counts: dict) -> None:
    """Inside the page's transaction, so the counts are exactly those of committed work."""
    if not any(counts.values()):
        return
    totals = {key: int(state.totals.get(key, 0)) + counts[key] for key in COUNT_KEYS}
    state.totals = totals
    state.save(update_fields=["totals"])
    for key in COUNT_KEYS:
        setattr(run, key, getattr(run, key) + counts[key])
    run.save(update_fields=list(COUNT_KEYS))


def _quarantine(source: str, worklog_id: str, payload, error: str) -> None:
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


def _feed_item_key(item) -> str:
    return json.dumps(item, sort_keys=True, default=str)


def _apply_one(worklog: NormalizedWorklog, raw, counts: dict) -> None:
    """Apply one worklog in a savepoint: a worklog the rules refuse is quarantined, the rest go on."""
    try:
        with transaction.atomic():
            _tally(counts, apply_worklog(worklog))
    except (EntryError, ValueError, IntegrityError) as error:
        message = getattr(error, "message", None) or str(error)
        logger.warning("Quarantined %s worklog %s: %s", worklog.source, worklog.worklog_id, message)
        _quarantine(
            worklog.source, worklog.worklog_id, raw, f"{error.__class__.__name__}: {message}"
        )
        counts["quarantined"] += 1


# --- issue metadata --------------------------------------------------------------------------


def _issue_row(issue: dict) -> dict | None:
    if not isinstance(issue, dict) or not str(issue.get("id", "")).isdigit():
        return None
    fields = issue.get("fields") or {}
    issue_type = fields.get("issuetype") or {}
    priority = fields.get("priority") or {}
    project = fields.get("project") or {}
    return {
        "key": str(issue.get("key") or "")[:64],
        "summary": str(fields.get("summary") or "")[:500],
        "issue_type": str(issue_type.get("name") or "")[:100],
        "priority": str(priority.get("name") or "")[:100],
        "priority_id": str(priority.get("id") or "")[:32],
        "project_key": str(project.get("key") or "")[:64],
        "labels": [str(label) for label in fields.get("labels") or []],
    }


def refresh_issues(client: JiraClient, issue_ids, *, force: bool = False) -> None:
    """Fetch metadata for issues not yet known, or cached longer ago than the sync interval."""
    issue_ids = {str(i) for i in issue_ids if i}
    if not issue_ids:
        return
    fresh_after = timezone.now() - timedelta(seconds=settings.JIRA_SYNC_INTERVAL_SECONDS)
    known = (
        set()
        if force
        else set(
            JiraIssue.objects.filter(
                issue_id__in=issue_ids, fetched_at__gte=fresh_after
            ).values_list("issue_id", flat=True)
        )
    )
    wanted = issue_ids - known
    if not wanted:
        return
    found = {}
    for issue in client.issues(wanted):
        row = _issue_row(issue)
        if row:
            found[str(issue["id"])] = row
    # Search is eventually consistent: ask the issue endpoint for what it did not return.
    for issue_id in wanted - set(found):
        row = _issue_row(client.issue(issue_id))
        if row:
            found[issue_id] = row
    fetched_at = timezone.now()
    with transaction.atomic():
        for issue_id, row in found.items():
            JiraIssue.objects.update_or_create(
                issue_id=issue_id, defaults={**row, "fetched_at": fetched_at}
            )


# --- runs ------------------------------------------------------------------------------------


def _start_run(source: str, trigger: str, full: bool, **window) -> SyncRun:
    sync_state(source)
    SyncState.objects.filter(source=source).update(last_run_at=timezone.now())
    return SyncRun.objects.create(source=source, trigger=trigger, full=full, **window)


def _finish_run(run: SyncRun, *, error: str = "", auth_failed: bool = False) -> SyncRun:
    now = timezone.now()
    with transaction.atomic():
        state = _locked_state(run.source)
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
            # Jira retries a delivery for hours, not weeks: older identifiers can go.
            WebhookDelivery.objects.filter(
                received_at__lt=now - timedelta(days=WEBHOOK_DEDUPE_DAYS)
            ).delete()
        state.save(update_fields=["last_error", "last_error_at", "healthy", "last_success_at"])
    return run


def _guarded(run: SyncRun, work: Callable[[], None]) -> SyncRun:
    """Run `work`; Jira/Tempo and sync failures end the run as failed (cursor kept), other
    exceptions are recorded and re-raised."""
    try:
        work()
    except SourceAuthError as error:
        logger.error("%s sync stopped: %s", run.get_source_display(), error)
        return _finish_run(run, error=str(error), auth_failed=True)
    except (SourceError, SyncError) as error:
        logger.error("%s sync failed: %s", run.get_source_display(), error)
        return _finish_run(run, error=str(error))
    except BaseException as error:
        _finish_run(run, error=f"Unexpected {error.__class__.__name__}: {error}")
        raise
    return _finish_run(run)


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
    run = _start_run(WorklogSource.JIRA, trigger, full)

    def work():
        _walk_feed(client, run, "updated", full=full, hook=hook)
        _walk_feed(client, run, "deleted", full=full, hook=hook)
        _reevaluate_queue(client, run)

    return _guarded(run, work)


def _walk_feed(
    client: JiraClient, run: SyncRun, feed: str, *, full: bool, hook: StageHook | None
) -> None:
    cursor_field = f"{feed}_cursor"
    since = 0 if full else getattr(sync_state(WorklogSource.JIRA), cursor_field)
    applied_at: dict[str, int] = {}  # worklog id → updatedTime applied by this run
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
            for raw in client.worklogs(item.worklog_id for item in fresh):
                try:
                    fetched.append((jira_worklog(raw), raw))
                except MalformedWorklog as error:
                    malformed.append((raw, str(error)))
            refresh_issues(client, {worklog.issue_id for worklog, _ in fetched})
            fetched = _with_display_names(client, fetched)
        if hook:
            hook("fetched", {"feed": feed, "since": since, "page": page})

        with transaction.atomic():
            state = _locked_state(WorklogSource.JIRA)
            stored = getattr(state, cursor_field)
            if not full and stored != since:
                # Another run applied this page while we fetched it: go on from its cursor.
                since = stored
                continue
            counts = empty_counts()
            counts["fetched"] += len(fetched) + len(malformed) + len(bad_items)
            for raw, error in malformed:
                worklog_id = str(raw.get("id", "")) if isinstance(raw, dict) else ""
                _quarantine(WorklogSource.JIRA, worklog_id, raw, error)
                counts["quarantined"] += 1
            for bad in bad_items.values():
                logger.warning("Quarantined a Jira %s feed item: %s", feed, bad.error)
                _quarantine(WorklogSource.JIRA, bad.worklog_id, bad.item, bad.error)
                counts["quarantined"] += 1
            for worklog, raw in sorted(
                fetched, key=lambda pair: (pair[0].updated_at, int(pair[0].worklog_id))
            ):
                _apply_one(worklog, raw, counts)
            if feed == "deleted":
                for item in fresh:
                    _tally(counts, remove_worklog(WorklogSource.JIRA, item.worklog_id))
            if hook:
                hook("applied", {"feed": feed, "since": since, "page": page})
            # The next cursor is this page's `until`; an empty page keeps the old one.
            new_cursor = page.until if page.has_items and page.until is not None else since
            setattr(state, cursor_field, max(stored, new_cursor) if full else new_cursor)
            state.save(update_fields=[cursor_field])
            _commit_counts(state, run, counts)

        for item in fresh:
            applied_at[item.worklog_id] = item.updated_time
        quarantined_items.update(bad_items)
        if page.last_page:
            return
        since = page.until


def _with_display_names(client: JiraClient, fetched: list) -> list:
    """An unknown author without a display name is looked up once (`GET /user`), so the
    placeholder user gets a readable name."""
    missing = {w.author_account_id for w, _ in fetched if not w.author_display_name}
    missing -= set(
        Member.objects.filter(jira_account_id__in=missing).values_list("jira_account_id", flat=True)
    )
    names = {}
    for account_id in missing:
        user = client.user(account_id) or {}
        names[account_id] = str(user.get("displayName") or "")
    if not names:
        return fetched
    return [
        (
            replace(w, author_display_name=names.get(w.author_account_id, ""))
            if not w.author_display_name
            else w,
            raw,
        )
        for w, raw in fetched
    ]


def _reevaluate_queue(client: JiraClient, run: SyncRun, source: str = WorklogSource.JIRA) -> None:
    """Every run re-evaluates the triage queue: a link made meanwhile turns it into entries."""
    issue_ids = set(
        UnmappedWorklog.objects.filter(source=source).values_list("issue_id", flat=True)
    )
    if not issue_ids:
        return
    refresh_issues(client, issue_ids)
    with transaction.atomic():
        state = _locked_state(source)
        counts = empty_counts()
        for result in reevaluate_unmapped(source):
            if result.outcome != Outcome.UNMAPPED:  # still queued: counted when it was fetched
                _tally(counts, result)
        _commit_counts(state, run, counts)


# --- single worklogs (webhooks) ------------------------------------------------------------


def fetch_jira_worklog(
    issue_id: str, worklog_id: str, *, client: JiraClient | None = None
) -> SyncRun:
    """Fetch and apply just one worklog (a worklog_created/updated webhook)."""
    client = client or jira_client()
    run = _start_run(WorklogSource.JIRA, RunTrigger.WEBHOOK, False)

    def work():
        raw = client.worklog(issue_id, worklog_id)
        if raw is None:
            return  # gone or hidden: only a delete event or the deleted feed deletes
        counts = empty_counts()
        counts["fetched"] = 1
        try:
            worklog = jira_worklog(raw)
        except MalformedWorklog as error:
            with transaction.atomic():
                state = _locked_state(WorklogSource.JIRA)
                _quarantine(WorklogSource.JIRA, str(worklog_id), raw, str(error))
                counts["quarantined"] += 1
                _commit_counts(state, run, counts)
            return
        refresh_issues(client, {worklog.issue_id})
        ((worklog, raw),) = _with_display_names(client, [(worklog, raw)])
        with transaction.atomic():
            state = _locked_state(WorklogSource.JIRA)
            _apply_one(worklog, raw, counts)
            _commit_counts(state, run, counts)

    return _guarded(run, work)


def delete_jira_worklog(worklog_id: str) -> SyncRun:
    """A worklog_deleted webhook: delete by id, no fetch."""
    run = _start_run(WorklogSource.JIRA, RunTrigger.WEBHOOK, False)

    def work():
        with transaction.atomic():
            state = _locked_state(WorklogSource.JIRA)
            counts = empty_counts()
            _tally(counts, remove_worklog(WorklogSource.JIRA, str(worklog_id)))
            _commit_counts(state, run, counts)

    return _guarded(run, work)


# --- triage ----------------------------------------------------------------------------------


class TriageError(ValueError):
    """A triage action that cannot be done; the message says why."""


def map_issue(
    *, issue_id: str, task: Task | None = None, project: Project | None = None
) -> SyncRun:
    """Link a queued issue to an existing task, or create its task under a project, then
    re-evaluate that issue's queued worklogs right away."""
    if (task is None) == (project is None):
        raise TriageError("Choose either a task or a project for this issue.")
    queued = UnmappedWorklog.objects.filter(issue_id=issue_id)
    first = queued.order_by("id").first()
    if first is None:
        raise TriageError(f"No queued worklog is on Jira issue {issue_id} any more.")
    issue = JiraIssue.objects.filter(issue_id=issue_id).first() or JiraIssue(
        issue_id=issue_id,
        key=first.issue_key,
        summary=first.issue_key or f"Jira issue {issue_id}",
        fetched_at=timezone.now(),
    )
    sources = sorted(set(queued.values_list("source", flat=True)))
    # One transaction: a refused link leaves no run, no task and no entry behind.
    with transaction.atomic():
        states = {source: _locked_state(source) for source in sources}
        run = SyncRun.objects.create(
            source=sources[0],
            trigger=RunTrigger.TRIAGE,
            status=RunStatus.SUCCEEDED,
            finished_at=timezone.now(),
        )
        try:
            if task is not None:
                link_task_to_issue(task, issue)
            else:
                create_task_for_issue(project, issue)
        except ValueError as error:
            raise TriageError(str(error)) from error
        for source, state in states.items():
            counts = empty_counts()
            for result in reevaluate_unmapped(source, {issue_id}):
                _tally(counts, result)
            _commit_counts(state, run, counts)
    return run


# --- webhook ---------------------------------------------------------------------------------

WORKLOG_EVENTS = ("worklog_created", "worklog_updated", "worklog_deleted")


def verify_jira_signature(secret: str, body: bytes, header: str | None) -> bool:
    """`X-Hub-Signature: sha256=<hex HMAC-SHA256 of the raw body>`, compared in constant time.
    No secret configured means nothing is trusted."""
    if not secret or not header or not header.startswith("sha256="):
        return False
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, header.removeprefix("sha256=").strip().lower())


class WebhookRejected(ValueError):
    """A signed body that is not a worklog event Hourbank can act on (400)."""


class WebhookNotQueued(RuntimeError):
    """The broker refused the job (503): the delivery is forgotten so Jira's retry counts."""


def _enqueue_delivery(identifier: str, send) -> None:
    """Publish after commit; if the broker is down, forget the delivery so that Jira's retry
    of the same X-Atlassian-Webhook-Identifier is not taken for a duplicate."""

    def publish():
        try:
            send()
        except Exception as error:  # noqa: BLE001 - any publish failure means "not queued"
            WebhookDelivery.objects.filter(identifier=identifier).delete()
            raise WebhookNotQueued(
                f"The job queue is unavailable ({error.__class__.__name__}); Jira will retry the delivery."
            ) from error

    transaction.on_commit(publish)


@transaction.atomic
def accept_jira_webhook(body: bytes, delivery_id: str | None) -> str:
    """Record the delivery and enqueue the fetch (or delete) after commit. Returns what was
    done: "queued", "duplicate" (a repeated delivery) or "ignored" (another event)."""
    try:
        event = json.loads(body)
    except ValueError as error:
        raise WebhookRejected(
            f'The body is not JSON ({error}); Jira sends e.g. {{"webhookEvent": "worklog_created", "worklog": {{…}}}}.'
        ) from None
    if not isinstance(event, dict):
        raise WebhookRejected("The body must be a JSON object with 'webhookEvent' and 'worklog'.")
    kind = str(event.get("webhookEvent") or "")
    identifier = (delivery_id or "").strip()[:200] or "sha256:" + hashlib.sha256(body).hexdigest()
    worklog = event.get("worklog") if isinstance(event.get("worklog"), dict) else {}
    worklog_id = str(worklog.get("id") or "")
    _, created = WebhookDelivery.objects.get_or_create(
        identifier=identifier, defaults={"event": kind[:64], "worklog_id": worklog_id[:32]}
    )
    if not created:
        return "duplicate"
    if kind not in WORKLOG_EVENTS:
        return "ignored"
    issue_id = str(worklog.get("issueId") or "")
    if not worklog_id.isdigit() or (kind != "worklog_deleted" and not issue_id.isdigit()):
        raise WebhookRejected(
            f'A {kind} event needs worklog.id and worklog.issueId (numeric strings such as "31003").'
        )

    from . import tasks  # tasks import this module; import late to avoid the cycle

    if settings.WORKLOG_SOURCE == WorklogSource.TEMPO:
        # Tempo owns the entries (PRODUCT §3.1): fetch that issue's Tempo worklogs around the
        # worklog's day, or delete the entry that carries this Jira worklog id.
        if kind == "worklog_deleted":
            _enqueue_delivery(identifier, lambda: tasks.delete_tempo_worklog.delay(worklog_id))
        else:
            started = _webhook_start_date(worklog, kind)
            _enqueue_delivery(
                identifier,
                lambda: tasks.fetch_tempo_worklogs.delay(issue_id, started.isoformat()),
            )
        return "queued"
    if kind == "worklog_deleted":
        _enqueue_delivery(identifier, lambda: tasks.delete_jira_worklog.delay(worklog_id))
    else:
        _enqueue_delivery(identifier, lambda: tasks.fetch_jira_worklog.delay(issue_id, worklog_id))
    return "queued"


def _webhook_start_date(worklog: dict, kind: str) -> date:
    """The day a webhook's worklog started, as written (the Tempo fetch widens it by a day on
    each side, since Tempo files worklogs under the worker's own date)."""
    try:
        return parse_jira_datetime(worklog.get("started"), "worklog.started").date()
    except MalformedWorklog as error:
        raise WebhookRejected(
            f"Worklogs come from Tempo here, so a {kind} event needs the worklog's start: {error}"
        ) from None


def enqueue_sync_now(source: str = WorklogSource.JIRA) -> None:
    """The status page's "Sync now": a run on the worker, after the request's transaction."""
    from . import tasks

    task = tasks.sync_tempo if source == WorklogSource.TEMPO else tasks.sync_jira
    transaction.on_commit(lambda: task.delay(trigger=RunTrigger.MANUAL))
