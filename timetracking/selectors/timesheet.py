"""The weekly timesheet (PRODUCT §2.5): tasks × days of a member's week."""

from dataclasses import dataclass, field
from datetime import date, timedelta

from clients.models import Task

from ..durations import format_minutes
from ..models import Member, Source, TimeEntry
from ..models import TimesheetRow as KeptRow


@dataclass
class TimesheetCell:
    task: Task
    day: date
    entries: list = field(default_factory=list)
    # Set by the page when the text typed into this cell was refused: shown, and kept.
    error: str = ""
    typed: str | None = None

    @property
    def minutes(self) -> int:
        return sum(entry.duration_minutes for entry in self.entries)

    @property
    def editable(self) -> bool:
        """Empty, or exactly one manual entry not locked by an invoice."""
        if not self.entries:
            return True
        only = self.entries[0]
        return len(self.entries) == 1 and only.source == Source.MANUAL and not only.locked

    @property
    def value(self) -> str:
        return format_minutes(self.minutes) if self.minutes else ""

    @property
    def day_label(self) -> str:
        """`Monday 3 December` (the cell's accessible name); the template's date filter cost
        more than the rest of a cell."""
        return f"{self.day:%A} {self.day.day} {self.day:%B}"

    @property
    def input_id(self) -> str:
        return f"cell-{self.task.pk}-{self.day.isoformat()}"


@dataclass
class TimesheetRow:
    task: Task
    cells: list[TimesheetCell]

    @property
    def total_minutes(self) -> int:
        return sum(cell.minutes for cell in self.cells)


@dataclass
class Timesheet:
    week_start: date
    days: list[date]
    rows: list[TimesheetRow]

    @property
    def day_totals(self) -> list[tuple[date, int]]:
        return [
            (day, sum(row.cells[index].minutes for row in self.rows))
            for index, day in enumerate(self.days)
        ]

    @property
    def total_minutes(self) -> int:
        return sum(row.total_minutes for row in self.rows)

    def cell(self, task_id: int, day: date) -> TimesheetCell | None:
        for row in self.rows:
            if row.task.pk == task_id:
                return row.cells[self.days.index(day)] if day in self.days else None
        return None


def timesheet(member: Member, week_start: date) -> Timesheet:
    """The member's tasks × the 7 days of the week (three queries): tasks with entries that week,
    plus the week's kept rows (added by hand or copied from last week, maybe without hours)."""
    extra_task_ids = KeptRow.objects.filter(member=member, week_start=week_start).values_list(
        "task_id", flat=True
    )
    days = [week_start + timedelta(days=offset) for offset in range(7)]
    entries = list(
        TimeEntry.objects.filter(member=member, date__gte=days[0], date__lte=days[-1])
        .select_related("task__project__client")
        .order_by("date", "id")
    )
    tasks = {entry.task_id: entry.task for entry in entries}
    missing = [task_id for task_id in extra_task_ids if task_id not in tasks]
    if missing:
        tasks.update(
            {
                task.pk: task
                for task in Task.objects.filter(pk__in=missing).select_related("project__client")
            }
        )
    cells = {
        (task_id, day): TimesheetCell(task=task, day=day)
        for task_id, task in tasks.items()
        for day in days
    }
    for entry in entries:
        cells[(entry.task_id, entry.date)].entries.append(entry)
    ordered = sorted(
        tasks.values(),
        key=lambda task: (task.project.client.code, task.project.code, task.name.lower(), task.pk),
    )
    rows = [
        TimesheetRow(task=task, cells=[cells[(task.pk, day)] for day in days]) for task in ordered
    ]
    return Timesheet(week_start=week_start, days=days, rows=rows)


def task_ids_logged(member: Member, date_from: date, date_to: date) -> list[int]:
    return list(
        TimeEntry.objects.filter(member=member, date__gte=date_from, date__lte=date_to)
        .order_by()
        .values_list("task_id", flat=True)
        .distinct()
    )
