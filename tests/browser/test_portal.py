"""The portal in real headless Chromium: a worklog arriving through the sync service shows on
the open page without a reload; the page is usable on a 390 px phone and axe-core clean."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.browser.conftest import login
from tests.sync import conftest as sync_fixtures
from tests.sync.conftest import remaining as remaining_minutes
from tests.sync.conftest import sync

pytestmark = pytest.mark.browser

# The sync fixtures (the fake Jira over HTTP, a firm wired to it) serve these tests too.
fake_jira = sync_fixtures.fake_jira
jira_settings = sync_fixtures.jira_settings
jira_firm = sync_fixtures.jira_firm


def test_a_synced_worklog_shows_on_the_open_portal_without_reload(new_page, jira_firm):
    page = login(new_page, jira_firm.acme_user)
    page.goto("/portal/")
    remaining = page.get_by_test_id("remaining")
    expect(remaining).to_have_text("40.00 h")
    page.evaluate("window.portalMarker = 'still the same page'")
    jira_firm.fake.add_worklog("10001", seconds=2 * 3600)
    jira_firm.fake.tick()  # the feed leaves out the last minute
    sync(jira_firm.fake)
    assert remaining_minutes(jira_firm.acme) == 38 * 60
    # The fragment polls every 15 s.
    expect(remaining).to_have_text("38.00 h", timeout=25_000)
    assert page.evaluate("window.portalMarker") == "still the same page"


def test_portal_on_a_phone_is_accessible(browser, live_server, jira_firm):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 390, "height": 844})
    page = context.new_page()
    csp_errors = []
    page.on(
        "console",
        lambda m: (
            csp_errors.append(m.text)
            if m.type == "error" and "Content Security Policy" in m.text
            else None
        ),
    )
    login(page, jira_firm.acme_user)
    page.goto("/portal/")
    expect(page.get_by_role("heading", name="Hour bank")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert csp_errors == []
    violations = Axe().run(page).response["violations"]
    assert violations == [], [v["id"] for v in violations]
    context.close()
