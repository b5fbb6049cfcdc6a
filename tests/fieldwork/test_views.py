"""The field page (`/field/`): the day list and its constant query count, the activity dialog,
allocation buttons, rounding preview and apply, CSV import, and who may use it."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from fieldwork.models import WorkActivity
from tests.factories import invoice_and_lock

from .conftest import DAY

PAGE = "/field/"
HTMX = {"HX-Request": "true"}


def form_data(firm, **changes):
    data = {
        "task": firm.acme_task.pk,
        "lead": firm.staff_member.pk,
        "date": "2026-03-02",
        "start_time": "08:00",
        "end_time": "16:00",
        "crew_size": "3",
        "break_minutes": "30",
        "non_billable_minutes": "",
        "travel_minutes": "40",
        "allocated_break_minutes": "",
        "allocated_travel_minutes": "",
        "adjustments-TOTAL_FORMS": "2",
        "adjustments-INITIAL_FORMS": "0",
        "adjustments-MIN_NUM_FORMS": "0",
        "adjustments-MAX_NUM_FORMS": "50",
        "adjustments-0-person": "Andrea",
        "adjustments-0-adjustment": "2:25",
        "adjustments-0-note": "stayed late",
        "adjustments-1-person": "",
        "adjustments-1-adjustment": "",
        "adjustments-1-note": "",
    }
    data.update(changes)
    return data


def test_day_list_shows_billable_hours_and_totals(firm, as_user, make_activity):
    make_activity("08:00", "16:00", 3, adjustments=[("Andrea", 145)], break_minutes=30)
    make_activity("16:00", "17:00", on_date=DAY + datetime.timedelta(days=1))
    response = as_user(firm.staff).get(PAGE, {"date": "2026-03-02"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Activities on Monday 2 March 2026" in html
    assert "25.92 h" in html  # (1440 + 145 - 30) / 60
    assert "Andrea +2h 25m" in html
    assert html.count('data-billable-minutes="') == 1
    assert 'href="/field/"' in as_user(firm.staff).get("/my-work/").content.decode()


@pytest.mark.parametrize("rows", [1, 12])
def test_list_page_query_count_is_constant(
    firm, as_user, make_activity, django_assert_max_num_queries, rows
):
    for index in range(rows):
        activity = make_activity("08:00", "09:00", adjustments=[("Andrea", 15), ("Virginia", -5)])
        if index % 3 == 0:
            invoice_and_lock(firm.acme, [activity.time_entry], number=f"INV-{index}")
    http = as_user(firm.staff)
    # 6 for the page, 1 for the header (member and running timer, on every staff page).
    with django_assert_max_num_queries(7):
        response = http.get(PAGE, {"date": "2026-03-02"})
    assert response.content.decode().count('data-billable-minutes="') == rows


@pytest.mark.parametrize("who", ["acme_user", "outsider"])
def test_client_users_and_roleless_logins_get_403(firm, as_user, who, make_activity):
    activity = make_activity()
    http = as_user(getattr(firm, who))
    assert http.get(PAGE).status_code == 403
    assert http.get(f"/field/activities/{activity.pk}/edit/").status_code == 403
    assert http.post("/field/activities/new/", form_data(firm)).status_code == 403
    assert http.post("/field/allocate-travel/", {"date": "2026-03-02"}).status_code == 403


def test_anonymous_is_sent_to_login(client):
    response = client.get(PAGE)
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_new_activity_dialog_saves_with_adjustments(firm, as_user):
    http = as_user(firm.staff)
    dialog = http.get("/field/activities/new/", {"date": "2026-03-02"}, headers=HTMX)
    assert dialog.status_code == 200
    assert b"<dialog" in dialog.content and b'value="2026-03-02"' in dialog.content
    response = http.post("/field/activities/new/", form_data(firm), headers=HTMX)
    assert response.status_code == 204
    assert response["HX-Redirect"] == "/field/?date=2026-03-02"
    activity = WorkActivity.objects.get()
    assert activity.billable_minutes == 1440 + 145 - 30
    assert [(a.person, a.minutes, a.note) for a in activity.adjustments.all()] == [
        ("Andrea", 145, "stayed late")
    ]
    assert activity.time_entry.billable_minutes == 1555
    page = http.get(PAGE, {"date": "2026-03-02"}).content.decode()
    assert "Saved: Checkout bug on Mon 02 Mar, 25.92 h billable." in page


def test_bad_input_is_shown_in_the_dialog(firm, as_user):
    http = as_user(firm.staff)
    response = http.post(
        "/field/activities/new/",
        form_data(firm, end_time="07:00", **{"adjustments-0-adjustment": "2.5"}),
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "End must be after the start, e.g. start 08:00, end 16:30." in html
    assert "2:25 or -0:30" in html
    assert not WorkActivity.objects.exists()
    htmx = http.post("/field/activities/new/", form_data(firm, crew_size="0"), headers=HTMX)
    assert htmx.status_code == 200 and b'aria-invalid="true"' in htmx.content


def test_edit_changes_the_activity_and_its_entry(firm, as_user, make_activity):
    activity = make_activity("08:00", "12:00")
    http = as_user(firm.staff)
    dialog = http.get(f"/field/activities/{activity.pk}/edit/", headers=HTMX).content.decode()
    assert 'value="12:00"' in dialog and "Delete activity" in dialog
    response = http.post(
        f"/field/activities/{activity.pk}/edit/",
        form_data(firm, end_time="12:00", crew_size="2", break_minutes="0", travel_minutes="0"),
    )
    assert response.status_code == 302
    activity.refresh_from_db()
    assert activity.billable_minutes == 480 + 145
    assert activity.time_entry.billable_minutes == 625


def test_billed_activity_is_read_only_on_the_page(firm, as_user, make_activity):
    activity = make_activity()
    invoice_and_lock(firm.acme, [activity.time_entry])
    http = as_user(firm.staff)
    dialog = http.get(f"/field/activities/{activity.pk}/edit/", headers=HTMX).content.decode()
    assert "billed and invoiced activities cannot be changed" in dialog
    assert "disabled" in dialog and ">Save<" not in dialog
    response = http.post(f"/field/activities/{activity.pk}/edit/", form_data(firm, crew_size="9"))
    assert response.status_code == 409
    delete = http.post(f"/field/activities/{activity.pk}/delete/", follow=True)
    assert "cannot be changed" in delete.content.decode()
    activity.refresh_from_db()
    assert activity.crew_size == 1
    assert "invoiced" in http.get(PAGE, {"date": "2026-03-02"}).content.decode()


def test_delete_removes_activity(firm, as_user, make_activity):
    activity = make_activity()
    response = as_user(firm.staff).post(f"/field/activities/{activity.pk}/delete/", headers=HTMX)
    assert response.status_code == 204
    assert not WorkActivity.objects.exists()


def test_allocation_buttons(firm, as_user, make_activity):
    first = make_activity("08:00", "10:00", travel_minutes=60, break_minutes=0)
    second = make_activity("10:00", "14:00", travel_minutes=30, break_minutes=30)
    http = as_user(firm.staff)
    response = http.post("/field/allocate-travel/", {"date": "2026-03-02"}, follow=True)
    assert (
        "Allocated the day&#x27;s travel over 2 unbilled activities." in response.content.decode()
    )
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.allocated_travel_minutes, second.allocated_travel_minutes) == (30, 60)
    http.post("/field/allocate-breaks/", {"date": "2026-03-02"}, headers=HTMX)
    second.refresh_from_db()
    first.refresh_from_db()
    assert first.allocated_break_minutes + second.allocated_break_minutes == 30


def test_rounding_preview_and_apply(firm, as_user, make_activity):
    unbilled = make_activity("08:00", "09:15")
    invoiced = make_activity("10:00", "11:15")
    invoice_and_lock(firm.acme, [invoiced.time_entry])
    staff, manager = as_user(firm.staff), as_user(firm.manager)
    assert staff.post("/field/rounding/", {"rounding": "up"}).status_code == 403
    assert b"Save rounding" not in staff.get(PAGE).content
    manager.post("/field/rounding/", {"rounding": "up", "date": "2026-03-02"})
    preview = manager.get(
        "/field/rounding/preview/",
        {"date": "2026-03-02"},
        headers={**HTMX, "HX-Target": "rounding-preview"},
    ).content.decode()
    assert preview.lstrip().startswith('<div id="rounding-preview"')
    assert "1.25 h" in preview and "1.50 h" in preview
    assert "1 billed or invoiced activity would differ" in preview
    assert staff.post("/field/rounding/apply/").status_code == 403
    manager.post("/field/rounding/apply/", {"date": "2026-03-02"})
    unbilled.refresh_from_db()
    invoiced.refresh_from_db()
    assert (unbilled.billable_minutes, invoiced.billable_minutes) == (90, 75)


HEADER = "date,project,task,lead,start_time,end_time,crew_size,break_minutes,non_billable_minutes,travel_minutes,person,adjustment,note\n"


def test_csv_import_on_the_page(firm, as_user):
    http = as_user(firm.staff)
    bad = SimpleUploadedFile(
        "day.csv",
        (HEADER + "2026-03-02,ACME-WEB,Checkout bug,staff,08:00,07:00,1,,,,,,\n").encode(),
    )
    response = http.post(
        "/field/import/",
        {"file": bad, "date": "2026-03-02"},
        headers={**HTMX, "HX-Target": "import"},
    )
    html = response.content.decode()
    assert response.status_code == 200 and html.lstrip().startswith('<section id="import"')
    assert "Line 2, end_time:" in html and "Nothing was imported" in html
    good = SimpleUploadedFile(
        "day.csv",
        (
            HEADER + "2026-03-04,ACME-WEB,Checkout bug,staff,08:00,12:00,2,,,,Andrea,-0:30,\n"
        ).encode(),
    )
    response = http.post("/field/import/", {"file": good})
    assert response.status_code == 302 and response["Location"] == "/field/?date=2026-03-04"
    assert WorkActivity.objects.get().billable_minutes == 450
