"""Finance pages (PRODUCT §5.1, INTERFACES §3.1): invoice list, invoice detail with its
lifecycle buttons, the generate dialog, and the client page's invoices card (a fragment).

Finance and admin only: client users and outsiders get a 404, other staff a 403."""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from clients.roles import has_role
from clients.selectors import get_client_for_user, require_staff

from .forms import GenerateForm, InvoiceFilterForm
from .selectors import (
    InvoiceFilters,
    client_invoices_card,
    generate_preview,
    get_invoice_for_user,
    invoice_detail,
    invoice_list,
    totals_by_currency,
)
from .services import InvoiceError, delete_draft, generate_draft, refresh_stale_draft, transition

LIST_LIMIT = 200
ACTION_LABELS = {
    "approve": "approved",
    "send": "marked sent",
    "pay": "marked paid",
    "void": "voided",
}


def finance_view(view):
    @wraps(view)
    @login_required
    def wrapper(request, *args, **kwargs):
        require_staff(request.user)
        if not has_role(request.user, "finance"):
            raise PermissionDenied("Invoices need the finance role.")
        return view(request, *args, **kwargs)

    return wrapper


def _render(request, template: str, context: dict, *, fragments=(), status: int = 200):
    target = request.htmx.target if request.htmx else None
    if target in fragments:
        template = f"{template}#{target}"
    response = render(request, template, context, status=status)
    patch_vary_headers(response, ("HX-Request", "HX-Target"))
    return response


@finance_view
@require_GET
def invoices(request):
    form = InvoiceFilterForm(request.GET or None)
    filters = InvoiceFilters()
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        filters = InvoiceFilters(
            status=data["status"] or None,
            client_id=data["client"].pk if data["client"] else None,
            date_from=data["date_from"],
            date_to=data["date_to"],
        )
    rows = invoice_list(request.user, filters)
    shown = list(rows[:LIST_LIMIT])
    context = {
        "form": form,
        "invoices": shown,
        # Counted only when the page is full: a shorter page is the whole count.
        "count": len(shown) if len(shown) < LIST_LIMIT else rows.count(),
        "limit": LIST_LIMIT,
        "totals": totals_by_currency(rows),
    }
    return _render(request, "billing/invoices.html", context, fragments=("invoice-list",))


@finance_view
@require_GET
def invoice(request, invoice_id: int):
    current = refresh_stale_draft(get_invoice_for_user(request.user, invoice_id))
    return render(request, "billing/invoice.html", {"detail": invoice_detail(current)})


@finance_view
@require_POST
def invoice_action(request, invoice_id: int, action: str):
    current = get_invoice_for_user(request.user, invoice_id)
    try:
        if action == "delete":
            delete_draft(current.pk, by=request.user)
            messages.success(
                request, f"Draft {current.display_number} deleted; its entries are unbilled again."
            )
            return redirect("billing:invoices")
        if action not in ACTION_LABELS:
            raise Http404
        updated = transition(action, current.pk, by=request.user)
        messages.success(request, f"Invoice {updated.display_number} {ACTION_LABELS[action]}.")
    except InvoiceError as error:
        messages.error(request, error.message)
    return redirect("billing:invoice", invoice_id=current.pk)


@finance_view
@require_http_methods(["GET", "POST"])
def generate(request):
    """The generate dialog: pick a client and period, see its unbilled entries grouped by
    project and task (all pre-selected), generate a draft from the selected ones."""
    if request.method == "POST":
        data = request.POST
    else:
        # `?client=3` alone (from the client page) only preselects the client.
        data = request.GET if {"date_from", "date_to"} & set(request.GET) else None
    form = GenerateForm(data, initial={"client": request.GET.get("client")})
    groups, error = [], None
    selected = None
    if form.is_bound and form.is_valid():
        client = form.cleaned_data["client"]
        date_from, date_to = form.cleaned_data["date_from"], form.cleaned_data["date_to"]
        if request.method == "POST" and "generate" in request.POST:
            selected = [int(v) for v in request.POST.getlist("entry") if v.isdigit()]
            try:
                draft = generate_draft(
                    client_id=client.pk,
                    date_from=date_from,
                    date_to=date_to,
                    entry_ids=selected,
                    include_adjustments=bool(request.POST.get("include_adjustments")),
                    by=request.user,
                )
            except InvoiceError as refusal:
                error = refusal.message
            else:
                url = reverse("billing:invoice", kwargs={"invoice_id": draft.pk})
                messages.success(request, f"Draft {draft.display_number} created.")
                if request.htmx:
                    response = HttpResponse("")
                    response["HX-Redirect"] = url
                    return response
                return redirect(url)
        groups = generate_preview(client, date_from, date_to)
    context = {
        "form": form,
        "groups": groups,
        "error": error,
        "selected": set(selected) if selected is not None else None,
        "has_entries": any(group.entries for group in groups),
    }
    template = "billing/generate.html"
    if request.htmx:
        template += "#dialog" if request.htmx.target == "dialog-slot" else "#generate-form"
    return render(request, template, context)


@login_required
@require_GET
def client_invoices(request, client_id: int):
    """The client page's invoices card (an htmx fragment). The client page is for all staff;
    invoices are for finance, so other staff get an empty answer (htmx swaps nothing)."""
    require_staff(request.user)
    client = get_client_for_user(request.user, client_id)
    if not has_role(request.user, "finance"):
        return HttpResponse(status=204)
    return render(
        request,
        "billing/client_invoices_card.html",
        {"card": client_invoices_card(client), "client": client},
    )
