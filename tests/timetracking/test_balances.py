"""Hour-bank balances and the run-out forecast (PRODUCT §1 "Derived figures", §4)."""

import datetime
from decimal import Decimal

import pytest

from clients.models import BillingPlan, Classification, Client, HourPurchase, Rounding
from clients.services import add_purchase
from tests.factories import (
    ClientFactory,
    MemberFactory,
    ProjectFactory,
    TaskFactory,
    TimeEntryFactory,
)
from timetracking.balances import balance_of, is_at_risk, runout_date, with_balances
from timetracking.models import BillingAdjustment, Exclusion, TimeEntry
from timetracking.services import record_adjustment

D = datetime.date
TODAY = D(2026, 3, 31)
NEW_YEAR = D(2026, 1, 1)


def _buy(client, hours, on_date=NEW_YEAR):
    return add_purchase(client=client, hours=hours, on_date=on_date, note="Block")


# --- Purchased ------------------------------------------------------------------------------


def test_purchases_add_up_including_negative_corrections(firm):
    _buy(firm.acme, "40")
    _buy(firm.acme, "10.5")
    _buy(firm.acme, "-2.5")
    balance = balance_of(firm.acme, today=TODAY)
    assert balance.purchased_minutes == 48 * 60
    assert balance.purchased_hours == Decimal("48.00")
    assert balance.has_purchases


@pytest.mark.parametrize(
    ("hours", "minutes"),
    [
        ("1.01", 61),
        ("0.99", 59),
        ("0.01", 1),
        ("-0.01", -1),
        ("0.33", 20),
        ("10.05", 603),
        ("-2.5", -150),
        ("12,5", 750),
    ],
)
def test_purchased_hours_become_minutes_half_up(firm, hours, minutes):
    purchase = _buy(firm.acme, hours)
    purchase.refresh_from_db()
    assert purchase.minutes == minutes
    assert balance_of(firm.acme, today=TODAY).purchased_minutes == minutes


def test_purchases_of_other_clients_do_not_count(firm):
    _buy(firm.globex, "100")
    assert balance_of(firm.acme, today=TODAY).purchased_minutes == 0
    assert not balance_of(firm.acme, today=TODAY).has_purchases


# --- Consumed -------------------------------------------------------------------------------


def test_consumed_counts_only_billable_minutes(firm):
    acme_internal = ProjectFactory(
        client=firm.acme, code="ACME-INT", classification=Classification.INTERNAL
    )
    acme_overhead = ProjectFactory(
        client=firm.acme, code="ACME-OVH", classification=Classification.OVERHEAD
    )
    overhead_only = MemberFactory(exclusion=Exclusion.OVERHEAD_ONLY)
    TimeEntryFactory(
        task=firm.acme_task, member=firm.staff_member, duration_minutes=90, on_date=TODAY
    )  # billable
    TimeEntryFactory(
        task=firm.acme_task,
        member=firm.staff_member,
        duration_minutes=60,
        on_date=TODAY,
        billable=False,
    )  # flag off
    TimeEntryFactory(
        task=TaskFactory(project=acme_internal),
        member=firm.staff_member,
        duration_minutes=30,
        on_date=TODAY,
    )  # internal project
    TimeEntryFactory(
        task=TaskFactory(project=acme_overhead),
        member=firm.staff_member,
        duration_minutes=20,
        on_date=TODAY,
    )  # overhead project
    TimeEntryFactory(
        task=firm.acme_task, member=overhead_only, duration_minutes=45, on_date=TODAY
    )  # overhead-only member
    TimeEntryFactory(
        task=firm.internal_task, member=firm.staff_member, duration_minutes=120, on_date=TODAY
    )  # the firm itself
    TimeEntryFactory(
        task=firm.globex_task, member=firm.staff_member, duration_minutes=240, on_date=TODAY
    )  # another client
    assert balance_of(firm.acme, today=TODAY).consumed_minutes == 90
    assert balance_of(firm.internal, today=TODAY).consumed_minutes == 0
    assert balance_of(firm.globex, today=TODAY).consumed_minutes == 240


def test_consumed_is_the_stored_billable_minutes_not_the_plan_of_today(firm):
    BillingPlan.objects.filter(client=firm.acme).update(min_billable_minutes=30)
    TimeEntryFactory(
        task=firm.acme_task, member=firm.staff_member, duration_minutes=10, on_date=TODAY
    )
    BillingPlan.objects.filter(client=firm.acme).update(
        min_billable_minutes=0, rounding_method=Rounding.UP, rounding_increment_minutes=60
    )
    assert balance_of(firm.acme, today=TODAY).consumed_minutes == 30


def test_consumed_includes_billing_adjustments(firm):
    entry = TimeEntryFactory(
        task=firm.acme_task, member=firm.staff_member, duration_minutes=90, on_date=TODAY
    )
    record_adjustment(entry, minutes=15, reason="Source changed")
    record_adjustment(entry, minutes=-5, reason="Source changed")
    globex_entry = TimeEntryFactory(task=firm.globex_task, member=firm.staff_member)
    record_adjustment(globex_entry, minutes=999, reason="Source changed")
    assert BillingAdjustment.objects.filter(client=firm.acme).count() == 2
    assert balance_of(firm.acme, today=TODAY).consumed_minutes == 100


def test_remaining_may_be_negative(firm):
    _buy(firm.acme, "1")
    TimeEntryFactory(
        task=firm.acme_task, member=firm.staff_member, duration_minutes=90, on_date=TODAY
    )
    balance = balance_of(firm.acme, today=TODAY)
    assert balance.remaining_minutes == -30
    assert balance.remaining_hours == Decimal("-0.50")
    assert balance.is_negative
    assert balance.at_risk
    assert balance.runout_date is None
    assert balance.consumed_percent == 100


def test_hours_are_minutes_over_60_rounded_half_up_to_2_places(firm):
    _buy(firm.acme, "1")
    TimeEntryFactory(
        task=firm.acme_task, member=firm.staff_member, duration_minutes=1, on_date=TODAY
    )
    balance = balance_of(firm.acme, today=TODAY)
    assert (balance.purchased_hours, balance.consumed_hours, balance.remaining_hours) == (
        Decimal("1.00"),
        Decimal("0.02"),  # 1/60 = 0.01666…
        Decimal("0.98"),  # 59/60 = 0.98333…
    )
    assert balance.as_dict()["remaining_minutes"] == 59


def test_no_purchases_means_no_forecast_and_no_risk(firm):
    TimeEntryFactory(
        task=firm.acme_task, member=firm.staff_member, duration_minutes=600, on_date=TODAY
    )
    balance = balance_of(firm.acme, today=TODAY)
    assert balance.remaining_minutes == -600
    assert (balance.has_purchases, balance.runout_date, balance.at_risk) == (False, None, False)


# --- Burn and run-out -------------------------------------------------------------------------


def test_burn_uses_the_last_28_days_and_forecasts_the_run_out(firm):
    _buy(firm.acme, "40")  # 2400 min
    TimeEntryFactory(
        task=firm.acme_task,
        member=firm.staff_member,
        duration_minutes=840,
        on_date=TODAY - datetime.timedelta(days=27),
    )  # first day in
    TimeEntryFactory(
        task=firm.acme_task, member=firm.staff_member, duration_minutes=840, on_date=TODAY
    )
    TimeEntryFactory(
        task=firm.acme_task,
        member=firm.staff_member,
        duration_minutes=60,
        on_date=TODAY - datetime.timedelta(days=28),
    )  # just out
    TimeEntryFactory(
        task=firm.acme_task,
        member=firm.staff_member,
        duration_minutes=30,
        on_date=TODAY + datetime.timedelta(days=1),
    )  # future
    balance = balance_of(firm.acme, today=TODAY)
    assert balance.consumed_minutes == 1770
    assert balance.burn_minutes_per_day == Decimal(60)  # 1680 / 28
    # remaining 630 ÷ 60 per day = 10.5 → 10 whole days
    assert balance.runout_date == TODAY + datetime.timedelta(days=10)
    assert balance.at_risk  # within 4 weeks


@pytest.mark.parametrize(
    ("remaining", "burn_28", "has_purchases", "expected_days"),
    [
        (100, 840, True, 3),  # 100 ÷ 30/day = 3.33 → 3
        (90, 840, True, 3),
        (29, 840, True, 0),  # runs out today
        (100, 0, True, None),  # no burn
        (0, 840, True, None),  # nothing left
        (-50, 840, True, None),
        (100, 840, False, None),  # no purchases
    ],
)
def test_runout_date(remaining, burn_28, has_purchases, expected_days):
    runout = runout_date(
        remaining_minutes=remaining,
        burn_minutes_28_days=burn_28,
        has_purchases=has_purchases,
        today=TODAY,
    )
    expected = None if expected_days is None else TODAY + datetime.timedelta(days=expected_days)
    assert runout == expected


def _risk(
    *, purchased=3000, remaining, runout=None, has_purchases=True, hours=None, percent=None, weeks=4
):
    client = Client(
        code="X",
        name="X",
        low_balance_hours=hours,
        low_balance_percent=percent,
        runout_warning_weeks=weeks,
    )
    return is_at_risk(
        client,
        purchased=purchased,
        remaining=remaining,
        runout=runout,
        has_purchases=has_purchases,
        today=TODAY,
    )


def test_at_risk_below_the_hours_threshold():
    assert _risk(remaining=299, hours=Decimal("5"))
    assert not _risk(remaining=300, hours=Decimal("5"))  # "below" is strict
    assert _risk(remaining=89, hours=Decimal("1.5"))
    assert not _risk(remaining=90, hours=Decimal("1.5"))


def test_at_risk_below_the_percent_of_purchased():
    assert _risk(purchased=3000, remaining=299, percent=Decimal("10"))
    assert not _risk(purchased=3000, remaining=300, percent=Decimal("10"))
    assert _risk(purchased=1000, remaining=124, percent=Decimal("12.5"))
    assert not _risk(purchased=1000, remaining=125, percent=Decimal("12.5"))


def test_at_risk_at_or_below_zero():
    assert _risk(remaining=0)
    assert _risk(remaining=-1)
    assert not _risk(remaining=1)


def test_at_risk_when_running_out_within_the_warning_weeks():
    assert _risk(remaining=1000, runout=TODAY + datetime.timedelta(weeks=4))
    assert not _risk(remaining=1000, runout=TODAY + datetime.timedelta(weeks=4, days=1))
    assert _risk(remaining=1000, runout=TODAY + datetime.timedelta(days=8), weeks=2)
    assert not _risk(remaining=1000, runout=TODAY + datetime.timedelta(days=8), weeks=1)
    assert not _risk(remaining=1000, runout=None)


def test_never_at_risk_without_purchases():
    assert not _risk(remaining=-100, has_purchases=False, hours=Decimal("5"), runout=TODAY)


def test_at_risk_from_the_stored_client_thresholds(firm):
    firm.acme.low_balance_hours = Decimal("5")
    firm.acme.runout_warning_weeks = 0
    firm.acme.save()
    _buy(firm.acme, "10")
    TimeEntryFactory(
        task=firm.acme_task, member=firm.staff_member, duration_minutes=300, on_date=D(2025, 1, 1)
    )  # no recent burn
    assert not balance_of(firm.acme, today=TODAY).at_risk  # exactly 5 h left
    TimeEntryFactory(
        task=firm.acme_task, member=firm.staff_member, duration_minutes=1, on_date=D(2025, 1, 1)
    )
    assert balance_of(firm.acme, today=TODAY).at_risk


# --- Many clients at once -------------------------------------------------------------------


def _busy_client(member, n):
    client = ClientFactory()
    add_purchase(client=client, hours="10", on_date=D(2026, 1, 1))
    task = TaskFactory(project=ProjectFactory(client=client))
    for _ in range(n):
        TimeEntryFactory(
            task=task,
            member=member,
            duration_minutes=30,
            on_date=TODAY - datetime.timedelta(days=n),
        )
    record_adjustment(TimeEntry.objects.filter(task=task).first(), minutes=5, reason="Corrected")
    return client


@pytest.mark.parametrize("client_count", [3, 12])
def test_with_balances_uses_one_query_for_any_number_of_clients(
    firm, django_assert_num_queries, client_count
):
    for n in range(client_count):
        _busy_client(firm.staff_member, n % 3 + 1)
    with django_assert_num_queries(1):
        balances = {
            c.code: balance_of(c, today=TODAY)
            for c in with_balances(Client.objects.all(), today=TODAY)
        }
    assert len(balances) == client_count + 3  # plus the firm fixture's clients
    some = balances[
        Client.objects.exclude(code__in=["ACME", "GLOBEX", "FIRM"]).order_by("code").first().code
    ]
    assert some.purchased_minutes == 600
    assert some.consumed_minutes == 35  # 1 entry of 30 + adjustment 5
    assert HourPurchase.objects.count() == client_count


def test_with_balances_keeps_filters_and_defaults_to_today(firm):
    _buy(firm.acme, "2")
    annotated = with_balances(Client.objects.filter(code="ACME")).get()
    assert balance_of(annotated).purchased_minutes == 120
