"""Hour-bank figures: at-risk clients (the directory's own selector) and blocks expiring soon
with unused hours (the ledger's FIFO drawing)."""

from dataclasses import dataclass
from datetime import date, timedelta

from clients.models import Client, HourPurchase
from timetracking.selectors import DirectoryRow, Risk, client_directory
from timetracking.selectors.hour_blocks import block_usage_by_client

from .scope import Scope

EXPIRY_WINDOW_DAYS = 60


def at_risk_clients(user, scope: Scope, *, today: date) -> list[DirectoryRow]:
    """The directory's at-risk rows (same balance, run-out and risk rules), soonest first."""
    rows = client_directory(user, risk=Risk.AT_RISK, sort="runout", today=today)
    if scope.client_id:
        rows = [row for row in rows if row.client.pk == scope.client_id]
    return rows


@dataclass(frozen=True)
class ExpiringBlock:
    client: Client
    block_date: date
    expires_on: date
    minutes: int
    unused_minutes: int


def expiring_blocks(scope: Scope, *, today: date, days: int = EXPIRY_WINDOW_DAYS):
    """Blocks expiring from today to today + `days` with unused minutes after FIFO drawing:
    one query (the ledgers of the clients with such a block, with the clients)."""
    until = today + timedelta(days=days)
    client_ids = HourPurchase.objects.filter(
        expires_on__gte=today, expires_on__lte=until, minutes__gt=0
    ).values("client_id")
    clients = Client.objects.filter(pk__in=client_ids, is_internal=False).order_by("code")
    if scope.client_id:
        clients = clients.filter(pk=scope.client_id)
    result = []
    for client, uses in block_usage_by_client(clients):
        result += [
            ExpiringBlock(
                client=client,
                block_date=use.date,
                expires_on=use.expires_on,
                minutes=use.minutes,
                unused_minutes=use.unused,
            )
            for use in uses
            if use.expires_on is not None and today <= use.expires_on <= until and use.unused > 0
        ]
    result.sort(key=lambda block: (block.expires_on, block.client.code))
    return result
