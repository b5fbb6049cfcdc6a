"""The weekly timesheet (PRODUCT §2.5): tasks × days, inline cells, totals, weeks, copied rows."""

import datetime

import pytest

from tests.factories import TaskFactory, TimeEntryFactory
from tests.timetracking.views_support import (
    PAGE_QUERY_BUDGET,
    htmx,
    invoice_and_lock,
    query_count,
)
from timetracking.models import EntryChange, Source, TimeEntry, TimesheetRow

pytestmark = pytest.mark.django_db

WEEK = "2026-W10"  # Monday 2 March 2026
MONDAY = datetime.date(2026, 3, 2)


def _cell(task, day):
    return f"cell-{task.pk}-{day.isoformat()}"


def test_grid_has_rows_cells_and_totals(firm, as_user):
    TimeEntryFactory(
        task=firm.acme_task,
        member=firm.staff_member,
        duration_minutes=90,
        on_date=MONDAY,
        by=firm.staff_member.user,
    )
    TimeEntryFactory(
        task=firm.acme_task,
        member=firm.staff_member,
        duration_minutes=30,
        on_date=MONDAY + datetime.timedelta(days=1),
        by=firm.staff_member.user,
    )
    TimeEntryFactory(
        task=firm.globex_task,
        member=firm.staff_member,
        duration_minutes=60,
        on_date=MONDAY,
        by=firm.staff_member.user,
    )
    TimeEntryFactory(
        task=firm.globex_task,
        member=firm.staff_member,
        duration_minutes=60,
        on_date=MONDAY + datetime.timedelta(days=7),
        by=firm.staff_member.user,
    )  # next week

    html = as_user(firm.staff).get(f"/timesheet/?week={WEEK}").content.decode()

    assert "2026-W10: Mon 2 Mar – Sun 8 Mar 2026" in html
    assert f'id="{_cell(firm.acme_task, MONDAY)}"' in html and 'value="1h 30m"' in html
    assert f'<td id="row-total-{firm.acme_task.pk}" class="num total">2h</td>' in html
    assert '<td id="day-total-2026-03-02" class="num total">2h 30m</td>' in html
    assert '<td id="week-total" class="num total">3h</td>' in html
    assert "?week=2026-W09" in html and "?week=2026-W11" in html


def test_cell_creates_updates_and_deletes_its_entry(firm, as_user):
    http = as_user(firm.staff)
    cell = _cell(firm.acme_task, MONDAY)
    data = {"task": firm.acme_task.pk, "date": "2026-03-02"}

    created = http.post("/timesheet/cell/", {**data, cell: "1:15"}, headers=htmx(f"td-{cell}"))
    entry = TimeEntry.objects.get()
    assert (
        entry.duration_minutes == 75 and entry.date == MONDAY and entry.member == firm.staff_member
    )
    fragment = created.content.decode()
    assert fragment.strip().startswith(f'<td id="td-{cell}"') and 'value="1h 15m"' in fragment
    assert 'id="week-total" class="num total" hx-swap-oob="true">1h 15m' in fragment
    assert "entrySaved" in created["HX-Trigger"]

    http.post("/timesheet/cell/", {**data, cell: "2.5h"})
    entry.refresh_from_db()
    assert entry.duration_minutes == 150

    http.post("/timesheet/cell/", {**data, cell: ""})
    assert not TimeEntry.objects.exists()


def test_bad_cell_value_is_named_and_kept(firm, as_user):
    cell = _cell(firm.acme_task, MONDAY)

    response = as_user(firm.staff).post(
        "/timesheet/cell/",
        {"task": firm.acme_task.pk, "date": "2026-03-02", cell: "abc"},
        headers=htmx(f"td-{cell}"),
    )

    html = response.content.decode()
    assert "Duration &#x27;abc&#x27; is not understood" in html and 'value="abc"' in html
    assert 'aria-invalid="true"' in html
    assert not TimeEntry.objects.exists()
    assert "HX-Trigger" not in response


def test_cells_with_several_locked_or_synced_entries_are_read_only(firm, as_user):
    TimeEntryFactory(
        task=firm.acme_task,
        member=firm.staff_member,
        duration_minutes=30,
        on_date=MONDAY,
        by=firm.staff_member.user,
    )
    TimeEntryFactory(
        task=firm.acme_task,
        member=firm.staff_member,
        duration_minutes=30,
        on_date=MONDAY,
        by=firm.staff_member.user,
    )
    locked = TimeEntryFactory(
        task=firm.globex_task,
        member=firm.staff_member,
        duration_minutes=60,
        on_date=MONDAY,
        by=firm.staff_member.user,
    )
    invoice_and_lock(firm.globex, [locked])
    TimeEntryFactory(
        task=firm.internal_task,
        member=firm.staff_member,
        duration_minutes=60,
        on_date=MONDAY,
        source=Source.TEMPO,
        tempo_worklog_id="7",
        by=firm.staff_member.user,
    )
    http = as_user(firm.staff)

    html = http.get(f"/timesheet/?week={WEEK}").content.decode()
    for task in (firm.acme_task, firm.globex_task, firm.internal_task):
        assert f'id="{_cell(task, MONDAY)}"' not in html
    assert html.count('href="/my-work/?day=2026-03-02"') == 3

    refused = http.post(
        "/timesheet/cell/",
        {"task": firm.acme_task.pk, "date": "2026-03-02", _cell(firm.acme_task, MONDAY): "2h"},
        headers=htmx("td"),
    )
    assert "has several entries" in refused.content.decode()
    refused = http.post(
        "/timesheet/cell/",
        {"task": firm.globex_task.pk, "date": "2026-03-02", _cell(firm.globex_task, MONDAY): "2h"},
        headers=htmx("td"),
    )
    assert "locked" in refused.content.decode()
    locked.refresh_from_db()
    assert locked.duration_minutes == 60


def test_there_is_no_whole_grid_save(firm, as_user):
    response = as_user(firm.staff).post(
        f"/timesheet/?week={WEEK}", {_cell(firm.acme_task, MONDAY): "1h"}
    )

    assert response.status_code == 405
    assert not TimeEntry.objects.exists()
    html = as_user(firm.staff).get(f"/timesheet/?week={WEEK}").content.decode()
    assert "Save timesheet" not in html


def test_a_cell_saves_without_javascript_and_returns_to_it(firm, as_user):
    cell = _cell(firm.acme_task, MONDAY)

    response = as_user(firm.staff).post(
        "/timesheet/cell/", {"task": firm.acme_task.pk, "date": "2026-03-02", cell: "1.5"}
    )

    assert response.status_code == 302
    assert response["Location"] == f"/timesheet/?week={WEEK}#{cell}"
    assert TimeEntry.objects.get().duration_minutes == 90


def test_a_bad_cell_without_javascript_is_named_and_the_others_stay(firm, as_user):
    http = as_user(firm.staff)
    tuesday = MONDAY + datetime.timedelta(days=1)
    http.post(
        "/timesheet/cell/",
        {"task": firm.acme_task.pk, "date": "2026-03-03", _cell(firm.acme_task, tuesday): "45m"},
    )

    response = http.post(
        "/timesheet/cell/",
        {"task": firm.acme_task.pk, "date": "2026-03-02", _cell(firm.acme_task, MONDAY): "0"},
        follow=True,
    )

    assert "is zero" in response.content.decode()
    assert list(TimeEntry.objects.values_list("date", "duration_minutes")) == [(tuesday, 45)]


def test_saving_a_cell_twice_keeps_one_entry_and_one_history_row(firm, as_user):
    http = as_user(firm.staff)
    cell = _cell(firm.acme_task, MONDAY)
    data = {"task": firm.acme_task.pk, "date": "2026-03-02", cell: "2h"}

    for _ in range(3):
        assert http.post("/timesheet/cell/", data, headers=htmx(f"td-{cell}")).status_code == 200

    entry = TimeEntry.objects.get()
    assert entry.duration_minutes == 120
    assert EntryChange.objects.filter(entry_ref=entry.pk).count() == 1


def test_rows_are_kept_in_the_database_across_logins(firm, as_user):
    as_user(firm.staff).post("/timesheet/add-row/", {"week": WEEK, "task": firm.globex_task.pk})
    assert TimesheetRow.objects.filter(
        member=firm.staff_member, task=firm.globex_task, week_start=MONDAY
    ).exists()

    # A fresh login: a new session, nothing carried over from the first.
    client = as_user(firm.staff)
    html = client.get(f"/timesheet/?week={WEEK}").content.decode()

    assert f'id="{_cell(firm.globex_task, MONDAY)}"' in html
    # Another week does not show the row.
    assert (
        f'id="row-{firm.globex_task.pk}"'
        not in client.get("/timesheet/?week=2026-W11").content.decode()
    )


def test_an_emptied_cell_keeps_its_row(firm, as_user):
    http = as_user(firm.staff)
    cell = _cell(firm.acme_task, MONDAY)
    data = {"task": firm.acme_task.pk, "date": "2026-03-02"}
    http.post("/timesheet/cell/", {**data, cell: "1h"})
    http.post("/timesheet/cell/", {**data, cell: ""})

    assert not TimeEntry.objects.exists()
    assert f'id="{cell}"' in http.get(f"/timesheet/?week={WEEK}").content.decode()


def test_copy_last_weeks_rows_adds_rows_not_hours(firm, as_user):
    TimeEntryFactory(
        task=firm.acme_task,
        member=firm.staff_member,
        duration_minutes=60,
        on_date=MONDAY - datetime.timedelta(days=3),
        by=firm.staff_member.user,
    )
    http = as_user(firm.staff)

    response = http.post("/timesheet/copy-rows/", {"week": WEEK})

    assert response["Location"] == f"/timesheet/?week={WEEK}"
    html = http.get(f"/timesheet/?week={WEEK}").content.decode()
    assert f'id="{_cell(firm.acme_task, MONDAY)}"' in html
    assert '<td id="week-total" class="num total">0h</td>' in html
    assert TimeEntry.objects.count() == 1


def test_add_row_for_a_task(firm, as_user):
    http = as_user(firm.staff)

    http.post("/timesheet/add-row/", {"week": WEEK, "task": firm.globex_task.pk})

    assert (
        f'id="{_cell(firm.globex_task, MONDAY)}"'
        in http.get(f"/timesheet/?week={WEEK}").content.decode()
    )


def test_bad_week_is_named_and_this_week_shown(firm, as_user):
    html = as_user(firm.staff).get("/timesheet/?week=2026-W99").content.decode()

    assert "Week &#x27;2026-W99&#x27; does not exist" in html and "e.g. 2026-W45" in html
    assert "<table" in html


def test_grid_fragment_for_htmx(firm, as_user):
    html = (
        as_user(firm.staff).get(f"/timesheet/?week={WEEK}", headers=htmx("grid")).content.decode()
    )

    assert "<html" not in html and html.strip().startswith('<table id="grid"')


def test_query_count_does_not_grow_with_rows(firm, as_user, django_assert_max_num_queries):
    http = as_user(firm.staff)
    TimeEntryFactory(
        task=firm.acme_task,
        member=firm.staff_member,
        duration_minutes=30,
        on_date=MONDAY,
        by=firm.staff_member.user,
    )
    one_row = query_count(lambda: http.get(f"/timesheet/?week={WEEK}"))
    assert one_row <= PAGE_QUERY_BUDGET
    for index in range(10):
        task = TaskFactory(project=firm.acme_project)
        for offset in range(index % 7 + 1):
            TimeEntryFactory(
                task=task,
                member=firm.staff_member,
                duration_minutes=30,
                on_date=MONDAY + datetime.timedelta(days=offset),
                by=firm.staff_member.user,
            )

    with django_assert_max_num_queries(one_row):
        html = http.get(f"/timesheet/?week={WEEK}").content.decode()
    assert html.count('<th scope="row"><a href="/tasks/') == 11


@pytest.mark.parametrize("viewer", ["acme_user", "outsider"])
def test_non_staff_get_404(firm, as_user, viewer):
    http = as_user(getattr(firm, viewer))

    assert http.get("/timesheet/").status_code == 404
    assert (
        http.post(
            "/timesheet/cell/", {"task": firm.acme_task.pk, "date": "2026-03-02", "duration": "1h"}
        ).status_code
        == 404
    )
    assert http.post("/timesheet/copy-rows/", {"week": WEEK}).status_code == 404
    assert not TimeEntry.objects.exists()


def test_cell_of_an_unknown_task_is_404(firm, as_user):
    assert (
        as_user(firm.staff)
        .post("/timesheet/cell/", {"task": 999999, "date": "2026-03-02"})
        .status_code
        == 404
    )


def test_nav_offers_the_timesheet_only_to_members(firm, as_user):
    member_html = as_user(firm.staff).get("/my-work/").content.decode()
    finance_html = as_user(firm.finance).get("/my-work/").content.decode()

    assert 'href="/timesheet/">Timesheet</a>' in member_html
    assert 'href="/timesheet/">Timesheet</a>' not in finance_html
    assert 'href="/my-work/">My Work</a>' in finance_html


def test_timesheet_without_a_member_explains_without_a_broken_week_header(firm, as_user):
    response = as_user(firm.finance).get("/timesheet/")

    html = response.content.decode()
    assert response.status_code == 403
    assert "not set up as a member" in html
    assert "<title>Timesheet · Hourbank</title>" in html
    assert ": –" not in html and 'aria-label="Week"' not in html
