"""A page's plain worklogs applied in bulk (issue 13): new worklogs become entries in one
write, their history rows in another and each client's balance moves once
(`timetracking.services.insert_entries`); worklogs
that match their entry only have their applied version recorded. Everything else (triage,
exclusions, updates, invoiced entries, tombstones, worklogs the lookups cannot answer for) goes
through `sync.mapping.apply_worklog` one by one, as before.

The outcome is the one `apply_worklog` would reach for each worklog: the same checks in the same
order, read from the page's lookups (`PageLookups`), the same row built by `build_entry` and the
same history row by `change_row`."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import IntegrityError, connection, transaction

from clients.models import BillingPlan, Classification
from timetracking.models import Exclusion, TimeEntry
from timetracking.rates import RateBook
from timetracking.services import EntryError, build_entry, insert_entries

from .issues import resolve_task
from .mapping import Outcome, entry_changes, entry_fields, member_for_author
from .models import AppliedWorklog
from .page_lookups import PageLookups
from .worklog import Fetched, NormalizedWorklog, page_order

CREATE, UNCHANGED, SKIP = "create", "unchanged", "skip"


@dataclass
class _Sorted:
    creates: list[tuple] = field(default_factory=list)  # (worklog, task, member, payload)
    applied: list[NormalizedWorklog] = field(default_factory=list)  # versions to record
    rest: list[Fetched] = field(default_factory=list)


def _kind(worklog: NormalizedWorklog, lookups: PageLookups):
    """(kind, task, member) of a worklog the bulk path applies, or None for the one-by-one path.
    The checks are `apply_worklog`'s, in its order."""
    if not lookups.covers(worklog) or worklog.worklog_id in lookups.queued:
        return None
    if worklog.worklog_id in lookups.deleted:
        return None
    applied_at = lookups.applied.get(worklog.worklog_id)
    if applied_at is not None and worklog.updated_at < applied_at:
        return SKIP, None, None
    existing = lookups.entries.get(worklog.worklog_id)
    if existing and existing.source_updated_at and worklog.updated_at < existing.source_updated_at:
        return SKIP, None, None
    # As one by one: the issue's task, made under the matching project when it has none yet
    # (later worklogs of the page find it), and the author, a placeholder when unknown.
    task, _ = resolve_task(
        worklog,
        lookups.issues.get(worklog.issue_id),
        known=lookups.tasks.get(worklog.issue_id),
    )
    if task is None:
        return None  # the triage queue
    lookups.tasks[worklog.issue_id] = task
    member = member_for_author(worklog, lookups)
    lookups.members[worklog.author_account_id] = member
    if (
        task.project.classification == Classification.EXCLUDED
        or member.exclusion == Exclusion.EXCLUDED
    ):
        return None
    if existing is None:
        return CREATE, task, member
    if existing.locked or entry_changes(existing, worklog, task, member) is not None:
        return None
    return UNCHANGED, task, member


def _sort(ordered: list[Fetched], lookups: PageLookups) -> _Sorted:
    page = _Sorted()
    for worklog, raw in ordered:
        kind = _kind(worklog, lookups)
        if kind is None:
            page.rest.append((worklog, raw))
            continue
        what, task, member = kind
        if what == SKIP:
            continue
        if what == CREATE:
            page.creates.append((worklog, task, member, raw))
        applied_at = lookups.applied.get(worklog.worklog_id)
        if applied_at is None or worklog.updated_at > applied_at:
            page.applied.append(worklog)
    return page


def _build(page: _Sorted) -> list[tuple[NormalizedWorklog, TimeEntry]]:
    """The new entries' rows; a worklog the rules refuse goes to the one-by-one path (which
    quarantines it)."""
    if not page.creates:
        return []
    rates = RateBook({member.pk for _, _, member, _ in page.creates})
    client_ids = {task.project.client_id for _, task, _, _ in page.creates}
    plans = {plan.client_id: plan for plan in BillingPlan.objects.filter(client_id__in=client_ids)}
    built, refused = [], set()
    for worklog, task, member, raw in page.creates:
        try:
            entry = build_entry(
                **entry_fields(worklog, task, member),
                rates=rates,
                plan=plans.get(task.project.client_id),
            )
        except (EntryError, ValueError):
            page.rest.append((worklog, raw))
            refused.add(worklog.worklog_id)
            continue
        built.append((worklog, entry))
    if refused:
        page.applied = [w for w in page.applied if w.worklog_id not in refused]
    return built


def _write(built: list[tuple[NormalizedWorklog, TimeEntry]], applied: list[NormalizedWorklog]):
    insert_entries([entry for _, entry in built])
    if applied:
        _record_applied(applied)


def _record_applied(applied: list[NormalizedWorklog]) -> None:
    """The page's applied versions, inserted or moved forward, in one statement: the versions
    as two array parameters. (`bulk_create(update_conflicts=…)` built a model instance and
    prepared each value of each of 100,000 rows first.)"""
    if connection.vendor != "postgresql":
        AppliedWorklog.objects.bulk_create(
            [
                AppliedWorklog(
                    source=w.source, worklog_id=w.worklog_id, source_updated_at=w.updated_at
                )
                for w in applied
            ],
            update_conflicts=True,
            unique_fields=["source", "worklog_id"],
            update_fields=["source_updated_at"],
        )
        return
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {AppliedWorklog._meta.db_table} (source, worklog_id, source_updated_at) "
            "SELECT %s, unnest(%s::varchar[]), unnest(%s::timestamptz[]) "
            "ON CONFLICT (source, worklog_id) DO UPDATE SET source_updated_at = EXCLUDED.source_updated_at",
            [
                applied[0].source,
                [w.worklog_id for w in applied],
                [w.updated_at.isoformat() for w in applied],
            ],
        )


def apply_in_bulk(
    counts: dict, ordered: list[Fetched], lookups: PageLookups
) -> tuple[list[Fetched], bool]:
    """Apply what the bulk path covers; returns the rest of the page (in order) for the
    one-by-one path, and whether the lookups still hold (False after a refused bulk write, whose
    savepoint then rolled back: the whole page goes one by one, reading afresh)."""
    page = _sort(ordered, lookups)
    built = _build(page)
    if not built and not page.applied:
        return sorted(page.rest, key=page_order), True
    try:
        with transaction.atomic():  # one savepoint for the page, not one per worklog
            _write(built, page.applied)
    except IntegrityError:
        return ordered, False
    counts[Outcome.CREATED] += len(built)
    return sorted(page.rest, key=page_order), True
