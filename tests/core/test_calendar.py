"""Calendar helpers (core/calendar.py): ISO weeks, working weekdays, today in a timezone."""

import datetime

import pytest
from django.utils import timezone

from core.calendar import iso_week, parse_iso_week, today_in, week_start_of, working_weekdays_of

D = datetime.date


@pytest.mark.parametrize(
    ("day", "monday"),
    [
        (D(2026, 11, 4), D(2026, 11, 2)),
        (D(2026, 11, 2), D(2026, 11, 2)),
        (D(2027, 1, 3), D(2026, 12, 28)),
    ],
)
def test_week_start_of_is_the_iso_monday(day, monday):
    assert week_start_of(day) == monday


@pytest.mark.parametrize("text", ["2026-W45", "2026W45", "2026-w45", " 2026-W45 "])
def test_iso_weeks_round_trip(text):
    monday = parse_iso_week(text)
    assert monday == D(2026, 11, 2)
    assert iso_week(monday) == "2026-W45"


@pytest.mark.parametrize(
    ("text", "words"), [("45", "not understood"), ("2026-W54", "does not exist")]
)
def test_bad_weeks_say_why_and_show_an_example(text, words):
    with pytest.raises(ValueError) as refused:
        parse_iso_week(text)
    assert words in str(refused.value) and "e.g. 2026-W45" in str(refused.value)


@pytest.mark.parametrize(
    ("days", "weekdays"),
    [(5, {0, 1, 2, 3, 4}), (4.5, {0, 1, 2, 3, 4}), (7, set(range(7))), (9, set(range(7)))],
)
def test_working_weekdays_are_the_first_whole_days(days, weekdays):
    assert working_weekdays_of(days) == weekdays


def test_today_in_a_timezone_and_the_site_default():
    assert today_in(None) == timezone.localdate()
    assert abs((today_in("Pacific/Kiritimati") - today_in("Pacific/Pago_Pago")).days) in (1, 2)
