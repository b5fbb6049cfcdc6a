"""Finance pages: list with filters and totals per currency, detail with lifecycle buttons,
the generate dialog, the client page's invoices card; access; constant query counts."""

import datetime
import json
import re
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from billing.models import Invoice
from billing.services import approve_invoice, generate_draft
from tests.api.conftest import ApiClient
from tests.factories import ClientFactory, ProjectFactory, RateFactory, TaskFactory
from timetracking.services import create_entry

DAY = datetime.date(2026, 3, 2)


def make_invoices(firm, count):
    for index in range(count):
        client = ClientFactory(code=f"Q{index:03d}", currency="EUR" if index % 2 else "USD")
        task = TaskFactory(project=ProjectFactory(client=client))
        if client.currency == "EUR":
            RateFactory(member=firm.staff_member, client=client, currency="EUR")
        create_entry(task=task, member=firm.staff_member, on_date=DAY, duration_minutes=60)
        generate_draft(client_id=client.pk, date_from=DAY, date_to=DAY)


@pytest.mark.parametrize(
    ("role", "status"),
    [("finance", 200), ("admin", 200), ("manager", 403), ("staff", 403), ("acme_user", 404)],
)
def test_pages_are_for_finance_and_admin(firm, as_user, log, role, status):
    log(60)
    invoice = generate_draft(client_id=firm.acme.pk, date_from=DAY, date_to=DAY)
    http = as_user(getattr(firm, role))
    for url in (
        reverse("billing:invoices"),
        reverse("billing:invoice", args=[invoice.pk]),
        reverse("billing:generate"),
    ):
        assert http.get(url).status_code == status, url
    card = http.get(reverse("billing:client-invoices-card", kwargs={"client_id": firm.acme.pk}))
    # The client page (all staff) loads the card: below finance it is empty, not an error.
    assert card.status_code == {403: 204}.get(status, status)
    if status == 403:
        assert card.content == b""


def test_anonymous_is_sent_to_login(client):
    response = client.get("/billing/invoices/")
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_nav_shows_invoices_to_finance_only(firm, as_user):
    assert 'href="/billing/invoices/"' in as_user(firm.finance).get("/my-work/").text
    assert 'href="/billing/invoices/"' not in as_user(firm.manager).get("/my-work/").text


def test_list_numbers_equal_the_api(firm, as_user):
    make_invoices(firm, 4)
    page = as_user(firm.finance).get("/billing/invoices/").text
    api_rows = ApiClient(firm.finance).get("/invoices").json()["results"]
    for row in api_rows:
        assert f"{row['currency']} {row['total']}" in page
    assert 'data-currency-total="EUR">EUR 200.00<' in page
    assert 'data-currency-total="USD">USD 200.00<' in page
    filtered = as_user(firm.finance).get(
        "/billing/invoices/", {"client": Invoice.objects.first().client_id}
    )
    assert (
        filtered.text.count('href="/billing/invoices/')
        - filtered.text.count('href="/billing/invoices/generate')
        >= 1
    )
    bad = as_user(firm.finance).get("/billing/invoices/", {"status": "open"})
    assert "Status open is not one of" in bad.text


def test_list_query_count_is_constant(firm, as_user, django_assert_max_num_queries):
    http = as_user(firm.finance)
    make_invoices(firm, 1)
    with django_assert_max_num_queries(12) as one:
        http.get("/billing/invoices/")
    make_invoices_more = 15
    for index in range(make_invoices_more):
        client = ClientFactory(code=f"R{index:03d}")
        task = TaskFactory(project=ProjectFactory(client=client))
        create_entry(task=task, member=firm.staff_member, on_date=DAY, duration_minutes=30)
        generate_draft(client_id=client.pk, date_from=DAY, date_to=DAY)
    with django_assert_max_num_queries(len(one.captured_queries)):
        response = http.get("/billing/invoices/")
    assert response.text.count("Draft #") == 16


def test_a_full_list_says_how_many_invoices_match_beyond_the_ones_shown(firm, as_user, monkeypatch):
    import billing.views

    make_invoices(firm, 3)
    http = as_user(firm.finance)
    monkeypatch.setattr(billing.views, "LIST_LIMIT", 3)
    whole = http.get("/billing/invoices/").text
    assert "3 invoices" in whole and "Showing the newest" not in whole

    monkeypatch.setattr(billing.views, "LIST_LIMIT", 2)
    cut = http.get("/billing/invoices/").text
    assert "3 invoices" in cut and "Showing the newest 2" in cut
    assert cut.count("Draft #") == 2


def test_detail_query_count_is_constant(firm, as_user, log, django_assert_max_num_queries):
    http = as_user(firm.finance)
    log(60)
    small = approve_invoice(
        generate_draft(client_id=firm.acme.pk, date_from=DAY, date_to=DAY).pk, by=firm.finance
    )
    with django_assert_max_num_queries(20) as one:
        http.get(f"/billing/invoices/{small.pk}/")
    tasks = [TaskFactory(project=firm.acme_project) for _ in range(10)]
    for task in tasks:
        log(30, task=task, on=DAY + datetime.timedelta(days=1))
    big = approve_invoice(
        generate_draft(
            client_id=firm.acme.pk, date_from=DAY, date_to=DAY + datetime.timedelta(days=1)
        ).pk,
        by=firm.finance,
    )
    with django_assert_max_num_queries(len(one.captured_queries)):
        response = http.get(f"/billing/invoices/{big.pk}/")
    assert response.text.count("<tr>") > 20


def test_detail_numbers_equal_the_api_and_buttons_follow_the_status(firm, as_user, log):
    log(61)
    invoice = generate_draft(client_id=firm.acme.pk, date_from=DAY, date_to=DAY)
    http = as_user(firm.finance)
    page = http.get(f"/billing/invoices/{invoice.pk}/").text
    body = ApiClient(firm.finance).get(f"/invoices/{invoice.pk}").json()
    assert f'data-total="total"><strong>{body["total"]}<' in page
    assert ">Approve<" in page and ">Mark paid<" not in page
    response = http.post(f"/billing/invoices/{invoice.pk}/approve/", follow=True)
    assert "approved" in response.text and ">Mark sent<" in response.text
    refused = http.post(f"/billing/invoices/{invoice.pk}/pay/", follow=True)
    assert "only a sent invoice can be paid" in refused.text


def test_money_on_the_invoice_pages_reads_like_everywhere_else(firm, as_user, log):
    """One format for money (the client page's `USD 14,685.00`): thousands separated, two
    decimals, the same figures as the API; the entries table names member, project and task."""
    for _ in range(3):
        log(8 * 60)  # 24 h at the fixture's rate: over a thousand
    invoice = generate_draft(client_id=firm.acme.pk, date_from=DAY, date_to=DAY)
    body = ApiClient(firm.finance).get(f"/invoices/{invoice.pk}").json()
    total = Decimal(body["total"])
    assert total >= 1000
    http = as_user(firm.finance)

    detail = http.get(f"/billing/invoices/{invoice.pk}/").text
    assert f'data-total="total"><strong>{total:,.2f}<' in detail
    assert f'data-total="subtotal">{Decimal(body["subtotal"]):,.2f}<' in detail
    entry = invoice.entries.select_related("task__project", "member__user").first()
    assert f"<td>{entry.member.user.username}</td>" in detail
    assert f"<td>{entry.task.project.code}</td>" in detail and f"<td>{entry.task}</td>" in detail
    assert f'<td class="num">{entry.billing_rate:,.2f}</td>' in detail

    listing = http.get("/billing/invoices/").text
    assert f"{invoice.currency} {total:,.2f}</td>" in listing
    assert f'data-currency-total="{invoice.currency}">{invoice.currency} {total:,.2f}<' in listing


def test_generate_dialog_lists_entries_preselected_and_honours_deselection(firm, as_user, log):
    kept, dropped = log(60), log(30)
    http = as_user(firm.finance)
    preview = http.get(
        "/billing/invoices/generate/",
        {"client": firm.acme.pk, "date_from": "2026-03-01", "date_to": "2026-03-31"},
        headers={"HX-Request": "true", "HX-Target": "dialog-slot"},
    )
    assert "<dialog" in preview.text and "Checkout bug" in preview.text
    assert len(re.findall(r'name="entry" value="\d+" id="entry-\d+" checked', preview.text)) == 2
    response = http.post(
        "/billing/invoices/generate/",
        {
            "client": firm.acme.pk,
            "date_from": "2026-03-01",
            "date_to": "2026-03-31",
            "entry": [kept.pk],
            "generate": "1",
        },
        headers={"HX-Request": "true", "HX-Target": "generate-form"},
    )
    invoice = Invoice.objects.get()
    assert response["HX-Redirect"] == f"/billing/invoices/{invoice.pk}/"
    assert list(invoice.entries.values_list("pk", flat=True)) == [kept.pk]
    dropped.refresh_from_db()
    assert dropped.invoice_id is None


def test_client_invoices_card(firm, as_user, log):
    log(60)
    invoice = approve_invoice(
        generate_draft(client_id=firm.acme.pk, date_from=DAY, date_to=DAY).pk, by=firm.finance
    )
    card = as_user(firm.finance).get(f"/billing/clients/{firm.acme.pk}/invoices-card").text
    assert invoice.number in card and "USD 100.00" in card
    assert f"/billing/invoices/generate/?client={firm.acme.pk}" in card


def test_create_invoice_command_json(firm, log, capsys):
    log(90)
    call_command(
        "create_invoice", "--client", "ACME", "--from", "2026-03-01", "--to", "2026-03-31", "--json"
    )
    data = json.loads(capsys.readouterr().out)
    assert (data["status"], data["currency"], data["total"]) == ("draft", "USD", "150.00")
    assert data["lines"][0]["billable_minutes"] == 90


def test_create_invoice_command_failure_is_json_and_exit_1(firm, capsys):
    with pytest.raises(CommandError) as exited:
        call_command(
            "create_invoice",
            "--client",
            "NOPE",
            "--from",
            "2026-03-01",
            "--to",
            "2026-03-31",
            "--json",
        )
    assert exited.value.returncode == 1
    assert "NOPE" in json.loads(capsys.readouterr().out)["error"]
