"""Sync status and triage (managers), "Sync now", and the Jira worklog webhook."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from clients.selectors import get_project_for_user, get_task_for_user

from . import selectors, webhooks
from .enqueue import BrokerUnavailable, enqueue_sync_now
from .models import WorklogSource
from .sources import SOURCES, configuration_error
from .triage import TriageError
from .triage import map_issue as map_queued_issue


@login_required
def status(request):
    selectors.require_sync_access(request.user)
    tasks, projects = selectors.mapping_targets()
    sources = selectors.source_overviews()
    for overview in sources:
        overview.configuration_error = configuration_error(overview.source)
    return render(
        request,
        "sync/status.html",
        {
            "sources": sources,
            "runs": selectors.recent_runs(),
            "triage": selectors.triage_queue(),
            "quarantined": selectors.quarantined_worklogs(),
            "map_tasks": tasks,
            "map_projects": projects,
            "worklog_source": settings.WORKLOG_SOURCE,
        },
    )


@login_required
@require_POST
def sync_now(request):
    selectors.require_sync_access(request.user)
    source = request.POST.get("source") or WorklogSource.JIRA
    if source not in SOURCES:
        messages.error(request, f"Unknown source {source!r}; choose jira or tempo.")
        return redirect("sync-status")
    problem = configuration_error(source)
    if problem:
        messages.error(request, problem)
        return redirect("sync-status")
    try:
        enqueue_sync_now(source)
    except BrokerUnavailable as error:
        messages.error(
            request,
            f"Broker unavailable: {error} The {WorklogSource(source).label} sync was not queued; "
            "check that Redis (REDIS_URL) is running, then press Sync now again.",
        )
    else:
        messages.success(
            request,
            f"{WorklogSource(source).label} sync queued; refresh this page in a moment to see its counts.",
        )
    return redirect("sync-status")


@login_required
@require_POST
def map_issue(request, issue_id):
    """Triage: link the issue to a task (`target=task:<id>`) or create it under a project
    (`target=project:<id>`), then re-evaluate its queued worklogs."""
    issue = selectors.get_triage_issue_for_user(request.user, issue_id)
    kind, _, target_id = request.POST.get("target", "").partition(":")
    label = issue.issue_key or f"issue {issue.issue_id}"
    if kind not in ("task", "project") or not target_id.isdigit():
        messages.error(
            request, f"Choose a task or a project for {label} (e.g. 'Checkout bug' or 'ACME-WEB')."
        )
        return redirect("sync-status")
    task = get_task_for_user(request.user, target_id) if kind == "task" else None
    project = get_project_for_user(request.user, target_id) if kind == "project" else None
    try:
        run = map_queued_issue(issue_id=issue.issue_id, task=task, project=project)
    except TriageError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            f"{label} mapped: {run.created} entr{'y' if run.created == 1 else 'ies'} created.",
        )
    return redirect("sync-status")


@csrf_exempt
@require_POST
def jira_webhook(request):
    """Jira's admin webhook (INTERFACES §3): HMAC-signed, answered at once, work done by Celery."""
    if not webhooks.verify_jira_signature(
        settings.JIRA_WEBHOOK_SECRET, request.body, request.headers.get("X-Hub-Signature")
    ):
        return JsonResponse(
            {
                "detail": "Missing or bad signature: send X-Hub-Signature: sha256=<hex HMAC-SHA256 of the body keyed by the webhook secret>."
            },
            status=401,
        )
    try:
        event = webhooks.read_jira_webhook(request.body, settings.WORKLOG_SOURCE)
        identifier = webhooks.delivery_identifier(
            request.headers.get("X-Atlassian-Webhook-Identifier"), request.body
        )
    except webhooks.WebhookRejected as error:
        return JsonResponse({"detail": str(error), "errors": error.errors}, status=400)
    try:
        outcome = webhooks.accept_jira_webhook(event, identifier)
    except webhooks.WebhookNotQueued as error:
        return JsonResponse({"detail": str(error)}, status=503)
    return JsonResponse({"status": outcome}, status=202)
