"""The project page in real headless Chromium: a member's task rows arrive when their row is
opened (a big project has hundreds), by mouse or keyboard, with no axe-core violations."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.factories import TaskFactory, TimeEntryFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_opening_a_member_loads_their_tasks(page, firm):
    release = TaskFactory(project=firm.acme_project, name="Release train")
    TimeEntryFactory(
        task=release, member=firm.staff_member, duration_minutes=90, by=firm.staff_member.user
    )
    TimeEntryFactory(
        task=firm.acme_task,
        member=firm.other_member,
        duration_minutes=30,
        by=firm.other_member.user,
    )
    page.goto(f"/projects/{firm.acme_project.pk}/")
    staff_row = page.locator(f"#member-{firm.staff_member.pk}")
    expect(staff_row.get_by_role("link", name="Release train")).to_have_count(0)

    staff_row.locator("summary").click()
    expect(staff_row.get_by_role("link", name="Release train")).to_be_visible()

    other_row = page.locator(f"#member-{firm.other_member.pk}")
    other_row.locator("summary").focus()
    page.keyboard.press("Enter")
    expect(other_row.get_by_role("link", name=firm.acme_task.name)).to_be_visible()
    assert Axe().run(page).violations_count == 0
