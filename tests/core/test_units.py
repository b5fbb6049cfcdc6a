"""The one place minutes, hours and money are rounded (PRODUCT §1, INTERFACES §1.1)."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.units import (
    hours_to_minutes,
    minutes_to_hours,
    minutes_value,
    money,
    percent,
    seconds_to_minutes,
    total_value,
    whole_minutes,
)


@pytest.mark.parametrize(
    ("hours", "minutes"),
    [
        ("40", 2400),
        ("1.01", 61),  # 60.6
        ("0.99", 59),  # 59.4
        ("0.01", 1),  # 0.6
        ("0.125", 8),  # 7.5: half rounds up
        ("-0.125", -8),  # half-up rounds away from zero for corrections too
        ("-2.5", -150),
        (Decimal("7.675"), 461),  # 460.5
        (3, 180),
    ],
)
def test_hours_to_minutes_half_up(hours, minutes):
    assert hours_to_minutes(hours) == minutes


@pytest.mark.parametrize(
    ("minutes", "hours"),
    [
        (0, "0.00"),
        (1, "0.02"),  # 0.01666…
        (30, "0.50"),
        (20, "0.33"),  # 0.333…
        (40, "0.67"),  # 0.666…
        (3, "0.05"),  # exactly 0.05
        (90, "1.50"),
        (-1, "-0.02"),
        (-90, "-1.50"),
        (145, "2.42"),
    ],
)
def test_minutes_to_hours_two_places_half_up(minutes, hours):
    assert minutes_to_hours(minutes) == Decimal(hours)
    assert str(minutes_to_hours(minutes)) == hours


@pytest.mark.parametrize(
    ("seconds", "minutes"),
    [(1, 1), (29, 1), (30, 1), (89, 1), (90, 2), (149, 2), (150, 3), (3600, 60), (0, 1)],
)
def test_seconds_to_minutes_half_up_and_at_least_one(seconds, minutes):
    assert seconds_to_minutes(seconds) == minutes


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1.005", "1.01"),
        ("1.004", "1.00"),
        ("-1.005", "-1.01"),
        (Decimal("2"), "2.00"),
        ("0.125", "0.13"),
    ],
)
def test_money_rounds_half_up_to_cents(value, expected):
    assert money(value) == Decimal(expected)
    assert str(money(value)) == expected


@pytest.mark.parametrize(
    ("minutes", "rate", "value"),
    [
        (90, "100.00", "150.00"),
        (1, "100.00", "1.67"),  # 1.666…
        (7, "33.33", "3.89"),  # 3.8885
        (45, "150.00", "112.50"),
        (-30, "100.00", "-50.00"),
        (0, "100.00", "0.00"),
    ],
)
def test_minutes_value(minutes, rate, value):
    assert minutes_value(minutes, Decimal(rate)) == Decimal(value)


def test_minutes_value_without_a_rate_is_none():
    assert minutes_value(90, None) is None


def test_money_results_are_decimals():
    assert isinstance(minutes_value(90, "100"), Decimal)
    assert isinstance(minutes_to_hours(90), Decimal)
    assert isinstance(hours_to_minutes("1.5"), int)


@given(minutes=st.integers(min_value=-100_000, max_value=100_000))
def test_hours_figure_drifts_at_most_0_3_minutes(minutes):
    # Hours carry 2 decimals (steps of 0.6 min), so the figure is off by at most half a step.
    assert abs(hours_to_minutes(minutes_to_hours(minutes)) - minutes) <= 1
    assert abs(minutes_to_hours(minutes) * 60 - minutes) <= Decimal("0.3")


@pytest.mark.parametrize(
    ("part", "whole", "places", "expected"),
    [
        (1, 8, 0, "13"),  # 12.5: half-up, where round() on floats gives 12
        (1, 3, 1, "33.3"),
        (2, 3, 1, "66.7"),
        (5, 40, 1, "12.5"),
        (3, 2, 0, "150"),
        (-1, 8, 0, "-13"),
    ],
)
def test_percent_rounds_half_up(part, whole, places, expected):
    assert percent(part, whole, places=places) == Decimal(expected)


def test_percent_of_nothing_is_none():
    assert percent(5, 0) is None


def test_total_value_is_the_sum_of_rounded_entry_values():
    values = [minutes_value(10, "100.00")] * 7 + [None]

    assert total_value(values) == Decimal("116.69")  # not 70 min × 100/h = 116.67
    assert total_value([]) == Decimal("0.00")


@pytest.mark.parametrize(("value", "minutes"), [("1.5", 2), ("2.49", 2), ("0.5", 1), ("-1.5", -2)])
def test_whole_minutes_rounds_half_up(value, minutes):
    assert whole_minutes(Decimal(value)) == minutes


@given(st.integers(min_value=0, max_value=10**9))
def test_whole_seconds_round_as_the_decimal_rule_does(seconds):
    assert seconds_to_minutes(seconds) == max(whole_minutes(Decimal(seconds) / 60), 1)
