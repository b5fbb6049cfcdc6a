"""The number of SQL queries of a list request does not grow with its rows (1 vs 200)."""

import datetime

from django.db import connection
from django.test.utils import CaptureQueriesContext

from clients.services import add_purchase
from tests.api.conftest import ApiClient
from tests.factories import (
    ClientFactory,
    MemberFactory,
    ProjectFactory,
    RateFactory,
    TaskFactory,
    TimeEntryFactory,
)


def _queries(client, path, params=None) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path, {"page_size": 500, **(params or {})})
    assert response.status_code == 200, response.content
    return len(captured.captured_queries)


def _add_rows(firm, how_many: int, start: int) -> None:
    members = [MemberFactory() for _ in range(5)]
    for member in members:
        RateFactory(member=member)
    for n in range(start, start + how_many):
        ClientFactory(code=f"QC{n:04d}")
        ProjectFactory(client=firm.globex, code=f"QP{n:04d}")
        task = TaskFactory(
            project=firm.acme_project, name=f"Request {n}", jira_issue_key=f"ACME-{1000 + n}"
        )
        entry_day = datetime.date(2026, 3, 1) + datetime.timedelta(days=n % 20)
        TimeEntryFactory(
            task=task, member=members[n % 5], on_date=entry_day, duration_minutes=30 + n
        )
        add_purchase(client=firm.acme, hours="1", on_date=entry_day, note=f"Top-up {n}")


def test_list_queries_do_not_grow_with_rows(firm):
    client = ApiClient(firm.finance)
    client.get("/clients")  # records the token's first use outside the measurements
    acme = firm.acme.pk
    endpoints = [
        ("/clients", None),
        ("/projects", None),
        ("/tasks", None),
        ("/time-entries", None),
        ("/time-entries", {"status": "unbilled", "client": acme}),
        (f"/clients/{acme}/hours", None),
        (f"/clients/{acme}/unbilled-time", None),
    ]
    _add_rows(firm, 1, start=0)
    with_one = {f"{path} {params}": _queries(client, path, params) for path, params in endpoints}

    _add_rows(firm, 199, start=1)
    with_many = {f"{path} {params}": _queries(client, path, params) for path, params in endpoints}

    assert with_many == with_one
    # Issue 13: a key page or list runs at most 15 SQL statements.
    assert max(with_many.values()) <= 15, with_many
    # And the 200 rows were really listed.
    assert client.get("/time-entries", {"page_size": 500}).json()["count"] == 200
    assert len(client.get(f"/clients/{acme}/hours").json()["requests"]) == 200
    entries = client.get(f"/clients/{acme}/unbilled-time").json()["projects"][0]["entries"]
    assert len(entries) == 200
