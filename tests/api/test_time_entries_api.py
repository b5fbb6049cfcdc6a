"""/api/v1/time-entries: list with filters, create, read, patch, delete; roles and locks."""

import datetime
from decimal import Decimal

import pytest

from tests.api.conftest import ApiClient
from tests.factories import MemberFactory, RateFactory, TimeEntryFactory, make_user
from timetracking.models import EntryChange, RateCard, TimeEntry
from timetracking.services import EntryChanges, update_entry

# The day entries are logged on unless a test says otherwise.
ENTRY_DAY = datetime.date(2026, 3, 2)


ENTRY_KEYS = {
    "id", "task_id", "project_id", "client_id", "member", "date", "start_time", "duration_minutes",
    "billable", "billable_minutes", "description", "billing_rate", "billing_currency", "cost_rate",
    "cost_currency", "billable_value", "cost_value", "source", "external_id", "invoice_id", "status",
    "locked",
}  # fmt: skip


def body_for(firm, **fields):
    return {"task_id": firm.acme_task.pk, "date": "2026-03-02", "duration": "1h 30m", **fields}


# --- Create ----------------------------------------------------------------------------------


def test_staff_log_their_own_time(firm):
    response = ApiClient(firm.staff).post(
        "/time-entries", body_for(firm, description="Fixed checkout", start_time="09:30")
    )
    assert response.status_code == 201, response.content
    entry = response.json()
    assert set(entry) == ENTRY_KEYS
    assert entry | {"id": 0} == {
        "id": 0,
        "task_id": firm.acme_task.pk,
        "project_id": firm.acme_project.pk,
        "client_id": firm.acme.pk,
        "member": "staff",
        "date": "2026-03-02",
        "start_time": "09:30",
        "duration_minutes": 90,
        "billable": True,
        "billable_minutes": 90,
        "description": "Fixed checkout",
        "billing_rate": "100.00",
        "billing_currency": "USD",
        "cost_rate": None,  # staff do not see cost figures
        "cost_currency": None,
        "billable_value": "150.00",
        "cost_value": None,
        "source": "manual",
        "external_id": None,
        "invoice_id": None,
        "status": "unbilled",
        "locked": False,
    }
    stored = TimeEntry.objects.get(pk=entry["id"])
    assert (stored.member, stored.duration_minutes, stored.created_by) == (
        firm.staff_member,
        90,
        firm.staff,
    )


@pytest.mark.parametrize(
    "duration, minutes",
    [("2h", 120), ("30m", 30), ("1:30", 90), ("2,5h", 150), ("90", 90), (45, 45)],
)
def test_duration_is_text_or_whole_minutes(firm, duration, minutes):
    response = ApiClient(firm.staff).post("/time-entries", body_for(firm, duration=duration))
    assert response.status_code == 201, response.content
    assert response.json()["duration_minutes"] == minutes


@pytest.mark.parametrize("duration", ["abc", "0", 0, -30, "25h", 1.5, True, None, ""])
def test_bad_duration_is_400_naming_what_is_accepted(firm, duration):
    response = ApiClient(firm.staff).post("/time-entries", body_for(firm, duration=duration))
    assert response.status_code == 400, response.content
    body = response.json()
    assert list(body["errors"]) == ["duration"]
    message = body["errors"]["duration"][0]
    assert "use 2h, 30m, 1:30 or minutes" in message or "24 hours" in message
    assert body["detail"]
    assert not TimeEntry.objects.exists()


def test_missing_and_malformed_fields_are_400_per_field(firm):
    response = ApiClient(firm.staff).post(
        "/time-entries", {"date": "02/03/2026", "start_time": "9h"}
    )
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert set(errors) == {"task_id", "date", "duration", "start_time"}
    assert "required" in errors["task_id"][0]
    assert "YYYY-MM-DD" in errors["date"][0]
    assert "HH:MM" in errors["start_time"][0]


def test_body_that_is_not_json_is_400(firm):
    client = ApiClient(firm.staff)
    response = client.http.post(
        "/api/v1/time-entries",
        "duration=1h",
        content_type="application/json",
        headers=client._headers(),
    )
    assert response.status_code == 400
    assert "body" in response.json()["errors"]


def test_unknown_task_is_400_on_task_id(firm):
    response = ApiClient(firm.staff).post("/time-entries", body_for(firm, task_id=999999))
    assert response.status_code == 400
    assert "/api/v1/tasks" in response.json()["errors"]["task_id"][0]


def test_text_with_nul_characters_is_400(firm):
    response = ApiClient(firm.staff).post("/time-entries", body_for(firm, description="a\x00b"))
    assert response.status_code == 400
    assert "description" in response.json()["errors"]


def test_staff_may_not_log_for_someone_else(firm):
    response = ApiClient(firm.staff).post("/time-entries", body_for(firm, member="staff2"))
    assert response.status_code == 403
    assert not TimeEntry.objects.exists()


def test_naming_yourself_as_member_is_fine(firm):
    assert (
        ApiClient(firm.staff).post("/time-entries", body_for(firm, member="staff")).status_code
        == 201
    )


@pytest.mark.parametrize("role", ["manager", "finance", "admin"])
def test_managers_and_finance_log_for_someone_else(firm, role):
    response = ApiClient(getattr(firm, role)).post("/time-entries", body_for(firm, member="staff2"))
    assert response.status_code == 201, response.content
    entry = TimeEntry.objects.get(pk=response.json()["id"])
    assert entry.member == firm.other_member
    assert entry.created_by == getattr(firm, role)


def test_unknown_member_is_400(firm):
    response = ApiClient(firm.manager).post("/time-entries", body_for(firm, member="ghost"))
    assert response.status_code == 400
    assert "ghost" in response.json()["errors"]["member"][0]


def test_a_user_without_a_member_profile_is_told_why(firm):
    response = ApiClient(firm.finance).post("/time-entries", body_for(firm))
    assert response.status_code == 400
    assert "member profile" in response.json()["errors"]["member"][0]


def test_service_refusals_map_to_field_errors(firm):
    firm.staff_member.exclusion = "excluded"
    firm.staff_member.save()
    response = ApiClient(firm.staff).post("/time-entries", body_for(firm))
    assert response.status_code == 400
    assert "excluded" in response.json()["errors"]["member"][0]


def test_billable_defaults_to_the_project_classification(firm):
    response = ApiClient(firm.staff).post(
        "/time-entries", body_for(firm, task_id=firm.internal_task.pk)
    )
    assert response.status_code == 201
    entry = response.json()
    assert (entry["billable"], entry["billable_minutes"], entry["status"]) == (
        False,
        0,
        "non_billable",
    )
    assert entry["billable_value"] == "0.00"


# --- Read and cost visibility ----------------------------------------------------------------


def test_finance_sees_cost_figures_and_staff_do_not(firm):
    entry = TimeEntryFactory(
        task=firm.acme_task, member=firm.staff_member, duration_minutes=90, on_date=ENTRY_DAY
    )
    finance = ApiClient(firm.finance).get(f"/time-entries/{entry.pk}").json()
    assert (finance["cost_rate"], finance["cost_currency"], finance["cost_value"]) == (
        "60.00",
        "USD",
        "90.00",
    )
    for role in ("staff", "manager"):
        seen = ApiClient(getattr(firm, role)).get(f"/time-entries/{entry.pk}").json()
        assert (seen["cost_rate"], seen["cost_value"]) == (None, None)
        assert seen["billing_rate"] == "100.00"


def test_entry_without_rate_has_null_rate_and_value(firm):
    norate = MemberFactory(user=make_user("norate", "staff"))
    entry = TimeEntryFactory(task=firm.acme_task, member=norate, on_date=ENTRY_DAY)
    body = ApiClient(firm.staff).get(f"/time-entries/{entry.pk}").json()
    assert (body["billing_rate"], body["billing_currency"], body["billable_value"]) == (
        None,
        None,
        None,
    )


def test_synced_entry_shows_its_external_id(firm):
    entry = TimeEntryFactory(
        task=firm.acme_task,
        member=firm.staff_member,
        on_date=ENTRY_DAY,
        source="jira",
        jira_worklog_id="10042",
    )
    body = ApiClient(firm.staff).get(f"/time-entries/{entry.pk}").json()
    assert (body["source"], body["external_id"]) == ("jira", "10042")


def test_unknown_entry_is_404(firm):
    response = ApiClient(firm.staff).get("/time-entries/123456")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


def test_rate_snapshot_shown_by_the_api_does_not_change_with_the_rate(firm):
    client = ApiClient(firm.staff)
    created = client.post("/time-entries", body_for(firm)).json()
    assert created["billing_rate"] == "100.00"
    RateCard.objects.filter(member=firm.staff_member).update(rate=Decimal("250.00"))
    RateFactory(
        member=firm.staff_member, rate=Decimal("300.00"), valid_from=datetime.date(2026, 3, 1)
    )
    again = client.get(f"/time-entries/{created['id']}").json()
    assert (again["billing_rate"], again["billable_value"]) == ("100.00", "150.00")
    # A change of the description alone keeps the snapshot (PRODUCT §1 "Rate snapshot").
    patched = client.patch(f"/time-entries/{created['id']}", {"description": "More words"}).json()
    assert patched["billing_rate"] == "100.00"
    # Changing the date re-resolves it for the new day.
    moved = client.patch(f"/time-entries/{created['id']}", {"date": "2026-03-03"}).json()
    assert moved["billing_rate"] == "300.00"


# --- List and filters ------------------------------------------------------------------------


@pytest.fixture
def entries(firm, lock_on_invoice):
    made = {
        "mar1": TimeEntryFactory(
            task=firm.acme_task, member=firm.staff_member, on_date=datetime.date(2026, 3, 1)
        ),
        "mar2_a": TimeEntryFactory(
            task=firm.acme_task, member=firm.staff_member, on_date=datetime.date(2026, 3, 2)
        ),
        "mar2_b": TimeEntryFactory(
            task=firm.acme_task, member=firm.other_member, on_date=datetime.date(2026, 3, 2)
        ),
        "globex": TimeEntryFactory(
            task=firm.globex_task, member=firm.staff_member, on_date=datetime.date(2026, 3, 3)
        ),
        "internal": TimeEntryFactory(
            task=firm.internal_task, member=firm.staff_member, on_date=datetime.date(2026, 3, 4)
        ),
        "draft": lock_on_invoice(
            TimeEntryFactory(
                task=firm.acme_task, member=firm.staff_member, on_date=datetime.date(2026, 2, 27)
            ),
            locked=False,
        ),
        "invoiced": lock_on_invoice(
            TimeEntryFactory(
                task=firm.acme_task, member=firm.staff_member, on_date=datetime.date(2026, 2, 26)
            )
        ),
    }
    return made


def _ids(response):
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def test_list_is_newest_date_then_id_first(firm, entries):
    ids = _ids(ApiClient(firm.staff).get("/time-entries"))
    e = entries
    assert ids == [
        e["internal"].pk, e["globex"].pk, e["mar2_b"].pk, e["mar2_a"].pk, e["mar1"].pk, e["draft"].pk, e["invoiced"].pk
    ]  # fmt: skip


def test_list_filters(firm, entries):
    client = ApiClient(firm.staff)
    e = entries
    assert set(_ids(client.get("/time-entries", {"client": firm.globex.pk}))) == {e["globex"].pk}
    assert set(_ids(client.get("/time-entries", {"project": firm.internal_project.pk}))) == {
        e["internal"].pk
    }
    assert set(_ids(client.get("/time-entries", {"member": "staff2"}))) == {e["mar2_b"].pk}
    period = {"from": "2026-03-01", "to": "2026-03-02"}
    assert set(_ids(client.get("/time-entries", period))) == {
        e["mar1"].pk,
        e["mar2_a"].pk,
        e["mar2_b"].pk,
    }
    assert set(_ids(client.get("/time-entries", {"status": "non_billable"}))) == {e["internal"].pk}
    assert set(_ids(client.get("/time-entries", {"status": "billed"}))) == {e["draft"].pk}
    assert set(_ids(client.get("/time-entries", {"status": "invoiced"}))) == {e["invoiced"].pk}
    unbilled = set(_ids(client.get("/time-entries", {"status": "unbilled"})))
    assert unbilled == {e["mar1"].pk, e["mar2_a"].pk, e["mar2_b"].pk, e["globex"].pk}
    combined = {"client": firm.acme.pk, "member": "staff", "status": "unbilled", "to": "2026-03-01"}
    assert _ids(client.get("/time-entries", combined)) == [e["mar1"].pk]


def test_list_status_in_rows_matches_the_filter(firm, entries):
    client = ApiClient(firm.staff)
    for status in ("unbilled", "billed", "invoiced", "non_billable"):
        rows = client.get("/time-entries", {"status": status}).json()["results"]
        assert rows and {row["status"] for row in rows} == {status}


def test_unknown_status_is_400_listing_the_accepted_values(firm):
    response = ApiClient(firm.staff).get("/time-entries", {"status": "paid"})
    assert response.status_code == 400
    message = response.json()["errors"]["status"][0]
    for value in ("unbilled", "billed", "invoiced", "non_billable"):
        assert value in message


def test_unknown_member_filter_is_400(firm):
    response = ApiClient(firm.staff).get("/time-entries", {"member": "ghost"})
    assert response.status_code == 400
    assert "member" in response.json()["errors"]


def test_bad_dates_in_filters_are_400(firm):
    response = ApiClient(firm.staff).get("/time-entries", {"from": "yesterday", "to": "2026-13-01"})
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"from", "to"}


# --- Patch -----------------------------------------------------------------------------------


def test_staff_patch_their_own_entry(firm):
    entry = TimeEntryFactory(
        task=firm.acme_task,
        member=firm.staff_member,
        duration_minutes=60,
        on_date=ENTRY_DAY,
        start_time=datetime.time(9, 0),
    )
    response = ApiClient(firm.staff).patch(
        f"/time-entries/{entry.pk}",
        {"duration": "2h", "description": "Longer", "billable": False, "start_time": None},
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (
        body["duration_minutes"],
        body["description"],
        body["billable"],
        body["start_time"],
    ) == (120, "Longer", False, None)
    assert body["billable_minutes"] == 0
    change = EntryChange.objects.filter(entry_ref=entry.pk, kind="updated").get()
    assert (change.minutes_delta, change.changed_by) == (-60, firm.staff)


def test_staff_may_not_patch_or_delete_someone_elses_entry(firm):
    entry = TimeEntryFactory(
        task=firm.acme_task, member=firm.other_member, duration_minutes=60, on_date=ENTRY_DAY
    )
    client = ApiClient(firm.staff)
    assert client.patch(f"/time-entries/{entry.pk}", {"duration": 30}).status_code == 403
    assert client.delete(f"/time-entries/{entry.pk}").status_code == 403
    entry.refresh_from_db()
    assert entry.duration_minutes == 60


def test_staff_may_not_move_an_entry_to_another_task_or_member(firm):
    entry = TimeEntryFactory(task=firm.acme_task, member=firm.staff_member, on_date=ENTRY_DAY)
    client = ApiClient(firm.staff)
    assert (
        client.patch(f"/time-entries/{entry.pk}", {"task_id": firm.globex_task.pk}).status_code
        == 403
    )
    assert client.patch(f"/time-entries/{entry.pk}", {"member": "staff2"}).status_code == 403
    # Naming the current values is no change and allowed.
    assert (
        client.patch(
            f"/time-entries/{entry.pk}", {"task_id": firm.acme_task.pk, "member": "staff"}
        ).status_code
        == 200
    )


def test_manager_moves_an_entry_to_another_task_and_member(firm):
    entry = TimeEntryFactory(
        task=firm.acme_task, member=firm.staff_member, duration_minutes=60, on_date=ENTRY_DAY
    )
    response = ApiClient(firm.manager).patch(
        f"/time-entries/{entry.pk}", {"task_id": firm.globex_task.pk, "member": "staff2"}
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["task_id"], body["client_id"], body["member"]) == (
        firm.globex_task.pk,
        firm.globex.pk,
        "staff2",
    )
    deltas = dict(
        EntryChange.objects.filter(entry_ref=entry.pk, kind="updated").values_list(
            "client_id", "minutes_delta"
        )
    )
    assert deltas == {firm.acme.pk: -60, firm.globex.pk: 60}


def test_patch_refuses_null_for_required_fields(firm):
    entry = TimeEntryFactory(task=firm.acme_task, member=firm.staff_member, on_date=ENTRY_DAY)
    response = ApiClient(firm.staff).patch(f"/time-entries/{entry.pk}", {"duration": None})
    assert response.status_code == 400
    assert "duration" in response.json()["errors"]


def test_patch_bad_duration_is_400(firm):
    entry = TimeEntryFactory(task=firm.acme_task, member=firm.staff_member, on_date=ENTRY_DAY)
    response = ApiClient(firm.staff).patch(f"/time-entries/{entry.pk}", {"duration": "lots"})
    assert response.status_code == 400
    assert "use 2h, 30m, 1:30 or minutes" in response.json()["errors"]["duration"][0]


def test_patch_and_delete_of_a_locked_entry_are_409_and_change_nothing(firm, lock_on_invoice):
    entry = lock_on_invoice(
        TimeEntryFactory(
            task=firm.acme_task, member=firm.staff_member, duration_minutes=60, on_date=ENTRY_DAY
        )
    )
    before = EntryChange.objects.count()
    for client in (ApiClient(firm.staff), ApiClient(firm.admin)):
        response = client.patch(
            f"/time-entries/{entry.pk}", {"duration": "3h", "description": "Changed"}
        )
        assert response.status_code == 409
        assert "locked" in response.json()["detail"]
        response = client.delete(f"/time-entries/{entry.pk}")
        assert response.status_code == 409
    entry.refresh_from_db()
    assert (entry.duration_minutes, entry.description, entry.locked) == (60, "", True)
    assert EntryChange.objects.count() == before


def test_entry_on_a_draft_invoice_stays_editable(firm, lock_on_invoice):
    entry = lock_on_invoice(
        TimeEntryFactory(
            task=firm.acme_task, member=firm.staff_member, duration_minutes=60, on_date=ENTRY_DAY
        ),
        locked=False,
    )
    response = ApiClient(firm.staff).patch(f"/time-entries/{entry.pk}", {"duration": 90})
    assert response.status_code == 200
    assert response.json()["status"] == "billed"


def test_synced_entry_fields_are_409_but_billable_can_be_overridden(firm):
    entry = TimeEntryFactory(
        task=firm.acme_task,
        member=firm.staff_member,
        on_date=ENTRY_DAY,
        source="jira",
        jira_worklog_id="777",
    )
    client = ApiClient(firm.staff)
    response = client.patch(f"/time-entries/{entry.pk}", {"duration": 30})
    assert response.status_code == 409
    assert "Jira" in response.json()["detail"]
    assert client.delete(f"/time-entries/{entry.pk}").status_code == 409
    response = client.patch(f"/time-entries/{entry.pk}", {"billable": False})
    assert response.status_code == 200
    assert response.json()["billable"] is False


def test_patch_of_an_unknown_entry_is_404(firm):
    assert ApiClient(firm.manager).patch("/time-entries/99999", {"duration": 30}).status_code == 404


# --- Delete ----------------------------------------------------------------------------------


def test_delete_is_204_with_no_body_and_keeps_history(firm):
    entry = TimeEntryFactory(
        task=firm.acme_task, member=firm.staff_member, duration_minutes=45, on_date=ENTRY_DAY
    )
    response = ApiClient(firm.staff).delete(f"/time-entries/{entry.pk}")
    assert response.status_code == 204
    assert response.content == b""
    assert not TimeEntry.objects.filter(pk=entry.pk).exists()
    assert EntryChange.objects.get(entry_ref=entry.pk, kind="deleted").minutes_delta == -45
    assert ApiClient(firm.staff).delete(f"/time-entries/{entry.pk}").status_code == 404


def test_manager_deletes_someone_elses_entry(firm):
    entry = TimeEntryFactory(task=firm.acme_task, member=firm.other_member, on_date=ENTRY_DAY)
    assert ApiClient(firm.manager).delete(f"/time-entries/{entry.pk}").status_code == 204


def test_service_history_uses_the_same_entries_the_api_shows(firm):
    entry = TimeEntryFactory(
        task=firm.acme_task, member=firm.staff_member, duration_minutes=60, on_date=ENTRY_DAY
    )
    update_entry(entry, EntryChanges(duration_minutes=120))
    body = ApiClient(firm.staff).get(f"/time-entries/{entry.pk}").json()
    assert body["duration_minutes"] == 120


def test_all_bad_fields_are_reported_at_once(firm):
    response = ApiClient(firm.finance).post(
        "/time-entries", body_for(firm, task_id=999999, duration="soon")
    )
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"task_id", "duration", "member"}


def test_staff_naming_someone_else_is_403_even_with_bad_input(firm):
    response = ApiClient(firm.staff).post(
        "/time-entries", body_for(firm, member="staff2", duration="x")
    )
    assert response.status_code == 403
