"""The portal page and its poll cost the same queries whatever the number of entries and of
clients (issue 16 point 7, issue 13's page targets)."""

from datetime import timedelta
from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.factories import ClientFactory, ProjectFactory, PurchaseFactory, TaskFactory
from tests.portal.conftest import log
from timetracking.models import TimeEntry

PAGE_MAX_QUERIES = 15
POLL_OWN_QUERIES = 2  # the client and its balance; the rest is the session, user and role


def add_entries(task, member, count: int) -> None:
    """`count` entries over the last 90 days (the burn-down's span), stored as the service
    stores them."""
    model = TimeEntry.objects.filter(member=member).first()
    today = timezone.localdate()
    TimeEntry.objects.bulk_create(
        TimeEntry(
            task=task,
            member=member,
            date=today - timedelta(days=i % 90),
            duration_minutes=30,
            billable=True,
            billable_minutes=30,
            billing_rate=model.billing_rate,
            billing_currency=model.billing_currency,
        )
        for i in range(count)
    )


def add_clients(firm, count: int) -> None:
    for _ in range(count):
        task = TaskFactory(project=ProjectFactory(client=ClientFactory()))
        PurchaseFactory(client=task.project.client, hours=Decimal("10"))
        add_entries(task, firm.staff_member, 5)


def queries_of(http, url: str) -> int:
    http.get(url)  # once first: per-process caches are not per-request work
    with CaptureQueriesContext(connection) as queries:
        assert http.get(url).status_code == 200
    return len(queries.captured_queries)


def prepared(firm, as_user):
    PurchaseFactory(client=firm.acme, hours=Decimal("100"))
    log(firm.staff_member, firm.acme_task, 30)
    return as_user(firm.acme_user)


def test_portal_queries_do_not_grow_with_entries(firm, as_user, django_assert_max_num_queries):
    http = prepared(firm, as_user)
    add_entries(firm.acme_task, firm.staff_member, 9)
    few, poll = queries_of(http, "/portal/"), queries_of(http, "/portal/balance/")
    assert few <= PAGE_MAX_QUERIES
    add_entries(firm.acme_task, firm.staff_member, 990)
    assert TimeEntry.objects.filter(task=firm.acme_task).count() == 1000
    with django_assert_max_num_queries(few):
        assert http.get("/portal/").status_code == 200
    with django_assert_max_num_queries(poll):
        assert http.get("/portal/balance/").status_code == 200


def test_portal_queries_do_not_grow_with_clients(firm, as_user, django_assert_max_num_queries):
    http = prepared(firm, as_user)
    few, poll = queries_of(http, "/portal/"), queries_of(http, "/portal/balance/")
    add_clients(firm, 18)  # 2 clients with an hour bank → 20
    with django_assert_max_num_queries(few):
        assert http.get("/portal/").status_code == 200
    with django_assert_max_num_queries(poll):
        assert http.get("/portal/balance/").status_code == 200
    preview = as_user(firm.manager)
    url = f"/portal/?client={firm.acme.pk}"
    assert preview.get(url).status_code == 200
    with django_assert_max_num_queries(PAGE_MAX_QUERIES + 1):  # + the manager's header timer
        assert preview.get(url).status_code == 200


def test_the_poll_is_two_queries_of_its_own(firm, as_user):
    http = prepared(firm, as_user)
    assert http.get("/portal/balance/").status_code == 200
    with CaptureQueriesContext(connection) as queries:
        assert http.get("/portal/balance/").status_code == 200
    own = [
        query["sql"]
        for query in queries.captured_queries
        if not any(t in query["sql"] for t in ("django_session", "auth_user", "userprofile"))
    ]
    assert len(own) == POLL_OWN_QUERIES, own
