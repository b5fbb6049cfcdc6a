"""What every insights figure shares: the period and filters, and the entry value sums (the SQL
form of `core.units.minutes_value`, defined next to it)."""

from dataclasses import dataclass
from datetime import date, timedelta

from core.units import summed_money, summed_value
from timetracking.models import TimeEntry

BILLABLE_VALUE = summed_money("billable_value")  # entry_value, stored on the entry
COST_VALUE = summed_value("duration_minutes", "cost_rate")


@dataclass(frozen=True)
class Scope:
    """An inclusive period and optional client, project and member filters."""

    date_from: date
    date_to: date
    client_id: int | None = None
    project_id: int | None = None
    member_id: int | None = None

    @property
    def days(self) -> int:
        return (self.date_to - self.date_from).days + 1

    def previous(self) -> "Scope":
        """The period of the same length just before this one (same filters)."""
        end = self.date_from - timedelta(days=1)
        return Scope(
            end - timedelta(days=self.days - 1),
            end,
            self.client_id,
            self.project_id,
            self.member_id,
        )

    def entries(self, date_from: date | None = None, date_to: date | None = None):
        entries = TimeEntry.objects.filter(
            date__gte=date_from or self.date_from, date__lte=date_to or self.date_to
        )
        return self.filtered(entries)

    def filtered(self, entries):
        if self.client_id:
            entries = entries.filter(client_id=self.client_id)
        if self.project_id:
            entries = entries.filter(task__project_id=self.project_id)
        if self.member_id:
            entries = entries.filter(member_id=self.member_id)
        return entries
