"""Hostile input, table-driven (issue 11): every bad body or parameter is a clear 4xx — JSON with
`detail` (and `errors` naming the field) from the API, a page or message from the pages — and
nothing is written."""

import datetime
import json

import pytest
from django.utils import timezone

from tests.api.conftest import BASE, ApiClient
from tests.factories import TimeEntryFactory
from timetracking.models import EntryChange, TimeEntry

TODAY = timezone.localdate()
FAR_FUTURE = (TODAY + datetime.timedelta(days=400)).isoformat()


def valid_body(firm, **fields):
    return {"task_id": firm.acme_task.pk, "date": TODAY.isoformat(), "duration": 60, **fields}


# (case id, body changes, field the error names)
CREATE_CASES = [
    ("task_id true", {"task_id": True}, "task_id"),
    ("task_id string", {"task_id": "1"}, "task_id"),
    ("task_id float", {"task_id": 1.0}, "task_id"),
    ("task_id huge", {"task_id": 2**70}, "task_id"),
    ("task_id null", {"task_id": None}, "task_id"),
    ("billable yes", {"billable": "yes"}, "billable"),
    ("billable 1", {"billable": 1}, "billable"),
    ("billable string true", {"billable": "true"}, "billable"),
    ("date year 1", {"date": "0001-01-01"}, "date"),
    ("date year 9999", {"date": "9999-12-31"}, "date"),
    ("date 1999", {"date": "1999-12-31"}, "date"),
    ("date past a year from today", {"date": FAR_FUTURE}, "date"),
    ("date number", {"date": 0}, "date"),
    ("date garbage", {"date": "yesterday"}, "date"),
    ("description too long", {"description": "x" * 10_001}, "description"),
    ("description null", {"description": None}, "description"),
    ("description NUL", {"description": "a\x00b"}, "description"),
    ("description object", {"description": {"a": 1}}, "description"),
    ("unknown field", {"hours": 2}, "hours"),
    ("duration true", {"duration": True}, "duration"),
    ("duration list", {"duration": [60]}, "duration"),
]


@pytest.mark.parametrize(
    "changes, field", [case[1:] for case in CREATE_CASES], ids=[c[0] for c in CREATE_CASES]
)
def test_hostile_create_bodies_are_400_naming_the_field(firm, changes, field):
    response = ApiClient(firm.staff).post("/time-entries", valid_body(firm, **changes))
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["detail"]
    assert field in body["errors"], body
    assert " e.g. " in " ".join(body["errors"][field]) or "use " in body["errors"][field][0]
    assert not TimeEntry.objects.exists()


def test_a_description_of_10000_characters_is_accepted(firm):
    response = ApiClient(firm.staff).post(
        "/time-entries", valid_body(firm, description="x" * 10_000)
    )
    assert response.status_code == 201, response.content
    assert len(TimeEntry.objects.get().description) == 10_000


@pytest.mark.parametrize("day", ["2000-01-01", TODAY.isoformat()])
def test_dates_at_the_edges_of_the_window_are_accepted(firm, day):
    response = ApiClient(firm.staff).post("/time-entries", valid_body(firm, date=day))
    assert response.status_code == 201, response.content


NON_OBJECT_BODIES = ["[1]", "[]", "1", '"text"', "null", "true", "{", ""]


@pytest.mark.parametrize("raw", NON_OBJECT_BODIES)
@pytest.mark.parametrize("method", ["post", "patch"])
def test_a_body_that_is_not_a_json_object_is_400(firm, method, raw):
    entry = TimeEntryFactory(task=firm.acme_task, member=firm.staff_member, duration_minutes=30)
    client = ApiClient(firm.staff)
    path = f"{BASE}/time-entries" if method == "post" else f"{BASE}/time-entries/{entry.pk}"
    response = getattr(client.http, method)(
        path, raw, content_type="application/json", headers=client._headers()
    )
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["detail"] and "body" in body["errors"]
    assert TimeEntry.objects.count() == 1
    assert EntryChange.objects.count() == 1  # only the creation


PATCH_CASES = [
    ("description null", {"description": None}, "description"),
    ("date null", {"date": None}, "date"),
    ("duration null", {"duration": None}, "duration"),
    ("billable null", {"billable": None}, "billable"),
    ("billable yes", {"billable": "yes"}, "billable"),
    ("task_id true", {"task_id": True}, "task_id"),
    ("date year 9999", {"date": "9999-12-31"}, "date"),
    ("date year 1", {"date": "0001-01-01"}, "date"),
    ("description too long", {"description": "y" * 10_001}, "description"),
    ("unknown field", {"locked": False}, "locked"),
]


@pytest.mark.parametrize(
    "body, field", [case[1:] for case in PATCH_CASES], ids=[c[0] for c in PATCH_CASES]
)
def test_hostile_patch_bodies_are_400_and_change_nothing(firm, body, field):
    entry = TimeEntryFactory(
        task=firm.acme_task, member=firm.staff_member, duration_minutes=30, description="kept"
    )
    response = ApiClient(firm.manager).patch(f"/time-entries/{entry.pk}", body)
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"] and response.json()["detail"]
    entry.refresh_from_db()
    assert (entry.description, entry.duration_minutes, entry.billable) == ("kept", 30, True)
    assert EntryChange.objects.filter(entry_ref=entry.pk).count() == 1


@pytest.mark.parametrize("entry_id", ["0", "-1", str(2**63), str(2**80), "abc", "1e3"])
@pytest.mark.parametrize("method", ["get", "patch", "delete"])
def test_hostile_entry_ids_in_the_path_are_json_4xx(firm, method, entry_id):
    client = ApiClient(firm.staff)
    call = getattr(client, method)
    response = (
        call(f"/time-entries/{entry_id}", {})
        if method == "patch"
        else call(f"/time-entries/{entry_id}")
    )
    assert response.status_code in (400, 404), response.content
    assert response.json()["detail"]


@pytest.mark.parametrize(
    "params, field",
    [
        ({"from": "0001-01-01x"}, "from"),
        ({"to": "9999-99-99"}, "to"),
        ({"client": "true"}, "client"),
        ({"project": str(2**70)}, "project"),
        ({"page": "0"}, "page"),
        ({"page_size": "100000"}, "page_size"),
        ({"status": "paid"}, "status"),
    ],
)
def test_hostile_list_parameters_are_400_naming_the_parameter(firm, params, field):
    response = ApiClient(firm.staff).get("/time-entries", params)
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"] and response.json()["detail"]


def test_a_patch_of_an_entry_deleted_meanwhile_is_404(firm):
    entry = TimeEntryFactory(task=firm.acme_task, member=firm.staff_member, duration_minutes=30)
    client = ApiClient(firm.staff)
    assert client.delete(f"/time-entries/{entry.pk}").status_code == 204
    for response in (
        client.patch(f"/time-entries/{entry.pk}", {"duration": 45}),
        client.delete(f"/time-entries/{entry.pk}"),
    ):
        assert response.status_code == 404
        assert json.loads(response.content)["detail"]


# --- Pages with a day or week parameter: a 4xx or the current period, never a 5xx -------------

PAGE_PARAMETERS = [
    ("/my-work/", "day", value)
    for value in [
        "9999-12-30",
        "9999-12-31",
        "0001-01-01",
        "0001-01-02",
        "garbage",
        "2026-02-30",
        "%00",
        "x" * 5000,
    ]
] + [
    ("/timesheet/", "week", value)
    for value in [
        "9999-W52",
        "9999-W53",
        "0001-W01",
        "0000-W01",
        "2026-W54",
        "2026-W00",
        "garbage",
        "9" * 40,
    ]
]


@pytest.mark.parametrize("path, name, value", PAGE_PARAMETERS)
def test_pages_answer_any_day_or_week_without_a_5xx(firm, as_user, path, name, value):
    response = as_user(firm.staff).get(path, {name: value})
    assert response.status_code < 500
    if response.status_code == 200:
        # The current period is shown, with a message naming the bad value.
        assert "use" in response.content.decode()


@pytest.mark.parametrize(
    "day", ["9999-12-31", "0001-01-01", "1999-12-31", FAR_FUTURE, "2026-13-01", "garbage"]
)
def test_a_timesheet_cell_outside_the_window_is_refused_without_a_write(firm, as_user, day):
    response = as_user(firm.staff).post(
        "/timesheet/cell/",
        {"task": firm.acme_task.pk, "date": day, f"cell-{firm.acme_task.pk}-{day}": "1h"},
        headers={"HX-Request": "true"},  # the cell saves by htmx; without it, it redirects back
    )
    assert 400 <= response.status_code < 500 or (
        response.status_code == 200 and "2000-01-01" in response.content.decode()
    )
    assert not TimeEntry.objects.exists()


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01", "1999-12-31", FAR_FUTURE])
def test_the_log_time_form_refuses_dates_outside_the_window(firm, as_user, day):
    response = as_user(firm.staff).post(
        "/log-time/", {"task": firm.acme_task.pk, "date": day, "duration": "1h"}
    )
    assert response.status_code < 500
    assert not TimeEntry.objects.exists()
