"""Finance in real headless Chromium: open the generate dialog from the invoice list, pick a
client and period, leave one entry out, generate the draft, approve it."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from billing.models import Invoice
from tests.browser.conftest import login
from timetracking.services import create_entry

pytestmark = pytest.mark.browser


def test_generate_from_the_dialog_and_approve(new_page, firm):
    day = datetime.date(2026, 3, 2)
    kept = create_entry(
        task=firm.acme_task, member=firm.staff_member, on_date=day, duration_minutes=90
    )
    left_out = create_entry(
        task=firm.acme_task, member=firm.staff_member, on_date=day, duration_minutes=30
    )
    page = login(new_page, firm.finance)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Invoices").click()
    expect(page.get_by_role("heading", name="Invoices", exact=True)).to_be_visible()
    page.evaluate("window.__samePage = true")

    page.get_by_role("link", name="Generate invoice").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    dialog.get_by_label("Client").select_option(label=str(firm.acme))
    dialog.get_by_label("From").fill("2026-03-01")
    dialog.get_by_label("To").fill("2026-03-31")
    dialog.get_by_role("button", name="Show unbilled time").click()
    expect(dialog).to_contain_text("Acme website · Checkout bug")
    expect(dialog.get_by_label(f"Entry {kept.pk}")).to_be_checked()
    expect(dialog.get_by_label(f"Entry {left_out.pk}")).to_be_checked()
    assert page.evaluate("window.__samePage") is True  # the dialog works without a page load
    dialog.get_by_label(f"Entry {left_out.pk}").uncheck()
    dialog.get_by_role("button", name="Generate draft").click()

    page.wait_for_url(re.compile(r"/billing/invoices/\d+/$"))
    invoice = Invoice.objects.get()
    expect(page.get_by_role("heading", name=f"Invoice Draft #{invoice.pk}")).to_be_visible()
    expect(page.locator('[data-total="total"]')).to_have_text("150.00")

    page.get_by_role("button", name="Approve").click()
    number = f"INV-{timezone.localdate().year}-0001"
    expect(page.get_by_role("heading", name=f"Invoice {number}")).to_be_visible()
    expect(page.get_by_text(f"Invoice {number} approved.")).to_be_visible()
    expect(page.get_by_role("button", name="Mark sent")).to_be_visible()
    kept.refresh_from_db()
    left_out.refresh_from_db()
    assert (kept.invoice_id, kept.locked) == (invoice.pk, True)
    assert left_out.invoice_id is None
