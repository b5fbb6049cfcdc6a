"""Django admin of billing: invoices. Their lifecycle (approve, send, pay, void) and numbering
belong to billing's services, so the admin shows them read-only and never creates invoices
(drafts come from unbilled time: the billing pages, the API or `create_invoice`)."""

from django.contrib import admin

from core.admin import ReadOnlyAdmin

from .models import Invoice, InvoiceEntry, InvoiceLine, InvoiceSequence, InvoiceTransition


@admin.register(Invoice)
class InvoiceAdmin(admin.ModelAdmin):
    list_display = (
        "invoice_number",
        "client",
        "status",
        "period",
        "total_with_currency",
        "issue_date",
        "due_date",
    )
    list_filter = ("status", "client", "issue_date")
    search_fields = ("number",)
    list_select_related = ("client",)
    date_hierarchy = "period_to"
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

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        # Deleting a draft releases its entries: billing's services do that, not a raw delete.
        return False


# Lines, entry links, numbers and transitions are written only by billing's services.


@admin.register(InvoiceLine)
class InvoiceLineAdmin(ReadOnlyAdmin):
    list_display = ("invoice", "position", "category", "rate_tier", "description", "amount")
    list_filter = ("category", "rate_tier")
    list_select_related = ("invoice",)
    search_fields = ("invoice__number", "description", "jira_issue_key")


@admin.register(InvoiceEntry)
class InvoiceEntryAdmin(ReadOnlyAdmin):
    list_display = ("invoice", "entry", "live")
    list_filter = ("live",)
    list_select_related = ("invoice", "entry")


@admin.register(InvoiceSequence)
class InvoiceSequenceAdmin(ReadOnlyAdmin):
    list_display = ("prefix", "year", "last_number")


@admin.register(InvoiceTransition)
class InvoiceTransitionAdmin(ReadOnlyAdmin):
    list_display = ("invoice", "from_status", "to_status", "by", "at")
    list_filter = ("to_status",)
    list_select_related = ("invoice", "by")
