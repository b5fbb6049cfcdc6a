"""Seed 002 v1.4 arithmetic: the formula on the seed's own cases, the 0.5 h rounding at its
edges, person adjustments as signed H:MM, and largest-remainder allocation."""

import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fieldwork.rules import (
    allocate,
    billable_breakdown,
    format_adjustment,
    parse_adjustment,
    round_half_hour,
)


def t(text):
    return datetime.time.fromisoformat(text)


def breakdown(**overrides):
    values = dict(
        start_time=t("08:00"),
        end_time=t("12:00"),
        crew_size=1,
        adjustment_minutes=[],
        break_minutes=0,
        allocated_break_minutes=0,
        non_billable_minutes=0,
        allocated_travel_minutes=0,
        rounding="off",
    )
    values.update(overrides)
    return billable_breakdown(**values)


@pytest.mark.parametrize(
    ("text", "minutes"),
    [("2:25", 145), ("-0:30", -30), ("+1:05", 65), ("0:00", 0), ("10:59", 659), (" -2:00 ", -120)],
)
def test_adjustments_are_signed_hours_and_minutes(text, minutes):
    assert parse_adjustment(text) == minutes
    assert parse_adjustment(format_adjustment(minutes)) == minutes


@pytest.mark.parametrize("text", ["", "2.5", "2:60", "-:30", "abc", "1:5", "2:25:00", "--1:00"])
def test_other_adjustment_text_is_refused_with_an_example(text):
    with pytest.raises(ValueError, match="e.g. 2:25 or -0:30"):
        parse_adjustment(text)


def test_total_is_duration_times_crew_size():
    figures = breakdown(start_time=t("08:00"), end_time=t("16:00"), crew_size=3)
    assert figures.total_minutes == 8 * 60 * 3
    assert figures.adjusted_total_minutes == figures.total_minutes
    assert figures.billable_minutes == 1440


def test_seed_adjustments_change_the_total_first():
    # Seed 002: "2:25" = +2.42 h (145 min), "-0:30" = -0.5 h (30 min).
    figures = breakdown(crew_size=2, adjustment_minutes=[145, -30])
    assert figures.total_minutes == 480
    assert figures.adjusted_total_minutes == 480 + 145 - 30
    assert figures.billable_minutes == 595


def test_break_is_removed_and_allocated_break_added_back():
    # v1.4: total includes the break implicitly; the original goes, the allocated comes back.
    figures = breakdown(break_minutes=30, allocated_break_minutes=45)
    assert figures.billable_minutes == 240 - 30 + 45
    assert breakdown(break_minutes=30).billable_minutes == 210


def test_non_billable_is_subtracted_and_allocated_travel_added():
    figures = breakdown(non_billable_minutes=20, allocated_travel_minutes=35)
    assert figures.billable_minutes == 240 - 20 + 35


def test_raw_travel_is_not_an_input():
    with pytest.raises(TypeError):
        breakdown(travel_minutes=60)


def test_every_component_together():
    figures = breakdown(
        start_time=t("07:30"),
        end_time=t("15:45"),
        crew_size=3,
        adjustment_minutes=[145, -30],
        break_minutes=90,
        allocated_break_minutes=60,
        non_billable_minutes=15,
        allocated_travel_minutes=40,
    )
    assert figures.total_minutes == 495 * 3
    assert figures.adjusted_total_minutes == 1485 + 115
    assert figures.unrounded_minutes == 1600 - 90 + 60 - 15 + 40
    assert figures.billable_minutes == figures.unrounded_minutes


# 1.25 h, 1.5 h and 1.75 h: the quarter-hour edges of a 0.5 h step.
@pytest.mark.parametrize(
    ("minutes", "method", "expected"),
    [
        (75, "up", 90),
        (90, "up", 90),
        (105, "up", 120),
        (75, "down", 60),
        (90, "down", 90),
        (105, "down", 90),
        (75, "nearest", 90),
        (90, "nearest", 90),
        (105, "nearest", 120),
        (74, "nearest", 60),
        (76, "up", 90),
        (61, "down", 60),
        (75, "off", 75),
        (105, "off", 105),
    ],
)
def test_rounding_to_half_hours_at_the_edges(minutes, method, expected):
    assert round_half_hour(minutes, method) == expected


def test_rounding_applies_after_the_formula():
    figures = breakdown(end_time=t("09:15"), rounding="up")  # 75 min
    assert (figures.unrounded_minutes, figures.billable_minutes) == (75, 90)
    assert breakdown(end_time=t("09:15"), rounding="down").billable_minutes == 60
    assert breakdown(end_time=t("09:15"), rounding="nearest").billable_minutes == 90
    assert breakdown(end_time=t("09:14"), rounding="nearest").billable_minutes == 60


@pytest.mark.parametrize(
    ("total", "weights", "expected"),
    [
        (100, [480], [100]),
        (100, [300, 300], [50, 50]),
        (101, [300, 300], [51, 50]),
        (90, [240, 480], [30, 60]),
        (100, [1, 1, 1, 1, 1, 1, 1], [15, 15, 14, 14, 14, 14, 14]),
        (60, [0, 0], [30, 30]),
        (10, [-5, 5], [0, 10]),
        (0, [3, 4], [0, 0]),
    ],
)
def test_allocation_keeps_the_total_exact(total, weights, expected):
    parts = allocate(total, weights)
    assert parts == expected
    assert sum(parts) == total


@pytest.mark.parametrize("count", [1, 2, 7])
@given(data=st.data())
def test_allocation_sums_for_1_2_and_7_activities(count, data):
    total = data.draw(st.integers(0, 5000))
    weights = data.draw(st.lists(st.integers(-100, 2000), min_size=count, max_size=count))
    parts = allocate(total, weights)
    assert sum(parts) == total
    assert len(parts) == count
    assert all(part >= 0 for part in parts)
    positive = [max(0, weight) for weight in weights]
    if sum(positive):
        for part, weight in zip(parts, positive, strict=True):
            # Each part is its exact share rounded down or up by one minute at most.
            assert abs(part * sum(positive) - total * weight) < sum(positive)


minutes_of_day = st.integers(0, 24 * 60 - 2)


@given(
    start=minutes_of_day,
    length=st.integers(1, 24 * 60 - 1),
    crew=st.integers(1, 50),
    adjustments=st.lists(st.integers(-600, 600), max_size=5),
    break_minutes=st.integers(0, 600),
    allocated_break=st.integers(0, 600),
    non_billable=st.integers(0, 600),
    allocated_travel=st.integers(0, 600),
    method=st.sampled_from(["off", "up", "down", "nearest"]),
)
def test_billable_minutes_equal_the_formula_for_random_inputs(
    start,
    length,
    crew,
    adjustments,
    break_minutes,
    allocated_break,
    non_billable,
    allocated_travel,
    method,
):
    end = min(start + length, 24 * 60 - 1)
    figures = breakdown(
        start_time=datetime.time(start // 60, start % 60),
        end_time=datetime.time(end // 60, end % 60),
        crew_size=crew,
        adjustment_minutes=adjustments,
        break_minutes=break_minutes,
        allocated_break_minutes=allocated_break,
        non_billable_minutes=non_billable,
        allocated_travel_minutes=allocated_travel,
        rounding=method,
    )
    # Seed 002 v1.4 in hours, as the seed writes it, then back to minutes.
    total_hours = (end - start) / 60 * crew
    adjusted_total_hours = total_hours + sum(adjustments) / 60
    billable_hours = (
        adjusted_total_hours
        - break_minutes / 60
        + allocated_break / 60
        - non_billable / 60
        + allocated_travel / 60
    )
    unrounded = round(billable_hours * 60)
    assert figures.unrounded_minutes == unrounded
    if method == "off":
        assert figures.billable_minutes == unrounded
    else:
        assert figures.billable_minutes % 30 == 0
        assert abs(figures.billable_minutes - unrounded) < 30
        if method == "up":
            assert figures.billable_minutes >= unrounded
        if method == "down":
            assert figures.billable_minutes <= unrounded
        if method == "nearest":
            assert abs(figures.billable_minutes - unrounded) <= 15
