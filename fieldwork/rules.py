"""Seed 002 arithmetic in integer minutes: the billable formula (v1.4), the firm's 0.5 h
rounding, person adjustments as signed H:MM, and largest-remainder allocation. No database."""

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import time

from clients.models import FieldRounding as Rounding

HALF_HOUR = 30
ADJUSTMENT_EXAMPLE = "use signed H:MM, e.g. 2:25 or -0:30"
_ADJUSTMENT = re.compile(r"^\s*([+-]?)(\d{1,2}):([0-5]\d)\s*$")


def parse_adjustment(text: str) -> int:
    """'2:25' → 145, '-0:30' → -30, '+1:05' → 65. ValueError names the accepted format."""
    match = _ADJUSTMENT.match(text or "")
    if not match:
        raise ValueError(f"{text!r} is not an adjustment; {ADJUSTMENT_EXAMPLE}")
    sign, hours, minutes = match.groups()
    total = int(hours) * 60 + int(minutes)
    return -total if sign == "-" else total


def format_adjustment(minutes: int) -> str:
    """-30 → '-0:30', 145 → '2:25'."""
    sign = "-" if minutes < 0 else ""
    hours, rest = divmod(abs(minutes), 60)
    return f"{sign}{hours}:{rest:02d}"


def minutes_between(start: time, end: time) -> int:
    return (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute)


def round_half_hour(minutes: int, method: str) -> int:
    """The firm's field rounding to 0.5 h: up, down, or nearest (a quarter hour rounds up)."""
    quotient, remainder = divmod(minutes, HALF_HOUR)
    if method == Rounding.UP:
        return (quotient + (1 if remainder else 0)) * HALF_HOUR
    if method == Rounding.DOWN:
        return quotient * HALF_HOUR
    if method == Rounding.NEAREST:
        return (quotient + (1 if remainder * 2 >= HALF_HOUR else 0)) * HALF_HOUR
    return minutes


@dataclass(frozen=True)
class Billable:
    total_minutes: int
    adjusted_total_minutes: int
    unrounded_minutes: int
    billable_minutes: int


def billable_breakdown(
    *,
    start_time: time,
    end_time: time,
    crew_size: int,
    adjustment_minutes: Iterable[int],
    break_minutes: int,
    allocated_break_minutes: int,
    non_billable_minutes: int,
    allocated_travel_minutes: int,
    rounding: str = Rounding.OFF,
) -> Billable:
    """Seed 002 v1.4, the one definition. Total work time includes the breaks implicitly, so the
    original break is removed and the allocated break added back; raw travel is not an input."""
    total = minutes_between(start_time, end_time) * crew_size
    adjusted_total = total + sum(adjustment_minutes)
    unrounded = (
        adjusted_total
        - break_minutes
        + allocated_break_minutes
        - non_billable_minutes
        + allocated_travel_minutes
    )
    return Billable(total, adjusted_total, unrounded, round_half_hour(unrounded, rounding))


def allocate(total: int, weights: Sequence[int]) -> list[int]:
    """Split `total` minutes over `weights` in proportion, largest remainder first, so the parts
    add up to `total` exactly. Negative weights count as 0; all-zero weights split evenly."""
    if not weights:
        return []
    clipped = [max(0, weight) for weight in weights]
    if sum(clipped) == 0:
        clipped = [1] * len(weights)
    weight_sum = sum(clipped)
    shares = [divmod(total * weight, weight_sum) for weight in clipped]
    parts = [quotient for quotient, _ in shares]
    left = total - sum(parts)
    # Ties go to the earlier activity, so the same day always allocates the same way.
    order = sorted(range(len(shares)), key=lambda index: (-shares[index][1], index))
    for index in order[:left]:
        parts[index] += 1
    return parts
