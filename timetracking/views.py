"""Staff pages (PRODUCT §2.2–§2.5, §4, §8): My Work, the log-time dialog, the timer, the weekly
timesheet, the client directory, and the client, project and task pages.

Views stay thin: reads come from `selectors`, writes from `services`. A page and its htmx
fragments are one template; an htmx request that targets a fragment's element (by id) gets just
that fragment. Client users and outsiders get a 404 from every view here."""

import json
from datetime import date, timedelta
from functools import wraps
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import Resolver404, resolve
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from clients.roles import has_role
from clients.selectors import (
    get_client_for_user,
    get_project_for_user,
    get_task_for_user,
    require_staff,
)
from clients.services import ProjectStatusError, add_purchase, set_project_status
from core.calendar import iso_week, parse_iso_week, week_start_of
from core.htmx import BALANCE_CHANGED, ENTRY_SAVED, htmx_done, int_param, render_page, safe_next

from .balances import balance_of
from .durations import DurationError, format_minutes, parse_duration
from .forms import (
    DateRangeForm,
    DirectoryFilterForm,
    EntryForm,
    PeriodForm,
    ProjectStatusForm,
    PurchaseForm,
    TimerForm,
)
from .selectors import (
    LOG_FOR_OTHERS_REFUSED,
    can_change_entry,
    client_directory,
    client_projects,
    client_purchases,
    consumption_history,
    ensure_can_log_for,
    entries_on_day,
    entry_preview,
    get_entry_for_user,
    hours_by_project,
    hours_by_task,
    member_for_user,
    member_kpis,
    member_to_log_for,
    member_today,
    project_tasks,
    project_time_summary,
    project_unbilled,
    recent_tasks,
    request_breakdown,
    running_timer,
    search_tasks,
    task_entries,
    task_ids_logged,
    timesheet,
    unbilled_time,
    week_chart,
)
from .services import (
    EntryError,
    create_entry,
    delete_entry,
    delete_refusal,
    discard_timer,
    set_timesheet_cell,
    start_timer,
    stop_timer,
    update_entry,
)

NO_MEMBER = (
    "Your account is not set up as a member yet, so you cannot log time. Ask a manager to add you."
)


def staff_view(view):
    """Logged in, and staff: client users and outsiders get a 404, never a hint."""

    @wraps(view)
    @login_required
    def wrapper(request, *args, **kwargs):
        require_staff(request.user)
        return view(request, *args, **kwargs)

    return wrapper


# --- My Work (PRODUCT §2.3) -------------------------------------------------------------------


def _timer_context(request, member) -> dict:
    timer = running_timer(member)
    elapsed = max(0, int((timezone.now() - timer.started_at).total_seconds())) if timer else 0
    hours, rest = divmod(elapsed, 3600)
    return {
        "timer": timer,
        "timer_elapsed": elapsed,
        "timer_elapsed_text": f"{hours}:{rest // 60:02d}:{rest % 60:02d}",
        "timer_tasks": _task_choices(request, member) if timer is None else [],
    }


@staff_view
@require_GET
def my_work(request):
    member = member_for_user(request.user)
    today = member_today(member)
    day = today
    if request.GET.get("day"):
        try:
            day = date.fromisoformat(request.GET["day"])
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
            **_timer_context(request, member),
        )
    return render_page(
        request, "timetracking/my_work.html", context, fragments=("dashboard", "breakdown", "timer")
    )


# --- Log-time dialog (PRODUCT §2.2) -----------------------------------------------------------


def _task_choices(request, member, *, selected=None, project=None, search: str = ""):
    """Options of the task picker: the chosen task, the context project's tasks, the member's
    recent tasks and, when searching, the matches (never the whole firm's task list)."""
    if search:
        tasks = search_tasks(request.user, search)
    elif project is not None:
        tasks = list(
            project.tasks.filter(is_active=True).select_related("project__client").order_by("name")
        )
    else:
        tasks = recent_tasks(member, request.user) or search_tasks(request.user, "")
    if selected is not None and all(task.pk != selected.pk for task in tasks):
        tasks = [selected, *tasks]
    return tasks


def _preview_of(values, *, member, task, entry=None) -> dict:
    """The dialog's preview for its values as typed (a QueryDict, or {} for the defaults).
    Values that do not parse are left out here: the form names them when saving."""
    try:
        on_date = date.fromisoformat(str(values.get("date") or ""))
    except ValueError:
        on_date = entry.date if entry is not None else member_today(member)
    text = str(values.get("duration") or "").strip()
    minutes, duration_text, duration_error = None, "", ""
    if text:
        try:
            minutes = parse_duration(text)
            duration_text = format_minutes(minutes)
        except DurationError as error:
            duration_error = str(error)
    elif entry is not None:
        minutes = entry.duration_minutes
    if "billable_shown" in values:
        billable = "billable" in values  # an unticked checkbox sends nothing
    else:
        billable = entry.billable if entry is not None else task.project.billable_by_default
    preview = entry_preview(
        member=member,
        task=task,
        on_date=on_date,
        duration_minutes=minutes,
        billable=billable,
        entry=entry,
    )
    return {"preview": preview, "duration_text": duration_text, "duration_error": duration_error}


def _dialog(request, form, *, member, tasks, selected=None, entry=None, status=200, error=None):
    """The dialog as a fragment (htmx) or as a page of its own (no JavaScript)."""
    task = entry.task if entry is not None else selected
    preview = None
    if task is not None and member is not None:
        values = form.data if form.is_bound else {}
        owner = entry.member if entry is not None else member
        if "member" in form.fields:  # only managers and up have the Member select
            owner = member_to_log_for(request.user, values.get("member"), default=owner)
        preview = _preview_of(values, member=owner, task=task, entry=entry)["preview"]
    context = {
        "form": form,
        "entry": entry,
        "tasks": tasks,
        "selected_task": selected,
        "preview": preview,
        "error": error,
        "member": member,
        "next": safe_next(request, "/my-work/"),
        "search": request.GET.get("q", ""),
    }
    template = "timetracking/log_time.html#dialog" if request.htmx else "timetracking/log_time.html"
    return render(request, template, context, status=status)


def _refuse_logging_for_others(request, form, *, member, default, entry=None, tasks=()):
    """A post naming another member from someone who may not log for others: 403 with the
    dialog and its message (the form never offered the field, so this is no slip of a click)."""
    try:
        ensure_can_log_for(request.user, request.POST.get("member"), default=default)
    except PermissionDenied:
        return _dialog(
            request,
            form,
            member=member,
            tasks=list(tasks),
            entry=entry,
            status=403,
            error=LOG_FOR_OTHERS_REFUSED,
        )
    return None


def _for_whom(request, entry) -> str:
    """Names the member in the saved message when the entry is someone else's."""
    return "" if entry.member.user_id == request.user.pk else f" for {entry.member}"


@staff_view
@require_http_methods(["GET", "POST"])
def log_time(request):
    member = member_for_user(request.user)
    if member is None:
        form = EntryForm(user=request.user)
        return _dialog(
            request,
            form,
            member=None,
            tasks=[],
            error=NO_MEMBER,
            status=200 if request.htmx else 403,
        )
    today = member_today(member)
    if request.method == "POST":
        form = EntryForm(request.POST, user=request.user, member=member)
        if refusal := _refuse_logging_for_others(request, form, member=member, default=member):
            return refusal
        selected = None
        if form.is_valid():
            selected = form.cleaned_data["task"]
            try:
                entry = create_entry(
                    task=selected,
                    member=form.chosen_member(),
                    on_date=form.cleaned_data["date"],
                    duration_minutes=form.cleaned_data["duration"],
                    billable=form.cleaned_data["billable"],
                    description=form.cleaned_data["description"],
                    by=request.user,
                )
            except EntryError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                message = f"Logged {format_minutes(entry.duration_minutes)} on {entry.task} ({entry.date:%a %d %b}){_for_whom(request, entry)}."
                if request.htmx:
                    return htmx_done(request, message, events=(ENTRY_SAVED, BALANCE_CHANGED))
                messages.success(request, message)
                return redirect(safe_next(request, "/my-work/"))
        elif (task_id := int_param(request, "task")) is not None:
            selected = form.fields["task"].queryset.filter(pk=task_id).first()
        tasks = _task_choices(request, member, selected=selected)
        return _dialog(
            request,
            form,
            member=member,
            tasks=tasks,
            selected=selected,
            status=200 if request.htmx else 400,
        )

    task_id, project_id = int_param(request, "task"), int_param(request, "project")
    selected = get_task_for_user(request.user, task_id) if task_id else None
    project = get_project_for_user(request.user, project_id) if project_id else None
    initial = {
        "date": today,
        "billable": selected.project.billable_by_default if selected else True,
    }
    if selected is not None:
        initial["task"] = selected
    form = EntryForm(initial=initial, user=request.user, member=member)
    tasks = _task_choices(
        request, member, selected=selected, project=project, search=request.GET.get("q", "").strip()
    )
    return _dialog(request, form, member=member, tasks=tasks, selected=selected)


@staff_view
@require_GET
def task_options(request):
    """The task picker's options for a search (htmx swaps them into the select)."""
    member = member_for_user(request.user)
    task_id = int_param(request, "task")
    selected = get_task_for_user(request.user, task_id) if task_id else None
    tasks = _task_choices(
        request, member, selected=selected, search=request.GET.get("q", "").strip()
    )
    return render(
        request,
        "timetracking/log_time.html#task_options",
        {"tasks": tasks, "selected_task": selected},
    )


@staff_view
@require_GET
def log_time_preview(request):
    """Rate preview and hour-bank balance after the entry, as the dialog's fields change."""
    entry_id = int_param(request, "entry")
    entry = get_entry_for_user(request.user, entry_id) if entry_id else None
    member = entry.member if entry is not None else member_for_user(request.user)
    if member is not None:
        # A manager's Member select; anyone else naming another member is refused (403).
        try:
            member = member_to_log_for(request.user, request.GET.get("member"), default=member)
        except PermissionDenied:
            return HttpResponse(LOG_FOR_OTHERS_REFUSED, status=403)
    task_id = int_param(request, "task")
    task = (
        entry.task
        if entry is not None
        else (get_task_for_user(request.user, task_id) if task_id else None)
    )
    context = {"preview": None, "duration_text": "", "duration_error": ""}
    if member is not None and task is not None:
        context = _preview_of(request.GET, member=member, task=task, entry=entry)
    return render(request, "timetracking/log_time.html#preview", context)


@staff_view
@require_http_methods(["GET", "POST"])
def edit_entry(request, entry_id: int):
    entry = get_entry_for_user(request.user, entry_id)
    if not can_change_entry(request.user, entry):
        raise PermissionDenied("You can only change your own entries.")
    member = member_for_user(request.user)
    if request.method == "POST":
        form = EntryForm(request.POST, user=request.user, entry=entry)
        if refusal := _refuse_logging_for_others(
            request, form, member=member or entry.member, default=entry.member, entry=entry
        ):
            return refusal
        if form.is_valid():
            try:
                entry = update_entry(entry, form.changes(), by=request.user)
            except EntryError as error:
                form.add_error(
                    error.field
                    if error.field in form.fields and not form.fields[error.field].disabled
                    else None,
                    error.message,
                )
            else:
                message = f"Saved {format_minutes(entry.duration_minutes)} on {entry.task} ({entry.date:%a %d %b}){_for_whom(request, entry)}."
                if request.htmx:
                    return htmx_done(request, message, events=(ENTRY_SAVED, BALANCE_CHANGED))
                messages.success(request, message)
                return redirect(safe_next(request, "/my-work/"))
        return _dialog(
            request,
            form,
            member=member or entry.member,
            tasks=[],
            entry=entry,
            status=200 if request.htmx else 400,
        )
    form = EntryForm(user=request.user, entry=entry)
    return _dialog(request, form, member=member or entry.member, tasks=[], entry=entry)


@staff_view
@require_http_methods(["GET", "POST"])
def delete_entry_view(request, entry_id: int):
    entry = get_entry_for_user(request.user, entry_id)
    if not can_change_entry(request.user, entry):
        raise PermissionDenied("You can only delete your own entries.")
    # Say it before the confirmation, not only after it (PRODUCT §2.2).
    refusal = delete_refusal(entry)
    error = refusal.message if refusal is not None else None
    if request.method == "POST" and error is None:
        try:
            delete_entry(entry, by=request.user)
        except EntryError as refusal:
            error = refusal.message
        else:
            message = f"Deleted {format_minutes(entry.duration_minutes)} on {entry.task} ({entry.date:%a %d %b})."
            if request.htmx:
                return htmx_done(request, message, events=(ENTRY_SAVED, BALANCE_CHANGED))
            messages.success(request, message)
            return redirect(safe_next(request, "/my-work/"))
    context = {"entry": entry, "error": error, "next": safe_next(request, "/my-work/")}
    template = (
        "timetracking/entry_delete.html#dialog"
        if request.htmx
        else "timetracking/entry_delete.html"
    )
    status = 200 if request.htmx or error is None else 409
    return render(request, template, context, status=status)


# --- Timer (PRODUCT §2.4) ---------------------------------------------------------------------


def _timer_response(request, message: str, *, saved: bool, error: str | None = None):
    member = member_for_user(request.user)
    if not request.htmx:
        (messages.error if error else messages.success)(request, error or message)
        return redirect(safe_next(request, "/my-work/"))
    context = {"member": member, "timer_error": error, **_timer_context(request, member)}
    body = render_to_string("timetracking/my_work.html#timer", context, request=request)
    if error:
        return HttpResponse(body)
    return htmx_done(
        request, message, events=(ENTRY_SAVED, BALANCE_CHANGED) if saved else (), body=body
    )


@staff_view
@require_POST
def timer_start(request):
    member = member_for_user(request.user)
    if member is None:
        return _timer_response(request, "", saved=False, error=NO_MEMBER)
    form = TimerForm(request.POST, user=request.user)
    if not form.is_valid():
        return _timer_response(
            request,
            "",
            saved=False,
            error=" ".join(form.errors.get("task", form.errors.get("description", []))),
        )
    try:
        timer = start_timer(member, form.cleaned_data["task"], form.cleaned_data["description"])
    except EntryError as error:
        return _timer_response(request, "", saved=False, error=error.message)
    return _timer_response(request, f"Timer started on {timer.task}.", saved=False)


@staff_view
@require_POST
def timer_stop(request):
    member = member_for_user(request.user)
    if member is None:
        return _timer_response(request, "", saved=False, error=NO_MEMBER)
    try:
        entry = stop_timer(member, by=request.user)
    except EntryError as error:
        return _timer_response(request, "", saved=False, error=error.message)
    return _timer_response(
        request,
        f"Logged {format_minutes(entry.duration_minutes)} on {entry.task} from the timer.",
        saved=True,
    )


@staff_view
@require_POST
def timer_discard(request):
    member = member_for_user(request.user)
    if member is None or not discard_timer(member):
        return _timer_response(request, "", saved=False, error="No timer is running.")
    return _timer_response(request, "Timer discarded; nothing was logged.", saved=False)


# --- Weekly timesheet (PRODUCT §2.5) ----------------------------------------------------------


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
        "row_tasks": _task_choices(request, member),
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
            return redirect(f"/timesheet/?week={iso_week(week_start)}")
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
        day = date.fromisoformat(request.POST.get("date", ""))
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
        return redirect("/timesheet/")
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
    return redirect(f"/timesheet/?week={iso_week(week_start)}")


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
        return redirect("/timesheet/")
    task = get_task_for_user(request.user, task_id)
    key = _session_rows_key(member, week_start)
    if task.pk not in request.session.get(key, []):
        request.session[key] = [*request.session.get(key, []), task.pk]
    return redirect(f"/timesheet/?week={iso_week(week_start)}")


# --- Client directory and client page (PRODUCT §4) --------------------------------------------


@staff_view
@require_GET
def clients_directory(request):
    form = DirectoryFilterForm(request.GET or None)
    rows = client_directory(request.user, **form.filters())
    context = {"form": form, "rows": rows, "query": request.GET.urlencode()}
    return render_page(
        request, "timetracking/client_directory.html", context, fragments=("directory",)
    )


def _invoices_card_url(client) -> str | None:
    """Billing serves the client's invoices card as a fragment; show it only once it exists
    (timetracking never imports billing)."""
    for url in (
        f"/billing/clients/{client.pk}/invoices-card",
        f"/billing/clients/{client.pk}/invoices-card/",
    ):
        try:
            resolve(url)
        except Resolver404:
            continue
        return url
    return None


def _client_context(request, client, *, purchase_form=None):
    unbilled_form = DateRangeForm(
        request.GET if ("date_from" in request.GET or "date_to" in request.GET) else None
    )
    date_from, date_to = unbilled_form.dates()
    can_add = has_role(request.user, "manager")
    return {
        "client": client,
        "balance": balance_of(client),
        "purchases": client_purchases(client),
        "requests": request_breakdown(client),
        "history": consumption_history(client, limit=50),
        "unbilled": unbilled_time(client, date_from, date_to),
        "unbilled_form": unbilled_form,
        "projects": client_projects(client),
        "can_add_purchase": can_add,
        "purchase_form": purchase_form
        or (
            PurchaseForm(initial={"date": member_today(member_for_user(request.user))})
            if can_add
            else None
        ),
        "invoices_card_url": _invoices_card_url(client),
    }


@staff_view
@require_GET
def client_detail(request, client_id: int):
    client = get_client_for_user(request.user, client_id)
    context = _client_context(request, client)
    return render_page(
        request,
        "timetracking/client_detail.html",
        context,
        fragments=("summary", "purchases", "history", "unbilled", "requests"),
    )


@staff_view
@require_POST
def client_add_purchase(request, client_id: int):
    client = get_client_for_user(request.user, client_id)
    if not has_role(request.user, "manager"):
        raise PermissionDenied("Only managers and finance add hour purchases.")
    form = PurchaseForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        purchase = add_purchase(
            client=client,
            hours=data["hours"],
            on_date=data["date"],
            note=data["note"],
            by=request.user,
        )
        message = f"Added {purchase.hours} h to {client.code}'s hour bank."
        if request.htmx:
            context = _client_context(request, client)
            body = render_to_string(
                "timetracking/client_detail.html#purchases", context, request=request
            )
            return htmx_done(request, message, events=(BALANCE_CHANGED,), body=body)
        messages.success(request, message)
        return redirect(f"/clients/{client.pk}/")
    context = _client_context(request, client, purchase_form=form)
    if request.htmx:
        return render(request, "timetracking/client_detail.html#purchases", context)
    return render(request, "timetracking/client_detail.html", context, status=400)


# --- Project and task pages (seed 001, PRODUCT §8) --------------------------------------------


def _project_context(request, project, **extra):
    return {
        "project": project,
        "summary": project_time_summary(project),
        "tasks": project_tasks(project),
        "can_change_status": has_role(request.user, "manager"),
        **extra,
    }


@staff_view
@require_GET
def project_detail(request, project_id: int):
    project = get_project_for_user(request.user, project_id)
    return render_page(
        request,
        "timetracking/project_detail.html",
        _project_context(request, project),
        fragments=("summary", "status"),
    )


@staff_view
@require_POST
def project_status(request, project_id: int):
    """Mark complete (or reopen); completing with unbilled time first asks for confirmation."""
    project = get_project_for_user(request.user, project_id)
    if not has_role(request.user, "manager"):
        raise PermissionDenied("Only managers change a project's status.")
    form = ProjectStatusForm(request.POST)
    if not form.is_valid():
        return HttpResponse("Status must be complete or active, e.g. status=complete.", status=400)
    status = form.cleaned_data["status"]
    if status == "complete" and not form.cleaned_data["confirm"]:
        unbilled = project_unbilled(project)
        if unbilled.entries:
            context = _project_context(request, project, confirm_unbilled=unbilled)
            template = (
                "timetracking/project_detail.html#status"
                if request.htmx
                else "timetracking/project_detail.html"
            )
            return render(request, template, context)
    try:
        set_project_status(project=project, status=status)
    except ProjectStatusError as error:
        return HttpResponse(str(error), status=400)
    message = f"{project.code} is now {project.get_status_display().lower()}."
    if request.htmx:
        body = render_to_string(
            "timetracking/project_detail.html#status",
            _project_context(request, project),
            request=request,
        )
        return htmx_done(request, message, events=(), body=body)
    messages.success(request, message)
    return redirect(f"/projects/{project.pk}/")


@staff_view
@require_GET
def task_detail(request, task_id: int):
    task = get_task_for_user(request.user, task_id)
    member = member_for_user(request.user)
    page = Paginator(task_entries(task), 50).get_page(request.GET.get("page"))
    context = {
        "task": task,
        "page": page,
        "entries": [(entry, can_change_entry(request.user, entry)) for entry in page.object_list],
        "timer": running_timer(member),
        "member": member,
        "query": request.GET.urlencode(),
    }
    return render_page(request, "timetracking/task_detail.html", context, fragments=("entries",))
