"""The admin's streamed CSV of time entries (issue 15 point 6): the changelist's filters, the
entries resource's columns, money with 2 decimals, finance and admins only."""

import csv
import datetime
import io

import pytest
from django.contrib.auth.models import Permission
from django.http import StreamingHttpResponse
from django.urls import reverse

from clients.services import sync_admin_access
from core.units import minutes_value
from timetracking.exports import TimeEntryResource
from timetracking.models import TimeEntry
from timetracking.services import create_entry

EXPORT = "admin:timetracking_timeentry_export_csv"
CLIENT_FILTER = "task__project__client__id__exact"


@pytest.fixture
def entries(firm):
    """Acme: 95 and 7 minutes in March, 40 in April; Globex: 50 in March; one non-billable."""

    def log(minutes, task, on, member=None, **extra):
        return create_entry(
            task=task,
            member=member or firm.staff_member,
            on_date=on,
            duration_minutes=minutes,
            description=f'{minutes} min, quoted "and", comma',
            **extra,
        )

    return [
        log(95, firm.acme_task, datetime.date(2026, 3, 2)),
        log(7, firm.acme_task, datetime.date(2026, 3, 3)),
        log(40, firm.acme_task, datetime.date(2026, 4, 1)),
        log(50, firm.globex_task, datetime.date(2026, 3, 4), member=firm.other_member),
        log(30, firm.acme_task, datetime.date(2026, 3, 5), billable=False),
    ]


@pytest.fixture
def finance_admin(firm, as_user):
    sync_admin_access(firm.finance)
    return as_user(firm.finance)


def stream(http, query: dict | None = None):
    response = http.get(reverse(EXPORT), query or {})
    assert response.status_code == 200, response.content[:500]
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    body = b"".join(response.streaming_content).decode()
    return body, list(csv.DictReader(io.StringIO(body)))


def ids(rows) -> list[int]:
    return [int(row["id"]) for row in rows]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({}, [0, 1, 2, 3, 4]),
        ({CLIENT_FILTER: "ACME"}, [0, 1, 2, 4]),
        ({CLIENT_FILTER: "ACME", "date__year": "2026", "date__month": "3"}, [0, 1, 4]),
        ({"billable__exact": "0"}, [4]),
        ({"q": "Server patching"}, [3]),
        ({CLIENT_FILTER: "GLOBEX", "date__year": "2025"}, []),
    ],
)
def test_rows_are_the_entries_the_changelist_filter_selects(
    firm, finance_admin, entries, query, expected
):
    codes = {"ACME": firm.acme.pk, "GLOBEX": firm.globex.pk}
    query = {k: codes.get(v, v) for k, v in query.items()}
    _, rows = stream(finance_admin, query)
    # The changelist's own order: newest date first, then newest id.
    wanted = sorted((entries[i] for i in expected), key=lambda e: (e.date, e.pk), reverse=True)
    assert ids(rows) == [entry.pk for entry in wanted]


def test_columns_are_the_resource_and_money_has_two_decimals(firm, finance_admin, entries):
    body, rows = stream(finance_admin, {CLIENT_FILTER: firm.acme.pk})
    assert body.splitlines()[0].split(",") == TimeEntryResource().get_export_headers()
    assert rows
    for row in rows:
        entry = TimeEntry.objects.select_related("task__project__client", "member__user").get(
            pk=row["id"]
        )
        assert row["date"] == entry.date.isoformat()
        assert row["client_code"] == "ACME" and row["project_code"] == "ACME-WEB"
        assert row["task"] == "Checkout bug" and row["member"] == entry.member.user.username
        assert row["description"] == entry.description
        assert int(row["duration_minutes"]) == entry.duration_minutes
        assert int(row["billable_minutes"]) == entry.billable_minutes
        assert row["billing_rate"] == f"{entry.billing_rate:.2f}" == "100.00"
        assert row["cost_rate"] == f"{entry.cost_rate:.2f}" == "60.00"
        billable = minutes_value(entry.billable_minutes, entry.billing_rate)
        assert row["billable_value"] == f"{billable:.2f}"
        cost = minutes_value(entry.duration_minutes, entry.cost_rate)
        assert row["cost_value"] == f"{cost:.2f}"
        assert row["invoice_id"] == "" and row["source"] == "manual"
    by_minutes = {int(row["duration_minutes"]): row for row in rows}
    # 7 min at 100/h is 11.666…: cents, half-up, as the pages compute it.
    assert by_minutes[7]["billable_value"] == "11.67" and by_minutes[7]["cost_value"] == "7.00"
    assert by_minutes[30]["billable_value"] == "0.00"


def test_query_count_does_not_grow_with_rows(
    firm, finance_admin, entries, django_assert_max_num_queries
):
    def queries() -> int:
        # Session and role, the changelist's client filter and counts, the rows' one cursor.
        with django_assert_max_num_queries(12) as captured:
            stream(finance_admin)
        return len(captured)

    few = queries()
    for day in range(1, 29):
        create_entry(
            task=firm.acme_task,
            member=firm.staff_member,
            on_date=datetime.date(2026, 2, day),
            duration_minutes=15,
        )
    assert queries() == few
    _, rows = stream(finance_admin)
    assert len(rows) == len(entries) + 28


def test_changelist_links_the_export_with_its_filters(firm, finance_admin, entries):
    query = f"?{CLIENT_FILTER}={firm.acme.pk}"
    page = finance_admin.get(reverse("admin:timetracking_timeentry_changelist") + query)
    assert page.status_code == 200
    assert f'href="{reverse(EXPORT)}{query}"' in page.text
    assert "Export CSV (streamed)" in page.text


def test_admin_streams_too(firm, as_user, entries):
    _, rows = stream(as_user(firm.admin))
    assert len(rows) == len(entries)


@pytest.mark.parametrize("role", ["staff", "manager", "acme_user"])
def test_other_roles_are_refused(firm, as_user, entries, role):
    user = getattr(firm, role)
    http = as_user(user)
    # Without admin access: the admin's login page, never the file.
    response = http.get(reverse(EXPORT))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    # Admin access and the entry permission granted by hand: the role still decides.
    user.is_staff = True
    user.save()
    user.user_permissions.add(Permission.objects.get(codename="view_timeentry"))
    response = http.get(reverse(EXPORT))
    assert response.status_code == 403
    page = http.get(reverse("admin:timetracking_timeentry_changelist"))
    assert page.status_code == 200 and "Export CSV (streamed)" not in page.text
