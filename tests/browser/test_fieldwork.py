"""Field work in real headless Chromium, by keyboard only: open the dialog, type an activity of
a crew with a person adjustment, save with Enter, and read its billable hours in the day list."""

import pytest
from playwright.sync_api import expect

from fieldwork.models import WorkActivity

pytestmark = pytest.mark.browser


def tab_to(page, element_id: str, limit: int = 40) -> None:
    """Press Tab until the field with `element_id` has the focus (as a keyboard user would)."""
    for _ in range(limit):
        if page.evaluate("document.activeElement && document.activeElement.id") == element_id:
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached #{element_id}")


def test_create_an_activity_with_an_adjustment_by_keyboard(page, firm):
    console_errors = []
    page.on(
        "console", lambda message: message.type == "error" and console_errors.append(message.text)
    )
    page.goto("/field/?date=2026-03-02")
    expect(page.get_by_role("heading", name="Activities on Monday 2 March 2026")).to_be_visible()

    page.get_by_role("link", name="New activity").focus()
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_label("Task", exact=True)).to_be_focused()
    page.keyboard.press("ArrowDown")  # the first task: ACME · ACME-WEB · Checkout bug
    expect(dialog.get_by_label("Task", exact=True)).to_have_value(str(firm.acme_task.pk))
    expect(dialog.get_by_label("Lead", exact=True)).to_have_value(str(firm.staff_member.pk))
    expect(dialog.get_by_label("Date", exact=True)).to_have_value("2026-03-02")

    tab_to(page, "id_start_time")
    page.keyboard.type("08:00")
    page.keyboard.press("Tab")
    page.keyboard.type("16:00")
    page.keyboard.press("Tab")
    page.keyboard.press("Control+A")
    page.keyboard.type("3")
    page.keyboard.press("Tab")
    page.keyboard.type("30")  # break
    tab_to(page, "id_adjustments-0-person")
    page.keyboard.type("Andrea")
    page.keyboard.press("Tab")
    page.keyboard.type("2:25")
    page.keyboard.press("Tab")
    page.keyboard.type("stayed late")
    page.keyboard.press("Enter")

    # (8 h × 3 + 2:25 − 0:30 break) = 25.92 h, shown in the day's list after the save.
    row = page.get_by_role("row").filter(has_text="Checkout bug")
    expect(row).to_contain_text("25.92 h")
    expect(row).to_contain_text("Andrea +2h 25m (stayed late)")
    expect(page.get_by_text("Saved: Checkout bug on Mon 02 Mar, 25.92 h billable.")).to_be_visible()
    activity = WorkActivity.objects.get()
    assert activity.time_entry.billable_minutes == 1555
    assert not [error for error in console_errors if "Content Security Policy" in error]
