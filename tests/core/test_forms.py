"""RowModelChoiceField: options read as rows, validation as a ModelChoiceField."""

import pytest
from django import forms

from clients.models import Client
from core.forms import RowModelChoiceField
from tests.factories import ClientFactory

pytestmark = pytest.mark.django_db


class PickerForm(forms.Form):
    client = RowModelChoiceField(
        queryset=Client.objects.order_by("code"),
        label_fields=("code", "name"),
        label_from_row=lambda code, name: f"{code} · {name}",
        required=False,
        empty_label="All clients",
    )


def test_options_are_labelled_from_rows_and_read_in_one_query(django_assert_num_queries):
    first = ClientFactory(code="AAA", name="Acme & Co")
    second = ClientFactory(code="BBB", name="<Beta>")
    form = PickerForm(data={"client": str(second.pk)})
    assert form.is_valid()  # validation looks the chosen client up: not an option query
    with django_assert_num_queries(1):
        html = str(form["client"])
        # A second pass (Django's `required` check, a re-render) reads the same rows.
        options = [*iter(form.fields["client"].choices)]
    assert options[1] == (first.pk, "AAA · Acme & Co")
    assert '<option value="">All clients</option>' in html
    assert f'<option value="{first.pk}">AAA · Acme &amp; Co</option>' in html
    assert f'<option value="{second.pk}" selected>BBB · &lt;Beta&gt;</option>' in html


def test_choice_cleans_to_the_instance_and_refuses_outsiders():
    client = ClientFactory(code="AAA")
    form = PickerForm(data={"client": str(client.pk)})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["client"] == client

    outsider = PickerForm(data={"client": str(client.pk + 1000)})
    assert not outsider.is_valid()
    assert "client" in outsider.errors


def test_each_form_reads_its_own_options():
    ClientFactory(code="AAA")
    assert len([*iter(PickerForm()["client"].field.choices)]) == 2
    ClientFactory(code="BBB")
    assert len([*iter(PickerForm()["client"].field.choices)]) == 3
