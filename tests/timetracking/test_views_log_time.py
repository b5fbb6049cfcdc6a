"""The log-time dialog (PRODUCT §2.2): create, preview, edit, delete, refusals."""

import datetime
import json

import pytest

from tests.factories import PurchaseFactory, RateFactory
from tests.timetracking.views_support import htmx, invoice_and_lock, log
from timetracking.models import Source, TimeEntry

pytestmark = pytest.mark.django_db


def test_dialog_fragment_prefills_task_date_and_billable_default(firm, as_user):
    response = as_user(firm.staff).get(
        f"/log-time/?task={firm.acme_task.pk}", headers=htmx("dialog-slot")
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html and "<dialog" in html
    assert f'<option value="{firm.acme_task.pk}" data-billable="true" selected>' in html
    assert f'value="{datetime.date.today().isoformat()}"' in html
    assert 'id="id_billable" checked' in html
    # Accessible names of INTERFACES §3.1.
    for label in ("Task", "Date", "Duration", "Billable", "Description"):
        assert f">{label}</label>" in html
    assert '<button type="submit">Save</button>' in html
    assert "Billing at USD 100.00/h" in html


def test_billable_defaults_off_for_an_internal_project(firm, as_user):
    html = as_user(firm.staff).get(f"/log-time/?task={firm.internal_task.pk}").content.decode()

    assert 'id="id_billable" checked' not in html
    assert 'data-billable="false" selected' in html


def test_without_javascript_the_dialog_is_a_full_page_form(firm, as_user):
    response = as_user(firm.staff).get(
        f"/log-time/?task={firm.acme_task.pk}&next=/tasks/{firm.acme_task.pk}/"
    )

    html = response.content.decode()
    assert "<html" in html and "<h1>Log time</h1>" in html
    assert f'name="next" value="/tasks/{firm.acme_task.pk}/"' in html


def test_project_context_lists_that_projects_tasks(firm, as_user):
    html = as_user(firm.staff).get(f"/log-time/?project={firm.globex_project.pk}").content.decode()

    assert "Server patching" in html
    assert "Checkout bug" not in html


def test_search_returns_matching_task_options(firm, as_user):
    response = as_user(firm.staff).get("/log-time/tasks/?q=patch", headers=htmx("id_task"))

    html = response.content.decode()
    assert "Server patching" in html and "Checkout bug" not in html
    assert "<option" in html and "<select" not in html


def test_htmx_post_creates_the_entry_and_signals_refresh(firm, as_user):
    response = as_user(firm.staff).post(
        "/log-time/",
        {
            "task": firm.acme_task.pk,
            "date": "2026-03-02",
            "duration": "1h 30m",
            "billable": "on",
            "description": "Fixed it",
        },
        headers=htmx("dialog-slot"),
    )

    assert response.status_code == 200
    entry = TimeEntry.objects.get()
    assert (entry.member, entry.task, entry.date, entry.duration_minutes) == (
        firm.staff_member,
        firm.acme_task,
        datetime.date(2026, 3, 2),
        90,
    )
    assert entry.billable and entry.description == "Fixed it" and entry.created_by == firm.staff
    assert "entrySaved" in json.loads(response["HX-Trigger"])
    assert "Logged 1h 30m on Checkout bug" in response.content.decode()
    assert "<dialog" not in response.content.decode()


def test_plain_post_redirects_to_next(firm, as_user):
    response = as_user(firm.staff).post(
        "/log-time/",
        {
            "task": firm.acme_task.pk,
            "date": "2026-03-02",
            "duration": "1:30",
            "next": f"/tasks/{firm.acme_task.pk}/",
        },
    )

    assert response.status_code == 302 and response["Location"] == f"/tasks/{firm.acme_task.pk}/"
    entry = TimeEntry.objects.get()
    assert entry.duration_minutes == 90 and entry.billable is False  # checkbox left unticked


def test_next_never_leaves_the_site(firm, as_user):
    response = as_user(firm.staff).post(
        "/log-time/",
        {
            "task": firm.acme_task.pk,
            "date": "2026-03-02",
            "duration": "30m",
            "next": "https://evil.example/",
        },
    )

    assert response["Location"] == "/my-work/"


def test_invalid_duration_rerenders_with_message_and_typed_values(firm, as_user):
    response = as_user(firm.staff).post(
        "/log-time/",
        {
            "task": firm.acme_task.pk,
            "date": "2026-03-02",
            "duration": "lots",
            "description": "Keep me",
        },
        headers=htmx("dialog-slot"),
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert not TimeEntry.objects.exists()
    assert "Duration &#x27;lots&#x27; is not understood" in html and "1h 30m" in html
    assert 'value="lots"' in html and "Keep me" in html
    assert f'<option value="{firm.acme_task.pk}" data-billable="true" selected>' in html
    assert "<dialog" in html


def test_missing_task_and_bad_date_are_named(firm, as_user):
    response = as_user(firm.staff).post("/log-time/", {"date": "03/02/2026", "duration": "1h"})

    html = response.content.decode()
    assert response.status_code == 400
    assert "Choose a task" in html
    assert "Enter a date, e.g. 2026-11-03." in html


def test_over_24_hours_is_refused_with_an_example(firm, as_user):
    response = as_user(firm.staff).post(
        "/log-time/", {"task": firm.acme_task.pk, "date": "2026-03-02", "duration": "25h"}
    )

    assert response.status_code == 400
    assert "more than 24 hours" in response.content.decode()
    assert not TimeEntry.objects.exists()


def test_task_of_an_unknown_id_is_refused_not_created(firm, as_user):
    response = as_user(firm.staff).post(
        "/log-time/", {"task": 999999, "date": "2026-03-02", "duration": "1h"}
    )

    assert response.status_code == 400
    assert "does not exist" in response.content.decode()


def test_preview_shows_rate_and_balance_after_the_entry(firm, as_user):
    PurchaseFactory(client=firm.acme, hours=10)
    log(firm.staff_member, firm.acme_task, 60)

    response = as_user(firm.staff).get(
        f"/log-time/preview/?task={firm.acme_task.pk}&date=2026-03-02&duration=1h30m&billable=on&billable_shown=1",
        headers=htmx("entry-preview"),
    )

    html = response.content.decode()
    assert "Billing at USD 100.00/h" in html
    assert "9.00 h left now" in html
    assert "7.50 h after this entry" in html
    assert "Duration: 1h 30m" in html


def test_preview_without_rate_and_without_hour_bank(firm, as_user):
    html = (
        as_user(firm.manager)
        .get(f"/log-time/preview/?task={firm.acme_task.pk}&duration=1h")
        .content.decode()
    )

    assert "No billing rate set" in html
    assert "after this entry" not in html


def test_preview_uses_the_project_rate_for_that_date(firm, as_user):
    RateFactory(
        member=firm.staff_member,
        project=firm.acme_project,
        rate="150.00",
        valid_from=datetime.date(2026, 1, 1),
    )
    http = as_user(firm.staff)

    assert (
        "Billing at USD 150.00/h"
        in http.get(f"/log-time/preview/?task={firm.acme_task.pk}&date=2026-02-01").content.decode()
    )
    assert (
        "Billing at USD 100.00/h"
        in http.get(f"/log-time/preview/?task={firm.acme_task.pk}&date=2025-12-31").content.decode()
    )


def test_preview_names_a_bad_duration(firm, as_user):
    html = (
        as_user(firm.staff)
        .get(f"/log-time/preview/?task={firm.acme_task.pk}&duration=2x")
        .content.decode()
    )

    assert "not understood" in html


def test_preview_unchecked_billable_does_not_consume(firm, as_user):
    PurchaseFactory(client=firm.acme, hours=10)

    html = (
        as_user(firm.staff)
        .get(f"/log-time/preview/?task={firm.acme_task.pk}&duration=2h&billable_shown=1")
        .content.decode()
    )

    assert "10.00 h after this entry" in html


def test_edit_dialog_has_task_read_only_and_saves_changes(firm, as_user):
    entry = log(firm.staff_member, firm.acme_task, 60, on=datetime.date(2026, 3, 2))
    http = as_user(firm.staff)

    html = http.get(f"/entries/{entry.pk}/edit/", headers=htmx("dialog-slot")).content.decode()
    assert 'id="id_task_readonly"' in html and "readonly" in html and 'name="task"' not in html
    assert 'value="1h"' in html

    response = http.post(
        f"/entries/{entry.pk}/edit/",
        {
            "task": firm.globex_task.pk,
            "date": "2026-03-03",
            "duration": "2h 15m",
            "description": "More",
        },
        headers=htmx("dialog-slot"),
    )

    entry.refresh_from_db()
    assert response.status_code == 200 and "entrySaved" in response["HX-Trigger"]
    assert (entry.task, entry.date, entry.duration_minutes, entry.billable, entry.description) == (
        firm.acme_task,
        datetime.date(2026, 3, 3),
        135,
        False,
        "More",
    )


def test_edit_preview_counts_only_the_change(firm, as_user):
    PurchaseFactory(client=firm.acme, hours=10)
    entry = log(firm.staff_member, firm.acme_task, 60)

    html = (
        as_user(firm.staff)
        .get(
            f"/log-time/preview/?entry={entry.pk}&duration=1h30m&billable=on&billable_shown=1&date={entry.date.isoformat()}"
        )
        .content.decode()
    )

    assert "9.00 h left now" in html and "8.50 h after this entry" in html


def test_invoiced_entry_edit_is_refused_with_a_clear_message(firm, as_user):
    entry = log(firm.staff_member, firm.acme_task, 60)
    invoice_and_lock(firm.acme, [entry])
    http = as_user(firm.staff)

    html = http.get(f"/entries/{entry.pk}/edit/", headers=htmx("dialog-slot")).content.decode()
    assert "on invoice INV-2026-0001 and is locked" in html
    assert "Save" not in html

    response = http.post(
        f"/entries/{entry.pk}/edit/",
        {"date": "2026-03-03", "duration": "5h"},
        headers=htmx("dialog-slot"),
    )
    entry.refresh_from_db()
    assert entry.duration_minutes == 60
    assert "is locked; it cannot be changed" in response.content.decode()


def test_invoiced_entry_delete_is_refused(firm, as_user):
    entry = log(firm.staff_member, firm.acme_task, 60)
    invoice_and_lock(firm.acme, [entry])

    response = as_user(firm.staff).post(f"/entries/{entry.pk}/delete/")

    assert response.status_code == 409
    assert "is locked; it cannot be deleted" in response.content.decode()
    assert TimeEntry.objects.filter(pk=entry.pk).exists()


def test_delete_asks_for_confirmation_then_deletes(firm, as_user):
    entry = log(firm.staff_member, firm.acme_task, 45)
    http = as_user(firm.staff)

    confirm = http.get(f"/entries/{entry.pk}/delete/", headers=htmx("dialog-slot")).content.decode()
    assert "Delete 45m on <strong>Checkout bug</strong>" in confirm
    assert TimeEntry.objects.filter(pk=entry.pk).exists()

    response = http.post(f"/entries/{entry.pk}/delete/", headers=htmx("dialog-slot"))
    assert response.status_code == 200 and "entrySaved" in response["HX-Trigger"]
    assert not TimeEntry.objects.filter(pk=entry.pk).exists()


def test_jira_entry_keeps_date_and_duration_but_billable_can_change(firm, as_user):
    entry = log(firm.staff_member, firm.acme_task, 60, source=Source.JIRA, jira_worklog_id="10001")
    http = as_user(firm.staff)

    html = http.get(f"/entries/{entry.pk}/edit/").content.decode()
    assert "comes from Jira" in html and "disabled" in html

    http.post(
        f"/entries/{entry.pk}/edit/", {"duration": "9h", "description": "note"}
    )  # billable unticked
    entry.refresh_from_db()
    assert entry.duration_minutes == 60 and entry.billable is False and entry.billable_override

    refused = http.post(f"/entries/{entry.pk}/delete/")
    assert (
        refused.status_code == 409
        and "comes from Jira; delete it there" in refused.content.decode()
    )


def test_delete_of_an_invoiced_entry_is_refused_before_any_confirmation(firm, as_user):
    entry = log(firm.staff_member, firm.acme_task, 60)
    invoice_and_lock(firm.acme, [entry])
    http = as_user(firm.staff)

    page = http.get(f"/entries/{entry.pk}/delete/")
    dialog = http.get(f"/entries/{entry.pk}/delete/", headers=htmx("dialog-slot"))

    assert page.status_code == 409 and dialog.status_code == 200
    for html in (page.content.decode(), dialog.content.decode()):
        assert "on invoice INV-2026-0001 and is locked; it cannot be deleted" in html
        assert ">Delete</button>" not in html  # nothing to confirm


def test_delete_of_a_jira_entry_is_refused_before_any_confirmation_and_not_offered(firm, as_user):
    entry = log(firm.staff_member, firm.acme_task, 60, source=Source.JIRA, jira_worklog_id="10002")
    http = as_user(firm.staff)

    html = http.get(f"/entries/{entry.pk}/delete/", headers=htmx("dialog-slot")).content.decode()
    assert "comes from Jira; delete it there" in html and ">Delete</button>" not in html

    my_work = http.get("/my-work/").content.decode()
    edit = http.get(f"/entries/{entry.pk}/edit/").content.decode()
    assert f"/entries/{entry.pk}/edit/" in my_work
    assert f"/entries/{entry.pk}/delete/" not in my_work + edit
    assert TimeEntry.objects.filter(pk=entry.pk).exists()


def test_staff_cannot_change_someone_elses_entry_but_managers_can(firm, as_user):
    entry = log(firm.other_member, firm.acme_task, 60)

    assert as_user(firm.staff).get(f"/entries/{entry.pk}/edit/").status_code == 403
    assert as_user(firm.staff).post(f"/entries/{entry.pk}/delete/").status_code == 403
    assert as_user(firm.manager).get(f"/entries/{entry.pk}/edit/").status_code == 200
    assert TimeEntry.objects.filter(pk=entry.pk).exists()


def test_user_without_member_is_told_why(firm, as_user):
    response = as_user(firm.finance).get("/log-time/")

    assert response.status_code == 403
    assert "not set up as a member" in response.content.decode()


@pytest.mark.parametrize("viewer", ["acme_user", "globex_user", "outsider"])
def test_non_staff_never_reach_the_dialog(firm, as_user, viewer):
    entry = log(firm.staff_member, firm.acme_task, 60)
    http = as_user(getattr(firm, viewer))

    for url in (
        "/log-time/",
        f"/log-time/?task={firm.acme_task.pk}",
        "/log-time/tasks/",
        f"/log-time/preview/?task={firm.acme_task.pk}",
        f"/entries/{entry.pk}/edit/",
        f"/entries/{entry.pk}/delete/",
    ):
        assert http.get(url).status_code == 404, url
    assert (
        http.post(
            "/log-time/", {"task": firm.acme_task.pk, "date": "2026-03-02", "duration": "1h"}
        ).status_code
        == 404
    )
    assert http.post(f"/entries/{entry.pk}/delete/").status_code == 404
    assert TimeEntry.objects.count() == 1


def test_unknown_ids_are_404(firm, as_user):
    http = as_user(firm.staff)

    assert http.get("/log-time/?task=999999").status_code == 404
    assert http.get("/log-time/?project=999999").status_code == 404
    assert http.get("/entries/999999/edit/").status_code == 404
