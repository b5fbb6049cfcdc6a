"""Two runs at once end as one clean run: the state-row lock serializes their writes and a run
that finds the cursor moved drops what it fetched and goes on from there."""

import threading

import pytest
from django.db import connection

from sync.feeds.jira import run_jira_sync
from sync.models import QuarantinedWorklog, RunStatus
from tests.sync.conftest import assert_balances_consistent, client_for, snapshot
from timetracking.models import EntryChange, TimeEntry


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_runs_end_as_one_clean_run(jira_firm):
    fake = jira_firm.fake
    fake.page_size = 2
    for n in range(6):
        fake.add_worklog("10001" if n % 2 else "10101", seconds=600 * (n + 1))
        fake.tick(1)
    fake.tick()
    # Slow worklog reads, so both runs are fetching the same page at the same time.
    fake.fail("/worklog/list", None, delay=0.3, times=4)
    barrier = threading.Barrier(2)
    runs, errors = [], []

    def one_run():
        try:
            barrier.wait()
            runs.append(run_jira_sync(client=client_for(fake)))
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=one_run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert not errors
    assert [run.status for run in runs] == [RunStatus.SUCCEEDED, RunStatus.SUCCEEDED], [
        r.error for r in runs
    ]
    assert TimeEntry.objects.count() == 6
    assert not QuarantinedWorklog.objects.exists()
    assert sum(run.created for run in runs) == 6  # each worklog created by exactly one run
    assert EntryChange.objects.filter(kind="created").count() == 6
    assert not EntryChange.objects.exclude(kind="created").exists()
    assert_balances_consistent()
    together = snapshot()
    run_jira_sync(client=client_for(fake), full=True)
    assert snapshot() == together
