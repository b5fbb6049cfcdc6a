"""Parallel writes of one member on one task (issue 11), over several rounds: never a 5xx, never
a lost update or a second entry where one belongs, and the books still balance."""

import datetime

import pytest
from django.utils import timezone

from tests.factories import TimeEntryFactory
from timetracking.models import ChangeKind, EntryChange, TimeEntry, Timer

from .conftest import assert_books_balance, assert_no_server_errors, in_parallel

ROUNDS = 3
pytestmark = pytest.mark.django_db(transaction=True)


def test_patches_of_one_entry_racing_posts_on_its_task(firm, callers):
    staff = callers["staff"]
    entry = TimeEntryFactory(task=firm.acme_task, member=firm.staff_member, duration_minutes=30)
    patched, posted = 0, 0
    for round_number in range(ROUNDS):
        durations = [31 + round_number * 20 + i for i in range(8)]
        calls = []
        for i, minutes in enumerate(durations):
            calls.append(
                lambda m=minutes: staff.api("PATCH", f"/time-entries/{entry.pk}", {"duration": m})
            )
            calls.append(
                lambda i=i, round_number=round_number: staff.api(
                    "POST",
                    "/time-entries",
                    {
                        "task_id": firm.acme_task.pk,
                        "date": timezone.localdate().isoformat(),
                        "duration": 15 + i,
                        "description": f"round {round_number}",
                    },
                )
            )
        responses = in_parallel(calls)
        assert_no_server_errors(responses)
        patches, posts = responses[0::2], responses[1::2]
        assert [r.status_code for r in patches] == [200] * len(durations)
        assert [r.status_code for r in posts] == [201] * len(durations)
        patched += len(patches)
        posted += len(posts)
        entry.refresh_from_db()
        assert entry.duration_minutes in durations
        assert_books_balance()

    # Every accepted PATCH is in the history: none was silently overwritten unrecorded.
    assert (
        EntryChange.objects.filter(entry_ref=entry.pk, kind=ChangeKind.UPDATED).count() == patched
    )
    assert TimeEntry.objects.count() == 1 + posted


def test_parallel_deletes_of_one_entry_and_patches_racing_them(firm, callers):
    staff = callers["staff"]
    for _ in range(ROUNDS):
        entry = TimeEntryFactory(task=firm.acme_task, member=firm.staff_member, duration_minutes=45)
        path = f"/time-entries/{entry.pk}"
        calls = [lambda path=path: staff.api("DELETE", path) for _ in range(8)]
        calls += [
            lambda m=m, path=path: staff.api("PATCH", path, {"duration": m})
            for m in (50, 55, 60, 65)
        ]
        responses = in_parallel(calls)
        assert_no_server_errors(responses)
        deletes, patches = responses[:8], responses[8:]
        assert sorted(r.status_code for r in deletes) == [204] + [404] * 7
        assert all(r.status_code in (200, 404) for r in patches)
        assert all(r.json()["detail"] for r in responses if r.status_code == 404)
        assert not TimeEntry.objects.filter(pk=entry.pk).exists()
        assert EntryChange.objects.filter(entry_ref=entry.pk, kind=ChangeKind.DELETED).count() == 1
        assert_books_balance()


def test_parallel_posts_to_one_empty_timesheet_cell_make_one_entry(firm, callers):
    staff = callers["staff"]
    today = timezone.localdate()
    for round_number in range(ROUNDS):
        day = today - datetime.timedelta(days=round_number)
        cell = f"cell-{firm.acme_task.pk}-{day.isoformat()}"
        values = [f"{10 + i}m" for i in range(10)]
        responses = in_parallel(
            lambda data=data: staff.page_post("/timesheet/cell/", data, htmx=True)
            for data in (
                {"task": firm.acme_task.pk, "date": day.isoformat(), cell: value}
                for value in values
            )
        )
        assert_no_server_errors(responses)
        assert [r.status_code for r in responses] == [200] * len(values)
        entries = list(TimeEntry.objects.filter(member=firm.staff_member, date=day))
        assert len(entries) == 1
        assert entries[0].duration_minutes in range(10, 20)
        history = EntryChange.objects.filter(entry_ref=entries[0].pk)
        assert history.filter(kind=ChangeKind.CREATED).count() == 1
        assert history.filter(kind=ChangeKind.UPDATED).count() == len(values) - 1
        assert_books_balance()

    # The cell still takes edits (it was never split into two entries).
    response = staff.page_post(
        "/timesheet/cell/",
        {
            "task": firm.acme_task.pk,
            "date": today.isoformat(),
            f"cell-{firm.acme_task.pk}-{today}": "2h",
        },
        htmx=True,
    )
    assert response.status_code == 200
    assert TimeEntry.objects.get(member=firm.staff_member, date=today).duration_minutes == 120


def test_parallel_timer_starts_run_one_timer_and_parallel_stops_log_once(firm, callers):
    staff = callers["staff"]
    for round_number in range(ROUNDS):
        starts = in_parallel(
            lambda task=task: staff.page_post("/timer/start/", {"task": task.pk})
            for task in [firm.acme_task, firm.globex_task] * 4
        )
        assert_no_server_errors(starts)
        assert Timer.objects.filter(member=firm.staff_member).count() == 1
        stops = in_parallel(lambda: staff.page_post("/timer/stop/", {}) for _ in range(6))
        assert_no_server_errors(stops)
        assert not Timer.objects.exists()
        assert TimeEntry.objects.filter(member=firm.staff_member).count() == round_number + 1
        assert_books_balance()
