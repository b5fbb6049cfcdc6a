"""The audit trail (issue 20): who changed which purchase, rate, billing plan or invoice, and
when. django-auditlog records the rows (settings.AUDITLOG_INCLUDE_TRACKING_MODELS, the actor
from AuditlogMiddleware); time entries keep their own history (timetracking.EntryChange).

Finance and admin read it in the Django admin (auditlog's "Log entries"); managers and up on
/audit/, newest first, 50 a page, in a constant number of queries."""

from __future__ import annotations

from auditlog.models import LogEntry
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from clients.roles import has_role

PAGE_SIZE = 50


def audited_content_types() -> list[ContentType]:
    labels = [label.lower().split(".") for label in settings.AUDITLOG_INCLUDE_TRACKING_MODELS]
    types = ContentType.objects.get_for_models(
        *[ContentType.objects.get_by_natural_key(app, model).model_class() for app, model in labels]
    )
    return list(types.values())


def audit_entries(*, model: str | None = None) -> QuerySet[LogEntry]:
    """The audit rows of the tracked models (or of one, `app_label.model`), newest first."""
    entries = LogEntry.objects.filter(content_type__in=audited_content_types())
    if model:
        app_label, _, model_name = model.lower().partition(".")
        entries = entries.filter(content_type__app_label=app_label, content_type__model=model_name)
    return entries.select_related("actor", "content_type").order_by("-timestamp", "-pk")


@login_required
def audit_log(request: HttpRequest) -> HttpResponse:
    if not has_role(request.user, "manager"):
        raise PermissionDenied("The audit trail is for managers, finance and admins.")
    model = request.GET.get("model") or None
    tracked = [label.lower() for label in settings.AUDITLOG_INCLUDE_TRACKING_MODELS]
    if model and model.lower() not in tracked:
        model = None
    page = Paginator(audit_entries(model=model), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "config/audit.html", {"page": page, "model": model, "tracked": tracked})
