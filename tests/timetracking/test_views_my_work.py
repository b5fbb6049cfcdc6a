"""My Work (PRODUCT §2.3) and the timer (PRODUCT §2.4)."""

import datetime
import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.calendar import week_start_of
from tests.factories import TaskFactory, TimeEntryFactory
from tests.timetracking.views_support import PAGE_QUERY_BUDGET, htmx, query_count
from timetracking.models import TimeEntry, Timer

pytestmark = pytest.mark.django_db


def _chart(html: str) -> dict:
    return json.loads(
        re.search(
            r'<script id="week-chart-data" type="application/json">(.*?)</script>', html, re.S
        ).group(1)
    )


def test_today_total_and_entries(firm, as_user):
    TimeEntryFactory(
        task=firm.acme_task,
        member=firm.staff_member,
        duration_minutes=150,
        description="Checkout fix",
        by=firm.staff_member.user,
    )
    TimeEntryFactory(
        task=firm.internal_task,
        member=firm.staff_member,
        duration_minutes=120,
        by=firm.staff_member.user,
    )
    TimeEntryFactory(
        task=firm.acme_task,
        member=firm.staff_member,
        duration_minutes=600,
        on_date=datetime.date.today() - datetime.timedelta(days=1),
        by=firm.staff_member.user,
    )
    TimeEntryFactory(
        task=firm.acme_task,
        member=firm.other_member,
        duration_minutes=60,
        by=firm.other_member.user,
    )

    html = as_user(firm.staff).get("/my-work/").content.decode()

    assert "4h 30m logged today" in html
    assert "Checkout fix" in html and "Admin / Meetings" in html
    assert html.count('<tr id="entry-') == 2
    assert (
        '<a class="button" href="/log-time/?next=/my-work/" hx-get="/log-time/?next=/my-work/" hx-target="#dialog-slot" hx-swap="innerHTML">Log time</a>'
        in html
    )


def test_another_day_through_day_parameter(firm, as_user):
    yesterday = datetime.date.today() - datetime.timedelta(days=1)
    TimeEntryFactory(
        task=firm.acme_task,
        member=firm.staff_member,
        duration_minutes=45,
        on_date=yesterday,
        by=firm.staff_member.user,
    )

    html = as_user(firm.staff).get(f"/my-work/?day={yesterday.isoformat()}").content.decode()

    assert f"45m logged on {yesterday:%a} {yesterday.day}" in html


def test_bad_day_is_named_and_today_shown(firm, as_user):
    html = as_user(firm.staff).get("/my-work/?day=yesterday").content.decode()

    assert "Day &#x27;yesterday&#x27; is not a date" in html and "logged today" in html


def test_week_chart_data_billable_vs_non_billable_and_target(firm, as_user):
    monday = week_start_of(datetime.date.today())
    TimeEntryFactory(
        task=firm.acme_task,
        member=firm.staff_member,
        duration_minutes=90,
        on_date=monday,
        by=firm.staff_member.user,
    )
    TimeEntryFactory(
        task=firm.internal_task,
        member=firm.staff_member,
        duration_minutes=30,
        on_date=monday,
        by=firm.staff_member.user,
    )
    TimeEntryFactory(
        task=firm.acme_task,
        member=firm.staff_member,
        duration_minutes=60,
        on_date=monday + datetime.timedelta(days=2),
        billable=False,
        by=firm.staff_member.user,
    )

    html = as_user(firm.staff).get("/my-work/").content.decode()
    chart = _chart(html)

    assert chart["billable"][0] == 1.5 and chart["non_billable"][0] == 0.5
    assert chart["billable"][2] == 0 and chart["non_billable"][2] == 1.0
    # 40 h a week over 5 working days; none on the weekend.
    assert chart["target"] == [8.0] * 5 + [None, None]
    assert "3h of 40h target" in html
    assert "vendor/chart.umd.min.js" in html and "js/charts.js" in html


def test_breakdown_by_project_with_drill_down_to_tasks(firm, as_user):
    today = datetime.date.today()
    second_task = TaskFactory(project=firm.acme_project, name="Release")
    TimeEntryFactory(
        task=firm.acme_task,
        member=firm.staff_member,
        duration_minutes=60,
        on_date=today,
        by=firm.staff_member.user,
    )
    TimeEntryFactory(
        task=second_task,
        member=firm.staff_member,
        duration_minutes=30,
        on_date=today,
        by=firm.staff_member.user,
    )
    TimeEntryFactory(
        task=firm.globex_task,
        member=firm.staff_member,
        duration_minutes=45,
        on_date=today,
        by=firm.staff_member.user,
    )
    http = as_user(firm.staff)

    html = http.get("/my-work/").content.decode()
    assert "ACME-WEB — Acme website" in html and "GLX-OPS — Globex ops" in html
    assert f"period=this_week&amp;project={firm.acme_project.pk}" in html

    drill = http.get(
        f"/my-work/?period=this_week&project={firm.acme_project.pk}", headers=htmx("breakdown")
    )
    fragment = drill.content.decode()
    assert "<html" not in fragment and 'id="breakdown"' in fragment
    assert "hours by task" in fragment and "Release" in fragment and "Checkout bug" in fragment
    assert "Server patching" not in fragment


def test_kpis_for_a_custom_period(firm, as_user):
    TimeEntryFactory(
        task=firm.acme_task,
        member=firm.staff_member,
        duration_minutes=180,
        on_date=datetime.date(2026, 3, 2),
        by=firm.staff_member.user,
    )  # Monday
    TimeEntryFactory(
        task=firm.internal_task,
        member=firm.staff_member,
        duration_minutes=60,
        on_date=datetime.date(2026, 3, 3),
        by=firm.staff_member.user,
    )

    html = (
        as_user(firm.staff)
        .get("/my-work/?period=custom&date_from=2026-03-02&date_to=2026-03-08")
        .content.decode()
    )

    assert "Utilization<strong>75.0%" in html
    assert "Billable hours<strong>3h</strong>" in html
    # 4 h over the 5 working days of that week.
    assert "Average per working day<strong>48m</strong>" in html and "over 5 working days" in html


def test_custom_period_needs_both_dates(firm, as_user):
    html = as_user(firm.staff).get("/my-work/?period=custom&date_from=2026-03-02").content.decode()

    assert "A custom period needs both dates" in html


def test_dashboard_fragment_for_htmx_refresh(firm, as_user):
    response = as_user(firm.staff).get("/my-work/", headers=htmx("dashboard"))

    html = response.content.decode()
    assert "<html" not in html and html.strip().startswith('<div id="dashboard"')
    assert 'hx-trigger="entrySaved from:body"' in html


def test_user_without_member_sees_an_explanation(firm, as_user):
    html = as_user(firm.finance).get("/my-work/").content.decode()

    assert "not set up as a member" in html


def test_query_count_does_not_grow_with_entries(firm, as_user, django_assert_max_num_queries):
    http = as_user(firm.staff)
    TimeEntryFactory(
        task=firm.acme_task,
        member=firm.staff_member,
        duration_minutes=30,
        by=firm.staff_member.user,
    )
    one_row = query_count(lambda: http.get("/my-work/"))
    assert one_row <= PAGE_QUERY_BUDGET
    for index in range(12):
        task = TaskFactory(project=firm.globex_project if index % 2 else firm.acme_project)
        TimeEntryFactory(
            task=task,
            member=firm.staff_member,
            duration_minutes=15 + index,
            by=firm.staff_member.user,
        )
        TimeEntryFactory(
            task=task,
            member=firm.staff_member,
            duration_minutes=20,
            on_date=datetime.date.today() - datetime.timedelta(days=1 + index % 5),
            by=firm.staff_member.user,
        )

    with django_assert_max_num_queries(one_row):
        response = http.get("/my-work/")
    assert response.content.decode().count('<tr id="entry-') == 13


# --- Timer -------------------------------------------------------------------------------------


def test_start_timer_shows_it_running_and_it_survives_reload(firm, as_user):
    http = as_user(firm.staff)

    response = http.post(
        "/timer/start/",
        {"task": firm.acme_task.pk, "description": "Pairing"},
        headers=htmx("timer"),
    )
    assert response.status_code == 200
    assert "Running on" in response.content.decode() and "Stop timer" in response.content.decode()
    timer = Timer.objects.get(member=firm.staff_member)
    assert timer.task == firm.acme_task and timer.description == "Pairing"

    reloaded = http.get("/my-work/").content.decode()
    assert "Running on" in reloaded and "data-elapsed-seconds" in reloaded


def test_only_one_running_timer_per_member(firm, as_user):
    http = as_user(firm.staff)
    http.post("/timer/start/", {"task": firm.acme_task.pk})

    response = http.post("/timer/start/", {"task": firm.globex_task.pk}, headers=htmx("timer"))

    assert "already running on Checkout bug" in response.content.decode()
    assert Timer.objects.get(member=firm.staff_member).task == firm.acme_task


def test_stop_writes_an_ordinary_entry_of_the_elapsed_minutes(firm, as_user):
    Timer.objects.create(
        member=firm.staff_member,
        task=firm.acme_task,
        description="Timed",
        started_at=timezone.now() - datetime.timedelta(minutes=42, seconds=20),
    )

    response = as_user(firm.staff).post("/timer/stop/", headers=htmx("timer"))

    entry = TimeEntry.objects.get()
    assert (
        entry.duration_minutes == 42 and entry.description == "Timed" and entry.source == "manual"
    )
    assert entry.billing_rate is not None and entry.start_time is not None
    assert not Timer.objects.exists()
    assert "entrySaved" in response["HX-Trigger"]
    assert "Logged 42m on Checkout bug from the timer" in response.content.decode()


def test_stop_right_away_logs_at_least_a_minute(firm, as_user):
    http = as_user(firm.staff)
    http.post("/timer/start/", {"task": firm.acme_task.pk})

    http.post("/timer/stop/")

    assert TimeEntry.objects.get().duration_minutes == 1


def test_stop_over_24_hours_is_refused_and_can_be_discarded(firm, as_user):
    Timer.objects.create(
        member=firm.staff_member,
        task=firm.acme_task,
        started_at=timezone.now() - datetime.timedelta(hours=30),
    )
    http = as_user(firm.staff)

    refused = http.post("/timer/stop/", headers=htmx("timer")).content.decode()
    assert "more than 24 hours" in refused
    assert Timer.objects.exists() and not TimeEntry.objects.exists()

    http.post("/timer/discard/")
    assert not Timer.objects.exists() and not TimeEntry.objects.exists()


def test_stop_without_timer_is_explained(firm, as_user):
    response = as_user(firm.staff).post("/timer/stop/", headers=htmx("timer"))

    assert "No timer is running" in response.content.decode()


def test_timer_without_javascript_redirects_back(firm, as_user):
    response = as_user(firm.staff).post(
        "/timer/start/", {"task": firm.acme_task.pk, "next": f"/tasks/{firm.acme_task.pk}/"}
    )

    assert response.status_code == 302 and response["Location"] == f"/tasks/{firm.acme_task.pk}/"


@pytest.mark.parametrize("viewer", ["acme_user", "globex_user", "outsider"])
def test_non_staff_get_404_on_my_work_and_timer(firm, as_user, viewer):
    http = as_user(getattr(firm, viewer))

    assert http.get("/my-work/").status_code == 404
    assert http.post("/timer/start/", {"task": firm.acme_task.pk}).status_code == 404
    assert http.post("/timer/stop/").status_code == 404
    assert not Timer.objects.exists()


def test_anonymous_is_sent_to_login(db, client):
    response = client.get("/my-work/")

    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_a_running_timer_shows_in_the_header_of_every_staff_page(firm, as_user):
    Timer.objects.create(
        member=firm.staff_member,
        task=firm.acme_task,
        started_at=timezone.now() - datetime.timedelta(seconds=75),
    )
    http = as_user(firm.staff)

    for url in ("/my-work/", "/timesheet/", "/clients/", f"/tasks/{firm.globex_task.pk}/"):
        html = http.get(url).content.decode()
        header = html[html.index("<header") : html.index("</header>")]
        assert 'class="header-timer"' in header and firm.acme_task.name in header
        assert re.search(r'data-elapsed-seconds="7[5-9]">0:01:1[5-9]<', header)
        assert 'action="/timer/stop/"' in header or "timer-stop" in header


def test_the_header_timer_costs_no_query_of_its_own(firm, as_user):
    """The session reads the user with their member, timer and task (SESSION_USER_RELATED):
    a running timer in the header adds no query to a page, and a finance user without a
    member row gets no Timesheet link, also without a query."""
    http = as_user(firm.staff)
    without_timer = query_count(lambda: http.get("/clients/"))
    Timer.objects.create(member=firm.staff_member, task=firm.acme_task, started_at=timezone.now())
    with CaptureQueriesContext(connection) as queries:
        html = http.get("/clients/").content.decode()
    assert 'class="header-timer"' in html and firm.acme_task.name in html
    assert len(queries.captured_queries) == without_timer
    own_reads = [
        q["sql"]
        for q in queries.captured_queries
        if re.search(r'FROM "timetracking_(member|timer)"', q["sql"])
    ]
    assert own_reads == [], "the member or timer was read apart from the session's user"


def test_stopping_from_the_header_logs_the_entry_and_returns_to_the_page(firm, as_user):
    Timer.objects.create(
        member=firm.staff_member,
        task=firm.acme_task,
        started_at=timezone.now() - datetime.timedelta(seconds=150),
    )
    page = f"/tasks/{firm.globex_task.pk}/"

    response = as_user(firm.staff).post("/timer/stop/", {"next": page})

    assert response.status_code == 302 and response["Location"] == page
    assert TimeEntry.objects.get().duration_minutes == 3  # 2.5 min rounds half-up
    assert not Timer.objects.exists()


def test_every_own_entry_row_offers_continue(firm, as_user):
    TimeEntryFactory(
        task=firm.acme_task,
        member=firm.staff_member,
        description="Checkout fix",
        by=firm.staff_member.user,
    )
    http = as_user(firm.staff)

    html = http.get("/my-work/").content.decode()
    assert ">Continue</button>" in html and 'value="Checkout fix"' in html

    http.post(
        "/timer/start/",
        {"task": firm.acme_task.pk, "description": "Checkout fix", "next": "/my-work/"},
    )
    timer = Timer.objects.get(member=firm.staff_member)
    assert timer.task == firm.acme_task and timer.description == "Checkout fix"
