"""When a low-balance alert fires (PRODUCT §4): pure arithmetic, no database.

A crossing below the threshold and a crossing below zero each fire once; both re-arm only when
the balance is back above the threshold, so a balance hovering at or below it stays quiet."""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

LOW = "low"
NEGATIVE = "negative"


def threshold_minutes(
    *, low_balance_hours: Decimal | None, low_balance_percent: Decimal | None, purchased: int
) -> int:
    """The larger of the client's two thresholds in minutes (half-up); 0 when neither is set."""
    candidates = [0]
    if low_balance_hours is not None:
        candidates.append(int((low_balance_hours * 60).quantize(Decimal(1), ROUND_HALF_UP)))
    if low_balance_percent is not None and purchased > 0:
        candidates.append(
            int((low_balance_percent * purchased / 100).quantize(Decimal(1), ROUND_HALF_UP))
        )
    return max(candidates)


@dataclass(frozen=True)
class AlertDecision:
    send: str | None  # LOW, NEGATIVE or None
    low_armed: bool
    negative_armed: bool


def decide_alert(
    *, remaining: int, threshold: int, has_purchases: bool, low_armed: bool, negative_armed: bool
) -> AlertDecision:
    """What to send for a client whose balance is now `remaining` minutes.

    Going straight from above the threshold to below zero sends only the negative alert (one
    email says both) and disarms both. Without purchases there is no bank to run low."""
    if not has_purchases:
        return AlertDecision(None, low_armed, negative_armed)
    if remaining > threshold:
        return AlertDecision(None, True, True)
    if remaining < 0 and negative_armed:
        return AlertDecision(NEGATIVE, False, False)
    if 0 < threshold and remaining < threshold and low_armed:
        return AlertDecision(LOW, False, negative_armed)
    return AlertDecision(None, low_armed, negative_armed)
