"""The one duration parser (PRODUCT §2.1), used by the form, the API, the timesheet and imports."""

import re
from decimal import Decimal, InvalidOperation

from clients.models import FirmSettings
from core.units import hours_to_minutes, whole_minutes

MAX_MANUAL_MINUTES = 24 * 60
ACCEPTED_EXAMPLE = "use 2h, 30m, 1:30 or minutes (e.g. 1h 30m, 1.5 or 2.5h for hours, 1d or 90)"

_NUMBER = r"\d+(?:[.,]\d+)?|[.,]\d+"
# ASCII digits only: `\d` would also take "٣" or "２", which Decimal() quietly reads as numbers.
_UNIT_PART = re.compile(rf"\s*({_NUMBER})\s*(w|d|h|m)\s*", re.IGNORECASE | re.ASCII)
_CLOCK = re.compile(r"^(\d+):([0-5]\d)$", re.ASCII)
_BARE = re.compile(rf"^({_NUMBER})$", re.ASCII)
_UNIT_ORDER = "wdhm"


class DurationError(ValueError):
    """Raised with a message that names what was wrong and shows an accepted example."""


def _decimal(text: str) -> Decimal:
    return Decimal(text.replace(",", "."))


def parse_duration(
    text,
    *,
    signed: bool = False,
    max_minutes: int | None = MAX_MANUAL_MINUTES,
    hours_per_day=None,
    days_per_week=None,
) -> int:
    """Whole minutes of `text`. Bare whole numbers are minutes; a bare number with a decimal
    point or comma is hours (`1.5` is 90 minutes, as in Harvest and Toggl). `signed` allows `-0:30` / `+2:25`
    (adjustments); `max_minutes=None` lifts the 24 h cap (synced and field entries)."""
    # A JSON number must be whole minutes: 1.5 there is ambiguous, while the text "1.5" is hours.
    if isinstance(text, bool | float):
        raise DurationError(f"Duration must be text or a number of minutes; {ACCEPTED_EXAMPLE}.")
    if isinstance(text, int):
        minutes = text
        raw = str(text)
    else:
        raw = str(text or "").strip()
        if not raw:
            raise DurationError(f"Duration is required; {ACCEPTED_EXAMPLE}.")
        sign = 1
        body = raw
        if body[0] in "+-":
            if not signed:
                raise DurationError(f"Duration {raw!r} cannot be signed here; {ACCEPTED_EXAMPLE}.")
            sign = -1 if body[0] == "-" else 1
            body = body[1:].strip()
        minutes = sign * _parse_unsigned(body, raw, hours_per_day, days_per_week)
    if minutes == 0:
        raise DurationError(f"Duration {raw!r} is zero; {ACCEPTED_EXAMPLE}.")
    if minutes < 0 and not signed:
        raise DurationError(f"Duration {raw!r} is negative; {ACCEPTED_EXAMPLE}.")
    if max_minutes is not None and abs(minutes) > max_minutes:
        raise DurationError(
            f"Duration {raw!r} is more than {max_minutes // 60} hours; split it over several days "
            f"(e.g. 8h on each day)."
        )
    return minutes


def _parse_unsigned(body: str, raw: str, hours_per_day, days_per_week) -> int:
    def unit_minutes(unit: str) -> Decimal:
        nonlocal hours_per_day, days_per_week
        if unit == "m":
            return Decimal(1)
        if unit == "h":
            return Decimal(60)
        # Only a day or week needs the firm's working time: most durations never query it.
        if hours_per_day is None or days_per_week is None:
            firm = FirmSettings.current()
            if hours_per_day is None:
                hours_per_day = firm.effective_hours_per_day
            if days_per_week is None:
                days_per_week = firm.effective_days_per_week
        day_minutes = hours_to_minutes(hours_per_day)
        return Decimal(day_minutes) if unit == "d" else Decimal(days_per_week) * day_minutes

    try:
        if match := _BARE.match(body):
            number = match.group(1)
            if "." in number or "," in number:
                return whole_minutes(_decimal(number) * 60)
            return whole_minutes(_decimal(number))
        if match := _CLOCK.match(body):
            return int(match.group(1)) * 60 + int(match.group(2))
        position, total, last_unit = 0, Decimal(0), -1
        while position < len(body):
            part = _UNIT_PART.match(body, position)
            if not part:
                raise DurationError(f"Duration {raw!r} is not understood; {ACCEPTED_EXAMPLE}.")
            unit = part.group(2).lower()
            # Units must come largest first, once each ("2h 30m", not "30m 2h" or "1h 1h").
            if _UNIT_ORDER.index(unit) <= last_unit:
                raise DurationError(
                    f"Duration {raw!r} repeats or reorders units; {ACCEPTED_EXAMPLE}."
                )
            last_unit = _UNIT_ORDER.index(unit)
            total += _decimal(part.group(1)) * unit_minutes(unit)
            position = part.end()
        if last_unit < 0:
            raise DurationError(f"Duration {raw!r} is not understood; {ACCEPTED_EXAMPLE}.")
        return whole_minutes(total)
    except InvalidOperation:
        raise DurationError(f"Duration {raw!r} is not understood; {ACCEPTED_EXAMPLE}.") from None


def format_minutes(minutes: int) -> str:
    """`4h 30m`, `45m`, `2h`; negative values keep their sign (`-0h 30m` reads badly: `-30m`)."""
    sign = "-" if minutes < 0 else ""
    hours, rest = divmod(abs(int(minutes)), 60)
    if hours and rest:
        return f"{sign}{hours}h {rest}m"
    if hours:
        return f"{sign}{hours}h"
    return f"{sign}{rest}m"
