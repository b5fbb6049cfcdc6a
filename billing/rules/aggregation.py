"""Entries of the same task, category, tier and rate become one line; amounts per line."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from .common import EntryFacts, Line, hours, line_amount, money
from .seed004 import Classified

# --- Aggregation -------------------------------------------------------------------------------


@dataclass
class LineGroup:
    task_id: int
    label: str
    jira_issue_key: str
    category: str
    rate_tier: str
    unit_price: Decimal
    multiplier: Decimal
    time_minutes: int = 0
    billable_minutes: int = 0


def aggregate(
    items: Sequence[tuple[Classified, int, int]], *, price_of, description_prefix: str = ""
) -> list[Line]:
    """One line per task, category, tier and unit price: `items` are (classified entry, time
    minutes, billable minutes); the amount is rounded once per line."""
    groups: dict[tuple, LineGroup] = {}
    for classified, time_minutes, billable in items:
        entry = classified.entry
        unit_price, multiplier = price_of(classified)
        key = (entry.task_id, classified.category, classified.rate_tier, unit_price, multiplier)
        group = groups.get(key)
        if group is None:
            group = groups[key] = LineGroup(
                task_id=entry.task_id,
                label=entry.task_label,
                jira_issue_key=entry.jira_issue_key,
                category=classified.category,
                rate_tier=classified.rate_tier,
                unit_price=unit_price,
                multiplier=multiplier,
            )
        group.time_minutes += time_minutes
        group.billable_minutes += billable
    lines = []
    for group in groups.values():
        label = f"{group.jira_issue_key}: {group.label}" if group.jira_issue_key else group.label
        lines.append(
            Line(
                category=group.category,
                rate_tier=group.rate_tier,
                description=f"{description_prefix}{label}",
                time_minutes=group.time_minutes,
                billable_minutes=group.billable_minutes,
                quantity=hours(group.billable_minutes),
                unit_price=money(group.unit_price),
                multiplier=group.multiplier,
                amount=line_amount(group.billable_minutes, group.unit_price, group.multiplier),
                task_id=group.task_id,
                jira_issue_key=group.jira_issue_key,
            )
        )
    return lines


def ordered(entries: Iterable[EntryFacts]) -> list[EntryFacts]:
    return sorted(
        entries,
        key=lambda e: (
            e.day,
            e.local_start is not None,
            e.local_start.timestamp() if e.local_start else 0,
            e.entry_id,
        ),
    )
