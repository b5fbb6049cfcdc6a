"""Invoice PDFs (PRODUCT §5.3, issue 15): real WeasyPrint renders read back with pypdf; stored
once with a checksum; the invoice page's "rendering…" polling and retry; downloads by role."""

import datetime
import hashlib
import io
import re

import pytest
import weasyprint
from django.urls import reverse
from pypdf import PdfReader

from billing.models import InvoicePdf, PdfStatus
from billing.services import (
    approve_invoice,
    generate_draft,
    render_and_store_pdf,
    request_invoice_pdf,
)
from clients.models import FirmSettings
from tests.api.conftest import ApiClient
from timetracking.services import EntryChanges, update_entry

MARCH = (datetime.date(2026, 3, 1), datetime.date(2026, 3, 31))


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def draft_with_issues(firm, log, jira_task, count, client=None):
    """A draft with one line per Jira issue; minutes differ so every amount differs."""
    for index in range(count):
        task = jira_task(f"ACME-{index + 1}", summary=f"Issue number {index + 1}")
        log(30 + index, task=task, on=datetime.date(2026, 3, 2 + index % 20))
    return generate_draft(
        client_id=(client or firm.acme).pk, date_from=MARCH[0], date_to=MARCH[1], by=firm.finance
    )


def pages_text(content: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(content)).pages]


def stored_bytes(pdf: InvoicePdf) -> bytes:
    with pdf.file.open("rb") as stored:
        return stored.read()


def test_pdf_shows_letterhead_number_client_lines_and_totals(firm, log, jira_task):
    FirmSettings.objects.create(
        firm_name="Northwind Consulting",
        firm_address="1 Harbour Road\nPort Town",
        bank_details="IBAN XX00 1234 5678",
    )
    firm.acme.tax_rate = "0.1500"
    firm.acme.save()
    invoice = draft_with_issues(firm, log, jira_task, 3)
    invoice = approve_invoice(invoice.pk, by=firm.finance)
    pdf = render_and_store_pdf(invoice.pk)
    assert pdf.status == PdfStatus.READY and pdf.final

    [text] = pages_text(stored_bytes(pdf))
    assert invoice.number in text
    assert "Acme Ltd" in text
    assert "Northwind Consulting" in text and "Port Town" in text and "IBAN XX00" in text
    lines = list(invoice.lines.order_by("position"))
    assert len(lines) == 3
    for line in lines:
        assert f"{line.amount:.2f}" in text, line
        assert line.jira_issue_key in text
    for figure in (invoice.subtotal, invoice.tax, invoice.total):
        assert f"{figure:.2f}" in text
    assert invoice.tax > 0
    assert f"{invoice.issue_date:%Y-%m-%d}" in text and f"{invoice.due_date:%Y-%m-%d}" in text
    assert "2026-03-01 – 2026-03-31" in text
    assert "Payment terms: 30 days" in text
    assert "Page 1 of 1" in text
    assert "DRAFT" not in text


def test_a_draft_carries_a_watermark(firm, log, jira_task):
    invoice = draft_with_issues(firm, log, jira_task, 1)
    pdf = render_and_store_pdf(invoice.pk)
    assert pdf.status == PdfStatus.READY and not pdf.final
    assert "DRAFT" in pages_text(stored_bytes(pdf))[0]


def test_a_long_invoice_repeats_the_table_header_on_every_page(firm, log, jira_task):
    invoice = draft_with_issues(firm, log, jira_task, 120)
    invoice = approve_invoice(invoice.pk, by=firm.finance)
    assert invoice.lines.count() == 120
    pages = pages_text(stored_bytes(render_and_store_pdf(invoice.pk)))
    assert len(pages) > 1
    for number, text in enumerate(pages, start=1):
        assert "Description" in text and "Unit price" in text and "Amount" in text, number
        assert f"Page {number} of {len(pages)}" in text
    everything = "\n".join(pages)
    for line in invoice.lines.all():
        assert f"{line.amount:.2f}" in everything
    assert f"{invoice.total:.2f}" in pages[-1]


def test_approval_renders_the_pdf_once_it_commits(
    firm, log, jira_task, django_capture_on_commit_callbacks
):
    invoice = draft_with_issues(firm, log, jira_task, 2)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        approve_invoice(invoice.pk, by=firm.finance)
    # Nothing is rendered before the approval is committed.
    assert InvoicePdf.objects.get(invoice=invoice).status == PdfStatus.PENDING
    assert len(callbacks) == 1
    callbacks[0]()  # the commit: Celery runs in-process in tests
    pdf = InvoicePdf.objects.get(invoice=invoice)
    assert pdf.status == PdfStatus.READY and pdf.final
    assert pdf.sha256 == hashlib.sha256(stored_bytes(pdf)).hexdigest()


def test_the_stored_pdf_never_changes_on_later_downloads(
    firm, log, jira_task, as_user, django_capture_on_commit_callbacks
):
    invoice = draft_with_issues(firm, log, jira_task, 2)
    with django_capture_on_commit_callbacks(execute=True):
        approve_invoice(invoice.pk, by=firm.finance)
    stored = InvoicePdf.objects.get(invoice=invoice)
    first = stored_bytes(stored)

    page = as_user(firm.finance).get(reverse("billing:invoice-pdf", args=[invoice.pk]))
    api = ApiClient(firm.acme_user).get(f"/invoices/{invoice.pk}/pdf")
    again = as_user(firm.acme_user).get(reverse("billing:invoice-pdf", args=[invoice.pk]))
    for response in (page, api, again):
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response.content == first
        assert hashlib.sha256(response.content).hexdigest() == stored.sha256
    # Asking again (a retry, a second render) leaves the issued document as it is.
    request_invoice_pdf(invoice.pk)
    render_and_store_pdf(invoice.pk)
    after = InvoicePdf.objects.get(invoice=invoice)
    assert (after.file.name, after.sha256, after.rendered_at, after.status) == (
        stored.file.name,
        stored.sha256,
        stored.rendered_at,
        PdfStatus.READY,
    )
    assert stored_bytes(after) == first


def test_an_approved_invoice_without_a_pdf_yet_is_rendered_on_download(
    firm, log, jira_task, as_user
):
    invoice = approve_invoice(draft_with_issues(firm, log, jira_task, 1).pk, by=firm.finance)
    assert InvoicePdf.objects.get(invoice=invoice).status == PdfStatus.PENDING  # not committed
    response = as_user(firm.finance).get(reverse("billing:invoice-pdf", args=[invoice.pk]))
    assert response.status_code == 200
    assert invoice.number in pages_text(response.content)[0]
    assert InvoicePdf.objects.get(invoice=invoice).final


def test_the_invoice_page_polls_while_rendering_then_links_the_download(
    firm, log, jira_task, as_user
):
    invoice = approve_invoice(draft_with_issues(firm, log, jira_task, 1).pk, by=firm.finance)
    http = as_user(firm.finance)
    status_url = reverse("billing:invoice-pdf-status", args=[invoice.pk])
    page = http.get(reverse("billing:invoice", args=[invoice.pk])).text
    assert "PDF rendering…" in page
    assert f'hx-get="{status_url}"' in page and 'hx-trigger="every 2s"' in page

    render_and_store_pdf(invoice.pk)
    fragment = http.get(status_url, headers={"HX-Request": "true"}).text
    assert "rendering" not in fragment and "hx-trigger" not in fragment
    assert f'href="{reverse("billing:invoice-pdf", args=[invoice.pk])}"' in fragment
    assert "Download PDF" in fragment


def test_a_rendering_failure_is_shown_with_a_retry(firm, log, jira_task, as_user, monkeypatch):
    invoice = approve_invoice(draft_with_issues(firm, log, jira_task, 1).pk, by=firm.finance)

    def broken(*args, **kwargs):
        raise OSError("no space left on device")

    with monkeypatch.context() as patch:
        patch.setattr(weasyprint.HTML, "write_pdf", broken)
        pdf = render_and_store_pdf(invoice.pk)
    assert pdf.status == PdfStatus.FAILED and "no space left" in pdf.error

    http = as_user(firm.finance)
    page = http.get(reverse("billing:invoice", args=[invoice.pk])).text
    render_url = reverse("billing:invoice-pdf-render", args=[invoice.pk])
    assert "could not be rendered" in page and "Retry PDF" in page
    assert f'hx-post="{render_url}"' in page

    # The retry enqueues the render (in-process in tests, once the request's work commits).
    response = http.post(render_url, headers={"HX-Request": "true"})
    assert response.status_code == 200
    pdf = InvoicePdf.objects.get(invoice=invoice)
    assert pdf.status in (PdfStatus.PENDING, PdfStatus.READY)
    render_and_store_pdf(invoice.pk)
    assert InvoicePdf.objects.get(invoice=invoice).status == PdfStatus.READY


def test_a_drafts_pdf_is_rendered_on_demand_and_follows_the_draft(firm, log, as_user):
    entry = log(60)
    invoice = generate_draft(client_id=firm.acme.pk, date_from=MARCH[0], date_to=MARCH[1])
    http = as_user(firm.finance)
    assert "Render draft PDF" in http.get(reverse("billing:invoice", args=[invoice.pk])).text
    http.post(reverse("billing:invoice-pdf-render", args=[invoice.pk]))
    assert InvoicePdf.objects.get(invoice=invoice).status == PdfStatus.PENDING
    first = http.get(reverse("billing:invoice-pdf", args=[invoice.pk]))
    assert first.status_code == 200
    first_text = pages_text(first.content)[0]
    assert "DRAFT" in first_text and f"{invoice.total:.2f}" in first_text

    # A draft is editable: once its entries change, its PDF shows the new amounts.
    update_entry(entry, EntryChanges(duration_minutes=180), by=firm.staff)
    second = http.get(reverse("billing:invoice-pdf", args=[invoice.pk]))
    invoice.refresh_from_db()
    assert f"{invoice.total:.2f}" in pages_text(second.content)[0]
    assert second.content != first.content


@pytest.mark.parametrize(
    ("who", "whose", "status", "expected"),
    [
        ("finance", "acme", "draft", 200),
        ("finance", "globex", "approved", 200),
        ("acme_user", "acme", "approved", 200),
        ("acme_user", "acme", "draft", 404),
        ("acme_user", "globex", "approved", 404),
        ("globex_user", "acme", "approved", 404),
        ("staff", "acme", "approved", 403),
        ("manager", "acme", "approved", 403),
    ],
)
def test_who_may_download(firm, log, as_user, who, whose, status, expected):
    client = getattr(firm, whose)
    log(60, task=firm.acme_task if whose == "acme" else firm.globex_task)
    invoice = generate_draft(client_id=client.pk, date_from=MARCH[0], date_to=MARCH[1])
    if status == "approved":
        approve_invoice(invoice.pk, by=firm.finance)
    user = getattr(firm, who)
    page = as_user(user).get(reverse("billing:invoice-pdf", kwargs={"invoice_id": invoice.pk}))
    api = ApiClient(user).get(f"/invoices/{invoice.pk}/pdf")
    assert (page.status_code, api.status_code) == (expected, expected)
    if expected == 200:
        assert api["Content-Type"] == "application/pdf" == page["Content-Type"]
        assert api.content.startswith(b"%PDF") and page.content.startswith(b"%PDF")
    else:
        assert api["Content-Type"].startswith("application/json") and "detail" in api.json()
        assert b"%PDF" not in page.content


def test_a_login_without_a_role_gets_no_pdf(firm, log, as_user):
    log(60)
    invoice = generate_draft(client_id=firm.acme.pk, date_from=MARCH[0], date_to=MARCH[1])
    approve_invoice(invoice.pk, by=firm.finance)
    url = reverse("billing:invoice-pdf", kwargs={"invoice_id": invoice.pk})
    assert as_user(firm.outsider).get(url).status_code == 404


def test_the_api_invoice_names_its_pdf_url(firm, log):
    log(60)
    invoice = generate_draft(client_id=firm.acme.pk, date_from=MARCH[0], date_to=MARCH[1])
    approve_invoice(invoice.pk, by=firm.finance)
    data = ApiClient(firm.acme_user).get(f"/invoices/{invoice.pk}").json()
    assert data["pdf_url"] == f"/api/v1/invoices/{invoice.pk}/pdf"
    listed = ApiClient(firm.finance).get("/invoices").json()["results"]
    assert [row["pdf_url"] for row in listed] == [f"/api/v1/invoices/{invoice.pk}/pdf"]
    assert re.fullmatch(r"[0-9a-f]{64}", render_and_store_pdf(invoice.pk).sha256)
