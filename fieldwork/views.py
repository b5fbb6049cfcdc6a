"""The field page (`/field/`): a day's work activities, the activity dialog, allocation, the
firm's rounding with its preview, and CSV import. Staff and up; client users get 403.

A page and its fragments are one template (`fieldwork/field.html`): htmx asks for a fragment by
targeting its element id. Writes end in a redirect (htmx: `HX-Redirect`) to the day they touched,
with a message, so the list, its totals and the rounding preview are read once, fresh."""

from datetime import date, timedelta
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_POST

from clients.roles import has_role, is_staff_member
from core.units import minutes_to_hours

from . import selectors
from .forms import (
    ActivityForm,
    AdjustmentFormSet,
    ImportForm,
    RoundingForm,
    activity_initial,
    activity_input,
)
from .services import (
    EXAMPLE_HEADER,
    EXAMPLE_ROWS,
    ActivityError,
    CsvImportError,
    allocate_breaks,
    allocate_travel,
    apply_rounding,
    create_activity,
    delete_activity,
    import_csv,
    preview_rounding,
    set_field_rounding,
    update_activity,
)

PAGE = "fieldwork/field.html"
FRAGMENTS = ("day", "rounding-preview", "import")


def staff_page(view):
    """Staff and up; client users and role-less logins get 403 (PRODUCT §9)."""

    @wraps(view)
    @login_required
    def wrapper(request, *args, **kwargs):
        if not is_staff_member(request.user):
            raise PermissionDenied("Field work is for staff.")
        return view(request, *args, **kwargs)

    return wrapper


def _day_of(request) -> date:
    text = request.GET.get("date") or request.POST.get("date") or ""
    try:
        return date.fromisoformat(text)
    except ValueError:
        return timezone.localdate()


def _day_url(on_date: date) -> str:
    return f"{reverse('fieldwork:page')}?date={on_date.isoformat()}"


def _done(request, message: str, on_date: date, *, level=messages.SUCCESS) -> HttpResponse:
    messages.add_message(request, level, message)
    if request.htmx:
        response = HttpResponse(status=204)
        response["HX-Redirect"] = _day_url(on_date)
        return response
    return redirect(_day_url(on_date))


def _hours(minutes: int) -> str:
    return f"{minutes_to_hours(minutes)} h"


def _day_context(request, on_date: date) -> dict:
    rounding = selectors.field_rounding()
    rows = selectors.activity_rows(selectors.activities_of_day(request.user, on_date), rounding)
    return {
        "day": on_date,
        "previous_day": on_date - timedelta(days=1),
        "next_day": on_date + timedelta(days=1),
        "rows": rows,
        "total_minutes": sum(row.figures.total_minutes for row in rows),
        "billable_minutes": sum(row.activity.billable_minutes for row in rows),
        "travel_minutes": sum(row.activity.travel_minutes for row in rows),
        "allocated_travel_minutes": sum(row.activity.allocated_travel_minutes for row in rows),
        "break_minutes": sum(row.activity.break_minutes for row in rows),
        "allocated_break_minutes": sum(row.activity.allocated_break_minutes for row in rows),
        "rounding": rounding,
        "rounding_form": RoundingForm(initial={"rounding": rounding}),
        "can_round": has_role(request.user, "manager"),
        "import_form": ImportForm(),
        "example_header": EXAMPLE_HEADER,
        "example_rows": EXAMPLE_ROWS,
    }


def _render(request, context: dict, *, status: int = 200) -> HttpResponse:
    target = request.htmx.target if request.htmx else None
    template = f"{PAGE}#{target}" if target in FRAGMENTS else PAGE
    response = render(request, template, context, status=status)
    patch_vary_headers(response, ("HX-Request", "HX-Target"))
    return response


@staff_page
def field_page(request):
    return _render(request, _day_context(request, _day_of(request)))


# --- The activity dialog ----------------------------------------------------------------------


def _forms(request, *, initial=None, adjustments=None):
    tasks, leads = selectors.task_choices(request.user), selectors.lead_choices()
    if request.method == "POST" and initial is None:
        form = ActivityForm(request.POST, tasks=tasks, leads=leads)
        formset = AdjustmentFormSet(request.POST, prefix="adjustments")
    else:
        form = ActivityForm(initial=initial, tasks=tasks, leads=leads)
        formset = AdjustmentFormSet(initial=adjustments, prefix="adjustments")
    return form, formset


def _dialog(request, form, formset, *, activity=None, read_only=False, error=None, status=200):
    context = {
        "form": form,
        "formset": formset,
        "activity": activity,
        "read_only": read_only,
        "error": error,
        "day": form.initial.get("date") or _day_of(request),
        "rounding": selectors.field_rounding(),
    }
    template = f"{PAGE}#dialog" if request.htmx else "fieldwork/activity_page.html"
    # htmx swaps only 2xx answers: a refused form comes back as 200 with its errors.
    return render(request, template, context, status=200 if request.htmx else status)


def _save(request, form, formset, *, activity=None):
    if not (form.is_valid() and formset.is_valid()):
        return _dialog(request, form, formset, activity=activity, status=400)
    data = activity_input(form, formset)
    try:
        if activity is None:
            saved = create_activity(data, by=request.user)
        else:
            saved = update_activity(activity, data, by=request.user)
    except ActivityError as error:
        if error.field in form.fields:
            form.add_error(error.field, error.message)
            return _dialog(request, form, formset, activity=activity, status=400)
        return _dialog(
            request, form, formset, activity=activity, error=error.message, status=error.status
        )
    return _done(
        request,
        f"Saved: {saved.task} on {saved.date:%a %d %b}, {_hours(saved.billable_minutes)} billable.",
        saved.date,
    )


@staff_page
def activity_new(request):
    if request.method == "POST":
        form, formset = _forms(request)
        return _save(request, form, formset)
    own = selectors.lead_choices().filter(user=request.user).first()
    form, formset = _forms(request, initial={"date": _day_of(request), "crew_size": 1, "lead": own})
    return _dialog(request, form, formset)


@staff_page
def activity_edit(request, activity_id):
    activity = selectors.get_activity_for_user(request.user, activity_id)
    read_only = selectors.is_read_only(activity)
    if request.method == "POST" and not read_only:
        form, formset = _forms(request)
        return _save(request, form, formset, activity=activity)
    values, adjustments = activity_initial(activity)
    form, formset = _forms(request, initial=values, adjustments=adjustments)
    error = (
        f"This activity's time is on invoice {activity.time_entry.invoice}: billed and invoiced "
        "activities cannot be changed."
        if read_only
        else None
    )
    status = 409 if read_only and request.method == "POST" else 200
    return _dialog(
        request, form, formset, activity=activity, read_only=read_only, error=error, status=status
    )


@staff_page
@require_POST
def activity_delete(request, activity_id):
    activity = selectors.get_activity_for_user(request.user, activity_id)
    try:
        delete_activity(activity, by=request.user)
    except ActivityError as error:
        return _done(request, error.message, activity.date, level=messages.ERROR)
    return _done(request, f"Deleted the activity of {activity.task}.", activity.date)


# --- Allocation, rounding, import -------------------------------------------------------------


@staff_page
@require_POST
def allocate(request, kind):
    on_date = _day_of(request)
    if kind == "travel":
        activities = allocate_travel(on_date, by=request.user)
        what = "travel"
    else:
        activities = allocate_breaks(on_date, by=request.user)
        what = "breaks"
    count = len(activities)
    message = (
        f"Allocated the day's {what} over {count} unbilled activit{'y' if count == 1 else 'ies'}."
        if count
        else f"No unbilled activities on {on_date:%a %d %b} to allocate {what} over."
    )
    return _done(request, message, on_date)


@staff_page
def rounding_preview(request):
    context = _day_context(request, _day_of(request))
    context["preview"] = preview_rounding()
    return _render(request, context)


@staff_page
@require_POST
def rounding_save(request):
    on_date = _day_of(request)
    form = RoundingForm(request.POST)
    if not form.is_valid():
        return _done(
            request, "Choose off, up, down or nearest (0.5 h).", on_date, level=messages.ERROR
        )
    try:
        set_field_rounding(form.cleaned_data["rounding"], by=request.user)
    except ActivityError as error:
        raise PermissionDenied(error.message) from error
    return _done(
        request,
        f"Field rounding is now '{form.cleaned_data['rounding']}' for new and edited activities; "
        "preview and apply it to unbilled ones below.",
        on_date,
    )


@staff_page
@require_POST
def rounding_apply(request):
    on_date = _day_of(request)
    try:
        changed = apply_rounding(by=request.user)
    except ActivityError as error:
        raise PermissionDenied(error.message) from error
    return _done(
        request,
        f"Rounding applied: {changed} unbilled activit{'y' if changed == 1 else 'ies'} changed; "
        "billed and invoiced ones were left as they are.",
        on_date,
    )


@staff_page
@require_POST
def import_activities(request):
    on_date = _day_of(request)
    form = ImportForm(request.POST, request.FILES)
    errors: list[str] = []
    if form.is_valid():
        try:
            created = import_csv(form.cleaned_data["file"].read(), user=request.user)
        except CsvImportError as error:
            errors = error.errors
        else:
            count = len(created)
            return _done(
                request,
                f"Imported {count} activit{'y' if count == 1 else 'ies'}.",
                created[0].date,
            )
    else:
        errors = ["Choose a CSV file to import."]
    context = _day_context(request, on_date)
    context["import_errors"] = errors
    context["import_form"] = form
    return _render(request, context, status=200 if request.htmx else 400)
