"""Seed 004: off-hours, critical priorities, rate tiers and line categories (PRODUCT §5.2)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from .common import TIER_PRIORITY, BusinessHours, EntryFacts, PlanRules

# --- Seed 004: categories and tiers ------------------------------------------------------------


def is_off_hours(local_start: datetime | None, business: BusinessHours) -> bool:
    """Outside the client's business weekdays and hours; no start time = business hours."""
    if local_start is None:
        return False
    if local_start.weekday() not in business.weekdays:
        return True
    moment = local_start.time().replace(tzinfo=None)
    return not (business.start <= moment < business.end)


def is_critical(issue_type: str, priority: str, critical_priorities: Iterable[str]) -> bool:
    """An Incident whose priority is one of the plan's critical ones (case-insensitive)."""
    wanted = {p.strip().lower() for p in critical_priorities}
    return issue_type.strip().lower() == "incident" and priority.strip().lower() in wanted


def applicable_tiers(critical: bool, off_hours: bool) -> list[str]:
    tiers = ["standard"]
    if off_hours:
        tiers.append("off_hours")
    if critical:
        tiers.append("p1_p3")
    if critical and off_hours:
        tiers.append("p1_p3_off_hours")
    return tiers


def rate_tier(critical: bool, off_hours: bool, multipliers: dict[str, Decimal]) -> str:
    """The applicable tier with the highest multiplier; equal multipliers go to the more
    specific tier (p1_p3_off_hours, p1_p3, off_hours, standard)."""
    tiers = applicable_tiers(critical, off_hours)
    return max(
        tiers,
        key=lambda tier: (multipliers.get(tier, Decimal("1")), -TIER_PRIORITY.index(tier)),
    )


def category(issue_type: str, critical: bool, off_hours: bool) -> str:
    """The first that matches of incident_critical, incident, meeting, off_hours, task."""
    if critical and off_hours:
        return "incident_critical"
    if critical:
        return "incident"
    if issue_type.strip().lower() == "meeting":
        return "meeting"
    if off_hours:
        return "off_hours"
    return "task"


@dataclass(frozen=True)
class Classified:
    entry: EntryFacts
    category: str
    rate_tier: str
    multiplier: Decimal


def classify(entry: EntryFacts, plan: PlanRules) -> Classified:
    off = (
        entry.off_hours
        if entry.off_hours is not None
        else is_off_hours(entry.local_start, plan.business_hours)
    )
    critical = is_critical(entry.issue_type, entry.priority, plan.critical_priorities)
    tier = rate_tier(critical, off, plan.multipliers)
    return Classified(
        entry=entry,
        category=category(entry.issue_type, critical, off),
        rate_tier=tier,
        multiplier=Decimal(plan.multipliers.get(tier, Decimal("1"))),
    )
