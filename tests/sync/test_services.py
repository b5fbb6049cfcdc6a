"""Jira runs against the fake server over real HTTP: mapping, edits, deletes, exactly-once,
failures. Every `sync()` also checks the balance invariant of every client."""

import json
from datetime import date, datetime, time

import pytest

from clients.models import Task
from sync.mapping import entry_for_worklog
from sync.models import QuarantinedWorklog, RunStatus, SyncState, UnmappedWorklog
from tests.factories import ProjectFactory, invoice_and_lock
from tests.sync.conftest import SleepRecorder, client_for, remaining, snapshot, sync
from tests.sync.fake_atlassian import START_MS
from timetracking.models import BillingAdjustment, EntryChange, Exclusion, Member, TimeEntry
from timetracking.services import EntryChanges, update_entry

pytestmark = pytest.mark.django_db


def entry(worklog_id) -> TimeEntry:
    found = entry_for_worklog("jira", str(worklog_id))
    assert found is not None, f"no entry for worklog {worklog_id}"
    return found


def state() -> SyncState:
    return SyncState.objects.get(source="jira")


# --- first sync, mapping, dates ------------------------------------------------------------


def test_first_sync_creates_entries_with_dates_descriptions_and_counts(jira_firm):
    fake = jira_firm.fake
    a = fake.add_worklog("10001", seconds=7200, comment="Fixed the cart\nand the tests")
    b = fake.add_worklog(
        "10101",
        seconds=5400,
        account_id="acc-bram",
        display_name="Bram de Vries",
        time_zone="Europe/Amsterdam",
    )
    fake.tick()
    acme_before, globex_before = remaining(jira_firm.acme), remaining(jira_firm.globex)

    run = sync(fake)

    assert run.status == RunStatus.SUCCEEDED, run.error
    assert run.counts() == {
        "fetched": 2,
        "created": 2,
        "updated": 0,
        "deleted": 0,
        "ignored": 0,
        "unmapped": 0,
        "quarantined": 0,
    }
    first = entry(a)
    assert first.task == jira_firm.linked_task
    assert first.member == jira_firm.staff_member
    assert (
        first.source == "jira" and first.duration_minutes == 120 and first.billable_minutes == 120
    )
    assert first.description == "Fixed the cart\nand the tests"
    # started 09:00 +0100 in Europe/Paris: the same local time; UTC instant 08:00.
    assert (first.date, first.start_time) == (date(2025, 3, 10), time(9, 0))
    assert first.started_at == datetime.fromisoformat("2025-03-10T08:00:00+00:00")
    # GLX-1 has no task yet: the Jira project key GLX maps it to GLX-OPS and creates the task.
    second = entry(b)
    assert second.task.project == jira_firm.globex_project
    assert (second.task.jira_issue_id, second.task.jira_issue_key, second.task.jira_summary) == (
        "10101",
        "GLX-1",
        "Patch servers",
    )
    assert remaining(jira_firm.acme) == acme_before - 120
    assert remaining(jira_firm.globex) == globex_before - 90
    # The cursor is the last page's `until`, not "now".
    assert state().updated_cursor == fake.worklogs[b]["updated_ms"]
    assert state().last_success_at is not None and state().healthy


def test_author_time_zone_gives_the_local_day_and_an_unknown_author_a_placeholder(jira_firm):
    fake = jira_firm.fake
    # 23:30 UTC written with +0000, author in Tokyo: it is already the next morning there.
    late = fake.add_worklog(
        "10001",
        account_id="acc-new",
        display_name="Nora Kim",
        time_zone="Asia/Tokyo",
        started="2025-03-10T23:30:00.000+0000",
    )
    no_zone = fake.add_worklog("10001", time_zone=None, started="2025-03-10T18:15:00.000-0500")
    fake.tick()
    sync(fake)

    placeholder_entry = entry(late)
    assert (placeholder_entry.date, placeholder_entry.start_time) == (
        date(2025, 3, 11),
        time(8, 30),
    )
    member = placeholder_entry.member
    assert member.is_placeholder and member.jira_account_id == "acc-new"
    assert member.user.username == "jira-acc-new" and not member.user.is_active
    assert member.user.get_full_name() == "Nora Kim"
    # No zone in the worklog: the date and time as written, the instant in UTC.
    as_written = entry(no_zone)
    assert (as_written.date, as_written.start_time) == (date(2025, 3, 10), time(18, 15))
    assert as_written.started_at == datetime.fromisoformat("2025-03-10T23:15:00+00:00")


def test_an_unknown_author_without_a_display_name_is_looked_up_once(jira_firm):
    fake = jira_firm.fake
    fake.add_user("acc-zoe", "Zoe Park")
    ids = [fake.add_worklog("10001", account_id="acc-zoe", display_name="") for _ in range(2)]
    fake.tick()
    sync(fake)
    assert {entry(w).member.user.get_full_name() for w in ids} == {"Zoe Park"}
    assert fake.calls("/rest/api/3/user") == 1


def test_task_found_by_key_case_insensitively_stores_the_id_and_current_key(jira_firm):
    fake = jira_firm.fake
    by_key = Task.objects.create(
        project=jira_firm.acme_project, name="Export", jira_issue_key="acme-2"
    )
    wid = fake.add_worklog("10002")
    fake.tick()
    sync(fake)
    by_key.refresh_from_db()
    assert entry(wid).task == by_key
    assert (by_key.jira_issue_id, by_key.jira_issue_key, by_key.jira_summary) == (
        "10002",
        "ACME-2",
        "Invoice export",
    )


def test_label_wins_over_project_key_and_several_matches_go_to_triage_with_the_reason(jira_firm):
    fake = jira_firm.fake
    labelled = ProjectFactory(
        client=jira_firm.globex, code="GLX-LBL", jira_labels=["client-globex"]
    )
    fake.add_issue(
        "10401", "ACME-40", labels=["client-globex"]
    )  # project key says ACME, label says GLX-LBL
    fake.add_issue("10402", "SHR-1", project_key="SHR")
    ProjectFactory(client=jira_firm.acme, code="SHR-A", jira_project_keys=["SHR"])
    ProjectFactory(client=jira_firm.globex, code="SHR-B", jira_project_keys=["shr"])
    by_label = fake.add_worklog("10401")
    ambiguous = fake.add_worklog("10402", seconds=1800)
    fake.tick()

    run = sync(fake)

    assert entry(by_label).task.project == labelled
    assert run.unmapped == 1
    queued = UnmappedWorklog.objects.get(worklog_id=ambiguous)
    assert "SHR-A" in queued.reason and "SHR-B" in queued.reason and "several" in queued.reason
    assert entry_for_worklog("jira", ambiguous) is None


def test_unmapped_worklog_waits_in_triage_and_becomes_an_entry_once_linked(jira_firm):
    fake = jira_firm.fake
    wid = fake.add_worklog("10201", seconds=2700)
    fake.tick()
    before = remaining(jira_firm.acme)

    first = sync(fake)
    assert first.unmapped == 1 and first.created == 0
    queued = UnmappedWorklog.objects.get(worklog_id=wid)
    assert queued.issue_key == "UNK-1" and queued.duration_minutes == 45
    assert "UNK" in queued.reason
    # Re-evaluated every run, with nothing new in the feed.
    assert sync(fake).created == 0 and UnmappedWorklog.objects.filter(worklog_id=wid).exists()

    # Someone links the issue on a task page (or the admin, or import_setup)...
    Task.objects.create(project=jira_firm.acme_project, name="Unknown work", jira_issue_key="UNK-1")
    run = sync(fake)

    assert run.created == 1
    assert entry(wid).duration_minutes == 45
    assert not UnmappedWorklog.objects.exists()
    assert remaining(jira_firm.acme) == before - 45


def test_excluded_project_and_member_are_ignored_and_delete_an_existing_entry(jira_firm):
    fake = jira_firm.fake
    on_excluded = fake.add_worklog("10301")
    by_bram = fake.add_worklog("10001", account_id="acc-bram", seconds=1800)
    fake.tick()
    sync(fake)
    assert entry_for_worklog("jira", on_excluded) is None
    assert entry(by_bram).duration_minutes == 30

    Member.objects.filter(pk=jira_firm.other_member.pk).update(exclusion=Exclusion.EXCLUDED)
    fake.update_worklog(by_bram, seconds=3600)
    fake.tick()
    run = sync(fake)

    # (the excluded-project worklog shares the cursor's time, so the inclusive `since` repeats it)
    assert run.ignored == 2 and run.deleted == 1
    assert entry_for_worklog("jira", by_bram) is None
    deleted = EntryChange.objects.filter(kind="deleted").get()
    assert deleted.minutes_delta == -30
    assert sync(fake, full=True).counts()["deleted"] == 0  # ignoring again changes nothing


# --- edits, deletes, moves -----------------------------------------------------------------


def test_edit_2h_to_3h_consumes_one_more_hour_and_3h_to_2h_credits_it_back(jira_firm):
    fake = jira_firm.fake
    wid = fake.add_worklog("10001", seconds=2 * 3600)
    fake.tick()
    sync(fake)
    start = remaining(jira_firm.acme)

    fake.update_worklog(wid, seconds=3 * 3600)
    fake.tick()
    run = sync(fake)
    assert run.updated == 1
    assert remaining(jira_firm.acme) == start - 60
    assert (
        EntryChange.objects.filter(entry_ref=entry(wid).pk, kind="updated")
        .latest("id")
        .minutes_delta
        == 60
    )

    fake.update_worklog(wid, seconds=2 * 3600)
    fake.tick()
    sync(fake)
    assert remaining(jira_firm.acme) == start
    assert (
        EntryChange.objects.filter(entry_ref=entry(wid).pk, kind="updated")
        .latest("id")
        .minutes_delta
        == -60
    )


def test_deleted_feed_removes_the_entry_and_credits_the_hours_but_a_hidden_worklog_is_kept(
    jira_firm,
):
    fake = jira_firm.fake
    gone = fake.add_worklog("10001", seconds=3600)
    hidden = fake.add_worklog("10001", seconds=1800)
    fake.tick()
    sync(fake)
    start = remaining(jira_firm.acme)
    entry_id = entry(gone).pk

    fake.delete_worklog(gone)
    fake.update_worklog(
        hidden, visibility="finance-team"
    )  # now restricted: worklog/list leaves it out
    fake.tick()
    run = sync(fake)

    assert run.deleted == 1
    assert entry_for_worklog("jira", gone) is None
    assert entry(hidden).duration_minutes == 30  # hidden from the sync account is not deleted
    assert remaining(jira_firm.acme) == start + 60
    history = EntryChange.objects.get(entry_ref=entry_id, kind="deleted")
    assert history.minutes_delta == -60 and history.entry is None


def test_worklog_moved_to_another_clients_issue_moves_its_entry_with_history_on_both_sides(
    jira_firm,
):
    fake = jira_firm.fake
    wid = fake.add_worklog("10001", seconds=3600)
    fake.tick()
    sync(fake)
    acme, globex = remaining(jira_firm.acme), remaining(jira_firm.globex)

    fake.update_worklog(wid, issue_id="10101")
    fake.tick()
    sync(fake)

    moved = entry(wid)
    assert moved.task.jira_issue_key == "GLX-1"
    assert remaining(jira_firm.acme) == acme + 60
    assert remaining(jira_firm.globex) == globex - 60
    deltas = {
        c.client.code: c.minutes_delta
        for c in EntryChange.objects.filter(entry_ref=moved.pk, kind="updated")
    }
    assert deltas == {"ACME": -60, "GLOBEX": 60}


def test_manual_billable_override_survives_later_syncs(jira_firm):
    fake = jira_firm.fake
    wid = fake.add_worklog("10001", seconds=3600)
    fake.tick()
    sync(fake)
    update_entry(entry(wid), EntryChanges(billable=False), by=jira_firm.manager)
    assert entry(wid).billable_override and entry(wid).billable_minutes == 0

    fake.update_worklog(wid, seconds=5400, comment="Longer")
    fake.tick()
    sync(fake)

    synced = entry(wid)
    assert synced.duration_minutes == 90 and synced.description == "Longer"
    assert synced.billable is False and synced.billable_minutes == 0


def test_invoiced_entry_is_not_changed_and_the_difference_becomes_a_pending_adjustment(jira_firm):

    fake = jira_firm.fake
    wid = fake.add_worklog("10001", seconds=2 * 3600)
    fake.tick()
    sync(fake)
    invoice_and_lock(
        jira_firm.acme, TimeEntry.objects.filter(pk=entry(wid).pk), number="INV-2025-0001"
    )
    start = remaining(jira_firm.acme)

    fake.update_worklog(wid, seconds=3 * 3600)
    fake.tick()
    sync(fake)
    locked = entry(wid)
    assert locked.duration_minutes == 120 and locked.billable_minutes == 120  # as invoiced
    adjustment = BillingAdjustment.objects.get()
    assert (adjustment.minutes, adjustment.status, adjustment.entry_id) == (
        60,
        "pending",
        locked.pk,
    )
    assert adjustment.value == 100  # 1 h at the USD 100 rate snapshot
    assert remaining(jira_firm.acme) == start - 60

    sync(fake, full=True)  # the same change seen again adjusts nothing more
    assert BillingAdjustment.objects.count() == 1

    fake.delete_worklog(wid)
    fake.tick()
    sync(fake)
    assert entry(wid).locked  # the invoiced entry stays
    assert sorted(a.minutes for a in BillingAdjustment.objects.all()) == [-180, 60]
    assert remaining(jira_firm.acme) == start + 120


# --- exactly once --------------------------------------------------------------------------


def test_same_feed_twice_and_a_full_rerun_change_nothing(jira_firm):
    fake = jira_firm.fake
    for seconds in (600, 1200, 1800):
        fake.add_worklog("10001", seconds=seconds)
    fake.tick()
    sync(fake)
    before = snapshot()
    history = EntryChange.objects.count()

    again = sync(fake)
    full = sync(fake, full=True)

    assert snapshot() == before
    assert EntryChange.objects.count() == history
    assert (again.created, again.updated, again.deleted) == (0, 0, 0)
    assert full.fetched == 3 and (full.created, full.updated, full.deleted) == (0, 0, 0)


def test_paging_follows_every_page_and_deduplicates_the_repeated_boundary_items(jira_firm):
    fake = jira_firm.fake
    fake.page_size = 3
    ids = []
    for n in range(7):
        ids.append(fake.add_worklog("10001", seconds=60 * (n + 1)))
        if n % 2:
            fake.tick(1)  # pairs share an updatedTime, so boundaries repeat
    fake.tick()

    run = sync(fake)

    assert run.created == 7 and run.status == RunStatus.SUCCEEDED
    assert fake.calls("/worklog/updated") == 3
    assert sorted(entry(w).duration_minutes for w in ids) == [1, 2, 3, 4, 5, 6, 7]
    assert state().updated_cursor == max(fake.worklogs[w]["updated_ms"] for w in ids)


def test_the_last_minute_is_left_out_until_it_settles_and_an_empty_page_keeps_the_cursor(jira_firm):
    fake = jira_firm.fake
    early = fake.add_worklog("10001")
    fake.tick()
    sync(fake)
    cursor = state().updated_cursor
    late = fake.add_worklog("10001", seconds=1800)  # inside the last minute
    fake.tick(30)

    run = sync(fake)
    assert run.created == 0 and entry_for_worklog("jira", late) is None
    assert state().updated_cursor == cursor  # the boundary item repeats; no new until

    fake.tick(31)
    assert sync(fake).created == 1
    assert entry(early) and entry(late)

    fake.worklogs.clear()
    SyncState.objects.filter(source="jira").update(updated_cursor=fake.now_ms)
    assert sync(fake).status == RunStatus.SUCCEEDED
    assert state().updated_cursor == fake.now_ms  # empty page: the old cursor stays (not `until`)


def test_a_thousand_worklogs_sharing_one_time_fail_the_run_instead_of_looping(jira_firm):
    fake = jira_firm.fake
    stamp = START_MS + 3600_000
    for _ in range(1001):
        fake.add_worklog("10201", updated_ms=stamp)
    SyncState.objects.update_or_create(source="jira", defaults={"updated_cursor": stamp})

    run = sync(fake)

    assert run.status == RunStatus.FAILED
    assert "1000 or more worklogs" in run.error and str(stamp) in run.error
    assert state().updated_cursor == stamp
    assert fake.calls("/worklog/updated") == 1 and fake.calls("/worklog/list") == 0


@pytest.mark.parametrize("stage", ["fetched", "applied"])
def test_a_crash_between_fetch_and_commit_then_a_rerun_equals_one_clean_run(jira_firm, stage):
    fake = jira_firm.fake
    fake.page_size = 2
    for n in range(5):
        fake.add_worklog("10001" if n % 2 else "10101", seconds=600 * (n + 1))
        fake.tick(1)
    gone = fake.add_worklog("10002", seconds=900)
    fake.tick()
    sync(fake)  # gone's entry exists
    fake.delete_worklog(gone)
    edited = next(iter(fake.worklogs))
    fake.update_worklog(edited, seconds=7200)
    fake.tick()
    calls = {"n": 0}

    def crash(at, details):
        if at == stage:
            calls["n"] += 1
            if calls["n"] == 1:
                raise RuntimeError(f"worker killed at {at}")

    with pytest.raises(RuntimeError):
        sync(fake, hook=crash)
    crashed_state = state()
    assert crashed_state.last_error.startswith("Unexpected RuntimeError")
    sync(fake)
    after_crash = snapshot()

    # The same end state as one clean run from scratch over the same data.
    sync(fake, full=True)
    assert snapshot() == after_crash
    assert entry(edited).duration_minutes == 120
    assert entry_for_worklog("jira", gone) is None
    assert TimeEntry.objects.count() == 5


def test_malformed_worklog_is_quarantined_with_payload_and_error_while_the_rest_continue(jira_firm):
    fake = jira_firm.fake
    good = fake.add_worklog("10001")
    bad = fake.add_worklog("10001")
    fake.set_raw(
        bad,
        {
            "id": bad,
            "issueId": "10001",
            "author": {"accountId": "acc-alice"},
            "started": "yesterday",
            "timeSpentSeconds": 60,
            "updated": "2025-03-10T10:00:00.000+0100",
        },
    )
    fake.tick()

    run = sync(fake)

    assert run.status == RunStatus.SUCCEEDED and run.quarantined == 1 and run.created == 1
    assert entry(good)
    row = QuarantinedWorklog.objects.get(worklog_id=bad)
    assert row.payload["started"] == "yesterday" and "'started'" in row.error


def key(payload) -> str:
    return json.dumps(payload, sort_keys=True)


def test_a_malformed_feed_item_is_quarantined_and_the_feed_and_its_cursor_go_on(jira_firm):
    fake = jira_firm.fake
    fake.page_size = 2  # each garbled item sits on a page boundary, so it comes back once more
    first = fake.add_worklog("10001", seconds=600)
    fake.tick(1)
    no_id = {"updatedTime": fake.now_ms, "properties": []}
    fake.add_feed_item("updated", no_id)
    fake.tick(1)
    text_id = {"worklogId": "abc", "updatedTime": fake.now_ms}
    fake.add_feed_item("updated", text_id)
    fake.tick(1)
    last = fake.add_worklog("10001", seconds=1200)
    fake.tick()

    run = sync(fake)

    assert run.status == RunStatus.SUCCEEDED, run.error
    assert (run.created, run.quarantined, run.fetched) == (2, 2, 4)
    assert entry(first).duration_minutes == 10 and entry(last).duration_minutes == 20
    assert state().updated_cursor == fake.worklogs[last]["updated_ms"]
    by_payload = {key(row.payload): row for row in QuarantinedWorklog.objects.filter(source="jira")}
    assert set(by_payload) == {key(no_id), key(text_id)}
    assert all(row.times_seen == 1 for row in by_payload.values())
    assert by_payload[key(text_id)].worklog_id == "abc"
    assert "worklog/updated" in by_payload[key(no_id)].error
    assert '"worklogId": 31001' in by_payload[key(no_id)].error  # an accepted example

    # The deleted feed: an item without updatedTime is quarantined, the deletion after it applies.
    fake.add_feed_item("deleted", {"worklogId": 31999})
    fake.tick(1)
    fake.delete_worklog(last)
    fake.tick()
    run = sync(fake)
    assert run.status == RunStatus.SUCCEEDED, run.error
    assert (run.deleted, run.quarantined) == (1, 1) and entry_for_worklog("jira", last) is None
    assert state().deleted_cursor == fake.deleted[-1][1]
    assert QuarantinedWorklog.objects.get(worklog_id="31999").payload == {"worklogId": 31999}

    # Read again from the start: the same items are counted again, never stored twice.
    rerun = sync(fake, full=True)
    assert rerun.status == RunStatus.SUCCEEDED and rerun.quarantined == 3 and rerun.created == 0
    assert QuarantinedWorklog.objects.count() == 3
    assert all(row.times_seen == 2 for row in QuarantinedWorklog.objects.all())


# --- failures ------------------------------------------------------------------------------


def test_429_waits_for_retry_after_then_continues(jira_firm):
    fake = jira_firm.fake
    fake.add_worklog("10001")
    fake.tick()
    fake.fail("/worklog/list", 429, retry_after=1)
    waits = SleepRecorder(real_fraction=1.0)  # really wait, so the fake would catch an early retry

    run = sync(fake, client=client_for(fake, sleep=waits))

    assert run.status == RunStatus.SUCCEEDED and run.created == 1
    assert waits.waits == [1.0]
    assert fake.early_retries == 0


def test_5xx_retries_with_backoff_and_a_lasting_outage_fails_the_run_keeping_the_cursor(jira_firm):
    fake = jira_firm.fake
    fake.add_worklog("10001")
    fake.tick()
    fake.fail("/worklog/list", 502, times=2)
    waits = SleepRecorder()
    assert sync(fake, client=client_for(fake, sleep=waits)).status == RunStatus.SUCCEEDED
    assert waits.waits == [0.01, 0.02]  # exponential backoff

    fake.add_worklog("10001", seconds=1800)
    fake.tick()
    cursor = state().updated_cursor
    fake.fail("/worklog/list", 503, times=10)
    run = sync(fake, client=client_for(fake, max_retries=3))
    assert run.status == RunStatus.FAILED and "503" in run.error
    assert state().updated_cursor == cursor and state().healthy
    assert TimeEntry.objects.count() == 1

    fake.failures.clear()
    assert sync(fake).created == 1


def test_timeouts_are_retried(jira_firm):
    fake = jira_firm.fake
    fake.add_worklog("10001")
    fake.tick()
    fake.fail("/worklog/updated", None, delay=1.0)
    run = sync(fake, client=client_for(fake, timeout=0.3))
    assert run.status == RunStatus.SUCCEEDED and run.created == 1
    assert fake.calls("/worklog/updated") == 2  # the timed-out call, then its retry


def test_401_stops_the_run_and_marks_the_connection_unhealthy_until_a_good_run(jira_firm):
    fake = jira_firm.fake
    fake.add_worklog("10001")
    fake.tick()
    from sync.clients.jira import JiraClient

    run = sync(fake, client=JiraClient(fake.url, fake.email, "wrong-token", sleep=SleepRecorder()))

    assert run.status == RunStatus.FAILED and "401" in run.error
    assert not state().healthy and "JIRA_API_TOKEN" in state().last_error
    assert fake.calls("/worklog/list") == 0 and not TimeEntry.objects.exists()
    assert sync(fake).created == 1 and state().healthy and state().last_error == ""
