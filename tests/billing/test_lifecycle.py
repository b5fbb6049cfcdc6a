"""Lifecycle (PRODUCT §5.1), locking, void and re-invoice, adjustments (§3.6), the constraint."""

import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from billing.models import InvoiceEntry, InvoiceSequence, InvoiceStatus
from billing.services import (
    IllegalTransition,
    approve_invoice,
    delete_draft,
    generate_draft,
    pay_invoice,
    send_invoice,
    void_invoice,
)
from clients.models import FirmSettings
from sync.mapping import remove_worklog
from tests.api.conftest import ApiClient
from timetracking.models import AdjustmentStatus, BillingAdjustment, TimeEntry
from timetracking.services import EntryChanges, update_entry

MARCH = (datetime.date(2026, 3, 1), datetime.date(2026, 3, 31))


def draft(firm, **extra):
    return generate_draft(
        client_id=firm.acme.pk, date_from=MARCH[0], date_to=MARCH[1], by=firm.finance, **extra
    )


def test_full_lifecycle_records_who_and_when(firm, log):
    entry = log(60)
    invoice = draft(firm)
    entry.refresh_from_db()
    assert (entry.invoice_id, entry.locked, entry.status) == (invoice.pk, False, "billed")
    assert invoice.number is None
    approve_invoice(invoice.pk, by=firm.finance)
    invoice.refresh_from_db()
    today = timezone.localdate()
    assert invoice.number == f"INV-{today.year}-0001"
    assert invoice.issue_date == today
    assert invoice.due_date == today + datetime.timedelta(days=firm.acme.payment_terms_days)
    entry.refresh_from_db()
    assert (entry.locked, entry.status) == (True, "invoiced")
    send_invoice(invoice.pk, by=firm.admin)
    pay_invoice(invoice.pk, by=firm.finance)
    invoice.refresh_from_db()
    assert invoice.status == "paid"
    steps = [(t.from_status, t.to_status, t.by.username) for t in invoice.transitions.all()]
    assert steps == [
        ("", "draft", "finance"),
        ("draft", "approved", "finance"),
        ("approved", "sent", "admin"),
        ("sent", "paid", "finance"),
    ]
    assert all(t.at is not None for t in invoice.transitions.all())


def test_prefix_comes_from_firm_settings_and_numbers_are_consecutive(firm, log):
    FirmSettings.objects.create(invoice_prefix="HB")
    year = timezone.localdate().year
    numbers = []
    for day in (2, 3, 4):
        log(30, on=datetime.date(2026, 3, day))
        invoice = draft(firm)
        numbers.append(approve_invoice(invoice.pk, by=firm.finance).number)
    assert numbers == [f"HB-{year}-0001", f"HB-{year}-0002", f"HB-{year}-0003"]
    assert InvoiceSequence.objects.get(year=year, prefix="HB").last_number == 3


@pytest.mark.parametrize(
    ("setup", "action"),
    [
        ([], "pay"),
        ([], "send"),
        ([], "void"),
        (["approve"], "approve"),
        (["approve"], "pay"),
        (["approve", "send", "pay"], "void"),
        (["approve", "send", "pay"], "delete"),
        (["approve"], "delete"),
    ],
)
def test_illegal_transitions_are_refused(firm, log, setup, action):
    from billing.services import ACTIONS

    log(60)
    invoice = draft(firm)
    for step in setup:
        ACTIONS[step](invoice.pk, by=firm.finance)
    before = type(invoice).objects.get(pk=invoice.pk).status
    with pytest.raises(IllegalTransition) as refused:
        if action == "delete":
            delete_draft(invoice.pk)
        else:
            ACTIONS[action](invoice.pk, by=firm.finance)
    assert refused.value.status == 409
    assert before in refused.value.message
    assert type(invoice).objects.get(pk=invoice.pk).status == before


def test_failed_approval_gives_its_number_back(firm, log):
    log(60)
    invoice = draft(firm)
    year = timezone.localdate().year
    with pytest.raises(RuntimeError), transaction.atomic():
        approve_invoice(invoice.pk, by=firm.finance)
        raise RuntimeError("rolled back after numbering")
    assert approve_invoice(invoice.pk, by=firm.finance).number == f"INV-{year}-0001"


def test_delete_draft_releases_entries(firm, log):
    entry = log(60)
    invoice = draft(firm)
    delete_draft(invoice.pk, by=firm.finance)
    entry.refresh_from_db()
    assert (entry.invoice_id, entry.locked, entry.status) == (None, False, "unbilled")
    assert not InvoiceEntry.objects.exists()


def test_void_then_re_invoice(firm, log):
    entry = log(90)
    first = approve_invoice(draft(firm).pk, by=firm.finance)
    void_invoice(first.pk, by=firm.finance)
    first.refresh_from_db()
    entry.refresh_from_db()
    assert first.status == "void" and first.number  # the number is kept
    assert first.lines.count() == 1  # the lines stay as they were
    assert (entry.invoice_id, entry.locked) == (None, False)
    assert InvoiceEntry.objects.get(invoice=first).live is False
    second = approve_invoice(draft(firm).pk, by=firm.finance)
    entry.refresh_from_db()
    assert (entry.invoice_id, entry.locked) == (second.pk, True)
    assert second.total == first.total
    assert second.number != first.number


def test_an_entry_can_never_be_on_two_live_invoices(firm, log):
    entry = log(60)
    first = draft(firm)
    other = type(first).objects.create(
        client=firm.acme, currency="USD", period_from=MARCH[0], period_to=MARCH[1]
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        InvoiceEntry.objects.create(invoice=other, entry=entry)
    # A void invoice's link is not live, so the entry may be billed again.
    void_first = approve_invoice(first.pk, by=firm.finance)
    void_invoice(void_first.pk)
    InvoiceEntry.objects.create(invoice=other, entry=entry)


def test_draft_lines_follow_entry_edits_until_approval(firm, log, as_user):
    entry = log(60)
    invoice = draft(firm)
    update_entry(entry, EntryChanges(duration_minutes=120), by=firm.staff)
    response = as_user(firm.finance).get(f"/billing/invoices/{invoice.pk}/")
    assert response.status_code == 200
    invoice.refresh_from_db()
    assert invoice.subtotal == Decimal("200.00")
    approve_invoice(invoice.pk, by=firm.finance)
    invoice.refresh_from_db()
    assert invoice.lines.get().billable_minutes == 120


def test_locked_entries_refuse_patch_and_delete(firm, log):
    entry = log(60)
    approve_invoice(draft(firm).pk, by=firm.finance)
    api = ApiClient(firm.staff)
    assert api.patch(f"/time-entries/{entry.pk}", {"duration": 90}).status_code == 409
    assert api.delete(f"/time-entries/{entry.pk}").status_code == 409
    entry.refresh_from_db()
    assert entry.duration_minutes == 60


def test_sync_change_to_a_locked_entry_becomes_an_adjustment_line(firm, log, jira_task):
    task = jira_task("ACME-9")
    entry = log(60, task=task, source="jira", jira_worklog_id="10001")
    first = approve_invoice(draft(firm).pk, by=firm.finance)
    remove_worklog("jira", "10001")  # the worklog vanished in Jira after invoicing
    adjustment = BillingAdjustment.objects.get(entry=entry)
    assert (adjustment.minutes, adjustment.value) == (-60, Decimal("-100.00"))
    assert TimeEntry.objects.filter(pk=entry.pk, locked=True).exists()
    second = draft(firm)
    line = second.lines.get(category="adjustment")
    assert (line.billable_minutes, line.amount) == (-60, Decimal("-100.00"))
    assert second.subtotal == Decimal("-100.00")
    adjustment.refresh_from_db()
    assert adjustment.invoice_id == second.pk and adjustment.status == AdjustmentStatus.PENDING
    approve_invoice(second.pk, by=firm.finance)
    adjustment.refresh_from_db()
    assert adjustment.status == AdjustmentStatus.INVOICED
    assert first.lines.filter(category="adjustment").count() == 0


def test_deleting_a_draft_hands_its_adjustments_back(firm, log, jira_task):
    entry = log(60, task=jira_task("ACME-9"), source="jira", jira_worklog_id="10001")
    approve_invoice(draft(firm).pk, by=firm.finance)
    remove_worklog("jira", "10001")
    second = draft(firm)
    delete_draft(second.pk)
    adjustment = BillingAdjustment.objects.get(entry=entry)
    assert (adjustment.invoice_id, adjustment.status) == (None, AdjustmentStatus.PENDING)
    assert type(second).objects.filter(status=InvoiceStatus.DRAFT).count() == 0
