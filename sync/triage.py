"""The triage queue (PRODUCT §3.5): worklogs whose issue maps to no task wait in
`UnmappedWorklog`; every run re-evaluates them, and a manager maps an issue to a task or project."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from clients.models import Project, Task

from .clients.jira import JiraClient
from .issues import create_task_for_issue, link_task_to_issue, refresh_issues
from .mapping import Outcome, reevaluate_unmapped
from .models import JiraIssue, RunStatus, RunTrigger, SyncRun, UnmappedWorklog, empty_counts
from .runs import commit_counts, locked_state, page_transaction, tally


class TriageError(ValueError):
    """A triage action that cannot be done; the message says why."""


def reevaluate_queue(client: JiraClient, run: SyncRun) -> None:
    """Every run re-evaluates its source's queue: a link made meanwhile turns it into entries."""
    issue_ids = set(
        UnmappedWorklog.objects.filter(source=run.source).values_list("issue_id", flat=True)
    )
    if not issue_ids:
        return
    refresh_issues(client, issue_ids)
    with page_transaction(run) as (_, counts):
        for result in reevaluate_unmapped(run.source):
            if result.outcome != Outcome.UNMAPPED:  # still queued: counted when it was fetched
                tally(counts, result)


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
        states = {source: locked_state(source) for source in sources}
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
                tally(counts, result)
            commit_counts(state, run, counts)
    return run
