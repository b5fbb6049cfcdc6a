"""The pure drawing rules of hour blocks (PRODUCT §5.4)."""

from datetime import date
from decimal import Decimal

from timetracking.hour_blocks import (
    LedgerBlock,
    draw_blocks,
    expiry_day,
    forecast_unused_at_expiry,
    is_due_for_expiry,
    notice_due,
)

D = date


def by_id(uses):
    return {use.id: use for use in uses}


def test_fifo_draws_first_expiring_first_across_three_blocks():
    blocks = [
        LedgerBlock(id=1, date=D(2026, 1, 1), minutes=600, expires_on=D(2026, 12, 31)),
        LedgerBlock(id=2, date=D(2026, 2, 1), minutes=300, expires_on=D(2026, 6, 30)),
        LedgerBlock(id=3, date=D(2025, 12, 1), minutes=900, expires_on=None),
    ]
    uses = draw_blocks(blocks, 700)
    assert [use.id for use in uses] == [2, 1, 3]
    drawn = {use.id: (use.drawn, use.unused) for use in uses}
    assert drawn == {2: (300, 0), 1: (400, 200), 3: (0, 900)}


def test_blocks_without_expiry_come_last_then_date_then_id():
    blocks = [
        LedgerBlock(id=5, date=D(2026, 3, 1), minutes=60, expires_on=None),
        LedgerBlock(id=4, date=D(2026, 3, 1), minutes=60, expires_on=None),
        LedgerBlock(id=3, date=D(2026, 1, 1), minutes=60, expires_on=None),
        LedgerBlock(id=9, date=D(2026, 5, 1), minutes=60, expires_on=D(2027, 1, 1)),
    ]
    assert [use.id for use in draw_blocks(blocks, 0)] == [9, 3, 4, 5]
    uses = by_id(draw_blocks(blocks, 150))
    assert (uses[9].drawn, uses[3].drawn, uses[4].drawn, uses[5].drawn) == (60, 60, 30, 0)


def test_overdraft_is_not_attributed_and_credits_draw_nothing():
    blocks = [LedgerBlock(id=1, date=D(2026, 1, 1), minutes=120, expires_on=None)]
    assert draw_blocks(blocks, 500)[0].drawn == 120
    assert draw_blocks(blocks, 500)[0].unused == 0
    assert draw_blocks(blocks, -30)[0].unused == 120


def test_an_expired_block_keeps_only_what_was_drawn():
    blocks = [
        LedgerBlock(
            id=1, date=D(2026, 1, 1), minutes=600, expires_on=D(2026, 3, 31), expired_minutes=200
        ),
        LedgerBlock(id=2, date=D(2026, 4, 1), minutes=600, expires_on=None),
    ]
    uses = by_id(draw_blocks(blocks, 500))
    assert (uses[1].drawn, uses[1].unused, uses[1].expired) == (400, 0, 200)
    assert (uses[2].drawn, uses[2].unused) == (100, 500)
    assert all(use.drawn + use.unused + use.expired == use.minutes for use in uses.values())


def test_expiry_is_due_the_day_after_expires_on_when_unused():
    (use,) = draw_blocks([LedgerBlock(1, D(2026, 1, 1), 60, D(2026, 3, 7))], 10)
    assert not is_due_for_expiry(use, D(2026, 3, 7))
    assert is_due_for_expiry(use, D(2026, 3, 8))
    assert expiry_day(D(2026, 3, 7)) == D(2026, 3, 8)
    (used_up,) = draw_blocks([LedgerBlock(1, D(2026, 1, 1), 60, D(2026, 3, 7))], 60)
    assert not is_due_for_expiry(used_up, D(2026, 3, 8))


def test_forecast_warns_for_blocks_that_expire_unused_at_the_current_pace():
    blocks = [
        LedgerBlock(id=1, date=D(2026, 1, 1), minutes=600, expires_on=D(2026, 3, 10)),
        LedgerBlock(id=2, date=D(2026, 1, 1), minutes=600, expires_on=D(2026, 3, 20)),
        LedgerBlock(id=3, date=D(2026, 1, 1), minutes=6000, expires_on=None),
    ]
    uses = draw_blocks(blocks, 0)
    # 60 min/day from 1 March: 600 by 10 March fill block 1 exactly; 10 more days give block 2
    # 600 minutes as well; nothing is forecast to expire unused.
    assert (
        forecast_unused_at_expiry(uses, burn_minutes_per_day=Decimal(60), today=D(2026, 3, 1)) == []
    )
    slow = forecast_unused_at_expiry(uses, burn_minutes_per_day=Decimal(30), today=D(2026, 3, 1))
    assert [(f.block.id, f.unused_minutes) for f in slow] == [(1, 300), (2, 300)]
    idle = forecast_unused_at_expiry(uses, burn_minutes_per_day=Decimal(0), today=D(2026, 3, 1))
    assert [(f.block.id, f.unused_minutes) for f in idle] == [(1, 600), (2, 600)]


def test_notices_are_due_30_and_7_days_before():
    (use,) = draw_blocks([LedgerBlock(1, D(2026, 1, 1), 60, D(2026, 3, 31))], 0)
    assert notice_due(use, D(2026, 2, 28)) is None
    assert notice_due(use, D(2026, 3, 1)) == 30
    assert notice_due(use, D(2026, 3, 24)) == 7
    assert notice_due(use, D(2026, 3, 31)) == 7
    assert notice_due(use, D(2026, 4, 1)) is None
    (used_up,) = draw_blocks([LedgerBlock(1, D(2026, 1, 1), 60, D(2026, 3, 31))], 60)
    assert notice_due(used_up, D(2026, 3, 24)) is None
