"""Rate resolution (PRODUCT §1, seed 001): three levels, validity dates, currencies, snapshots."""

import datetime
from decimal import Decimal

import pytest

from tests.factories import (
    ClientFactory,
    CostRateFactory,
    MemberFactory,
    ProjectFactory,
    RateFactory,
    TaskFactory,
    TimeEntryFactory,
)
from timetracking.rates import NO_RATE, resolve_billing_rate, resolve_cost_rate
from timetracking.services import EntryChanges, update_entry

D = datetime.date
JAN_1, FEB_10, MAR_1 = D(2026, 1, 1), D(2026, 2, 10), D(2026, 3, 1)


@pytest.fixture
def rates(firm):
    """The staff member: default 100, Acme 120, Acme website 150 — all from 2026-01-01."""
    member = firm.staff_member
    member.rates.all().delete()
    RateFactory(member=member, rate=Decimal("100.00"), valid_from=JAN_1)
    RateFactory(member=member, client=firm.acme, rate=Decimal("120.00"), valid_from=JAN_1)
    RateFactory(member=member, project=firm.acme_project, rate=Decimal("150.00"), valid_from=JAN_1)
    return member


def test_project_rate_wins_over_client_and_default(firm, rates):
    resolved = resolve_billing_rate(rates, firm.acme_project, D(2026, 2, 1))
    assert (resolved.rate, resolved.currency, resolved.level) == (
        Decimal("150.00"),
        "USD",
        "project",
    )
    assert resolved.preview == "Billing at USD 150.00/h"


def test_client_rate_applies_to_the_clients_other_projects(firm, rates):
    other_project = ProjectFactory(client=firm.acme, code="ACME-OPS")
    resolved = resolve_billing_rate(rates, other_project, D(2026, 2, 1))
    assert (resolved.rate, resolved.level) == (Decimal("120.00"), "client")


def test_default_rate_applies_to_other_clients(firm, rates):
    resolved = resolve_billing_rate(rates, firm.globex_project, D(2026, 2, 1))
    assert (resolved.rate, resolved.level) == (Decimal("100.00"), "default")


def test_rates_of_other_members_and_projects_do_not_leak(firm, rates):
    other = firm.other_member
    other.rates.all().delete()
    RateFactory(member=other, project=firm.globex_project, rate=Decimal("999.00"), valid_from=JAN_1)
    assert resolve_billing_rate(other, firm.acme_project, D(2026, 2, 1)) == NO_RATE
    assert resolve_billing_rate(rates, firm.globex_project, D(2026, 2, 1)).rate == Decimal("100.00")


def test_no_rate_at_all(firm):
    lonely = MemberFactory()
    resolved = resolve_billing_rate(lonely, firm.acme_project, D(2026, 2, 1))
    assert resolved == NO_RATE
    assert resolved.rate is None
    assert resolved.preview == "No billing rate set"


def test_valid_from_is_inclusive_and_the_day_before_is_not(firm, rates):
    RateFactory(member=rates, project=firm.acme_project, rate=Decimal("180.00"), valid_from=MAR_1)
    assert resolve_billing_rate(rates, firm.acme_project, D(2026, 2, 28)).rate == Decimal("150.00")
    assert resolve_billing_rate(rates, firm.acme_project, MAR_1).rate == Decimal("180.00")
    assert resolve_billing_rate(rates, firm.acme_project, D(2027, 1, 1)).rate == Decimal("180.00")


def test_before_any_row_is_valid_there_is_no_rate(firm, rates):
    assert resolve_billing_rate(rates, firm.acme_project, D(2025, 12, 31)) == NO_RATE


def test_a_level_not_yet_valid_falls_back_to_the_next_level(firm):
    member = firm.other_member
    member.rates.all().delete()
    RateFactory(member=member, rate=Decimal("90.00"), valid_from=JAN_1)
    RateFactory(member=member, client=firm.acme, rate=Decimal("110.00"), valid_from=D(2026, 2, 1))
    RateFactory(member=member, project=firm.acme_project, rate=Decimal("130.00"), valid_from=MAR_1)
    assert resolve_billing_rate(member, firm.acme_project, D(2026, 1, 15)).level == "default"
    assert resolve_billing_rate(member, firm.acme_project, D(2026, 2, 1)).rate == Decimal("110.00")
    assert resolve_billing_rate(member, firm.acme_project, MAR_1).rate == Decimal("130.00")


def test_a_default_rate_in_another_currency_is_no_rate_for_that_client(firm):
    euro_client = ClientFactory(code="EURO", currency="EUR")
    euro_project = ProjectFactory(client=euro_client)
    assert resolve_billing_rate(firm.other_member, euro_project, D(2026, 2, 1)) == NO_RATE
    RateFactory(
        member=firm.other_member,
        client=euro_client,
        rate=Decimal("95.00"),
        currency="EUR",
        valid_from=JAN_1,
    )
    resolved = resolve_billing_rate(firm.other_member, euro_project, D(2026, 2, 1))
    assert (resolved.rate, resolved.currency, resolved.level) == (Decimal("95.00"), "EUR", "client")
    assert resolved.preview == "Billing at EUR 95.00/h"


def test_cost_rate_follows_its_valid_from(firm):
    member = firm.staff_member  # cost 60 from 2020-01-01
    CostRateFactory(member=member, rate=Decimal("70.00"), valid_from=MAR_1)
    assert resolve_cost_rate(member, D(2019, 12, 31)) == NO_RATE
    assert resolve_cost_rate(member, D(2026, 2, 28)).rate == Decimal("60.00")
    assert resolve_cost_rate(member, MAR_1).rate == Decimal("70.00")
    assert resolve_cost_rate(firm.other_member, MAR_1) == NO_RATE


# --- Snapshots on entries -------------------------------------------------------------------


def test_snapshot_is_unchanged_after_a_rate_change(firm, rates):
    entry = TimeEntryFactory(task=firm.acme_task, member=rates, on_date=FEB_10)
    RateFactory(
        member=rates, project=firm.acme_project, rate=Decimal("175.00"), valid_from=D(2026, 2, 1)
    )
    rates.rates.filter(rate=Decimal("150.00")).update(rate=Decimal("155.00"))
    entry.refresh_from_db()
    assert entry.billing_rate == Decimal("150.00")
    update_entry(entry, EntryChanges(description="Only the words"))
    entry.refresh_from_db()
    assert entry.billing_rate == Decimal("150.00")


def test_snapshot_takes_the_rate_valid_on_the_entry_date_not_today(firm, rates):
    RateFactory(member=rates, project=firm.acme_project, rate=Decimal("180.00"), valid_from=MAR_1)
    assert TimeEntryFactory(
        task=firm.acme_task, member=rates, on_date=D(2026, 2, 28)
    ).billing_rate == Decimal("150.00")
    assert TimeEntryFactory(
        task=firm.acme_task, member=rates, on_date=MAR_1
    ).billing_rate == Decimal("180.00")


def test_snapshot_is_re_resolved_when_the_task_changes(firm, rates):
    entry = TimeEntryFactory(task=firm.acme_task, member=rates, on_date=FEB_10)
    moved = update_entry(entry, EntryChanges(task=firm.globex_task))
    assert (moved.billing_rate, moved.billing_currency) == (Decimal("100.00"), "USD")


def test_snapshot_is_re_resolved_when_the_member_changes(firm, rates):
    entry = TimeEntryFactory(task=firm.acme_task, member=rates, on_date=FEB_10)
    other = firm.other_member
    other.rates.all().delete()
    RateFactory(member=other, rate=Decimal("80.00"), valid_from=JAN_1)
    CostRateFactory(member=other, rate=Decimal("40.00"), valid_from=JAN_1)
    changed = update_entry(entry, EntryChanges(member=other))
    assert (changed.billing_rate, changed.cost_rate) == (Decimal("80.00"), Decimal("40.00"))


def test_snapshot_is_re_resolved_when_the_date_changes(firm, rates):
    entry = TimeEntryFactory(task=firm.acme_task, member=rates, on_date=D(2026, 2, 10))
    RateFactory(member=rates, project=firm.acme_project, rate=Decimal("180.00"), valid_from=MAR_1)
    changed = update_entry(entry, EntryChanges(on_date=D(2026, 3, 2)))
    assert changed.billing_rate == Decimal("180.00")
    back = update_entry(changed, EntryChanges(on_date=D(2025, 12, 1)))
    assert (back.billing_rate, back.billing_currency) == (None, "")


def test_task_change_within_the_same_project_keeps_the_project_rate(firm, rates):
    entry = TimeEntryFactory(task=firm.acme_task, member=rates, on_date=FEB_10)
    sibling = TaskFactory(project=firm.acme_project, name="Sibling")
    assert update_entry(entry, EntryChanges(task=sibling)).billing_rate == Decimal("150.00")
