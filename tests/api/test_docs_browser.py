"""The interactive API docs render in a real browser under the site's strict CSP."""

import shutil

import pytest
from playwright.sync_api import sync_playwright

pytestmark = pytest.mark.browser


def test_swagger_ui_renders_every_operation_without_csp_violations(live_server):
    with sync_playwright() as playwright:
        # The system Chromium when there is one, else Playwright's own download.
        browser = playwright.chromium.launch(executable_path=shutil.which("chromium"))
        try:
            page = browser.new_page()
            problems = []
            page.on(
                "console", lambda message: message.type == "error" and problems.append(message.text)
            )
            page.on("pageerror", lambda error: problems.append(str(error)))
            page.goto(f"{live_server.url}/api/v1/docs")
            page.wait_for_selector(".opblock-summary-path", timeout=15_000)
            paths = set(page.locator(".opblock-summary-path").all_inner_texts())
        finally:
            browser.close()
    assert {"/api/v1/clients/{id}/hours", "/api/v1/time-entries/{id}", "/api/v1/projects"} <= paths
    assert problems == []
