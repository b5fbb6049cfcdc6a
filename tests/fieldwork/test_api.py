"""The work-activities API (INTERFACES §3): shape, 400 messages, 403 for client users, 404
across clients, 409 for billed activities, and the allocation endpoints."""

import pytest

from fieldwork.models import WorkActivity
from tests.api.conftest import ApiClient
from tests.factories import invoice_and_lock
from timetracking.models import TimeEntry

BODY = {
    "task_id": None,
    "lead": "staff",
    "date": "2026-03-02",
    "start_time": "08:00",
    "end_time": "16:00",
    "crew_size": 3,
    "break_minutes": 30,
    "non_billable_minutes": 15,
    "travel_minutes": 90,
    "adjustments": [
        {"person": "Andrea", "adjustment": "2:25", "note": "stayed late"},
        {"person": "Virginia", "adjustment": "-0:30", "note": ""},
    ],
}
KEYS = {
    "id",
    "task_id",
    "client_id",
    "lead",
    "date",
    "start_time",
    "end_time",
    "crew_size",
    "break_minutes",
    "non_billable_minutes",
    "travel_minutes",
    "allocated_break_minutes",
    "allocated_travel_minutes",
    "adjustments",
    "total_minutes",
    "adjusted_total_minutes",
    "billable_minutes",
    "billable_hours",
    "time_entry_id",
    "locked",
}


@pytest.fixture
def api(firm):
    return ApiClient(firm.staff)


def body(firm, **changes):
    return {**BODY, "task_id": firm.acme_task.pk, **changes}


def test_create_returns_the_figures_and_one_field_entry(firm, api):
    response = api.post("/work-activities", body(firm))
    assert response.status_code == 201, response.content
    data = response.json()
    assert set(data) == KEYS
    assert data["total_minutes"] == 1440
    assert data["adjusted_total_minutes"] == 1440 + 145 - 30
    assert data["billable_minutes"] == 1555 - 30 - 15
    assert data["billable_hours"] == 25.17
    assert data["adjustments"][1] == {"person": "Virginia", "adjustment": "-0:30", "note": ""}
    assert (data["lead"], data["start_time"], data["locked"]) == ("staff", "08:00", False)
    entry = TimeEntry.objects.get(pk=data["time_entry_id"])
    assert (entry.source, entry.billable_minutes) == ("field", 1510)
    got = api.get(f"/work-activities/{data['id']}").json()
    assert got == data


def test_patch_recomputes_and_delete_removes_the_entry(firm, api):
    created = api.post("/work-activities", body(firm)).json()
    response = api.patch(
        f"/work-activities/{created['id']}",
        {"allocated_travel_minutes": 40, "allocated_break_minutes": 30, "adjustments": []},
    )
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["billable_minutes"] == 1440 - 30 + 30 - 15 + 40
    assert data["crew_size"] == 3 and data["adjustments"] == []
    assert TimeEntry.objects.get(pk=data["time_entry_id"]).billable_minutes == 1465
    assert api.delete(f"/work-activities/{created['id']}").status_code == 204
    assert not TimeEntry.objects.exists() and not WorkActivity.objects.exists()


def test_list_filters_by_date_and_client_and_is_paginated(firm, api):
    api.post("/work-activities", body(firm))
    api.post("/work-activities", body(firm, date="2026-03-03"))
    api.post("/work-activities", body(firm, task_id=firm.globex_task.pk))
    listed = api.get("/work-activities", {"date": "2026-03-02"}).json()
    assert listed["count"] == 2 and listed["next"] is None
    assert {row["client_id"] for row in listed["results"]} == {firm.acme.pk, firm.globex.pk}
    only = api.get("/work-activities", {"date": "2026-03-02", "client": firm.globex.pk}).json()
    assert only["count"] == 1
    every = api.get("/work-activities", {"page_size": 2}).json()
    assert (
        every["count"] == 3
        and every["next"].endswith("page=2&page_size=2")
        or "page=2" in every["next"]
    )
    assert [row["date"] for row in every["results"]] == ["2026-03-03", "2026-03-02"]


@pytest.mark.parametrize(
    ("changes", "field", "example"),
    [
        ({"end_time": "07:00"}, "end_time", "e.g. start 08:00, end 16:30"),
        ({"end_time": "4pm"}, "end_time", "e.g. 08:00"),
        ({"crew_size": 0}, "crew_size", "e.g. 3"),
        ({"crew_size": True}, "crew_size", "e.g. 3"),
        ({"break_minutes": -5}, "break_minutes", "e.g. 30"),
        ({"travel_minutes": 1.5}, "travel_minutes", "e.g. 30"),
        ({"lead": "nobody"}, "lead", "e.g. 'alice'"),
        ({"task_id": 999999}, "task_id", "e.g. 12"),
        ({"date": "2026-02-30"}, "date", "e.g. 2026-03-02"),
        (
            {"adjustments": [{"person": "Andrea", "adjustment": "2.5h", "note": ""}]},
            "adjustments",
            "e.g. 2:25 or -0:30",
        ),
        ({"colour": "red"}, "colour", ""),
    ],
)
def test_bad_input_is_400_naming_the_field_with_an_example(firm, api, changes, field, example):
    response = api.post("/work-activities", body(firm, **changes))
    assert response.status_code == 400, response.content
    data = response.json()
    assert field in data["errors"], data
    assert example in data["errors"][field][0]
    assert data["detail"].startswith(f"Invalid {field}")
    assert not WorkActivity.objects.exists()


def test_billed_activity_is_409_and_unchanged(firm, api):
    created = api.post("/work-activities", body(firm)).json()
    invoice_and_lock(firm.acme, [TimeEntry.objects.get(pk=created["time_entry_id"])])
    response = api.patch(f"/work-activities/{created['id']}", {"crew_size": 1})
    assert response.status_code == 409
    assert "invoice" in response.json()["detail"]
    assert api.delete(f"/work-activities/{created['id']}").status_code == 409
    data = api.get(f"/work-activities/{created['id']}").json()
    assert (data["crew_size"], data["locked"]) == (3, True)


def test_the_field_entry_cannot_be_changed_as_a_time_entry(firm, api):
    created = api.post("/work-activities", body(firm)).json()
    response = api.patch(f"/time-entries/{created['time_entry_id']}", {"duration": 60})
    assert response.status_code == 409
    assert "Field work" in response.json()["detail"]


def test_client_users_get_403(firm, api):
    created = api.post("/work-activities", body(firm)).json()
    viewer = ApiClient(firm.acme_user)
    assert viewer.get("/work-activities").status_code == 403
    assert viewer.get(f"/work-activities/{created['id']}").status_code == 403
    assert viewer.post("/work-activities", body(firm)).status_code == 403
    assert (
        viewer.post("/work-activities/allocate-travel", {"date": "2026-03-02"}).status_code == 403
    )
    assert ApiClient(firm.outsider).get("/work-activities").status_code == 403


def test_unknown_activity_is_404(firm, api):
    assert api.get("/work-activities/999999").status_code == 404
    assert api.patch("/work-activities/999999", {"crew_size": 2}).status_code == 404
    assert api.delete("/work-activities/999999").status_code == 404


def test_allocation_endpoints_return_the_days_activities(firm, api):
    first = api.post(
        "/work-activities",
        body(
            firm, end_time="10:00", crew_size=1, adjustments=[], travel_minutes=60, break_minutes=0
        ),
    ).json()
    api.post(
        "/work-activities",
        body(
            firm,
            start_time="10:00",
            end_time="14:00",
            crew_size=1,
            adjustments=[],
            travel_minutes=30,
            break_minutes=30,
        ),
    )
    travel = api.post("/work-activities/allocate-travel", {"date": "2026-03-02"})
    assert travel.status_code == 200, travel.content
    rows = travel.json()
    assert [row["allocated_travel_minutes"] for row in rows] == [30, 60]
    assert rows[0]["id"] == first["id"]
    breaks = api.post("/work-activities/allocate-break", {"date": "2026-03-02"}).json()
    assert sum(row["allocated_break_minutes"] for row in breaks) == 30
    assert sum(row["billable_minutes"] for row in breaks) == 120 + 240 + 90 - 15 * 2
    bad = api.post("/work-activities/allocate-travel", {"date": "yesterday"})
    assert bad.status_code == 400 and "date" in bad.json()["errors"]


@pytest.mark.parametrize("rows", [1, 15])
def test_list_query_count_is_constant(
    firm, api, make_activity, django_assert_max_num_queries, rows
):
    for _ in range(rows):
        make_activity(adjustments=[("Andrea", 10)])
    with django_assert_max_num_queries(8):
        response = api.get("/work-activities", {"date": "2026-03-02"})
    assert response.json()["count"] == rows


def test_an_adjustment_without_a_person_is_400_with_an_example(firm, api):
    response = api.post(
        "/work-activities", body(firm, adjustments=[{"person": " ", "adjustment": "1:00"}])
    )
    assert response.status_code == 400
    assert "e.g. Andrea" in response.json()["errors"]["adjustments"][0]
