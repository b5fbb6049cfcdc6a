"""JSON API of billing (INTERFACES §3): invoices, their generation and lifecycle.

Billing's domain exceptions become HTTP answers here, in one place: invalid input → 400
naming the field, an illegal transition → 409."""

from datetime import date

from django.http import HttpRequest
from django.urls import reverse
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError
from pydantic import ConfigDict

from clients.api_auth import api_auth, reader_guard, staff_guard
from clients.roles import has_role, is_client_user
from core.api import (
    READ_ERRORS,
    WRITE_ERRORS,
    ErrorOut,
    Id,
    PageQuery,
    Text,
    api_user,
    bad_input,
    money_text,
    paginate,
    paginated,
)

from .models import Invoice, InvoiceStatus
from .pdf_views import pdf_filename, pdf_response
from .selectors import InvoiceFilters, get_invoice_for_user, invoice_list
from .services import (
    InvoiceError,
    InvoiceInvalid,
    PdfUnavailable,
    delete_draft,
    generate_draft,
    pdf_bytes,
    ready_invoice_pdf,
    refresh_stale_draft,
    transition,
)


def invoice_reader_guard(user) -> None:
    """Finance and admin, or client users (who see only their own issued invoices)."""
    reader_guard(user)
    if not is_client_user(user) and not has_role(user, "finance"):
        raise HttpError(403, "Invoices need the finance role or higher.")


READER = api_auth(invoice_reader_guard)
FINANCE = api_auth(staff_guard("finance"))
router = Router(tags=["invoices"])

STATUS_HINT = "use draft, approved, sent, paid or void, e.g. status=approved"


class LineOut(Schema):
    category: str
    rate_tier: str
    description: str
    jira_issue_key: str | None
    time_minutes: int
    billable_minutes: int
    quantity: str
    unit_price: str
    multiplier: str
    amount: str


class InvoiceSummaryOut(Schema):
    id: int
    number: str | None
    status: str
    client_id: int
    currency: str
    period_from: date
    period_to: date
    issue_date: date | None
    due_date: date | None
    tax_rate: str
    subtotal: str
    tax: str
    total: str
    pdf_url: str | None


class InvoiceOut(InvoiceSummaryOut):
    lines: list[LineOut]


def invoice_json(invoice: Invoice, *, with_lines: bool = False) -> dict:
    data = {
        "id": invoice.pk,
        "number": invoice.number,
        "status": invoice.status,
        "client_id": invoice.client_id,
        "currency": invoice.currency,
        "period_from": invoice.period_from,
        "period_to": invoice.period_to,
        "issue_date": invoice.issue_date,
        "due_date": invoice.due_date,
        "tax_rate": f"{invoice.tax_rate.normalize():f}" if invoice.tax_rate else "0",
        "subtotal": money_text(invoice.subtotal),
        "tax": money_text(invoice.tax),
        "total": money_text(invoice.total),
        # Always downloadable: a PDF not rendered yet is rendered on the request.
        "pdf_url": reverse("api-v1:invoice_pdf", kwargs={"invoice_id": invoice.pk}),
    }
    if with_lines:
        data["lines"] = [line_json(line) for line in invoice.lines.order_by("position")]
    return data


def line_json(line) -> dict:
    return {
        "category": line.category,
        "rate_tier": line.rate_tier,
        "description": line.description,
        "jira_issue_key": line.jira_issue_key or None,
        "time_minutes": line.time_minutes,
        "billable_minutes": line.billable_minutes,
        "quantity": f"{line.quantity:.2f}",
        "unit_price": money_text(line.unit_price),
        "multiplier": f"{line.multiplier:.2f}",
        "amount": money_text(line.amount),
    }


def _refusal(error: InvoiceError):
    if isinstance(error, InvoiceInvalid) or error.status == 400:
        return bad_input(error.field or "body", error.message)
    return HttpError(error.status, error.message)


class InvoiceQuery(Schema):
    client: Id | None = Field(None, description="Client id")
    status: Text | None = Field(None, description="draft, approved, sent, paid or void")


class InvoiceIn(Schema):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    client_id: Id
    from_: date = Field(..., alias="from")
    to: date
    entry_ids: list[Id] | None = None
    include_adjustments: bool = True


@router.get("/invoices", response={200: paginated(InvoiceSummaryOut), **READ_ERRORS}, auth=READER)
def list_invoices(request: HttpRequest, filters: Query[InvoiceQuery], paging: Query[PageQuery]):
    """Invoices, newest first; client users see only their approved, sent and paid ones."""
    if filters.status is not None and filters.status not in InvoiceStatus.values:
        raise bad_input("status", f"Unknown status {filters.status!r}; {STATUS_HINT}.")
    rows = invoice_list(
        api_user(request), InvoiceFilters(status=filters.status, client_id=filters.client)
    )
    return paginate(request, rows, paging, invoice_json)


@router.post("/invoices", response={201: InvoiceOut, **WRITE_ERRORS}, auth=FINANCE)
def create_invoice(request: HttpRequest, payload: InvoiceIn):
    """A draft from the client's unbilled billable entries of the period (or exactly
    `entry_ids`); 400 naming entries in another currency or already on an invoice."""
    try:
        invoice = generate_draft(
            client_id=payload.client_id,
            date_from=payload.from_,
            date_to=payload.to,
            entry_ids=payload.entry_ids,
            include_adjustments=payload.include_adjustments,
            by=api_user(request),
        )
    except InvoiceError as error:
        raise _refusal(error) from error
    return Status(201, invoice_json(invoice, with_lines=True))


@router.get("/invoices/{invoice_id}", response={200: InvoiceOut, **READ_ERRORS}, auth=READER)
def get_invoice(request: HttpRequest, invoice_id: Id):
    invoice = refresh_stale_draft(get_invoice_for_user(api_user(request), invoice_id))
    return invoice_json(invoice, with_lines=True)


PDF_RESPONSE = {
    "responses": {
        200: {
            "description": "The invoice as a PDF (a draft's carries a DRAFT watermark).",
            "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
        }
    }
}


@router.get(
    "/invoices/{invoice_id}/pdf",
    response={**READ_ERRORS, 503: ErrorOut},
    auth=READER,
    url_name="invoice_pdf",
    openapi_extra=PDF_RESPONSE,
)
def get_invoice_pdf(request: HttpRequest, invoice_id: Id):
    """`application/pdf`. An approved invoice's PDF is the stored one, never rendered again;
    client users get only their own approved, sent and paid invoices."""
    invoice = refresh_stale_draft(get_invoice_for_user(api_user(request), invoice_id))
    try:
        pdf = ready_invoice_pdf(invoice)
    except PdfUnavailable as error:
        raise HttpError(503, error.message) from error
    return pdf_response(pdf, pdf_bytes(pdf), pdf_filename(invoice))


@router.delete("/invoices/{invoice_id}", response={204: None, **WRITE_ERRORS}, auth=FINANCE)
def delete_invoice(request: HttpRequest, invoice_id: Id):
    """Drafts only (409 otherwise); their entries become unbilled again."""
    invoice = get_invoice_for_user(api_user(request), invoice_id)
    try:
        delete_draft(invoice.pk, by=api_user(request))
    except InvoiceError as error:
        raise _refusal(error) from error
    return Status(204, None)


def _transition_endpoint(action: str, summary: str):
    def endpoint(request: HttpRequest, invoice_id: Id):
        invoice = get_invoice_for_user(api_user(request), invoice_id)
        try:
            invoice = transition(action, invoice.pk, by=api_user(request))
        except InvoiceError as error:
            raise _refusal(error) from error
        return invoice_json(invoice, with_lines=True)

    endpoint.__name__ = f"{action}_invoice"
    endpoint.__doc__ = summary
    router.post(
        f"/invoices/{{invoice_id}}/{action}",
        response={200: InvoiceOut, **WRITE_ERRORS},
        auth=FINANCE,
    )(endpoint)


_transition_endpoint(
    "approve", "Draft → approved: numbers it, freezes the lines, locks the entries."
)
_transition_endpoint("send", "Approved → sent.")
_transition_endpoint("pay", "Sent → paid.")
_transition_endpoint("void", "Approved or sent → void: keeps the number, releases the entries.")
