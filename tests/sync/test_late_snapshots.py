"""A worklog read by a webhook fetch can reach the database after a poll applied a newer
version of it (the answer was in flight while the worklog changed). Whatever the newer version
did (entry, triage queue, billing adjustment), the late, older snapshot changes nothing
(INTERFACES/issue 6: dedupe by worklog id and updated time)."""

import threading
import time

import pytest
from django.db import connection

from sync.feeds.jira import fetch_jira_worklog
from sync.mapping import entry_for_worklog
from sync.models import AppliedWorklog, DeletedWorklog, RunStatus, UnmappedWorklog
from tests.factories import invoice_and_lock
from tests.sync.conftest import assert_balances_consistent, client_for, remaining, sync
from timetracking.models import BillingAdjustment, TimeEntry

pytestmark = pytest.mark.django_db(transaction=True)

LATE_SECONDS = 1.5


def _late_webhook_fetch(fake, issue_id, worklog_id, change_meanwhile):
    """A webhook fetch whose answer (read now) arrives LATE_SECONDS later; `change_meanwhile`
    runs while it is in flight. Returns the webhook run."""
    fake.fail(f"/worklog/{worklog_id}", None, delay=LATE_SECONDS, late=True)
    result = {}

    def fetch():
        try:
            result["run"] = fetch_jira_worklog(issue_id, worklog_id, client=client_for(fake))
        finally:
            connection.close()

    thread = threading.Thread(target=fetch)
    thread.start()
    time.sleep(LATE_SECONDS / 3)  # the request has arrived and its answer is built
    change_meanwhile()
    thread.join(30)
    assert result["run"].status == RunStatus.SUCCEEDED, result["run"].error
    assert_balances_consistent()
    return result["run"]


def _bump_cursor_past(fake):
    """Another worklog updated later moves the feed's cursor past the raced one, so the next
    poll does not see it again (nothing repairs a wrong state by accident)."""
    fake.tick(1)
    fake.add_worklog("10101", seconds=600)
    fake.tick()


def test_a_late_snapshot_does_not_bring_back_an_entry_the_poll_moved_to_triage(jira_firm):
    fake = jira_firm.fake
    wid = fake.add_worklog("10001", seconds=3600)
    fake.tick()
    start = remaining(jira_firm.acme)

    def moved_to_an_unmapped_issue_and_polled():
        fake.update_worklog(wid, issue_id="10201")
        _bump_cursor_past(fake)
        sync(fake)
        assert UnmappedWorklog.objects.filter(worklog_id=wid).exists()

    _late_webhook_fetch(fake, "10001", wid, moved_to_an_unmapped_issue_and_polled)
    sync(fake)

    assert entry_for_worklog("jira", wid) is None
    assert UnmappedWorklog.objects.filter(worklog_id=wid, issue_id="10201").exists()
    assert remaining(jira_firm.acme) == start


def test_a_late_snapshot_does_not_bring_back_an_entry_the_poll_ignored(jira_firm):
    fake = jira_firm.fake
    wid = fake.add_worklog("10001", seconds=3600)
    fake.tick()
    sync(fake)
    start = remaining(jira_firm.acme)

    def moved_to_an_excluded_project_and_polled():
        fake.update_worklog(wid, issue_id="10301")
        _bump_cursor_past(fake)
        assert sync(fake).ignored == 1
        assert entry_for_worklog("jira", wid) is None

    _late_webhook_fetch(fake, "10001", wid, moved_to_an_excluded_project_and_polled)
    sync(fake)

    assert entry_for_worklog("jira", wid) is None
    assert remaining(jira_firm.acme) == start + 60


def test_a_late_snapshot_does_not_undo_the_adjustment_of_an_invoiced_entry(jira_firm):

    fake = jira_firm.fake
    wid = fake.add_worklog("10001", seconds=2 * 3600)
    fake.tick()
    sync(fake)
    invoice_and_lock(
        jira_firm.acme, TimeEntry.objects.filter(jira_worklog_id=wid), number="INV-2025-0009"
    )
    start = remaining(jira_firm.acme)

    def edited_to_3h_and_polled():
        fake.update_worklog(wid, seconds=3 * 3600)
        _bump_cursor_past(fake)
        sync(fake)
        assert [a.minutes for a in BillingAdjustment.objects.all()] == [60]

    _late_webhook_fetch(fake, "10001", wid, edited_to_3h_and_polled)
    sync(fake)

    assert [a.minutes for a in BillingAdjustment.objects.all()] == [60]
    assert remaining(jira_firm.acme) == start - 60  # the 3rd hour


def test_a_deleted_worklogs_replay_guard_is_pruned_and_a_late_snapshot_still_changes_nothing(
    jira_firm,
):
    fake = jira_firm.fake
    wid = fake.add_worklog("10001", seconds=3600)
    kept = fake.add_worklog("10001", seconds=600)
    fake.tick()
    sync(fake)
    start = remaining(jira_firm.acme)

    def deleted_and_polled():
        fake.delete_worklog(wid)
        fake.tick()
        assert sync(fake).deleted == 1

    _late_webhook_fetch(fake, "10001", wid, deleted_and_polled)
    sync(fake)

    # The tombstone refuses the late snapshot; the replay guard went with the deletion.
    assert entry_for_worklog("jira", wid) is None
    assert remaining(jira_firm.acme) == start + 60
    assert DeletedWorklog.objects.filter(source="jira", worklog_id=wid).exists()
    assert not AppliedWorklog.objects.filter(source="jira", worklog_id=wid).exists()
    assert AppliedWorklog.objects.filter(source="jira", worklog_id=kept).exists()
