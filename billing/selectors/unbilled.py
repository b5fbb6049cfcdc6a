"""What the generate dialog offers: a client's unbilled billable entries of a period, grouped
by project and task with totals (PRODUCT §5.1)."""

from dataclasses import dataclass, field
from decimal import Decimal

from core.units import minutes_value
from timetracking.selectors import unbilled_entries


@dataclass
class GenerateGroup:
    project_name: str
    task_label: str
    entries: list = field(default_factory=list)
    minutes: int = 0
    billable_minutes: int = 0
    value: Decimal = Decimal("0.00")


def generate_preview(client, date_from, date_to) -> list[GenerateGroup]:
    groups: dict[int, GenerateGroup] = {}
    for entry in unbilled_entries(client, date_from, date_to).order_by(
        "task__project__code", "task__name", "task_id", "date", "id"
    ):
        task = entry.task
        group = groups.setdefault(
            task.pk,
            GenerateGroup(
                project_name=task.project.name,
                task_label=f"{task.jira_issue_key}: {task.name}"
                if task.jira_issue_key
                else task.name,
            ),
        )
        value = minutes_value(entry.billable_minutes, entry.billing_rate)
        group.entries.append((entry, value))
        group.minutes += entry.duration_minutes
        group.billable_minutes += entry.billable_minutes
        group.value += value or Decimal("0.00")
    return list(groups.values())
