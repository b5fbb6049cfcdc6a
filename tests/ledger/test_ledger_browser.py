"""The ledger card in real headless Chromium: htmx loads it into the client page, a manager adds
a correction, and the summary and card refresh without a reload."""

import pytest
from playwright.sync_api import expect

# The browser fixtures live in tests/browser/conftest.py, which pytest only applies there.
from tests.browser.conftest import browser, login, new_page  # noqa: F401

from .helpers import block

pytestmark = pytest.mark.django_db(transaction=True)


def test_manager_adds_a_correction_on_the_client_page(new_page, firm):  # noqa: F811
    block(firm.acme, "10", on="2026-01-01", expires="2099-12-31")
    page = login(new_page, firm.manager)
    page.goto(f"/clients/{firm.acme.pk}/")
    card = page.locator("#ledger")
    expect(card.get_by_role("heading", name="Hour blocks")).to_be_visible()
    expect(card.locator("tbody").first).to_contain_text("31 Dec 2099")
    card.get_by_label("Kind").select_option("correction")
    card.get_by_label("Hours").fill("-2.5")
    card.get_by_label("Note").fill("Sold twice")
    card.get_by_role("button", name="Add to ledger").click()
    expect(page.locator("#ledger")).to_contain_text("Sold twice")
    expect(page.locator("#summary")).to_contain_text("7.50 h")
    errors = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    card = page.locator("#ledger")
    card.get_by_label("Kind").select_option("correction")
    card.get_by_label("Hours").fill("-1")
    card.get_by_role("button", name="Add to ledger").click()
    expect(page.locator("#ledger")).to_contain_text("needs a note")
    assert errors == []
