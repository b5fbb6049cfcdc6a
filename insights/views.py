"""The insights page (PRODUCT §8) and its CSV exports: managers and up; cost and margin for
finance and up (PRODUCT §9)."""

import csv
from functools import cache, wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from clients.models import Role
from clients.roles import has_role, is_staff_member
from core.htmx import render_page

from . import tables
from .forms import InsightsForm
from .selectors import (
    at_risk_clients,
    client_margins,
    expiring_blocks,
    hours_consumed,
    margins,
    money_left_on_table,
    trends,
    utilization,
)

FRAGMENTS = ("insights-body",)


def manager_view(view):
    """Managers and up; other staff 403; client users and logins without a role 404."""

    @wraps(view)
    @login_required
    def wrapper(request, *args, **kwargs):
        if not is_staff_member(request.user):
            raise Http404
        if not has_role(request.user, Role.MANAGER):
            raise PermissionDenied("Insights are for managers, finance and admins.")
        return view(request, *args, **kwargs)

    return wrapper


def _sections(request, form: InsightsForm):
    """Each table's builder for the form's period and filters; only what is asked is computed."""
    today = timezone.localdate()
    scope, previous = form.scopes(today)
    # Both margin tables come from the same per-project rows: read them once.
    project_margins = cache(lambda: margins(scope))
    return (
        scope,
        previous,
        {
            "hours": lambda: tables.hours_table(hours_consumed(scope, form.hours_bucket)),
            "utilization": lambda: tables.utilization_table(
                utilization(scope, form.utilization_sort)
            ),
            "trends": lambda: tables.trends_table(trends(scope, previous)),
            "at_risk": lambda: tables.at_risk_table(
                at_risk_clients(request.user, scope, today=today)
            ),
            "money_left": lambda: tables.money_left_table(money_left_on_table(scope, today=today)),
            "expiring": lambda: tables.expiring_table(expiring_blocks(scope, today=today)),
            "margin_clients": lambda: tables.margin_clients_table(
                client_margins(project_margins())
            ),
            "margin_projects": lambda: tables.margin_projects_table(project_margins()),
        },
    )


def visible_tables(user) -> tuple[str, ...]:
    keys = ("hours", "utilization", "trends", "at_risk", "money_left", "expiring")
    return keys + tables.COST_TABLES if has_role(user, Role.FINANCE) else keys


@manager_view
@require_GET
def insights_page(request):
    form = InsightsForm(request.GET or None)
    scope, previous, sections = _sections(request, form)
    chart = hours_consumed(scope, form.hours_bucket)
    built = {key: sections[key]() for key in visible_tables(request.user) if key != "hours"}
    context = {
        "form": form,
        "scope": scope,
        "previous": previous,
        "chart": chart,
        "chart_data": chart.chart_data(),
        "hours": tables.hours_table(chart),
        "tables": built,
        "query": request.GET.urlencode(),
        "sort_links": _sort_links(request),
        "sort": form.utilization_sort,
    }
    return render_page(request, "insights/page.html", context, fragments=FRAGMENTS)


SORT_LABELS = (
    ("utilization", "Utilization"),
    ("name", "Name"),
    ("total", "Total hours"),
    ("billable", "Billable hours"),
    ("target", "% of target"),
)


def _sort_links(request) -> list[tuple[str, str, str]]:
    links = []
    for key, label in SORT_LABELS:
        query = request.GET.copy()
        query["sort"] = key
        links.append((key, label, query.urlencode()))
    return links


@manager_view
@require_GET
def insights_csv(request, table: str):
    known = visible_tables(request.user)
    if table not in known and table not in tables.COST_TABLES:
        raise Http404
    if table not in known:
        raise PermissionDenied("Cost and margin figures are for finance and admins.")
    form = InsightsForm(request.GET or None)
    scope, _, sections = _sections(request, form)
    chosen: tables.Table = sections[table]()
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="insights-{table}-{scope.date_from}-{scope.date_to}.csv"'
    )
    writer = csv.writer(response)
    writer.writerow(chosen.columns)
    writer.writerows(chosen.rows)
    return response
