"""The hour-bank ledger card of the client page (PRODUCT §5.4): each block with drawn, unused
and expiry, the blocks that will expire unused at the current pace, and the form that adds a
block or a correction (managers and up). The client page loads the card by URL, so the page's
own view needs nothing from here."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from clients.models import LedgerKind
from clients.roles import has_role
from clients.selectors import get_client_for_user
from clients.services import PurchaseError, add_correction, add_purchase, parse_purchase_price
from core.calendar import today_in
from core.htmx import BALANCE_CHANGED, htmx_done

from ..forms import DATE_EXAMPLE, DateField, DateInput
from ..selectors.hour_blocks import client_blocks, ledger_rows
from .staff import staff_view

TEMPLATE = "timetracking/_ledger.html"


class LedgerRowForm(forms.Form):
    kind = forms.ChoiceField(
        label="Kind",
        choices=[(LedgerKind.PURCHASE, "Purchase"), (LedgerKind.CORRECTION, "Correction (±)")],
        error_messages={"invalid_choice": "Kind must be purchase or correction, e.g. correction."},
    )
    date = DateField(
        label="Date",
        widget=DateInput(),
        error_messages={
            "required": f"Date is required, {DATE_EXAMPLE}.",
            "invalid": f"Enter a date, {DATE_EXAMPLE}.",
        },
    )
    hours = forms.CharField(
        label="Hours",
        widget=forms.TextInput(attrs={"inputmode": "decimal", "placeholder": "40 or -2.5"}),
        error_messages={"required": "Hours are required, e.g. 40 (or -2.5 for a correction)."},
    )
    price = forms.CharField(
        label="Price",
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "placeholder": "4800.00"}),
    )
    expires_on = DateField(
        label="Expires on",
        required=False,
        widget=DateInput(),
        error_messages={"invalid": f"Enter a date, {DATE_EXAMPLE}."},
    )
    note = forms.CharField(label="Note", required=False, max_length=300)

    def clean_price(self):
        try:
            return parse_purchase_price(self.cleaned_data["price"])
        except PurchaseError as error:
            raise forms.ValidationError(str(error)) from None

    def save(self, *, client, by):
        """The new ledger row through the service; its refusals become field errors."""
        data = self.cleaned_data
        try:
            if data["kind"] == LedgerKind.CORRECTION:
                if data["price"] is not None or data["expires_on"] is not None:
                    raise PurchaseError(
                        "A correction has no price or expiry date; leave them empty."
                    )
                return add_correction(
                    client=client,
                    hours=data["hours"],
                    on_date=data["date"],
                    note=data["note"],
                    by=by,
                )
            return add_purchase(
                client=client,
                hours=data["hours"],
                on_date=data["date"],
                note=data["note"],
                by=by,
                price=data["price"],
                expires_on=data["expires_on"],
            )
        except PurchaseError as error:
            message = str(error)
            field = next(
                (
                    name
                    for name in ("note", "hours", "price", "expires_on")
                    if name in message.lower()
                ),
                None,
            )
            field = field or ("expires_on" if "expiry" in message.lower() else "hours")
            self.add_error(field, message)
            return None


def _context(request, client, form=None):
    can_add = has_role(request.user, "manager")
    if can_add and form is None:
        form = LedgerRowForm(
            initial={"kind": LedgerKind.CORRECTION, "date": today_in(client.timezone)}
        )
    return {
        "client": client,
        "ledger": client_blocks(client),
        "ledger_rows": ledger_rows(client),
        "can_add_ledger_row": can_add,
        "ledger_form": form if can_add else None,
    }


@staff_view
@require_http_methods(["GET", "POST"])
def client_ledger(request, client_id: int):
    """GET: the ledger card. POST (managers and up): add a purchase block or a correction."""
    client = get_client_for_user(request.user, client_id)
    if request.method == "GET":
        # htmx loads the card into the client page; without JavaScript it is a page of its own.
        template = f"{TEMPLATE}#ledger" if request.htmx else TEMPLATE
        return render(request, template, _context(request, client))
    if not has_role(request.user, "manager"):
        raise PermissionDenied("Only managers and up add purchases and corrections.")
    form = LedgerRowForm(request.POST)
    row = form.save(client=client, by=request.user) if form.is_valid() else None
    if row is None:
        # htmx swaps only 2xx answers: the card with its errors; a plain post gets a 400 page.
        if request.htmx:
            return render(request, f"{TEMPLATE}#ledger", _context(request, client, form))
        return render(request, TEMPLATE, _context(request, client, form), status=400)
    message = f"{row.get_kind_display()} of {row.hours} h added to {client.code}'s hour bank."
    if request.htmx:
        body = render(request, f"{TEMPLATE}#ledger", _context(request, client)).content.decode()
        return htmx_done(request, message, events=(BALANCE_CHANGED,), body=body)
    messages.success(request, message)
    return redirect("client-detail", client_id=client.pk)
