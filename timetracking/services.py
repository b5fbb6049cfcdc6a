"""Writes of time entries, with the business rules: snapshots, billable minutes, history, locks.

Every caller (pages, API, sync, field work, import, demo data) goes through these functions."""

import zoneinfo
from dataclasses import dataclass
from datetime import date, datetime, time

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from clients.models import Client, Task
from core.units import seconds_to_minutes

from .durations import MAX_MANUAL_MINUTES
from .models import (
    BillingAdjustment,
    ChangeKind,
    EntryChange,
    Exclusion,
    Member,
    Source,
    TimeEntry,
    Timer,
)
from .rates import resolve_billing_rate, resolve_cost_rate
from .rules import billable_minutes


class EntryError(Exception):
    """Base of refusals; `message` is shown to the user as it is."""

    status = 400

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class EntryInvalid(EntryError):
    pass


class EntryLocked(EntryError):
    status = 409


class EntrySourceConflict(EntryError):
    status = 409


SOURCE_OWNED_FIELDS = ("task", "member", "date", "duration_minutes")


def _lock_client(client_id: int) -> None:
    # Balance-changing writes of one client are serialized on its row.
    Client.objects.select_for_update().filter(pk=client_id).first()


def _entry_data(entry: TimeEntry) -> dict:
    return {
        "task_id": entry.task_id,
        "member": entry.member.user.username,
        "date": entry.date.isoformat(),
        "start_time": entry.start_time.isoformat() if entry.start_time else None,
        "duration_minutes": entry.duration_minutes,
        "billable": entry.billable,
        "billable_minutes": entry.billable_minutes,
        "billing_rate": str(entry.billing_rate) if entry.billing_rate is not None else None,
        "description": entry.description[:500],
        "source": entry.source,
    }


def _history(
    entry: TimeEntry,
    kind: str,
    *,
    client_id: int,
    minutes_delta: int,
    duration_delta: int,
    by,
    description: str = "",
):
    return EntryChange.objects.create(
        entry=entry if kind != ChangeKind.DELETED else None,
        entry_ref=entry.pk,
        client_id=client_id,
        kind=kind,
        minutes_delta=minutes_delta,
        duration_delta=duration_delta,
        description=(description or entry.description or str(entry.task))[:500],
        data=_entry_data(entry),
        source=entry.source,
        changed_by=by if getattr(by, "pk", None) else None,
    )


def _snapshot_rates(entry: TimeEntry) -> None:
    billing = resolve_billing_rate(entry.member, entry.task.project, entry.date)
    cost = resolve_cost_rate(entry.member, entry.date)
    entry.billing_rate, entry.billing_currency = billing.rate, billing.currency
    entry.cost_rate, entry.cost_currency = cost.rate, cost.currency


def _set_billable_minutes(entry: TimeEntry, base_minutes: int | None, use_plan: bool) -> None:
    entry.billable_minutes = billable_minutes(
        base_minutes=entry.duration_minutes if base_minutes is None else base_minutes,
        flag=entry.billable,
        project=entry.task.project,
        member=entry.member,
        use_plan=use_plan,
    )


def _check_duration(minutes, source: str) -> int:
    if not isinstance(minutes, int) or isinstance(minutes, bool) or minutes <= 0:
        raise EntryInvalid(
            "Duration must be a positive number of minutes, e.g. 90 for 1h 30m.", "duration"
        )
    if source == Source.MANUAL and minutes > MAX_MANUAL_MINUTES:
        raise EntryInvalid(
            "Duration is more than 24 hours; split it over several days (e.g. 8h on each day).",
            "duration",
        )
    return minutes


@transaction.atomic
def create_entry(
    *,
    task: Task,
    member: Member,
    on_date: date,
    duration_minutes: int,
    billable: bool | None = None,
    description: str = "",
    start_time: time | None = None,
    started_at: datetime | None = None,
    source: str = Source.MANUAL,
    by=None,
    jira_worklog_id: str | None = None,
    tempo_worklog_id: str | None = None,
    source_updated_at: datetime | None = None,
    billable_base_minutes: int | None = None,
    use_plan: bool = True,
) -> TimeEntry:
    """Log time. `billable` defaults to the project's classification; rates are snapshotted for
    the entry's date; billable minutes are set by the one rule; a history row is written."""
    _check_duration(duration_minutes, source)
    if source == Source.MANUAL and member.exclusion == Exclusion.EXCLUDED:
        raise EntryInvalid(
            f"{member} is excluded from time tracking and cannot log time.", "member"
        )
    project = task.project
    _lock_client(project.client_id)
    entry = TimeEntry(
        task=task,
        member=member,
        date=on_date,
        start_time=start_time,
        started_at=started_at,
        duration_minutes=duration_minutes,
        billable=project.billable_by_default if billable is None else bool(billable),
        description=description or "",
        source=source,
        jira_worklog_id=jira_worklog_id,
        tempo_worklog_id=tempo_worklog_id,
        source_updated_at=source_updated_at,
        created_by=by if getattr(by, "pk", None) else None,
        updated_by=by if getattr(by, "pk", None) else None,
    )
    _snapshot_rates(entry)
    _set_billable_minutes(entry, billable_base_minutes, use_plan)
    entry.save()
    _history(
        entry,
        ChangeKind.CREATED,
        client_id=project.client_id,
        minutes_delta=entry.billable_minutes,
        duration_delta=entry.duration_minutes,
        by=by,
    )
    return entry


@dataclass
class EntryChanges:
    """Fields a caller may change; None means "leave as it is"."""

    task: Task | None = None
    member: Member | None = None
    on_date: date | None = None
    duration_minutes: int | None = None
    billable: bool | None = None
    description: str | None = None
    start_time: time | None = None
    clear_start_time: bool = False
    started_at: datetime | None = None
    source_updated_at: datetime | None = None
    billable_base_minutes: int | None = None


@transaction.atomic
def update_entry(
    entry: TimeEntry,
    changes: EntryChanges,
    *,
    by=None,
    from_source: bool = False,
    use_plan: bool = True,
) -> TimeEntry:
    """Change an entry. Locked entries are refused; entries owned by Jira/Tempo/field work only
    accept a `billable` override unless the change comes from their source (`from_source`)."""
    current = (
        TimeEntry.objects.select_for_update()
        .select_related("task__project__client", "member__user")
        .get(pk=entry.pk)
    )
    old_client_id = current.task.project.client_id
    new_task = changes.task or current.task
    for client_id in sorted({old_client_id, new_task.project.client_id}):
        _lock_client(client_id)
    if current.locked:
        raise EntryLocked(
            f"This entry is on invoice {current.invoice} and is locked; it cannot be changed."
        )

    wanted = {
        "task": changes.task
        if changes.task is not None and changes.task.pk != current.task_id
        else None,
        "member": changes.member
        if changes.member is not None and changes.member.pk != current.member_id
        else None,
        "date": changes.on_date
        if changes.on_date is not None and changes.on_date != current.date
        else None,
        "duration_minutes": (
            changes.duration_minutes
            if changes.duration_minutes is not None
            and changes.duration_minutes != current.duration_minutes
            else None
        ),
    }
    if current.source != Source.MANUAL and not from_source:
        changed = [name for name, value in wanted.items() if value is not None]
        if changed:
            raise EntrySourceConflict(
                f"This entry comes from {current.get_source_display()}; change its "
                f"{', '.join(n.replace('_minutes', '') for n in changed)} there. Only 'billable' can be overridden here.",
                changed[0],
            )

    new_member = wanted["member"]
    if (
        new_member is not None
        and current.source == Source.MANUAL
        and new_member.exclusion == Exclusion.EXCLUDED
    ):
        raise EntryInvalid(
            f"{new_member} is excluded from time tracking and cannot log time.", "member"
        )

    old_billable_minutes, old_duration = current.billable_minutes, current.duration_minutes
    if wanted["duration_minutes"] is not None:
        current.duration_minutes = _check_duration(wanted["duration_minutes"], current.source)
    if wanted["task"] is not None:
        current.task = wanted["task"]
    if wanted["member"] is not None:
        current.member = wanted["member"]
    if wanted["date"] is not None:
        current.date = wanted["date"]
    if changes.billable is not None and changes.billable != current.billable:
        current.billable = bool(changes.billable)
        if not from_source:
            current.billable_override = True
    if changes.description is not None:
        current.description = changes.description
    if changes.clear_start_time:
        current.start_time = None
    elif changes.start_time is not None:
        current.start_time = changes.start_time
    if changes.started_at is not None:
        current.started_at = changes.started_at
    if changes.source_updated_at is not None:
        current.source_updated_at = changes.source_updated_at
    if any(wanted[name] is not None for name in ("task", "member", "date")):
        _snapshot_rates(current)
    base_minutes = changes.billable_base_minutes
    if current.source == Source.FIELD:
        use_plan = False  # field minutes are final (never round twice, PRODUCT §6)
    elif (
        current.source == Source.TEMPO
        and base_minutes is None
        and wanted["duration_minutes"] is None
    ):
        # Tempo bills from its billableSeconds, not the duration: an edit here keeps that base.
        base_minutes = old_billable_minutes or current.duration_minutes
    _set_billable_minutes(current, base_minutes, use_plan)
    current.updated_by = by if getattr(by, "pk", None) else current.updated_by
    current.save()

    new_client_id = current.task.project.client_id
    duration_delta = current.duration_minutes - old_duration
    if new_client_id != old_client_id:
        # A move between clients: credit the old bank, charge the new one.
        _history(
            current,
            ChangeKind.UPDATED,
            client_id=old_client_id,
            minutes_delta=-old_billable_minutes,
            duration_delta=-old_duration,
            by=by,
            description=f"Moved to {current.task}",
        )
        _history(
            current,
            ChangeKind.UPDATED,
            client_id=new_client_id,
            minutes_delta=current.billable_minutes,
            duration_delta=current.duration_minutes,
            by=by,
        )
    else:
        _history(
            current,
            ChangeKind.UPDATED,
            client_id=new_client_id,
            minutes_delta=current.billable_minutes - old_billable_minutes,
            duration_delta=duration_delta,
            by=by,
        )
    return current


def delete_refusal(entry: TimeEntry, *, from_source: bool = False) -> EntryError | None:
    """Why `entry` may not be deleted, or None: the one rule for delete_entry and for pages that
    say so before anyone confirms a delete."""
    if entry.locked:
        return EntryLocked(
            f"This entry is on invoice {entry.invoice} and is locked; it cannot be deleted."
        )
    if entry.source != Source.MANUAL and not from_source:
        return EntrySourceConflict(
            f"This entry comes from {entry.get_source_display()}; delete it there."
        )
    return None


@transaction.atomic
def delete_entry(entry: TimeEntry, *, by=None, from_source: bool = False) -> None:
    current = (
        TimeEntry.objects.select_for_update()
        .select_related("task__project", "member__user")
        .get(pk=entry.pk)
    )
    _lock_client(current.task.project.client_id)
    refusal = delete_refusal(current, from_source=from_source)
    if refusal is not None:
        raise refusal
    _history(
        current,
        ChangeKind.DELETED,
        client_id=current.task.project.client_id,
        minutes_delta=-current.billable_minutes,
        duration_delta=-current.duration_minutes,
        by=by,
    )
    current.delete()


@transaction.atomic
def record_adjustment(entry: TimeEntry, *, minutes: int, reason: str) -> BillingAdjustment | None:
    """A pending correction for a locked entry whose source changed (PRODUCT §3.6)."""
    if minutes == 0:
        return None
    client_id = entry.task.project.client_id
    _lock_client(client_id)
    from core.units import minutes_value

    return BillingAdjustment.objects.create(
        client_id=client_id,
        entry=entry,
        entry_ref=entry.pk,
        minutes=minutes,
        value=minutes_value(minutes, entry.billing_rate),
        currency=entry.billing_currency,
        reason=reason[:300],
    )


@transaction.atomic
def link_source_ids(
    entry: TimeEntry,
    *,
    jira_worklog_id: str | None = None,
    tempo_worklog_id: str | None = None,
    source: str | None = None,
) -> TimeEntry:
    """Record the worklog ids of a synced entry learnt after it was written (Tempo's
    tempo-to-jira mapping), and hand an entry over to the source that now owns it. Ids and
    ownership change no minutes, so locked entries accept them too; an id already set to
    another value is refused. A handover forgets the old source's update time (another
    clock), so the new source's next version always applies."""
    current = TimeEntry.objects.select_for_update().get(pk=entry.pk)
    changed = []
    for name, value in (
        ("jira_worklog_id", jira_worklog_id),
        ("tempo_worklog_id", tempo_worklog_id),
    ):
        if value is None or getattr(current, name) == str(value):
            continue
        if getattr(current, name):
            raise EntrySourceConflict(
                f"This entry already has {name} {getattr(current, name)}, not {value}.", name
            )
        setattr(current, name, str(value))
        changed.append(name)
    if source is not None and source != current.source:
        if source not in (Source.JIRA, Source.TEMPO) or current.source not in (
            Source.JIRA,
            Source.TEMPO,
        ):
            raise EntrySourceConflict(
                f"A {current.get_source_display()} entry cannot be handed over to {source}.",
                "source",
            )
        current.source, current.source_updated_at = source, None
        changed += ["source", "source_updated_at"]
    if changed:
        current.save(update_fields=[*changed, "updated_at"])
    return current


@transaction.atomic
def reapply_billing_rules(*, client: Client | None = None, by=None) -> int:
    """Recompute billable minutes of unlocked entries with today's plans; history per change."""
    entries = (
        TimeEntry.objects.select_for_update()
        .filter(locked=False)
        .select_related("task__project__client", "member")
    )
    if client is not None:
        entries = entries.filter(task__project__client=client)
    changed = 0
    for entry in entries.order_by("id"):
        if entry.source == Source.FIELD:
            continue  # field minutes are final (never round twice)
        old = entry.billable_minutes
        _set_billable_minutes(
            entry, None if entry.source != Source.TEMPO else old or entry.duration_minutes, True
        )
        if entry.billable_minutes != old:
            TimeEntry.objects.filter(pk=entry.pk).update(
                billable_minutes=entry.billable_minutes, updated_at=timezone.now()
            )
            _history(
                entry,
                ChangeKind.UPDATED,
                client_id=entry.task.project.client_id,
                minutes_delta=entry.billable_minutes - old,
                duration_delta=0,
                by=by,
                description="Billing rules re-applied",
            )
            changed += 1
    return changed


# --- Invoice linking: billing calls these; timetracking never imports billing. -------------


@transaction.atomic
def attach_entries_to_invoice(entry_ids, invoice_id: int) -> int:
    return TimeEntry.objects.filter(pk__in=list(entry_ids), invoice__isnull=True).update(
        invoice_id=invoice_id
    )


@transaction.atomic
def set_invoice_lock(invoice_id: int, locked: bool) -> int:
    return TimeEntry.objects.filter(invoice_id=invoice_id).update(locked=locked)


@transaction.atomic
def release_invoice_entries(invoice_id: int) -> int:
    return TimeEntry.objects.filter(invoice_id=invoice_id).update(invoice=None, locked=False)


# --- Members ---------------------------------------------------------------------------------


@transaction.atomic
def ensure_member(user, **fields) -> Member:
    member, _ = Member.objects.get_or_create(user=user, defaults=fields)
    return member


def placeholder_member(account_id: str, display_name: str = "") -> Member:
    """An inactive `jira-<accountId>` user, so no hour of an unknown author is lost."""
    member = Member.objects.filter(jira_account_id=account_id).select_related("user").first()
    if member:
        return member
    User = get_user_model()
    first, _, last = (display_name or "").partition(" ")
    user, _ = User.objects.get_or_create(
        username=f"jira-{account_id}"[:150],
        defaults={"is_active": False, "first_name": first[:150], "last_name": last[:150]},
    )
    return Member.objects.create(user=user, jira_account_id=account_id, is_placeholder=True)


# --- Timer (PRODUCT §2.4) and the weekly timesheet's cells (PRODUCT §2.5) ---------------------


class TimerError(EntryError):
    status = 409


@transaction.atomic
def start_timer(member: Member, task: Task, description: str = "") -> Timer:
    """Start the member's one timer on `task`; a running timer is never replaced silently."""
    if member.exclusion == Exclusion.EXCLUDED:
        raise EntryInvalid(
            f"{member} is excluded from time tracking and cannot log time.", "member"
        )
    # Two tabs starting at once: the member row serializes them, the OneToOne is the backstop.
    Member.objects.select_for_update().filter(pk=member.pk).first()
    running = Timer.objects.filter(member=member).select_related("task").first()
    if running is not None:
        raise TimerError(
            f"A timer is already running on {running.task}; stop it before starting another.",
            "task",
        )
    return Timer.objects.create(
        member=member, task=task, description=description or "", started_at=timezone.now()
    )


@transaction.atomic
def stop_timer(member: Member, by=None, *, now: datetime | None = None) -> TimeEntry:
    """Stop the member's timer and write an ordinary entry of the elapsed minutes (at least 1),
    dated on the member's local day when the timer started. If the entry is refused (over 24 h),
    nothing changes and the timer keeps running."""
    timer = (
        Timer.objects.select_for_update()
        .select_related("task__project__client")
        .filter(member=member)
        .first()
    )
    if timer is None:
        raise TimerError("No timer is running; start one on a task first.")
    elapsed_seconds = max(0, int(((now or timezone.now()) - timer.started_at).total_seconds()))
    local_start = timezone.localtime(timer.started_at, zoneinfo.ZoneInfo(member.timezone))
    entry = create_entry(
        task=timer.task,
        member=member,
        on_date=local_start.date(),
        start_time=local_start.time().replace(second=0, microsecond=0),
        started_at=timer.started_at,
        duration_minutes=seconds_to_minutes(elapsed_seconds),
        description=timer.description,
        by=by,
    )
    timer.delete()
    return entry


@transaction.atomic
def discard_timer(member: Member) -> bool:
    """Throw a running timer away without logging anything (e.g. one left running for days)."""
    deleted, _ = Timer.objects.filter(member=member).delete()
    return bool(deleted)


@transaction.atomic
def set_timesheet_cell(
    *, member: Member, task: Task, on_date: date, duration_minutes: int | None, by=None
) -> TimeEntry | None:
    """One cell of the weekly timesheet: no entry → create one; exactly one entry → rewrite its
    duration (`None` deletes it; locks and sources are refused by update/delete_entry); several
    entries → refused, they are changed one by one."""
    entries = list(
        TimeEntry.objects.select_for_update()
        .filter(member=member, task=task, date=on_date)
        .order_by("id")[:2]
    )
    if not entries:
        if duration_minutes is None:
            return None
        return create_entry(
            task=task, member=member, on_date=on_date, duration_minutes=duration_minutes, by=by
        )
    if len(entries) > 1:
        raise EntryInvalid(
            f"{task} has several entries on {on_date:%a %d %b}; change them one by one in that day's entries.",
            "duration",
        )
    if duration_minutes is None:
        delete_entry(entries[0], by=by)
        return None
    return update_entry(entries[0], EntryChanges(duration_minutes=duration_minutes), by=by)
