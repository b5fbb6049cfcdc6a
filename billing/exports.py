"""What finance hands to accounting (PRODUCT §5.3): invoices and invoice lines as CSV and
XLSX through django-import-export, and as CSV streamed from the admin changelist
(`core.exports.streamed_csv`). Each resource is the one column list of both; money is text with
exactly 2 decimals, so no spreadsheet or CSV reader turns 150.00 into 150."""

from import_export import fields

from core.exports import MONEY_WIDGET, ExportResource, FixedDecimalWidget

from .models import Invoice, InvoiceLine

TWO_PLACES = FixedDecimalWidget(2)


def _money(name: str) -> fields.Field:
    return fields.Field(attribute=name, column_name=name, widget=MONEY_WIDGET)


class InvoiceResource(ExportResource):
    client_code = fields.Field(attribute="client__code", column_name="client_code")
    client_name = fields.Field(attribute="client__name", column_name="client_name")
    tax_rate = fields.Field(
        attribute="tax_rate", column_name="tax_rate", widget=FixedDecimalWidget(4)
    )
    subtotal = _money("subtotal")
    tax = _money("tax")
    total = _money("total")

    class Meta:
        model = Invoice
        name = "Invoices"
        fields = (
            "id",
            "number",
            "status",
            "client_code",
            "client_name",
            "currency",
            "period_from",
            "period_to",
            "issue_date",
            "due_date",
            "tax_rate",
            "subtotal",
            "tax",
            "total",
        )
        export_order = fields


class InvoiceLineResource(ExportResource):
    invoice_id = fields.Field(attribute="invoice_id", column_name="invoice_id")
    invoice_number = fields.Field(attribute="invoice__number", column_name="invoice_number")
    invoice_status = fields.Field(attribute="invoice__status", column_name="invoice_status")
    client_code = fields.Field(attribute="invoice__client__code", column_name="client_code")
    currency = fields.Field(attribute="invoice__currency", column_name="currency")
    quantity = fields.Field(attribute="quantity", column_name="quantity", widget=TWO_PLACES)
    unit_price = _money("unit_price")
    multiplier = fields.Field(attribute="multiplier", column_name="multiplier", widget=TWO_PLACES)
    amount = _money("amount")

    class Meta:
        model = InvoiceLine
        name = "Invoice lines"
        fields = (
            "id",
            "invoice_id",
            "invoice_number",
            "invoice_status",
            "client_code",
            "currency",
            "position",
            "category",
            "rate_tier",
            "description",
            "jira_issue_key",
            "time_minutes",
            "billable_minutes",
            "quantity",
            "unit_price",
            "multiplier",
            "amount",
        )
        export_order = fields
