"""Hour blocks (PRODUCT §5.4): how consumption draws on a client's ledger. Pure arithmetic on
plain values; the reads are in `selectors/hour_blocks.py`, the writes in `services/hour_blocks.py`.

A block is a ledger row that adds minutes (a purchase, or a positive correction). Consumption
(billable minutes, billing adjustments) and the rows that take minutes away without naming a
block (negative corrections) are drawn first-expiring first: blocks with an expiry date by that
date, then blocks without one, ties by date and id. An `expiry` row closes the block it names:
that block keeps what was drawn from it when it expired and nothing more."""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal


@dataclass(frozen=True)
class LedgerBlock:
    """A block as read from the ledger; `expired_minutes` is what its expiry row took (≥ 0)."""

    id: int
    date: date
    minutes: int
    expires_on: date | None
    expired_minutes: int = 0


@dataclass(frozen=True)
class BlockUse:
    """A block after drawing: `drawn` + `unused` + `expired` = `minutes`."""

    id: int
    date: date
    minutes: int
    expires_on: date | None
    drawn: int
    unused: int
    expired: int

    @property
    def is_expired(self) -> bool:
        return self.expired > 0


def fifo_order(block: LedgerBlock) -> tuple:
    """Blocks that expire first are drawn first; blocks without expiry last; then date, id."""
    return (block.expires_on is None, block.expires_on or date.min, block.date, block.id)


def draw_blocks(blocks: list[LedgerBlock], drawn_minutes: int) -> list[BlockUse]:
    """Draw `drawn_minutes` from `blocks` first-expiring first, in that order.

    Minutes beyond every block's capacity are an overdraft (negative remaining) and are not
    attributed to a block; a negative `drawn_minutes` (credits exceed use) draws nothing."""
    left = max(0, drawn_minutes)
    uses = []
    for block in sorted(blocks, key=fifo_order):
        capacity = max(0, block.minutes - block.expired_minutes)
        drawn = min(capacity, left)
        left -= drawn
        uses.append(
            BlockUse(
                id=block.id,
                date=block.date,
                minutes=block.minutes,
                expires_on=block.expires_on,
                drawn=drawn,
                unused=capacity - drawn,
                expired=block.minutes - capacity,
            )
        )
    return uses


def is_due_for_expiry(block: BlockUse, client_today: date) -> bool:
    """A block expires the day after its `expires_on` (client timezone), once, if unused."""
    return (
        block.expires_on is not None
        and client_today > block.expires_on
        and not block.is_expired
        and block.unused > 0
    )


def expiry_day(expires_on: date) -> date:
    """The date of a block's expiry row: the first day it is no longer valid."""
    return expires_on + timedelta(days=1)


@dataclass(frozen=True)
class ExpiryForecast:
    """A block that, at the current burn rate, still has `unused_minutes` when it expires."""

    block: BlockUse
    unused_minutes: int


def forecast_unused_at_expiry(
    uses: list[BlockUse], *, burn_minutes_per_day: Decimal, today: date
) -> list[ExpiryForecast]:
    """Blocks that will expire with minutes left if consumption goes on at the current pace.

    Consumption from today to a block's expiry date (inclusive) first fills the blocks that
    expire before it (what they absorb does not reach it), then draws on it."""
    forecasts = []
    absorbed = 0
    for use in sorted(uses, key=lambda u: fifo_order(u)):
        if use.expires_on is None or use.unused <= 0 or use.expires_on < today:
            continue
        days = (use.expires_on - today).days + 1
        demand = int(burn_minutes_per_day * days)
        drawn = min(use.unused, max(0, demand - absorbed))
        absorbed += drawn
        if use.unused > drawn:
            forecasts.append(ExpiryForecast(block=use, unused_minutes=use.unused - drawn))
    return forecasts


def notice_due(use: BlockUse, client_today: date) -> int | None:
    """Which expiry notice (30 or 7 days before) a block with unused minutes is due for today,
    if any; a block first seen within 7 days gets only the 7-day notice."""
    if use.expires_on is None or use.unused <= 0 or use.is_expired:
        return None
    days_left = (use.expires_on - client_today).days
    if days_left < 0:
        return None
    if days_left <= 7:
        return 7
    if days_left <= 30:
        return 30
    return None
