"""Ledger rows are never edited or deleted; a mistake is undone by a correction (PRODUCT §5.4)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from clients.models import HourPurchase, LedgerKind
from clients.services import PurchaseError, add_correction, add_purchase
from timetracking.balances import balance_of
from timetracking.selectors import consumption_history

from .helpers import block

pytestmark = pytest.mark.django_db
DAY = dt.date(2026, 3, 2)


def test_a_correction_needs_a_note_and_keeps_the_history(firm):
    mistake = block(firm.acme, "40", on="2026-03-01", by=firm.manager)
    with pytest.raises(PurchaseError, match="note"):
        add_correction(client=firm.acme, hours="-40", on_date=DAY, note="  ", by=firm.manager)
    fix = add_correction(
        client=firm.acme, hours="-40", on_date=DAY, note="Entered twice", by=firm.manager
    )
    assert fix.kind == LedgerKind.CORRECTION and fix.minutes == -2400
    assert list(HourPurchase.objects.filter(client=firm.acme).order_by("id")) == [mistake, fix]
    assert balance_of(firm.acme).purchased_minutes == 0
    kinds = [(row.kind, row.minutes_delta) for row in consumption_history(firm.acme)]
    assert sorted(kinds) == [("correction", -2400), ("purchase", 2400)]


def test_ledger_rows_cannot_be_changed_or_deleted(firm):
    row = block(firm.acme, "10", on="2026-03-01")
    for change in ({"hours": Decimal("12")}, {"minutes": 1}, {"kind": "correction"}, {"date": DAY}):
        with pytest.raises(IntegrityError, match="never deleted or changed"), transaction.atomic():
            HourPurchase.objects.filter(pk=row.pk).update(**change)
    with pytest.raises(IntegrityError), transaction.atomic():
        HourPurchase.objects.filter(pk=row.pk).delete()
    row.refresh_from_db()
    assert (row.hours, row.minutes, row.kind) == (Decimal("10.00"), 600, "purchase")


def test_price_and_expiry_stay_writable_for_the_setup_file(firm):
    row = block(firm.acme, "10", on="2026-03-01", price="900.00")
    HourPurchase.objects.filter(pk=row.pk).update(price=Decimal("950.00"), expires_on=DAY)
    row.refresh_from_db()
    assert (row.price, row.expires_on) == (Decimal("950.00"), DAY)


def test_purchase_input_is_checked(firm):
    with pytest.raises(PurchaseError, match="Price"):
        add_purchase(client=firm.acme, hours="10", on_date=DAY, price="-1")
    with pytest.raises(PurchaseError, match="expiry date"):
        add_purchase(client=firm.acme, hours="10", on_date=DAY, expires_on=dt.date(2026, 3, 1))
    with pytest.raises(PurchaseError, match="positive hours"):
        add_purchase(client=firm.acme, hours="-10", on_date=DAY, price="10.00")
    assert not HourPurchase.objects.exists()
