"""Every staff page on a 390 px phone in real headless Chromium: no sideways scrolling, no CSP
console errors, and no axe-core violations (the open log-time dialog included)."""

import datetime
from decimal import Decimal

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.combobox import pick_task
from tests.browser.conftest import login
from tests.factories import PurchaseFactory, RateFactory, TimeEntryFactory

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
AXE = Axe()


@pytest.fixture
def phone(browser, live_server, firm):
    """A 390 px page logged in as the manager (a member, so My Work and the timesheet have data,
    and the one role that also sees the sync page); `phone.csp_errors` collects CSP reports."""
    context = browser.new_context(base_url=live_server.url, viewport=PHONE)
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.csp_errors = []

    def on_console(message):
        if message.type == "error" and "Content Security Policy" in message.text:
            page.csp_errors.append(message.text)

    page.on("console", on_console)
    login(page, firm.manager)
    yield page
    context.close()


@pytest.fixture
def busy_firm(firm):
    """Enough data that every table has rows, long texts and negative and at-risk balances."""
    PurchaseFactory(client=firm.acme, hours=Decimal("10"), note="Retainer for the spring season")
    PurchaseFactory(client=firm.globex, hours=Decimal("1"))
    RateFactory(member=firm.manager_member, project=firm.acme_project, rate=Decimal("150.00"))
    today = timezone.localdate()
    long_text = "Reproduced the checkout failure with a very long card holder name " * 2
    for days_ago in range(6):
        on = today - datetime.timedelta(days=days_ago)
        TimeEntryFactory(
            member=firm.manager_member,
            task=firm.acme_task,
            duration_minutes=95,
            on_date=on,
            description=long_text,
            by=firm.manager_member.user,
        )
        TimeEntryFactory(
            member=firm.manager_member,
            task=firm.internal_task,
            duration_minutes=30,
            on_date=on,
            description="Stand-up",
            by=firm.manager_member.user,
        )
    TimeEntryFactory(
        member=firm.manager_member,
        task=firm.globex_task,
        duration_minutes=120,
        on_date=today,
        description="Patched the servers",
        by=firm.manager_member.user,
    )
    return firm


def staff_pages(firm):
    return {
        "My Work": "/my-work/",
        "Timesheet": "/timesheet/",
        "Client directory": "/clients/",
        "Client page": f"/clients/{firm.acme.pk}/",
        "Project page": f"/projects/{firm.acme_project.pk}/",
        "Task page": f"/tasks/{firm.acme_task.pk}/",
        "Sync": "/sync/",
    }


def page_width(page):
    return page.evaluate("document.documentElement.scrollWidth")


def overflowing(page):
    """The outermost elements reaching past the right edge: what to fix when a page is too wide."""
    return page.evaluate(
        """(width) => [...document.querySelectorAll("body *")]
            .filter((e) => e.getBoundingClientRect().right > width + 0.5)
            .filter((e) => !e.parentElement || e.parentElement.getBoundingClientRect().right <= width + 0.5)
            .map((e) => `${e.tagName.toLowerCase()}#${e.id}.${e.className}: ${Math.round(e.getBoundingClientRect().right)}`)""",
        PHONE["width"],
    )


def axe_report(page):
    results = AXE.run(page)
    return "" if results.violations_count == 0 else results.generate_report()


def test_every_staff_page_fits_a_phone_without_csp_errors_or_axe_violations(phone, busy_firm):
    too_wide, reports = {}, {}
    for name, url in staff_pages(busy_firm).items():
        phone.goto(url)
        phone.wait_for_load_state("networkidle")
        expect(phone.get_by_role("heading", level=1)).to_be_visible()
        if (width := page_width(phone)) > PHONE["width"]:
            too_wide[name] = (width, overflowing(phone))
        if report := axe_report(phone):
            reports[name] = report

    assert too_wide == {}
    assert reports == {}, "\n".join(f"== {name}\n{report}" for name, report in reports.items())
    assert phone.csp_errors == []


def test_the_header_stays_at_most_two_lines_on_a_phone(phone, busy_firm):
    phone.goto("/my-work/")
    header = phone.locator("header.topbar").bounding_box()
    brand = phone.get_by_role("link", name="Hourbank").bounding_box()

    assert header["height"] < 3 * brand["height"] + 24
    for name in ("My Work", "Timesheet", "Clients", "Sync"):
        expect(
            phone.get_by_role("navigation", name="Main").get_by_role("link", name=name)
        ).to_be_attached()


def test_the_log_time_dialog_is_centred_with_save_visible_on_a_phone(phone, busy_firm):
    phone.goto("/my-work/")
    phone.get_by_role("link", name="Log time").click()
    dialog = phone.get_by_role("dialog")
    expect(dialog).to_be_visible()
    pick_task(dialog, "Task", "checkout", "ACME · ACME-WEB · Checkout bug")
    dialog.get_by_label("Duration", exact=True).fill("1h")
    expect(dialog).to_contain_text("Billing at USD 150.00/h")

    box = dialog.bounding_box()
    left_margin = box["x"]
    right_margin = PHONE["width"] - (box["x"] + box["width"])
    assert abs(left_margin - right_margin) <= 2 and left_margin >= 0
    expect(dialog.get_by_role("button", name="Save")).to_be_in_viewport()
    assert page_width(phone) <= PHONE["width"]
    report = axe_report(phone)
    assert report == ""
    assert phone.csp_errors == []


def test_the_skip_link_is_the_first_tab_stop_and_moves_to_the_main_content(phone, busy_firm):
    phone.goto("/clients/")
    phone.keyboard.press("Tab")
    skip = phone.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    phone.keyboard.press("Enter")

    assert phone.evaluate("document.activeElement.id") == "main"


def test_a_request_in_flight_shows_htmx_indicators_through_our_css_only(phone, busy_firm):
    """With htmx's inline <style> turned off, app.css alone hides and shows `.htmx-indicator`."""
    phone.goto("/clients/")
    phone.evaluate(
        """() => {
            const spinner = document.createElement("span");
            spinner.className = "htmx-indicator";
            spinner.id = "probe";
            spinner.textContent = "Loading";
            document.querySelector("main").append(spinner);
        }"""
    )
    probe = phone.locator("#probe")
    opacity = "getComputedStyle(document.getElementById('probe')).opacity"

    assert phone.evaluate(opacity) == "0"
    phone.evaluate("document.querySelector('main').classList.add('htmx-request')")
    expect(probe).to_have_css("opacity", "1")
    assert phone.locator("head style").count() == 0
    assert phone.csp_errors == []


def test_the_open_task_combobox_fits_a_phone(phone, busy_firm):
    phone.goto("/my-work/")
    phone.get_by_role("link", name="Log time").click()
    dialog = phone.get_by_role("dialog")
    combobox = dialog.get_by_role("combobox", name="Task", exact=True)
    combobox.fill("c")
    expect(combobox).to_have_attribute("aria-expanded", "true")
    listbox = dialog.get_by_role("listbox")
    expect(listbox.get_by_role("option").first).to_be_visible()

    assert page_width(phone) <= PHONE["width"], overflowing(phone)
    box = listbox.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]


def test_the_undo_flash_after_a_delete_fits_a_phone(phone, busy_firm):
    phone.goto("/my-work/")
    row = phone.locator("tr", has_text="Patched the servers")
    row.get_by_role("link", name="Delete").click()
    phone.get_by_role("dialog").get_by_role("button", name="Delete").click()
    undo = phone.locator("#flash").get_by_role("button", name="Undo")
    expect(undo).to_be_visible()
    expect(undo).to_be_in_viewport()

    assert page_width(phone) <= PHONE["width"], overflowing(phone)


def test_the_running_header_timer_fits_a_phone(phone, busy_firm):
    phone.goto(f"/tasks/{busy_firm.acme_task.pk}/")
    phone.get_by_role("button", name="Start timer").click()
    header_timer = phone.locator("header .header-timer")
    expect(header_timer).to_be_visible()

    for url in ("/my-work/", "/timesheet/", "/clients/"):
        phone.goto(url)
        expect(header_timer.get_by_role("button", name="Stop")).to_be_in_viewport()
        assert page_width(phone) <= PHONE["width"], (url, overflowing(phone))
    # One line of its own, between the brand and the menu.
    brand = phone.get_by_role("link", name="Hourbank").bounding_box()
    timer = header_timer.bounding_box()
    menu = phone.get_by_role("navigation", name="Main").bounding_box()
    assert timer["height"] < 2 * brand["height"]
    assert brand["y"] + brand["height"] <= timer["y"] < timer["y"] + timer["height"] <= menu["y"]
