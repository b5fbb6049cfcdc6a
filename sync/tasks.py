"""Celery tasks of the sync: they parse ids and call one sync function (ARCHITECTURE.md). Each
source's tasks do nothing when WORKLOG_SOURCE names the other one, so both beat entries can stay
scheduled."""

import logging
from datetime import date

from celery import shared_task

from core.tasks import register_sweep

from .feeds import jira, tempo
from .liveness import mark_interrupted_runs
from .models import RunTrigger, SyncRun, WorklogSource
from .sources import SourceNotConfigured, configuration_error, run_sync

logger = logging.getLogger(__name__)


def _result(run: SyncRun) -> dict:
    return {"run": run.pk, "status": run.status, **run.counts()}


def _scheduled(source: str, trigger: str, **options) -> dict:
    try:
        return _result(run_sync(source, trigger=trigger, **options))
    except SourceNotConfigured as problem:
        logger.info("%s sync skipped: %s", WorklogSource(source).label, problem)
        return {"skipped": str(problem)}


@shared_task(name="sync.tasks.sync_jira")
def sync_jira(full: bool = False, trigger: str = RunTrigger.BEAT) -> dict:
    """One Jira run (Celery beat every JIRA_SYNC_INTERVAL_SECONDS, and "Sync now")."""
    return _scheduled(WorklogSource.JIRA, trigger, full=bool(full))


@shared_task(name="sync.tasks.sync_tempo")
def sync_tempo(
    trigger: str = RunTrigger.BEAT, date_from: str | None = None, date_to: str | None = None
) -> dict:
    """One Tempo run (Celery beat every JIRA_SYNC_INTERVAL_SECONDS, and "Sync now"): the updates
    since the cursor, and a reconcile of the last TEMPO_RECONCILE_DAYS days (or the given window)."""
    window = (
        {"date_from": date.fromisoformat(date_from), "date_to": date.fromisoformat(date_to)}
        if date_from and date_to
        else {}  # the last TEMPO_RECONCILE_DAYS
    )
    return _scheduled(WorklogSource.TEMPO, trigger, **window)


@shared_task(name="sync.tasks.fetch_jira_worklog")
def fetch_jira_worklog(issue_id: str, worklog_id: str) -> dict:
    """A worklog_created/updated webhook: fetch and apply just that worklog."""
    problem = configuration_error(WorklogSource.JIRA)
    if problem:
        return {"skipped": problem}
    return _result(jira.fetch_jira_worklog(str(issue_id), str(worklog_id)))


@shared_task(name="sync.tasks.delete_jira_worklog")
def delete_jira_worklog(worklog_id: str) -> dict:
    """A worklog_deleted webhook: delete the entry by worklog id, no fetch."""
    problem = configuration_error(WorklogSource.JIRA)
    if problem:
        return {"skipped": problem}
    return _result(jira.delete_jira_worklog(str(worklog_id)))


@shared_task(name="sync.tasks.fetch_tempo_worklogs")
def fetch_tempo_worklogs(issue_id: str, on_date: str) -> dict:
    """A Jira worklog_created/updated webhook with WORKLOG_SOURCE=tempo: that issue's Tempo
    worklogs around that day."""
    problem = configuration_error(WorklogSource.TEMPO)
    if problem:
        return {"skipped": problem}
    return _result(tempo.fetch_tempo_worklogs(str(issue_id), date.fromisoformat(on_date)))


@shared_task(name="sync.tasks.delete_tempo_worklog")
def delete_tempo_worklog(jira_worklog_id: str) -> dict:
    """A Jira worklog_deleted webhook with WORKLOG_SOURCE=tempo: delete the entry that carries
    that Jira worklog id."""
    problem = configuration_error(WorklogSource.TEMPO)
    if problem:
        return {"skipped": problem}
    return _result(tempo.delete_by_jira_worklog_id(str(jira_worklog_id)))


@register_sweep("sync: runs whose process died")
def _interrupted_runs() -> int:
    return mark_interrupted_runs()
