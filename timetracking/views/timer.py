"""The timer (PRODUCT §2.4)."""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_POST

from core.htmx import BALANCE_CHANGED, ENTRY_SAVED, htmx_done, safe_next

from ..durations import format_minutes
from ..forms import TimerForm
from ..selectors import member_for_user, running_state, running_timer, task_choices
from ..services import EntryError, discard_timer, start_timer, stop_timer
from .staff import NO_MEMBER, staff_view

# Sent when a timer changed from somewhere else than My Work's timer card (the header's Stop):
# the timer cards of My Work and the task page fetch themselves again.
TIMER_CHANGED = "timerChanged"


def timer_context(request, member) -> dict:
    timer = running_timer(member)
    running = running_state(timer)
    return {
        "timer": timer,
        "timer_elapsed": running.elapsed if running else 0,
        "timer_elapsed_text": running.elapsed_text if running else "",
        "timer_tasks": task_choices(request.user, member) if timer is None else [],
    }


def _header_timer(request, timer) -> str:
    """The header's timer slot, out of band: the header follows a start or stop at once."""
    context = {
        "running": running_state(timer),
        "oob": True,
        "next_url": request.htmx.current_url_abs_path or "",
    }
    return render_to_string("partials/header_timer.html#timer", context, request=request)


def _timer_response(
    request, message: str, *, saved: bool, error: str | None = None, entry_id: int | None = None
):
    member = member_for_user(request.user)
    if not request.htmx:
        (messages.error if error else messages.success)(request, error or message)
        return redirect(safe_next(request, reverse("my-work")))
    context = {"member": member, "timer_error": error, **timer_context(request, member)}
    body = render_to_string("timetracking/my_work.html#timer", context, request=request)
    if error:
        return HttpResponse(body)
    events = (ENTRY_SAVED, BALANCE_CHANGED) if saved else ()
    if request.htmx.target != "timer":
        events, body = (*events, TIMER_CHANGED), ""
    return htmx_done(
        request,
        message,
        events=events,
        body=body + _header_timer(request, context["timer"]),
        focus=f"entry-{entry_id}" if entry_id else None,
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
        entry_id=entry.pk,
    )


@staff_view
@require_POST
def timer_discard(request):
    member = member_for_user(request.user)
    if member is None or not discard_timer(member):
        return _timer_response(request, "", saved=False, error="No timer is running.")
    return _timer_response(request, "Timer discarded; nothing was logged.", saved=False)
