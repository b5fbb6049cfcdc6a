"""Real headless Chromium (Debian's) driven by Playwright against pytest-django's live server.

Fixtures for every browser test:
- `browser`: one Chromium per test module; a launch failure fails the tests, never skips them.
- `new_page`: a fresh, logged-out page (its own cookies) whose relative URLs go to the live server.
- `page`: a page already logged in as `firm.staff`; `login(page, user)` logs in anyone else.
"""

import os

import pytest
from playwright.sync_api import Page, sync_playwright

from tests.factories import PASSWORD

CHROMIUM_ARGS = [
    "--no-sandbox",  # CI runs as root, where Chromium's sandbox cannot start
    "--disable-gpu",
    # The machine has no network but the package registries: background fetches only fail slowly.
    "--disable-background-networking",
    "--disable-component-update",
]


@pytest.fixture(scope="module")
def browser():
    executable = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
    with pytest.MonkeyPatch.context() as env:
        # Playwright's sync API keeps an event loop on this thread for as long as it runs, and
        # Django then refuses ORM calls on it (fixtures, assertions, the database flush after each
        # test) although they are plain synchronous code. Allowed only while the browser lives.
        env.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(
                executable_path=executable, args=CHROMIUM_ARGS, headless=True
            )
            yield chromium
            chromium.close()


@pytest.fixture
def new_page(browser, live_server):
    context = browser.new_context(base_url=live_server.url)
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


def login(page: Page, user, password: str = PASSWORD) -> Page:
    """Log in through the real form, as a person would, and wait for the page it lands on."""
    page.goto("/login/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda url: "/login/" not in url)
    return page


@pytest.fixture
def page(new_page, firm):
    return login(new_page, firm.staff)
