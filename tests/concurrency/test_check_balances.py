"""`manage.py check_balances [--json]` (INTERFACES §1): the running totals against the entries,
after ordinary writes, after a Jira sync run and with a drift planted."""

import importlib
import io

from django.core.management import call_command
from django.db import connection
from django.db.models import F

from clients.models import Client
from tests.factories import TimeEntryFactory
from tests.sync.conftest import fake_jira, jira_settings, sync  # noqa: F401
from tests.sync.conftest import jira_firm as jira_firm  # a fixture
from timetracking.models import TimeEntry
from timetracking.services import record_adjustment

from .conftest import assert_books_balance, check_balances


def test_no_drift_after_writes_and_the_drift_of_a_planted_error(firm):
    entry = TimeEntryFactory(task=firm.acme_task, member=firm.staff_member, duration_minutes=90)
    record_adjustment(entry, minutes=10, reason="Corrected")
    assert check_balances() == {"clients": 3, "drift": [], "entry_drift": []}

    Client.objects.filter(pk=firm.acme.pk).update(consumed_minutes=F("consumed_minutes") + 7)
    assert check_balances() == {
        "clients": 3,
        "drift": [{"client": "ACME", "stored": 107, "recomputed": 100}],
        "entry_drift": [],
    }
    out = io.StringIO()
    call_command("check_balances", stdout=out)
    assert "ACME: stored 107, recomputed 100" in out.getvalue()


def test_no_drift_after_a_jira_sync_run(jira_firm):
    fake = jira_firm.fake
    fake.add_worklog("10001", seconds=7200, comment="Fixed the cart")
    fake.add_worklog("10101", seconds=3600, account_id="acc-bram", display_name="Bram")
    fake.tick()
    sync(fake)
    assert TimeEntry.objects.count() == 2
    assert_books_balance()
    result = check_balances()
    assert result["drift"] == [] and result["clients"] == Client.objects.count()


def test_the_migration_fills_the_running_total_from_entries_and_adjustments(firm):
    entry = TimeEntryFactory(task=firm.acme_task, member=firm.staff_member, duration_minutes=90)
    TimeEntryFactory(task=firm.globex_task, member=firm.staff_member, duration_minutes=30)
    record_adjustment(entry, minutes=-20, reason="Corrected")
    Client.objects.update(consumed_minutes=0)
    migration = importlib.import_module("clients.migrations.0004_client_consumed_minutes")
    with connection.cursor() as cursor:
        cursor.execute(migration.FILL_CONSUMED_MINUTES)
    totals = dict(Client.objects.values_list("code", "consumed_minutes"))
    assert totals == {"ACME": 70, "GLOBEX": 30, "FIRM": 0}
    assert check_balances()["drift"] == []
