"""Expiry notices 30 and 7 days before a block with unused hours expires, through a real SMTP
server on 127.0.0.1, each sent once (PRODUCT §5.4)."""

import pytest

from clients.models import HourPurchase
from timetracking.services.hour_blocks import run_hour_block_day, send_expiry_notices

from .helpers import block, use

pytestmark = pytest.mark.django_db


@pytest.fixture
def owned(firm):
    firm.manager.email = "owner@firm.test"
    firm.manager.save(update_fields=["email"])
    firm.acme.owner = firm.manager
    firm.acme.alert_contacts = ["cfo@acme.test", "pm@acme.test"]
    firm.acme.save(update_fields=["owner", "alert_contacts"])
    return firm


def test_30_and_7_day_notices_go_out_once_each(owned, clock, smtp_server):
    firm = owned
    expiring = block(firm.acme, "10", on="2026-01-01", expires="2026-03-31")
    use(firm, 150, on="2026-02-01")
    clock("2026-02-28T12:00")  # 31 days before
    assert send_expiry_notices() == 0
    clock("2026-03-01T12:00")  # 30 days before
    assert send_expiry_notices() == 1
    assert send_expiry_notices() == 0
    clock("2026-03-10T12:00")
    assert send_expiry_notices() == 0
    clock("2026-03-24T12:00")  # 7 days before
    assert run_hour_block_day().notices == 1
    assert run_hour_block_day().notices == 0
    clock("2026-03-30T12:00")
    assert send_expiry_notices() == 0

    assert [mail.recipients for mail in smtp_server.received] == [
        ["owner@firm.test"],
        ["owner@firm.test"],
    ]
    thirty, seven = smtp_server.received
    assert "7.50 h" in thirty.subject and "2026-03-31" in thirty.subject
    assert "expire in 30 days" in thirty.body("plain")
    assert "expire in 7 days" in seven.body("plain")
    assert "<strong>7.50 h</strong>" in seven.body("html")
    expiring.refresh_from_db()
    assert (str(expiring.notice_30_sent_on), str(expiring.notice_7_sent_on)) == (
        "2026-03-01",
        "2026-03-24",
    )


def test_contacts_get_the_notice_when_client_alerts_are_enabled(owned, clock, smtp_server):
    firm = owned
    firm.acme.alert_clients_enabled = True
    firm.acme.save(update_fields=["alert_clients_enabled"])
    block(firm.acme, "10", on="2026-01-01", expires="2026-03-31")
    clock("2026-03-25T12:00")  # first seen within 7 days: only the 7-day notice
    assert send_expiry_notices() == 1
    clock("2026-03-26T12:00")
    assert send_expiry_notices() == 0
    (mail,) = smtp_server.received
    assert mail.recipients == ["owner@firm.test", "cfo@acme.test", "pm@acme.test"]
    assert "10.00 h" in mail.subject


def test_no_notice_for_used_up_blocks_or_blocks_without_expiry(owned, clock, smtp_server):
    firm = owned
    block(firm.acme, "2", on="2026-01-01", expires="2026-03-31")
    block(firm.acme, "50", on="2026-01-01")
    use(firm, 120, on="2026-02-01")
    clock("2026-03-24T12:00")
    assert send_expiry_notices() == 0
    assert smtp_server.received == []
    assert not HourPurchase.objects.filter(notice_7_sent_on__isnull=False).exists()


def test_a_failed_send_is_retried_next_run(owned, clock, smtp_server, settings):
    firm = owned
    block(firm.acme, "10", on="2026-01-01", expires="2026-03-31")
    clock("2026-03-24T12:00")
    good_port = settings.EMAIL_PORT
    settings.EMAIL_PORT = 1  # nothing listens there
    assert send_expiry_notices() == 0
    assert not HourPurchase.objects.filter(notice_7_sent_on__isnull=False).exists()
    settings.EMAIL_PORT = good_port
    assert send_expiry_notices() == 1
    assert len(smtp_server.received) == 1
