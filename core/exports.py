"""Exports shared by the apps: fixed-decimal columns for django-import-export resources, and CSV
streamed straight from a resource's own field definitions.

A resource is the one column list of an export: its fields name the columns (`column_name`),
where each value comes from (`attribute`, an ORM path such as `task__project__client__code`) and
how it is written (`widget`). The import-export admin builds its whole file in memory from model
instances; `streamed_csv` reads the same attributes with `values_list` through a server-side
cursor and renders them with the same widgets, so half a million rows stream in constant memory
and both exports agree column for column."""

import csv
import io
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.http import StreamingHttpResponse
from import_export import resources, widgets

from .api import money_text

STREAM_CHUNK_ROWS = 2000  # rows per cursor fetch
STREAM_FLUSH_BYTES = 64 * 1024  # body chunk handed to the server


class FixedDecimalWidget(widgets.Widget):
    """A decimal (quantity, multiplier, tax rate) as text with exactly `places` decimals
    (half-up), so no spreadsheet or CSV reader turns 1.50 into 1.5; empty for NULL."""

    def __init__(self, places: int = 2):
        super().__init__(coerce_to_string=True)
        self.quantum = Decimal(1).scaleb(-places)

    def render(self, value, obj=None, **kwargs):
        if value is None:
            return ""
        return format(Decimal(value).quantize(self.quantum, rounding=ROUND_HALF_UP), "f")


class MoneyWidget(widgets.Widget):
    """Money as the API writes it (`core.api.money_text`): exactly 2 decimals; empty for NULL."""

    def render(self, value, obj=None, **kwargs):
        return money_text(value) or ""


MONEY_WIDGET = MoneyWidget()


class DigitsWidget(widgets.IntegerWidget):
    """Integers (ids, minutes) as plain digits, as the API writes them. Django's locale-aware
    `number_format`, which import-export uses by default, was 60% of a streamed row's time."""

    def render(self, value, obj=None, **kwargs):
        if value is None:
            return ""
        return value if kwargs.get("force_native_type") else str(value)


class ExportResource(resources.ModelResource):
    """The base of every export's resource: integer model fields use `DigitsWidget`."""

    WIDGETS_MAP = {
        **resources.ModelResource.WIDGETS_MAP,
        **{
            name: DigitsWidget
            for name, widget in resources.ModelResource.WIDGETS_MAP.items()
            if widget is widgets.IntegerWidget
        },
    }


def resource_columns(resource) -> tuple[list[str], list[str], list]:
    """Headers, ORM paths and widgets of the resource's export fields. A column the database
    cannot produce on its own (a `dehydrate_` method, a related object rendered by a widget) is
    a configuration error: the streamed export and the import-export one would disagree."""
    headers, paths, renderers = [], [], []
    for field in resource.get_export_fields():
        name = resource.get_field_name(field)
        dehydrate = field.get_dehydrate_method(name)
        if (
            field.attribute is None
            or callable(dehydrate)
            or hasattr(resource, dehydrate)
            or isinstance(field.widget, widgets.ForeignKeyWidget | widgets.ManyToManyWidget)
        ):
            raise ImproperlyConfigured(
                f"{type(resource).__name__}.{name} cannot be streamed: give it an ORM path "
                "attribute and a value widget instead of a dehydrate method or related object."
            )
        headers.append(field.column_name)
        paths.append(field.attribute)
        renderers.append(field.widget.render)
    return headers, paths, renderers


def streamed_csv(resource, queryset, filename: str) -> StreamingHttpResponse:
    """`queryset` (e.g. what an admin changelist's filters select) as CSV with the resource's
    columns, streamed: the header goes out at once, then rows in chunks of about 64 KB."""
    headers, paths, renderers = resource_columns(resource)
    rows = resource.filter_export(queryset).values_list(*paths)

    def body():
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(headers)
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        # Outside a transaction PostgreSQL's server-side cursor is declared WITH HOLD, which
        # runs the whole query and stores its result before the first row comes back.
        with transaction.atomic():
            for row in rows.iterator(chunk_size=STREAM_CHUNK_ROWS):
                writer.writerow(
                    [render(value) for render, value in zip(renderers, row, strict=True)]
                )
                if buffer.tell() >= STREAM_FLUSH_BYTES:
                    yield buffer.getvalue()
                    buffer.seek(0)
                    buffer.truncate()
        if buffer.tell():
            yield buffer.getvalue()

    return StreamingHttpResponse(
        body(),
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
