"""Celery tasks of billing: they only take ids and call a service."""

from datetime import timedelta

from celery import shared_task
from django.db.models import Q
from django.utils import timezone

from core.tasks import enqueue, register_sweep

from .models import LOCKING_STATUSES, Invoice, PdfStatus
from .services.pdfs import render_and_store_pdf

# A render still pending after this long lost its message (broker down at approval, worker gone).
PDF_PENDING_GRACE = timedelta(minutes=10)


@shared_task(name="billing.tasks.render_invoice_pdf")
def render_invoice_pdf(invoice_id: int) -> str | None:
    """Render and store an invoice's PDF (idempotent: an issued PDF is never rendered again).
    Returns the PDF's status."""
    pdf = render_and_store_pdf(invoice_id)
    return pdf.status if pdf is not None else None


@register_sweep("billing: approved invoices without a PDF")
def enqueue_missing_invoice_pdfs() -> int:
    """Issued invoices whose PDF was never stored: enqueue the render again (it is idempotent)."""
    stale = timezone.now() - PDF_PENDING_GRACE
    invoice_ids = (
        Invoice.objects.filter(status__in=LOCKING_STATUSES)
        .filter(Q(pdf__isnull=True) | Q(pdf__status=PdfStatus.PENDING, pdf__requested_at__lt=stale))
        .values_list("id", flat=True)
    )
    return sum(
        enqueue(lambda pk=pk: render_invoice_pdf.delay(pk), what=f"the PDF of invoice {pk}")
        for pk in invoice_ids
    )
