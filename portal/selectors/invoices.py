"""The client's issued invoices (approved, sent, paid) with their PDF link once billing has one.
Drafts and voided invoices never reach the portal."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.urls import NoReverseMatch, reverse

from billing.models import LOCKING_STATUSES, Invoice

try:  # billing's read helpers arrive with the invoice milestone
    from billing import selectors as billing_selectors
except ImportError:  # pragma: no cover - depends on the merge order
    billing_selectors = None


@dataclass(frozen=True)
class PortalInvoice:
    number: str
    status: str
    status_label: str
    issue_date: date | None
    due_date: date | None
    currency: str
    total: Decimal
    pdf_url: str | None


def _pdf_url(invoice_id: int) -> str | None:
    try:
        return reverse("billing:invoice-pdf", kwargs={"invoice_id": invoice_id})
    except NoReverseMatch:
        return None


def _issued_invoices(user, client):
    visible = getattr(billing_selectors, "visible_invoices", None)
    invoices = visible(user) if visible is not None else Invoice.objects.all()
    return invoices.filter(client=client, status__in=LOCKING_STATUSES)


def portal_invoices(user, client) -> list[PortalInvoice]:
    invoices = _issued_invoices(user, client).order_by("-issue_date", "-id")
    return [
        PortalInvoice(
            number=invoice.number or "",
            status=invoice.status,
            status_label=invoice.get_status_display(),
            issue_date=invoice.issue_date,
            due_date=invoice.due_date,
            currency=invoice.currency,
            total=invoice.total,
            pdf_url=_pdf_url(invoice.pk),
        )
        for invoice in invoices
    ]
