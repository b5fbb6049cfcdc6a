"""The project and task pages (seed 001, PRODUCT §8): the project time summary."""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q, Sum, Value
from django.db.models.functions import Coalesce

from clients.models import Project, Task
from core.units import minutes_to_hours, percent, summed_money, total_value

from ..models import TimeEntry
from .entries import BILLABLE_DURATION
from .hour_bank import unbilled_entries


@dataclass
class TaskTime:
    task_id: int
    name: str
    jira_issue_key: str | None
    minutes: int = 0
    billable_duration: int = 0
    billable_value: Decimal = Decimal("0.00")


@dataclass
class MemberTime:
    member_id: int
    name: str
    minutes: int = 0
    billable_duration: int = 0
    billable_value: Decimal = Decimal("0.00")
    tasks: list[TaskTime] = field(default_factory=list)

    @property
    def non_billable_duration(self) -> int:
        return self.minutes - self.billable_duration


@dataclass
class ProjectTimeSummary:
    project: Project
    members: list[MemberTime]
    entries_without_rate: int

    @property
    def currency(self) -> str:
        return self.project.client.currency

    @property
    def total_minutes(self) -> int:
        return sum(member.minutes for member in self.members)

    @property
    def billable_minutes(self) -> int:
        return sum(member.billable_duration for member in self.members)

    @property
    def non_billable_minutes(self) -> int:
        return self.total_minutes - self.billable_minutes

    @property
    def billable_value(self) -> Decimal:
        return total_value(member.billable_value for member in self.members)

    @property
    def budget_hours_percent(self) -> int | None:
        """Share of the hour budget used by all logged time, for the progress bar."""
        budget = self.project.budget_hours
        if not budget:
            return None
        return int(percent(self.total_minutes, budget * 60))

    @property
    def budget_amount_percent(self) -> int | None:
        budget = self.project.budget_amount
        if not budget:
            return None
        return int(percent(self.billable_value, budget))


def _time_sums(currency: str) -> dict:
    """Minutes, billable duration, value and entries without a rate of a group of entries."""
    priced = Q(billing_rate__isnull=False, billing_currency=currency)
    return {
        "minutes": Sum("duration_minutes"),
        "billable_duration": BILLABLE_DURATION,
        "value": summed_money("billable_value", filter=priced),
        # Counted on an indexed column, not the id: the sums stay an index-only scan.
        "without_rate": Count(
            "task_id",
            filter=Q(billable_minutes__gt=0)
            & (Q(billing_rate__isnull=True) | ~Q(billing_currency=currency)),
        ),
    }


def project_time_summary(
    project: Project, *, expanded_member: int | None = None
) -> ProjectTimeSummary:
    """Total, billable, non-billable, billable value; per member (one query grouped by member),
    and the tasks of `expanded_member` only (one more query): the page opens one member's
    tasks at a time, and a big project has hundreds of members × tasks.

    Each entry's value is its billable minutes × its rate snapshot, rounded half-up to the cent
    (`entry_value`, stored as `billable_value`); every total is the sum of those values, so it
    does not depend on how the page groups them (PRODUCT §1, "Derived figures"). A rate in
    another currency than the client's has no value here and counts as an entry without a
    rate."""
    currency = project.client.currency
    entries = TimeEntry.objects.filter(task__project=project).order_by()
    rows = entries.values(
        "member_id",
        "member__user__username",
        "member__user__first_name",
        "member__user__last_name",
    ).annotate(**_time_sums(currency))
    members = []
    without_rate = 0
    for row in rows:
        name = (
            f"{row['member__user__first_name']} {row['member__user__last_name']}".strip()
            or row["member__user__username"]
        )
        members.append(
            MemberTime(
                member_id=row["member_id"],
                name=name,
                minutes=row["minutes"],
                billable_duration=row["billable_duration"],
                billable_value=row["value"],
            )
        )
        without_rate += row["without_rate"]
    members.sort(key=lambda member: (-member.minutes, member.name))
    for member in members:
        if member.member_id == expanded_member:
            member.tasks = _task_times(entries.filter(member_id=member.member_id), currency)
    return ProjectTimeSummary(project=project, members=members, entries_without_rate=without_rate)


def _task_times(entries, currency: str) -> list[TaskTime]:
    rows = entries.values("task_id", "task__name", "task__jira_issue_key").annotate(
        **_time_sums(currency)
    )
    tasks = [
        TaskTime(
            task_id=row["task_id"],
            name=row["task__name"],
            jira_issue_key=row["task__jira_issue_key"],
            minutes=row["minutes"],
            billable_duration=row["billable_duration"],
            billable_value=row["value"],
        )
        for row in rows
    ]
    tasks.sort(key=lambda task: (-task.minutes, task.name))
    return tasks


def project_tasks(project: Project):
    """The project's tasks with their logged minutes (one query)."""
    return (
        Task.objects.filter(project=project)
        .annotate(logged_minutes=Coalesce(Sum("entries__duration_minutes"), Value(0)))
        .order_by("-is_active", "name")
    )


@dataclass(frozen=True)
class UnbilledCount:
    entries: int
    billable_minutes: int

    @property
    def billable_hours(self) -> Decimal:
        return minutes_to_hours(self.billable_minutes)


def project_unbilled(project: Project) -> UnbilledCount:
    """Unbilled billable time of one project: the warning before marking it complete (seed 001)."""
    totals = (
        unbilled_entries(project.client)
        .filter(task__project=project)
        .order_by()
        .aggregate(entries=Count("id"), minutes=Coalesce(Sum("billable_minutes"), Value(0)))
    )
    return UnbilledCount(entries=totals["entries"], billable_minutes=totals["minutes"])
