"""The log-time dialog (PRODUCT §2.2): create, preview, edit, delete, refusals."""

import datetime
import json
from decimal import Decimal

import pytest

from tests.factories import MemberFactory, PurchaseFactory, RateFactory, TimeEntryFactory, make_user
from tests.timetracking.views_support import htmx, invoice_and_lock, query_count
from timetracking.models import Exclusion, Source, TimeEntry

pytestmark = pytest.mark.django_db


def test_dialog_fragment_prefills_task_date_and_billable_default(firm, as_user):
    response = as_user(firm.staff).get(
        f"/log-time/?task={firm.acme_task.pk}", headers=htmx("dialog-slot")
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html and "<dialog" in html
    assert f'id="id_task-value" name="task" value="{firm.acme_task.pk}"' in html
    assert 'role="combobox"' in html and 'aria-controls="id_task-listbox"' in html
    assert (
        f'id="id_task-option-{firm.acme_task.pk}" role="option" data-value="{firm.acme_task.pk}" '
        'data-billable="true" aria-selected="true"'
    ) in html
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
    assert 'data-billable="false" aria-selected="true"' in html


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
    response = as_user(firm.staff).get(
        "/log-time/tasks/?q=patch&picker=timer-task", headers=htmx("timer-task-listbox")
    )

    html = response.content.decode()
    assert "Server patching" in html and "Checkout bug" not in html
    assert 'role="option"' in html and 'id="timer-task-option-' in html
    assert "<select" not in html and "<ul" not in html


def test_search_without_matches_says_so_and_refuses_odd_picker_ids(firm, as_user):
    html = (
        as_user(firm.staff)
        .get('/log-time/tasks/?q=zzzz&picker="><b>', headers=htmx("x"))
        .content.decode()
    )

    assert "No task matches" in html and 'aria-disabled="true"' in html
    assert "<b>" not in html


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
    assert f'id="id_task-value" name="task" value="{firm.acme_task.pk}"' in html
    assert 'role="combobox"' in html and 'aria-controls="id_task-listbox"' in html
    assert (
        f'id="id_task-option-{firm.acme_task.pk}" role="option" data-value="{firm.acme_task.pk}" '
        'data-billable="true" aria-selected="true"'
    ) in html
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
    TimeEntryFactory(
        task=firm.acme_task,
        member=firm.staff_member,
        duration_minutes=60,
        by=firm.staff_member.user,
    )

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
    entry = TimeEntryFactory(
        task=firm.acme_task,
        member=firm.staff_member,
        duration_minutes=60,
        on_date=datetime.date(2026, 3, 2),
        by=firm.staff_member.user,
    )
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
    entry = TimeEntryFactory(
        task=firm.acme_task,
        member=firm.staff_member,
        duration_minutes=60,
        by=firm.staff_member.user,
    )

    html = (
        as_user(firm.staff)
        .get(
            f"/log-time/preview/?entry={entry.pk}&duration=1h30m&billable=on&billable_shown=1&date={entry.date.isoformat()}"
        )
        .content.decode()
    )

    assert "9.00 h left now" in html and "8.50 h after this entry" in html


def test_invoiced_entry_edit_is_refused_with_a_clear_message(firm, as_user):
    entry = TimeEntryFactory(
        task=firm.acme_task,
        member=firm.staff_member,
        duration_minutes=60,
        by=firm.staff_member.user,
    )
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
    entry = TimeEntryFactory(
        task=firm.acme_task,
        member=firm.staff_member,
        duration_minutes=60,
        by=firm.staff_member.user,
    )
    invoice_and_lock(firm.acme, [entry])

    response = as_user(firm.staff).post(f"/entries/{entry.pk}/delete/")

    assert response.status_code == 409
    assert "is locked; it cannot be deleted" in response.content.decode()
    assert TimeEntry.objects.filter(pk=entry.pk).exists()


def test_delete_asks_for_confirmation_then_deletes(firm, as_user):
    entry = TimeEntryFactory(
        task=firm.acme_task,
        member=firm.staff_member,
        duration_minutes=45,
        by=firm.staff_member.user,
    )
    http = as_user(firm.staff)

    confirm = http.get(f"/entries/{entry.pk}/delete/", headers=htmx("dialog-slot")).content.decode()
    assert "Delete 45m on <strong>Checkout bug</strong>" in confirm
    assert TimeEntry.objects.filter(pk=entry.pk).exists()

    response = http.post(f"/entries/{entry.pk}/delete/", headers=htmx("dialog-slot"))
    assert response.status_code == 200 and "entrySaved" in response["HX-Trigger"]
    assert not TimeEntry.objects.filter(pk=entry.pk).exists()


def test_jira_entry_keeps_date_and_duration_but_billable_can_change(firm, as_user):
    entry = TimeEntryFactory(
        task=firm.acme_task,
        member=firm.staff_member,
        duration_minutes=60,
        source=Source.JIRA,
        jira_worklog_id="10001",
        by=firm.staff_member.user,
    )
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
    entry = TimeEntryFactory(
        task=firm.acme_task,
        member=firm.staff_member,
        duration_minutes=60,
        by=firm.staff_member.user,
    )
    invoice_and_lock(firm.acme, [entry])
    http = as_user(firm.staff)

    page = http.get(f"/entries/{entry.pk}/delete/")
    dialog = http.get(f"/entries/{entry.pk}/delete/", headers=htmx("dialog-slot"))

    assert page.status_code == 409 and dialog.status_code == 200
    for html in (page.content.decode(), dialog.content.decode()):
        assert "on invoice INV-2026-0001 and is locked; it cannot be deleted" in html
        assert ">Delete</button>" not in html  # nothing to confirm


def test_delete_of_a_jira_entry_is_refused_before_any_confirmation_and_not_offered(firm, as_user):
    entry = TimeEntryFactory(
        task=firm.acme_task,
        member=firm.staff_member,
        duration_minutes=60,
        source=Source.JIRA,
        jira_worklog_id="10002",
        by=firm.staff_member.user,
    )
    http = as_user(firm.staff)

    html = http.get(f"/entries/{entry.pk}/delete/", headers=htmx("dialog-slot")).content.decode()
    assert "comes from Jira; delete it there" in html and ">Delete</button>" not in html

    my_work = http.get("/my-work/").content.decode()
    edit = http.get(f"/entries/{entry.pk}/edit/").content.decode()
    assert f"/entries/{entry.pk}/edit/" in my_work
    assert f"/entries/{entry.pk}/delete/" not in my_work + edit
    assert TimeEntry.objects.filter(pk=entry.pk).exists()


def test_staff_cannot_change_someone_elses_entry_but_managers_can(firm, as_user):
    entry = TimeEntryFactory(
        task=firm.acme_task,
        member=firm.other_member,
        duration_minutes=60,
        by=firm.other_member.user,
    )

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
    entry = TimeEntryFactory(
        task=firm.acme_task,
        member=firm.staff_member,
        duration_minutes=60,
        by=firm.staff_member.user,
    )
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


# --- Logging for someone else (PRODUCT §9: manager and up) ------------------------------------


def _alice(firm, rate="140.00"):
    """A staff member with her own billing rate, distinct from the fixture's USD 100.00."""
    alice = MemberFactory(user=make_user("alice", "staff", first_name="Alice", last_name="Ng"))
    RateFactory(member=alice, rate=rate)
    return alice


def test_manager_dialog_offers_a_member_select_defaulting_to_themselves(firm, as_user):
    alice = _alice(firm)
    excluded = MemberFactory(
        user=make_user("gone", "staff", first_name="Ex", last_name="Cluded"),
        exclusion=Exclusion.EXCLUDED,
    )
    placeholder = MemberFactory(
        user=make_user("jira-ghost", "staff", first_name="Jira", last_name="Ghost"),
        is_placeholder=True,
    )

    html = (
        as_user(firm.manager)
        .get(f"/log-time/?task={firm.acme_task.pk}", headers=htmx("dialog-slot"))
        .content.decode()
    )

    assert '<label for="id_member">Member</label>' in html
    assert f'<option value="{firm.manager_member.pk}" selected>' in html
    assert f'<option value="{alice.pk}">Alice Ng</option>' in html
    assert f'value="{excluded.pk}"' not in html and f'value="{placeholder.pk}"' not in html
    # INTERFACES §3.1 names stay unique: no other label contains them.
    for label in ("Task", "Date", "Duration", "Billable", "Description"):
        assert html.count(f">{label}</label>") == 1
        assert html.count(label + "</label>") == 1


def test_manager_logs_for_alice_with_alices_rate_snapshot(firm, as_user):
    alice = _alice(firm)

    response = as_user(firm.manager).post(
        "/log-time/",
        {
            "task": firm.acme_task.pk,
            "member": alice.pk,
            "date": "2026-03-02",
            "duration": "2h",
            "billable": "on",
        },
        headers=htmx("dialog-slot"),
    )

    assert response.status_code == 200 and "entrySaved" in response["HX-Trigger"]
    entry = TimeEntry.objects.get()
    assert entry.member == alice and entry.created_by == firm.manager
    assert entry.billing_rate == Decimal("140.00") and entry.billable_minutes == 120
    assert "Logged 2h on Checkout bug (Mon 02 Mar) for Alice Ng" in response.content.decode()


def test_without_javascript_a_manager_logs_for_alice_and_is_redirected(firm, as_user):
    alice = _alice(firm)

    response = as_user(firm.manager).post(
        "/log-time/",
        {"task": firm.acme_task.pk, "member": alice.pk, "date": "2026-03-02", "duration": "1h"},
    )

    assert response.status_code == 302
    assert TimeEntry.objects.get().member == alice


def test_manager_post_without_member_logs_their_own_time(firm, as_user):
    as_user(firm.manager).post(
        "/log-time/", {"task": firm.acme_task.pk, "date": "2026-03-02", "duration": "1h"}
    )

    assert TimeEntry.objects.get().member == firm.manager_member


def test_manager_cannot_pick_an_excluded_member(firm, as_user):
    excluded = MemberFactory(user=make_user("gone", "staff"), exclusion=Exclusion.EXCLUDED)

    response = as_user(firm.manager).post(
        "/log-time/",
        {
            "task": firm.acme_task.pk,
            "member": excluded.pk,
            "date": "2026-03-02",
            "duration": "1h",
        },
    )

    assert response.status_code == 400
    assert "That member cannot log time" in response.content.decode()
    assert not TimeEntry.objects.exists()


def test_preview_shows_the_chosen_members_rate_and_balance(firm, as_user):
    alice = _alice(firm)
    alice.exclusion = Exclusion.OVERHEAD_ONLY  # tracked, never billed: the bank is untouched
    alice.save()
    PurchaseFactory(client=firm.acme, hours=10)
    http = as_user(firm.manager)
    url = f"/log-time/preview/?task={firm.acme_task.pk}&date=2026-03-02&duration=2h&billable=on&billable_shown=1"

    for_alice = http.get(f"{url}&member={alice.pk}", headers=htmx("entry-preview"))
    for_staff = http.get(f"{url}&member={firm.staff_member.pk}", headers=htmx("entry-preview"))

    # Saving for an overhead-only member bills nothing: the preview says so, not a rate.
    assert "Not billable" in for_alice.content.decode()
    assert "Overhead-only member" in for_alice.content.decode()
    assert "Billing at" not in for_alice.content.decode()
    assert "10.00 h after this entry" in for_alice.content.decode()
    assert "Billing at USD 100.00/h" in for_staff.content.decode()
    assert "8.00 h after this entry" in for_staff.content.decode()


def test_rerendered_dialog_previews_for_the_chosen_member(firm, as_user):
    alice = _alice(firm)

    response = as_user(firm.manager).post(
        "/log-time/",
        {"task": firm.acme_task.pk, "member": alice.pk, "date": "2026-03-02", "duration": "x"},
        headers=htmx("dialog-slot"),
    )

    html = response.content.decode()
    assert "Billing at USD 140.00/h" in html
    assert f'<option value="{alice.pk}" selected>' in html


def test_manager_moves_an_entry_to_alice_and_the_rate_is_resolved_again(firm, as_user):
    alice = _alice(firm)
    entry = TimeEntryFactory(
        task=firm.acme_task,
        member=firm.staff_member,
        duration_minutes=60,
        on_date=datetime.date(2026, 3, 2),
        by=firm.staff_member.user,
    )
    http = as_user(firm.manager)

    form = http.get(f"/entries/{entry.pk}/edit/", headers=htmx("dialog-slot")).content.decode()
    assert f'<option value="{firm.staff_member.pk}" selected>' in form

    response = http.post(
        f"/entries/{entry.pk}/edit/",
        {"member": alice.pk, "date": "2026-03-02", "duration": "1h", "billable": "on"},
        headers=htmx("dialog-slot"),
    )

    entry.refresh_from_db()
    assert response.status_code == 200 and "entrySaved" in response["HX-Trigger"]
    assert entry.member == alice and entry.billing_rate == Decimal("140.00")


def test_staff_form_has_no_member_field(firm, as_user):
    _alice(firm)
    entry = TimeEntryFactory(
        task=firm.acme_task,
        member=firm.staff_member,
        duration_minutes=60,
        by=firm.staff_member.user,
    )
    http = as_user(firm.staff)

    for url in (f"/log-time/?task={firm.acme_task.pk}", f"/entries/{entry.pk}/edit/"):
        html = http.get(url, headers=htmx("dialog-slot")).content.decode()
        assert 'name="member"' not in html and "Member</label>" not in html, url


def test_staff_post_for_someone_else_is_refused_and_nothing_is_saved(firm, as_user):
    alice = _alice(firm)
    http = as_user(firm.staff)
    values = {"task": firm.acme_task.pk, "date": "2026-03-02", "duration": "1h"}

    for headers in ({}, htmx("dialog-slot")):
        response = http.post("/log-time/", {**values, "member": alice.pk}, headers=headers)
        assert response.status_code == 403
        assert "Only managers and up may log time for someone else" in response.content.decode()
    assert not TimeEntry.objects.exists()

    # Naming themselves is no request for someone else.
    http.post("/log-time/", {**values, "member": firm.staff_member.pk})
    assert TimeEntry.objects.get().member == firm.staff_member


def test_staff_cannot_move_their_entry_to_someone_else(firm, as_user):
    alice = _alice(firm)
    entry = TimeEntryFactory(
        task=firm.acme_task,
        member=firm.staff_member,
        duration_minutes=60,
        on_date=datetime.date(2026, 3, 2),
        by=firm.staff_member.user,
    )
    http = as_user(firm.staff)

    response = http.post(
        f"/entries/{entry.pk}/edit/",
        {"member": alice.pk, "date": "2026-03-02", "duration": "3h"},
    )
    preview = http.get(f"/log-time/preview/?task={firm.acme_task.pk}&member={alice.pk}")

    entry.refresh_from_db()
    assert response.status_code == 403 and preview.status_code == 403
    assert entry.member == firm.staff_member and entry.duration_minutes == 60


def test_member_select_keeps_query_counts(firm, as_user):
    entry = TimeEntryFactory(
        task=firm.acme_task,
        member=firm.staff_member,
        duration_minutes=60,
        by=firm.staff_member.user,
    )
    staff, manager = as_user(firm.staff), as_user(firm.manager)
    dialog = f"/log-time/?task={firm.acme_task.pk}"

    def counts():
        return (
            query_count(lambda: staff.get(dialog, headers=htmx("dialog-slot"))),
            query_count(lambda: manager.get(dialog, headers=htmx("dialog-slot"))),
            query_count(lambda: manager.get(f"/entries/{entry.pk}/edit/")),
        )

    staff.get("/my-work/"), manager.get("/my-work/")  # warm sessions and caches
    before = counts()
    for name in ("m1", "m2", "m3", "m4"):
        RateFactory(member=MemberFactory(user=make_user(name, "staff")))
    after = counts()

    assert before == after
    # The staff dialog does not even read the member list; the manager's reads it once.
    assert before[1] == before[0] + 1


@pytest.mark.parametrize(
    ("classification", "reason"),
    [("internal", "Internal project"), ("overhead", "Overhead project")],
)
def test_internal_and_overhead_tasks_preview_not_billable(firm, as_user, classification, reason):
    project = firm.acme_task.project
    project.classification = classification
    project.save()
    PurchaseFactory(client=firm.acme, hours=10)

    html = (
        as_user(firm.staff)
        .get(
            f"/log-time/preview/?task={firm.acme_task.pk}&duration=2h&billable=on&billable_shown=1",
            headers=htmx("entry-preview"),
        )
        .content.decode()
    )

    assert "Not billable" in html and reason in html
    assert "Billing at" not in html
    assert "10.00 h after this entry" in html


def test_unticked_billable_previews_the_balance_unchanged(firm, as_user):
    PurchaseFactory(client=firm.acme, hours=10)

    html = (
        as_user(firm.staff)
        .get(
            f"/log-time/preview/?task={firm.acme_task.pk}&duration=1h&billable_shown=1",
            headers=htmx("entry-preview"),
        )
        .content.decode()
    )

    assert "Not billable" in html and "Billable is off" in html
    assert "10.00 h after this entry" in html


def _delete_by_htmx(http, entry):
    return http.post(
        f"/entries/{entry.pk}/delete/", {"next": "/my-work/"}, headers=htmx("dialog-slot")
    )


def test_delete_confirmation_focuses_cancel(firm, as_user):
    entry = TimeEntryFactory(
        task=firm.acme_task, member=firm.staff_member, by=firm.staff_member.user
    )

    html = as_user(firm.staff).get(f"/entries/{entry.pk}/delete/", headers=htmx("dialog-slot"))

    assert "data-close-dialog data-autofocus>Cancel</a>" in html.content.decode()


def test_undo_restores_the_entry_its_history_and_the_balance(firm, as_user):
    from timetracking.balances import balance_of
    from timetracking.models import EntryChange

    PurchaseFactory(client=firm.acme, hours=10)
    entry = TimeEntryFactory(
        task=firm.acme_task,
        member=firm.staff_member,
        duration_minutes=90,
        description="Keep me",
        by=firm.staff_member.user,
    )
    http = as_user(firm.staff)
    history_before = list(
        EntryChange.objects.filter(entry_ref=entry.pk).values_list("kind", "minutes_delta")
    )
    snapshot = TimeEntry.objects.values("billing_rate", "billable_minutes", "date", "task_id").get()

    deleted = _delete_by_htmx(http, entry)
    assert "Undo</button>" in deleted.content.decode()
    assert f'action="/entries/{entry.pk}/undo-delete/"' in deleted.content.decode()
    assert not TimeEntry.objects.exists()
    assert balance_of(firm.acme).remaining_minutes == 600

    undone = http.post(f"/entries/{entry.pk}/undo-delete/", headers=htmx())

    assert undone.status_code == 200 and "Restored 1h 30m" in undone.content.decode()
    restored = TimeEntry.objects.get()
    assert restored.pk == entry.pk and restored.description == "Keep me"
    assert (
        TimeEntry.objects.values("billing_rate", "billable_minutes", "date", "task_id").get()
        == snapshot
    )
    assert balance_of(firm.acme).remaining_minutes == 510
    changes = EntryChange.objects.filter(entry_ref=entry.pk)
    assert list(changes.values_list("kind", "minutes_delta")) == history_before
    assert all(change.entry_id == entry.pk for change in changes)
    # A second undo has nothing to do.
    again = http.post(f"/entries/{entry.pk}/undo-delete/", headers=htmx())
    assert "nothing to undo" in again.content.decode()
    assert TimeEntry.objects.count() == 1


def test_undo_is_refused_after_its_window_and_for_someone_else(firm, as_user):
    from timetracking.models import EntryChange

    entry = TimeEntryFactory(
        task=firm.acme_task, member=firm.staff_member, by=firm.staff_member.user
    )
    _delete_by_htmx(as_user(firm.staff), entry)

    by_manager = as_user(firm.manager).post(f"/entries/{entry.pk}/undo-delete/", headers=htmx())
    assert "Only whoever deleted" in by_manager.content.decode()

    EntryChange.objects.filter(entry_ref=entry.pk, kind="deleted").update(
        at=datetime.datetime.now(datetime.UTC) - datetime.timedelta(seconds=60)
    )
    late = as_user(firm.staff).post(f"/entries/{entry.pk}/undo-delete/", headers=htmx())
    assert "only possible for 10 seconds" in late.content.decode()
    assert not TimeEntry.objects.exists()


@pytest.mark.parametrize("viewer", ["acme_user", "outsider"])
def test_undo_is_404_for_client_users_and_outsiders(firm, as_user, viewer):
    assert as_user(getattr(firm, viewer)).post("/entries/1/undo-delete/").status_code == 404
