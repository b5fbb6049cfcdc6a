"""The client page in real headless Chromium: the burn-down chart the portal shares (a drawn
canvas, the table fallback with rows) with no axe-core violations or CSP console errors."""

import datetime
from decimal import Decimal

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.conftest import login
from tests.factories import PurchaseFactory, TimeEntryFactory

pytestmark = pytest.mark.django_db(transaction=True)

AXE = Axe()


def test_client_page_draws_the_burn_down_with_a_table_fallback(new_page, firm):
    today = timezone.localdate()
    PurchaseFactory(client=firm.acme, hours=Decimal("20"), date=today - datetime.timedelta(days=40))
    PurchaseFactory(client=firm.acme, hours=Decimal("10"), date=today - datetime.timedelta(days=10))
    for days_ago in range(0, 30, 3):
        TimeEntryFactory(
            task=firm.acme_task,
            member=firm.staff_member,
            duration_minutes=120,
            on_date=today - datetime.timedelta(days=days_ago),
            by=firm.staff_member.user,
        )
    errors = []
    new_page.on(
        "console",
        lambda message: errors.append(message.text) if message.type == "error" else None,
    )
    page = login(new_page, firm.manager)

    page.goto(f"/clients/{firm.acme.pk}/")

    card = page.locator("section", has=page.get_by_role("heading", name="Burn-down"))
    canvas = card.locator("canvas[data-chart-kind='burndown']")
    expect(canvas).to_be_visible()
    page.wait_for_function(
        "() => window.Chart && Chart.getChart(document.querySelector(\"canvas[data-chart-kind='burndown']\"))"
    )
    datasets = page.evaluate(
        """() => Chart.getChart(document.querySelector("canvas[data-chart-kind='burndown']"))
            .data.datasets.map((set) => [set.label, set.data.filter((v) => v !== null).length])"""
    )
    assert datasets[0] == ["Remaining hours", 90]
    assert datasets[1][0] == "Forecast" and datasets[1][1] > 1  # a run-out date ahead
    assert canvas.bounding_box()["height"] > 100

    card.get_by_text("Burn-down as a table").click()
    rows = card.locator("tbody tr")
    expect(rows.first).to_be_visible()
    assert rows.count() >= 12  # 90 days, one row a week
    expect(rows.last).to_contain_text("h")

    results = AXE.run(page)
    assert results.violations_count == 0, results.generate_report()
    assert errors == []
