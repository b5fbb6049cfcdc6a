"""`manage.py create_invoice --client CODE --from DATE --to DATE [--json]`: a draft invoice from
that client's unbilled billable entries of the period (INTERFACES §1)."""

import json
from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.core.serializers.json import DjangoJSONEncoder

from billing.api import invoice_json
from billing.services import InvoiceError, generate_draft
from clients.models import Client


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a date; use YYYY-MM-DD, e.g. 2026-03-31") from None


class Command(BaseCommand):
    help = "Create a draft invoice from a client's unbilled billable time in a period."

    def add_arguments(self, parser):
        parser.add_argument("--client", required=True, help="Client code, e.g. ACME")
        parser.add_argument("--from", dest="date_from", required=True, help="YYYY-MM-DD")
        parser.add_argument("--to", dest="date_to", required=True, help="YYYY-MM-DD")
        parser.add_argument(
            "--json", dest="as_json", action="store_true", help="Print the invoice as JSON"
        )

    def handle(self, *args, client, date_from, date_to, as_json, **options):
        try:
            found = Client.objects.filter(code__iexact=client).first()
            if found is None:
                raise ValueError(f"There is no client with code {client!r}, e.g. --client ACME")
            invoice = generate_draft(
                client_id=found.pk, date_from=_date(date_from), date_to=_date(date_to)
            )
        except (InvoiceError, ValueError) as error:
            message = getattr(error, "message", None) or str(error)
            if as_json:
                self.stdout.write(json.dumps({"error": message}))
            raise CommandError(message, returncode=1) from error
        data = invoice_json(invoice, with_lines=True)
        if as_json:
            keys = ("id", "status", "currency", "subtotal", "tax", "total", "lines")
            self.stdout.write(json.dumps({k: data[k] for k in keys} | data, cls=DjangoJSONEncoder))
            return
        self.stdout.write(
            f"Draft #{invoice.pk} for {found.code}: {len(data['lines'])} line(s), "
            f"total {invoice.currency} {data['total']}."
        )
