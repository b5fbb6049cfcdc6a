"""Issue 12 in real headless Chromium: the timesheet's one save path, the preview matching what
Save stores, keyboard-only logging with the task combobox, focus after actions, delete with
Cancel focused and Undo, and the header timer — with axe-core on the new widgets."""

import re
from decimal import Decimal

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.combobox import pick_task
from tests.factories import PurchaseFactory, RateFactory, TimeEntryFactory
from timetracking.models import EntryChange, TimeEntry, Timer

pytestmark = pytest.mark.django_db(transaction=True)

AXE = Axe()
TASK_OPTION = "ACME · ACME-WEB · Checkout bug"


def axe_report(page) -> str:
    results = AXE.run(page)
    return "" if results.violations_count == 0 else results.generate_report()


@pytest.fixture
def csp_errors(page):
    errors = []
    page.on(
        "console",
        lambda message: (
            errors.append(message.text)
            if message.type == "error" and "Content Security Policy" in message.text
            else None
        ),
    )
    return errors


def test_enter_twice_in_a_timesheet_cell_and_a_click_make_one_entry(page, firm, csp_errors):
    page.goto("/timesheet/")
    page.get_by_role("combobox", name="Add a row", exact=True).fill("checkout")
    page.get_by_role("option", name=TASK_OPTION, exact=True).click()
    page.get_by_role("button", name="Add row").click()
    today = timezone.localdate()
    cell = page.locator(f"#cell-{firm.acme_task.pk}-{today.isoformat()}")

    cell.fill("2h")
    cell.press("Enter")
    cell.press("Enter")
    page.locator("h1").click()  # leaving the cell by mouse fires its change event too
    expect(page.locator("#week-total")).to_have_text("2h")
    page.wait_for_load_state("networkidle")

    assert list(TimeEntry.objects.values_list("duration_minutes", flat=True)) == [120]
    assert EntryChange.objects.count() == 1
    # The cell stays editable and holds the saved value.
    expect(page.locator(f"#cell-{firm.acme_task.pk}-{today.isoformat()}")).to_have_value("2h")
    page.reload()
    expect(page.locator(f"#cell-{firm.acme_task.pk}-{today.isoformat()}")).to_have_value("2h")
    assert csp_errors == []


def test_preview_after_rapid_changes_equals_what_save_stores(page, firm, csp_errors):
    PurchaseFactory(client=firm.acme, hours=Decimal("10"))
    RateFactory(member=firm.staff_member, project=firm.acme_project, rate=Decimal("150.00"))
    page.goto(f"/tasks/{firm.acme_task.pk}/")
    page.get_by_role("link", name="Log time").click()
    dialog = page.get_by_role("dialog")
    duration = dialog.get_by_label("Duration", exact=True)

    duration.fill("1h")
    dialog.get_by_label("Billable", exact=True).uncheck()
    duration.fill("1.5")  # hours: 90 minutes
    dialog.get_by_label("Billable", exact=True).check()
    dialog.get_by_label("Billable", exact=True).uncheck()

    preview = dialog.locator("#entry-preview")
    expect(preview).to_contain_text("Duration: 1h 30m")
    expect(preview).to_contain_text("Not billable")
    expect(preview).to_contain_text("10.00 h after this entry")
    dialog.get_by_role("button", name="Save").click()
    expect(page.get_by_role("dialog")).to_have_count(0)

    entry = TimeEntry.objects.get()
    assert entry.duration_minutes == 90 and entry.billable_minutes == 0
    assert csp_errors == []


def test_keyboard_only_logging_from_my_work_with_the_combobox(page, firm, csp_errors):
    page.goto("/my-work/")
    page.get_by_role("link", name="Log time").focus()
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog")
    combobox = dialog.get_by_role("combobox", name="Task", exact=True)
    expect(combobox).to_be_focused()

    page.keyboard.type("checkout")
    expect(combobox).to_have_attribute("aria-expanded", "true")
    expect(dialog.get_by_role("option", name=TASK_OPTION, exact=True)).to_be_visible()
    assert axe_report(page) == ""  # the open combobox
    page.keyboard.press("ArrowDown")
    expect(combobox).to_have_attribute(
        "aria-activedescendant", f"id_task-option-{firm.acme_task.pk}"
    )
    page.keyboard.press("Enter")
    expect(combobox).to_have_value(TASK_OPTION)
    expect(combobox).to_have_attribute("aria-expanded", "false")
    expect(dialog.locator("#entry-preview")).to_contain_text("Billing at USD 100.00/h")

    duration = dialog.get_by_label("Duration", exact=True)
    for _ in range(6):  # through the date's day, month and year to the duration
        page.keyboard.press("Tab")
        if duration.evaluate("element => element === document.activeElement"):
            break
    expect(duration).to_be_focused()
    page.keyboard.type("45m")
    page.keyboard.press("Enter")
    expect(page.get_by_role("dialog")).to_have_count(0)

    entry = TimeEntry.objects.get()
    assert entry.task == firm.acme_task and entry.duration_minutes == 45
    # Focus is on the saved entry's row, not on <body>; the status line says what was saved.
    expect(page.locator("#flash")).to_contain_text("45m")
    expect(page.locator(f"#entry-{entry.pk}")).to_be_focused()
    assert csp_errors == []


def test_a_search_answered_after_the_pick_leaves_the_list_closed(page, firm, csp_errors):
    page.goto("/my-work/")
    page.get_by_role("link", name="Log time").click()
    dialog = page.get_by_role("dialog")
    combobox = dialog.get_by_role("combobox", name="Task", exact=True)
    combobox.press_sequentially("check")
    option = dialog.get_by_role("option", name=TASK_OPTION, exact=True)
    expect(option).to_be_visible()
    # More typing sends another search (after the 250 ms pause); the pick comes before its answer.
    with page.expect_response(lambda response: "/log-time/tasks/" in response.url):
        combobox.press_sequentially("out")
        page.keyboard.press("ArrowDown")
        page.keyboard.press("Enter")
        expect(combobox).to_have_attribute("aria-expanded", "false")
    page.wait_for_timeout(100)  # the late answer has been swapped in
    expect(combobox).to_have_value(TASK_OPTION)
    expect(combobox).to_have_attribute("aria-expanded", "false")
    expect(dialog.get_by_role("listbox")).to_be_hidden()
    assert csp_errors == []


def test_edit_focuses_the_edited_row(page, firm, csp_errors):
    kept = TimeEntryFactory(
        task=firm.acme_task,
        member=firm.staff_member,
        duration_minutes=30,
        description="Kept as is",
        by=firm.staff_member.user,
    )
    entry = TimeEntryFactory(
        task=firm.acme_task,
        member=firm.staff_member,
        duration_minutes=60,
        description="Edit me",
        by=firm.staff_member.user,
    )
    page.goto("/my-work/")

    page.locator(f"#entry-{entry.pk}").get_by_role("link", name="Edit").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Duration", exact=True).fill("2h")
    dialog.get_by_role("button", name="Save").click()

    expect(page.get_by_role("dialog")).to_have_count(0)
    expect(page.locator(f"#entry-{entry.pk}")).to_contain_text("2h")
    expect(page.locator(f"#entry-{entry.pk}")).to_be_focused()
    expect(page.locator(f"#entry-{kept.pk}")).not_to_be_focused()
    entry.refresh_from_db()
    assert entry.duration_minutes == 120
    assert csp_errors == []


def test_delete_focuses_cancel_then_undo_restores_entry_and_history(page, firm, csp_errors):
    PurchaseFactory(client=firm.acme, hours=Decimal("10"))
    entry = TimeEntryFactory(
        task=firm.acme_task,
        member=firm.staff_member,
        duration_minutes=90,
        description="Undo me",
        by=firm.staff_member.user,
    )
    history = list(EntryChange.objects.values_list("pk", "kind"))
    page.goto("/my-work/")
    row = page.locator("tr", has_text="Undo me")

    row.get_by_role("link", name="Delete").click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_role("link", name="Cancel")).to_be_focused()
    page.keyboard.press("Enter")  # Enter on the focused Cancel: nothing is deleted
    expect(page.get_by_role("dialog")).to_have_count(0)
    assert TimeEntry.objects.count() == 1

    row.get_by_role("link", name="Delete").click()
    page.get_by_role("dialog").get_by_role("button", name="Delete").click()
    expect(page.get_by_role("dialog")).to_have_count(0)
    undo = page.locator("#flash").get_by_role("button", name="Undo")
    expect(undo).to_be_focused()
    assert not TimeEntry.objects.exists()
    assert axe_report(page) == ""  # the status line with Undo

    page.keyboard.press("Enter")
    expect(page.locator("#flash")).to_contain_text("Restored 1h 30m")
    expect(page.locator("tr", has_text="Undo me")).to_have_count(1)
    expect(page.locator(f"#entry-{entry.pk}")).to_be_focused()  # the restored row
    restored = TimeEntry.objects.get()
    assert restored.pk == entry.pk
    assert list(EntryChange.objects.values_list("pk", "kind")) == history
    assert csp_errors == []


def test_undo_goes_after_ten_seconds(page, firm):
    TimeEntryFactory(
        task=firm.acme_task, member=firm.staff_member, description="Gone", by=firm.staff_member.user
    )
    page.clock.install()
    page.goto("/my-work/")
    page.locator("tr", has_text="Gone").get_by_role("link", name="Delete").click()
    page.get_by_role("dialog").get_by_role("button", name="Delete").click()
    undo = page.locator("#flash").get_by_role("button", name="Undo")
    expect(undo).to_be_visible()

    page.clock.run_for(11_000)

    expect(undo).to_have_count(0)
    expect(page.locator("#flash")).to_contain_text("Deleted")


def test_the_header_timer_from_a_task_page(page, firm, csp_errors):
    page.goto(f"/tasks/{firm.globex_task.pk}/")
    page.get_by_role("button", name="Start timer").click()
    header_timer = page.locator("header .header-timer")
    expect(header_timer).to_contain_text(firm.globex_task.name)
    # Seconds tick while it runs.
    expect(header_timer.locator("time")).to_have_text(re.compile(r"^0:00:0[1-9]$"))

    page.goto("/clients/")  # every page shows it
    expect(page.locator("header .header-timer")).to_contain_text(firm.globex_task.name)
    assert axe_report(page) == ""
    page.locator("header .header-timer").get_by_role("button", name="Stop").click()

    expect(page.locator("header .header-timer")).to_have_count(0)
    expect(page).to_have_url(re.compile(r"/clients/$"))
    entry = TimeEntry.objects.get()
    assert entry.task == firm.globex_task and entry.duration_minutes == 1  # a 1-minute floor
    assert not Timer.objects.exists()
    assert csp_errors == []


def test_the_header_timer_follows_htmx_start_and_stop_without_a_reload(page, firm, csp_errors):
    page.goto("/my-work/")
    page.evaluate("window.sameDocument = true")  # gone if the page reloads
    header_timer = page.locator("header .header-timer")
    expect(header_timer).to_have_count(0)

    timer_card = page.locator("#timer")
    pick_task(timer_card, "What are you working on?", "checkout", TASK_OPTION)
    timer_card.get_by_role("button", name="Start timer").click()

    expect(header_timer).to_contain_text(firm.acme_task.name)
    expect(header_timer.locator("time")).to_have_text(re.compile(r"^0:00:0[1-9]$"))
    expect(timer_card.get_by_role("button", name="Stop timer")).to_be_visible()
    assert Timer.objects.filter(member=firm.staff_member).exists()

    header_timer.get_by_role("button", name="Stop").click()

    expect(header_timer).to_have_count(0)
    expect(page.locator("#flash")).to_contain_text("from the timer")
    entry = TimeEntry.objects.get()
    assert entry.task == firm.acme_task and entry.duration_minutes == 1
    assert not Timer.objects.exists()
    # My Work follows too: its timer card offers a new start, the day lists the logged entry,
    # and focus is on that entry's row.
    expect(timer_card.get_by_role("button", name="Start timer")).to_be_visible()
    expect(page.locator(f"#entry-{entry.pk}")).to_be_focused()
    assert page.evaluate("window.sameDocument === true")
    assert csp_errors == []
