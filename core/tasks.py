"""Celery plumbing shared by every app: the task base class (retries with backoff and jitter,
late acks) and the periodic sweep that picks up work whose task never reached the broker.

Every `@shared_task` in the project gets `RetryingTask` as its base (config/celery.py sets it as
the app's task class), so an app's tasks.py stays a thin wrapper and still survives a PostgreSQL
restart or a broker blip.

A write never depends on the broker: it commits first and enqueues after the commit
(`enqueue_after_commit`); when Redis is down the enqueue is logged and dropped, and the write's
rows still say what is pending (an approved invoice without a PDF, an alert check not yet done).
`sweep_pending_work` runs from beat and calls every registered sweep, each of which finds such rows
and enqueues their task again. Tasks are idempotent, so a sweep that races the original task only
repeats work that changes nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from celery import Task, shared_task
from django.db import InterfaceError, OperationalError, transaction
from kombu.exceptions import KombuError

logger = logging.getLogger(__name__)

# The longest a retried task waits before its next try. The broker's visibility timeout
# (settings.CELERY_BROKER_TRANSPORT_OPTIONS) must stay above it, or Redis would hand a task that is
# merely waiting to a second worker.
RETRY_BACKOFF_MAX_SECONDS = 600
MAX_RETRIES = 8

# Failures that say "try again later": the database restarting or failing over, the broker or
# cache unreachable. A bug (ValueError, IntegrityError, …) is not retried: it would fail again.
TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (
    OperationalError,
    InterfaceError,
    KombuError,
    ConnectionError,
    TimeoutError,
)


class RetryingTask(Task):
    """Base of every task: retried on transient errors with exponential backoff (1 s, 2 s, 4 s …
    up to RETRY_BACKOFF_MAX_SECONDS) and full jitter, so workers that lost the database together
    do not come back in lockstep (Celery's Django fixup drops broken connections before each
    try). Acked only after it ran, and re-queued when its worker dies
    (kill -9, OOM), which is safe because tasks are idempotent."""

    autoretry_for = TRANSIENT_ERRORS
    retry_backoff = True
    retry_backoff_max = RETRY_BACKOFF_MAX_SECONDS
    retry_jitter = True
    max_retries = MAX_RETRIES
    acks_late = True
    reject_on_worker_lost = True


def enqueue(send: Callable[[], object], *, what: str) -> bool:
    """Call `send` (a task's `.delay(…)`) now; True when the broker took it. A broker that is
    down is logged, not raised: the caller's write already committed and a sweep will enqueue
    the work again (`register_sweep`)."""
    try:
        send()
    except (KombuError, OSError) as error:
        logger.warning(
            "Could not enqueue %s (%s); the periodic sweep will pick it up.",
            what,
            error.__class__.__name__,
        )
        return False
    return True


def enqueue_after_commit(send: Callable[[], object], *, what: str) -> None:
    """`enqueue` once the caller's transaction commits, so the worker never looks for rows that
    are not committed yet, and a write never fails because Redis is down."""
    transaction.on_commit(lambda: enqueue(send, what=what))


Sweep = Callable[[], int]
_SWEEPS: dict[str, Sweep] = {}


def register_sweep(name: str) -> Callable[[Sweep], Sweep]:
    """Register a function that finds rows whose task is still pending (e.g. approved invoices
    without a PDF) and enqueues the task again; it returns how many it enqueued. Apps register
    theirs at import time from their tasks.py, e.g.::

        @register_sweep("billing: approved invoices without a PDF")
        def _invoices_without_pdf() -> int: ...
    """

    def decorator(function: Sweep) -> Sweep:
        _SWEEPS[name] = function
        return function

    return decorator


def registered_sweeps() -> dict[str, Sweep]:
    return dict(_SWEEPS)


@shared_task(name="core.tasks.sweep_pending_work")
def sweep_pending_work() -> dict[str, int | str]:
    """Beat, every few minutes: run every registered sweep. One failing sweep is logged and the
    others still run."""
    results: dict[str, int | str] = {}
    for name, sweep in registered_sweeps().items():
        try:
            results[name] = sweep()
        except Exception as error:  # noqa: BLE001 - one sweep never stops the others
            logger.exception("Sweep %r failed", name)
            results[name] = f"error: {error.__class__.__name__}"
    return results
