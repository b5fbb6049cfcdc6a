"""Tempo runs against the fake Tempo over real HTTP (issue metadata from the fake Jira on the
same server): entries, cursor and overlap, replay safety, window reconciles, locked entries,
the tempo-to-jira mapping and failures. Every `tempo_sync()` also checks the balance invariant
of every client."""

from datetime import UTC, date, datetime, time, timedelta

import pytest

from sync.clients.tempo import TempoClient
from sync.mapping import entry_for_worklog
from sync.models import (
    DeletedWorklog,
    QuarantinedWorklog,
    RunStatus,
    SyncRun,
    SyncState,
    UnmappedWorklog,
)
from tests.factories import invoice_and_lock
from tests.sync.conftest import (
    SleepRecorder,
    assert_balances_consistent,
    remaining,
    sync,
    tempo_client_for,
    tempo_sync,
)
from tests.sync.fake_atlassian import START_MS
from timetracking.models import BillingAdjustment, EntryChange, TimeEntry

pytestmark = pytest.mark.django_db

MARCH = {"date_from": date(2025, 3, 1), "date_to": date(2025, 3, 31)}


def entry(fake, worklog_id) -> TimeEntry:
    found = entry_for_worklog("tempo", fake.tempo_id(worklog_id))
    assert found is not None, f"no entry for Tempo worklog {fake.tempo_id(worklog_id)}"
    return found


def no_entry(fake, worklog_id) -> bool:
    return entry_for_worklog("tempo", fake.tempo_id(worklog_id)) is None


def state() -> SyncState:
    return SyncState.objects.get(source="tempo")


def started(day: int, clock: str = "09:00") -> str:
    return f"2025-03-{day:02d}T{clock}:00.000+0100"


def snapshot() -> dict:
    entries = {
        e.tempo_worklog_id: (
            e.jira_worklog_id,
            e.task_id,
            e.member_id,
            e.date,
            e.start_time,
            e.duration_minutes,
            e.billable,
            e.billable_minutes,
            e.description,
        )
        for e in TimeEntry.objects.all()
    }
    adjustments = sorted((a.entry_ref, a.minutes) for a in BillingAdjustment.objects.all())
    balances = {
        code: remaining(client)
        for code, client in (("ACME", _client("ACME")), ("GLOBEX", _client("GLOBEX")))
    }
    return {"entries": entries, "adjustments": adjustments, "balances": balances}


def _client(code):
    from clients.models import Client

    return Client.objects.get(code=code)


def lock_on_invoice(firm, time_entry: TimeEntry) -> None:
    """Invoice and lock the entry, as billing's services would (test setup only)."""
    invoice_and_lock(firm.acme, [time_entry], number="INV-2025-0001")


# --- entries ---------------------------------------------------------------------------------


def test_first_run_keeps_tempo_start_billable_seconds_and_both_ids(tempo_firm):
    fake = tempo_firm.fake
    evening = fake.add_worklog(
        "10001",
        seconds=7200,
        billable_seconds=5400,
        started=started(10, "18:30"),
        comment="Evening deploy",
    )
    free = fake.add_worklog("10101", seconds=1800, billable_seconds=0, account_id="acc-bram")
    default = fake.add_worklog("10002", seconds=3600, billable_seconds=None)
    acme, globex = remaining(tempo_firm.acme), remaining(tempo_firm.globex)

    run = tempo_sync(fake)

    assert run.status == RunStatus.SUCCEEDED, run.error
    assert run.counts() == {
        "fetched": 3,
        "created": 3,
        "updated": 0,
        "deleted": 0,
        "ignored": 0,
        "unmapped": 0,
        "quarantined": 0,
    }
    first = entry(fake, evening)
    assert (first.source, first.tempo_worklog_id, first.jira_worklog_id) == (
        "tempo",
        fake.tempo_id(evening),
        evening,
    )
    assert (first.task, first.member) == (tempo_firm.linked_task, tempo_firm.staff_member)
    # Start date and time as Tempo gives them; the instant is startDateTimeUtc.
    assert (first.date, first.start_time) == (date(2025, 3, 10), time(18, 30))
    assert first.started_at == datetime(2025, 3, 10, 17, 30, tzinfo=UTC)
    assert first.duration_minutes == 120 and first.description == "Evening deploy"
    assert first.billable and first.billable_minutes == 90  # from billableSeconds
    not_billable = entry(fake, free)
    assert not not_billable.billable and not_billable.billable_minutes == 0
    assert not_billable.task.project == tempo_firm.globex_project
    project_default = entry(fake, default)
    assert project_default.billable and project_default.billable_minutes == 60
    assert remaining(tempo_firm.acme) == acme - 150
    assert remaining(tempo_firm.globex) == globex
    # Only Tempo was read for worklogs; Jira gave issue metadata.
    assert fake.calls("/worklog/updated") == fake.calls("/worklog/list") == 0
    assert "updatedFrom" not in fake.tempo_calls("/4/worklogs")[0]  # first run: everything
    cursor = max(fake.worklogs[w]["updated_ms"] for w in (evening, free, default))
    assert state().updated_cursor == cursor and state().healthy


def test_an_edit_in_tempo_updates_the_entry_and_moves_the_balance(tempo_firm):
    fake = tempo_firm.fake
    wid = fake.add_worklog("10001", seconds=7200)
    tempo_sync(fake)
    before = remaining(tempo_firm.acme)

    fake.tick(600)
    fake.update_worklog(wid, seconds=10800, billable_seconds=10800, comment="Longer")
    run = tempo_sync(fake)

    assert run.updated == 1
    edited = entry(fake, wid)
    assert (edited.duration_minutes, edited.billable_minutes, edited.description) == (
        180,
        180,
        "Longer",
    )
    assert remaining(tempo_firm.acme) == before - 60
    fake.tick(600)
    fake.update_worklog(wid, billable_seconds=0)
    tempo_sync(fake)
    assert entry(fake, wid).billable_minutes == 0
    assert remaining(tempo_firm.acme) == before + 120


def test_unmapped_excluded_and_malformed_worklogs_are_queued_ignored_and_quarantined(tempo_firm):
    fake = tempo_firm.fake
    queued = fake.add_worklog("10201", seconds=1800)
    fake.add_worklog("10301")
    bad = fake.add_worklog("10001")
    good = fake.add_worklog("10001")
    fake.set_tempo_raw(
        bad,
        {
            "tempoWorklogId": int(fake.tempo_id(bad)),
            "issue": {"id": 10001},
            "author": {"accountId": "acc-alice"},
            "timeSpentSeconds": "an hour",
            "startDate": "2025-03-10",
            "updatedAt": "2025-03-10T10:00:00Z",
        },
    )

    run = tempo_sync(fake, **MARCH)

    assert (run.created, run.unmapped, run.ignored, run.quarantined) == (1, 1, 1, 1)
    row = UnmappedWorklog.objects.get(source="tempo")
    assert (row.worklog_id, row.issue_key, row.duration_minutes) == (
        fake.tempo_id(queued),
        "UNK-1",
        30,
    )
    quarantined = QuarantinedWorklog.objects.get(source="tempo")
    assert quarantined.worklog_id == fake.tempo_id(bad) and "timeSpentSeconds" in quarantined.error
    assert entry(fake, good)

    # A queued worklog that vanishes from Tempo leaves the queue at the next window reconcile;
    # the quarantined one is still in Tempo, so nothing of it is deleted.
    fake.delete_worklog(queued)
    tempo_sync(fake, **MARCH)
    assert not UnmappedWorklog.objects.exists()
    assert QuarantinedWorklog.objects.filter(worklog_id=fake.tempo_id(bad)).exists()


# --- cursor, overlap, replay -----------------------------------------------------------------


def test_next_run_reads_from_cursor_minus_five_minutes_and_dedupes_by_id_and_updated_at(
    tempo_firm,
):
    fake = tempo_firm.fake
    seen = fake.add_worklog("10001")
    tempo_sync(fake)
    cursor = state().updated_cursor
    history = EntryChange.objects.count()
    fake.tick(600)
    # Tempo indexed this one late: its updatedAt is 2 minutes before the stored cursor.
    late = fake.add_worklog("10001", seconds=1800, updated_ms=cursor - 120_000)

    run = tempo_sync(fake)

    overlap = datetime.fromtimestamp((cursor - 300_000) / 1000, tz=UTC)
    assert fake.tempo_calls("/4/worklogs")[-1]["updatedFrom"] == [
        overlap.strftime("%Y-%m-%dT%H:%M:%SZ")
    ]
    assert run.fetched == 2 and (run.created, run.updated) == (1, 0)  # `seen` repeats unchanged
    assert entry(fake, late).duration_minutes == 30 and entry(fake, seen)
    assert EntryChange.objects.count() == history + 1
    assert state().updated_cursor == cursor  # the largest updatedAt seen, still `seen`'s


def test_the_same_pages_twice_change_nothing(tempo_firm):
    fake = tempo_firm.fake
    for day in range(10, 15):
        fake.add_worklog("10001" if day % 2 else "10101", seconds=600 * day, started=started(day))
    paged = tempo_client_for(fake, page_size=2)
    tempo_sync(fake, tempo=paged, **MARCH)
    before, history = snapshot(), EntryChange.objects.count()

    SyncState.objects.filter(source="tempo").update(updated_cursor=0)  # replay everything
    again = tempo_sync(fake, tempo=paged, **MARCH)

    assert snapshot() == before and EntryChange.objects.count() == history
    assert again.fetched == 5 and (again.created, again.updated, again.deleted) == (0, 0, 0)


@pytest.mark.parametrize("stage", ["fetched", "applied"])
def test_a_crash_mid_run_then_a_rerun_equals_one_clean_run(tempo_firm, stage):
    fake = tempo_firm.fake
    ids = [
        fake.add_worklog("10001" if day % 2 else "10101", seconds=600 * day, started=started(day))
        for day in range(10, 15)
    ]
    paged = tempo_client_for(fake, page_size=2)

    def crash_on_second_page(at, details):
        if at == stage and details["offset"] == 2:
            raise RuntimeError(f"worker killed at {at}")

    with pytest.raises(RuntimeError):
        tempo_sync(fake, tempo=paged, hook=crash_on_second_page)
    assert state().updated_cursor == 0  # stored only after the last page
    assert state().last_error.startswith("Unexpected RuntimeError")
    assert_balances_consistent()
    tempo_sync(fake, tempo=paged)
    after_crash = snapshot()

    SyncState.objects.filter(source="tempo").update(updated_cursor=0)
    tempo_sync(fake, tempo=paged)
    assert snapshot() == after_crash
    assert sorted(after_crash["entries"]) == sorted(fake.tempo_id(w) for w in ids)
    assert EntryChange.objects.filter(kind="created").count() == 5


def test_pages_shifting_under_a_run_are_deduplicated_and_the_newcomer_comes_next_run(
    tempo_firm,
):
    fake = tempo_firm.fake
    ids = [fake.add_worklog("10001", started=started(day)) for day in range(10, 14)]
    added = []

    def insert_before_page_two(at, details):
        if at == "fetched" and details["offset"] == 0 and not added:
            # Starts before everything: every later item moves one place down.
            added.append(fake.add_worklog("10001", seconds=900, started=started(2)))

    run = tempo_sync(fake, tempo=tempo_client_for(fake, page_size=2), hook=insert_before_page_two)

    assert run.fetched == 4 and run.created == 4  # the repeated item applied once
    assert all(entry(fake, w) for w in ids) and no_entry(fake, added[0])
    assert EntryChange.objects.filter(kind="created").count() == 4
    assert tempo_sync(fake).created == 1 and entry(fake, added[0])


# --- window reconcile ------------------------------------------------------------------------


def test_window_reconcile_deletes_a_vanished_worklog_and_credits_its_hours(tempo_firm):
    fake = tempo_firm.fake
    kept = fake.add_worklog("10001", started=started(10))
    gone = fake.add_worklog("10001", seconds=5400, started=started(12))
    february = fake.add_worklog("10001", started="2025-02-20T09:00:00.000+0100")
    tempo_sync(fake)
    gone_entry = entry(fake, gone)
    before = remaining(tempo_firm.acme)
    fake.delete_worklog(gone)
    fake.delete_worklog(february)  # outside the window: not this run's business

    incremental = tempo_sync(fake)
    assert incremental.deleted == 0 and entry(fake, gone)  # no deleted feed: only windows delete

    run = tempo_sync(fake, **MARCH)

    assert run.status == RunStatus.SUCCEEDED and run.deleted == 1
    assert (run.window_from, run.window_to) == (date(2025, 3, 1), date(2025, 3, 31))
    assert no_entry(fake, gone) and entry(fake, kept) and entry(fake, february)
    assert remaining(tempo_firm.acme) == before + 90
    deleted = EntryChange.objects.get(kind="deleted")
    assert (deleted.entry_ref, deleted.minutes_delta, deleted.source) == (
        gone_entry.pk,
        -90,
        "tempo",
    )
    assert DeletedWorklog.objects.filter(source="tempo", worklog_id=fake.tempo_id(gone)).exists()
    assert tempo_sync(fake, **MARCH).deleted == 0  # done once


def test_a_failed_page_during_a_window_deletes_nothing(tempo_firm):
    fake = tempo_firm.fake
    ids = [fake.add_worklog("10001", started=started(day)) for day in range(10, 15)]
    paged = tempo_client_for(fake, page_size=2)
    tempo_sync(fake, tempo=paged, **MARCH)
    before = remaining(tempo_firm.acme)
    fake.delete_worklog(ids[0])
    # Exactly the four tries of one request: the window's second page fails for good, and
    # nothing read after it (a confirming read, say) would be refused.
    fake.fail("offset=2", 500, times=4)

    run = tempo_sync(fake, tempo=paged, **MARCH)

    assert run.status == RunStatus.FAILED and "HTTP 500" in run.error
    assert entry(fake, ids[0]) and remaining(tempo_firm.acme) == before
    assert not DeletedWorklog.objects.exists()

    fake.failures.clear()
    assert tempo_sync(fake, tempo=paged, **MARCH).deleted == 1
    assert no_entry(fake, ids[0]) and remaining(tempo_firm.acme) == before + 60


def test_a_worklog_deleted_between_two_pages_does_not_take_another_with_it(tempo_firm):
    fake = tempo_firm.fake
    ids = [
        fake.add_worklog("10001", started=started(day), updated_ms=START_MS)
        for day in range(10, 15)
    ]
    fake.add_worklog("10002")  # the newest: the cursor ends past the five above
    paged = tempo_client_for(fake, page_size=2)
    tempo_sync(fake, tempo=paged, **MARCH)
    fake.tick(600)

    def delete_the_first_after_page_one(at, details):
        if at == "fetched" and details["offset"] == 0 and "date_from" in details["query"]:
            fake.delete_worklog(ids[0])  # page two now starts one item later: ids[2] is skipped

    run = tempo_sync(fake, tempo=paged, hook=delete_the_first_after_page_one, **MARCH)

    # ids[2] was on no page, but a narrow read of its issue confirmed it is there: kept. ids[0]
    # was read before it was deleted, so this run cannot know; the next window run does.
    assert run.deleted == 0 and all(entry(fake, w) for w in ids)
    assert fake.tempo_calls("/4/worklogs")[-1]["issueId"] == ["10001"]
    assert not DeletedWorklog.objects.exists()
    assert tempo_sync(fake, tempo=paged, **MARCH).deleted == 1
    assert no_entry(fake, ids[0]) and all(entry(fake, w) for w in ids[1:])


def test_an_invoiced_entrys_worklog_disappearing_becomes_a_crediting_adjustment(tempo_firm):
    fake = tempo_firm.fake
    wid = fake.add_worklog("10001", seconds=7200)
    tempo_sync(fake, **MARCH)
    lock_on_invoice(tempo_firm, entry(fake, wid))
    start = remaining(tempo_firm.acme)
    fake.delete_worklog(wid)

    run = tempo_sync(fake, **MARCH)

    invoiced = entry(fake, wid)
    assert run.deleted == 1 and invoiced.locked and invoiced.billable_minutes == 120
    adjustment = BillingAdjustment.objects.get()
    assert (adjustment.minutes, adjustment.status, adjustment.entry_id) == (
        -120,
        "pending",
        invoiced.pk,
    )
    assert remaining(tempo_firm.acme) == start + 120
    assert tempo_sync(fake, **MARCH).deleted == 0
    assert BillingAdjustment.objects.count() == 1


# --- one source, both ids --------------------------------------------------------------------


def test_the_jira_worklog_id_is_filled_on_a_later_run_once_tempo_maps_it(tempo_firm):
    fake = tempo_firm.fake
    wid = fake.add_worklog("10001", mapped=False)
    tempo_sync(fake)
    assert entry(fake, wid).jira_worklog_id is None
    asked = len(fake.tempo_calls("/4/worklogs/tempo-to-jira"))

    tempo_sync(fake)
    assert entry(fake, wid).jira_worklog_id is None
    assert len(fake.tempo_calls("/4/worklogs/tempo-to-jira")) == asked + 1  # asked again, every run

    fake.publish_mapping(wid)
    tempo_sync(fake)
    assert entry(fake, wid).jira_worklog_id == wid
    assert entry_for_worklog("jira", wid) == entry(fake, wid)  # what Jira's delete looks up
    calls = len(fake.tempo_calls("/4/worklogs/tempo-to-jira"))
    tempo_sync(fake)
    assert len(fake.tempo_calls("/4/worklogs/tempo-to-jira")) == calls  # nothing left to ask


def test_an_entry_the_jira_sync_wrote_before_the_switch_is_taken_over_not_doubled(
    jira_firm, settings
):
    fake = jira_firm.fake
    mapped = fake.add_worklog("10001", seconds=3600, billable_seconds=1800)
    lagging = fake.add_worklog("10001", seconds=1800, mapped=False)
    fake.tick()
    sync(fake)  # the firm read Jira so far: 90 billable minutes (Jira bills the duration)
    after_jira = remaining(jira_firm.acme)
    # Jira's clock ran a minute ahead of Tempo's: Tempo's version must still win.
    jira_entry = entry_for_worklog("jira", mapped)
    TimeEntry.objects.filter(pk=jira_entry.pk).update(
        source_updated_at=jira_entry.source_updated_at + timedelta(minutes=1)
    )
    settings.WORKLOG_SOURCE = "tempo"
    settings.TEMPO_BASE_URL, settings.TEMPO_API_TOKEN = fake.tempo_url, fake.tempo_token

    tempo_sync(fake)

    taken_over = entry(fake, mapped)
    assert taken_over.pk == jira_entry.pk
    assert (taken_over.source, taken_over.jira_worklog_id) == ("tempo", mapped)
    assert taken_over.billable_minutes == 30  # billableSeconds rules now
    assert TimeEntry.objects.filter(jira_worklog_id=mapped).count() == 1
    # Without the mapping Tempo cannot know `lagging` is Jira's; once it can, one entry stays.
    assert TimeEntry.objects.count() == 3
    fake.publish_mapping(lagging)
    assert tempo_sync(fake).deleted == 1  # the Jira copy
    assert entry(fake, lagging).jira_worklog_id == lagging
    assert TimeEntry.objects.count() == 2
    assert remaining(jira_firm.acme) == after_jira + 30
    assert EntryChange.objects.filter(kind="deleted", minutes_delta=-30).count() == 1


# --- failures --------------------------------------------------------------------------------


def test_429_with_and_without_retry_after_is_waited_out_and_the_run_continues(tempo_firm):
    fake = tempo_firm.fake
    fake.add_worklog("10001")
    fake.fail("/4/worklogs", 429, retry_after=1)
    waits = SleepRecorder(real_fraction=1.0)
    run = tempo_sync(fake, tempo=tempo_client_for(fake, sleep=waits))
    assert run.status == RunStatus.SUCCEEDED and run.created == 1
    assert 1.0 in waits.waits and fake.early_retries == 0

    fake.add_worklog("10001")
    fake.fail("tempo-to-jira", 429, times=2)  # no Retry-After: 1 s, then 5 s
    waits = SleepRecorder()
    run = tempo_sync(fake, tempo=tempo_client_for(fake, sleep=waits))
    assert run.status == RunStatus.SUCCEEDED and run.created == 1
    assert [w for w in waits.waits if w >= 0.5] == [1.0, 5.0]


def test_a_lasting_outage_fails_the_run_and_keeps_the_cursor(tempo_firm):
    fake = tempo_firm.fake
    fake.add_worklog("10001")
    tempo_sync(fake)
    cursor = state().updated_cursor
    fake.tick(600)
    fake.add_worklog("10001")
    fake.fail("/4/worklogs", 503, times=10)

    run = tempo_sync(fake)

    assert run.status == RunStatus.FAILED and "HTTP 503" in run.error
    assert state().updated_cursor == cursor and state().healthy  # unavailable is not unhealthy


def test_401_stops_the_run_and_marks_tempo_unhealthy_until_a_good_run(tempo_firm, as_user):
    fake = tempo_firm.fake
    fake.add_worklog("10001")
    revoked = TempoClient(fake.tempo_url, "revoked-token", sleep=SleepRecorder())

    run = tempo_sync(fake, tempo=revoked)

    assert run.status == RunStatus.FAILED and "401" in run.error
    assert not state().healthy and "TEMPO_API_TOKEN" in state().last_error
    assert not TimeEntry.objects.exists()
    page = as_user(tempo_firm.manager).get("/sync/").content.decode()
    tempo_section = page[page.index('id="source-tempo"') :]
    assert "connection unhealthy" in tempo_section[: tempo_section.index("</section>")]

    assert tempo_sync(fake).status == RunStatus.SUCCEEDED
    assert state().healthy and state().last_error == ""
    assert SyncRun.objects.filter(source="tempo", status="failed").count() == 1
