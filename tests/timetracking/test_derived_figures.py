"""Every total of entry values is the sum of per-entry rounded values (PRODUCT §1, "Derived
figures"): the unbilled card, the unbilled-time API, the project page and My Work agree to the
cent whatever they group by."""

from decimal import Decimal

import pytest
from django.urls import reverse

from core.units import minutes_value
from tests.factories import MemberFactory, RateFactory, TimeEntryFactory, make_user

pytestmark = pytest.mark.django_db


def _entries(member, task, minutes, count):
    return TimeEntryFactory.create_batch(count, task=task, member=member, duration_minutes=minutes)


@pytest.fixture
def awkward(firm):
    """7 × 10 min at 100.00/h (16.67 each: 116.69, where 70 min rounded once is 116.67) and
    3 × 5 min at 33.33/h (2.78 each: 8.34, where 15 min rounded once is 8.33)."""
    odd = MemberFactory(user=make_user("odd-rate", "staff"))
    RateFactory(member=odd, rate=Decimal("33.33"))
    entries = _entries(firm.staff_member, firm.acme_task, 10, 7)
    entries += _entries(odd, firm.acme_task, 5, 3)
    return entries


def test_unbilled_card_api_project_page_and_my_work_agree_to_the_cent(firm, as_user, awkward):
    expected_total = Decimal("125.03")  # 7 × 16.67 + 3 × 2.78
    assert (
        sum(minutes_value(entry.billable_minutes, entry.billing_rate) for entry in awkward)
        == expected_total
    )

    http = as_user(firm.manager)
    page = http.get(reverse("client-detail", args=[firm.acme.pk]))
    unbilled = page.context["unbilled"]
    assert unbilled.total_value == expected_total
    assert [project.value for project in unbilled.projects] == [expected_total]
    assert f"USD {expected_total}" in page.content.decode()

    api = http.get(f"/api/v1/clients/{firm.acme.pk}/unbilled-time").json()
    assert api["total_value"] == str(expected_total)
    assert [project["value"] for project in api["projects"]] == [str(expected_total)]
    assert sum(Decimal(row["value"]) for row in api["projects"][0]["entries"]) == expected_total

    summary = http.get(reverse("project-detail", args=[firm.acme_project.pk])).context["summary"]
    assert summary.billable_value == expected_total
    by_member = {member.name: member for member in summary.members}
    assert sorted(member.billable_value for member in by_member.values()) == [
        Decimal("8.34"),
        Decimal("116.69"),
    ]
    assert sum(member.billable_value for member in summary.members) == expected_total
    # Each member's task rows (loaded when their row is opened) add up to the member's value.
    for member in summary.members:
        opened = http.get(
            reverse("project-detail", args=[firm.acme_project.pk]), {"member": member.member_id}
        ).context["summary"]
        (tasks,) = [m.tasks for m in opened.members if m.member_id == member.member_id]
        assert [task.billable_value for task in tasks] == [member.billable_value]

    # My Work shows time, not money: its billable hours are the same entries' minutes.
    my_work = as_user(firm.staff).get(reverse("my-work"), {"period": "this_week"})
    (row,) = my_work.context["projects"]
    staff_time = next(m for m in summary.members if m.member_id == firm.staff_member.pk)
    assert (row.minutes, row.billable_minutes) == (70, staff_time.billable_duration)


def test_project_page_counts_entries_without_a_rate_and_leaves_their_value_out(firm, as_user):
    rateless = MemberFactory(user=make_user("no-rate", "staff"))
    _entries(rateless, firm.acme_task, 30, 2)
    _entries(firm.staff_member, firm.acme_task, 10, 1)

    summary = (
        as_user(firm.manager)
        .get(reverse("project-detail", args=[firm.acme_project.pk]))
        .context["summary"]
    )

    assert summary.entries_without_rate == 2
    assert summary.billable_value == Decimal("16.67")
