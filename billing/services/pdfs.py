"""Invoice PDFs (PRODUCT §5.1, §5.3): requested on approval (and on demand for drafts),
rendered by the Celery task `billing.tasks.render_invoice_pdf`, stored once with a checksum.

A final PDF (rendered from an approved invoice) is never rendered again: a render finds it
ready and returns it. Only the `InvoicePdf` row is locked, never the invoice or its client,
and never while WeasyPrint works, so a slow render holds up no billing write."""

import hashlib
import logging

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from kombu.exceptions import KombuError

from ..models import Invoice, InvoicePdf, InvoiceStatus, PdfStatus
from ..pdf import render_invoice_pdf

logger = logging.getLogger(__name__)


class PdfUnavailable(Exception):
    """The PDF could not be rendered; `message` says why, in words finance understands."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _locked_pdf(invoice_id: int) -> InvoicePdf:
    InvoicePdf.objects.bulk_create([InvoicePdf(invoice_id=invoice_id)], ignore_conflicts=True)
    return InvoicePdf.objects.select_for_update(of=("self",)).get(invoice_id=invoice_id)


def _is_issued(pdf: InvoicePdf | None) -> bool:
    return bool(pdf and pdf.final and pdf.status == PdfStatus.READY)


def _enqueue(invoice_id: int) -> None:
    from ..tasks import render_invoice_pdf as task  # the task module imports this one

    def publish():
        try:
            task.delay(invoice_id)
        except (KombuError, OSError) as error:
            # The approval is committed; the page shows the failure and offers a retry.
            logger.exception("Could not enqueue the PDF of invoice %s", invoice_id)
            _record_failure(
                invoice_id, f"The job queue is unavailable ({error.__class__.__name__})."
            )

    transaction.on_commit(publish)


@transaction.atomic
def request_invoice_pdf(invoice_id: int) -> InvoicePdf:
    """Mark the PDF as rendering and enqueue the render once the caller commits. An issued
    (final, ready) PDF is left as it is: asking again never replaces it."""
    pdf = _locked_pdf(invoice_id)
    if _is_issued(pdf):
        return pdf
    pdf.status = PdfStatus.PENDING
    pdf.error = ""
    pdf.requested_at = timezone.now()
    pdf.save(update_fields=["status", "error", "requested_at"])
    _enqueue(invoice_id)
    return pdf


def _store(invoice_id: int, content: bytes, *, final: bool, number: str) -> InvoicePdf:
    with transaction.atomic():
        pdf = _locked_pdf(invoice_id)
        if _is_issued(pdf):
            return pdf  # another render stored the issued document first; it stays
        previous = pdf.file.name
        name = default_storage.save(
            f"invoices/{number if final else f'draft-{invoice_id}'}.pdf", ContentFile(content)
        )
        try:
            pdf.file.name = name
            pdf.sha256 = hashlib.sha256(content).hexdigest()
            pdf.status = PdfStatus.READY
            pdf.final = final
            pdf.error = ""
            pdf.rendered_at = timezone.now()
            pdf.save(update_fields=["file", "sha256", "status", "final", "error", "rendered_at"])
        except BaseException:
            default_storage.delete(name)
            raise
        if previous and previous != name:
            # A replaced draft rendering; deleted only once the new one is committed.
            transaction.on_commit(lambda: default_storage.delete(previous))
    return pdf


def _record_failure(invoice_id: int, message: str) -> InvoicePdf:
    with transaction.atomic():
        pdf = _locked_pdf(invoice_id)
        if pdf.status != PdfStatus.READY or not pdf.final:
            pdf.status = PdfStatus.FAILED
            pdf.error = message[:2000]
            pdf.save(update_fields=["status", "error"])
    return pdf


def render_and_store_pdf(invoice_id: int) -> InvoicePdf | None:
    """What the task does: render the invoice as it is now and store it. Idempotent: an issued
    PDF is returned untouched. A rendering error is recorded on the row (status `failed`) and
    not raised, so the page can offer a retry. None when the invoice no longer exists."""
    invoice = Invoice.objects.select_related("client").filter(pk=invoice_id).first()
    if invoice is None:
        return None
    existing = InvoicePdf.objects.filter(invoice_id=invoice_id).first()
    if _is_issued(existing):
        return existing
    final = invoice.status != InvoiceStatus.DRAFT
    try:
        content = render_invoice_pdf(invoice)
    except Exception as error:  # WeasyPrint, fonts, a template error: all end as "failed"
        logger.exception("Rendering the PDF of invoice %s failed", invoice_id)
        return _record_failure(invoice_id, f"{error.__class__.__name__}: {error}")
    return _store(invoice_id, content, final=final, number=invoice.number or "")


def _current(pdf: InvoicePdf | None, invoice: Invoice) -> bool:
    """The stored file shows the invoice as it is: issued, or a draft not changed since."""
    if pdf is None or pdf.status != PdfStatus.READY:
        return False
    if invoice.status == InvoiceStatus.DRAFT:
        changed = max(filter(None, (invoice.updated_at, invoice.lines_built_at)))
        return pdf.rendered_at is not None and pdf.rendered_at >= changed
    return pdf.final


def ready_invoice_pdf(invoice: Invoice) -> InvoicePdf:
    """The PDF to download: the stored one when it shows the invoice as it is, else rendered
    now (the same render as the task's; an issued PDF is never replaced). Raises
    PdfUnavailable when rendering fails."""
    pdf = InvoicePdf.objects.filter(invoice=invoice).first()
    if _current(pdf, invoice):
        return pdf
    pdf = render_and_store_pdf(invoice.pk)
    if pdf is None or pdf.status != PdfStatus.READY:
        reason = pdf.error if pdf is not None else "the invoice is gone"
        raise PdfUnavailable(
            f"The PDF of {invoice.display_number} could not be rendered ({reason})."
        )
    return pdf


def pdf_bytes(pdf: InvoicePdf) -> bytes:
    with pdf.file.open("rb") as stored:
        return stored.read()
