"""Unit conversions shared by every layer: the one place minutes, hours and money are rounded."""

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


def hours_to_minutes(hours) -> int:
    """Whole minutes of a decimal number of hours, half-up (0.01 h → 1 min)."""
    return int((Decimal(hours) * 60).quantize(Decimal("1"), rounding=ROUND_HALF_UP))


def minutes_to_hours(minutes: int) -> Decimal:
    """The `*_hours` figure of INTERFACES §1.1: round-half-up(minutes / 60, 2)."""
    return (Decimal(minutes) / 60).quantize(CENT, rounding=ROUND_HALF_UP)


def seconds_to_minutes(seconds: int) -> int:
    """Synced durations arrive in seconds: convert once, half-up, at least 1 minute."""
    minutes = int((Decimal(seconds) / 60).quantize(Decimal("1"), rounding=ROUND_HALF_UP))
    return max(minutes, 1)


def money(value) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def minutes_value(minutes: int, hourly_rate) -> Decimal | None:
    """Money for `minutes` at an hourly rate, to the cent; None when there is no rate."""
    if hourly_rate is None:
        return None
    return money(Decimal(minutes) * Decimal(hourly_rate) / 60)
