"""Invoice PDF pages: the download (finance: any invoice; client users: their own approved,
sent and paid ones, which the portal links to), and on the invoice page the "rendering…"
fragment htmx polls and the render/retry button (finance)."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET, require_POST

from clients.roles import has_role, is_client_user, is_staff_member

from .models import InvoicePdf
from .selectors import get_invoice_for_user
from .services import (
    PdfUnavailable,
    pdf_bytes,
    ready_invoice_pdf,
    refresh_stale_draft,
    request_invoice_pdf,
)
from .views import finance_view


def pdf_response(pdf: InvoicePdf, content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-SHA256"] = pdf.sha256
    response["Cache-Control"] = "private, no-store"
    return response


def pdf_filename(invoice) -> str:
    return f"{invoice.number or f'draft-{invoice.pk}'}.pdf"


@login_required
@require_GET
def invoice_pdf(request, invoice_id: int):
    user = request.user
    if not has_role(user, "finance") and not is_client_user(user):
        if is_staff_member(user):
            raise PermissionDenied("Invoice PDFs need the finance role.")
    # Client users see only their own issued invoices: any other is a 404.
    invoice = refresh_stale_draft(get_invoice_for_user(user, invoice_id))
    try:
        pdf = ready_invoice_pdf(invoice)
    except PdfUnavailable as error:
        return HttpResponse(error.message, status=503, content_type="text/plain; charset=utf-8")
    return pdf_response(pdf, pdf_bytes(pdf), pdf_filename(invoice))


def _status_fragment(request, invoice, pdf):
    response = render(
        request,
        "billing/invoice.html#pdf-status",
        {"invoice": invoice, "pdf": pdf},
    )
    patch_vary_headers(response, ("HX-Request",))
    return response


@finance_view
@require_GET
def invoice_pdf_status(request, invoice_id: int):
    invoice = get_invoice_for_user(request.user, invoice_id)
    pdf = InvoicePdf.objects.filter(invoice=invoice).first()
    return _status_fragment(request, invoice, pdf)


@finance_view
@require_POST
def invoice_pdf_render(request, invoice_id: int):
    """Render a draft's PDF on demand, or retry a failed one (an issued PDF stays as it is)."""
    invoice = refresh_stale_draft(get_invoice_for_user(request.user, invoice_id))
    request_invoice_pdf(invoice.pk)
    pdf = InvoicePdf.objects.get(invoice=invoice)
    if request.htmx:
        return _status_fragment(request, invoice, pdf)
    return redirect("billing:invoice", invoice_id=invoice.pk)
