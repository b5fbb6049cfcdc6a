"""Project page (seed 001's time summary, completion warning) and task page."""

import datetime
from decimal import Decimal

import pytest

from clients.models import Project
from tests.factories import MemberFactory, RateFactory, TaskFactory, TimeEntryFactory, make_user
from tests.timetracking.views_support import (
    PAGE_QUERY_BUDGET,
    htmx,
    invoice_and_lock,
    query_count,
)

pytestmark = pytest.mark.django_db


def test_project_time_summary_totals_value_and_members(firm, as_user):
    firm.acme_project.budget_hours = Decimal("10")
    firm.acme_project.budget_amount = Decimal("1000")
    firm.acme_project.save()
    RateFactory(member=firm.staff_member, project=firm.acme_project, rate=Decimal("150.00"))
    second = TaskFactory(project=firm.acme_project, name="Release")
    TimeEntryFactory(
        task=firm.acme_task,
        member=firm.staff_member,
        duration_minutes=90,
        by=firm.staff_member.user,
    )
    TimeEntryFactory(
        task=second,
        member=firm.staff_member,
        duration_minutes=60,
        billable=False,
        by=firm.staff_member.user,
    )
    TimeEntryFactory(
        task=firm.acme_task,
        member=firm.other_member,
        duration_minutes=30,
        by=firm.other_member.user,
    )

    html = as_user(firm.staff).get(f"/projects/{firm.acme_project.pk}/").content.decode()

    assert "Total<strong>3.00 h" in html
    assert "Billable<strong>2.00 h" in html and "Non-billable<strong>1.00 h" in html
    # 1.5 h × 150 + 0.5 h × 100
    assert "Billable value<strong>USD 275.00" in html
    assert "3.00 of 10.00 h (30%)" in html and '<progress class="wide" max="100" value="30"' in html
    assert "USD 275.00 of 1000.00 (28%)" in html
    assert "<details>" in html and "<summary>" in html
    # A member's task rows come when their row is opened (htmx), or with ?member= without it.
    staff_id = firm.staff_member.pk
    assert f'hx-get="/projects/{firm.acme_project.pk}/?member={staff_id}"' in html
    expanded = http_get_member_tasks(
        as_user(firm.staff), firm.acme_project.pk, staff_id, htmx=False
    )
    staff_row = expanded[expanded.index(f"<summary>{firm.staff_member.display_name}</summary>") :]
    assert "<details open>" in expanded
    assert (
        "Release" in staff_row.split("</details>")[0]
        and "225.00" in staff_row.split("</details>")[0]
    )
    fragment = http_get_member_tasks(as_user(firm.staff), firm.acme_project.pk, staff_id)
    assert fragment.lstrip().startswith('<table class="nested">')
    assert "Release" in fragment and "225.00" in fragment and "<details" not in fragment
    assert '<a class="button" href="/log-time/?project=' in html


def test_project_summary_counts_entries_without_a_rate(firm, as_user):
    TimeEntryFactory(
        task=firm.acme_task,
        member=firm.manager_member,
        duration_minutes=60,
        by=firm.manager_member.user,
    )

    html = as_user(firm.staff).get(f"/projects/{firm.acme_project.pk}/").content.decode()

    assert "Billable value<strong>USD 0.00" in html and "1 billable entry has no rate" in html


def test_summary_fragment_refreshes_after_logging(firm, as_user):
    response = as_user(firm.staff).get(
        f"/projects/{firm.acme_project.pk}/", headers=htmx("summary")
    )

    html = response.content.decode()
    assert "<html" not in html and 'hx-trigger="entrySaved from:body"' in html


def test_mark_complete_warns_about_unbilled_time_then_confirms(firm, as_user):
    TimeEntryFactory(
        task=firm.acme_task,
        member=firm.staff_member,
        duration_minutes=90,
        by=firm.staff_member.user,
    )
    http = as_user(firm.manager)

    warning = http.post(
        f"/projects/{firm.acme_project.pk}/status/", {"status": "complete"}, headers=htmx("status")
    )
    html = warning.content.decode()
    assert (
        "still has 1 unbilled entry (1.50 billable hours)" in html
        and "Mark complete anyway" in html
    )
    firm.acme_project.refresh_from_db()
    assert firm.acme_project.status == "active"

    done = http.post(
        f"/projects/{firm.acme_project.pk}/status/",
        {"status": "complete", "confirm": "on"},
        headers=htmx("status"),
    )
    assert "Status: Complete" in done.content.decode()
    assert Project.objects.get(pk=firm.acme_project.pk).status == "complete"


def test_mark_complete_without_unbilled_time_needs_no_confirmation(firm, as_user):
    entry = TimeEntryFactory(
        task=firm.acme_task,
        member=firm.staff_member,
        duration_minutes=90,
        by=firm.staff_member.user,
    )
    invoice_and_lock(firm.acme, [entry])
    TimeEntryFactory(
        task=firm.acme_task,
        member=firm.staff_member,
        duration_minutes=30,
        billable=False,
        by=firm.staff_member.user,
    )

    response = as_user(firm.manager).post(
        f"/projects/{firm.acme_project.pk}/status/", {"status": "complete"}
    )

    assert response.status_code == 302
    assert Project.objects.get(pk=firm.acme_project.pk).status == "complete"


def test_reopen_and_bad_status(firm, as_user):
    firm.acme_project.status = "complete"
    firm.acme_project.save()
    http = as_user(firm.manager)

    http.post(f"/projects/{firm.acme_project.pk}/status/", {"status": "active"})
    assert Project.objects.get(pk=firm.acme_project.pk).status == "active"
    bad = http.post(f"/projects/{firm.acme_project.pk}/status/", {"status": "done"})
    assert bad.status_code == 400 and "complete or active" in bad.content.decode()


def test_staff_cannot_change_project_status(firm, as_user):
    http = as_user(firm.staff)

    assert "Mark complete" not in http.get(f"/projects/{firm.acme_project.pk}/").content.decode()
    assert (
        http.post(
            f"/projects/{firm.acme_project.pk}/status/", {"status": "complete", "confirm": "on"}
        ).status_code
        == 403
    )
    assert Project.objects.get(pk=firm.acme_project.pk).status == "active"


def test_project_query_count_is_constant(firm, as_user, django_assert_max_num_queries):
    TimeEntryFactory(
        task=firm.acme_task,
        member=firm.staff_member,
        duration_minutes=30,
        by=firm.staff_member.user,
    )
    http = as_user(firm.staff)
    one = query_count(lambda: http.get(f"/projects/{firm.acme_project.pk}/"))
    assert one <= PAGE_QUERY_BUDGET
    for index in range(8):
        member = MemberFactory(user=make_user(f"dev{index}"))
        RateFactory(member=member, rate=Decimal(90 + index))
        task = TaskFactory(project=firm.acme_project)
        TimeEntryFactory(task=task, member=member, duration_minutes=30 + index, by=member.user)
        TimeEntryFactory(task=firm.acme_task, member=member, duration_minutes=15, by=member.user)

    with django_assert_max_num_queries(one):
        html = http.get(f"/projects/{firm.acme_project.pk}/").content.decode()
    assert html.count("<details>") == 9


def test_project_members_come_a_page_at_a_time_and_an_opened_member_finds_their_page(firm, as_user):
    members = []
    for index in range(30):  # dev00 logs the most, dev29 the least
        member = MemberFactory(user=make_user(f"dev{index:02d}"))
        TimeEntryFactory(
            task=firm.acme_task, member=member, duration_minutes=200 - index, by=member.user
        )
        members.append(member)
    http = as_user(firm.staff)
    url = f"/projects/{firm.acme_project.pk}/"

    first = http.get(url).content.decode()
    assert first.count("<details") == 25 and "Page 1 of 2" in first
    assert f'id="member-{members[24].pk}"' in first and f'id="member-{members[25].pk}"' not in first
    assert f'href="{url}?members_page=2"' in first
    # The totals still cover everyone, not only the page shown.
    assert f"{sum(200 - index for index in range(30)) / 60:.2f} h" in first

    second = http.get(f"{url}?members_page=2", headers=htmx("summary")).content.decode()
    assert second.lstrip().startswith('<section id="summary"')
    assert second.count("<details") == 5 and f'id="member-{members[29].pk}"' in second

    # A "Show tasks" link without JavaScript opens the member's row on its own page.
    opened = http.get(f"{url}?member={members[27].pk}").content.decode()
    assert "Page 2 of 2" in opened and "<details open>" in opened
    assert f'id="member-{members[27].pk}"' in opened


# --- Task page ---------------------------------------------------------------------------------


def test_task_page_lists_entries_with_actions_and_log_time(firm, as_user):
    mine = TimeEntryFactory(
        task=firm.acme_task,
        member=firm.staff_member,
        duration_minutes=60,
        description="Mine",
        by=firm.staff_member.user,
    )
    theirs = TimeEntryFactory(
        task=firm.acme_task,
        member=firm.other_member,
        duration_minutes=30,
        description="Theirs",
        by=firm.other_member.user,
    )
    locked = TimeEntryFactory(
        task=firm.acme_task,
        member=firm.staff_member,
        duration_minutes=15,
        description="Billed",
        by=firm.staff_member.user,
    )
    invoice_and_lock(firm.acme, [locked])

    html = as_user(firm.staff).get(f"/tasks/{firm.acme_task.pk}/").content.decode()

    assert "Mine" in html and "Theirs" in html
    assert f"/entries/{mine.pk}/edit/" in html and f"/entries/{mine.pk}/delete/" in html
    assert f"/entries/{theirs.pk}/edit/" not in html
    assert f"/entries/{locked.pk}/edit/" in html and f"/entries/{locked.pk}/delete/" not in html
    assert "Invoiced" in html
    assert (
        f'href="/log-time/?task={firm.acme_task.pk}&amp;next=' in html and ">Log time</a>" in html
    )
    assert "Start timer" in html


def test_task_page_entries_fragment_and_pagination(firm, as_user):
    for day in range(55):
        TimeEntryFactory(
            task=firm.acme_task,
            member=firm.staff_member,
            duration_minutes=15,
            on_date=datetime.date(2026, 1, 1) + datetime.timedelta(days=day),
            by=firm.staff_member.user,
        )
    http = as_user(firm.staff)

    first = http.get(f"/tasks/{firm.acme_task.pk}/", headers=htmx("entries")).content.decode()
    assert "<html" not in first and first.count('<tr id="entry-') == 50 and "Page 1 of 2" in first
    assert (
        http.get(f"/tasks/{firm.acme_task.pk}/?page=2").content.decode().count('<tr id="entry-')
        == 5
    )


def test_task_query_count_is_constant(firm, as_user, django_assert_max_num_queries):
    TimeEntryFactory(
        task=firm.acme_task,
        member=firm.staff_member,
        duration_minutes=30,
        by=firm.staff_member.user,
    )
    http = as_user(firm.staff)
    one = query_count(lambda: http.get(f"/tasks/{firm.acme_task.pk}/"))
    for index in range(10):
        TimeEntryFactory(
            task=firm.acme_task,
            member=firm.other_member if index % 2 else firm.staff_member,
            duration_minutes=20 + index,
            by=(firm.other_member if index % 2 else firm.staff_member).user,
        )

    with django_assert_max_num_queries(one):
        html = http.get(f"/tasks/{firm.acme_task.pk}/").content.decode()
    assert html.count('<tr id="entry-') == 11


@pytest.mark.parametrize("viewer", ["acme_user", "globex_user", "outsider"])
def test_non_staff_get_404_on_projects_and_tasks_of_any_client(firm, as_user, viewer):
    http = as_user(getattr(firm, viewer))

    for project in (firm.acme_project, firm.globex_project, firm.internal_project):
        assert http.get(f"/projects/{project.pk}/").status_code == 404
        assert (
            http.post(
                f"/projects/{project.pk}/status/", {"status": "complete", "confirm": "on"}
            ).status_code
            == 404
        )
    for task in (firm.acme_task, firm.globex_task, firm.internal_task):
        assert http.get(f"/tasks/{task.pk}/").status_code == 404
    assert not Project.objects.filter(status="complete").exists()


def test_unknown_project_and_task_are_404(firm, as_user):
    http = as_user(firm.staff)

    assert http.get("/projects/999999/").status_code == 404
    assert http.get("/tasks/999999/").status_code == 404
    assert http.get("/my-work/?project=999999").status_code == 404


def http_get_member_tasks(http, project_id, member_id, *, htmx=True):
    headers = {"HX-Request": "true"} if htmx else {}
    response = http.get(f"/projects/{project_id}/?member={member_id}", headers=headers)
    assert response.status_code == 200
    return response.content.decode()


def test_member_tasks_of_someone_without_time_on_the_project_are_a_404(firm, as_user):
    response = as_user(firm.staff).get(
        f"/projects/{firm.acme_project.pk}/?member={firm.other_member.pk}",
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 404
