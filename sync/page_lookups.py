"""Per-page lookups (issue 13): what a page's worklogs need from the database, read in a few
queries per page instead of several per worklog, for `sync.mapping.apply_worklog`."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from clients.models import Task
from timetracking.models import Member, Source, TimeEntry

from .models import AppliedWorklog, DeletedWorklog, JiraIssue, QuarantinedWorklog, UnmappedWorklog
from .worklog import NormalizedWorklog

# What the mapping compares a worklog with: model instances of these columns only, built for
# every worklog of every page (rare paths load the rest, or lock and re-read the entry).
ENTRY_FIELDS = (
    "id",
    "jira_worklog_id",
    "tempo_worklog_id",
    "source",
    "task_id",
    "member_id",
    "date",
    "duration_minutes",
    "billable",
    "billable_override",
    "billable_minutes",
    "description",
    "start_time",
    "started_at",
    "source_updated_at",
    "locked",
)


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
    entries: dict[str, TimeEntry]
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
        in_source = {"source": source, "worklog_id__in": ids}
        entry_key = "tempo_worklog_id" if source == Source.TEMPO else "jira_worklog_id"
        return cls(
            source=source,
            worklog_ids=ids,
            deleted=set(
                DeletedWorklog.objects.filter(**in_source).values_list("worklog_id", flat=True)
            ),
            applied=dict(
                AppliedWorklog.objects.filter(**in_source).values_list(
                    "worklog_id", "source_updated_at"
                )
            ),
            queued=set(
                UnmappedWorklog.objects.filter(**in_source).values_list("worklog_id", flat=True)
            )
            | set(
                QuarantinedWorklog.objects.filter(**in_source).values_list("worklog_id", flat=True)
            ),
            entries={
                getattr(entry, entry_key): entry
                for entry in TimeEntry.objects.only(*ENTRY_FIELDS).filter(
                    **{f"{entry_key}__in": ids}
                )
            },
            issues={
                issue.issue_id: issue for issue in JiraIssue.objects.filter(issue_id__in=issue_ids)
            },
            tasks={
                task.jira_issue_id: task
                for task in Task.objects.select_related("project__client").filter(
                    jira_issue_id__in=issue_ids
                )
            },
            members={
                member.jira_account_id: member
                for member in Member.objects.select_related("user").filter(
                    jira_account_id__in={w.author_account_id for w in worklogs}
                )
            },
            jira_holders=_jira_holders(worklogs) if source == Source.TEMPO else {},
        )

    def covers(self, worklog: NormalizedWorklog) -> bool:
        return worklog.source == self.source and worklog.worklog_id in self.worklog_ids


def _jira_holders(worklogs: list[NormalizedWorklog]) -> dict[str, TimeEntry]:
    jira_ids = {w.jira_worklog_id for w in worklogs if w.jira_worklog_id}
    if not jira_ids:
        return {}
    return {
        entry.jira_worklog_id: entry
        for entry in TimeEntry.objects.filter(jira_worklog_id__in=jira_ids)
    }
