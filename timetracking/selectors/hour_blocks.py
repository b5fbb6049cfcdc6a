"""Hour-block reads (PRODUCT §5.4): a client's blocks with what was drawn from each, and the
blocks that will expire unused at the current pace. Two queries per client, whatever the number
of rows: the ledger and the balance."""

from dataclasses import dataclass
from datetime import date

from clients.models import Client, HourPurchase, LedgerKind
from core.calendar import today_in
from core.units import minutes_to_hours

from ..balances import Balance, balance_of
from ..hour_blocks import (
    BlockUse,
    ExpiryForecast,
    LedgerBlock,
    draw_blocks,
    forecast_unused_at_expiry,
)


@dataclass(frozen=True)
class ClientBlocks:
    client: Client
    today: date  # in the client's timezone
    balance: Balance
    blocks: list[BlockUse]
    forecasts: list[ExpiryForecast]

    @property
    def unused_minutes(self) -> int:
        return sum(block.unused for block in self.blocks)

    @property
    def unused_hours(self):
        return minutes_to_hours(self.unused_minutes)


def ledger_blocks(client: Client) -> tuple[list[LedgerBlock], int]:
    """The client's blocks and the minutes its negative corrections take (one query)."""
    return _blocks_of(
        HourPurchase.objects.filter(client=client).values_list(*LEDGER_COLUMNS).order_by("id")
    )


LEDGER_COLUMNS = ("id", "date", "minutes", "kind", "expires_on", "expires_block_id")


def _blocks_of(rows) -> tuple[list[LedgerBlock], int]:
    expired: dict[int, int] = {}
    adding = []
    taken = 0
    for row_id, row_date, minutes, kind, expires_on, expires_block_id in rows:
        if kind == LedgerKind.EXPIRY:
            if expires_block_id is not None:
                expired[expires_block_id] = expired.get(expires_block_id, 0) - minutes
            else:
                taken -= minutes
        elif minutes > 0:
            adding.append((row_id, row_date, minutes, expires_on))
        else:
            taken -= minutes
    blocks = [
        LedgerBlock(
            id=row_id,
            date=row_date,
            minutes=minutes,
            expires_on=expires_on,
            expired_minutes=expired.get(row_id, 0),
        )
        for row_id, row_date, minutes, expires_on in adding
    ]
    return blocks, taken


def block_usage(client: Client, *, balance: Balance | None = None) -> list[BlockUse]:
    """Each block with drawn, unused and expired minutes, in drawing order."""
    balance = balance or balance_of(client, today=today_in(client.timezone))
    blocks, taken = ledger_blocks(client)
    return draw_blocks(blocks, balance.consumed_minutes + taken)


def block_usage_by_client(clients) -> list[tuple[Client, list[BlockUse]]]:
    """`block_usage` of the clients of a queryset that have ledger rows, in one query (the
    rows with their clients): what is drawn is the balance's consumed minutes, the client
    row's running total."""
    rows = (
        HourPurchase.objects.filter(client__in=clients)
        .select_related("client")
        .order_by("client__code", "client_id", "id")
    )
    ledgers: dict[int, tuple[Client, list]] = {}
    for row in rows:
        ledger = ledgers.setdefault(row.client_id, (row.client, []))[1]
        ledger.append(tuple(getattr(row, column) for column in LEDGER_COLUMNS))
    result = []
    for client, ledger in ledgers.values():
        blocks, taken = _blocks_of(ledger)
        result.append((client, draw_blocks(blocks, client.consumed_minutes + taken)))
    return result


def client_blocks(client: Client, *, balance: Balance | None = None) -> ClientBlocks:
    """Blocks, their use and the expiry forecast, as the client page's ledger card shows them."""
    today = today_in(client.timezone)
    balance = balance or balance_of(client, today=today)
    blocks = block_usage(client, balance=balance)
    return ClientBlocks(
        client=client,
        today=today,
        balance=balance,
        blocks=blocks,
        forecasts=forecast_unused_at_expiry(
            blocks, burn_minutes_per_day=balance.burn_minutes_per_day, today=today
        ),
    )


def expiry_warnings(client: Client, *, balance: Balance | None = None) -> list[ExpiryForecast]:
    """Blocks that will expire with hours left at the current burn rate (run-out forecast)."""
    return client_blocks(client, balance=balance).forecasts


def ledger_rows(client: Client, limit: int = 200):
    """The ledger, newest first, with who entered each row."""
    return (
        HourPurchase.objects.filter(client=client)
        .select_related("entered_by")
        .order_by("-date", "-id")[:limit]
    )
