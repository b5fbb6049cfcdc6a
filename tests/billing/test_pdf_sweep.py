"""The periodic sweep (issue 20 point 5) re-enqueues the PDF of an issued invoice whose render
message was lost, e.g. because the broker was down when the approval committed."""

import datetime

import pytest

from billing.models import InvoicePdf, PdfStatus
from billing.services import approve_invoice, generate_draft
from core.tasks import sweep_pending_work

MARCH = (datetime.date(2026, 3, 1), datetime.date(2026, 3, 31))


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_sweep_renders_issued_invoices_whose_pdf_never_arrived(firm, log, jira_task):
    log(90, task=jira_task("ACME-1", summary="Checkout"), on=datetime.date(2026, 3, 2))
    draft = generate_draft(
        client_id=firm.acme.pk, date_from=MARCH[0], date_to=MARCH[1], by=firm.finance
    )
    invoice = approve_invoice(draft.pk, by=firm.finance)
    # The render message was lost: no PDF row at all, as after a broker outage at approval.
    InvoicePdf.objects.filter(invoice=invoice).delete()

    results = sweep_pending_work()

    assert results["billing: approved invoices without a PDF"] == 1
    pdf = InvoicePdf.objects.get(invoice=invoice)
    assert pdf.status == PdfStatus.READY and pdf.final and pdf.sha256
    # A second sweep finds nothing left to do.
    assert sweep_pending_work()["billing: approved invoices without a PDF"] == 0
