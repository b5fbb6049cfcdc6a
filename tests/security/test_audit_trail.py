"""The audit trail: purchases, rates, billing plans and invoice transitions record who changed
what and when; managers read it on /audit/ (constant queries), finance in the admin; staff and
client users may not."""

from datetime import date
from decimal import Decimal

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType

from clients.models import HourPurchase
from tests.factories import PurchaseFactory, RateFactory, TimeEntryFactory, invoice_and_lock

pytestmark = pytest.mark.django_db


def test_a_purchase_added_through_the_page_is_audited_with_its_actor(firm, as_user):
    response = as_user(firm.manager).post(
        f"/clients/{firm.acme.pk}/purchases/",
        {"hours": "12", "date": "2026-03-01", "note": "Spring block"},
    )
    assert response.status_code in (200, 302), response.content[:500]
    purchase = HourPurchase.objects.get(client=firm.acme, note="Spring block")
    entry = LogEntry.objects.get_for_object(purchase).get()
    assert entry.action == LogEntry.Action.CREATE
    assert entry.actor == firm.manager
    assert entry.changes_dict["note"] == ["None", "Spring block"]


def test_rate_changes_and_invoice_transitions_are_audited(firm):
    rate = RateFactory(member=firm.other_member, valid_from=date(2027, 1, 1))
    rate.rate = Decimal("140.00")
    rate.save()
    rate_log = LogEntry.objects.get_for_object(rate).order_by("pk")
    assert [e.action for e in rate_log] == [LogEntry.Action.CREATE, LogEntry.Action.UPDATE]
    assert rate_log.last().changes_dict["rate"][1] == "140.00"

    entry = TimeEntryFactory(
        task=firm.acme_task, member=firm.staff_member, on_date=date(2026, 3, 2)
    )
    invoice = invoice_and_lock(firm.acme, [entry], status="draft")
    invoice.status, invoice.number = "approved", "INV-2026-0042"
    invoice.save()
    invoice.status = "sent"
    invoice.save()
    transitions = [
        e.changes_dict["status"]
        for e in LogEntry.objects.get_for_object(invoice).order_by("pk")
        if "status" in e.changes_dict and e.action == LogEntry.Action.UPDATE
    ]
    assert transitions == [["draft", "approved"], ["approved", "sent"]]


def test_managers_read_the_trail_in_constant_queries(firm, as_user, django_assert_max_num_queries):
    manager = as_user(firm.manager)
    PurchaseFactory(client=firm.acme, hours=1, date=date(2026, 1, 1))
    with django_assert_max_num_queries(12) as few:
        response = manager.get("/audit/")
    assert response.status_code == 200
    for index in range(30):
        PurchaseFactory(client=firm.globex, hours=index + 1, date=date(2026, 1, 2))
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = manager.get("/audit/")
    assert response.status_code == 200
    assert response.content.decode().count("clients.hourpurchase #") == 31
    filtered = manager.get("/audit/", {"model": "billing.invoice"})
    assert "clients.hourpurchase #" not in filtered.content.decode()


@pytest.mark.parametrize("who", ["staff", "acme_user"])
def test_staff_and_client_users_may_not_read_the_trail(firm, as_user, who):
    assert as_user(getattr(firm, who)).get("/audit/").status_code == 403


def test_finance_reads_the_trail_in_the_admin(firm, as_user):
    PurchaseFactory(client=firm.acme, hours=3, date=date(2026, 1, 1))
    response = as_user(firm.admin).get("/admin/auditlog/logentry/")
    assert response.status_code == 200
    assert (
        ContentType.objects.get_for_model(HourPurchase).model in response.content.decode().lower()
    )
