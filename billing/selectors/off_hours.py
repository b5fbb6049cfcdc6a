"""`billing.rules.is_off_hours` in SQL, for entry sums grouped in the database: the entry's
start in its client's timezone (the source's UTC instant, else the worker's date and start time
in the member's timezone, as `inputs.local_start` reads them) outside the client's business
weekdays and hours. Entries without a start are business-hours work (false)."""

from django.db.models import BooleanField, Case, DateTimeField, F, Func, Q, TimeField, Value, When
from django.db.models.lookups import GreaterThanOrEqual, LessThan

CLIENT = "client__"


def _at_time_zone(value, zone):
    return Func(
        value, zone, arg_joiner=" AT TIME ZONE ", template="(%(expressions)s)",
        output_field=DateTimeField(),
    )  # fmt: skip


def local_start():
    """The wall-clock start in the client's timezone (a timestamp without zone), or NULL."""
    worker_local = Func(
        F("date"), F("start_time"), arg_joiner=" + ", template="(%(expressions)s)",
        output_field=DateTimeField(),
    )  # fmt: skip
    return Case(
        When(
            started_at__isnull=False,
            then=_at_time_zone(F("started_at"), F(f"{CLIENT}timezone")),
        ),
        When(
            start_time__isnull=False,
            then=_at_time_zone(
                _at_time_zone(worker_local, F("member__timezone")), F(f"{CLIENT}timezone")
            ),
        ),
        default=None,
        output_field=DateTimeField(),
    )


def off_hours():
    start = local_start()
    # Python's weekday(): Monday = 0, as `Client.business_weekdays` stores them.
    weekday = Func(start, template="to_jsonb(EXTRACT(ISODOW FROM %(expressions)s)::int - 1)")
    on_business_day = Func(
        F(f"{CLIENT}business_weekdays"), weekday, arg_joiner=" @> ",
        template="(%(expressions)s)", output_field=BooleanField(),
    )  # fmt: skip
    clock = Func(start, template="(%(expressions)s)::time", output_field=TimeField())
    return Case(
        When(started_at__isnull=True, start_time__isnull=True, then=Value(False)),
        When(
            Q(on_business_day)
            & Q(GreaterThanOrEqual(clock, F(f"{CLIENT}business_start")))
            & Q(LessThan(clock, F(f"{CLIENT}business_end"))),
            then=Value(False),
        ),
        default=Value(True),
        output_field=BooleanField(),
    )
