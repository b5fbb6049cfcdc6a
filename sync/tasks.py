"""Celery tasks of the sync: they parse ids and call the sync services (`sync.services`,
`sync.tempo`; ARCHITECTURE.md). Each source's tasks do nothing when WORKLOG_SOURCE names the
other one, so both beat entries can stay scheduled."""

import logging
from datetime import date

from celery import shared_task

from . import services, tempo
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


@shared_task(name="sync.tasks.sync_tempo")
def sync_tempo(
    trigger: str = RunTrigger.BEAT, date_from: str | None = None, date_to: str | None = None
) -> dict:
    """One Tempo run (Celery beat every JIRA_SYNC_INTERVAL_SECONDS, and "Sync now"): the updates
    since the cursor, and a reconcile of the last TEMPO_RECONCILE_DAYS days (or the given window)."""
    problem = tempo.tempo_configuration_error()
    if problem:
        logger.info("Tempo sync skipped: %s", problem)
        return {"skipped": problem}
    window = (
        (date.fromisoformat(date_from), date.fromisoformat(date_to))
        if date_from and date_to
        else (None, None)  # the last TEMPO_RECONCILE_DAYS
    )
    run = tempo.run_scheduled_tempo_sync(date_from=window[0], date_to=window[1], trigger=trigger)
    return {"run": run.pk, "status": run.status, **run.counts()}


@shared_task(name="sync.tasks.fetch_tempo_worklogs")
def fetch_tempo_worklogs(issue_id: str, on_date: str) -> dict:
    """A Jira worklog_created/updated webhook with WORKLOG_SOURCE=tempo: that issue's Tempo
    worklogs around that day."""
    problem = tempo.tempo_configuration_error()
    if problem:
        return {"skipped": problem}
    run = tempo.fetch_tempo_worklogs(str(issue_id), date.fromisoformat(on_date))
    return {"run": run.pk, "status": run.status, **run.counts()}


@shared_task(name="sync.tasks.delete_tempo_worklog")
def delete_tempo_worklog(jira_worklog_id: str) -> dict:
    """A Jira worklog_deleted webhook with WORKLOG_SOURCE=tempo: delete the entry that carries
    that Jira worklog id."""
    problem = tempo.tempo_configuration_error()
    if problem:
        return {"skipped": problem}
    run = tempo.delete_by_jira_worklog_id(str(jira_worklog_id))
    return {"run": run.pk, "status": run.status, **run.counts()}
