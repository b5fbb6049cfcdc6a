"""Django admin of billing: invoices, for finance and admins only (PRODUCT §9).

Their lifecycle (approve, send, pay, void) and numbering belong to billing's services, so the
admin shows invoices read-only, never creates them (drafts come from unbilled time: the billing
pages, the API or `create_invoice`), and its actions call the same services as the pages — same
rules, same locks — reporting what they did and what they refused. Invoices and lines export to
CSV and XLSX (PRODUCT §5.3), filtered by status, client and period, and to CSV streamed with the
same columns ("Export CSV (streamed)", for exports too large to build in memory)."""

import calendar
import io
import zipfile
from datetime import date

from django.contrib import admin, messages
from django.db.models import Q
from django.db.models.functions import TruncMonth
from django.http import HttpResponse
from import_export.admin import ExportMixin
from import_export.formats.base_formats import CSV, XLSX
from import_export.forms import ExportForm

from clients.roles import has_role
from core.admin import StreamedCsvExportMixin

from .exports import InvoiceLineResource, InvoiceResource
from .models import (
    Invoice,
    InvoiceEntry,
    InvoiceLine,
    InvoicePdf,
    InvoiceSequence,
    InvoiceTransition,
)
from .pdf_views import pdf_filename
from .services import InvoiceError, PdfUnavailable, pdf_bytes, ready_invoice_pdf, transition

PERIOD_MONTHS_LISTED = 24


class FinanceOnlyAdmin(admin.ModelAdmin):
    """Billing is for finance and admins: anyone else with admin access (a stale `is_staff`, a
    permission granted by hand) sees nothing of it."""

    def _finance(self, request) -> bool:
        return has_role(request.user, "finance")

    def has_module_permission(self, request):
        return self._finance(request) and super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return self._finance(request) and super().has_view_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._finance(request) and super().has_change_permission(request, obj)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        # Deleting a draft releases its entries: billing's services do that, not a raw delete.
        return False


class FinanceOnlyReadOnlyAdmin(FinanceOnlyAdmin):
    """Lines, entry links, numbers, transitions and PDFs are written only by billing's services."""

    def has_change_permission(self, request, obj=None):
        return False


class FinanceExport(ExportMixin):
    """CSV and XLSX of what the changelist's filters show."""

    export_formats = [CSV, XLSX]
    export_form_class = ExportForm

    def has_export_permission(self, request):
        return self.has_view_permission(request) and super().has_export_permission(request)


class PeriodFilter(admin.SimpleListFilter):
    """Invoices whose period overlaps a month (as the invoice list's period filter does)."""

    title = "period"
    parameter_name = "period"
    prefix = ""  # the lookup path to the invoice

    def lookups(self, request, model_admin):
        months = (
            Invoice.objects.annotate(month=TruncMonth("period_from"))
            .order_by("-month")
            .values_list("month", flat=True)
            .distinct()[:PERIOD_MONTHS_LISTED]
        )
        return [(f"{month:%Y-%m}", f"{month:%B %Y}") for month in months]

    def queryset(self, request, queryset):
        bounds = _month_bounds(self.value())
        if bounds is None:
            return queryset
        first, last = bounds
        return queryset.filter(
            Q(**{f"{self.prefix}period_from__lte": last})
            & Q(**{f"{self.prefix}period_to__gte": first})
        )


class LinePeriodFilter(PeriodFilter):
    prefix = "invoice__"


def _month_bounds(value: str | None) -> tuple[date, date] | None:
    try:
        year, month = (int(part) for part in (value or "").split("-"))
        first = date(year, month, 1)
    except ValueError:
        return None  # an unknown value filters nothing, like Django's own filters
    return first, date(year, month, calendar.monthrange(year, month)[1])


def _run_transition(model_admin, request, queryset, action: str, verb: str):
    done, refused = [], []
    for invoice_id in queryset.order_by("id").values_list("id", flat=True):
        try:
            invoice = transition(action, invoice_id, by=request.user)
        except InvoiceError as error:
            refused.append(error.message)
        else:
            done.append(invoice.display_number)
    if done:
        model_admin.message_user(
            request, f"{verb.capitalize()} {len(done)}: {', '.join(done)}.", messages.SUCCESS
        )
    if refused:
        model_admin.message_user(
            request, f"Refused {len(refused)}: {' '.join(refused)}", messages.WARNING
        )


@admin.register(Invoice)
class InvoiceAdmin(StreamedCsvExportMixin, FinanceExport, FinanceOnlyAdmin):
    resource_classes = [InvoiceResource]
    streamed_export_resource = InvoiceResource
    list_display = (
        "invoice_number",
        "client",
        "status",
        "period",
        "total_with_currency",
        "issue_date",
        "due_date",
    )
    list_filter = ("status", "client", PeriodFilter, "issue_date")
    search_fields = ("number",)
    list_select_related = ("client",)
    date_hierarchy = "period_to"
    actions = ("approve_selected", "send_selected", "pay_selected", "download_pdfs")
    readonly_fields = (
        "client",
        "number",
        "status",
        "currency",
        "period_from",
        "period_to",
        "issue_date",
        "subtotal",
        "tax",
        "total",
        "created_at",
        "updated_at",
    )
    fields = readonly_fields[:7] + ("due_date",) + readonly_fields[7:]

    @admin.display(description="Number", ordering="number")
    def invoice_number(self, invoice):
        return invoice.number or f"Draft #{invoice.pk}"

    @admin.display(description="Period", ordering="period_from")
    def period(self, invoice):
        return f"{invoice.period_from:%Y-%m-%d} – {invoice.period_to:%Y-%m-%d}"

    @admin.display(description="Total", ordering="total")
    def total_with_currency(self, invoice):
        return f"{invoice.currency} {invoice.total:,.2f}"

    @admin.action(description="Approve selected drafts", permissions=["change"])
    def approve_selected(self, request, queryset):
        _run_transition(self, request, queryset, "approve", "approved")

    @admin.action(description="Mark selected invoices sent", permissions=["change"])
    def send_selected(self, request, queryset):
        _run_transition(self, request, queryset, "send", "marked sent")

    @admin.action(description="Mark selected invoices paid", permissions=["change"])
    def pay_selected(self, request, queryset):
        _run_transition(self, request, queryset, "pay", "marked paid")

    @admin.action(description="Download the selected invoices' PDFs (zip)", permissions=["view"])
    def download_pdfs(self, request, queryset):
        buffer = io.BytesIO()
        added, refused = [], []
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for invoice in queryset.select_related("client").order_by("id"):
                try:
                    pdf = ready_invoice_pdf(invoice)
                except PdfUnavailable as error:
                    refused.append(error.message)
                    continue
                archive.writestr(pdf_filename(invoice), pdf_bytes(pdf))
                added.append(invoice.display_number)
        if refused:
            # Shown on the next admin page; the zip holds the PDFs that could be rendered.
            self.message_user(
                request, f"Left out {len(refused)}: {' '.join(refused)}", messages.WARNING
            )
        if not added:
            return None
        response = HttpResponse(buffer.getvalue(), content_type="application/zip")
        response["Content-Disposition"] = (
            f'attachment; filename="invoices-{date.today():%Y%m%d}.zip"'
        )
        return response


@admin.register(InvoiceLine)
class InvoiceLineAdmin(StreamedCsvExportMixin, FinanceExport, FinanceOnlyReadOnlyAdmin):
    resource_classes = [InvoiceLineResource]
    streamed_export_resource = InvoiceLineResource
    list_display = ("invoice", "position", "category", "rate_tier", "description", "amount")
    list_filter = ("invoice__status", "invoice__client", LinePeriodFilter, "category", "rate_tier")
    list_select_related = ("invoice", "invoice__client")
    search_fields = ("invoice__number", "description", "jira_issue_key")


@admin.register(InvoicePdf)
class InvoicePdfAdmin(FinanceOnlyReadOnlyAdmin):
    list_display = ("invoice", "status", "final", "sha256", "rendered_at")
    list_filter = ("status", "final")
    list_select_related = ("invoice",)
    # The file field is left out: media is never served publicly; downloads go through the
    # permission-checked invoice views.
    fields = ("invoice", "status", "final", "sha256", "requested_at", "rendered_at", "error")
    readonly_fields = fields


@admin.register(InvoiceEntry)
class InvoiceEntryAdmin(FinanceOnlyReadOnlyAdmin):
    list_display = ("invoice", "entry", "live")
    list_filter = ("live",)
    list_select_related = ("invoice", "entry")


@admin.register(InvoiceSequence)
class InvoiceSequenceAdmin(FinanceOnlyReadOnlyAdmin):
    list_display = ("prefix", "year", "last_number")


@admin.register(InvoiceTransition)
class InvoiceTransitionAdmin(FinanceOnlyReadOnlyAdmin):
    list_display = ("invoice", "from_status", "to_status", "by", "at")
    list_filter = ("to_status",)
    list_select_related = ("invoice", "by")
