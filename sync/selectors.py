"""Reads for the sync status page (PRODUCT §3.7) and who may use it (managers and up)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404
from django.utils import timezone

from clients.models import Project, Task
from clients.roles import has_role, is_staff_member

from .liveness import shown_status
from .models import (
    COUNT_KEYS,
    JiraIssue,
    QuarantinedWorklog,
    RunStatus,
    SyncRun,
    SyncState,
    UnmappedWorklog,
    WorklogSource,
    empty_counts,
)


def require_sync_access(user) -> None:
    """Client users and outsiders get a 404 (no hint the page exists); staff below manager a 403."""
    if not is_staff_member(user):
        raise Http404
    if not has_role(user, "manager"):
        raise PermissionDenied("The sync status page is for managers.")


def cursor_time(milliseconds: int) -> datetime | None:
    return datetime.fromtimestamp(milliseconds / 1000, tz=UTC) if milliseconds else None


def source_configured(source: str) -> bool:
    if source == WorklogSource.JIRA:
        return bool(settings.JIRA_BASE_URL)
    return bool(settings.TEMPO_API_TOKEN)


@dataclass
class SourceOverview:
    source: str
    label: str
    enabled: bool
    configured: bool
    state: SyncState | None
    last_run: SyncRun | None
    updated_cursor_at: datetime | None
    deleted_cursor_at: datetime | None
    lag: timedelta | None
    queued: int
    quarantined: int
    last_counts: dict = field(default_factory=empty_counts)
    totals: dict = field(default_factory=empty_counts)
    # Tempo: the last run that reconciled a date window (deletions are found that way).
    last_reconcile: SyncRun | None = None
    configuration_error: str | None = None  # set by the view: why "Sync now" cannot run

    @property
    def count_rows(self):
        return [(key, self.last_counts.get(key, 0), self.totals.get(key, 0)) for key in COUNT_KEYS]


def source_overviews(now: datetime | None = None) -> list[SourceOverview]:
    now = now or timezone.now()
    states = {state.source: state for state in SyncState.objects.all()}
    overviews = []
    for source, label in WorklogSource.choices:
        state = states.get(source)
        last_run = SyncRun.objects.filter(source=source).exclude(trigger="webhook").first()
        updated_at = cursor_time(state.updated_cursor) if state else None
        overviews.append(
            SourceOverview(
                source=source,
                label=label,
                configured=source_configured(source),
                enabled=settings.WORKLOG_SOURCE == source and source_configured(source),
                state=state,
                last_run=shown_status([last_run], now)[0],
                updated_cursor_at=updated_at,
                deleted_cursor_at=cursor_time(state.deleted_cursor) if state else None,
                lag=(now - updated_at) if updated_at else None,
                queued=UnmappedWorklog.objects.filter(source=source).count(),
                quarantined=QuarantinedWorklog.objects.filter(source=source).count(),
                last_counts=last_run.counts() if last_run else empty_counts(),
                totals={
                    key: int((state.totals if state else {}).get(key, 0)) for key in COUNT_KEYS
                },
                last_reconcile=SyncRun.objects.filter(
                    source=source, status=RunStatus.SUCCEEDED, window_from__isnull=False
                ).first(),
            )
        )
    return overviews


def recent_runs(limit: int = 10) -> list[SyncRun]:
    """The latest runs; a running one whose process is gone shows as interrupted."""
    return shown_status(list(SyncRun.objects.all()[:limit]))


@dataclass
class TriageIssue:
    issue_id: str
    issue_key: str
    summary: str
    reason: str
    worklogs: list = field(default_factory=list)

    @property
    def minutes(self) -> int:
        return sum(row.duration_minutes for row in self.worklogs)


def triage_queue(limit: int = 500) -> list[TriageIssue]:
    """Queued worklogs grouped by issue, the issues with most hours first."""
    groups: dict[str, TriageIssue] = {}
    for row in UnmappedWorklog.objects.order_by("issue_id", "local_date", "id")[:limit]:
        group = groups.setdefault(
            row.issue_id, TriageIssue(row.issue_id, row.issue_key, "", row.reason)
        )
        group.worklogs.append(row)
    summaries = dict(
        JiraIssue.objects.filter(issue_id__in=groups).values_list("issue_id", "summary")
    )
    for group in groups.values():
        group.summary = summaries.get(group.issue_id, "")
    return sorted(groups.values(), key=lambda g: (-g.minutes, g.issue_key))


def get_triage_issue_for_user(user, issue_id: str) -> TriageIssue:
    """A queued issue, for managers; 404 when nothing is queued on it."""
    require_sync_access(user)
    rows = list(UnmappedWorklog.objects.filter(issue_id=str(issue_id)).order_by("id"))
    if not rows:
        raise Http404("Nothing is queued on that issue any more.")
    return TriageIssue(rows[0].issue_id, rows[0].issue_key, "", rows[0].reason, rows)


def quarantined_worklogs(limit: int = 100):
    return QuarantinedWorklog.objects.all()[:limit]


def mapping_targets():
    """Choices for the triage action: tasks not linked to any issue yet, and projects."""
    tasks = (
        Task.objects.filter(Q(jira_issue_id__isnull=True) | Q(jira_issue_id=""), is_active=True)
        .select_related("project__client")
        .order_by("project__code", "name")
    )
    projects = (
        Project.objects.select_related("client").exclude(classification="excluded").order_by("code")
    )
    return tasks, projects
