"""core.exports: a streamed column is the resource's own definition, or refused."""

from decimal import Decimal

import pytest
from django.core.exceptions import ImproperlyConfigured
from import_export import fields, resources

from billing.exports import InvoiceLineResource
from billing.models import Invoice
from core.exports import MONEY_WIDGET, DigitsWidget, FixedDecimalWidget, resource_columns


def test_widgets_write_fixed_decimals_and_empty_for_null():
    assert MONEY_WIDGET.render(Decimal("150")) == "150.00"
    assert MONEY_WIDGET.render(Decimal("0.005")) == "0.01"  # half-up, as core.units.money
    assert MONEY_WIDGET.render(None) == ""
    assert FixedDecimalWidget(4).render(Decimal("0.075")) == "0.0750"
    assert FixedDecimalWidget(2).render(Decimal("1E+1")) == "10.00"
    assert DigitsWidget().render(1234567) == "1234567"  # no locale separators
    assert DigitsWidget().render(12, force_native_type=True) == 12  # XLSX keeps numbers
    assert DigitsWidget().render(None) == ""


def test_columns_follow_the_resource_order():
    headers, paths, _ = resource_columns(InvoiceLineResource())
    assert headers == InvoiceLineResource().get_export_headers()
    assert paths[:5] == ["id", "invoice_id", "invoice__number", "invoice__status",
                         "invoice__client__code"]  # fmt: skip


class Dehydrated(resources.ModelResource):
    total = fields.Field(attribute="total", column_name="total")

    class Meta:
        model = Invoice
        fields = ("id", "total")

    def dehydrate_total(self, invoice):
        return f"{invoice.total:.2f}"


class RelatedObject(resources.ModelResource):
    class Meta:
        model = Invoice
        fields = ("id", "client")


@pytest.mark.parametrize("resource", [Dehydrated, RelatedObject])
def test_a_column_the_database_cannot_produce_is_refused(resource):
    with pytest.raises(ImproperlyConfigured, match="cannot be streamed"):
        resource_columns(resource())
