from django.core.paginator import Paginator
from django.urls import reverse
from django.utils import timezone

from core.htmx import render_page
from core.pagination import peek_page
from timetracking.forms import DateRangeForm
from timetracking.selectors import client_balance, request_breakdown
from timetracking.selectors.bank_activity import (
    burn_down,
    change_row,
    consumption_changes,
    ledger_rows,
)

from ..selectors import portal_invoices
from .common import portal_view

HISTORY_PAGE_SIZE = 25
REQUESTS_PAGE_SIZE = 25
TEMPLATE = "portal/home.html"


def with_query(url: str, portal, **params) -> str:
    parts = [portal.query] if portal.query else []
    parts += [f"{key}={value}" for key, value in params.items() if value not in (None, "")]
    return f"{url}?{'&'.join(parts)}" if parts else url


@portal_view
def portal_home(request, portal):
    """The client's hour bank: balance, run-out, burn-down, requests, history, ledger, invoices."""
    client = portal.client
    today = timezone.localdate()
    balance = client_balance(client, today=today)
    range_form = DateRangeForm(request.GET if {"date_from", "date_to"} & set(request.GET) else None)
    date_from, date_to = range_form.dates()
    # Newer/Older without a total: counting a big client's history cost more than the page.
    history_page = peek_page(
        consumption_changes(client, date_from=date_from, date_to=date_to),
        request.GET.get("page"),
        HISTORY_PAGE_SIZE,
    )
    # Largest first, a page at a time: a big client has hundreds of requests.
    requests_page = Paginator(request_breakdown(client), REQUESTS_PAGE_SIZE).get_page(
        request.GET.get("requests_page")
    )
    home_url = reverse("portal")
    filters = {"date_from": date_from, "date_to": date_to}
    context = {
        "client": client,
        "preview": portal.preview,
        "balance": balance,
        "burn_down": burn_down(client, balance, today=today),
        "requests": requests_page,
        "range_form": range_form,
        "history_page": history_page,
        "history_rows": [change_row(change) for change in history_page.object_list],
        "ledger": ledger_rows(client),
        "invoices": portal_invoices(request.user, client),
        "home_url": with_query(home_url, portal),
        "balance_url": with_query(reverse("portal-balance"), portal),
        "export_url": with_query(reverse("portal-history-csv"), portal, **filters),
        "previous_url": with_query(home_url, portal, page=history_page.number - 1, **filters)
        if history_page.has_previous()
        else None,
        "next_url": with_query(home_url, portal, page=history_page.number + 1, **filters)
        if history_page.has_next()
        else None,
    }
    context["requests_previous_url"] = (
        with_query(home_url, portal, requests_page=requests_page.number - 1)
        if requests_page.has_previous()
        else None
    )
    context["requests_next_url"] = (
        with_query(home_url, portal, requests_page=requests_page.number + 1)
        if requests_page.has_next()
        else None
    )
    return render_page(request, TEMPLATE, context, fragments=("portal-history", "portal-requests"))
