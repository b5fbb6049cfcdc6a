"""The off-hours rule in SQL (money left on the table sums entries in the database) answers
like `billing.rules.is_off_hours` on each entry's local start, across timezones."""

import zoneinfo
from datetime import UTC, date, datetime, time

import pytest

from billing.rules import is_off_hours
from billing.selectors import plan_rules
from billing.selectors.inputs import local_start
from billing.selectors.off_hours import off_hours
from tests.factories import (
    ClientFactory,
    MemberFactory,
    ProjectFactory,
    RateFactory,
    TaskFactory,
    TimeEntryFactory,
    make_user,
)
from timetracking.models import TimeEntry


@pytest.mark.django_db
def test_sql_and_python_agree_on_every_entry():
    client = ClientFactory(
        timezone="America/New_York",
        business_weekdays=[0, 1, 2, 3, 4],
        business_start=time(9, 0),
        business_end=time(17, 0),
    )
    task = TaskFactory(project=ProjectFactory(client=client))
    member = MemberFactory(user=make_user("berlin", "staff"), timezone="Europe/Berlin")
    RateFactory(member=member)
    cases = [
        # Worker's local start in Berlin: 15:00 Berlin = 09:00 New York (in), 14:59 = 08:59.
        {"on_date": date(2026, 3, 2), "start_time": time(15, 0)},
        {"on_date": date(2026, 3, 3), "start_time": time(14, 59)},
        # 22:59 Berlin = 16:59 New York (in); 23:00 Berlin = 17:00 (end is exclusive: off).
        {"on_date": date(2026, 3, 4), "start_time": time(22, 59)},
        {"on_date": date(2026, 3, 5), "start_time": time(23, 0)},
        # Saturday in Berlin, still Friday evening in New York after 17:00: off.
        {"on_date": date(2026, 3, 7), "start_time": time(0, 30)},
        # Synced instants (UTC): Monday 14:00 UTC = 09:00 New York (in); Sunday (off).
        {"on_date": date(2026, 3, 9), "started_at": datetime(2026, 3, 9, 14, 0, tzinfo=UTC)},
        {"on_date": date(2026, 3, 8), "started_at": datetime(2026, 3, 8, 15, 0, tzinfo=UTC)},
        # No start: business hours.
        {"on_date": date(2026, 3, 10)},
    ]
    for case in cases:
        TimeEntryFactory(task=task, member=member, duration_minutes=30, **case)
    plan = plan_rules(client)
    zone = zoneinfo.ZoneInfo(client.timezone)
    entries = TimeEntry.objects.filter(task=task).select_related("member").annotate(off=off_hours())
    answers = [
        (entry.off, is_off_hours(local_start(entry, zone), plan.business_hours))
        for entry in entries.order_by("date")
    ]
    assert [sql for sql, _ in answers] == [python for _, python in answers]
    assert [sql for sql, _ in answers] == [False, True, False, True, True, True, False, False]
