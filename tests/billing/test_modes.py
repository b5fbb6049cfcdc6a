"""One invoice per billing mode, lines computed by hand (PRODUCT §5.0)."""

import datetime
from decimal import Decimal

import pytest

from billing.services import InvoiceInvalid, generate_draft
from tests.factories import PurchaseFactory

MARCH = (datetime.date(2026, 3, 1), datetime.date(2026, 3, 31))


def lines_of(invoice):
    return [
        (ln.category, ln.rate_tier, ln.billable_minutes, ln.unit_price, ln.multiplier, ln.amount)
        for ln in invoice.lines.order_by("position")
    ]


def draft(firm, period=MARCH, **extra):
    return generate_draft(
        client_id=firm.acme.pk, date_from=period[0], date_to=period[1], by=firm.finance, **extra
    )


@pytest.fixture
def berlin_acme(firm, plan):
    firm.acme.timezone = "Europe/Berlin"
    firm.acme.tax_rate = Decimal("0.20")
    firm.acme.save()
    plan.min_billable_minutes = 30
    plan.save()
    return firm.acme


def test_time_and_materials_invoice(firm, log, jira_task, berlin_acme):
    incident = jira_task("ACME-1", "Incident", "p1")
    meeting = jira_task("ACME-2", "Meeting", "")
    # Monday 2 March, member in UTC: 21:00 UTC is 22:00 in Berlin (off-hours).
    log(10, task=incident, start=datetime.time(21, 0))  # min 30
    log(50, task=incident, start=datetime.time(22, 0))  # 50
    log(90, task=incident, start=datetime.time(10, 0))  # 11:00 Berlin: business hours
    log(20, task=meeting)  # min 30, no start time
    log(45)  # the plain task (no Jira)
    invoice = draft(firm)
    assert lines_of(invoice) == [
        # 80 min × 100 × 1.5 / 60 = 200.00
        (
            "incident_critical",
            "p1_p3_off_hours",
            80,
            Decimal("100.00"),
            Decimal("1.50"),
            Decimal("200.00"),
        ),
        ("incident", "p1_p3", 90, Decimal("100.00"), Decimal("1.00"), Decimal("150.00")),
        ("meeting", "standard", 30, Decimal("100.00"), Decimal("1.00"), Decimal("50.00")),
        ("task", "standard", 45, Decimal("100.00"), Decimal("1.00"), Decimal("75.00")),
    ]
    assert invoice.subtotal == Decimal("475.00")
    assert invoice.tax == Decimal("95.00")
    assert invoice.total == Decimal("570.00")
    assert sum(ln.amount for ln in invoice.lines.all()) == invoice.subtotal
    assert sum(ln.billable_minutes for ln in invoice.lines.all()) == sum(
        e.billable_minutes for e in invoice.entries.all()
    )
    first = invoice.lines.order_by("position").first()
    assert (first.time_minutes, first.jira_issue_key) == (60, "ACME-1")


def test_hour_bank_period_statement(firm, log, plan):
    firm.acme.billing_mode = "hour_bank"
    firm.acme.save()
    plan.overage_rate = Decimal("150.00")
    plan.save()
    PurchaseFactory(
        client=firm.acme,
        date=datetime.date(2026, 3, 1),
        hours=Decimal("2"),
        price=Decimal("200.00"),
        note="Starter",
    )
    log(90, on=datetime.date(2026, 3, 2))
    log(60, on=datetime.date(2026, 3, 3))
    invoice = draft(firm)
    # 150 min consumed, 120 purchased: 30 min overage at 150.00 = 75.00; the block at 200.00.
    assert lines_of(invoice) == [
        ("task", "standard", 120, Decimal("0.00"), Decimal("1.00"), Decimal("0.00")),
        ("overage", "standard", 30, Decimal("150.00"), Decimal("1.00"), Decimal("75.00")),
        ("hour_block", "standard", 0, Decimal("100.00"), Decimal("1.00"), Decimal("200.00")),
    ]
    assert invoice.lines.get(category="hour_block").quantity == Decimal("2.00")
    assert invoice.subtotal == Decimal("275.00")
    assert invoice.lines.get(category="task").description.startswith("Included in hour bank")


def test_hour_bank_overage_is_not_billed_twice(firm, log, plan):
    firm.acme.billing_mode = "hour_bank"
    firm.acme.save()
    plan.overage_rate = Decimal("100.00")
    plan.save()
    log(60, on=datetime.date(2026, 3, 2))
    first = draft(firm, (datetime.date(2026, 3, 1), datetime.date(2026, 3, 15)))
    assert first.lines.get(category="overage").billable_minutes == 60
    log(30, on=datetime.date(2026, 3, 20))
    second = draft(firm, (datetime.date(2026, 3, 16), datetime.date(2026, 3, 31)))
    assert second.lines.get(category="overage").billable_minutes == 30


def test_hour_bank_overage_without_rate_names_the_setting(firm, log):
    firm.acme.billing_mode = "hour_bank"
    firm.acme.save()
    log(60)
    with pytest.raises(InvoiceInvalid, match="overage_rate") as refused:
        draft(firm)
    assert refused.value.field == "overage_rate"


def test_support_plan_months_with_rollover(firm, log, plan):
    firm.acme.billing_mode = "support_plan"
    firm.acme.save()
    plan.support_fee = Decimal("500.00")
    plan.monitoring_fee = Decimal("50.00")
    plan.monthly_included_hours = Decimal("2")
    plan.rollover_cap_hours = Decimal("0.5")
    plan.overtime_rate = Decimal("120.00")
    plan.save()
    log(60, on=datetime.date(2026, 2, 10))  # February: 60 of 120 used, 60 unused, 30 carried
    log(200, on=datetime.date(2026, 3, 10))  # March: 150 included, 50 overtime
    invoice = draft(firm, (datetime.date(2026, 2, 1), datetime.date(2026, 3, 31)))
    assert lines_of(invoice) == [
        ("support", "standard", 0, Decimal("500.00"), Decimal("1.00"), Decimal("500.00")),
        ("monitoring", "standard", 0, Decimal("50.00"), Decimal("1.00"), Decimal("50.00")),
        ("task", "standard", 60, Decimal("0.00"), Decimal("1.00"), Decimal("0.00")),
        ("support", "standard", 0, Decimal("500.00"), Decimal("1.00"), Decimal("500.00")),
        ("monitoring", "standard", 0, Decimal("50.00"), Decimal("1.00"), Decimal("50.00")),
        ("task", "standard", 150, Decimal("0.00"), Decimal("1.00"), Decimal("0.00")),
        ("overtime", "standard", 50, Decimal("120.00"), Decimal("1.00"), Decimal("100.00")),
    ]
    assert invoice.subtotal == Decimal("1200.00")
    # Fees of months already on a live invoice are not billed again.
    log(30, on=datetime.date(2026, 3, 20))
    again = draft(firm, (datetime.date(2026, 3, 1), datetime.date(2026, 3, 31)))
    assert lines_of(again) == [
        ("task", "standard", 0, Decimal("0.00"), Decimal("1.00"), Decimal("0.00")),
        ("overtime", "standard", 30, Decimal("120.00"), Decimal("1.00"), Decimal("60.00")),
    ]


def test_support_plan_overtime_without_rate_names_the_setting(firm, log, plan):
    firm.acme.billing_mode = "support_plan"
    firm.acme.save()
    plan.monthly_included_hours = Decimal("1")
    plan.save()
    log(90)
    with pytest.raises(InvoiceInvalid, match="overtime_rate"):
        draft(firm)


def test_entries_in_another_currency_are_refused_by_id(firm, log):
    # The client switched currency after this entry was logged at a USD rate.
    foreign = log(60)
    firm.acme.currency = "EUR"
    firm.acme.save()
    with pytest.raises(InvoiceInvalid, match=f"Entries {foreign.pk} are in USD"):
        draft(firm)


def test_entries_already_on_an_invoice_are_refused_by_id(firm, log):
    entry = log(60)
    draft(firm)
    with pytest.raises(InvoiceInvalid, match=f"Entries {entry.pk} are already on an invoice"):
        draft(firm, entry_ids=[entry.pk])
