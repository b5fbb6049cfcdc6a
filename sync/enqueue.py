"""Publishing sync jobs to the broker, after the caller's commit. A broker that cannot take the
job (Redis down) is a `BrokerUnavailable` the views answer with a clear message, never a 500."""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction
from kombu.exceptions import KombuError

from . import tasks
from .models import RunTrigger, WorklogSource


class BrokerUnavailable(RuntimeError):
    """The broker refused the job; `str` says so in words a manager understands."""


def publish(send: Callable[[], object], *, on_failure: Callable[[], None] | None = None) -> None:
    """Call `send` (a task's `.delay(…)`); a broker failure runs `on_failure`, then raises
    BrokerUnavailable."""
    try:
        send()
    except (KombuError, OSError) as error:
        if on_failure is not None:
            on_failure()
        raise BrokerUnavailable(
            f"The job queue (broker) is unavailable ({error.__class__.__name__})."
        ) from error


def publish_after_commit(
    send: Callable[[], object], *, on_failure: Callable[[], None] | None = None
) -> None:
    """`publish` once the caller's transaction commits (at once outside a transaction), so the
    worker never looks for rows that are not committed yet. Outside a transaction, or at the
    outermost commit, a BrokerUnavailable reaches the caller."""
    transaction.on_commit(lambda: publish(send, on_failure=on_failure))


def enqueue_sync_now(source: str = WorklogSource.JIRA) -> None:
    """The status page's "Sync now": a run on the worker. Raises BrokerUnavailable when the
    broker cannot take it (call it outside a transaction to hear about that)."""
    task = tasks.sync_tempo if source == WorklogSource.TEMPO else tasks.sync_jira
    publish_after_commit(lambda: task.delay(trigger=RunTrigger.MANUAL))
