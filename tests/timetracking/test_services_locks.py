"""Lock order, retries, vanished entries, the manual date window and the running total of
consumed minutes (issues 11 and 13)."""

import datetime
import threading

import pytest
from django.db import OperationalError, connection, transaction
from django.utils import timezone

from clients.models import Client
from core.calendar import MIN_ENTRY_DATE, max_entry_date
from core.transactions import atomic_with_retry
from tests.factories import ClientFactory, TimeEntryFactory
from timetracking.models import Source, TimeEntry
from timetracking.services import (
    EntryChanges,
    EntryInvalid,
    EntryNotFound,
    delete_entry,
    lock_clients,
    record_adjustment,
    set_timesheet_cell,
    update_entry,
)

TODAY = timezone.localdate()


def consumed(client) -> int:
    return Client.objects.values_list("consumed_minutes", flat=True).get(pk=client.pk)


# --- Retries ----------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_real_deadlock_is_retried_and_both_writes_land(firm):
    """Two transactions lock two clients in opposite orders: PostgreSQL aborts one, which runs
    again from the start and succeeds."""
    first, second = firm.acme.pk, firm.globex.pk
    both_hold_one = threading.Barrier(2, timeout=10)
    attempts = {"ab": 0, "ba": 0}
    errors = []

    def lock_in_order(name, one, other):
        @atomic_with_retry
        def write():
            attempts[name] += 1
            Client.objects.select_for_update(of=("self",)).filter(pk=one).first()
            if attempts[name] == 1:
                both_hold_one.wait()
            Client.objects.select_for_update(of=("self",)).filter(pk=other).first()
            Client.objects.filter(pk=other).update(name=f"written by {name}")

        try:
            write()
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=lock_in_order, args=("ab", first, second)),
        threading.Thread(target=lock_in_order, args=("ba", second, first)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    assert sorted(attempts.values()) == [1, 2]  # exactly one was aborted and retried
    assert set(Client.objects.filter(pk__in=[first, second]).values_list("name", flat=True)) == {
        "written by ab",
        "written by ba",
    }


@pytest.mark.django_db(transaction=True)
def test_inside_a_callers_transaction_a_conflict_is_not_retried():
    calls = []

    @atomic_with_retry
    def inner():
        calls.append(1)
        with connection.cursor() as cursor:
            # A real serialization failure, raised by PostgreSQL itself.
            cursor.execute("DO $$ BEGIN RAISE EXCEPTION 'conflict' USING ERRCODE = '40001'; END $$")

    with pytest.raises(OperationalError), transaction.atomic():
        inner()
    assert calls == [1]

    calls.clear()
    with pytest.raises(OperationalError):
        inner()
    assert len(calls) == 5  # outermost: retried up to the bound, then the error goes up


def test_lock_clients_takes_only_client_rows_in_id_order(firm, django_assert_max_num_queries):
    with django_assert_max_num_queries(3) as queries, transaction.atomic():
        lock_clients(firm.globex.pk, firm.acme.pk, firm.globex.pk)
    [sql] = [q["sql"] for q in queries.captured_queries if "FOR UPDATE" in q["sql"]]
    assert 'FOR UPDATE OF "clients_client"' in sql and "ORDER BY" in sql


def test_update_locks_the_entry_row_only(firm, django_assert_max_num_queries):
    entry = TimeEntryFactory(task=firm.acme_task, member=firm.staff_member, duration_minutes=30)
    with django_assert_max_num_queries(30) as queries:
        update_entry(entry, EntryChanges(duration_minutes=45))
    locking = [q["sql"] for q in queries.captured_queries if "FOR UPDATE" in q["sql"]]
    assert locking and all(
        'FOR UPDATE OF "clients_client"' in sql or 'FOR UPDATE OF "timetracking_timeentry"' in sql
        for sql in locking
    ), locking
    # Client before entry.
    assert "clients_client" in locking[0].split("FOR UPDATE")[1]


# --- Vanished entries -----------------------------------------------------------------------


def test_changing_or_deleting_a_vanished_entry_is_entry_not_found(firm):
    entry = TimeEntryFactory(task=firm.acme_task, member=firm.staff_member, duration_minutes=30)
    TimeEntry.objects.filter(pk=entry.pk).delete()
    with pytest.raises(EntryNotFound) as refused:
        update_entry(entry, EntryChanges(duration_minutes=45))
    assert refused.value.status == 404 and str(entry.pk) in refused.value.message
    with pytest.raises(EntryNotFound):
        delete_entry(entry)


# --- The manual date window -------------------------------------------------------------------


@pytest.mark.parametrize(
    "day",
    [
        datetime.date(1, 1, 1),
        datetime.date(1999, 12, 31),
        max_entry_date() + datetime.timedelta(days=1),
        datetime.date(9999, 12, 31),
    ],
)
def test_manual_entries_outside_the_window_are_refused(firm, day):
    with pytest.raises(EntryInvalid, match="outside 2000-01-01") as refused:
        TimeEntryFactory(task=firm.acme_task, member=firm.staff_member, on_date=day)
    assert refused.value.field == "date"
    entry = TimeEntryFactory(task=firm.acme_task, member=firm.staff_member, on_date=TODAY)
    with pytest.raises(EntryInvalid, match="e.g."):
        update_entry(entry, EntryChanges(on_date=day))
    with pytest.raises(EntryInvalid):
        set_timesheet_cell(
            member=firm.staff_member, task=firm.acme_task, on_date=day, duration_minutes=60
        )
    assert TimeEntry.objects.count() == 1


@pytest.mark.parametrize("day", [MIN_ENTRY_DATE, max_entry_date()])
def test_the_window_includes_its_ends(firm, day):
    assert TimeEntryFactory(task=firm.acme_task, member=firm.staff_member, on_date=day).date == day


def test_synced_worklogs_keep_their_dates_and_whole_descriptions(firm):
    entry = TimeEntryFactory(
        task=firm.acme_task,
        member=firm.staff_member,
        on_date=datetime.date(1999, 6, 1),
        description="z" * 20_000,
        source=Source.JIRA,
        jira_worklog_id="77",
    )
    assert entry.date == datetime.date(1999, 6, 1) and len(entry.description) == 20_000


def test_manual_descriptions_are_at_most_10000_characters(firm):
    with pytest.raises(EntryInvalid) as refused:
        TimeEntryFactory(task=firm.acme_task, member=firm.staff_member, description="d" * 10_001)
    assert refused.value.field == "description"
    entry = TimeEntryFactory(task=firm.acme_task, member=firm.staff_member, description="ok")
    with pytest.raises(EntryInvalid):
        update_entry(entry, EntryChanges(description="d" * 10_001))


# --- The running total of consumed minutes ------------------------------------------------------


def test_every_entry_and_adjustment_write_moves_the_running_total(firm):
    assert consumed(firm.acme) == 0
    entry = TimeEntryFactory(task=firm.acme_task, member=firm.staff_member, duration_minutes=90)
    assert consumed(firm.acme) == 90
    update_entry(entry, EntryChanges(duration_minutes=60))
    assert consumed(firm.acme) == 60
    entry = update_entry(entry, EntryChanges(task=firm.globex_task))
    assert (consumed(firm.acme), consumed(firm.globex)) == (0, 60)
    record_adjustment(entry, minutes=-15, reason="Source changed after invoicing")
    assert consumed(firm.globex) == 45
    set_timesheet_cell(
        member=firm.staff_member, task=firm.acme_task, on_date=TODAY, duration_minutes=30
    )
    assert consumed(firm.acme) == 30
    delete_entry(entry)
    assert consumed(firm.globex) == -15


def test_saving_a_client_keeps_its_running_total(firm):
    TimeEntryFactory(task=firm.acme_task, member=firm.staff_member, duration_minutes=90)
    stale = Client.objects.get(pk=firm.acme.pk)
    TimeEntryFactory(task=firm.acme_task, member=firm.staff_member, duration_minutes=30)
    stale.name = "Acme Renamed"
    stale.save()
    assert consumed(firm.acme) == 120
    assert Client.objects.get(pk=firm.acme.pk).name == "Acme Renamed"
    created = ClientFactory(code="NEW")
    assert consumed(created) == 0
