"""Celery tasks of timetracking: they only turn ids into objects and call a service."""

from celery import shared_task

from clients.models import Client
from core.tasks import enqueue, register_sweep

from .alerts import check_balance_alerts, clients_with_pending_alert_check
from .services import reapply_billing_rules
from .services.hour_blocks import run_hour_block_day


@shared_task
def reapply_billing_rules_task(client_id: int | None = None) -> int:
    """Recompute unlocked entries' billable minutes after a billing plan changed.

    `client_id` None means every client. Returns how many entries changed."""
    client = Client.objects.get(pk=client_id) if client_id is not None else None
    return reapply_billing_rules(client=client).entries


@shared_task
def expire_hour_blocks_task() -> dict:
    """Daily (beat): expire the hour blocks due today and send the expiry notices due.

    Idempotent: a block is expired once and each notice sent once, however often it runs."""
    run = run_hour_block_day()
    return {"expired": run.expired, "minutes": run.minutes, "notices": run.notices}


@shared_task
def check_balance_alerts_task(client_id: int) -> str | None:
    """Send the client's low/negative balance alert if its balance just crossed (idempotent:
    the alert state row remembers what was sent)."""
    return check_balance_alerts(client_id)


@register_sweep("timetracking: balance alerts not yet checked")
def enqueue_pending_alert_checks() -> int:
    """Clients whose balance crossed (or climbed back over) the threshold without a check having
    run: enqueue the check again (it is idempotent: the state row remembers what was sent)."""
    return sum(
        enqueue(
            lambda pk=pk: check_balance_alerts_task.delay(pk),
            what=f"the balance alert check of client {pk}",
        )
        for pk in clients_with_pending_alert_check()
    )
