"""The one worklog → entry mapping (PRODUCT §3.2, §3.3, §3.6), shared by the Jira and Tempo syncs.

Input is a source-neutral `NormalizedWorklog`; issue metadata comes from the `JiraIssue` cache
(the feeds fill it before applying, `sync.issues`). Entries are written only through
`timetracking.services`. Callers hold the source's `SyncState` row lock and a transaction, so
applying the same worklog twice, or concurrently, has the effect of applying it once."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Q, Sum

from clients.models import Classification, Task
from timetracking.models import BillingAdjustment, Exclusion, Member, Source, TimeEntry
from timetracking.rules import billable_minutes
from timetracking.services import (
    EntryChanges,
    create_entry,
    delete_entry,
    placeholder_member,
    record_adjustment,
    update_entry,
)

from .issues import resolve_task
from .models import AppliedWorklog, DeletedWorklog, JiraIssue, QuarantinedWorklog, UnmappedWorklog
from .page_lookups import PageLookups
from .worklog import NormalizedWorklog


class Outcome:
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    DELETED = "deleted"
    IGNORED = "ignored"
    UNMAPPED = "unmapped"
    SKIPPED = "skipped"  # an older snapshot than what is stored, or a deleted worklog


@dataclass
class ApplyResult:
    outcome: str
    entry_deleted: bool = False  # an entry was removed on the way (excluded, moved to triage)
    reason: str = ""
    entry: TimeEntry | None = field(default=None, repr=False)


# --- lookups -------------------------------------------------------------------------------


def _entry_filter(source: str, worklog_id: str) -> Q:
    return (
        Q(tempo_worklog_id=worklog_id) if source == Source.TEMPO else Q(jira_worklog_id=worklog_id)
    )


def entry_for_worklog(source: str, worklog_id: str) -> TimeEntry | None:
    return (
        TimeEntry.objects.select_related("task__project", "member")
        .filter(_entry_filter(source, worklog_id))
        .first()
    )


def member_for_author(worklog: NormalizedWorklog, lookups: PageLookups | None = None) -> Member:
    """Authors match members by Jira account id; an unknown author becomes a placeholder."""
    known = lookups.members.get(worklog.author_account_id) if lookups else None
    return known or placeholder_member(worklog.author_account_id, worklog.author_display_name)


# --- writes --------------------------------------------------------------------------------


def _effective_billable_minutes(entry: TimeEntry) -> int:
    adjusted = (
        BillingAdjustment.objects.filter(entry=entry).aggregate(total=Sum("minutes"))["total"] or 0
    )
    return entry.billable_minutes + adjusted


def _adjust_locked(entry: TimeEntry, target_minutes: int, reason: str) -> bool:
    """A locked (invoiced) entry stays as invoiced; the difference to what the source now says
    becomes a pending billing adjustment (PRODUCT §3.6). Idempotent: it compares with the entry
    plus its earlier adjustments, so the same change never adjusts twice."""
    delta = target_minutes - _effective_billable_minutes(entry)
    if delta == 0:
        return False
    record_adjustment(entry, minutes=delta, reason=reason)
    return True


def _remove_entry(entry: TimeEntry, why: str) -> bool:
    if entry.locked:
        return _adjust_locked(entry, 0, why)
    delete_entry(entry, from_source=True)
    return True


def _queue_unmapped(worklog: NormalizedWorklog, reason: str, issue: JiraIssue | None) -> None:
    current = UnmappedWorklog.objects.filter(
        source=worklog.source, worklog_id=worklog.worklog_id
    ).first()
    if current is not None and current.source_updated_at > worklog.updated_at:
        return  # an older snapshot never replaces a newer one
    values = {
        "issue_id": worklog.issue_id,
        "issue_key": (issue.key if issue else None) or worklog.issue_key or "",
        "reason": reason[:500],
        "payload": worklog.as_payload(),
        "author_display_name": worklog.author_display_name[:200],
        "local_date": worklog.local_date,
        "duration_minutes": worklog.duration_minutes,
        "source_updated_at": worklog.updated_at,
    }
    UnmappedWorklog.objects.update_or_create(
        source=worklog.source, worklog_id=worklog.worklog_id, defaults=values
    )


def _forget_queued(source: str, worklog_id: str, lookups: PageLookups | None = None) -> None:
    if lookups is not None and worklog_id not in lookups.queued:
        return  # nothing queued for it when the page began, and only its own apply queues it
    UnmappedWorklog.objects.filter(source=source, worklog_id=worklog_id).delete()
    QuarantinedWorklog.objects.filter(source=source, worklog_id=worklog_id).delete()


# No savepoint of its own: a caller that goes on after a failure (`sync.runs.apply_one`) holds one.
@transaction.atomic(savepoint=False)
def apply_worklog(worklog: NormalizedWorklog, lookups: PageLookups | None = None) -> ApplyResult:
    """Bring the entry of one worklog in line with it (create, update, move, ignore, triage).
    A version older than one already applied changes nothing (dedupe by id and update time).
    `lookups` (read for the worklog's page) replaces the per-worklog reads it covers."""
    if lookups is not None and not lookups.covers(worklog):
        lookups = None
    if lookups is not None:
        deleted = worklog.worklog_id in lookups.deleted
        applied_at = lookups.applied.get(worklog.worklog_id)
    else:
        deleted = DeletedWorklog.objects.filter(
            source=worklog.source, worklog_id=worklog.worklog_id
        ).exists()
        applied = AppliedWorklog.objects.filter(
            source=worklog.source, worklog_id=worklog.worklog_id
        ).first()
        applied_at = applied.source_updated_at if applied else None
    if deleted:
        return ApplyResult(Outcome.SKIPPED, reason="deleted at the source")
    if applied_at is not None and worklog.updated_at < applied_at:
        return ApplyResult(Outcome.SKIPPED, reason="older than the version already applied")
    result = _apply_version(worklog, lookups)
    if result.outcome != Outcome.SKIPPED and (
        applied_at is None or worklog.updated_at > applied_at
    ):
        AppliedWorklog.objects.update_or_create(
            source=worklog.source,
            worklog_id=worklog.worklog_id,
            defaults={"source_updated_at": worklog.updated_at},
        )
    return result


def _apply_version(worklog: NormalizedWorklog, lookups: PageLookups | None) -> ApplyResult:
    # The page's lookups say whether there is an entry (a plain row); this path reads the entry
    # itself, since it may write it.
    existing = (
        entry_for_worklog(worklog.source, worklog.worklog_id)
        if lookups is None or worklog.worklog_id in lookups.entries
        else None
    )
    if existing and existing.source_updated_at and worklog.updated_at < existing.source_updated_at:
        return ApplyResult(Outcome.SKIPPED, reason="older than the stored version")

    if lookups is not None:
        issue = lookups.issues.get(worklog.issue_id)
        task, reason = resolve_task(worklog, issue, known=lookups.tasks.get(worklog.issue_id))
    else:
        issue = JiraIssue.objects.filter(issue_id=worklog.issue_id).first()
        task, reason = resolve_task(worklog, issue)
    if task is None:
        removed = bool(existing) and _remove_entry(
            existing, f"{worklog.source} worklog {worklog.worklog_id} moved to an unmapped issue"
        )
        _queue_unmapped(worklog, reason, issue)
        return ApplyResult(Outcome.UNMAPPED, entry_deleted=removed, reason=reason)

    member = member_for_author(worklog, lookups)
    if (
        task.project.classification == Classification.EXCLUDED
        or member.exclusion == Exclusion.EXCLUDED
    ):
        why = (
            f"project {task.project.code} is excluded"
            if task.project.classification == Classification.EXCLUDED
            else f"{member} is excluded"
        )
        removed = bool(existing) and _remove_entry(
            existing, f"{worklog.source} worklog {worklog.worklog_id} ignored: {why}"
        )
        _forget_queued(worklog.source, worklog.worklog_id, lookups)
        return ApplyResult(Outcome.IGNORED, entry_deleted=removed, reason=why)

    if existing is None:
        _forget_queued(worklog.source, worklog.worklog_id, lookups)
        entry = create_entry(**entry_fields(worklog, task, member))
        return ApplyResult(Outcome.CREATED, entry=entry)

    if existing.locked:
        return _apply_to_locked(existing, worklog, task, member, issue, lookups)
    _forget_queued(worklog.source, worklog.worklog_id, lookups)
    return _apply_to_unlocked(existing, worklog, task, member)


def entry_fields(worklog: NormalizedWorklog, task: Task, member: Member) -> dict:
    """What the entry of a new worklog is created with (`create_entry` / `build_entry`)."""
    return {
        "task": task,
        "member": member,
        "on_date": worklog.local_date,
        "duration_minutes": worklog.duration_minutes,
        "billable": worklog.billable_flag,
        "description": worklog.description,
        "start_time": worklog.local_time,
        "started_at": worklog.started_at,
        "source": worklog.source,
        "jira_worklog_id": worklog.worklog_id
        if worklog.source == Source.JIRA
        else worklog.jira_worklog_id,
        "tempo_worklog_id": worklog.worklog_id if worklog.source == Source.TEMPO else None,
        "source_updated_at": worklog.updated_at,
        "billable_base_minutes": worklog.billable_base_minutes,
    }


def _wanted_billable(entry: TimeEntry, worklog: NormalizedWorklog, task: Task) -> bool | None:
    """The flag the source asks for, or None when a manual override must survive the sync."""
    if entry.billable_override:
        return None
    flag = worklog.billable_flag
    return task.project.billable_by_default if flag is None else flag


def _apply_to_unlocked(
    entry: TimeEntry, worklog: NormalizedWorklog, task: Task, member: Member
) -> ApplyResult:
    changes = entry_changes(entry, worklog, task, member)
    if changes is None:
        return ApplyResult(Outcome.UNCHANGED, entry=entry)
    return ApplyResult(Outcome.UPDATED, entry=update_entry(entry, changes, from_source=True))


def entry_changes(
    entry: TimeEntry, worklog: NormalizedWorklog, task: Task, member: Member
) -> EntryChanges | None:
    """What an unlocked entry must change to match its worklog, or None when it matches."""
    changes = EntryChanges(
        source_updated_at=worklog.updated_at, billable_base_minutes=worklog.billable_base_minutes
    )
    differs = False
    if task.pk != entry.task_id:
        changes.task, differs = task, True
    if member.pk != entry.member_id:
        changes.member, differs = member, True
    if worklog.local_date != entry.date:
        changes.on_date, differs = worklog.local_date, True
    if worklog.duration_minutes != entry.duration_minutes:
        changes.duration_minutes, differs = worklog.duration_minutes, True
    billable = _wanted_billable(entry, worklog, task)
    if billable is not None and billable != entry.billable:
        changes.billable, differs = billable, True
    if worklog.description != entry.description:
        changes.description, differs = worklog.description, True
    if worklog.local_time is None and entry.start_time is not None:
        changes.clear_start_time, differs = True, True
    elif worklog.local_time is not None and worklog.local_time != entry.start_time:
        changes.start_time, differs = worklog.local_time, True
    if worklog.started_at is not None and worklog.started_at != entry.started_at:
        changes.started_at, differs = worklog.started_at, True
    if worklog.billable_base_minutes is not None and worklog.updated_at != entry.source_updated_at:
        differs = True  # Tempo's billable seconds may have changed; the rule recomputes them
    return changes if differs else None


def _apply_to_locked(
    entry: TimeEntry,
    worklog: NormalizedWorklog,
    task: Task,
    member: Member,
    issue,
    lookups: PageLookups | None,
) -> ApplyResult:
    if task.project.client_id != entry.task.project.client_id:
        # An invoiced entry cannot follow its worklog to another client; a person decides.
        reason = (
            f"The entry of this worklog is on invoice {entry.invoice} of {entry.task.project.client.code}, but the "
            f"worklog moved to {task} of client {task.project.client.code}: correct it by hand."
        )
        _queue_unmapped(worklog, reason, issue)
        return ApplyResult(Outcome.UNMAPPED, reason=reason, entry=entry)
    _forget_queued(worklog.source, worklog.worklog_id, lookups)
    billable = _wanted_billable(entry, worklog, task)
    target = billable_minutes(
        base_minutes=worklog.duration_minutes
        if worklog.billable_base_minutes is None
        else worklog.billable_base_minutes,
        flag=entry.billable if billable is None else billable,
        project=task.project,
        member=member,
    )
    reason = f"{worklog.source.capitalize()} worklog {worklog.worklog_id} changed after invoicing ({entry.billable_minutes} → {target} billable min)"
    adjusted = _adjust_locked(entry, target, reason)
    return ApplyResult(Outcome.UPDATED if adjusted else Outcome.UNCHANGED, entry=entry)


@transaction.atomic
def retire_duplicate_entry(entry: TimeEntry, kept: TimeEntry) -> bool:
    """`entry` was written by the other source for the same work as `kept` (a firm that moved
    from Jira to Tempo): remove it like a deleted worklog, so the work is counted once. No
    tombstone: its worklog still exists and now belongs to `kept`."""
    return _remove_entry(
        entry,
        f"{entry.get_source_display()} entry {entry.pk} duplicates {kept.get_source_display()} "
        f"worklog {kept.external_id}",
    )


@transaction.atomic
def remove_worklog(source: str, worklog_id: str) -> ApplyResult:
    """The worklog was deleted at its source: delete its entry (history row, hours credited),
    or, when the entry is invoiced, record a crediting adjustment. Idempotent."""
    DeletedWorklog.objects.get_or_create(source=source, worklog_id=worklog_id)
    # The tombstone now refuses every version (`apply_worklog` checks it first), so the replay
    # guard of this worklog has nothing left to guard: it goes in the same transaction.
    AppliedWorklog.objects.filter(source=source, worklog_id=worklog_id).delete()
    _forget_queued(source, worklog_id)
    entry = entry_for_worklog(source, worklog_id)
    if entry is None:
        return ApplyResult(Outcome.UNCHANGED)
    removed = _remove_entry(
        entry, f"{source.capitalize()} worklog {worklog_id} was deleted after invoicing"
    )
    return ApplyResult(Outcome.DELETED if removed else Outcome.UNCHANGED)


def reevaluate_unmapped(source: str, issue_ids: set[str] | None = None) -> list[ApplyResult]:
    """Run the queued worklogs through the mapping again (a link may have been made since)."""
    queued = UnmappedWorklog.objects.filter(source=source).order_by("id")
    if issue_ids is not None:
        queued = queued.filter(issue_id__in=issue_ids)
    results = []
    for row in queued:
        results.append(apply_worklog(NormalizedWorklog.from_payload(row.payload)))
    return results
