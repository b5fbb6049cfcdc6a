"""The two worklog sources behind one interface: whether a source may run here, and its one
scheduled run. `sync_jira`, `sync_tempo`, their Celery tasks and "Sync now" all go through here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .feeds.jira import jira_configuration_error, run_jira_sync
from .feeds.tempo import run_scheduled_tempo_sync, tempo_configuration_error
from .models import SyncRun, WorklogSource


class SourceNotConfigured(Exception):
    """The source may not run here; `str` says why and what to set."""


@dataclass(frozen=True)
class SyncSource:
    configuration_error: Callable[[], str | None]
    run: Callable[..., SyncRun]  # (trigger=…, **source options) → the finished run


SOURCES: dict[str, SyncSource] = {
    WorklogSource.JIRA: SyncSource(jira_configuration_error, run_jira_sync),
    WorklogSource.TEMPO: SyncSource(tempo_configuration_error, run_scheduled_tempo_sync),
}


def configuration_error(source: str) -> str | None:
    """Why `source` may not sync here, or None when it may."""
    return SOURCES[source].configuration_error()


def run_sync(source: str, *, trigger: str, **options) -> SyncRun:
    """One run of `source` as beat, "Sync now" and the commands start it. Options: Jira `full`;
    Tempo `date_from`/`date_to` (default: the last TEMPO_RECONCILE_DAYS days)."""
    problem = configuration_error(source)
    if problem:
        raise SourceNotConfigured(problem)
    return SOURCES[source].run(trigger=trigger, **options)
