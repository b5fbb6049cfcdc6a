"""The insights page costs the same number of queries whatever the number of entries and of
clients (issue 13's page targets): every figure is a grouped query, none runs per client."""

from datetime import date, timedelta
from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from clients.models import BillingMode, BillingPlan
from tests.factories import ClientFactory, ProjectFactory, PurchaseFactory, TaskFactory
from timetracking.models import AdjustmentStatus, BillingAdjustment, TimeEntry

from .conftest import MARCH
from .test_page import add_entries

PAGE = reverse("insights:page")
# The fixed part (session, user, role, header timer, the form's three pickers) plus one grouped
# query per figure; money left adds one per kind of input present (priced blocks, support
# plans, pending adjustments), never one per client.
MAX_QUERIES = 20
MODES = (BillingMode.TIME_AND_MATERIALS, BillingMode.HOUR_BANK, BillingMode.SUPPORT_PLAN)


def add_clients(books, count: int, start: int) -> None:
    """`count` more clients of every billing mode, each with March time, an expiring priced
    block and a pending adjustment: every per-client input of every figure is present."""
    today = timezone.localdate()
    template = TimeEntry.objects.filter(task=books.web_task, member=books.alice).first()
    for number in range(start, start + count):
        client = ClientFactory(
            code=f"X{number:03d}", currency="USD", billing_mode=MODES[number % len(MODES)]
        )
        BillingPlan.objects.filter(client=client).update(
            support_fee=Decimal("100.00"),
            monthly_included_hours=Decimal("1"),
            overtime_rate=Decimal("120.00"),
            overage_rate=Decimal("150.00"),
        )
        task = TaskFactory(project=ProjectFactory(client=client))
        TimeEntry.objects.bulk_create(
            TimeEntry(
                task=task,
                member_id=template.member_id,
                date=date(2026, 3, 1) + timedelta(days=day),
                duration_minutes=90,
                billable=True,
                billable_minutes=90,
                billing_rate=template.billing_rate,
                billing_currency="USD",
                cost_rate=template.cost_rate,
                cost_currency=template.cost_currency,
            )
            for day in range(3)
        )
        PurchaseFactory(
            client=client,
            date=date(2026, 3, 1),
            hours=Decimal("2"),
            price=Decimal("200.00"),
            expires_on=today + timedelta(days=20),
        )
        BillingAdjustment.objects.create(
            client=client,
            minutes=15,
            value=Decimal("25.00"),
            currency="USD",
            reason="Late correction",
            status=AdjustmentStatus.PENDING,
        )


def count_queries(http) -> int:
    http.get(PAGE, MARCH)  # once first: per-process caches are not per-request work
    with CaptureQueriesContext(connection) as queries:
        response = http.get(PAGE, MARCH)
    assert response.status_code == 200
    return len(queries.captured_queries)


def test_queries_do_not_grow_with_clients(books, as_user, django_assert_max_num_queries):
    http = as_user(books.finance)
    add_clients(books, 2, start=0)
    few = count_queries(http)
    assert few <= MAX_QUERIES
    add_clients(books, 18, start=2)
    with django_assert_max_num_queries(few):
        response = http.get(PAGE, MARCH)
    assert response.status_code == 200
    assert b"X019" in response.content  # the new clients are on the page, not left out


def test_queries_do_not_grow_with_entries(books, as_user, django_assert_max_num_queries):
    http = as_user(books.finance)
    add_clients(books, 2, start=0)
    add_entries(books, 10)
    few = count_queries(http)
    assert few <= MAX_QUERIES
    add_entries(books, 990)
    with django_assert_max_num_queries(few):
        assert http.get(PAGE, MARCH).status_code == 200


def test_managers_page_fits_the_page_target(books, as_user, django_assert_max_num_queries):
    """Without support plans, priced blocks or pending adjustments (as in the benchmark firm),
    a manager's page stays within issue 13's 15 queries."""
    http, query = as_user(books.manager), {**MARCH, "client": books.acme.pk}
    assert http.get(PAGE, query).status_code == 200  # per-process caches are not per request
    with django_assert_max_num_queries(15):
        assert http.get(PAGE, query).status_code == 200
