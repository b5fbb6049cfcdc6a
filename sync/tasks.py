"""Celery tasks of the sync: they parse ids and call `sync.services` (ARCHITECTURE.md)."""

import logging

from celery import shared_task

from . import services
from .models import RunTrigger

logger = logging.getLogger(__name__)


@shared_task(name="sync.tasks.sync_jira")
def sync_jira(full: bool = False, trigger: str = RunTrigger.BEAT) -> dict:
    """One Jira run (Celery beat every JIRA_SYNC_INTERVAL_SECONDS, and "Sync now")."""
    problem = services.jira_configuration_error()
    if problem:
        logger.info("Jira sync skipped: %s", problem)
        return {"skipped": problem}
    run = services.run_jira_sync(full=bool(full), trigger=trigger)
    return {"run": run.pk, "status": run.status, **run.counts()}


@shared_task(name="sync.tasks.fetch_jira_worklog")
def fetch_jira_worklog(issue_id: str, worklog_id: str) -> dict:
    """A worklog_created/updated webhook: fetch and apply just that worklog."""
    problem = services.jira_configuration_error()
    if problem:
        return {"skipped": problem}
    run = services.fetch_jira_worklog(str(issue_id), str(worklog_id))
    return {"run": run.pk, "status": run.status, **run.counts()}


@shared_task(name="sync.tasks.delete_jira_worklog")
def delete_jira_worklog(worklog_id: str) -> dict:
    """A worklog_deleted webhook: delete the entry by worklog id, no fetch."""
    problem = services.jira_configuration_error()
    if problem:
        return {"skipped": problem}
    run = services.delete_jira_worklog(str(worklog_id))
    return {"run": run.pk, "status": run.status, **run.counts()}
