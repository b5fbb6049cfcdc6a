"""Runs whose process died (issue 20): a worker killed with -9 or a lost host never reaches
`finish_run`, so its run would say "running" forever. A run records the process running it
(`holder`, host:pid) and touches `heartbeat_at` with every page; it is interrupted when its
process is gone from this host, or when no page beat for `STALE_AFTER` (another host's process,
which this one cannot see). The next run of the source and the periodic sweep mark such runs;
the status page shows them as interrupted before that.

Marking changes no entry: a page's work and its cursor commit together, so whatever the dead run
left uncommitted is fetched again by the next run (`sync.runs`)."""

from __future__ import annotations

import os
import socket
from datetime import datetime, timedelta

from django.db.models import Q
from django.utils import timezone

from .models import RunStatus, SyncRun

# Pages commit every few seconds; a run silent this long is not coming back.
STALE_AFTER = timedelta(minutes=10)
INTERRUPTED_ERROR = "Interrupted: the process running this sync stopped before it finished."


def this_holder() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: alive
    return True


def is_interrupted(run: SyncRun, now: datetime | None = None) -> bool:
    """Whether a running run's process is gone (see the module's rule)."""
    if run.status != RunStatus.RUNNING:
        return False
    now = now or timezone.now()
    beat = run.heartbeat_at or run.started_at
    if beat is not None and beat < now - STALE_AFTER:
        return True
    host, _, pid = run.holder.rpartition(":")
    return host == socket.gethostname() and pid.isdigit() and not _process_alive(int(pid))


def shown_status(runs, now: datetime | None = None):
    """The runs with the status a page shows: running runs whose process is gone say
    "interrupted" before any run or sweep marks them (in memory only)."""
    now = now or timezone.now()
    for run in runs:
        if run is not None and is_interrupted(run, now):
            run.status = RunStatus.INTERRUPTED
    return runs


def mark_interrupted_runs(source: str | None = None) -> int:
    """Mark the source's (or every source's) runs whose process is gone as interrupted; returns
    how many. Only rows still running are changed, so a run that finishes meanwhile keeps its
    own status."""
    now = timezone.now()
    running = SyncRun.objects.filter(status=RunStatus.RUNNING)
    if source is not None:
        running = running.filter(source=source)
    gone = [run.pk for run in running if is_interrupted(run, now)]
    if not gone:
        return 0
    return SyncRun.objects.filter(Q(pk__in=gone), status=RunStatus.RUNNING).update(
        status=RunStatus.INTERRUPTED, finished_at=now, error=INTERRUPTED_ERROR
    )


def beat(run: SyncRun) -> None:
    """A running run is alive: called with every page."""
    run.heartbeat_at = timezone.now()
    SyncRun.objects.filter(pk=run.pk).update(heartbeat_at=run.heartbeat_at)
