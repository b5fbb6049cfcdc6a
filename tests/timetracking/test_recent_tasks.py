"""The log-time dialog's recent tasks look at the last RECENT_DAYS only (issue 13: grouping a
member's whole history on every My Work and timesheet load grows with the years)."""

import datetime

import pytest

from tests.factories import TaskFactory, TimeEntryFactory
from timetracking.selectors import member_today, recent_tasks
from timetracking.selectors.log_time import RECENT_DAYS

pytestmark = pytest.mark.django_db


def test_recent_tasks_are_the_last_days_most_recent_first(firm):
    today = member_today(firm.staff_member)
    old, older_recent, newest = (TaskFactory(project=firm.acme_project) for _ in range(3))
    for task, days_ago in ((old, RECENT_DAYS + 1), (older_recent, RECENT_DAYS), (newest, 1)):
        TimeEntryFactory(
            task=task,
            member=firm.staff_member,
            duration_minutes=30,
            on_date=today - datetime.timedelta(days=days_ago),
            by=firm.staff,
        )

    assert recent_tasks(firm.staff_member, firm.staff) == [newest, older_recent]
