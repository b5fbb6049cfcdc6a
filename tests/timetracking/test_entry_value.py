"""`TimeEntry.billable_value`, kept by the database, is `core.units.minutes_value` of the
entry's billable minutes and rate: the same cent for every minutes × rate, NULL without a rate."""

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.units import minutes_value
from tests.factories import TimeEntryFactory
from timetracking.models import TimeEntry
from timetracking.selectors import task_totals

pytestmark = pytest.mark.django_db

RATES = st.none() | st.decimals(
    min_value=Decimal("0.00"), max_value=Decimal("9999.99"), places=2, allow_nan=False
)


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(minutes=st.integers(min_value=0, max_value=100_000), rate=RATES)
def test_stored_value_is_the_python_rule(firm, minutes, rate):
    if not hasattr(firm, "entry"):  # one entry, rewritten by every example
        firm.entry = TimeEntryFactory(task=firm.acme_task, member=firm.staff_member)
    entry = firm.entry
    currency = "USD" if rate is not None else ""
    TimeEntry.objects.filter(pk=entry.pk).update(
        billable_minutes=minutes, billing_rate=rate, billing_currency=currency
    )
    stored = TimeEntry.objects.values_list("billable_value", flat=True).get(pk=entry.pk)
    assert stored == minutes_value(minutes, rate)


def test_half_cents_round_up_and_totals_sum_rounded_values(firm):
    # 1 minute at 0.30/h is 0.005: rounded up once per entry, so three entries are 0.03, not 0.02.
    for _ in range(3):
        entry = TimeEntryFactory(task=firm.acme_task, member=firm.staff_member, duration_minutes=1)
        TimeEntry.objects.filter(pk=entry.pk).update(
            billable_minutes=1, billing_rate=Decimal("0.30"), billing_currency="USD"
        )
    (totals,) = task_totals(firm.acme)
    assert totals.unbilled_value == Decimal("0.03")
