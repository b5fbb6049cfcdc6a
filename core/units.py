"""Unit conversions shared by every layer: the one place minutes, hours, money and percentages
are rounded (always half-up; never `round()` on floats)."""

from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import DecimalField, F, Func, Sum, Value
from django.db.models.functions import Coalesce

CENT = Decimal("0.01")
ZERO_MONEY = Decimal("0.00")


def whole_minutes(value) -> int:
    """A number of minutes rounded half-up to a whole minute (1.5 → 2)."""
    return int(Decimal(value).quantize(Decimal("1"), rounding=ROUND_HALF_UP))


def hours_to_minutes(hours) -> int:
    """Whole minutes of a decimal number of hours, half-up (0.01 h → 1 min)."""
    return whole_minutes(Decimal(hours) * 60)


def minutes_to_hours(minutes: int) -> Decimal:
    """The `*_hours` figure of INTERFACES §1.1: round-half-up(minutes / 60, 2)."""
    return (Decimal(minutes) / 60).quantize(CENT, rounding=ROUND_HALF_UP)


def seconds_to_minutes(seconds: int) -> int:
    """Synced durations arrive in seconds: convert once, half-up, at least 1 minute."""
    if type(seconds) is int and seconds >= 0:
        # The same half-up rounding in integers: a sync converts 100,000 of them.
        return max((2 * seconds + 60) // 120, 1)
    return max(whole_minutes(Decimal(seconds) / 60), 1)


def money(value) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def minutes_value(minutes: int, hourly_rate) -> Decimal | None:
    """The value of one entry's minutes at an hourly rate, to the cent (billable value = billable
    minutes × billing rate; cost value = duration × cost rate); None when there is no rate.

    The one rule for an entry's value: a total is the sum of these rounded values
    (`total_value`), never the rounded value of summed minutes."""
    if hourly_rate is None:
        return None
    return money(Decimal(minutes) * Decimal(hourly_rate) / 60)


def total_value(values: Iterable[Decimal | None]) -> Decimal:
    """Σ of per-entry values already rounded to the cent; entries without a rate (None) add
    nothing."""
    return sum((value for value in values if value is not None), ZERO_MONEY)


def percent(part, whole, *, places: int = 0) -> Decimal | None:
    """part / whole × 100, half-up to `places` decimals; None when `whole` is zero."""
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(
        Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP
    )


# --- The same value rule in SQL, for totals the database sums -------------------------------


def money_field() -> DecimalField:
    """The type of money in SQL: up to 14 digits, to the cent (a new field each time: a field
    instance belongs to the one model or expression it is given to)."""
    return DecimalField(max_digits=14, decimal_places=2)


MONEY = money_field()


class EntryValue(Func):
    """minutes × hourly rate ÷ 60, rounded to the cent; NULL without a rate. PostgreSQL rounds
    numeric half away from zero, which is half-up for these non-negative values. SQLite (the
    demo) has no decimal type and would divide integers; there the product is taken in whole
    cents, rounded once, then turned back into currency units."""

    arity = 2
    template = "ROUND(%(expressions)s / 60, 2)"
    arg_joiner = " * "

    def __init__(self, minutes, rate, **extra):
        super().__init__(minutes, rate, output_field=money_field(), **extra)

    def as_sqlite(self, compiler, connection, **extra_context):
        minutes_sql, minutes_params = compiler.compile(self.source_expressions[0])
        rate_sql, rate_params = compiler.compile(self.source_expressions[1])
        sql = f"(ROUND({minutes_sql} * CAST(ROUND({rate_sql} * 100) AS INTEGER) / 60.0) / 100.0)"
        return sql, (*minutes_params, *rate_params)


def entry_value(minutes_field: str, rate_field: str):
    """One entry's value rounded to the cent: `core.units.minutes_value` in SQL, so a total is
    the sum of per-entry rounded values. Entries without a rate are NULL (add nothing)."""
    return EntryValue(F(minutes_field), F(rate_field))


def summed_money(column: str, *, filter=None):  # noqa: A002 - Sum's name
    """Σ of a stored money column (e.g. `TimeEntry.billable_value`, `entry_value` kept by the
    database), 0.00 when there are no rows."""
    return Coalesce(Sum(column, filter=filter), Value(0), output_field=MONEY)


def summed_value(minutes_field: str, rate_field: str, *, filter=None):  # noqa: A002 - Sum's name
    """Σ of `entry_value` over the rows (`filter`: only those rows), 0.00 when there are none."""
    return Coalesce(
        Sum(entry_value(minutes_field, rate_field), filter=filter), Value(0), output_field=MONEY
    )
