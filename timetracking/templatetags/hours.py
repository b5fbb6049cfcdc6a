"""Template filters for durations and hours: thin wrappers over the one definition of each."""

from decimal import ROUND_HALF_UP, Decimal

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
    """Decimal hours to 2 places, half-up (`1.50`). A string: a Decimal would be localized
    by the template engine on every cell, a third of a long table's rendering time."""
    if minutes in (None, ""):
        return ""
    return str(minutes_to_hours(minutes))


# One format per kind on every staff page: hour-bank amounts read `12.50 h`, entry durations
# `1h 30m` (`duration`), money `USD 14,685.00`.


@register.filter
def hours_label(minutes):
    """`12.50 h` (negative: `-1.50 h`)."""
    if minutes in (None, ""):
        return ""
    return f"{minutes_to_hours(minutes)} h"


@register.filter
def signed_hours(minutes):
    """`+1.50 h` / `-0.50 h`: a change in consumed or purchased time."""
    if not minutes:
        return "0.00 h"
    return ("+" if minutes > 0 else "") + f"{minutes_to_hours(minutes)} h"


@register.filter
def money(amount, currency=""):
    """`USD 14,685.00`: the ISO code, thousands separated by commas, two decimals half-up."""
    if amount in (None, ""):
        return ""
    value = Decimal(str(amount)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    text = f"{value:,.2f}"
    return f"{currency} {text}".strip()
