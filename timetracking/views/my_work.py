"""My Work (PRODUCT §2.3)."""

from datetime import timedelta
from urllib.parse import urlencode

from django.contrib import messages
from django.views.decorators.http import require_GET

from clients.selectors import get_project_for_user
from core.calendar import parse_day, week_start_of
from core.htmx import int_param, render_page

from ..forms import PeriodForm
from ..selectors import (
    can_change_entry,
    entries_on_day,
    hours_by_project,
    hours_by_task,
    member_for_user,
    member_kpis,
    member_today,
    week_chart,
)
from .staff import staff_view
from .timer import timer_context


@staff_view
@require_GET
def my_work(request):
    member = member_for_user(request.user)
    today = member_today(member)
    day = today
    if request.GET.get("day"):
        try:
            day = parse_day(request.GET["day"])
        except ValueError:
            messages.error(
                request, f"Day {request.GET['day']!r} is not a date; use e.g. {today.isoformat()}."
            )
    period_form = PeriodForm(request.GET if "period" in request.GET else None)
    period = period_form.selected(today)
    project_id = int_param(request, "project")
    drill_project = get_project_for_user(request.user, project_id) if project_id else None
    period_query = urlencode(
        {
            "period": period.key,
            "date_from": period.date_from.isoformat(),
            "date_to": period.date_to.isoformat(),
        }
        if period.key == "custom"
        else {"period": period.key}
    )
    context = {
        "member": member,
        "today": today,
        "day": day,
        "previous_day": day - timedelta(days=1),
        "next_day": day + timedelta(days=1),
        "period_form": period_form,
        "period": period,
        "period_query": period_query,
        "drill_project": drill_project,
        "query": request.GET.urlencode(),
    }
    if member is not None:
        entries = list(entries_on_day(member, day))
        context.update(
            entries=[(entry, can_change_entry(request.user, entry)) for entry in entries],
            day_total=sum(entry.duration_minutes for entry in entries),
            chart=week_chart(member, week_start_of(day)),
            projects=hours_by_project(member, period.date_from, period.date_to),
            tasks=hours_by_task(member, drill_project.pk, period.date_from, period.date_to)
            if drill_project
            else [],
            kpis=member_kpis(member, period.date_from, period.date_to, today=today),
            **timer_context(request, member),
        )
    return render_page(
        request, "timetracking/my_work.html", context, fragments=("dashboard", "breakdown", "timer")
    )
