"""What a page costs does not grow with its worklogs (issue 13): an unchanged worklog is a
comparison with rows read for the whole page (no query, no write of its own), new worklogs are
written by a fixed number of statements per page, and Tempo's updates pass does not parse again
what the window pass of the same run applied."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sync.clients.tempo import MAX_PAGE_SIZE, TempoClient
from sync.feeds import tempo as tempo_feed
from sync.models import AppliedWorklog, RunStatus
from tests.sync.conftest import add_worklogs, snapshot, sync, tempo_sync
from tests.sync.fake_atlassian import FakeJira
from timetracking.models import EntryChange, TimeEntry

pytestmark = pytest.mark.django_db

WRITES = ("INSERT", "UPDATE", "DELETE", "COPY")


def writes_to(captured, table: str) -> list[str]:
    return [
        q["sql"] for q in captured if q["sql"].lstrip().startswith(WRITES) and table in q["sql"]
    ]


def full_rerun(fake: FakeJira):
    with CaptureQueriesContext(connection) as captured:
        run = sync(fake, full=True)
    assert run.status == RunStatus.SUCCEEDED and run.created == run.updated == 0
    return captured


def test_a_rerun_over_unchanged_worklogs_reads_per_page_and_writes_nothing_per_worklog(jira_firm):
    fake = jira_firm.fake
    add_worklogs(fake, 10)
    sync(fake)
    small = len(full_rerun(fake))

    add_worklogs(fake, 40)
    sync(fake)
    before = snapshot()
    versions = list(AppliedWorklog.objects.order_by("id").values_list())
    history = EntryChange.objects.count()
    captured = full_rerun(fake)

    # Still one page: 50 unchanged worklogs cost what 10 did.
    assert len(captured) == small, [q["sql"][:80] for q in captured]
    for table in ("timetracking_timeentry", "timetracking_entrychange", "sync_appliedworklog"):
        assert writes_to(captured, table) == []
    assert snapshot() == before
    assert list(AppliedWorklog.objects.order_by("id").values_list()) == versions
    assert EntryChange.objects.count() == history


def import_queries(count: int, fake: FakeJira) -> int:
    add_worklogs(fake, count)
    with CaptureQueriesContext(connection) as captured:
        run = sync(fake)
    assert run.created == count
    return len(captured)


def test_new_worklogs_of_a_page_are_written_by_a_fixed_number_of_statements(jira_firm):
    fake = jira_firm.fake
    import_queries(10, fake)  # the first one also creates the task of ACME-2
    ten = import_queries(10, fake)
    fifty = import_queries(50, fake)

    assert ten == fifty
    # One history row per entry, written with it (and the balances moved: `sync` checks them).
    assert TimeEntry.objects.count() == EntryChange.objects.filter(kind="created").count() == 70
    for entry in TimeEntry.objects.all():
        change = EntryChange.objects.get(entry=entry)
        assert change.minutes_delta == entry.billable_minutes
        assert change.data["duration_minutes"] == entry.duration_minutes
        assert change.at is not None and entry.created_at is not None
    assert AppliedWorklog.objects.count() == 70


def test_the_updates_pass_skips_the_window_worklogs_before_parsing_them(tempo_firm, monkeypatch):
    fake = tempo_firm.fake
    for day in range(3, 9):
        fake.add_worklog("10001", seconds=600 * day, started=f"2025-03-0{day}T09:00:00.000+0100")
    fake.tick()
    window = {"date_from": date(2025, 3, 1), "date_to": date(2025, 3, 31)}
    tempo_sync(fake, **window)
    parsed = []
    real = tempo_feed.tempo_worklog

    def counting(raw, **kwargs):
        parsed.append(raw["tempoWorklogId"])
        return real(raw, **kwargs)

    monkeypatch.setattr(tempo_feed, "tempo_worklog", counting)
    before = snapshot()
    run = tempo_sync(fake, **window)

    # Both passes return the six worklogs; only the window pass parses them.
    assert sorted(parsed) == sorted(int(fake.tempo_id(w)) for w in fake.worklogs)
    assert run.fetched == 6 and (run.created, run.updated, run.deleted) == (0, 0, 0)
    assert snapshot() == before


def test_tempo_pages_are_as_large_as_tempo_allows(tempo_firm):
    fake = tempo_firm.fake
    fake.add_worklog("10001")
    fake.tick()
    client = TempoClient(fake.tempo_url, fake.tempo_token, sleep=lambda _: None)
    assert client.page_size == MAX_PAGE_SIZE == 5000  # the gateway paces requests, not rows
    tempo_sync(fake, tempo=client)
    assert fake.tempo_calls("/4/worklogs")[-1]["limit"] == ["5000"]
