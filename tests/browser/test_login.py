"""Logging in through real headless Chromium lands each role on its own page."""

import re

import pytest
from playwright.sync_api import expect

from .conftest import login

pytestmark = pytest.mark.browser


def test_staff_member_logs_in_and_sees_my_work(page):
    # `page` logged in as firm.staff, a member, through the real login form.
    expect(page).to_have_url(re.compile(r"/my-work/$"))
    expect(page.get_by_role("heading", name="My Work", level=1)).to_be_visible()
    expect(page.get_by_role("heading", name=re.compile(r"logged today$"))).to_be_visible()


def test_client_user_lands_on_their_portal(new_page, firm):
    login(new_page, firm.acme_user)

    expect(new_page).to_have_url(re.compile(r"/portal/$"))
    expect(new_page.get_by_role("heading", name=firm.acme.name)).to_be_visible()
    expect(new_page.get_by_text(firm.globex.name)).to_have_count(0)


def test_wrong_password_stays_on_login_with_an_error(new_page, firm):
    new_page.goto("/login/")
    new_page.get_by_label("Username").fill(firm.staff.username)
    new_page.get_by_label("Password").fill("not-the-password")
    new_page.get_by_role("button", name="Log in").click()

    expect(new_page.get_by_role("alert")).to_contain_text("didn't match")
    expect(new_page).to_have_url(re.compile(r"/login/$"))
