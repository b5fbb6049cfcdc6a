"""How fast a client's hour bank burns and when it runs out, in the words the directory uses."""

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from core.units import minutes_to_hours

from ..balances import Balance


def burn_minutes_per_week(balance: Balance) -> int:
    """Billable minutes a week at the pace of the last 28 days (half-up)."""
    return int((balance.burn_minutes_per_day * 7).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def runs_out_in(balance: Balance, today: date) -> str:
    """`runs out in 7 weeks` / `in 5 days` / `overdrawn`; "" when it never runs out (no bank,
    no burn)."""
    if not balance.has_purchases:
        return ""
    if balance.remaining_minutes <= 0:
        return "overdrawn"
    if balance.runout_date is None:
        return ""
    days = (balance.runout_date - today).days
    if days < 14:
        return f"runs out in {days} day{'s' if days != 1 else ''}"
    return f"runs out in {days // 7} weeks"


def risk_reason(client, balance: Balance, today: date) -> str:
    """Why the balance is at risk — the first rule of `balances.is_at_risk` that holds."""
    if not balance.at_risk:
        return ""
    remaining = balance.remaining_minutes
    if remaining <= 0:
        return f"overdrawn by {minutes_to_hours(-remaining)} h"
    if client.low_balance_hours is not None and remaining < client.low_balance_hours * 60:
        return f"under {client.low_balance_hours} h left"
    if (
        client.low_balance_percent is not None
        and remaining * 100 < client.low_balance_percent * balance.purchased_minutes
    ):
        return f"under {client.low_balance_percent.normalize():f}% left"
    return f"runs out within {client.runout_warning_weeks} weeks"
