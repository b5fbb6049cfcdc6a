"""The insights page and its CSV exports: roles, the same numbers in both, constant queries."""

import csv
import io
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from timetracking.models import TimeEntry

from .conftest import MARCH, read_tables

PAGE = reverse("insights:page")
ALL_TABLES = (
    "hours",
    "utilization",
    "trends",
    "at_risk",
    "money_left",
    "expiring",
    "margin_clients",
    "margin_projects",
)


def csv_rows(response) -> list[list[str]]:
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.content.decode())))


def test_staff_get_403_and_client_users_404(books, as_user):
    assert as_user(books.staff).get(PAGE).status_code == 403
    assert as_user(books.staff).get(reverse("insights:csv", args=["hours"])).status_code == 403
    assert as_user(books.client_user).get(PAGE).status_code == 404
    assert (
        as_user(books.client_user).get(reverse("insights:csv", args=["hours"])).status_code == 404
    )


def test_anonymous_goes_to_login(books, client):
    response = client.get(PAGE)
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_managers_see_insights_without_cost_or_margin(books, as_user):
    response = as_user(books.manager).get(PAGE, MARCH)
    assert response.status_code == 200
    tables = read_tables(response.content.decode())
    assert "utilization" in tables and "money_left" in tables
    assert "margin_clients" not in tables and "margin_projects" not in tables
    assert b"Cost value" not in response.content
    for table in ("margin_clients", "margin_projects"):
        answer = as_user(books.manager).get(reverse("insights:csv", args=[table]), MARCH)
        assert answer.status_code == 403


def test_finance_sees_margin(books, as_user):
    response = as_user(books.finance).get(PAGE, MARCH)
    tables = read_tables(response.content.decode())
    web = next(row for row in tables["margin_projects"] if row[1].startswith("ACME-WEB"))
    assert web[5:] == ["USD", "216.66", "180.00", "36.66"]


def test_nav_link_for_managers_only(books, as_user):
    link = f'href="{PAGE}"'.encode()
    assert link in as_user(books.manager).get(reverse("my-work")).content
    assert link not in as_user(books.staff).get(reverse("my-work")).content


@pytest.mark.parametrize("table", ALL_TABLES)
def test_csv_equals_the_table(books, as_user, table):
    http = as_user(books.finance)
    page = read_tables(http.get(PAGE, {**MARCH, "bucket": "week"}).content.decode())
    exported = csv_rows(
        http.get(reverse("insights:csv", args=[table]), {**MARCH, "bucket": "week"})
    )
    shown = page[table]
    if exported[1:] == [] and len(shown) == 2:
        shown = shown[:1]  # the page's "Nothing in this period." row is not data
    assert exported == shown
    assert len(exported) > 1, f"the fixture should give {table} some rows"


def test_money_is_exported_with_two_decimals_in_each_currency(books, as_user):
    rows = csv_rows(as_user(books.manager).get(reverse("insights:csv", args=["money_left"]), MARCH))
    assert rows[0] == [
        "Client",
        "Billing mode",
        "Currency",
        "Unbilled hours",
        "Would bill now",
        "Note",
    ]
    by_client = {row[0].split(" ·")[0]: row for row in rows[1:]}
    assert by_client["ACME"][2:5] == ["USD", "2.67", "266.67"]
    assert by_client["EURO"][2:5] == ["EUR", "2.00", "500.00"]
    assert by_client["SUP"][2:5] == ["USD", "0.00", "2000.00"]


def test_utilization_sorts(books, as_user):
    http = as_user(books.manager)
    by_name = read_tables(http.get(PAGE, {**MARCH, "sort": "name"}).content.decode())
    assert [row[0] for row in by_name["utilization"][1:]] == ["Alice A", "Bob B"]
    assert read_tables(http.get(PAGE, {**MARCH, "sort": "nope"}).content.decode())
    bad = http.get(PAGE, {"period": "custom", "date_from": "2026-03-01"})
    assert bad.status_code == 200
    assert b"A custom period needs both dates, e.g. 2026-11-03" in bad.content


def test_htmx_asks_for_the_body_fragment(books, as_user):
    response = as_user(books.manager).get(
        PAGE, MARCH, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="insights-body"
    )
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="insights-body">')
    assert "<form" not in html


def add_entries(books, count: int) -> None:
    """Copies of fixture entries spread over March (stored columns as create_entry set them)."""
    templates = list(TimeEntry.objects.filter(date__month=3))
    TimeEntry.objects.bulk_create(
        TimeEntry(
            task_id=t.task_id,
            member_id=t.member_id,
            date=date(2026, 3, 1) + timedelta(days=i % 31),
            duration_minutes=t.duration_minutes,
            billable=t.billable,
            billable_minutes=t.billable_minutes,
            billing_rate=t.billing_rate,
            billing_currency=t.billing_currency,
            cost_rate=t.cost_rate,
            cost_currency=t.cost_currency,
        )
        for i, t in ((i, templates[i % len(templates)]) for i in range(count))
    )


def test_query_count_is_constant_with_10_and_1000_entries(
    books, as_user, django_assert_max_num_queries
):
    http = as_user(books.finance)
    add_entries(books, 10 - TimeEntry.objects.count())
    assert TimeEntry.objects.count() == 10
    with CaptureQueriesContext(connection) as few:
        small = http.get(PAGE, MARCH)
    assert small.status_code == 200
    add_entries(books, 990)
    assert TimeEntry.objects.count() == 1000
    with django_assert_max_num_queries(len(few.captured_queries)):
        large = http.get(PAGE, MARCH)
    assert large.status_code == 200
    assert len(few.captured_queries) <= 60
