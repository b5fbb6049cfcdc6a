"""The portal's pages: whose client they show, what they never show, the 304 poll, the CSV."""

import csv
import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from tests.factories import PurchaseFactory
from tests.portal.conftest import log
from timetracking.alerts_rules import decide_alert, threshold_minutes
from timetracking.balances import runout_date

PORTAL_URLS = ["/portal/", "/portal/balance/", "/portal/history.csv"]


@pytest.mark.parametrize("url", PORTAL_URLS)
def test_client_users_see_only_their_own_client(firm, as_user, url):
    log(firm.staff_member, firm.globex_task, 60, description="Globex secret work")
    response = as_user(firm.acme_user).get(f"{url}?client={firm.globex.pk}")
    assert response.status_code == 200
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert b"Globex" not in body


@pytest.mark.parametrize("url", PORTAL_URLS)
def test_staff_below_manager_are_refused_and_outsiders_get_404(firm, as_user, url):
    assert as_user(firm.staff).get(f"{url}?client={firm.acme.pk}").status_code == 403
    assert as_user(firm.outsider).get(url).status_code == 404
    assert as_user(firm.manager).get(f"{url}?client={firm.internal.pk}").status_code == 404
    assert as_user(firm.manager).get(f"{url}?client={firm.acme.pk}").status_code == 200


@pytest.mark.parametrize("viewer", ["manager", "finance", "admin"])
def test_staff_without_a_client_are_sent_to_pick_one(firm, as_user, viewer):
    http = as_user(getattr(firm, viewer))

    response = http.get("/portal/")

    assert (response.status_code, response["Location"]) == (302, "/clients/")
    directory = http.get(response["Location"]).content.decode()
    assert "Pick a client to preview its portal" in directory


def test_client_users_are_not_redirected(firm, as_user):
    response = as_user(firm.acme_user).get("/portal/")

    assert response.status_code == 200 and "Acme" in response.content.decode()


def test_page_shows_balance_requests_history_ledger_and_preview_mark(firm, as_user):
    PurchaseFactory(client=firm.acme, hours=Decimal("10"), note="Spring block")
    log(firm.staff_member, firm.acme_task, 90, description="Fixed checkout")
    page = as_user(firm.acme_user).get("/portal/").content.decode()
    assert "8.50 h" in page and "Fixed checkout" in page and "Spring block" in page
    assert "Checkout bug" in page and "Preview" not in page
    assert "cost" not in page.lower()
    preview = as_user(firm.manager).get(f"/portal/?client={firm.acme.pk}").content.decode()
    assert "Preview" in preview and "Read-only" in preview


def test_balance_poll_answers_304_until_the_balance_moves(firm, as_user):
    PurchaseFactory(client=firm.acme, hours=Decimal("10"))
    http = as_user(firm.acme_user)
    first = http.get("/portal/balance/")
    assert first.status_code == 200 and "10.00 h" in first.content.decode()
    etag = first["ETag"]
    assert http.get("/portal/balance/", HTTP_IF_NONE_MATCH=etag).status_code == 304
    log(firm.staff_member, firm.acme_task, 60)
    moved = http.get("/portal/balance/", HTTP_IF_NONE_MATCH=etag)
    assert moved.status_code == 200 and "9.00 h" in moved.content.decode()


def test_csv_export_has_the_pages_numbers_and_filter(firm, as_user):
    log(firm.staff_member, firm.acme_task, 90, description="Fixed checkout")
    today = timezone.localdate()
    response = as_user(firm.acme_user).get(f"/portal/history.csv?date_from={today}")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][-1] == "hours" and rows[1][3] == "Fixed checkout" and rows[1][-1] == "1.50"
    later = today + timedelta(days=1)
    empty = as_user(firm.acme_user).get(f"/portal/history.csv?date_from={later}")
    assert len(list(csv.reader(io.StringIO(b"".join(empty.streaming_content).decode())))) == 1


@pytest.mark.parametrize("rows", [1, 30])
def test_portal_page_query_count_is_constant(firm, as_user, django_assert_max_num_queries, rows):
    PurchaseFactory(client=firm.acme, hours=Decimal("100"))
    for _ in range(rows):
        log(firm.staff_member, firm.acme_task, 30)
    http = as_user(firm.acme_user)
    with django_assert_max_num_queries(16):
        assert http.get("/portal/").status_code == 200
    with django_assert_max_num_queries(5):
        assert http.get("/portal/balance/").status_code == 200


def test_forecast_cases():
    today = date(2026, 3, 1)
    # No recent use: no date.
    assert (
        runout_date(remaining_minutes=600, burn_minutes_28_days=0, has_purchases=True, today=today)
        is None
    )
    # Negative balance: no date (already run out).
    assert (
        runout_date(
            remaining_minutes=-60, burn_minutes_28_days=280, has_purchases=True, today=today
        )
        is None
    )
    # 10 min a day, 600 left: 60 days.
    assert runout_date(
        remaining_minutes=600, burn_minutes_28_days=280, has_purchases=True, today=today
    ) == today + timedelta(days=60)


def test_alert_rule_at_exactly_the_threshold_neither_sends_nor_rearms():
    threshold = threshold_minutes(
        low_balance_hours=Decimal("2"), low_balance_percent=None, purchased=600
    )
    assert threshold == 120
    at = decide_alert(
        remaining=120, threshold=120, has_purchases=True, low_armed=False, negative_armed=True
    )
    assert (at.send, at.low_armed) == (None, False)
    below = decide_alert(
        remaining=119, threshold=120, has_purchases=True, low_armed=True, negative_armed=True
    )
    assert below.send == "low"
    above = decide_alert(
        remaining=121, threshold=120, has_purchases=True, low_armed=False, negative_armed=False
    )
    assert (above.send, above.low_armed, above.negative_armed) == (None, True, True)


def test_requests_come_a_page_at_a_time_and_the_preview_keeps_its_client(firm, as_user):
    from tests.factories import TaskFactory

    for index in range(30):
        task = TaskFactory(project=firm.acme_task.project, jira_issue_key=f"ACME-{500 + index}")
        log(firm.staff_member, task, 10 + index)
    page = as_user(firm.acme_user).get("/portal/").content.decode()
    assert "ACME-529" in page and "ACME-500" not in page  # largest first
    assert "Page 1 of 2" in page and "requests_page=2" in page

    fragment = (
        as_user(firm.manager)
        .get(
            f"/portal/?client={firm.acme.pk}&requests_page=2",
            headers={"HX-Request": "true", "HX-Target": "portal-requests"},
        )
        .content.decode()
    )
    assert fragment.lstrip().startswith('<section id="portal-requests"')
    assert "ACME-500" in fragment and "ACME-529" not in fragment
    assert f"client={firm.acme.pk}&amp;requests_page=1" in fragment


def test_history_pages_by_newer_and_older_keeping_the_period(firm, as_user):
    for index in range(30):
        log(firm.staff_member, firm.acme_task, 10 + index, description=f"Change {index:02d}")
    today = timezone.localdate().isoformat()
    http = as_user(firm.acme_user)

    first = http.get(f"/portal/?date_from={today}").content.decode()
    history = first[first.index('id="portal-history"') :]
    assert "Change 29" in history and "Change 05" in history and "Change 04" not in history
    assert "Page 1<" in history and ">Newer<" not in history
    assert f"page=2&amp;date_from={today}" in history

    second = http.get(
        f"/portal/?page=2&date_from={today}",
        headers={"HX-Request": "true", "HX-Target": "portal-history"},
    ).content.decode()
    assert second.lstrip().startswith('<section id="portal-history"')
    assert "Change 04" in second and "Change 00" in second and "Change 05" not in second
    assert ">Newer<" in second and ">Older<" not in second

    past_the_end = http.get("/portal/?page=9").content.decode()
    assert "No older changes." in past_the_end and "page=8" in past_the_end
