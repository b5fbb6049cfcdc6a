"""Picking a task in the task combobox the way a mouse user does: type, then click the option."""

from playwright.sync_api import expect


def pick_task(scope, field_label: str, search: str, option: str) -> None:
    field = scope.get_by_role("combobox", name=field_label, exact=True)
    field.fill(search)
    choice = scope.get_by_role("option", name=option, exact=True)
    expect(choice).to_be_visible()
    choice.click()
    expect(field).to_have_value(option)
