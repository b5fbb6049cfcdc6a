"""Calendar helpers: ISO weeks, working weekdays and "today" in a timezone."""

import math
import re
import zoneinfo
from datetime import date, timedelta

from django.utils import timezone

WEEK_EXAMPLE = "e.g. 2026-W45"
_ISO_WEEK = re.compile(r"^(\d{4})-?W(\d{1,2})$", re.IGNORECASE)


def week_start_of(day: date) -> date:
    """The Monday of the ISO week of `day`."""
    return day - timedelta(days=day.weekday())


def parse_iso_week(text: str) -> date:
    """The Monday of an ISO week written `2026-W45`."""
    match = _ISO_WEEK.match((text or "").strip())
    if not match:
        raise ValueError(f"Week {text!r} is not understood; use an ISO week, {WEEK_EXAMPLE}.")
    try:
        return date.fromisocalendar(int(match.group(1)), int(match.group(2)), 1)
    except ValueError:
        raise ValueError(
            f"Week {text!r} does not exist; use an ISO week, {WEEK_EXAMPLE}."
        ) from None


def iso_week(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def working_weekdays_of(days_per_week) -> set[int]:
    """Weekday numbers (0 = Monday) that count as working days: the first ⌈days per week⌉."""
    return set(range(min(7, math.ceil(days_per_week))))


def today_in(timezone_name: str | None) -> date:
    """Today in the named timezone; the site's timezone when there is none."""
    if not timezone_name:
        return timezone.localdate()
    return timezone.localtime(timezone=zoneinfo.ZoneInfo(timezone_name)).date()
