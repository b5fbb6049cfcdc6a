"""Balances equal the ledger sum everywhere: purchases, corrections and expiries (PRODUCT §1)."""

import pytest
from django.db.models import Sum

from clients.models import HourPurchase
from clients.services import add_correction
from core.calendar import today_in
from timetracking.balances import balance_of
from timetracking.selectors import client_directory
from timetracking.services.hour_blocks import expire_hour_blocks

from .helpers import block, use

pytestmark = pytest.mark.django_db


@pytest.fixture
def ledger(firm, clock):
    clock("2026-04-01T12:00")
    block(firm.acme, "10", on="2026-01-01", expires="2026-03-31")
    block(firm.acme, "20", on="2026-02-01", expires="2026-12-31", price="1800.00")
    block(firm.acme, "5", on="2026-02-01")
    add_correction(client=firm.acme, hours="-1.25", on_date=today_in("UTC"), note="Typo")
    use(firm, 300, on="2026-03-15")
    assert expire_hour_blocks().minutes == 10 * 60 - 300 - 75
    ledger_sum = HourPurchase.objects.filter(client=firm.acme).aggregate(m=Sum("minutes"))["m"]
    return ledger_sum, ledger_sum - 300


def test_balance_and_directory(firm, ledger):
    purchased, remaining = ledger
    assert purchased == 35 * 60 - 75 - 225
    balance = balance_of(firm.acme)
    assert (balance.purchased_minutes, balance.remaining_minutes) == (purchased, remaining)
    rows = {row.client.code: row for row in client_directory(firm.manager, status="all")}
    assert rows["ACME"].balance.purchased_minutes == purchased
    assert rows["ACME"].balance.remaining_minutes == remaining


def test_api_summary_history_and_ledger(firm, ledger, as_user):
    purchased, remaining = ledger
    http = as_user(firm.manager)
    summary = http.get(f"/api/v1/clients/{firm.acme.pk}").json()
    assert (summary["purchased_minutes"], summary["remaining_minutes"]) == (purchased, remaining)
    hours = http.get(f"/api/v1/clients/{firm.acme.pk}/hours").json()
    ledger_kinds = [
        (row["kind"], row["minutes_delta"])
        for row in hours["history"]
        if row["kind"] in ("purchase", "correction", "expiry")
    ]
    assert sorted(ledger_kinds) == sorted(
        [
            ("purchase", 600),
            ("purchase", 1200),
            ("purchase", 300),
            ("correction", -75),
            ("expiry", -225),
        ]
    )
    assert sum(delta for _, delta in ledger_kinds) == purchased
    ledger_json = http.get(f"/api/v1/clients/{firm.acme.pk}/ledger").json()
    assert ledger_json["purchased_minutes"] == sum(row["minutes"] for row in ledger_json["rows"])
    assert ledger_json["purchased_minutes"] == purchased
    assert sum(b["unused_minutes"] for b in ledger_json["blocks"]) == remaining


def test_portal_and_client_page(firm, ledger, as_user):
    purchased, remaining = ledger
    hours = f"{purchased / 60:.2f} h"
    portal = as_user(firm.acme_user).get("/portal/").content.decode()
    assert hours in portal and f"{remaining / 60:.2f} h" in portal
    page = as_user(firm.manager).get(f"/clients/{firm.acme.pk}/").content.decode()
    assert hours in page and f"{remaining / 60:.2f} h" in page
