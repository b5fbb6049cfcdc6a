"""A new staff member's day in real headless Chromium: log time through the dialog, see the rate
preview and the hour bank move, edit the entry, meet the lock of an invoiced entry, run a timer."""

import datetime
import re
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.combobox import pick_task
from tests.factories import PurchaseFactory, RateFactory, TimeEntryFactory
from tests.timetracking.views_support import invoice_and_lock

pytestmark = pytest.mark.browser

TASK_OPTION = "ACME · ACME-WEB · Checkout bug"


@pytest.fixture
def csp_errors(page):
    """Console errors about the Content Security Policy (inline code would trigger them)."""
    errors = []

    def on_console(message):
        if message.type == "error" and "Content Security Policy" in message.text:
            errors.append(message.text)

    page.on("console", on_console)
    return errors


def test_staff_journey(page, firm, csp_errors):
    PurchaseFactory(client=firm.acme, hours=Decimal("10"))
    RateFactory(member=firm.staff_member, project=firm.acme_project, rate=Decimal("150.00"))
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    invoiced = TimeEntryFactory(
        task=firm.acme_task,
        member=firm.staff_member,
        duration_minutes=60,
        on_date=yesterday,
        description="Billed last month",
        by=firm.staff_member.user,
    )
    invoice_and_lock(firm.acme, [invoiced])
    # The hour bank before today's work: 10 h bought, 1 h used.

    # Log 1h 30m from My Work through the dialog, without a page load.
    page.goto("/my-work/")
    expect(page.get_by_role("heading", name="0h logged today")).to_be_visible()
    page.evaluate("window.__samePage = true")
    page.get_by_role("link", name="Log time").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    pick_task(dialog, "Task", "checkout", TASK_OPTION)
    expect(dialog.get_by_label("Date", exact=True)).to_have_value(timezone.localdate().isoformat())
    expect(dialog.get_by_label("Billable", exact=True)).to_be_checked()

    dialog.get_by_label("Duration", exact=True).fill("soon")
    dialog.get_by_role("button", name="Save").click()
    # The dialog comes back from the server with the message next to the field and the text kept.
    expect(dialog.get_by_label("Duration", exact=True)).to_have_attribute("aria-invalid", "true")
    expect(dialog.locator("#duration-error")).to_contain_text("Duration 'soon' is not understood")
    expect(dialog.get_by_label("Duration", exact=True)).to_have_value("soon")

    dialog.get_by_label("Duration", exact=True).fill("1h 30m")
    dialog.get_by_label("Description", exact=True).fill("Fixed the checkout")
    expect(dialog).to_contain_text("Billing at USD 150.00/h")
    expect(dialog).to_contain_text("9.00 h left now")
    expect(dialog).to_contain_text("7.50 h after this entry")
    dialog.get_by_role("button", name="Save").click()

    expect(page.get_by_role("dialog")).to_have_count(0)
    expect(page.get_by_role("heading", name="1h 30m logged today")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("Logged 1h 30m on Checkout bug")
    assert page.evaluate("window.__samePage") is True  # no full reload
    # The chart is redrawn after htmx swaps the refreshed week in: wait for it (fails on timeout).
    page.wait_for_function(
        "!!(window.Chart && Chart.getChart(document.querySelector('canvas[data-chart]')))",
        timeout=10_000,
    )

    # The client page shows the balance change.
    page.goto(f"/clients/{firm.acme.pk}/")
    summary = page.locator("#summary")
    expect(summary).to_contain_text("Consumed2.50 h")
    expect(summary).to_contain_text("Remaining7.50 h")

    # Edit it.
    page.goto("/my-work/")
    page.locator("tr", has_text="Fixed the checkout").get_by_role("link", name="Edit").click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_label("Task", exact=True)).to_have_value(re.compile("Checkout bug"))
    dialog.get_by_label("Duration", exact=True).fill("2h")
    expect(dialog).to_contain_text("7.00 h after this entry")
    dialog.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", name="2h logged today")).to_be_visible()

    # An invoiced entry cannot be edited.
    page.goto(f"/my-work/?day={yesterday.isoformat()}")
    page.locator("tr", has_text="Billed last month").get_by_role("link", name="Edit").click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_role("alert")).to_contain_text("is on invoice INV-2026-0001 and is locked")
    expect(dialog.get_by_role("button", name="Save")).to_have_count(0)
    dialog.get_by_role("link", name="Close").click()
    expect(page.get_by_role("dialog")).to_have_count(0)

    # Start a timer, see it run, reload, stop it: an ordinary entry of at least a minute.
    page.goto("/my-work/")
    pick_task(page, "What are you working on?", "checkout", TASK_OPTION)
    page.get_by_role("button", name="Start timer").click()
    timer = page.locator("#timer")
    expect(timer).to_contain_text("Running on Checkout bug")
    expect(timer.locator("time")).to_have_text(re.compile(r"^0:00:0[1-9]$"))
    page.reload()
    expect(page.locator("#timer")).to_contain_text("Running on Checkout bug")
    page.get_by_role("button", name="Stop timer").click()
    expect(page.get_by_role("heading", name="2h 1m logged today")).to_be_visible()
    expect(page.locator("#timer")).to_contain_text("What are you working on?")

    assert csp_errors == []


def test_log_time_from_the_task_page_and_fill_the_timesheet(page, firm, csp_errors):
    page.goto(f"/tasks/{firm.globex_task.pk}/")
    page.get_by_role("link", name="Log time").click()
    dialog = page.get_by_role("dialog")
    expect(dialog.locator("#id_task-value")).to_have_value(str(firm.globex_task.pk))
    expect(dialog).to_contain_text("Billing at USD 100.00/h")  # the member default rate
    dialog.get_by_label("Duration", exact=True).fill("45")
    dialog.get_by_role("button", name="Save").click()
    expect(page.get_by_role("dialog")).to_have_count(0)
    expect(page.locator("#entries")).to_contain_text("45m")

    # The timesheet: type into a cell, leave it, and the totals follow without a reload.
    page.goto("/timesheet/")
    today = timezone.localdate()
    cell = page.locator(f"#cell-{firm.globex_task.pk}-{today.isoformat()}")
    expect(cell).to_have_value("45m")
    cell.fill("1:15")
    cell.press("Tab")
    expect(page.locator("#week-total")).to_have_text("1h 15m")
    expect(page.locator(f"#row-total-{firm.globex_task.pk}")).to_have_text("1h 15m")
    cell = page.locator(f"#cell-{firm.globex_task.pk}-{today.isoformat()}")
    cell.fill("nope")
    cell.press("Tab")
    expect(page.locator(f"#err-cell-{firm.globex_task.pk}-{today.isoformat()}")).to_contain_text(
        "is not understood"
    )
    expect(page.locator("#week-total")).to_have_text("1h 15m")

    assert csp_errors == []
