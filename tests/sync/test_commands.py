"""`manage.py sync_jira [--full] [--json]` (INTERFACES §1)."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from sync.models import SyncRun
from tests.sync.conftest import assert_balances_consistent

pytestmark = pytest.mark.django_db

COUNT_KEYS = ["fetched", "created", "updated", "deleted", "ignored", "unmapped", "quarantined"]


def run_command(*args):
    out = StringIO()
    call_command("sync_jira", *args, stdout=out)
    return out.getvalue()


def test_json_prints_exactly_the_counts(jira_firm):
    fake = jira_firm.fake
    fake.add_worklog("10001")
    fake.add_worklog("10201")
    fake.tick()

    first = json.loads(run_command("--json"))
    assert list(first) == COUNT_KEYS
    assert first == {
        "fetched": 2,
        "created": 1,
        "updated": 0,
        "deleted": 0,
        "ignored": 0,
        "unmapped": 1,
        "quarantined": 0,
    }
    full = json.loads(run_command("--full", "--json"))
    assert full["fetched"] == 2 and full["created"] == 0
    assert SyncRun.objects.filter(trigger="command", full=True).count() == 1
    assert_balances_consistent()


def test_plain_output_names_the_counts(jira_firm):
    assert (
        run_command()
        == "fetched 0, created 0, updated 0, deleted 0, ignored 0, unmapped 0, quarantined 0\n"
    )


def _failing(*args):
    out = StringIO()
    with pytest.raises(SystemExit) as exit_info:
        call_command("sync_jira", *args, stdout=out)
    assert exit_info.value.code == 1
    return json.loads(out.getvalue())


def test_exit_1_naming_the_configured_source_when_it_is_tempo(jira_firm, settings):
    settings.WORKLOG_SOURCE = "tempo"
    error = _failing("--json")["error"]
    assert "WORKLOG_SOURCE is 'tempo'" in error and "sync_tempo" in error
    assert not SyncRun.objects.exists()


def test_exit_1_when_jira_is_not_configured(db, settings):
    settings.WORKLOG_SOURCE = "jira"
    settings.JIRA_BASE_URL = ""
    assert "JIRA_BASE_URL" in _failing("--json")["error"]
    with pytest.raises(CommandError, match="JIRA_BASE_URL"):
        call_command("sync_jira", stdout=StringIO())


def test_exit_1_with_the_reason_when_jira_refuses_the_credentials(jira_firm, settings):
    settings.JIRA_API_TOKEN = "wrong"
    error = _failing("--json")["error"]
    assert error.startswith("Jira sync failed:") and "401" in error
