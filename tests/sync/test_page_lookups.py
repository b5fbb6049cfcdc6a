"""Applying a page reads what its worklogs need in a few queries per page, not several per
worklog (issue 13 point 3), with the same result as one by one."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sync.models import RunStatus
from tests.sync.conftest import add_worklogs, snapshot, sync
from tests.sync.fake_atlassian import FakeJira
from timetracking.models import TimeEntry

pytestmark = pytest.mark.django_db


def queries_of_full_rerun(fake: FakeJira) -> int:
    with CaptureQueriesContext(connection) as captured:
        run = sync(fake, full=True)
    assert run.status == RunStatus.SUCCEEDED and run.created == run.updated == 0
    return len(captured)


def test_a_rerun_over_unchanged_worklogs_costs_few_queries_per_worklog(jira_firm):
    fake = jira_firm.fake
    add_worklogs(fake, 10)
    sync(fake)
    small = queries_of_full_rerun(fake)

    add_worklogs(fake, 40)
    sync(fake)
    assert TimeEntry.objects.count() == 50
    before = snapshot()
    large = queries_of_full_rerun(fake)

    # One page either way: what grows is the work per worklog (its savepoint and little else).
    assert (large - small) / 40 <= 3, (small, large)
    assert snapshot() == before


def test_a_page_mixing_new_changed_and_unchanged_worklogs_applies_each_as_before(jira_firm):
    fake = jira_firm.fake
    add_worklogs(fake, 6)
    sync(fake)
    changed = TimeEntry.objects.filter(task__jira_issue_key="ACME-1").first()
    fake.update_worklog(changed.jira_worklog_id, seconds=5400)
    fake.add_worklog("10002", seconds=600)
    fake.add_worklog("10201", seconds=600)  # unmapped: queued
    fake.tick()

    run = sync(fake, full=True)

    assert (run.created, run.updated, run.unmapped) == (1, 1, 1)
    changed.refresh_from_db()
    assert changed.duration_minutes == 90
    assert TimeEntry.objects.count() == 7
