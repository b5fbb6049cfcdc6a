"""`manage.py sync_tempo [--from DATE] [--to DATE] [--json]` (INTERFACES §1), the Celery task
and beat entry, and the Tempo section of the sync status page."""

import json
from datetime import date, timedelta
from io import StringIO

import pytest
from django.conf import settings as django_settings
from django.core.management import CommandError, call_command
from django.utils import timezone

from sync import tasks
from sync.mapping import entry_for_worklog
from sync.models import SyncRun
from tests.sync.conftest import assert_balances_consistent
from tests.sync.fake_atlassian import START_MS

pytestmark = pytest.mark.django_db

COUNT_KEYS = ["fetched", "created", "updated", "deleted", "ignored", "unmapped", "quarantined"]


def run_command(*args):
    out = StringIO()
    call_command("sync_tempo", *args, stdout=out)
    assert_balances_consistent()
    return out.getvalue()


def failing(*args) -> str:
    out = StringIO()
    with pytest.raises(SystemExit) as exit_info:
        call_command("sync_tempo", *args, stdout=out)
    assert exit_info.value.code == 1
    return json.loads(out.getvalue())["error"]


def test_json_prints_exactly_the_counts_and_a_window_reconciles(tempo_firm):
    fake = tempo_firm.fake
    kept = fake.add_worklog("10001", started="2025-03-10T09:00:00.000+0100")
    gone = fake.add_worklog("10001", started="2025-03-11T09:00:00.000+0100")
    fake.add_worklog("10201")

    first = json.loads(run_command("--json"))
    assert list(first) == COUNT_KEYS
    assert first == {
        "fetched": 3,
        "created": 2,
        "updated": 0,
        "deleted": 0,
        "ignored": 0,
        "unmapped": 1,
        "quarantined": 0,
    }
    fake.delete_worklog(gone)
    window = json.loads(run_command("--from", "2025-03-01", "--to", "2025-03-31", "--json"))
    assert window["deleted"] == 1 and window["created"] == 0
    assert entry_for_worklog("tempo", fake.tempo_id(gone)) is None
    assert entry_for_worklog("tempo", fake.tempo_id(kept)) is not None
    run = SyncRun.objects.filter(trigger="command").first()
    assert (run.window_from, run.window_to) == (date(2025, 3, 1), date(2025, 3, 31))


def test_plain_output_names_the_counts_and_from_alone_runs_to_today(tempo_firm):
    assert run_command("--from", "2025-03-01") == (
        "fetched 0, created 0, updated 0, deleted 0, ignored 0, unmapped 0, quarantined 0\n"
    )
    assert SyncRun.objects.get(source="tempo").window_to == timezone.localdate()


def test_exit_1_naming_the_configured_source_when_it_is_jira(jira_firm):
    error = failing("--json")
    assert "WORKLOG_SOURCE is 'jira'" in error and "sync_jira" in error
    with pytest.raises(CommandError, match="WORKLOG_SOURCE is 'jira'"):
        call_command("sync_tempo", stdout=StringIO())
    assert not SyncRun.objects.exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from", "01/03/2025"], "--from '01/03/2025' is not a date; use YYYY-MM-DD"),
        (["--to", "2025-03-31"], "--to needs --from too"),
        (["--from", "2025-03-31", "--to", "2025-03-01"], "is after --to"),
    ],
)
def test_bad_windows_exit_1_with_an_accepted_example(tempo_firm, args, message):
    error = failing(*args, "--json")
    assert message in error and "2025-03-01" in error
    assert not SyncRun.objects.exists()


def test_exit_1_when_tempo_is_not_configured_or_refuses_the_token(tempo_firm, settings):
    settings.TEMPO_API_TOKEN = "revoked"
    error = failing("--json")
    assert error.startswith("Tempo sync failed:") and "401" in error
    settings.TEMPO_API_TOKEN = ""
    assert "TEMPO_API_TOKEN" in failing("--json")
    settings.TEMPO_API_TOKEN = tempo_firm.fake.tempo_token
    settings.JIRA_BASE_URL = ""
    assert "JIRA_BASE_URL" in failing("--json")  # issue details come from Jira


def test_without_a_window_the_command_reads_and_reconciles_the_last_reconcile_days(
    tempo_firm, settings
):
    settings.TEMPO_RECONCILE_DAYS = 10
    fake = tempo_firm.fake
    today = timezone.localdate()
    gone = fake.add_worklog("10001", started=f"{today - timedelta(days=3)}T09:00:00.000+0100")
    assert json.loads(run_command("--json"))["created"] == 1
    fake.tick(600)
    # Updated before the cursor, yet never read: what offset paging skips when an item is
    # deleted or moved between two pages of the incremental pass.
    skipped = fake.add_worklog(
        "10001",
        seconds=1800,
        started=f"{today - timedelta(days=2)}T09:00:00.000+0100",
        updated_ms=START_MS,
    )
    fake.delete_worklog(gone)

    counts = json.loads(run_command("--json"))

    assert (counts["created"], counts["deleted"]) == (1, 1)
    assert entry_for_worklog("tempo", fake.tempo_id(skipped)).duration_minutes == 30
    assert entry_for_worklog("tempo", fake.tempo_id(gone)) is None
    run = SyncRun.objects.filter(trigger="command").first()
    assert (run.window_from, run.window_to) == (  # the beat run's window
        today - timedelta(days=10),
        today + timedelta(days=1),
    )


# --- Celery ----------------------------------------------------------------------------------


def test_beat_schedules_both_syncs_and_each_does_nothing_for_the_other_source(jira_firm, settings):
    schedule = django_settings.CELERY_BEAT_SCHEDULE
    assert schedule["sync-tempo"]["task"] == "sync.tasks.sync_tempo"
    assert schedule["sync-tempo"]["schedule"] == schedule["sync-jira"]["schedule"]

    assert "WORKLOG_SOURCE is 'jira'" in tasks.sync_tempo()["skipped"]
    assert not SyncRun.objects.filter(source="tempo").exists()

    settings.WORKLOG_SOURCE = "tempo"
    settings.TEMPO_BASE_URL = jira_firm.fake.tempo_url
    settings.TEMPO_API_TOKEN = jira_firm.fake.tempo_token
    assert "WORKLOG_SOURCE is 'tempo'" in tasks.sync_jira()["skipped"]
    assert not SyncRun.objects.filter(source="jira").exists()


def test_the_beat_run_reconciles_the_last_tempo_reconcile_days(tempo_firm, settings):
    settings.TEMPO_RECONCILE_DAYS = 10
    fake = tempo_firm.fake
    today = timezone.localdate()
    recent = fake.add_worklog("10001", started=f"{today - timedelta(days=3)}T09:00:00.000+0100")
    old = fake.add_worklog("10001", started=f"{today - timedelta(days=40)}T09:00:00.000+0100")
    assert tasks.sync_tempo()["created"] == 2
    fake.delete_worklog(recent)
    fake.delete_worklog(old)

    result = tasks.sync_tempo()

    assert result["status"] == "succeeded" and result["deleted"] == 1
    run = SyncRun.objects.get(pk=result["run"])
    assert (run.trigger, run.window_from, run.window_to) == (
        "beat",
        today - timedelta(days=10),
        today + timedelta(days=1),
    )
    assert entry_for_worklog("tempo", fake.tempo_id(recent)) is None
    assert entry_for_worklog("tempo", fake.tempo_id(old)) is not None  # older than the window
    assert_balances_consistent()


# --- status page -----------------------------------------------------------------------------


def test_status_page_has_a_tempo_section_and_sync_now_queues_a_tempo_run(
    tempo_firm, as_user, django_capture_on_commit_callbacks
):
    fake = tempo_firm.fake
    fake.add_worklog("10001", seconds=3600)
    call_command("sync_tempo", "--from", "2025-03-01", "--to", "2025-03-31", stdout=StringIO())
    manager = as_user(tempo_firm.manager)

    page = manager.get("/sync/").content.decode()
    tempo_section = page[page.index('id="source-tempo"') :]
    tempo_section = tempo_section[: tempo_section.index("</section>")]
    assert "badge ok" in tempo_section and "largest updatedAt" in tempo_section
    assert "2025-03-01 to 2025-03-31" in tempo_section
    assert '<td>Created</td><td class="num">1</td><td class="num">1</td>' in tempo_section
    assert 'name="source" value="tempo"' in tempo_section
    jira_section = page[page.index('id="source-jira"') : page.index('id="source-tempo"')]
    assert "disabled" in jira_section  # WORKLOG_SOURCE is tempo: Jira's button explains why

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = manager.post("/sync/run/", {"source": "tempo"}, follow=True)
    assert len(callbacks) == 1 and "Tempo sync queued" in response.content.decode()
    assert SyncRun.objects.filter(source="tempo", trigger="manual", status="succeeded").exists()
