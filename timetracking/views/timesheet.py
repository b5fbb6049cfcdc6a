"""The weekly timesheet (PRODUCT §2.5)."""

import json
from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from clients.selectors import get_task_for_user
from core.calendar import iso_week, parse_day, parse_iso_week, week_start_of
from core.htmx import ENTRY_SAVED, int_param, render_page

from ..durations import DurationError, parse_duration
from ..selectors import member_for_user, member_today, task_choices, task_ids_logged, timesheet
from ..services import EntryError, set_timesheet_cell
from .staff import NO_MEMBER, staff_view


def _session_rows_key(member, week_start) -> str:
    return f"timesheet_rows:{member.pk}:{iso_week(week_start)}"


def _week_from(request, today):
    text = request.GET.get("week") or request.POST.get("week") or ""
    if not text:
        return week_start_of(today), None
    try:
        return parse_iso_week(text), None
    except ValueError as error:
        return week_start_of(today), str(error)


def _timesheet_context(request, member, week_start, *, cell_errors=None, typed=None):
    extra = request.session.get(_session_rows_key(member, week_start), [])
    grid = timesheet(member, week_start, extra)
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
    }


def _save_cell(request, member, task, day, text: str):
    """Parse one cell and hand it to the service; returns an error message or None."""
    try:
        minutes = parse_duration(text) if text.strip() else None
        set_timesheet_cell(
            member=member, task=task, on_date=day, duration_minutes=minutes, by=request.user
        )
    except DurationError as error:
        return str(error)
    except EntryError as error:
        return error.message
    return None


@staff_view
@require_http_methods(["GET", "POST"])
def timesheet_view(request):
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
    if request.method == "POST":
        # Without JavaScript the grid is one form: save every cell whose text changed.
        grid = timesheet(
            member, week_start, request.session.get(_session_rows_key(member, week_start), [])
        )
        errors, typed = {}, {}
        for row in grid.rows:
            for cell in row.cells:
                text = request.POST.get(cell.input_id)
                if text is None or not cell.editable or text.strip() == cell.value:
                    continue
                if error := _save_cell(request, member, row.task, cell.day, text):
                    errors[cell.input_id], typed[cell.input_id] = error, text
        if not errors:
            messages.success(request, "Timesheet saved.")
            return redirect(f"{reverse('timesheet')}?week={iso_week(week_start)}")
        context = _timesheet_context(request, member, week_start, cell_errors=errors, typed=typed)
        return render(request, "timetracking/timesheet.html", context, status=400)
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
    rows_key = _session_rows_key(member, week_start)
    if task.pk not in request.session.get(rows_key, []):
        # Keep the row on the grid even if its last hour was just deleted.
        request.session[rows_key] = [*request.session.get(rows_key, []), task.pk]
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
    previous = task_ids_logged(
        member, week_start - timedelta(days=7), week_start - timedelta(days=1)
    )
    key = _session_rows_key(member, week_start)
    current = request.session.get(key, [])
    added = [task_id for task_id in previous if task_id not in current]
    request.session[key] = current + added
    messages.success(
        request,
        f"Copied {len(previous)} row(s) from last week."
        if previous
        else "Nothing was logged last week.",
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
    key = _session_rows_key(member, week_start)
    if task.pk not in request.session.get(key, []):
        request.session[key] = [*request.session.get(key, []), task.pk]
    return redirect(f"{reverse('timesheet')}?week={iso_week(week_start)}")
