"""Celery tasks of billing: they only take ids and call a service."""

from celery import shared_task

from .services.pdfs import render_and_store_pdf


@shared_task(name="billing.tasks.render_invoice_pdf")
def render_invoice_pdf(invoice_id: int) -> str | None:
    """Render and store an invoice's PDF (idempotent: an issued PDF is never rendered again).
    Returns the PDF's status."""
    pdf = render_and_store_pdf(invoice_id)
    return pdf.status if pdf is not None else None
