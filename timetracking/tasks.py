"""Celery tasks of timetracking: they only turn ids into objects and call a service."""

from celery import shared_task

from clients.models import Client

from .alerts import check_balance_alerts
from .services import reapply_billing_rules


@shared_task
def reapply_billing_rules_task(client_id: int | None = None) -> int:
    """Recompute unlocked entries' billable minutes after a billing plan changed.

    `client_id` None means every client. Returns how many entries changed."""
    client = Client.objects.get(pk=client_id) if client_id is not None else None
    return reapply_billing_rules(client=client).entries


@shared_task
def check_balance_alerts_task(client_id: int) -> str | None:
    """Send the client's low/negative balance alert if its balance just crossed (idempotent:
    the alert state row remembers what was sent)."""
    return check_balance_alerts(client_id)
