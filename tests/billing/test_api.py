"""Invoice endpoints (INTERFACES §3): shapes, roles, ownership, 400/409."""

import datetime
from decimal import Decimal

import pytest

from billing.services import approve_invoice, generate_draft, send_invoice
from tests.api.conftest import ApiClient

MARCH = {"from": "2026-03-01", "to": "2026-03-31"}


@pytest.fixture
def acme_draft(firm, log):
    log(90)
    return generate_draft(
        client_id=firm.acme.pk,
        date_from=datetime.date(2026, 3, 1),
        date_to=datetime.date(2026, 3, 31),
    )


@pytest.fixture
def globex_approved(firm, log):
    log(60, task=firm.globex_task)
    invoice = generate_draft(
        client_id=firm.globex.pk,
        date_from=datetime.date(2026, 3, 1),
        date_to=datetime.date(2026, 3, 31),
    )
    return approve_invoice(invoice.pk, by=firm.finance)


def test_finance_creates_a_draft_with_the_contract_shape(firm, log):
    entry = log(90)
    response = ApiClient(firm.finance).post("/invoices", {"client_id": firm.acme.pk, **MARCH})
    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) >= {
        "id",
        "number",
        "status",
        "client_id",
        "currency",
        "period_from",
        "period_to",
        "issue_date",
        "due_date",
        "subtotal",
        "tax",
        "total",
        "pdf_url",
        "lines",
    }
    assert (body["status"], body["number"], body["currency"]) == ("draft", None, "USD")
    assert (body["subtotal"], body["total"]) == ("150.00", "150.00")
    (line,) = body["lines"]
    assert line == {
        "category": "task",
        "rate_tier": "standard",
        "description": "Checkout bug",
        "jira_issue_key": None,
        "time_minutes": 90,
        "billable_minutes": 90,
        "quantity": "1.50",
        "unit_price": "100.00",
        "multiplier": "1.00",
        "amount": "150.00",
    }
    entry.refresh_from_db()
    assert entry.invoice_id == body["id"]


def test_bad_input_is_400_naming_the_field(firm, log):
    api = ApiClient(firm.finance)
    entry = log(60)
    missing = api.post("/invoices", {"client_id": firm.acme.pk, "to": "2026-03-31"})
    assert missing.status_code == 400 and "from" in missing.json()["errors"]
    extra = api.post("/invoices", {"client_id": firm.acme.pk, **MARCH, "rush": True})
    assert extra.status_code == 400 and "rush" in extra.json()["errors"]
    api.post("/invoices", {"client_id": firm.acme.pk, **MARCH})
    again = api.post("/invoices", {"client_id": firm.acme.pk, **MARCH, "entry_ids": [entry.pk]})
    assert again.status_code == 400
    assert str(entry.pk) in again.json()["errors"]["entry_ids"][0]
    bad_status = api.get("/invoices", {"status": "open"})
    assert bad_status.status_code == 400 and "approved" in bad_status.json()["errors"]["status"][0]


def test_lifecycle_endpoints_and_409(firm, acme_draft):
    api = ApiClient(firm.finance)
    assert api.post(f"/invoices/{acme_draft.pk}/pay", {}).status_code == 409
    approved = api.post(f"/invoices/{acme_draft.pk}/approve", {})
    assert approved.status_code == 200
    assert approved.json()["number"].startswith("INV-")
    again = api.post(f"/invoices/{acme_draft.pk}/approve", {})
    assert again.status_code == 409 and "approved" in again.json()["detail"]
    assert api.delete(f"/invoices/{acme_draft.pk}").status_code == 409
    assert api.post(f"/invoices/{acme_draft.pk}/send", {}).json()["status"] == "sent"
    assert api.post(f"/invoices/{acme_draft.pk}/pay", {}).json()["status"] == "paid"
    assert api.post(f"/invoices/{acme_draft.pk}/void", {}).status_code == 409


def test_delete_draft(firm, acme_draft):
    api = ApiClient(firm.finance)
    assert api.delete(f"/invoices/{acme_draft.pk}").status_code == 204
    assert api.get(f"/invoices/{acme_draft.pk}").status_code == 404


def test_client_users_see_only_their_issued_invoices(firm, acme_draft, globex_approved):
    acme = ApiClient(firm.acme_user)
    assert acme.get("/invoices").json()["count"] == 0  # a draft is not theirs to see yet
    assert acme.get(f"/invoices/{acme_draft.pk}").status_code == 404
    approve_invoice(acme_draft.pk, by=firm.finance)
    send_invoice(acme_draft.pk, by=firm.finance)
    listed = acme.get("/invoices").json()
    assert [row["id"] for row in listed["results"]] == [acme_draft.pk]
    assert "lines" not in listed["results"][0]
    assert acme.get(f"/invoices/{acme_draft.pk}").json()["total"] == "150.00"
    # Another client's invoice is 404, never a hint.
    assert acme.get(f"/invoices/{globex_approved.pk}").status_code == 404
    assert acme.get("/invoices", {"client": firm.globex.pk}).json()["count"] == 0
    # Client users may not write.
    assert acme.post(f"/invoices/{acme_draft.pk}/void", {}).status_code == 403
    assert acme.post("/invoices", {"client_id": firm.acme.pk, **MARCH}).status_code == 403


@pytest.mark.parametrize("role", ["staff", "manager"])
def test_staff_below_finance_get_403(firm, acme_draft, role):
    api = ApiClient(getattr(firm, role))
    assert api.get("/invoices").status_code == 403
    assert api.get(f"/invoices/{acme_draft.pk}").status_code == 403
    assert api.post("/invoices", {"client_id": firm.acme.pk, **MARCH}).status_code == 403
    assert api.post(f"/invoices/{acme_draft.pk}/approve", {}).status_code == 403


def test_outsider_403_and_anonymous_401(firm, acme_draft):
    assert ApiClient(firm.outsider).get("/invoices").status_code == 403
    assert ApiClient().get("/invoices").status_code == 401


def test_list_filters_and_order(firm, acme_draft, globex_approved):
    api = ApiClient(firm.admin)
    rows = api.get("/invoices").json()["results"]
    assert [row["id"] for row in rows] == [globex_approved.pk, acme_draft.pk]  # newest first
    assert api.get("/invoices", {"status": "draft"}).json()["count"] == 1
    assert api.get("/invoices", {"client": firm.globex.pk}).json()["results"][0]["total"] == (
        f"{globex_approved.total:.2f}"
    )
    assert Decimal(rows[0]["subtotal"]) == globex_approved.subtotal
