"""My Work (PRODUCT §2.3): the week chart, hours by project and task, KPIs, the running timer."""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from clients.models import FirmSettings
from core.calendar import today_in, working_weekdays_of
from core.units import hours_to_minutes, minutes_to_hours, percent, whole_minutes

from ..models import Member, TimeEntry, Timer
from .entries import BILLABLE_DURATION


def member_today(member: Member | None) -> date:
    """ "Today" is the member's today (PRODUCT §2.2): their timezone, else the firm's."""
    return today_in(member.timezone if member else None)


def working_weekdays(days_per_week=None) -> set[int]:
    """Working weekdays of the firm (or of `days_per_week`)."""
    days = (
        FirmSettings.current().effective_days_per_week if days_per_week is None else days_per_week
    )
    return working_weekdays_of(days)


@dataclass(frozen=True)
class DayTotal:
    day: date
    total_minutes: int
    billable_minutes: int  # duration of billable entries

    @property
    def non_billable_minutes(self) -> int:
        return self.total_minutes - self.billable_minutes


def day_totals(member: Member, date_from: date, date_to: date) -> list[DayTotal]:
    """One row per day of the range, days without entries included (one query)."""
    rows = {
        row["date"]: row
        for row in TimeEntry.objects.filter(member=member, date__gte=date_from, date__lte=date_to)
        .order_by()
        .values("date")
        .annotate(total=Sum("duration_minutes"), billable=BILLABLE_DURATION)
    }
    days = []
    day = date_from
    while day <= date_to:
        row = rows.get(day, {})
        days.append(
            DayTotal(
                day=day,
                total_minutes=row.get("total") or 0,
                billable_minutes=row.get("billable") or 0,
            )
        )
        day += timedelta(days=1)
    return days


@dataclass(frozen=True)
class WeekChart:
    """My Work's week: hours per day, billable vs non-billable, and the member's target spread
    evenly over the working days."""

    days: list[DayTotal]
    weekly_target_minutes: int
    daily_target_minutes: int
    working: frozenset[int]

    @property
    def total_minutes(self) -> int:
        return sum(day.total_minutes for day in self.days)

    def target_of(self, day: date) -> int | None:
        return self.daily_target_minutes if day.weekday() in self.working else None

    @property
    def rows(self) -> list[tuple[DayTotal, int | None]]:
        return [(day, self.target_of(day.day)) for day in self.days]

    def data(self) -> dict:
        """JSON for Chart.js (hours as floats)."""
        target = [self.target_of(day.day) for day in self.days]
        return {
            "labels": [f"{day.day:%a} {day.day.day}" for day in self.days],
            "billable": [float(minutes_to_hours(day.billable_minutes)) for day in self.days],
            "non_billable": [
                float(minutes_to_hours(day.non_billable_minutes)) for day in self.days
            ],
            "target": [
                None if minutes is None else float(minutes_to_hours(minutes)) for minutes in target
            ],
        }


def week_chart(member: Member, week_start: date) -> WeekChart:
    days = day_totals(member, week_start, week_start + timedelta(days=6))
    days_per_week = FirmSettings.current().effective_days_per_week
    weekly_target = hours_to_minutes(member.weekly_target_hours)
    daily_target = whole_minutes(Decimal(weekly_target) / days_per_week) if days_per_week else 0
    return WeekChart(
        days=days,
        weekly_target_minutes=weekly_target,
        daily_target_minutes=daily_target,
        working=frozenset(working_weekdays(days_per_week)),
    )


@dataclass(frozen=True)
class HoursRow:
    """Hours of one project (or task) in a period: the My Work breakdown."""

    id: int
    label: str
    detail: str
    minutes: int
    billable_minutes: int  # duration of billable entries

    @property
    def hours(self) -> Decimal:
        return minutes_to_hours(self.minutes)


def hours_by_project(member: Member, date_from: date, date_to: date) -> list[HoursRow]:
    rows = (
        TimeEntry.objects.filter(member=member, date__gte=date_from, date__lte=date_to)
        .order_by()
        .values(
            "task__project_id",
            "task__project__code",
            "task__project__name",
            "task__project__client__name",
        )
        .annotate(minutes=Sum("duration_minutes"), billable=BILLABLE_DURATION)
        .order_by("-minutes", "task__project__code")
    )
    return [
        HoursRow(
            id=row["task__project_id"],
            label=f"{row['task__project__code']} — {row['task__project__name']}",
            detail=row["task__project__client__name"],
            minutes=row["minutes"],
            billable_minutes=row["billable"],
        )
        for row in rows
    ]


def hours_by_task(
    member: Member, project_id: int, date_from: date, date_to: date
) -> list[HoursRow]:
    rows = (
        TimeEntry.objects.filter(
            member=member, task__project_id=project_id, date__gte=date_from, date__lte=date_to
        )
        .order_by()
        .values("task_id", "task__name", "task__jira_issue_key")
        .annotate(minutes=Sum("duration_minutes"), billable=BILLABLE_DURATION)
        .order_by("-minutes", "task__name")
    )
    return [
        HoursRow(
            id=row["task_id"],
            label=row["task__name"],
            detail=row["task__jira_issue_key"] or "",
            minutes=row["minutes"],
            billable_minutes=row["billable"],
        )
        for row in rows
    ]


@dataclass(frozen=True)
class MemberKpis:
    total_minutes: int
    billable_minutes: int  # duration of billable entries
    working_days: int

    @property
    def utilization_percent(self) -> Decimal | None:
        """utilization = Σ duration of billable entries / Σ duration of all entries (PRODUCT §1)."""
        return percent(self.billable_minutes, self.total_minutes, places=1)

    @property
    def average_daily_minutes(self) -> int | None:
        if not self.working_days:
            return None
        return whole_minutes(Decimal(self.total_minutes) / self.working_days)


def member_kpis(member: Member, date_from: date, date_to: date, *, today: date) -> MemberKpis:
    """KPIs of a period; average daily hours count the working days up to today only."""
    totals = TimeEntry.objects.filter(
        member=member, date__gte=date_from, date__lte=date_to
    ).aggregate(total=Coalesce(Sum("duration_minutes"), Value(0)), billable=BILLABLE_DURATION)
    working = working_weekdays()
    last_day = min(date_to, today)
    working_days = 0
    day = date_from
    while day <= last_day:
        working_days += day.weekday() in working
        day += timedelta(days=1)
    return MemberKpis(
        total_minutes=totals["total"],
        billable_minutes=totals["billable"],
        working_days=working_days,
    )


def running_timer(member: Member | None) -> Timer | None:
    if member is None:
        return None
    return Timer.objects.filter(member=member).select_related("task__project__client").first()


@dataclass(frozen=True)
class RunningTimer:
    """A running timer as the header and My Work show it: seconds so far (the script counts on
    from there) and the same as H:MM:SS for the first paint."""

    timer: Timer
    elapsed: int

    @property
    def elapsed_text(self) -> str:
        hours, rest = divmod(self.elapsed, 3600)
        return f"{hours}:{rest // 60:02d}:{rest % 60:02d}"


def running_state(timer: Timer | None) -> RunningTimer | None:
    if timer is None:
        return None
    return RunningTimer(timer, max(0, int((timezone.now() - timer.started_at).total_seconds())))
