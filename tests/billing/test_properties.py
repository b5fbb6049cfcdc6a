"""Property: for random entries, the lines' billable minutes sum to the entries' and the total
equals subtotal + tax, whatever the categories, tiers, rates and modes."""

import datetime
import zoneinfo
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from billing import rules
from billing.rules import BusinessHours, EntryFacts, PlanRules, SupportMonth

ZONE = zoneinfo.ZoneInfo("America/New_York")
PLAN = PlanRules(
    multipliers={
        "standard": Decimal("1.0"),
        "off_hours": Decimal("1.25"),
        "p1_p3": Decimal("1.1"),
        "p1_p3_off_hours": Decimal("1.5"),
    },
    critical_priorities=frozenset({"p1", "p2", "p3", "high"}),
    business_hours=BusinessHours(
        weekdays=frozenset({0, 1, 2, 3, 4}), start=datetime.time(9), end=datetime.time(17)
    ),
    overage_rate=Decimal("140.00"),
    overtime_rate=Decimal("130.00"),
    support_fee=Decimal("300.00"),
)


@st.composite
def entries(draw):
    count = draw(st.integers(min_value=0, max_value=15))
    result = []
    for index in range(count):
        duration = draw(st.integers(min_value=1, max_value=600))
        day = datetime.date(2026, 3, 1) + datetime.timedelta(days=draw(st.integers(0, 30)))
        start = draw(
            st.none()
            | st.builds(
                lambda h, m, day=day: datetime.datetime.combine(
                    day, datetime.time(h, m), tzinfo=ZONE
                ),
                st.integers(0, 23),
                st.integers(0, 59),
            )
        )
        result.append(
            EntryFacts(
                entry_id=index + 1,
                task_id=draw(st.integers(1, 4)),
                task_label="Task",
                jira_issue_key="",
                issue_type=draw(st.sampled_from(["Task", "Incident", "Meeting", "Bug"])),
                priority=draw(st.sampled_from(["P1", "p2", "P4", "High", ""])),
                local_start=start,
                day=day,
                duration_minutes=duration,
                billable_minutes=max(duration, draw(st.sampled_from([0, 15, 30]))),
                rate=draw(st.sampled_from([Decimal("95.50"), Decimal("120.00"), Decimal("0.01")])),
            )
        )
    return result


tax_rates = st.sampled_from([Decimal("0"), Decimal("0.15"), Decimal("0.2"), Decimal("0.0725")])


def check(lines, facts, tax_rate):
    assert rules.entry_line_minutes(lines) == sum(e.billable_minutes for e in facts)
    totals = rules.totals(lines, tax_rate)
    assert totals.subtotal == sum((line.amount for line in lines), Decimal("0.00"))
    assert totals.total == totals.subtotal + totals.tax
    assert totals.tax == (totals.subtotal * tax_rate).quantize(Decimal("0.01"), "ROUND_HALF_UP")
    for line in lines:
        assert line.amount == line.amount.quantize(Decimal("0.01"))


@settings(max_examples=80, deadline=None)
@given(entries(), tax_rates)
def test_time_and_materials(facts, tax_rate):
    check(rules.time_and_materials_lines(facts, PLAN), facts, tax_rate)


@settings(max_examples=60, deadline=None)
@given(entries(), tax_rates, st.integers(0, 5000))
def test_hour_bank(facts, tax_rate, overage):
    check(rules.hour_bank_lines(facts, PLAN, overage_minutes=overage), facts, tax_rate)


@settings(max_examples=60, deadline=None)
@given(entries(), tax_rates, st.integers(0, 3000))
def test_support_plan(facts, tax_rate, included):
    months = [
        SupportMonth(month=datetime.date(2026, 3, 1), included_minutes=included, bill_fees=True)
    ]
    check(rules.support_plan_lines(facts, PLAN, months), facts, tax_rate)
