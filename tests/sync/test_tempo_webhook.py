"""With WORKLOG_SOURCE=tempo only the Tempo sync writes entries: Jira's worklog webhook makes
it read that issue's Tempo worklogs around that day, and worklog_deleted deletes the entry that
carries the Jira worklog id. Celery runs in-process here (no REDIS_URL)."""

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client as HttpClient

from sync import tasks
from sync.mapping import entry_for_worklog
from sync.models import SyncRun
from tests.sync.conftest import WEBHOOK_SECRET, assert_balances_consistent, remaining, tempo_sync
from tests.sync.fake_atlassian import sign
from timetracking.models import EntryChange, TimeEntry

pytestmark = pytest.mark.django_db


def deliver(fake, event: str, worklog_id: str, callbacks_fixture):
    body, headers = fake.webhook(event, worklog_id, secret=WEBHOOK_SECRET)
    with callbacks_fixture(execute=True):
        response = HttpClient().post(
            "/webhooks/jira",
            data=body,
            content_type="application/json",
            headers={k: v for k, v in headers.items() if k != "Content-Type"},
        )
    assert response.status_code == 202, response.content
    assert_balances_consistent()
    return response.json()


def test_a_worklog_in_both_feeds_is_counted_once_and_only_tempo_writes(
    tempo_firm, django_capture_on_commit_callbacks
):
    fake = tempo_firm.fake
    wid = fake.add_worklog("10001", seconds=3600)
    fake.tick()  # it is in Jira's updated feed too
    before = remaining(tempo_firm.acme)

    tempo_sync(fake)
    out = StringIO()
    with pytest.raises(SystemExit):
        call_command("sync_jira", "--json", stdout=out)
    assert "WORKLOG_SOURCE is 'tempo'" in json.loads(out.getvalue())["error"]
    assert "skipped" in tasks.sync_jira()  # the Jira beat entry does nothing here
    assert deliver(fake, "worklog_created", wid, django_capture_on_commit_callbacks) == {
        "status": "queued"
    }

    assert TimeEntry.objects.count() == 1 and remaining(tempo_firm.acme) == before - 60
    assert entry_for_worklog("tempo", fake.tempo_id(wid)).jira_worklog_id == wid
    assert fake.calls("/worklog/updated") == fake.calls(f"/worklog/{wid}") == 0
    assert not SyncRun.objects.filter(source="jira").exists()


def test_jira_created_and_updated_webhooks_fetch_that_issue_from_tempo_around_that_day(
    tempo_firm, django_capture_on_commit_callbacks
):
    fake = tempo_firm.fake
    wid = fake.add_worklog("10001", seconds=3600, started="2025-03-10T23:30:00.000+0100")
    fake.add_worklog("10101", seconds=600)  # another issue: not this webhook's business
    before = remaining(tempo_firm.acme)

    deliver(fake, "worklog_created", wid, django_capture_on_commit_callbacks)

    query = fake.tempo_calls("/4/worklogs")[-1]
    assert query["issueId"] == ["10001"]
    # A day either side: Tempo files the worklog under the worker's own date.
    assert (query["from"], query["to"]) == (["2025-03-09"], ["2025-03-11"])
    created = entry_for_worklog("tempo", fake.tempo_id(wid))
    assert created.duration_minutes == 60 and TimeEntry.objects.count() == 1
    assert SyncRun.objects.get(source="tempo").trigger == "webhook"

    fake.tick(60)
    fake.update_worklog(wid, seconds=7200, billable_seconds=7200)
    deliver(fake, "worklog_updated", wid, django_capture_on_commit_callbacks)
    assert entry_for_worklog("tempo", fake.tempo_id(wid)).duration_minutes == 120
    assert remaining(tempo_firm.acme) == before - 120


def test_worklog_deleted_deletes_the_entry_found_by_its_jira_worklog_id(
    tempo_firm, django_capture_on_commit_callbacks
):
    fake = tempo_firm.fake
    wid = fake.add_worklog("10001", seconds=5400)
    tempo_sync(fake)
    before = remaining(tempo_firm.acme)
    fake.delete_worklog(wid)

    deliver(fake, "worklog_deleted", wid, django_capture_on_commit_callbacks)

    assert entry_for_worklog("tempo", fake.tempo_id(wid)) is None
    assert remaining(tempo_firm.acme) == before + 90
    assert EntryChange.objects.filter(kind="deleted", minutes_delta=-90).count() == 1
    # A repeat, or a later window read, changes nothing more.
    deliver(fake, "worklog_deleted", wid, django_capture_on_commit_callbacks)
    assert remaining(tempo_firm.acme) == before + 90


def test_worklog_deleted_before_the_jira_id_is_known_asks_tempo_for_it(
    tempo_firm, django_capture_on_commit_callbacks
):
    fake = tempo_firm.fake
    wid = fake.add_worklog("10001", seconds=1800, mapped=False)
    tempo_sync(fake)
    assert entry_for_worklog("jira", wid) is None
    fake.publish_mapping(wid)  # Tempo knows it now, the entry not yet

    deliver(fake, "worklog_deleted", wid, django_capture_on_commit_callbacks)

    assert fake.tempo_calls("/4/worklogs/jira-to-tempo")
    assert entry_for_worklog("tempo", fake.tempo_id(wid)) is None


def test_a_created_event_without_a_start_is_refused_naming_the_field(tempo_firm):
    body = json.dumps(
        {"webhookEvent": "worklog_created", "worklog": {"id": "31001", "issueId": "10001"}}
    ).encode()
    response = HttpClient().post(
        "/webhooks/jira",
        data=body,
        content_type="application/json",
        headers={"X-Hub-Signature": sign(body, WEBHOOK_SECRET)},
    )
    assert response.status_code == 400
    assert "worklog.started" in response.json()["detail"]
