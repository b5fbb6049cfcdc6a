"""Writes of time entries, with the business rules: snapshots, billable minutes, history, locks.

Every caller (pages, API, sync, field work, import, demo data) goes through these functions.
Locks are taken in one order: the client row, then the entry rows (see `locks`). The outermost
call retries a deadlock or serialization failure (`core.transactions.atomic_with_retry`)."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time

from clients.models import Task
from core.bulk import copy_insert
from core.calendar import entry_date_error
from core.transactions import atomic_with_retry

from ..durations import MAX_MANUAL_MINUTES
from ..models import ChangeKind, Exclusion, Member, Source, TimeEntry
from ..rates import RateBook, resolve_billing_rate, resolve_cost_rate
from ..rules import CLIENT_PLAN, billable_minutes
from .errors import EntryError, EntryInvalid, EntryLocked, EntrySourceConflict
from .history import change_row, move_balance, record_change
from .locks import lock_client, lock_clients, lock_entry

SOURCE_OWNED_FIELDS = ("task", "member", "date", "duration_minutes")
MAX_DESCRIPTION_LENGTH = 10_000  # manual entries; synced text is kept whole


def snapshot_rates(entry: TimeEntry, rates: RateBook | None = None) -> None:
    if rates is None:
        billing = resolve_billing_rate(entry.member, entry.task.project, entry.date)
        cost = resolve_cost_rate(entry.member, entry.date)
    else:
        billing = rates.billing(entry.member, entry.task.project, entry.date)
        cost = rates.cost(entry.member, entry.date)
    entry.billing_rate, entry.billing_currency = billing.rate, billing.currency
    entry.cost_rate, entry.cost_currency = cost.rate, cost.currency


def _set_billable_minutes(
    entry: TimeEntry, base_minutes: int | None, use_plan: bool, plan=CLIENT_PLAN
) -> None:
    entry.billable_minutes = billable_minutes(
        base_minutes=entry.duration_minutes if base_minutes is None else base_minutes,
        flag=entry.billable,
        project=entry.task.project,
        member=entry.member,
        use_plan=use_plan,
        plan=plan,
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


def _check_manual_input(on_date: date | None, description: str | None, source: str) -> None:
    if source != Source.MANUAL:
        return
    if on_date is not None and (error := entry_date_error(on_date)):
        raise EntryInvalid(error, "date")
    if description is not None and len(description) > MAX_DESCRIPTION_LENGTH:
        raise EntryInvalid(
            f"Description is {len(description):,} characters; at most {MAX_DESCRIPTION_LENGTH:,} "
            "are kept, e.g. a sentence or two.",
            "description",
        )


@atomic_with_retry
def create_entry(*, by=None, **fields) -> TimeEntry:
    """Log time (the fields of `build_entry`). `billable` defaults to the project's
    classification; rates are snapshotted for the entry's date; billable minutes are set by the
    one rule; a history row is written."""
    entry = build_entry(by=by, **fields)
    lock_client(entry.task.project.client_id)
    entry.save()
    record_change(entry, ChangeKind.CREATED, **_created(entry, by))
    return entry


def _created(entry: TimeEntry, by) -> dict:
    """The history of a new entry: its client's consumed minutes grow by its billable ones."""
    return {
        "client_id": entry.task.project.client_id,
        "minutes_delta": entry.billable_minutes,
        "duration_delta": entry.duration_minutes,
        "by": by,
    }


def insert_entries(entries: list[TimeEntry], *, by=None) -> None:
    """Write many entries built by `build_entry` at once (a sync page), in the caller's
    transaction: what `create_entry` does for each (a history row, the client's balance), with
    each client's balance moved once by the sum, under the clients' row locks. The rows go in
    by COPY (`core.bulk`): at 100,000 entries, preparing them for one INSERT cost more than
    writing them."""
    if not entries:
        return
    balances: dict[int, int] = defaultdict(int)
    for entry in entries:
        balances[entry.task.project.client_id] += entry.billable_minutes
    lock_clients(*balances)
    copy_insert(entries)
    copy_insert([change_row(entry, ChangeKind.CREATED, **_created(entry, by)) for entry in entries])
    for client_id, minutes in sorted(balances.items()):
        move_balance(client_id, minutes)


def build_entry(
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
    rates: RateBook | None = None,
    plan=CLIENT_PLAN,
) -> TimeEntry:
    """The row `create_entry` writes, checked, with its rates and billable minutes, unsaved:
    batch writers (a sync page) call it and write many rows at once. `rates` and `plan` (the
    client's BillingPlan) read in advance replace the per-entry lookups."""
    _check_duration(duration_minutes, source)
    _check_manual_input(on_date, description, source)
    if source == Source.MANUAL and member.exclusion == Exclusion.EXCLUDED:
        raise EntryInvalid(
            f"{member} is excluded from time tracking and cannot log time.", "member"
        )
    project = task.project
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
    snapshot_rates(entry, rates)
    _set_billable_minutes(entry, billable_base_minutes, use_plan, plan)
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


@atomic_with_retry
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
    new_client_ids = (changes.task.project.client_id,) if changes.task is not None else ()
    current = lock_entry(entry.pk, also_clients=new_client_ids)
    old_client_id = current.task.project.client_id
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

    if current.source == Source.MANUAL:
        _check_manual_input(wanted["date"], changes.description, current.source)

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
        snapshot_rates(current)
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
        record_change(
            current,
            ChangeKind.UPDATED,
            client_id=old_client_id,
            minutes_delta=-old_billable_minutes,
            duration_delta=-old_duration,
            by=by,
            description=f"Moved to {current.task}",
        )
        record_change(
            current,
            ChangeKind.UPDATED,
            client_id=new_client_id,
            minutes_delta=current.billable_minutes,
            duration_delta=current.duration_minutes,
            by=by,
        )
    else:
        record_change(
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


@atomic_with_retry
def delete_entry(entry: TimeEntry, *, by=None, from_source: bool = False) -> None:
    current = lock_entry(entry.pk)
    refusal = delete_refusal(current, from_source=from_source)
    if refusal is not None:
        raise refusal
    record_change(
        current,
        ChangeKind.DELETED,
        client_id=current.task.project.client_id,
        minutes_delta=-current.billable_minutes,
        duration_delta=-current.duration_minutes,
        by=by,
    )
    current.delete()


@atomic_with_retry
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
    current = lock_entry(entry.pk)
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
