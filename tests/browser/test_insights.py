"""The insights page in real headless Chromium: the hours chart is drawn from the page's JSON
(CSP allows no inline script), and the page fits a 390 px phone without axe-core violations."""

import datetime
from decimal import Decimal

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.conftest import login
from tests.factories import PurchaseFactory, TimeEntryFactory

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}

# True when the canvas has any painted pixel (a blank canvas is all transparent).
CANVAS_PAINTED = """(canvas) => {
    const pixels = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
    for (let i = 3; i < pixels.length; i += 4) { if (pixels[i] !== 0) { return true; } }
    return false;
}"""


@pytest.fixture
def insights_firm(firm):
    today = timezone.localdate()
    PurchaseFactory(
        client=firm.acme,
        hours=Decimal("10"),
        price=Decimal("900.00"),
        expires_on=today + datetime.timedelta(days=20),
    )
    for days_ago in range(3):
        on = max(today - datetime.timedelta(days=days_ago), today.replace(day=1))
        TimeEntryFactory(
            member=firm.staff_member, task=firm.acme_task, duration_minutes=95, on_date=on
        )
        TimeEntryFactory(
            member=firm.other_member, task=firm.globex_task, duration_minutes=45, on_date=on
        )
    TimeEntryFactory(
        member=firm.staff_member, task=firm.internal_task, duration_minutes=30, on_date=today
    )
    return firm


@pytest.fixture
def phone(browser, live_server, insights_firm):
    context = browser.new_context(base_url=live_server.url, viewport=PHONE)
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.csp_errors = []

    def on_console(message):
        if message.type == "error" and "Content Security Policy" in message.text:
            page.csp_errors.append(message.text)

    page.on("console", on_console)
    login(page, insights_firm.finance)
    yield page
    context.close()


def test_insights_draws_the_hours_chart_and_fits_a_phone(phone):
    phone.get_by_role("navigation", name="Main").get_by_role("link", name="Insights").click()
    phone.wait_for_url("**/insights/")
    phone.wait_for_load_state("networkidle")
    expect(phone.get_by_role("heading", level=1, name="Insights")).to_be_visible()

    canvas = phone.locator("canvas[data-chart-kind=stacked]")
    expect(canvas).to_be_visible()
    phone.wait_for_function(
        "() => window.Chart && Chart.getChart(document.querySelector('canvas[data-chart-kind=stacked]'))"
    )
    chart = phone.evaluate(
        """() => {
            const chart = Chart.getChart(document.querySelector("canvas[data-chart-kind=stacked]"));
            return { labels: chart.data.datasets.map((d) => d.label), type: chart.config.type };
        }"""
    )
    assert chart == {"labels": ["ACME", "GLOBEX"], "type": "bar"}
    assert canvas.evaluate(CANVAS_PAINTED) is True

    # The accessible fallback holds the same series.
    phone.get_by_text("Hours consumed as a table").click()
    expect(phone.locator("#table-hours")).to_contain_text("ACME")
    expect(phone.locator("#table-margin_projects")).to_contain_text("ACME-WEB")

    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    results = Axe().run(phone)
    assert results.violations_count == 0, results.generate_report()
    assert phone.csp_errors == []


def test_the_filter_form_redraws_the_chart_through_htmx(phone):
    phone.goto("/insights/")
    phone.get_by_label("Client", exact=True).select_option(label="ACME · Acme Ltd")
    phone.get_by_role("button", name="Show").click()
    phone.wait_for_url("**/insights/?*client=*")
    phone.wait_for_function(
        """() => {
            const chart = window.Chart && Chart.getChart(document.querySelector("canvas[data-chart-kind=stacked]"));
            return chart && chart.data.datasets.length === 1 && chart.data.datasets[0].label === "ACME";
        }"""
    )
    assert phone.csp_errors == []
