"""Celery tasks of timetracking: they only turn ids into objects and call a service."""

from celery import shared_task

from clients.models import Client

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
