"""The billing admin (PRODUCT §5.3, issue 15): CSV/XLSX export of invoices and lines filtered by
status, client and period; actions through billing's services; finance only."""

import csv
import datetime
import io
import zipfile

import openpyxl
import pytest
from django.contrib.auth.models import Permission
from django.http import StreamingHttpResponse
from django.urls import reverse
from pypdf import PdfReader

from billing.models import Invoice, InvoiceLine, InvoiceStatus
from billing.services import approve_invoice, generate_draft
from clients.services import sync_admin_access
from timetracking.models import TimeEntry

MARCH = (datetime.date(2026, 3, 1), datetime.date(2026, 3, 31))
APRIL = (datetime.date(2026, 4, 1), datetime.date(2026, 4, 30))
CSV_FORMAT, XLSX_FORMAT = "0", "1"
MONEY = ("subtotal", "tax", "total")


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def finance_admin(firm, as_user):
    sync_admin_access(firm.finance)
    return as_user(firm.finance)


@pytest.fixture
def invoices(firm, log):
    """acme March approved, acme April approved, acme March draft, globex March approved."""
    firm.acme.tax_rate = "0.0750"
    firm.acme.save()

    def make(client, task, period, minutes, approve=True):
        log(minutes, task=task, on=period[0] + datetime.timedelta(days=1))
        invoice = generate_draft(client_id=client.pk, date_from=period[0], date_to=period[1])
        return approve_invoice(invoice.pk, by=firm.finance) if approve else invoice

    made = {
        "acme_march": make(firm.acme, firm.acme_task, MARCH, 95),
        "acme_april": make(firm.acme, firm.acme_task, APRIL, 50),
        "acme_draft": make(firm.acme, firm.acme_task, MARCH, 70, approve=False),
        "globex_march": make(firm.globex, firm.globex_task, MARCH, 45),
    }
    return {name: Invoice.objects.get(pk=invoice.pk) for name, invoice in made.items()}


def export(http, model: str, query: dict, file_format: str):
    url = reverse(f"admin:billing_{model}_export")
    response = http.post(f"{url}?{'&'.join(f'{k}={v}' for k, v in query.items())}",
                         {"format": file_format, "resource": "0"})  # fmt: skip
    assert response.status_code == 200, response.content[:500]
    return response


def csv_rows(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


def xlsx_rows(response) -> list[dict]:
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    header, *rows = list(sheet.iter_rows(values_only=True))
    return [dict(zip(header, row, strict=True)) for row in rows]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"status__exact": "approved"}, {"acme_march", "acme_april", "globex_march"}),
        ({"status__exact": "approved", "period": "2026-03"}, {"acme_march", "globex_march"}),
        ({"client__id__exact": "ACME", "period": "2026-03"}, {"acme_march", "acme_draft"}),
        ({"status__exact": "draft"}, {"acme_draft"}),
        ({"status__exact": "paid"}, set()),
    ],
)
@pytest.mark.parametrize("file_format", [CSV_FORMAT, XLSX_FORMAT])
def test_invoice_export_rows_are_the_filtered_invoices(
    firm, finance_admin, invoices, query, expected, file_format
):
    query = {k: (firm.acme.pk if v == "ACME" else v) for k, v in query.items()}
    response = export(finance_admin, "invoice", query, file_format)
    rows = csv_rows(response) if file_format == CSV_FORMAT else xlsx_rows(response)
    assert sorted(int(row["id"]) for row in rows) == sorted(invoices[n].pk for n in expected)
    for row in rows:
        invoice = Invoice.objects.get(pk=row["id"])
        assert row["number"] == (invoice.number or ("" if file_format == CSV_FORMAT else None))
        assert row["client_code"] == invoice.client.code
        for field in MONEY:
            assert row[field] == f"{getattr(invoice, field):.2f}", field
    # Acme's 7.5 % tax gives cents: the export keeps them.
    acme_rows = [row for row in rows if row["client_code"] == "ACME"]
    assert all(row["tax"] != "0.00" for row in acme_rows)


@pytest.mark.parametrize("file_format", [CSV_FORMAT, XLSX_FORMAT])
def test_line_export_follows_the_invoice_filters(firm, finance_admin, invoices, file_format):
    query = {"invoice__status__exact": "approved", "invoice__client__id__exact": firm.acme.pk}
    response = export(finance_admin, "invoiceline", query, file_format)
    rows = csv_rows(response) if file_format == CSV_FORMAT else xlsx_rows(response)
    expected = InvoiceLine.objects.filter(
        invoice__in=[invoices["acme_march"], invoices["acme_april"]]
    )
    assert sorted(int(row["id"]) for row in rows) == sorted(expected.values_list("pk", flat=True))
    assert rows
    for row in rows:
        line = InvoiceLine.objects.get(pk=row["id"])
        assert (
            row["amount"] == f"{line.amount:.2f}" and row["unit_price"] == f"{line.unit_price:.2f}"
        )
        assert row["invoice_number"] == line.invoice.number
    march = export(finance_admin, "invoiceline", {**query, "period": "2026-03"}, file_format)
    march_rows = csv_rows(march) if file_format == CSV_FORMAT else xlsx_rows(march)
    assert {row["invoice_number"] for row in march_rows} == {invoices["acme_march"].number}


def run_action(http, action: str, invoice_ids, follow=True):
    return http.post(
        reverse("admin:billing_invoice_changelist"),
        {"action": action, "_selected_action": [str(pk) for pk in invoice_ids]},
        follow=follow,
    )


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def test_actions_go_through_the_lifecycle_and_report_refusals(firm, finance_admin, invoices):
    draft, approved = invoices["acme_draft"], invoices["globex_march"]
    response = run_action(finance_admin, "approve_selected", [draft.pk, approved.pk])
    notes = messages_of(response)
    draft.refresh_from_db()
    assert draft.status == InvoiceStatus.APPROVED and draft.number
    assert any(f"Approved 1: {draft.number}" in note for note in notes), notes
    assert any(
        "Refused 1" in note and "only a draft invoice can be approved" in note for note in notes
    )
    # The service wrote the transition and locked the entries, as on the invoice page.
    assert draft.transitions.filter(to_status="approved", by=firm.finance).exists()
    entries = TimeEntry.objects.filter(invoice=draft)
    assert entries.exists() and all(entry.locked for entry in entries)

    response = run_action(finance_admin, "pay_selected", [approved.pk])
    assert any("Refused 1" in note for note in messages_of(response))
    response = run_action(finance_admin, "send_selected", [approved.pk])
    assert any(f"Marked sent 1: {approved.number}" in n for n in messages_of(response))
    response = run_action(finance_admin, "pay_selected", [approved.pk])
    approved.refresh_from_db()
    assert approved.status == InvoiceStatus.PAID
    assert any(f"Marked paid 1: {approved.number}" in n for n in messages_of(response))


def test_zip_action_holds_one_pdf_per_selected_invoice(finance_admin, invoices):
    chosen = [invoices["acme_march"], invoices["acme_draft"], invoices["globex_march"]]
    response = run_action(finance_admin, "download_pdfs", [i.pk for i in chosen], follow=False)
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    names = sorted(archive.namelist())
    assert names == sorted(f"{i.number or f'draft-{i.pk}'}.pdf" for i in chosen)
    for invoice in chosen:
        content = archive.read(f"{invoice.number or f'draft-{invoice.pk}'}.pdf")
        text = PdfReader(io.BytesIO(content)).pages[0].extract_text()
        assert invoice.client.name in text and f"{invoice.total:.2f}" in text


@pytest.mark.parametrize("role", ["manager", "staff"])
def test_other_roles_see_nothing_of_billing_even_with_admin_access(firm, as_user, invoices, role):
    user = getattr(firm, role)
    # Admin access and billing permissions granted by hand: the role still decides.
    user.is_staff = True
    user.save()
    user.user_permissions.add(*Permission.objects.filter(content_type__app_label="billing"))
    http = as_user(user)
    index = http.get(reverse("admin:index"))
    assert index.status_code == 200
    assert "/admin/billing/" not in index.text
    for url in (
        reverse("admin:billing_invoice_changelist"),
        reverse("admin:billing_invoice_change", args=[invoices["acme_march"].pk]),
        reverse("admin:billing_invoiceline_changelist"),
        reverse("admin:billing_invoicepdf_changelist"),
        reverse("admin:billing_invoice_export"),
        reverse("admin:billing_invoice_export_csv"),
        reverse("admin:billing_invoiceline_export_csv"),
    ):
        assert http.get(url).status_code == 403, url
    response = run_action(http, "approve_selected", [invoices["acme_draft"].pk], follow=False)
    assert response.status_code == 403
    assert Invoice.objects.get(pk=invoices["acme_draft"].pk).status == InvoiceStatus.DRAFT


def test_finance_sees_the_billing_admin_with_export_and_actions(finance_admin, invoices):
    page = finance_admin.get(reverse("admin:billing_invoice_changelist"))
    assert page.status_code == 200
    assert reverse("admin:billing_invoice_export") in page.text
    assert reverse("admin:billing_invoice_export_csv") in page.text
    for action in ("approve_selected", "send_selected", "pay_selected", "download_pdfs"):
        assert f'value="{action}"' in page.text
    assert "period=2026-03" in page.text  # the period filter lists the months invoiced


@pytest.mark.parametrize(
    ("model", "query"),
    [
        ("invoice", {"status__exact": "approved", "period": "2026-03"}),
        ("invoice", {"client__id__exact": "ACME"}),
        (
            "invoiceline",
            {"invoice__status__exact": "approved", "invoice__client__id__exact": "ACME"},
        ),
        ("invoiceline", {}),
    ],
)
def test_streamed_csv_is_the_import_export_csv(firm, finance_admin, invoices, model, query):
    """One column list: the streamed CSV has the import-export CSV's header, rows and money."""
    query = {k: (firm.acme.pk if v == "ACME" else v) for k, v in query.items()}
    response = finance_admin.get(reverse(f"admin:billing_{model}_export_csv"), query)
    assert response.status_code == 200
    assert isinstance(response, StreamingHttpResponse)
    streamed = b"".join(response.streaming_content).decode()
    built = export(finance_admin, model, query, CSV_FORMAT).content.decode("utf-8-sig")
    streamed_rows = list(csv.reader(io.StringIO(streamed)))
    built_rows = list(csv.reader(io.StringIO(built)))
    assert streamed_rows[0] == built_rows[0]
    assert sorted(streamed_rows[1:]) == sorted(built_rows[1:])
    assert len(streamed_rows) > 1
