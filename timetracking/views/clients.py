"""The client directory and the client page (PRODUCT §4)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from clients.roles import has_role
from clients.selectors import get_client_for_user
from clients.services import add_purchase
from core.htmx import BALANCE_CHANGED, htmx_done, render_page

from ..balances import balance_of
from ..forms import DateRangeForm, DirectoryFilterForm, PurchaseForm
from ..selectors import (
    billing_rules_preview,
    client_directory,
    client_projects,
    client_purchases,
    get_client_with_balance,
    member_today,
    request_breakdown,
    task_totals,
    unbilled_summary,
)
from ..selectors.bank_activity import burn_down
from ..selectors.history import history_page
from ..services import reapply_billing_rules
from .staff import staff_view

REQUESTS_PAGE_SIZE = 25
DIRECTORY_PAGE_SIZE = 25
UNBILLED_PAGE_SIZE = 25


@staff_view
@require_GET
def clients_directory(request):
    form = DirectoryFilterForm(request.GET or None)
    rows = client_directory(request.user, **form.filters())
    # Every visible client is ranked (the default sort needs every balance), but only a page
    # of them is drawn: a row costs far more to render than to rank.
    page = Paginator(rows, DIRECTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    filters = request.GET.copy()
    filters.pop("page", None)
    context = {"form": form, "rows": page, "filters": filters.urlencode()}
    return render_page(
        request, "timetracking/client_directory.html", context, fragments=("directory",)
    )


# Billing serves the client's invoices card as a fragment under this URL name.
INVOICES_CARD_URL_NAME = "billing:client-invoices-card"


def _invoices_card_url(client) -> str | None:
    """Billing's invoices card of the client; None (no placeholder) until billing serves it
    (timetracking never imports billing)."""
    try:
        return reverse(INVOICES_CARD_URL_NAME, kwargs={"client_id": client.pk})
    except NoReverseMatch:
        return None


def _client_context(request, client, *, purchase_form=None):
    unbilled_form = DateRangeForm(
        request.GET if ("date_from" in request.GET or "date_to" in request.GET) else None
    )
    date_from, date_to = unbilled_form.dates()
    can_add = has_role(request.user, "manager")
    today = timezone.localdate()
    balance = balance_of(client, today=today)
    totals = task_totals(client, date_from, date_to)
    unbilled = unbilled_summary(client, date_from, date_to, totals=totals)
    period = {"date_from": date_from, "date_to": date_to}
    return {
        "client": client,
        "balance": balance,
        # Lazy: only the whole page draws the chart, htmx fragments never pay its queries.
        "burn_down": SimpleLazyObject(lambda: burn_down(client, balance, today=today)),
        "purchases": client_purchases(client),
        # Largest first, a page at a time: a big client has hundreds of requests.
        "requests": Paginator(request_breakdown(client, totals), REQUESTS_PAGE_SIZE).get_page(
            request.GET.get("requests_page")
        ),
        "history": history_page(client, request.GET.get("history_page")),
        "unbilled": unbilled,
        # A big client has unbilled time on a hundred projects: a page of them at a time.
        "unbilled_projects": Paginator(unbilled.projects, UNBILLED_PAGE_SIZE).get_page(
            request.GET.get("unbilled_page")
        ),
        "unbilled_query": urlencode({key: day.isoformat() for key, day in period.items() if day}),
        "unbilled_form": unbilled_form,
        "projects": client_projects(client, totals),
        "can_add_purchase": can_add,
        "purchase_form": purchase_form
        or (
            # A purchase is a fact of the firm's ledger: dated in the firm's today, which
            # also spares the page a query for the manager's own member row.
            PurchaseForm(initial={"date": member_today(None)}) if can_add else None
        ),
        "invoices_card_url": _invoices_card_url(client),
        # Only finance generates invoices; the template finds billing's page by URL name.
        "can_invoice": has_role(request.user, "finance"),
        "can_reapply_billing_rules": has_role(request.user, "manager"),
    }


@staff_view
@require_GET
def client_detail(request, client_id: int):
    client = get_client_with_balance(request.user, client_id)
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
        return redirect("client-detail", client_id=client.pk)
    context = _client_context(request, client, purchase_form=form)
    if request.htmx:
        return render(request, "timetracking/client_detail.html#purchases", context)
    return render(request, "timetracking/client_detail.html", context, status=400)


@staff_view
@require_http_methods(["GET", "POST"])
def client_reapply_billing_rules(request, client_id: int):
    """Preview (GET) and run (POST) "re-apply billing rules to unbilled entries" (PRODUCT §1)."""
    client = get_client_for_user(request.user, client_id)
    if not has_role(request.user, "manager"):
        raise PermissionDenied("Only managers and up re-apply billing rules.")
    if request.method == "POST":
        changes = reapply_billing_rules(client=client, by=request.user)
        message = (
            f"Billing rules re-applied to {client.code}: {changes.entries} entries changed, "
            f"{changes.minutes_delta:+d} billable minutes."
        )
        if request.htmx:
            return htmx_done(request, message, events=(BALANCE_CHANGED,))
        messages.success(request, message)
        return redirect("client-detail", client_id=client.pk)
    context = {"client": client, "preview": billing_rules_preview(client)}
    template = "timetracking/reapply.html#dialog" if request.htmx else "timetracking/reapply.html"
    return render(request, template, context)
