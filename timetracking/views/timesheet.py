"""The weekly timesheet (PRODUCT §2.5)."""

import json
from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import pluralize
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from clients.selectors import get_task_for_user
from core.calendar import iso_week, parse_day, parse_iso_week, week_start_of
from core.htmx import ENTRY_SAVED, int_param, render_page

from ..durations import DurationError, parse_duration
from ..selectors import member_for_user, member_today, task_choices, timesheet
from ..services import (
    EntryError,
    add_timesheet_rows,
    copy_last_weeks_rows,
    save_timesheet_cell,
)
from .staff import NO_MEMBER, staff_view


def _week_from(request, today):
    text = request.GET.get("week") or request.POST.get("week") or ""
    if not text:
        return week_start_of(today), None
    try:
        return parse_iso_week(text), None
    except ValueError as error:
        return week_start_of(today), str(error)


def _timesheet_context(request, member, week_start, *, cell_errors=None, typed=None):
    grid = timesheet(member, week_start)
    for row in grid.rows:
        for cell in row.cells:
            if cell.input_id in (cell_errors or {}):
                cell.error, cell.typed = (
                    cell_errors[cell.input_id],
                    (typed or {}).get(cell.input_id),
                )
    return {
        "member": member,
        "grid": grid,
        "week": iso_week(week_start),
        "previous_week": iso_week(week_start - timedelta(days=7)),
        "next_week": iso_week(week_start + timedelta(days=7)),
        "this_week": iso_week(member_today(member)),
        "cell_errors": cell_errors or {},
        "typed": typed or {},
        "row_tasks": task_choices(request.user, member),
        # Reversed once for the page's hundred-odd cells, not in each one.
        "cell_url": reverse("timesheet-cell"),
        "my_work_url": reverse("my-work"),
    }


def _save_cell(request, member, task, day, text: str):
    """Parse one cell and hand it to the service; returns an error message or None."""
    try:
        minutes = parse_duration(text) if text.strip() else None
        save_timesheet_cell(
            member=member, task=task, on_date=day, duration_minutes=minutes, by=request.user
        )
    except DurationError as error:
        return str(error)
    except EntryError as error:
        return error.message
    return None


@staff_view
@require_GET
def timesheet_view(request):
    """The week's grid. Each cell saves itself (htmx, or its own little form without
    JavaScript); there is no whole-grid save, so one bad cell never blocks the others."""
    member = member_for_user(request.user)
    if member is None:
        return render(
            request,
            "timetracking/timesheet.html",
            {"member": None, "no_member": NO_MEMBER},
            status=403,
        )
    week_start, week_error = _week_from(request, member_today(member))
    if week_error:
        messages.error(request, week_error)
    context = _timesheet_context(request, member, week_start)
    return render_page(request, "timetracking/timesheet.html", context, fragments=("grid",))


@staff_view
@require_POST
def timesheet_cell(request):
    """One cell changed (htmx): save it, answer with the cell and out-of-band totals."""
    member = member_for_user(request.user)
    if member is None:
        raise PermissionDenied(NO_MEMBER)
    task = get_task_for_user(request.user, int_param(request, "task") or 0)
    try:
        day = parse_day(request.POST.get("date", ""))
    except ValueError:
        return HttpResponse("Date must be a day like 2026-11-03.", status=400)
    week_start = week_start_of(day)
    input_id = f"cell-{task.pk}-{day.isoformat()}"
    text = request.POST.get(input_id, request.POST.get("duration", ""))
    error = _save_cell(request, member, task, day, text)
    if error:
        # A refused value stays in its cell, so the cell's row must be on the grid.
        add_timesheet_rows(member, week_start, [task.pk])
    if not request.htmx:
        # The cell's own form without JavaScript: back to the week, at that cell.
        if error:
            messages.error(request, f"{task.name}, {day:%a %d %b}: {error}")
        else:
            messages.success(request, f"Saved {task.name}, {day:%a %d %b}.")
        return redirect(f"{reverse('timesheet')}?week={iso_week(week_start)}#{input_id}")
    context = _timesheet_context(
        request,
        member,
        week_start,
        cell_errors={input_id: error} if error else {},
        typed={input_id: text} if error else {},
    )
    context.update(cell=context["grid"].cell(task.pk, day), oob=True)
    body = render_to_string("timetracking/timesheet.html#cell", context, request=request)
    body += render_to_string("timetracking/timesheet.html#totals", context, request=request)
    response = HttpResponse(body)
    if not error:
        response["HX-Trigger"] = json.dumps({ENTRY_SAVED: True})
    return response


@staff_view
@require_POST
def timesheet_copy_rows(request):
    """Copy last week's rows (tasks), not their hours."""
    member = member_for_user(request.user)
    if member is None:
        raise PermissionDenied(NO_MEMBER)
    week_start, week_error = _week_from(request, member_today(member))
    if week_error:
        messages.error(request, week_error)
        return redirect("timesheet")
    copied = copy_last_weeks_rows(member, week_start)
    messages.success(
        request,
        f"Copied {copied} row{pluralize(copied)} from last week."
        if copied
        else "No new rows: last week had none that this week lacks.",
    )
    return redirect(f"{reverse('timesheet')}?week={iso_week(week_start)}")


@staff_view
@require_POST
def timesheet_add_row(request):
    member = member_for_user(request.user)
    if member is None:
        raise PermissionDenied(NO_MEMBER)
    week_start, week_error = _week_from(request, member_today(member))
    task_id = int_param(request, "task")
    if week_error or task_id is None:
        messages.error(request, week_error or "Choose a task to add as a row.")
        return redirect("timesheet")
    task = get_task_for_user(request.user, task_id)
    add_timesheet_rows(member, week_start, [task.pk])
    return redirect(f"{reverse('timesheet')}?week={iso_week(week_start)}#row-{task.pk}")
