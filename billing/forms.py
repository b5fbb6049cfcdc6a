"""Forms of the billing pages: the list filters and the generate dialog."""

from django import forms
from django.core.exceptions import ValidationError

from clients.models import Client, coded_name
from core.forms import RowModelChoiceField
from core.widgets import DateInput, PlainSelect

from .models import InvoiceStatus

DATE_EXAMPLE = "e.g. 2026-03-31"


def _date_field(label: str, required: bool) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        widget=DateInput(),
        error_messages={
            "invalid": f"Enter a date, {DATE_EXAMPLE}.",
            "required": f"{label} is required, {DATE_EXAMPLE}.",
        },
    )


def billable_clients():
    return Client.objects.filter(is_internal=False).order_by("code")


def _client_field(**kwargs) -> RowModelChoiceField:
    """A client picker labelled like `str(client)`, read as rows."""
    return RowModelChoiceField(
        queryset=billable_clients(),
        label_fields=("code", "name"),
        label_from_row=coded_name,
        label="Client",
        **kwargs,
    )


class InvoiceFilterForm(forms.Form):
    status = forms.ChoiceField(
        choices=[("", "Any status"), *InvoiceStatus.choices],
        required=False,
        label="Status",
        widget=PlainSelect,
    )
    client = _client_field(required=False, empty_label="Any client")
    date_from = _date_field("From", False)
    date_to = _date_field("To", False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["client"].queryset = billable_clients()
        self.fields["status"].error_messages["invalid_choice"] = (
            "Status %(value)s is not one of draft, approved, sent, paid, void."
        )

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            raise ValidationError("The period starts after it ends; swap the dates.")
        return data


class GenerateForm(forms.Form):
    client = _client_field(
        empty_label="Choose a client…",
        error_messages={"required": "Choose the client to invoice, e.g. ACME."},
    )
    date_from = _date_field("From", True)
    date_to = _date_field("To", True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["client"].queryset = billable_clients()

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            raise ValidationError("The period starts after it ends; swap the dates.")
        return data
