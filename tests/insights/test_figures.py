"""Each insights figure against the hand-computed firm of conftest.py."""

from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from insights.forms import InsightsForm
from insights.selectors import (
    at_risk_clients,
    client_margins,
    expiring_blocks,
    hours_consumed,
    margins,
    money_left_on_table,
    trends,
    utilization,
)
from insights.tables import hours_table

from .conftest import MARCH


def march(**filters):
    form = InsightsForm({**MARCH, **filters})
    assert form.is_valid(), form.errors
    return form.scopes(timezone.localdate())


def test_hours_consumed_per_month_stacked_by_client(books):
    scope, _ = march()
    chart = hours_consumed(scope, "month")
    assert chart.starts == [date(2026, 3, 1)]
    # Consumed = billable minutes: bob (overhead only) and the internal project add nothing.
    assert chart.series == [("ACME", [130]), ("EURO", [120])]
    assert hours_table(chart).rows[-1] == ["Total", "2.17", "2.00", "4.17"]


def test_hours_per_week_and_top_n_with_other(books):
    scope, _ = march()
    chart = hours_consumed(scope, "week", top=1)
    # Weeks starting 23 Feb (1 Mar is a Sunday) to 30 Mar.
    assert chart.starts[0] == date(2026, 2, 23) and chart.starts[-1] == date(2026, 3, 30)
    by_label = dict(chart.series)
    assert list(by_label) == ["ACME", "Other"]
    assert by_label["ACME"][1:4] == [90, 40, 0]  # weeks of 2 Mar, 9 Mar, 16 Mar
    assert by_label["Other"][1] == 120


def test_utilization_per_member_against_target(books):
    scope, _ = march()
    rows = {row.name: row for row in utilization(scope)}
    alice, bob = rows["Alice A"], rows["Bob B"]
    assert (alice.total_minutes, alice.billable_minutes) == (310, 250)
    assert alice.utilization_percent == Decimal("80.6")  # 250 / 310
    assert (bob.total_minutes, bob.billable_minutes) == (60, 0)
    assert bob.utilization_percent == Decimal("0.0")
    # 40 h a week over 31 days: 2400 × 31 / 7 = 10628.57 → 10629 min.
    assert alice.target_minutes == 10629
    assert alice.target_percent == Decimal("2.9")
    assert [r.name for r in utilization(scope, "utilization")] == ["Alice A", "Bob B"]
    assert [r.name for r in utilization(scope, "total")] == ["Alice A", "Bob B"]
    member_only = march(member=books.bob.pk)[0]
    assert [r.name for r in utilization(member_only)] == ["Bob B"]


def test_trends_this_period_against_the_previous(books):
    scope, previous = march()
    assert (previous.date_from, previous.date_to) == (date(2026, 1, 29), date(2026, 2, 28))
    rows = {row.code: row for row in trends(scope, previous)}
    assert (rows["ACME"].current_minutes, rows["ACME"].previous_minutes) == (130, 30)
    assert rows["ACME"].change_percent == Decimal("333.3")
    assert (rows["EURO"].current_minutes, rows["EURO"].previous_minutes) == (120, 0)
    assert rows["EURO"].change_percent is None
    assert "FIRM" not in rows  # nothing consumed


def test_calendar_periods_compare_with_the_calendar_period_before():
    form = InsightsForm({"period": "quarter"})
    assert form.is_valid()
    scope, previous = form.scopes(date(2026, 5, 20))
    assert (scope.date_from, scope.date_to) == (date(2026, 4, 1), date(2026, 6, 30))
    assert (previous.date_from, previous.date_to) == (date(2026, 1, 1), date(2026, 3, 31))
    form = InsightsForm({"period": "month"})
    assert form.is_valid()
    scope, previous = form.scopes(date(2026, 3, 31))
    assert (scope.date_from, scope.date_to) == (date(2026, 3, 1), date(2026, 3, 31))
    assert (previous.date_from, previous.date_to) == (date(2026, 2, 1), date(2026, 2, 28))


def test_at_risk_clients_come_from_the_directory(books):
    scope, _ = march()
    rows = at_risk_clients(books.manager, scope, today=timezone.localdate())
    assert [row.client.code for row in rows] == ["EURO"]
    balance = rows[0].balance
    assert (balance.purchased_hours, balance.consumed_hours, balance.remaining_hours) == (
        Decimal("10.00"),
        Decimal("2.00"),
        Decimal("8.00"),
    )
    assert balance.runout_date is None  # nothing burned in the last 28 days


def test_money_left_on_the_table_per_billing_mode_and_currency(books):
    scope, _ = march()
    rows = {row.client.code: row for row in money_left_on_table(scope, today=timezone.localdate())}
    # T&M: one line per task and rate: (90 + 20 + 20 + 30) min × 100 / 60 = 266.67 USD.
    assert (rows["ACME"].currency, rows["ACME"].amount) == ("USD", Decimal("266.67"))
    # Hour bank: entries drawn at 0.00, no overage, the unbilled priced block 500.00 EUR.
    assert (rows["EURO"].currency, rows["EURO"].amount) == ("EUR", Decimal("500.00"))
    # Support plan: the fees of the two past months, none yet for the running month.
    assert (rows["SUP"].currency, rows["SUP"].amount) == ("USD", Decimal("2000.00"))
    assert "FIRM" not in rows


def test_money_left_drops_what_is_invoiced(books):
    from tests.factories import invoice_and_lock

    invoice_and_lock(books.acme, books.acme.projects.get().tasks.get().entries.all())
    scope, _ = march()
    rows = {row.client.code: row for row in money_left_on_table(scope, today=timezone.localdate())}
    assert "ACME" not in rows


def test_expiring_blocks_with_unused_hours(books):
    scope, _ = march()
    today = timezone.localdate()
    rows = expiring_blocks(scope, today=today)
    assert [(r.client.code, r.expires_on, r.minutes, r.unused_minutes) for r in rows] == [
        ("EURO", today + timedelta(days=30), 600, 480)
    ]
    assert expiring_blocks(scope, today=today, days=29) == []


def test_margin_per_project_and_client(books):
    scope, _ = march()
    rows = {row.project_code: row for row in margins(scope)}
    web = rows["ACME-WEB"]
    # Per-entry rounding: 150.00 + 33.33 + 33.33 (+ bob's 0.00), not 216.67.
    assert (web.billable_value, web.cost_value, web.margin) == (
        Decimal("216.66"),
        Decimal("180.00"),
        Decimal("36.66"),
    )
    app = rows["EURO-APP"]
    assert (app.billable_value, app.cost_value) == (Decimal("180.00"), Decimal("120.00"))
    assert app.margin is None  # EUR value against USD cost
    internal = rows["FIRM-INT"]
    assert (internal.billable_value, internal.cost_value, internal.margin) == (
        Decimal("0.00"),
        Decimal("60.00"),
        Decimal("-60.00"),
    )
    per_client = {(row.client_code, row.currency): row for row in client_margins(margins(scope))}
    assert per_client["ACME", "USD"].margin == Decimal("36.66")
    assert per_client["EURO", "EUR"].margin is None
    assert per_client["FIRM", "USD"].margin == Decimal("-60.00")


def test_filters_by_client_and_project(books):
    scope, _ = march(client=books.acme.pk)
    assert [code for code, _ in hours_consumed(scope, "month").series] == ["ACME"]
    assert {row.client.code for row in money_left_on_table(scope, today=timezone.localdate())} == {
        "ACME"
    }
    scope, _ = march(project=books.internal.pk)
    assert [row.project_code for row in margins(scope)] == ["FIRM-INT"]


def test_money_left_sums_in_sql_to_the_same_amount_as_entry_by_entry_lines(books):
    from datetime import time

    from billing import rules
    from billing.selectors import entry_facts, plan_rules
    from tests.factories import TaskFactory, TimeEntryFactory
    from timetracking.selectors import unbilled_entries

    incident = TaskFactory(
        project=books.web, name="Outage", jira_issue_type="Incident", jira_priority="P1"
    )
    for day, minutes, start in [
        (date(2026, 3, 2), 25, time(22, 0)),  # off hours, critical: ×1.5
        (date(2026, 3, 3), 35, None),
        (date(2026, 4, 3), 10, time(10, 0)),
        (date(2026, 4, 7), 17, None),
    ]:
        TimeEntryFactory(
            task=incident,
            member=books.alice,
            on_date=day,
            duration_minutes=minutes,
            start_time=start,
        )
    today = timezone.localdate()
    entries = unbilled_entries(books.acme, None, today).select_related("task", "member__user")
    by_entry = rules.time_and_materials_lines(
        entry_facts(books.acme, entries), plan_rules(books.acme)
    )
    expected = rules.totals(by_entry, Decimal("0")).subtotal
    # 266.67 as before + 25 × 100 × 1.5 / 60 = 62.50 + (35 + 10 + 17) × 100 / 60 = 103.33
    assert expected == Decimal("432.50")
    scope, _ = march()
    rows = {row.client.code: row for row in money_left_on_table(scope, today=today)}
    assert rows["ACME"].amount == expected
