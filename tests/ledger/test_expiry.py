"""The daily expiry of hour blocks (PRODUCT §5.4, INTERFACES §1 `expire_hour_blocks`)."""

import json
import threading
from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import IntegrityError, close_old_connections, connection, transaction

from clients.models import HourPurchase, LedgerKind
from timetracking.balances import balance_of
from timetracking.services.hour_blocks import expire_client_blocks, expire_hour_blocks
from timetracking.tasks import expire_hour_blocks_task

from .helpers import block, use


def expiry_rows(client):
    return list(HourPurchase.objects.filter(client=client, kind=LedgerKind.EXPIRY).order_by("id"))


def run_command() -> dict:
    out = StringIO()
    call_command("expire_hour_blocks", "--json", stdout=out)
    return json.loads(out.getvalue())


@pytest.mark.django_db
def test_partial_use_expires_the_unused_minutes_once(firm, clock):
    clock("2026-04-01T12:00")
    early = block(firm.acme, "10", on="2026-01-01", expires="2026-03-31")
    block(firm.acme, "20", on="2026-01-01")  # no expiry: drawn after the expiring block
    use(firm, 240, on="2026-03-02")
    assert run_command() == {"expired": 1, "minutes": 360}
    (row,) = expiry_rows(firm.acme)
    assert (row.minutes, row.date, row.expires_block_id) == (-360, date(2026, 4, 1), early.pk)
    assert balance_of(firm.acme).purchased_minutes == 30 * 60 - 360
    assert run_command() == {"expired": 0, "minutes": 0}
    assert len(expiry_rows(firm.acme)) == 1
    # Later use draws on the block without expiry, not on the expired one.
    use(firm, 120, on="2026-04-01")
    assert run_command() == {"expired": 0, "minutes": 0}
    assert balance_of(firm.acme).remaining_minutes == 30 * 60 - 360 - 360


@pytest.mark.django_db
def test_full_use_writes_no_expiry_row(firm, clock):
    clock("2026-04-01T12:00")
    block(firm.acme, "2", on="2026-01-01", expires="2026-03-31")
    use(firm, 150, on="2026-03-02")  # more than the block: an overdraft, nothing unused
    assert expire_hour_blocks().expired == 0
    assert expiry_rows(firm.acme) == []


@pytest.mark.django_db
def test_no_use_expires_the_whole_block_and_not_before_the_day_after(firm, clock):
    clock("2026-03-31T12:00")
    unused = block(firm.acme, "7.5", on="2026-01-01", expires="2026-03-31")
    assert expire_hour_blocks().expired == 0
    clock("2026-04-01T00:30")
    run = expire_hour_blocks()
    assert (run.expired, run.minutes, run.expired_block_ids) == (1, 450, [unused.pk])
    assert balance_of(firm.acme).purchased_minutes == 0
    assert expire_hour_blocks_task() == {"expired": 0, "minutes": 0, "notices": 0}


@pytest.mark.django_db
def test_weekend_expiry_follows_the_client_timezone(firm, clock):
    firm.acme.timezone = "Pacific/Auckland"  # UTC+13 in March
    firm.acme.save(update_fields=["timezone"])
    firm.globex.timezone = "America/Los_Angeles"  # UTC-8 before 8 March 2026
    firm.globex.save(update_fields=["timezone"])
    saturday = "2026-03-07"
    assert date.fromisoformat(saturday).weekday() == 5
    acme_block = block(firm.acme, "5", on="2026-01-01", expires=saturday)
    globex_block = block(firm.globex, "5", on="2026-01-01", expires=saturday)

    clock("2026-03-07T10:30")  # Auckland: Saturday 23:30
    assert expire_hour_blocks().expired == 0
    clock("2026-03-07T11:30")  # Auckland: Sunday 00:30, still Saturday in UTC
    assert expire_hour_blocks().expired_block_ids == [acme_block.pk]
    clock("2026-03-08T07:30")  # Los Angeles: Saturday 23:30
    assert expire_hour_blocks().expired == 0
    clock("2026-03-08T08:30")  # Los Angeles: Sunday 00:30
    assert expire_hour_blocks().expired_block_ids == [globex_block.pk]
    assert [row.date for row in expiry_rows(firm.acme) + expiry_rows(firm.globex)] == [
        date(2026, 3, 8),
        date(2026, 3, 8),
    ]


@pytest.mark.django_db
def test_the_database_refuses_a_second_expiry_row_for_a_block(firm):
    expired = block(firm.acme, "5", on="2026-01-01", expires="2026-01-31")
    HourPurchase.objects.create(
        client=firm.acme, date=date(2026, 2, 1), hours="-5", kind="expiry", expires_block=expired
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        HourPurchase.objects.create(
            client=firm.acme,
            date=date(2026, 2, 2),
            hours="-5",
            kind="expiry",
            expires_block=expired,
        )


@pytest.mark.django_db(transaction=True)
def test_overlapping_runs_write_one_row(firm, clock):
    clock("2026-04-01T12:00")
    expiring = block(firm.acme, "10", on="2026-01-01", expires="2026-03-31")
    start = threading.Barrier(2)
    results, errors = [], []

    def run():
        try:
            start.wait(timeout=10)
            results.append(expire_client_blocks(firm.acme.pk))
        except Exception as error:  # reported by the assertion below
            errors.append(error)
        finally:
            close_old_connections()
            connection.close()

    # While the first run holds the client row, the second waits for it, then sees its row.
    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert sorted(result.expired for result in results) == [0, 1]
    (row,) = expiry_rows(firm.acme)
    assert (row.expires_block_id, row.minutes) == (expiring.pk, -600)


@pytest.mark.django_db(transaction=True)
def test_a_run_waits_for_a_run_holding_the_client(firm, clock):
    """Deterministic overlap: run B starts while run A's transaction holds the client row."""
    clock("2026-04-01T12:00")
    block(firm.acme, "10", on="2026-01-01", expires="2026-03-31")
    a_done = threading.Event()
    b_result = []

    def run_b():
        try:
            b_result.append(expire_client_blocks(firm.acme.pk))
        finally:
            connection.close()

    with transaction.atomic():
        a = expire_client_blocks(firm.acme.pk)  # joins this transaction: the lock is held
        thread = threading.Thread(target=run_b)
        thread.start()
        thread.join(timeout=1)
        assert thread.is_alive(), "run B must wait for the client row"
        a_done.set()
    thread.join(timeout=30)
    assert (a.expired, b_result[0].expired) == (1, 0)
    assert len(expiry_rows(firm.acme)) == 1
