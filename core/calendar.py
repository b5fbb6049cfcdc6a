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
    year = int(match.group(1))
    if not MIN_PAGE_YEAR <= year <= MAX_PAGE_YEAR:
        raise ValueError(
            f"Week {text!r} is out of range; use a week between {MIN_PAGE_YEAR} and "
            f"{MAX_PAGE_YEAR}, {WEEK_EXAMPLE}."
        )
    try:
        return date.fromisocalendar(year, int(match.group(2)), 1)
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


# Manual entries are dated in this window (synced worklogs keep whatever date they carry).
MIN_ENTRY_DATE = date(2000, 1, 1)
# Pages navigate days and weeks in these years; outside them date arithmetic would overflow.
MIN_PAGE_YEAR, MAX_PAGE_YEAR = 1900, 9000


def max_entry_date(today: date | None = None) -> date:
    """Today + one year (28 Feb when today is 29 Feb)."""
    today = today or timezone.localdate()
    try:
        return today.replace(year=today.year + 1)
    except ValueError:
        return today.replace(year=today.year + 1, day=28)


def entry_date_error(day: date, today: date | None = None) -> str | None:
    """Why `day` cannot be a manual entry's date, or None."""
    latest = max_entry_date(today)
    if MIN_ENTRY_DATE <= day <= latest:
        return None
    return (
        f"Date {day.isoformat()} is outside {MIN_ENTRY_DATE.isoformat()} … "
        f"{latest.isoformat()}; use a day in that range, e.g. {(today or timezone.localdate()).isoformat()}."
    )


def parse_day(text: str) -> date:
    """A page's `day` parameter (YYYY-MM-DD) in the years pages navigate; ValueError otherwise."""
    try:
        day = date.fromisoformat((text or "").strip())
    except ValueError:
        raise ValueError(f"Day {text!r} is not a date; use YYYY-MM-DD, e.g. 2026-11-03.") from None
    if not MIN_PAGE_YEAR <= day.year <= MAX_PAGE_YEAR:
        raise ValueError(
            f"Day {text!r} is out of range; use a day between {MIN_PAGE_YEAR} and {MAX_PAGE_YEAR}, "
            "e.g. 2026-11-03."
        )
    return day
