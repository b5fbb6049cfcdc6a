"""Two runs at once end as one clean run: the state-row lock serializes their writes and a run
that finds the cursor moved drops what it fetched and goes on from there."""

import threading

import pytest
from django.db import connection

from sync.feeds.jira import run_jira_sync
from sync.models import QuarantinedWorklog, RunStatus
from tests.concurrency.conftest import (
    Caller,
    assert_books_balance,
    assert_no_server_errors,
    in_parallel,
)
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


@pytest.mark.django_db(transaction=True)
def test_two_syncs_and_api_edits_at_once_lose_nothing_and_count_nothing_twice(
    jira_firm, live_server
):
    """Issue 20: two runs (new, changed and deleted worklogs) race each other and a live
    server's entry edits: synced entries' billable overrides, manual entries' edits and new
    manual entries. No duplicate, every accepted edit stored, every sync change applied to the
    unlocked entries, and the balances equal `check_balances` with no drift."""
    fake = jira_firm.fake
    fake.page_size = 3
    issues = ["10001", "10101"]
    ids = []
    for n in range(12):
        ids.append(fake.add_worklog(issues[n % 2], seconds=900 * (n + 1)))
        fake.tick(1)
    fake.tick()
    run_jira_sync(client=client_for(fake))
    synced = {e.jira_worklog_id: e for e in TimeEntry.objects.filter(source="jira")}
    assert len(synced) == 12

    staff = Caller(live_server.url, jira_firm.staff)
    manual = [
        staff.api(
            "POST",
            "/time-entries",
            {"task_id": jira_firm.acme_task.pk, "date": "2025-03-03", "duration": 30 + n},
        ).json()["id"]
        for n in range(4)
    ]

    # At the source: durations change, worklogs are added and deleted.
    changed = {wid: 3600 + 60 * i for i, wid in enumerate(ids[:6])}
    for wid, seconds in changed.items():
        fake.update_worklog(wid, seconds=seconds)
        fake.tick(1)
    added = []
    for n in range(4):  # one update time each: the feed pages by time
        added.append(fake.add_worklog(issues[n % 2], seconds=1200))
        fake.tick(1)
    for wid in ids[10:]:
        fake.delete_worklog(wid)
        fake.tick(1)
    fake.tick()
    fake.fail("/worklog/list", None, delay=0.2, times=6)  # both runs fetch while edits land

    overridden = [synced[wid].pk for wid in ids[:8]]  # changed, unchanged and deleted ones
    edits = [
        lambda pk=pk: staff.api("PATCH", f"/time-entries/{pk}", {"billable": False})
        for pk in overridden
    ]
    edits += [
        lambda pk=pk, n=n: staff.api(
            "PATCH", f"/time-entries/{pk}", {"duration": 45 + n, "description": f"edited {n}"}
        )
        for n, pk in enumerate(manual)
    ]
    edits += [
        lambda n=n: staff.api(
            "POST",
            "/time-entries",
            {"task_id": jira_firm.acme_task.pk, "date": "2025-03-04", "duration": 20 + n},
        )
        for n in range(4)
    ]
    runs, errors = [], []

    def one_run():
        try:
            runs.append(run_jira_sync(client=client_for(fake)))
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=one_run) for _ in range(2)]
    for thread in threads:
        thread.start()
    responses = in_parallel(edits)
    for thread in threads:
        thread.join(120)

    assert not errors
    assert [run.status for run in runs] == [RunStatus.SUCCEEDED] * 2, [r.error for r in runs]
    assert_no_server_errors(responses)
    assert [r.status_code for r in responses] == [200] * 12 + [201] * 4, [
        (r.status_code, r.text[:200]) for r in responses
    ]
    # No duplicates: one entry per live worklog, none for the deleted ones.
    alive = [wid for wid in ids if wid not in ids[10:]] + added
    assert sorted(
        TimeEntry.objects.filter(source="jira").values_list("jira_worklog_id", flat=True)
    ) == sorted(alive)
    assert TimeEntry.objects.filter(source="manual").count() == 8
    # Every sync change applied, every accepted edit kept.
    for wid in alive:
        entry = TimeEntry.objects.get(jira_worklog_id=wid)
        expected = changed.get(wid) or (1200 if wid in added else 900 * (ids.index(wid) + 1))
        assert entry.duration_minutes == expected // 60, wid
    for pk in overridden:
        entry = TimeEntry.objects.filter(pk=pk).first()
        if entry is not None:  # the deleted worklogs' entries went with them
            assert (entry.billable, entry.billable_override, entry.billable_minutes) == (
                False,
                True,
                0,
            )
    for n, pk in enumerate(manual):
        entry = TimeEntry.objects.get(pk=pk)
        assert (entry.duration_minutes, entry.description) == (45 + n, f"edited {n}")
    assert_balances_consistent()
    assert_books_balance()
    # A clean run afterwards finds nothing left to do.
    together = snapshot()
    run_jira_sync(client=client_for(fake), full=True)
    assert snapshot() == together
