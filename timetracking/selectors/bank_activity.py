"""What moved a client's hour bank and when (the portal's history, export, ledger, burn-down).

Every figure is a client's billable minutes, never a cost: these reads are safe to show clients."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import CharField, F, Sum, Value
from django.db.models.functions import TruncDate

from clients.models import HourPurchase
from core.units import minutes_to_hours

from ..balances import Balance
from ..models import BillingAdjustment, EntryChange, TimeEntry


@dataclass(frozen=True)
class ChangeRow:
    """One change of the consumption history: an entry logged, edited or deleted."""

    at: datetime
    work_date: str
    kind: str
    description: str
    who: str
    minutes_delta: int

    @property
    def hours_delta(self):
        return minutes_to_hours(self.minutes_delta)


def change_row(change: EntryChange) -> ChangeRow:
    data = change.data or {}
    return ChangeRow(
        at=change.at,
        work_date=data.get("date", ""),
        kind=change.kind,
        description=change.description,
        who=data.get("member", ""),
        minutes_delta=change.minutes_delta,
    )


def consumption_changes(client, *, date_from: date | None = None, date_to: date | None = None):
    """The client's entry changes that moved its balance, newest first; the range (inclusive)
    is on the day the change was recorded. A queryset: pages slice it, exports iterate it."""
    changes = EntryChange.objects.filter(client=client).exclude(minutes_delta=0)
    if date_from is not None:
        changes = changes.filter(at__date__gte=date_from)
    if date_to is not None:
        changes = changes.filter(at__date__lte=date_to)
    return changes.only("at", "kind", "description", "data", "minutes_delta").order_by("-at", "-id")


def ledger_rows(client):
    """The hour-bank ledger (purchases, corrections, expiries), newest first, without prices."""
    return (
        HourPurchase.objects.filter(client=client)
        .only("date", "kind", "hours", "minutes", "note", "expires_on")
        .order_by("-date", "-id")
    )


@dataclass(frozen=True)
class BurnDown:
    days: list[date]
    remaining_minutes: list[int]
    forecast_days: list[date]
    forecast_minutes: list[int]

    def chart_data(self) -> dict:
        """For Chart.js: one label axis, hours as numbers, gaps as null."""
        labels = [day.isoformat() for day in self.days + self.forecast_days[1:]]
        past = [float(minutes_to_hours(m)) for m in self.remaining_minutes]
        future = [float(minutes_to_hours(m)) for m in self.forecast_minutes]
        padding_past = [None] * (len(self.forecast_days) - 1)
        padding_future = [None] * (len(self.days) - 1)
        return {
            "labels": labels,
            "remaining": past + padding_past,
            "forecast": padding_future + future if future else [],
        }

    @property
    def table_rows(self):
        """Weekly points for the table fallback (90 rows would drown the page)."""
        rows = list(zip(self.days, self.remaining_minutes, strict=True))
        weekly = rows[::-7][::-1]
        return [(day, minutes_to_hours(minutes)) for day, minutes in weekly]


def _daily_sums_query(queryset, day_field: str, value_field: str, since: date, kind: str):
    """Σ value per day from `since` on, tagged with `kind`; `day_field` is a date or a datetime
    (its local day)."""
    field = queryset.model._meta.get_field(day_field)
    day = TruncDate(day_field) if field.get_internal_type() == "DateTimeField" else F(day_field)
    return (
        queryset.annotate(day=day)
        .filter(day__gte=since)
        .order_by()
        .values("day")
        .annotate(total=Sum(value_field), kind=Value(kind, output_field=CharField()))
        .values_list("kind", "day", "total")
    )


def burn_down(client, balance: Balance, *, today: date, days: int = 90) -> BurnDown:
    """Remaining minutes at the end of each of the last `days` days, by the dates work was done
    and hours were bought (walked back from today's balance; rows dated after today count on
    today; one query), and the forecast line from today to the run-out date at the 28-day
    burn."""
    start = today - timedelta(days=days - 1)
    sums = {"consumed": {}, "adjusted": {}, "bought": {}}
    daily = _daily_sums_query(
        TimeEntry.objects.filter(client=client),
        "date",
        "billable_minutes",
        start,
        "consumed",
    ).union(
        _daily_sums_query(
            BillingAdjustment.objects.filter(client=client),
            "created_at",
            "minutes",
            start,
            "adjusted",
        ),
        _daily_sums_query(
            HourPurchase.objects.filter(client=client), "date", "minutes", start, "bought"
        ),
        all=True,
    )
    for kind, day, total in daily:
        sums[kind][day] = total or 0
    consumed, adjusted, bought = sums["consumed"], sums["adjusted"], sums["bought"]
    later = {"consumed": 0, "bought": 0}
    for sums, key in ((consumed, "consumed"), (adjusted, "consumed"), (bought, "bought")):
        later[key] += sum(total for day, total in sums.items() if day > today)
    series = []
    remaining = balance.remaining_minutes
    for offset in range(days):
        day = today - timedelta(days=offset)
        series.append((day, remaining))
        remaining += consumed.get(day, 0) + adjusted.get(day, 0) - bought.get(day, 0)
        if offset == 0:
            remaining += later["consumed"] - later["bought"]
    series.reverse()
    forecast_days, forecast_minutes = [], []
    if balance.runout_date is not None:
        span = (balance.runout_date - today).days
        for offset in range(0, min(span, days) + 1):
            forecast_days.append(today + timedelta(days=offset))
            left = balance.remaining_minutes - balance.burn_minutes_per_day * offset
            forecast_minutes.append(max(0, int(left)))
    return BurnDown(
        days=[day for day, _ in series],
        remaining_minutes=[minutes for _, minutes in series],
        forecast_days=forecast_days,
        forecast_minutes=forecast_minutes,
    )
