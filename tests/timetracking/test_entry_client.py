"""`TimeEntry.client` is the entry's task's project's client, kept by database triggers for
every writer (timetracking/entry_client.py), and `check_balances` reports any drift."""

import datetime
import io
import json

from django.core.management import call_command
from django.db import connection

from clients.models import Project, Task
from tests.factories import ProjectFactory, TaskFactory, TimeEntryFactory
from timetracking.models import TimeEntry
from timetracking.services import EntryChanges, update_entry

D = datetime.date(2026, 3, 2)


def stored_clients(*entries) -> list[int]:
    """The client ids in the database (the instances may not know them after a save)."""
    by_id = dict(
        TimeEntry.objects.filter(pk__in=[e.pk for e in entries]).values_list("pk", "client_id")
    )
    return [by_id[entry.pk] for entry in entries]


def check_balances(*args) -> str:
    out = io.StringIO()
    call_command("check_balances", *args, stdout=out)
    return out.getvalue()


def test_create_sets_the_client_whatever_the_insert_gives(firm):
    entry = TimeEntryFactory(task=firm.acme_task, member=firm.staff_member)
    wrong = TimeEntry.objects.create(
        task=firm.acme_task, member=firm.staff_member, date=D, duration_minutes=30,
        client=firm.globex,
    )  # fmt: skip
    assert stored_clients(entry, wrong) == [firm.acme.pk, firm.acme.pk]


def test_bulk_create_sets_the_client_of_each_entry(firm):
    entries = TimeEntry.objects.bulk_create(
        TimeEntry(task=task, member=firm.staff_member, date=D, duration_minutes=15)
        for task in (firm.acme_task, firm.globex_task, firm.internal_task)
    )
    assert stored_clients(*entries) == [firm.acme.pk, firm.globex.pk, firm.internal.pk]


def test_raw_sql_inserts_get_their_client_too(firm):
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO timetracking_timeentry (task_id, member_id, date, duration_minutes, "
            "billable, billable_minutes, description, billing_currency, cost_currency, locked, "
            "source, billable_override, created_at, updated_at) VALUES "
            "(%s, %s, %s, 45, true, 45, '', '', '', false, 'manual', false, now(), now()) "
            "RETURNING client_id",
            [firm.globex_task.pk, firm.staff_member.pk, D],
        )
        assert cursor.fetchone()[0] == firm.globex.pk


def test_moving_an_entry_to_another_clients_task_moves_its_client(firm):
    entry = TimeEntryFactory(task=firm.acme_task, member=firm.staff_member)
    update_entry(entry, EntryChanges(task=firm.globex_task), by=firm.staff)
    assert stored_clients(entry) == [firm.globex.pk]
    # A stale instance saved again (its client_id from before the move) cannot undo it.
    entry.refresh_from_db()
    entry.client_id = firm.acme.pk
    entry.save()
    assert stored_clients(entry) == [firm.globex.pk]
    TimeEntry.objects.filter(pk=entry.pk).update(client=firm.internal)
    assert stored_clients(entry) == [firm.globex.pk]


def test_a_task_moved_to_another_clients_project_moves_its_entries(firm):
    task = TaskFactory(project=firm.acme_project)
    moved = TimeEntryFactory(task=task, member=firm.staff_member)
    stays = TimeEntryFactory(task=firm.acme_task, member=firm.staff_member)
    Task.objects.filter(pk=task.pk).update(project=firm.globex_project)
    assert stored_clients(moved, stays) == [firm.globex.pk, firm.acme.pk]
    task.refresh_from_db()
    task.project = ProjectFactory(client=firm.acme)
    task.save()
    assert stored_clients(moved, stays) == [firm.acme.pk, firm.acme.pk]


def test_a_project_moved_to_another_client_moves_its_entries(firm):
    first = TimeEntryFactory(task=firm.acme_task, member=firm.staff_member)
    second_task = TaskFactory(project=firm.acme_project)
    second = TimeEntryFactory(task=second_task, member=firm.staff_member)
    other = TimeEntryFactory(task=firm.globex_task, member=firm.staff_member)
    Project.objects.filter(pk=firm.acme_project.pk).update(client=firm.globex)
    assert stored_clients(first, second, other) == [firm.globex.pk] * 3
    firm.acme_project.refresh_from_db()
    firm.acme_project.client = firm.acme
    firm.acme_project.save()
    assert stored_clients(first, second, other) == [firm.acme.pk, firm.acme.pk, firm.globex.pk]


def test_check_balances_reports_entries_on_another_client(firm):
    entry = TimeEntryFactory(task=firm.acme_task, member=firm.staff_member)
    TimeEntryFactory(task=firm.acme_task, member=firm.staff_member)
    assert json.loads(check_balances("--json"))["entry_drift"] == []
    assert "another client" not in check_balances()

    # Only with the triggers off can an entry carry another client (a bug, or a hand edit).
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")  # no triggers fire
        cursor.execute(
            "UPDATE timetracking_timeentry SET client_id = %s WHERE id = %s",
            [firm.globex.pk, entry.pk],
        )
        cursor.execute("SET LOCAL session_replication_role = origin")

    result = json.loads(check_balances("--json"))
    assert result["entry_drift"] == [
        {"client": "ACME", "stored": "GLOBEX", "entries": 1, "first_entry": entry.pk}
    ]
    assert result["drift"] == []  # the balance check reads the task's client, not the column
    text = check_balances()
    assert "1 entry carries another client than its task's:" in text
    assert f"ACME: 1 stored under GLOBEX (first entry {entry.pk})" in text
