"""Jira issues as both feeds need them (PRODUCT §3.2): the metadata cache (`JiraIssue`), the
display names of unknown authors, and the task each issue's worklogs belong to."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from clients.models import Project, Task
from timetracking.models import Member

from .clients.jira import JiraClient
from .models import JiraIssue
from .worklog import Fetched, NormalizedWorklog

# --- metadata ----------------------------------------------------------------------------


def issue_row(issue: dict) -> dict | None:
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
        row = issue_row(issue)
        if row:
            found[str(issue["id"])] = row
    # Search is eventually consistent: ask the issue endpoint for what it did not return.
    for issue_id in wanted - set(found):
        row = issue_row(client.issue(issue_id))
        if row:
            found[issue_id] = row
    fetched_at = timezone.now()
    with transaction.atomic():
        for issue_id, row in found.items():
            JiraIssue.objects.update_or_create(
                issue_id=issue_id, defaults={**row, "fetched_at": fetched_at}
            )


def with_display_names(client: JiraClient, fetched: list[Fetched]) -> list[Fetched]:
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


# --- issue → task ------------------------------------------------------------------------


def copy_issue_to_task(task: Task, issue: JiraIssue) -> None:
    """The task caches the issue's metadata; the key follows Jira when the issue moved."""
    fields = {
        "jira_summary": issue.summary[:500],
        "jira_issue_type": issue.issue_type[:100],
        "jira_priority": issue.priority[:100],
        "jira_priority_id": issue.priority_id[:32],
        "jira_labels": list(issue.labels),
        "jira_project_key": issue.project_key[:64],
        "jira_fetched_at": issue.fetched_at,
    }
    if not task.jira_issue_id:
        fields["jira_issue_id"] = issue.issue_id
    if issue.key and task.jira_issue_key != issue.key:
        # Keys are unique: while another (stale) task still holds the new key, keep the old one.
        if not Task.objects.filter(jira_issue_key__iexact=issue.key).exclude(pk=task.pk).exists():
            fields["jira_issue_key"] = issue.key
    changed = {name: value for name, value in fields.items() if getattr(task, name) != value}
    if changed:
        for name, value in changed.items():
            setattr(task, name, value)
        task.save(update_fields=list(changed))


def link_task_to_issue(task: Task, issue: JiraIssue) -> Task:
    """Link an existing task to a Jira issue (triage, admin); refuses a task linked elsewhere."""
    if task.jira_issue_id and task.jira_issue_id != issue.issue_id:
        raise ValueError(
            f"Task {task} is already linked to Jira issue {task.jira_issue_key or task.jira_issue_id}."
        )
    other = Task.objects.filter(jira_issue_id=issue.issue_id).exclude(pk=task.pk).first()
    if other:
        raise ValueError(
            f"Jira issue {issue.key} is already linked to task {other} ({other.project.code})."
        )
    task.jira_issue_id = issue.issue_id
    task.save(update_fields=["jira_issue_id"])
    copy_issue_to_task(task, issue)
    return task


def create_task_for_issue(project: Project, issue: JiraIssue) -> Task:
    existing = Task.objects.filter(jira_issue_id=issue.issue_id).first()
    if existing:
        return existing
    task = Task.objects.create(
        project=project,
        name=(issue.summary or issue.key)[:300],
        jira_issue_id=issue.issue_id,
        jira_issue_key=issue.key or None,
    )
    copy_issue_to_task(task, issue)
    return task


def _projects_matching(issue: JiraIssue) -> tuple[list[Project], str]:
    """Step 2 of PRODUCT §3.2: projects by label, else by Jira project key; with the rule used."""
    labels = {label.lower() for label in issue.labels}
    projects = list(Project.objects.select_related("client").order_by("code"))
    if labels:
        by_label = [p for p in projects if labels & {str(x).lower() for x in p.jira_labels or []}]
        if by_label:
            return by_label, f"label(s) {', '.join(sorted(issue.labels))}"
    if issue.project_key:
        key = issue.project_key.lower()
        by_key = [p for p in projects if key in {str(x).lower() for x in p.jira_project_keys or []}]
        if by_key:
            return by_key, f"Jira project key {issue.project_key}"
    return [], ""


def resolve_task(
    worklog: NormalizedWorklog, issue: JiraIssue | None, *, known: Task | None = None
) -> tuple[Task | None, str]:
    """The task a worklog belongs to (creating one under a matching project), or the reason why
    it goes to triage. `known`: the task linked to the issue, when the caller read it already."""
    task = known or (
        Task.objects.select_related("project__client")
        .filter(jira_issue_id=worklog.issue_id)
        .first()
    )
    key = (issue.key if issue else None) or worklog.issue_key
    if task is None and key:
        task = (
            Task.objects.select_related("project__client")
            .filter(Q(jira_issue_id__isnull=True) | Q(jira_issue_id=""), jira_issue_key__iexact=key)
            .first()
        )
        if task is not None and issue is None:
            task.jira_issue_id = worklog.issue_id
            task.save(update_fields=["jira_issue_id"])
    if task is not None:
        if issue is not None and (
            task.jira_fetched_at is None
            or task.jira_fetched_at < issue.fetched_at
            or not task.jira_issue_id
        ):
            copy_issue_to_task(task, issue)
        return task, ""
    label = key or f"issue {worklog.issue_id}"
    if issue is None:
        return (
            None,
            f"{label} is linked to no task, and its details could not be read from Jira (missing, or hidden from the sync account).",
        )
    projects, rule = _projects_matching(issue)
    if len(projects) == 1:
        return create_task_for_issue(projects[0], issue), ""
    if len(projects) > 1:
        codes = ", ".join(p.code for p in projects)
        return (
            None,
            f"{label}: {rule} match several projects ({codes}); link the issue to one task or project.",
        )
    hints = []
    if issue.labels:
        hints.append(f"label(s) {', '.join(issue.labels)}")
    if issue.project_key:
        hints.append(f"Jira project key {issue.project_key}")
    return (
        None,
        f"{label} is linked to no task, and no project has {' or '.join(hints) or 'its labels or project key'}.",
    )
