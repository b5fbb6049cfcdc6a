"""What finance hands to accounting (PRODUCT §5.3): invoices and invoice lines as CSV and
XLSX through django-import-export. Money is text with exactly 2 decimals, so no spreadsheet
or CSV reader turns 150.00 into 150."""

from import_export import fields, resources

from .models import Invoice, InvoiceLine


def _money(value) -> str:
    return f"{value:.2f}"


class InvoiceResource(resources.ModelResource):
    client_code = fields.Field(attribute="client__code", column_name="client_code")
    client_name = fields.Field(attribute="client__name", column_name="client_name")

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

    def dehydrate_subtotal(self, invoice):
        return _money(invoice.subtotal)

    def dehydrate_tax(self, invoice):
        return _money(invoice.tax)

    def dehydrate_total(self, invoice):
        return _money(invoice.total)

    def dehydrate_tax_rate(self, invoice):
        return f"{invoice.tax_rate:.4f}"


class InvoiceLineResource(resources.ModelResource):
    invoice_id = fields.Field(attribute="invoice_id", column_name="invoice_id")
    invoice_number = fields.Field(attribute="invoice__number", column_name="invoice_number")
    invoice_status = fields.Field(attribute="invoice__status", column_name="invoice_status")
    client_code = fields.Field(attribute="invoice__client__code", column_name="client_code")
    currency = fields.Field(attribute="invoice__currency", column_name="currency")

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

    def dehydrate_quantity(self, line):
        return f"{line.quantity:.2f}"

    def dehydrate_unit_price(self, line):
        return _money(line.unit_price)

    def dehydrate_multiplier(self, line):
        return f"{line.multiplier:.2f}"

    def dehydrate_amount(self, line):
        return _money(line.amount)
