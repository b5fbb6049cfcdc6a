"""Seed 004's worked rules restated under PRODUCT §5.2: minimum per entry, rounding modes,
categories, tiers ("highest wins"), off-hours in the client's timezone, aggregation."""

import datetime
import zoneinfo
from decimal import Decimal

import pytest

from billing import rules
from billing.rules import BusinessHours, EntryFacts, PlanRules
from clients.models import BillingPlan, Rounding
from timetracking.rules import apply_plan

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
DEFAULT_MULTIPLIERS = {
    "standard": Decimal("1.0"),
    "off_hours": Decimal("1.0"),
    "p1_p3": Decimal("1.0"),
    "p1_p3_off_hours": Decimal("1.5"),
}
BUSINESS = BusinessHours(
    weekdays=frozenset({0, 1, 2, 3, 4}), start=datetime.time(8), end=datetime.time(18)
)


def plan_rules(**extra) -> PlanRules:
    values = {
        "multipliers": dict(DEFAULT_MULTIPLIERS),
        "critical_priorities": frozenset({"p1", "p2", "p3", "highest", "high"}),
        "business_hours": BUSINESS,
    }
    values.update(extra)
    return PlanRules(**values)


def facts(
    entry_id=1,
    *,
    minutes=60,
    billable=None,
    issue_type="Task",
    priority="P4",
    start=None,
    task_id=1,
    rate=Decimal("100.00"),
    day=datetime.date(2026, 3, 2),
):
    return EntryFacts(
        entry_id=entry_id,
        task_id=task_id,
        task_label=f"Task {task_id}",
        jira_issue_key=f"ACME-{task_id}",
        issue_type=issue_type,
        priority=priority,
        local_start=start,
        day=day,
        duration_minutes=minutes,
        billable_minutes=minutes if billable is None else billable,
        rate=rate,
    )


# --- Step 4: the minimum is per entry, not per issue; rounding modes --------------------------


def test_minimum_applies_per_entry_not_per_issue():
    plan = BillingPlan(min_billable_minutes=30, rounding_method=Rounding.NONE)
    # Seed 004: three 10-minute worklogs on one issue bill 3 × 30 = 90 minutes, not 30.
    minutes = [apply_plan(10, plan) for _ in range(3)]
    assert minutes == [30, 30, 30]
    assert apply_plan(45, plan) == 45
    lines = rules.time_and_materials_lines(
        [facts(i, minutes=10, billable=m) for i, m in enumerate(minutes, 1)], plan_rules()
    )
    assert len(lines) == 1
    assert (lines[0].time_minutes, lines[0].billable_minutes) == (30, 90)
    assert lines[0].amount == Decimal("150.00")


@pytest.mark.parametrize(
    ("method", "increment", "minutes", "expected"),
    [
        ("none", 15, 7, 7),
        ("up", 15, 16, 30),
        ("up", 15, 30, 30),
        ("down", 15, 29, 15),
        ("nearest", 15, 22, 15),
        ("nearest", 15, 23, 30),  # 22.5 is the half: 23 is past it
        ("nearest", 30, 15, 30),  # exactly half rounds up
        ("up", 6, 1, 6),
        ("down", 60, 119, 60),
    ],
)
def test_each_rounding_mode(method, increment, minutes, expected):
    plan = BillingPlan(rounding_method=method, rounding_increment_minutes=increment)
    assert apply_plan(minutes, plan) == expected


def test_rounding_then_minimum():
    plan = BillingPlan(
        rounding_method=Rounding.DOWN, rounding_increment_minutes=15, min_billable_minutes=30
    )
    assert apply_plan(20, plan) == 30  # 20 → 15 → minimum 30


# --- Steps 5–6: categories and tiers ------------------------------------------------------------

MONDAY_NOON = datetime.datetime(2026, 3, 2, 12, 0, tzinfo=BERLIN)
MONDAY_NIGHT = datetime.datetime(2026, 3, 2, 22, 0, tzinfo=BERLIN)
SATURDAY_NOON = datetime.datetime(2026, 3, 7, 12, 0, tzinfo=BERLIN)


@pytest.mark.parametrize(
    ("issue_type", "priority", "start", "category", "tier", "multiplier"),
    [
        ("Incident", "P1", MONDAY_NIGHT, "incident_critical", "p1_p3_off_hours", "1.5"),
        ("Incident", "P2", MONDAY_NOON, "incident", "p1_p3", "1.0"),
        ("Incident", "P4", MONDAY_NOON, "task", "standard", "1.0"),
        ("Incident", "P5", MONDAY_NIGHT, "off_hours", "off_hours", "1.0"),
        ("Meeting", "P1", MONDAY_NOON, "meeting", "standard", "1.0"),
        ("Meeting", "", SATURDAY_NOON, "meeting", "off_hours", "1.0"),
        ("Bug", "P3", SATURDAY_NOON, "off_hours", "off_hours", "1.0"),
        ("Story", "P3", MONDAY_NOON, "task", "standard", "1.0"),
        ("Task", "P1", None, "task", "standard", "1.0"),
    ],
)
def test_category_and_tier(issue_type, priority, start, category, tier, multiplier):
    classified = rules.classify(
        facts(issue_type=issue_type, priority=priority, start=start), plan_rules()
    )
    assert (classified.category, classified.rate_tier) == (category, tier)
    assert classified.multiplier == Decimal(multiplier)


def test_critical_priorities_are_case_insensitive_and_configurable():
    assert rules.is_critical("incident", "highest", ["P1", "Highest"])
    assert rules.is_critical("INCIDENT", " p2 ", ["P1", "P2"])
    assert not rules.is_critical("Incident", "Medium", ["P1", "P2", "P3", "Highest", "High"])
    assert not rules.is_critical("Bug", "P1", ["P1"])


def test_highest_multiplier_wins_among_applicable_tiers():
    multipliers = {
        "standard": Decimal("1.0"),
        "off_hours": Decimal("2.0"),
        "p1_p3": Decimal("1.25"),
        "p1_p3_off_hours": Decimal("1.5"),
    }
    # A critical incident off-hours: every tier applies and off_hours (×2.0) is highest.
    assert rules.rate_tier(True, True, multipliers) == "off_hours"
    # In business hours only standard and p1_p3 apply.
    assert rules.rate_tier(True, False, multipliers) == "p1_p3"
    assert rules.rate_tier(False, True, multipliers) == "off_hours"
    assert rules.rate_tier(False, False, multipliers) == "standard"
    # Equal multipliers: the more specific tier.
    assert rules.rate_tier(True, False, DEFAULT_MULTIPLIERS) == "p1_p3"


def test_off_hours_across_a_timezone_boundary_and_a_weekend():
    # 07:30 UTC on a Monday is 08:30 in Berlin (business hours) but 07:30 in London (not yet).
    instant = datetime.datetime(2026, 3, 2, 7, 30, tzinfo=datetime.UTC)
    assert not rules.is_off_hours(instant.astimezone(BERLIN), BUSINESS)
    assert rules.is_off_hours(instant.astimezone(zoneinfo.ZoneInfo("Europe/London")), BUSINESS)
    # 23:30 UTC on a Friday is already Saturday in Berlin: the weekend is off-hours.
    friday_late = datetime.datetime(2026, 3, 6, 23, 30, tzinfo=datetime.UTC)
    assert friday_late.astimezone(BERLIN).weekday() == 5
    assert rules.is_off_hours(friday_late.astimezone(BERLIN), BUSINESS)
    # The end is exclusive; no start time = business hours.
    assert rules.is_off_hours(datetime.datetime(2026, 3, 2, 18, 0, tzinfo=BERLIN), BUSINESS)
    assert not rules.is_off_hours(datetime.datetime(2026, 3, 2, 8, 0, tzinfo=BERLIN), BUSINESS)
    assert not rules.is_off_hours(None, BUSINESS)


# --- Step 7: aggregation per task, category, tier and rate; rounding once per line -------------


def test_lines_aggregate_per_task_category_tier_and_rate():
    entries = [
        facts(1, minutes=20, task_id=1),
        facts(2, minutes=20, task_id=1),
        facts(3, minutes=20, task_id=1, rate=Decimal("120.00")),
        facts(4, minutes=20, task_id=1, start=MONDAY_NIGHT),
        facts(5, minutes=20, task_id=2),
    ]
    lines = rules.time_and_materials_lines(entries, plan_rules())
    keyed = {(ln.task_id, ln.category, ln.unit_price): ln for ln in lines}
    assert len(lines) == 4
    assert keyed[(1, "task", Decimal("100.00"))].billable_minutes == 40
    assert keyed[(1, "task", Decimal("120.00"))].billable_minutes == 20
    assert keyed[(1, "off_hours", Decimal("100.00"))].billable_minutes == 20
    assert keyed[(2, "task", Decimal("100.00"))].billable_minutes == 20


def test_amount_rounds_half_up_once_per_line():
    # 3 entries of 1 minute at 100.50/h: per entry 1.675 → 1.68 each (5.04); per line 5.025 → 5.03.
    entries = [facts(i, minutes=1, rate=Decimal("100.50")) for i in (1, 2, 3)]
    (line,) = rules.time_and_materials_lines(entries, plan_rules())
    assert line.amount == Decimal("5.03")
    assert line.quantity == Decimal("0.05")
    # Critical off-hours: 50 min × 90.00 × 1.5 / 60 = 112.50
    (critical,) = rules.time_and_materials_lines(
        [
            facts(
                minutes=50,
                issue_type="Incident",
                priority="P1",
                start=MONDAY_NIGHT,
                rate=Decimal("90"),
            )
        ],
        plan_rules(),
    )
    assert (critical.multiplier, critical.amount) == (Decimal("1.5"), Decimal("112.50"))


def test_totals_tax_half_up():
    lines = rules.time_and_materials_lines([facts(minutes=61, rate=Decimal("99.99"))], plan_rules())
    totals = rules.totals(lines, Decimal("0.15"))
    assert totals.subtotal == Decimal("101.66")  # 61 × 99.99 / 60 = 101.6565
    assert totals.tax == Decimal("15.25")  # 15.249 → 15.25
    assert totals.total == totals.subtotal + totals.tax


def test_missing_rate_refuses_naming_the_entry():
    with pytest.raises(rules.BillingRuleError, match="entry 7"):
        rules.time_and_materials_lines([facts(7, rate=None)], plan_rules())


def test_support_plan_rollover_is_capped():
    months = rules.months_between(datetime.date(2026, 1, 1), datetime.date(2026, 3, 31))
    plan = plan_rules(monthly_included_minutes=600, rollover_cap_minutes=120)
    used = {months[0]: 300, months[1]: 700}
    included = rules.included_by_month(months, used, plan)
    # Jan: 600 (300 unused, 120 carried); Feb: 720 (20 unused); Mar: 620.
    assert [included[m] for m in months] == [600, 720, 620]
