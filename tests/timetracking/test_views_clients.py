"""Client directory and client page (PRODUCT §4)."""

import datetime
import re
from decimal import Decimal

import pytest
from django.urls import include, path

from clients.models import HourPurchase
from tests.factories import (
    ClientFactory,
    ProjectFactory,
    PurchaseFactory,
    RateFactory,
    TaskFactory,
    TimeEntryFactory,
)
from tests.timetracking.views_support import PAGE_QUERY_BUDGET, htmx, query_count
from timetracking.services import EntryChanges, delete_entry, update_entry

pytestmark = pytest.mark.django_db


def _row(html: str, code: str) -> str:
    match = re.search(
        rf'<tr class="([^"]*)">\s*<td><a href="/clients/\d+/">[^<]*</a> <span class="muted">{code}</span>.*?</tr>',
        html,
        re.S,
    )
    assert match, f"no row for {code}"
    return match.group(0)


def test_directory_rows_with_balance_progress_and_risk(firm, as_user):
    PurchaseFactory(client=firm.acme, hours=Decimal("10"))
    PurchaseFactory(client=firm.globex, hours=Decimal("1"))
    TimeEntryFactory(
        task=firm.acme_task,
        member=firm.staff_member,
        duration_minutes=120,
        by=firm.staff_member.user,
    )
    TimeEntryFactory(
        task=firm.globex_task,
        member=firm.staff_member,
        duration_minutes=90,
        by=firm.staff_member.user,
    )

    html = as_user(firm.staff).get("/clients/").content.decode()

    acme = _row(html, "ACME")
    assert "10.00 h" in acme and "2.00 h" in acme and "8.00 h" in acme
    assert '<progress max="100" value="20"' in acme
    globex = _row(html, "GLOBEX")
    assert 'class="num negative">-0.50 h' in globex and "Negative" in globex
    assert "risk-negative" in globex and "at-risk" in globex
    assert 'class="negative"' in globex  # red progress bar
    assert "Our firm" not in html  # the internal client is hidden


def test_directory_at_risk_highlight_and_runout_date(firm, as_user):
    firm.acme.low_balance_hours = Decimal("5")
    firm.acme.save()
    PurchaseFactory(client=firm.acme, hours=Decimal("10"))
    TimeEntryFactory(
        task=firm.acme_task,
        member=firm.staff_member,
        duration_minutes=360,
        by=firm.staff_member.user,
    )

    acme = _row(as_user(firm.staff).get("/clients/").content.decode(), "ACME")

    assert "at-risk" in acme and "At risk" in acme
    # Burn 6 h in 28 days; 4 h left → 18 days.
    expected = datetime.date.today() + datetime.timedelta(days=18)
    assert f"{expected.day} {expected:%b %Y}" in acme


def test_directory_search_filter_and_sort(firm, as_user):
    ClientFactory(code="OLD", name="Old Client", is_active=False)
    PurchaseFactory(client=firm.acme, hours=Decimal("10"))
    PurchaseFactory(client=firm.globex, hours=Decimal("1"))
    TimeEntryFactory(
        task=firm.globex_task,
        member=firm.staff_member,
        duration_minutes=90,
        by=firm.staff_member.user,
    )
    http = as_user(firm.staff)

    assert "Globex Corp" not in http.get("/clients/?q=acm").content.decode()
    assert "Acme Ltd" in http.get("/clients/?q=acm").content.decode()
    assert "Old Client" not in http.get("/clients/").content.decode()
    assert "Old Client" in http.get("/clients/?status=inactive").content.decode()
    negative = http.get("/clients/?risk=negative").content.decode()
    assert "Globex Corp" in negative and "Acme Ltd" not in negative
    healthy = http.get("/clients/?risk=ok").content.decode()
    assert "Acme Ltd" in healthy and "Globex Corp" not in healthy
    by_remaining = http.get("/clients/?sort=remaining").content.decode()
    assert by_remaining.index("Globex Corp") < by_remaining.index("Acme Ltd")


def test_directory_fragment_for_htmx(firm, as_user):
    html = as_user(firm.staff).get("/clients/?q=globex", headers=htmx("directory")).content.decode()

    assert "<html" not in html and html.strip().startswith('<section id="directory"')
    assert "Globex Corp" in html and "Acme Ltd" not in html


def test_directory_query_count_is_constant(firm, as_user, django_assert_max_num_queries):
    http = as_user(firm.staff)
    one = query_count(lambda: http.get("/clients/?q=ACME"))
    assert one <= PAGE_QUERY_BUDGET
    for index in range(15):
        client = ClientFactory(code=f"ACME{index:02d}", name=f"Acme {index}")
        PurchaseFactory(client=client, hours=Decimal("5"))
        TimeEntryFactory(
            task=TaskFactory(project=ProjectFactory(client=client)),
            member=firm.staff_member,
            duration_minutes=30,
            by=firm.staff_member.user,
        )

    with django_assert_max_num_queries(one):
        html = http.get("/clients/?q=ACME").content.decode()
    assert "16 clients" in html


def test_client_page_sections(firm, as_user):
    PurchaseFactory(client=firm.acme, hours=Decimal("10"), note="Initial block")
    linked = TaskFactory(
        project=firm.acme_project, name="Outage", jira_issue_key="ACME-12", jira_summary="Site down"
    )
    kept = TimeEntryFactory(
        task=firm.acme_task,
        member=firm.staff_member,
        duration_minutes=60,
        description="Kept",
        by=firm.staff_member.user,
    )
    changed = TimeEntryFactory(
        task=linked, member=firm.staff_member, duration_minutes=120, by=firm.staff_member.user
    )
    update_entry(changed, EntryChanges(duration_minutes=90), by=firm.staff)
    delete_entry(kept, by=firm.staff)
    TimeEntryFactory(
        task=firm.acme_task,
        member=firm.staff_member,
        duration_minutes=30,
        description="Unbilled work",
        by=firm.staff_member.user,
    )

    html = as_user(firm.staff).get(f"/clients/{firm.acme.pk}/").content.decode()

    assert "<h1>Acme Ltd" in html
    assert "Purchased<strong>10.00 h" in html and 'Remaining<strong class="">8.00 h' in html
    assert "Initial block" in html
    assert "ACME-12: Site down" in html and "1.50" in html
    # History rows name the change, the task and the person; hours read like the hour bank's.
    assert "Edited" in html and "-0.50 h" in html and "Deleted" in html and "-1.00 h" in html
    assert "Purchase" in html and "+10.00 h" in html
    history = html[html.index('id="history"') :]
    assert ">Outage</a>" in history and firm.staff.username in history
    assert "#" + str(kept.pk) not in history
    # Unbilled: the edited 1h 30m and the new 30m, at USD 100.00/h.
    assert "Billable hours<strong>2.00 h" in html and "Value<strong>USD 200.00" in html
    assert "ACME-WEB — Acme website" in html
    assert "Add purchase" not in html  # staff may not


def test_unbilled_card_hours_and_value_in_a_period(firm, as_user):
    TimeEntryFactory(
        task=firm.acme_task,
        member=firm.staff_member,
        duration_minutes=90,
        on_date=datetime.date(2026, 3, 2),
        by=firm.staff_member.user,
    )
    TimeEntryFactory(
        task=firm.acme_task,
        member=firm.staff_member,
        duration_minutes=30,
        on_date=datetime.date(2026, 4, 2),
        by=firm.staff_member.user,
    )
    http = as_user(firm.staff)

    everything = http.get(f"/clients/{firm.acme.pk}/").content.decode()
    assert "Billable hours<strong>2.00 h" in everything and "Value<strong>USD 200.00" in everything

    march = http.get(
        f"/clients/{firm.acme.pk}/?date_from=2026-03-01&date_to=2026-03-31",
        headers=htmx("unbilled"),
    ).content.decode()
    assert "<html" not in march
    assert "Billable hours<strong>1.50 h" in march and "Value<strong>USD 150.00" in march


def test_manager_adds_a_purchase_and_balance_refreshes(firm, as_user):
    response = as_user(firm.manager).post(
        f"/clients/{firm.acme.pk}/purchases/",
        {"date": "2026-03-01", "hours": "12.5", "note": "Top-up"},
        headers=htmx("purchases"),
    )

    purchase = HourPurchase.objects.get()
    assert (purchase.client, purchase.hours, purchase.minutes, purchase.entered_by) == (
        firm.acme,
        Decimal("12.5"),
        750,
        firm.manager,
    )
    assert "balanceChanged" in response["HX-Trigger"]
    assert 'id="purchases"' in response.content.decode() and "Top-up" in response.content.decode()
    summary = (
        as_user(firm.manager)
        .get(f"/clients/{firm.acme.pk}/", headers=htmx("summary"))
        .content.decode()
    )
    assert "Purchased<strong>12.50 h" in summary


def test_finance_may_add_purchases_too_and_sees_the_form(firm, as_user):
    http = as_user(firm.finance)

    assert "Add purchase" in http.get(f"/clients/{firm.acme.pk}/").content.decode()
    response = http.post(
        f"/clients/{firm.acme.pk}/purchases/", {"date": "2026-03-01", "hours": "2"}
    )
    assert response.status_code == 302 and HourPurchase.objects.get().hours == Decimal("2")


@pytest.mark.parametrize("hours", ["-2", "0"])
def test_the_purchase_form_refuses_hours_not_above_zero_and_points_to_corrections(
    firm, as_user, hours
):
    http = as_user(firm.manager)

    response = http.post(
        f"/clients/{firm.acme.pk}/purchases/", {"date": "2026-03-01", "hours": hours}
    )
    fragment = http.post(
        f"/clients/{firm.acme.pk}/purchases/",
        {"date": "2026-03-01", "hours": hours},
        headers=htmx("purchases"),
    ).content.decode()

    assert response.status_code == 400
    page = response.content.decode()
    assert "A purchase adds hours: enter more than 0" in page
    assert "add a correction in the hour-blocks ledger" in page
    assert f'href="/clients/{firm.acme.pk}/ledger/"' in page
    assert "A purchase adds hours" in fragment
    assert not HourPurchase.objects.exists()


@pytest.mark.parametrize(
    ("viewer", "sees_link"),
    [("staff", False), ("manager", False), ("finance", True), ("admin", True)],
)
def test_unbilled_card_links_finance_to_invoice_generation_for_the_client(
    firm, as_user, viewer, sees_link
):
    http = as_user(getattr(firm, viewer))

    page = http.get(f"/clients/{firm.acme.pk}/").content.decode()
    unbilled = http.get(f"/clients/{firm.acme.pk}/", headers=htmx("unbilled")).content.decode()

    link = f'href="/billing/invoices/generate/?client={firm.acme.pk}"'
    card = page[page.index('id="unbilled"') : page.index("</section>", page.index('id="unbilled"'))]
    assert (link in card) is sees_link
    assert (link in unbilled) is sees_link
    if sees_link:
        generate = http.get(f"/billing/invoices/generate/?client={firm.acme.pk}")
        assert generate.status_code == 200
        assert f'<option value="{firm.acme.pk}" selected>' in generate.content.decode()


def test_client_page_has_the_burn_down_chart_and_its_table(firm, as_user):
    PurchaseFactory(client=firm.acme, hours=Decimal("10"))
    TimeEntryFactory(
        task=firm.acme_task,
        member=firm.staff_member,
        duration_minutes=90,
        by=firm.staff_member.user,
    )

    page = as_user(firm.staff).get(f"/clients/{firm.acme.pk}/").content.decode()

    assert 'data-chart-kind="burndown"' in page and 'id="burn-down-data"' in page
    assert "Burn-down as a table" in page and "8.50 h</td>" in page
    assert "js/charts.js" in page


def test_bad_purchase_is_named_and_nothing_is_saved(firm, as_user):
    response = as_user(firm.manager).post(
        f"/clients/{firm.acme.pk}/purchases/", {"date": "2026-03-01", "hours": "1.234"}
    )

    assert response.status_code == 400
    assert "at most 2 decimals" in response.content.decode()
    assert not HourPurchase.objects.exists()


def test_staff_may_not_add_purchases(firm, as_user):
    response = as_user(firm.staff).post(
        f"/clients/{firm.acme.pk}/purchases/", {"date": "2026-03-01", "hours": "5"}
    )

    assert response.status_code == 403
    assert not HourPurchase.objects.exists()


@pytest.mark.parametrize("viewer", ["staff", "manager", "finance"])
def test_client_page_query_count_is_constant(firm, as_user, django_assert_max_num_queries, viewer):
    """Managers and finance see more (purchase form, invoice link) in the same budget."""
    PurchaseFactory(client=firm.acme, hours=Decimal("10"))
    TimeEntryFactory(
        task=firm.acme_task,
        member=firm.staff_member,
        duration_minutes=30,
        by=firm.staff_member.user,
    )
    http = as_user(getattr(firm, viewer))
    one = query_count(lambda: http.get(f"/clients/{firm.acme.pk}/"))
    assert one <= PAGE_QUERY_BUDGET
    for index in range(10):
        project = ProjectFactory(client=firm.acme)
        task = TaskFactory(project=project, jira_issue_key=f"ACME-{100 + index}")
        entry = TimeEntryFactory(
            task=task,
            member=firm.staff_member,
            duration_minutes=30 + index,
            by=firm.staff_member.user,
        )
        update_entry(entry, EntryChanges(duration_minutes=60), by=firm.staff)
        PurchaseFactory(client=firm.acme, hours=Decimal("1"), note=f"Block {index}")

    with django_assert_max_num_queries(one):
        html = http.get(f"/clients/{firm.acme.pk}/").content.decode()
    assert "ACME-109" in html and "Block 9" in html


@pytest.mark.parametrize("viewer", ["acme_user", "globex_user", "outsider"])
def test_non_staff_get_404_on_client_pages(firm, as_user, viewer):
    http = as_user(getattr(firm, viewer))

    assert http.get("/clients/").status_code == 404
    for client in (firm.acme, firm.globex):
        assert http.get(f"/clients/{client.pk}/").status_code == 404
        assert (
            http.post(
                f"/clients/{client.pk}/purchases/", {"date": "2026-03-01", "hours": "5"}
            ).status_code
            == 404
        )
    assert not HourPurchase.objects.exists()


def test_unknown_client_is_404(firm, as_user):
    assert as_user(firm.staff).get("/clients/999999/").status_code == 404


def _invoices_card(request, client_id):
    from django.http import HttpResponse

    return HttpResponse(f"invoices of {client_id}")


billing_urls = (
    [
        path(
            "clients/<int:client_id>/invoices-card",
            _invoices_card,
            name="client-invoices-card",
        )
    ],
    "billing",
)
urlpatterns = [
    path("", include("timetracking.urls")),
    path("billing/", include(billing_urls)),
]


def test_invoices_card_is_served_by_billing(firm, as_user):
    assert 'id="invoices-card"' in as_user(firm.staff).get(f"/clients/{firm.acme.pk}/").text


@pytest.mark.urls(__name__)
def test_invoices_card_is_loaded_from_billing_once_it_exists(firm, as_user):
    html = as_user(firm.staff).get(f"/clients/{firm.acme.pk}/").content.decode()

    assert f'hx-get="/billing/clients/{firm.acme.pk}/invoices-card" hx-trigger="load"' in html


def test_page_and_fragment_responses_vary_on_htmx_headers(firm, as_user):
    response = as_user(firm.staff).get("/clients/")

    assert "HX-Request" in response["Vary"] and "HX-Target" in response["Vary"]


def test_history_is_paginated_with_work_dates(firm, as_user, django_assert_max_num_queries):
    PurchaseFactory(client=firm.acme, hours=Decimal("100"), note="Big block")
    for day in range(1, 26):
        TimeEntryFactory(
            task=firm.acme_task,
            member=firm.staff_member,
            duration_minutes=60,
            on_date=datetime.date(2026, 1, day),
            by=firm.staff_member.user,
        )
    http = as_user(firm.staff)

    first = http.get(f"/clients/{firm.acme.pk}/").content.decode()
    second = http.get(
        f"/clients/{firm.acme.pk}/?history_page=2", headers=htmx("history")
    ).content.decode()

    # Newer/Older without a total: the history is never counted (core.pagination).
    assert "Page 1<" in first and "?history_page=2" in first
    first_history = first[first.index('id="history"') :]
    assert first_history.count("<tr>") == 21  # header + 20 rows
    # Newest first: the last entry logged is on page 1, the purchase (logged first) on page 2.
    assert "25 Jan 2026" in first_history and "Big block" not in first_history
    assert second.strip().startswith('<section id="history"') and "Big block" in second
    assert "Page 2<" in second and "?history_page=1" in second
    assert "?history_page=3" not in second  # 21 rows: no older page
    with django_assert_max_num_queries(20):
        http.get(f"/clients/{firm.acme.pk}/?history_page=2", headers=htmx("history"))

    past_the_end = http.get(
        f"/clients/{firm.acme.pk}/?history_page=7", headers=htmx("history")
    ).content.decode()
    assert "No older changes." in past_the_end and "?history_page=6" in past_the_end


def test_money_reads_with_thousands_separators(firm, as_user):
    RateFactory(member=firm.staff_member, project=firm.acme_project, rate=Decimal("1000.00"))
    TimeEntryFactory(
        task=firm.acme_task,
        member=firm.staff_member,
        duration_minutes=15 * 60,
        by=firm.staff_member.user,
    )

    html = as_user(firm.staff).get(f"/clients/{firm.acme.pk}/").content.decode()

    assert "Value<strong>USD 15,000.00</strong>" in html


def test_directory_sorts_by_risk_by_default_with_reasons_burn_and_weeks(firm, as_user):
    # ACME: 100 h bought, 56 h burnt in 28 days (14 h/week), 44 h left → runs out in 22 days,
    # inside its 4-week warning. GLOBEX: overdrawn. ZED: healthy. NOBANK: no purchases.
    PurchaseFactory(client=firm.acme, hours=Decimal("100"))
    PurchaseFactory(client=firm.globex, hours=Decimal("1"))
    zed = ClientFactory(code="ZED", name="Aardvark Zed")
    PurchaseFactory(client=zed, hours=Decimal("500"))
    ClientFactory(code="NOBANK", name="Aaa No Bank")
    today = datetime.date.today()
    for days_ago in range(7):
        TimeEntryFactory(
            task=firm.acme_task,
            member=firm.staff_member,
            duration_minutes=480,
            on_date=today - datetime.timedelta(days=days_ago),
            by=firm.staff_member.user,
        )
    TimeEntryFactory(
        task=firm.globex_task,
        member=firm.staff_member,
        duration_minutes=120,
        by=firm.staff_member.user,
    )
    TimeEntryFactory(
        task=TaskFactory(project=ProjectFactory(client=zed)),
        member=firm.staff_member,
        duration_minutes=60,
        by=firm.staff_member.user,
    )

    html = as_user(firm.staff).get("/clients/").content.decode()

    order = [
        html.index(name) for name in ("Globex Corp", "Acme Ltd", "Aardvark Zed", "Aaa No Bank")
    ]
    assert order == sorted(order)
    acme = _row(html, "ACME")
    assert "runs out in 3 weeks" in acme and "14.00 h" in acme  # 22 days; burn per week
    assert "Runs out within 4 weeks" in acme
    globex = _row(html, "GLOBEX")
    assert "Overdrawn by 1.00 h" in globex and "overdrawn" in globex
    assert "runs out in" in _row(html, "ZED") and "weeks" in _row(html, "ZED")


def test_sorting_by_run_out_puts_an_overdrawn_client_first(firm, as_user):
    PurchaseFactory(client=firm.acme, hours=Decimal("10"))
    PurchaseFactory(client=firm.globex, hours=Decimal("1"))
    TimeEntryFactory(
        task=firm.acme_task,
        member=firm.staff_member,
        duration_minutes=60,
        by=firm.staff_member.user,
    )
    TimeEntryFactory(
        task=firm.globex_task,
        member=firm.staff_member,
        duration_minutes=120,
        by=firm.staff_member.user,
    )

    html = as_user(firm.staff).get("/clients/?sort=runout").content.decode()

    assert html.index("Globex Corp") < html.index("Acme Ltd")


def test_client_page_requests_come_a_page_at_a_time_largest_first(firm, as_user):
    for index in range(30):
        task = TaskFactory(project=firm.acme_task.project, jira_issue_key=f"ACME-{500 + index}")
        TimeEntryFactory(
            task=task, member=firm.staff_member, duration_minutes=10 + index, by=firm.staff
        )
    http = as_user(firm.staff)

    first = http.get(f"/clients/{firm.acme.pk}/").content.decode()
    assert "ACME-529" in first and "ACME-500" not in first  # 40 min first, 10 min on page 2
    assert "Page 1 of 2" in first and "requests_page=2" in first

    fragment = http.get(
        f"/clients/{firm.acme.pk}/?requests_page=2",
        headers={"HX-Request": "true", "HX-Target": "requests"},
    ).content.decode()
    assert fragment.lstrip().startswith('<section id="requests"')
    assert "ACME-500" in fragment and "ACME-529" not in fragment
    assert "Page 2 of 2" in fragment


def test_directory_comes_a_page_at_a_time_and_the_pager_keeps_the_filters(firm, as_user):
    for index in range(30):
        ClientFactory(code=f"PAGE{index:02d}", name=f"Paged {index:02d}")
    http = as_user(firm.staff)

    first = http.get("/clients/?q=PAGE&sort=code").content.decode()
    assert "30 clients, 1–25 shown" in first
    assert "PAGE24" in first and "PAGE25" not in first
    assert "Page 1 of 2" in first
    assert 'href="/clients/?q=PAGE&amp;sort=code&amp;page=2"' in first

    second = http.get(
        "/clients/?q=PAGE&sort=code&page=2", headers=htmx("directory")
    ).content.decode()
    assert second.strip().startswith('<section id="directory"')
    assert "26–30 shown" in second and "PAGE25" in second and "PAGE24" not in second
    assert 'href="/clients/?q=PAGE&amp;sort=code&amp;page=1"' in second


def test_unbilled_card_lists_a_page_of_projects_and_keeps_its_period(firm, as_user):
    for index in range(30):
        TimeEntryFactory(
            task=TaskFactory(project=ProjectFactory(client=firm.acme, code=f"U{index:02d}")),
            member=firm.staff_member,
            duration_minutes=60,
            on_date=datetime.date(2026, 3, 2),
            by=firm.staff_member.user,
        )
    http = as_user(firm.staff)
    url = f"/clients/{firm.acme.pk}/"

    march = http.get(
        f"{url}?date_from=2026-03-01&date_to=2026-03-31", headers=htmx("unbilled")
    ).content.decode()
    assert march.count('href="/projects/') == 25
    assert "Billable hours<strong>30.00 h" in march  # the totals cover every project
    assert f'href="{url}?date_from=2026-03-01&amp;date_to=2026-03-31&amp;unbilled_page=2"' in march

    second = http.get(
        f"{url}?date_from=2026-03-01&date_to=2026-03-31&unbilled_page=2", headers=htmx("unbilled")
    ).content.decode()
    assert second.count('href="/projects/') == 5 and "Page 2 of 2" in second
