"""Hours figures: consumption per week or month stacked by client, utilization per member and
the per-client trend against the previous period. One aggregate query each."""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Q, Sum, Value
from django.db.models.functions import Coalesce, TruncMonth, TruncWeek

from core.units import minutes_to_hours, percent, whole_minutes
from timetracking.selectors import BILLABLE_DURATION

from .scope import Scope

TOP_CLIENTS = 5
OTHER = "Other"
BUCKETS = ("week", "month")


@dataclass(frozen=True)
class HoursChart:
    """Consumed (billable) minutes per bucket and client: the top clients of the period, the rest
    summed as "Other"."""

    bucket: str
    starts: list[date]
    series: list[tuple[str, list[int]]]  # (client label, minutes per bucket)

    @property
    def labels(self) -> list[str]:
        if self.bucket == "month":
            return [f"{start:%b %Y}" for start in self.starts]
        return [f"{start:%d %b}" for start in self.starts]

    def chart_data(self) -> dict:
        return {
            "labels": self.labels,
            "datasets": [
                {"label": label, "data": [float(minutes_to_hours(m)) for m in minutes]}
                for label, minutes in self.series
            ],
        }


def _bucket_starts(scope: Scope, bucket: str) -> list[date]:
    if bucket == "month":
        starts, current = [], scope.date_from.replace(day=1)
        while current <= scope.date_to:
            starts.append(current)
            current = (current + timedelta(days=32)).replace(day=1)
        return starts
    current = scope.date_from - timedelta(days=scope.date_from.weekday())
    starts = []
    while current <= scope.date_to:
        starts.append(current)
        current += timedelta(days=7)
    return starts


def _as_date(value) -> date:
    return value.date() if hasattr(value, "date") and callable(value.date) else value


def hours_consumed(scope: Scope, bucket: str = "week", top: int = TOP_CLIENTS) -> HoursChart:
    """Σ billable minutes (what hour banks consume) per bucket and client, in one query."""
    trunc = TruncMonth("date") if bucket == "month" else TruncWeek("date")
    rows = (
        scope.entries()
        .filter(billable_minutes__gt=0)
        .annotate(bucket=trunc)
        .values("bucket", "client__code")
        .annotate(minutes=Sum("billable_minutes"))
        .order_by()
    )
    starts = _bucket_starts(scope, bucket)
    index = {start: i for i, start in enumerate(starts)}
    per_client: dict[str, list[int]] = {}
    for row in rows:
        minutes = per_client.setdefault(row["client__code"], [0] * len(starts))
        minutes[index[_as_date(row["bucket"])]] += row["minutes"]
    ranked = sorted(per_client.items(), key=lambda item: (-sum(item[1]), item[0]))
    series = ranked[:top]
    if len(ranked) > top:
        other = [sum(values) for values in zip(*(m for _, m in ranked[top:]), strict=True)]
        series.append((OTHER, other))
    return HoursChart(bucket=bucket, starts=starts, series=series)


@dataclass(frozen=True)
class Utilization:
    member_id: int
    name: str
    total_minutes: int
    billable_minutes: int  # duration of billable entries (PRODUCT §1 utilization)
    target_minutes: int  # weekly target over the period's weeks

    @property
    def utilization_percent(self) -> Decimal | None:
        return percent(self.billable_minutes, self.total_minutes, places=1)

    @property
    def target_percent(self) -> Decimal | None:
        return percent(self.total_minutes, self.target_minutes, places=1)


UTILIZATION_SORTS = {
    "name": lambda row: (row.name.lower(), row.member_id),
    "utilization": lambda row: (
        row.utilization_percent is None,
        -(row.utilization_percent or 0),
        row.name,
    ),
    "total": lambda row: (-row.total_minutes, row.name),
    "billable": lambda row: (-row.billable_minutes, row.name),
    "target": lambda row: (row.target_percent is None, -(row.target_percent or 0), row.name),
}


def utilization(scope: Scope, sort: str = "utilization") -> list[Utilization]:
    """Per member with time in the period: billable duration / total duration, and total
    against the weekly target × the period's weeks (days / 7). One query."""
    rows = (
        scope.entries()
        .values(
            "member_id",
            "member__user__username",
            "member__user__first_name",
            "member__user__last_name",
            "member__weekly_target_hours",
        )
        .annotate(total=Coalesce(Sum("duration_minutes"), Value(0)), billable=BILLABLE_DURATION)
        .order_by()
    )
    result = []
    for row in rows:
        full_name = f"{row['member__user__first_name']} {row['member__user__last_name']}".strip()
        target = Decimal(row["member__weekly_target_hours"]) * 60 * scope.days / 7
        result.append(
            Utilization(
                member_id=row["member_id"],
                name=full_name or row["member__user__username"],
                total_minutes=row["total"],
                billable_minutes=row["billable"],
                target_minutes=whole_minutes(target),
            )
        )
    result.sort(key=UTILIZATION_SORTS.get(sort, UTILIZATION_SORTS["utilization"]))
    return result


@dataclass(frozen=True)
class Trend:
    client_id: int
    code: str
    name: str
    current_minutes: int
    previous_minutes: int

    @property
    def change_minutes(self) -> int:
        return self.current_minutes - self.previous_minutes

    @property
    def change_percent(self) -> Decimal | None:
        return percent(self.change_minutes, self.previous_minutes, places=1)


def trends(scope: Scope, previous: Scope) -> list[Trend]:
    """Consumed minutes per client, this period against `previous` (one query)."""
    current_q = Q(date__gte=scope.date_from, date__lte=scope.date_to)
    previous_q = Q(date__gte=previous.date_from, date__lte=previous.date_to)
    rows = (
        scope.entries(
            min(scope.date_from, previous.date_from), max(scope.date_to, previous.date_to)
        )
        .values("client_id", "client__code", "client__name")
        .annotate(
            current=Coalesce(Sum("billable_minutes", filter=current_q), Value(0)),
            previous=Coalesce(Sum("billable_minutes", filter=previous_q), Value(0)),
        )
        .order_by("client__code")
    )
    return [
        Trend(
            client_id=row["client_id"],
            code=row["client__code"],
            name=row["client__name"],
            current_minutes=row["current"],
            previous_minutes=row["previous"],
        )
        for row in rows
        if row["current"] or row["previous"]
    ]
