"""The log-time dialog (PRODUCT §2.2): log, edit and delete entries, the task picker and the preview."""

import json
import re
from datetime import date

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from clients.selectors import get_project_for_user, get_task_for_user
from core.htmx import BALANCE_CHANGED, ENTRY_SAVED, htmx_done, int_param, safe_next

from ..durations import DurationError, format_minutes, parse_duration
from ..forms import EntryForm
from ..selectors import (
    LOG_FOR_OTHERS_REFUSED,
    can_change_entry,
    ensure_can_log_for,
    entry_preview,
    get_entry_for_user,
    member_for_user,
    member_to_log_for,
    member_today,
    task_choices,
)
from ..services import (
    UNDO_SECONDS,
    EntryError,
    create_entry,
    delete_entry,
    delete_refusal,
    undo_delete,
    update_entry,
)
from .staff import NO_MEMBER, staff_view

_PICKER_ID = re.compile(r"[A-Za-z][\w-]{0,40}")


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
        "next": safe_next(request, reverse("my-work")),
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
                    return htmx_done(
                        request,
                        message,
                        events=(ENTRY_SAVED, BALANCE_CHANGED),
                        focus=f"entry-{entry.pk}",
                    )
                messages.success(request, message)
                return redirect(safe_next(request, reverse("my-work")))
        elif (task_id := int_param(request, "task")) is not None:
            selected = form.fields["task"].queryset.filter(pk=task_id).first()
        tasks = task_choices(request.user, member, selected=selected)
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
    tasks = task_choices(
        request.user,
        member,
        selected=selected,
        project=project,
        search=request.GET.get("q", "").strip(),
    )
    return _dialog(request, form, member=member, tasks=tasks, selected=selected)


@staff_view
@require_GET
def task_options(request):
    """The task picker's options for a search (htmx swaps them into the select)."""
    member = member_for_user(request.user)
    task_id = int_param(request, "task")
    selected = get_task_for_user(request.user, task_id) if task_id else None
    tasks = task_choices(
        request.user, member, selected=selected, search=request.GET.get("q", "").strip()
    )
    picker = request.GET.get("picker", "")
    return render(
        request,
        "timetracking/log_time.html#task_options",
        {
            "tasks": tasks,
            "selected_task": selected,
            # Option ids start with their combobox's id (a page can hold two pickers).
            "picker": picker if _PICKER_ID.fullmatch(picker) else "task",
        },
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
                    return htmx_done(
                        request,
                        message,
                        events=(ENTRY_SAVED, BALANCE_CHANGED),
                        focus=f"entry-{entry.pk}",
                    )
                messages.success(request, message)
                return redirect(safe_next(request, reverse("my-work")))
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
                return _deleted_with_undo(request, message, entry.pk)
            messages.success(request, message)
            return redirect(safe_next(request, reverse("my-work")))
    context = {"entry": entry, "error": error, "next": safe_next(request, reverse("my-work"))}
    template = (
        "timetracking/entry_delete.html#dialog"
        if request.htmx
        else "timetracking/entry_delete.html"
    )
    status = 200 if request.htmx or error is None else 409
    return render(request, template, context, status=status)


def _deleted_with_undo(request, message: str, entry_ref: int) -> HttpResponse:
    """The dialog closes; the status line says what went and offers Undo for a few seconds."""
    flash = render_to_string(
        "partials/flash.html#status",
        {"message": message, "oob": True, "undo_entry": entry_ref, "undo_seconds": UNDO_SECONDS},
        request=request,
    )
    response = HttpResponse(flash)
    response["HX-Trigger"] = json.dumps({ENTRY_SAVED: True, BALANCE_CHANGED: True})
    return response


@staff_view
@require_POST
def undo_delete_view(request, entry_id: int):
    """Undo of a delete just made (the Undo button of the status line)."""
    try:
        entry = undo_delete(entry_id, by=request.user)
    except EntryError as refusal:
        if request.htmx:
            return htmx_done(request, refusal.message, events=())
        messages.error(request, refusal.message)
        return redirect(safe_next(request, reverse("my-work")))
    message = f"Restored {format_minutes(entry.duration_minutes)} on {entry.task} ({entry.date:%a %d %b})."
    if request.htmx:
        response = htmx_done(
            request, message, events=(ENTRY_SAVED, BALANCE_CHANGED), focus=f"entry-{entry.pk}"
        )
        response["HX-Trigger"] = json.dumps(
            {ENTRY_SAVED: True, BALANCE_CHANGED: True, "entryRestored": {"id": entry.pk}}
        )
        return response
    messages.success(request, message)
    return redirect(safe_next(request, reverse("my-work")))
