"""Per-page lookups (issue 13): what a page's worklogs need from the database, read in a few
queries per page instead of several per worklog, for `sync.mapping.apply_worklog`."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import NamedTuple

from django.db.models import DateTimeField, F, Prefetch, Value

from clients.models import Project, Task
from core.lookups import AnyOf, pairs_any_of, plain_rows
from timetracking.models import Member, Source, TimeEntry

from .models import AppliedWorklog, DeletedWorklog, JiraIssue, QuarantinedWorklog, UnmappedWorklog
from .worklog import NormalizedWorklog


class EntryRow(NamedTuple):
    """What the mapping compares a worklog with, read for every worklog of every page: a plain
    row, not a model instance (building 100,000 instances cost more than the comparisons, issue
    13). The one-by-one path, which writes, reads the entry itself (`entry_for_worklog`)."""

    id: int
    jira_worklog_id: str | None
    tempo_worklog_id: str | None
    source: str
    task_id: int
    member_id: int
    date: date
    duration_minutes: int
    billable: bool
    billable_override: bool
    billable_minutes: int
    description: str
    start_time: time | None
    started_at: datetime | None
    source_updated_at: datetime | None
    locked: bool

    @classmethod
    def of(cls, entry: TimeEntry) -> EntryRow:
        return cls._make(getattr(entry, name) for name in cls._fields)


@dataclass
class PageLookups:
    """What a page's worklogs need from the database, read in a few queries per page instead of
    several per worklog. Only facts no other worklog of the page can change are held: what was
    there at the start of the page (entries, tasks, members found) and what only a worklog's own
    apply writes (tombstones, applied versions, queue rows). Misses of the "found" kinds, and
    worklog ids the page carries twice, are looked up one by one."""

    source: str
    worklog_ids: frozenset[str]  # the ids these lookups answer for
    deleted: set[str]
    applied: dict[str, datetime]
    queued: set[str]  # ids with a triage or quarantine row
    entries: dict[str, EntryRow]
    issues: dict[str, JiraIssue]
    tasks: dict[str, Task]  # by Jira issue id
    members: dict[str, Member]  # by Jira account id
    # Tempo pages: entries holding a page worklog's Jira worklog id (a firm that read Jira before)
    jira_holders: dict[str, TimeEntry]

    @classmethod
    def read(cls, source: str, worklogs: list[NormalizedWorklog]) -> PageLookups:
        counted = Counter(w.worklog_id for w in worklogs)
        ids = frozenset(worklog_id for worklog_id, times in counted.items() if times == 1)
        issue_ids = {w.issue_id for w in worklogs}
        # The page's ids go as one array parameter (`AnyOf`), not one placeholder each.
        listed = list(ids)

        def of_page(model):
            return model.objects.filter(
                pairs_any_of("source", source, "worklog_id", listed)
            ).order_by()

        entry_key = "tempo_worklog_id" if source == Source.TEMPO else "jira_worklog_id"
        key_index = EntryRow._fields.index(entry_key)
        entries = {
            row[key_index]: EntryRow._make(row)
            for row in plain_rows(
                TimeEntry.objects.filter(AnyOf(F(entry_key), listed))
                .order_by()
                .values_list(*EntryRow._fields)
            )
        }
        # Tombstones, applied versions and queue rows in one round trip (a page's fixed cost).
        no_time = Value(None, output_field=DateTimeField())
        marks = (
            of_page(AppliedWorklog)
            .values_list(Value("applied"), "worklog_id", "source_updated_at")
            .union(
                of_page(DeletedWorklog).values_list(Value("deleted"), "worklog_id", no_time),
                of_page(UnmappedWorklog).values_list(Value("queued"), "worklog_id", no_time),
                of_page(QuarantinedWorklog).values_list(Value("queued"), "worklog_id", no_time),
                all=True,
            )
        )
        deleted, applied, queued = set(), {}, set()
        for mark, worklog_id, at in plain_rows(marks):
            if mark == "applied":
                applied[worklog_id] = at
            elif mark == "deleted":
                deleted.add(worklog_id)
            else:
                queued.add(worklog_id)
        return cls(
            source=source,
            worklog_ids=ids,
            deleted=deleted,
            applied=applied,
            queued=queued,
            entries=entries,
            issues={
                issue.issue_id: issue for issue in JiraIssue.objects.filter(issue_id__in=issue_ids)
            },
            tasks={
                task.jira_issue_id: task
                # The page's tasks share their few projects and clients (select_related built
                # a project and a client per task: 600 instances a page for 200 issues).
                for task in Task.objects.prefetch_related(
                    Prefetch("project", queryset=Project.objects.select_related("client"))
                ).filter(jira_issue_id__in=issue_ids)
            },
            members={
                member.jira_account_id: member
                for member in Member.objects.select_related("user").filter(
                    jira_account_id__in={w.author_account_id for w in worklogs}
                )
            },
            jira_holders=_jira_holders(
                # Only a worklog without an entry of its own may adopt one (`adopting_jira_entry`).
                [w for w in worklogs if w.worklog_id in ids and w.worklog_id not in entries]
            )
            if source == Source.TEMPO
            else {},
        )

    def covers(self, worklog: NormalizedWorklog) -> bool:
        return worklog.source == self.source and worklog.worklog_id in self.worklog_ids


def _jira_holders(worklogs: list[NormalizedWorklog]) -> dict[str, TimeEntry]:
    jira_ids = {w.jira_worklog_id for w in worklogs if w.jira_worklog_id}
    if not jira_ids:
        return {}
    return {
        entry.jira_worklog_id: entry
        for entry in TimeEntry.objects.filter(AnyOf(F("jira_worklog_id"), list(jira_ids)))
    }
