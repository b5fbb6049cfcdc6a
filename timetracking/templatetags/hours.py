"""Template filters for durations and hours: thin wrappers over the one definition of each."""

from django import template

from core.units import minutes_to_hours
from timetracking.durations import format_minutes

register = template.Library()


@register.filter
def duration(minutes):
    """`4h 30m` (0 → `0h`)."""
    if minutes in (None, ""):
        return ""
    return format_minutes(minutes) if minutes else "0h"


@register.filter
def signed_duration(minutes):
    """`+1h 30m` / `-30m`: a change in consumed or purchased time."""
    if not minutes:
        return "0h"
    return ("+" if minutes > 0 else "") + format_minutes(minutes)


@register.filter
def hours(minutes):
    """Decimal hours to 2 places, half-up (`1.50`)."""
    if minutes in (None, ""):
        return ""
    return minutes_to_hours(minutes)
