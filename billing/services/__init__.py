"""Writes of billing, each one transaction (lock order: client, invoice, entries)."""

from .drafts import delete_draft, generate_draft, rebuild_draft_lines, refresh_stale_draft
from .errors import IllegalTransition, InvoiceError, InvoiceInvalid
from .lifecycle import (
    ACTIONS,
    approve_invoice,
    next_number,
    pay_invoice,
    send_invoice,
    transition,
    void_invoice,
)
from .pdfs import (
    PdfUnavailable,
    pdf_bytes,
    ready_invoice_pdf,
    render_and_store_pdf,
    request_invoice_pdf,
)

__all__ = [
    "ACTIONS",
    "IllegalTransition",
    "InvoiceError",
    "InvoiceInvalid",
    "PdfUnavailable",
    "approve_invoice",
    "delete_draft",
    "generate_draft",
    "next_number",
    "pay_invoice",
    "pdf_bytes",
    "ready_invoice_pdf",
    "rebuild_draft_lines",
    "refresh_stale_draft",
    "render_and_store_pdf",
    "request_invoice_pdf",
    "send_invoice",
    "transition",
    "void_invoice",
]
