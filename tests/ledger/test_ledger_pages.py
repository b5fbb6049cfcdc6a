"""The ledger on the client page, in the API and in the admin: blocks with drawn, unused and
expiry; purchases and corrections by managers and up; no edits or deletes."""

import pytest
from django.urls import reverse

from clients.models import HourPurchase, LedgerKind
from tests.factories import ClientFactory
from tests.timetracking.views_support import htmx, query_count

from .helpers import block, use

pytestmark = pytest.mark.django_db


def ledger_url(client) -> str:
    return reverse("client-ledger", args=[client.pk])


def test_client_page_loads_the_ledger_card(firm, as_user):
    page = as_user(firm.staff).get(f"/clients/{firm.acme.pk}/").content.decode()
    assert f'hx-get="{ledger_url(firm.acme)}"' in page and f'href="{ledger_url(firm.acme)}"' in page


def test_card_shows_each_block_with_drawn_unused_and_expiry(firm, as_user, clock):
    clock("2026-03-01T12:00")
    block(firm.acme, "10", on="2026-01-01", expires="2026-03-31")
    block(firm.acme, "4", on="2026-01-15", expires="2026-02-27")
    block(firm.acme, "20", on="2026-02-01")
    use(firm, 360, on="2026-02-20")
    html = as_user(firm.staff).get(ledger_url(firm.acme), headers=htmx()).content.decode()
    rows = [
        [cell.strip() for cell in row.split("<td")[1:]]
        for row in html.split("<tbody>")[1].split("</tbody>")[0].split("<tr>")[1:]
    ]
    assert len(rows) == 3
    # Drawing order: 27 Feb block (4 h, all drawn), 31 Mar block (2 h drawn), no-expiry block.
    assert ">4.00<" in rows[0][2] and ">0.00<" in rows[0][3] and "27 Feb 2026" in rows[0][5]
    assert ">2.00<" in rows[1][2] and ">8.00<" in rows[1][3] and "31 Mar 2026" in rows[1][5]
    assert ">0.00<" in rows[2][2] and ">20.00<" in rows[2][3] and "never" in rows[2][5]
    # 6 h in 28 days is far too slow to use 8 h by 31 March: the forecast warns.
    assert "will expire unused on 31 Mar 2026" in html
    assert "Add to ledger" not in html  # staff may not add


def test_a_manager_adds_a_correction_with_a_note(firm, as_user):
    block(firm.acme, "10", on="2026-01-01")
    http = as_user(firm.manager)
    refused = http.post(
        ledger_url(firm.acme),
        {
            "ledger-kind": "correction",
            "ledger-date": "2026-03-02",
            "ledger-hours": "-2.5",
            "ledger-note": "",
        },
    )
    assert refused.status_code == 400 and "needs a note" in refused.content.decode()
    done = http.post(
        ledger_url(firm.acme),
        {
            "ledger-kind": "correction",
            "ledger-date": "2026-03-02",
            "ledger-hours": "-2.5",
            "ledger-note": "Double entry",
        },
        headers=htmx(),
    )
    assert done.status_code == 200 and "balanceChanged" in done["HX-Trigger"]
    row = HourPurchase.objects.get(kind=LedgerKind.CORRECTION)
    assert (row.minutes, row.note, row.entered_by) == (-150, "Double entry", firm.manager)
    priced = http.post(
        ledger_url(firm.acme),
        {
            "ledger-kind": "purchase",
            "ledger-date": "2026-03-02",
            "ledger-hours": "40",
            "ledger-price": "4800.00",
            "ledger-expires_on": "2027-03-01",
            "ledger-note": "Annual block",
        },
    )
    assert priced.status_code == 302
    assert HourPurchase.objects.get(note="Annual block").price == 4800


def test_roles_and_ownership(firm, as_user):
    data = {
        "ledger-kind": "correction",
        "ledger-date": "2026-03-02",
        "ledger-hours": "1",
        "ledger-note": "x",
    }
    assert as_user(firm.staff).post(ledger_url(firm.acme), data).status_code == 403
    assert as_user(firm.acme_user).get(ledger_url(firm.acme)).status_code == 404
    assert as_user(firm.acme_user).get(ledger_url(firm.globex)).status_code == 404
    assert not HourPurchase.objects.exists()


def test_card_query_count_is_constant(firm, as_user, django_assert_max_num_queries):
    http = as_user(firm.manager)
    block(firm.acme, "1", on="2026-01-01", expires="2027-01-01")
    one = query_count(lambda: http.get(ledger_url(firm.acme), headers=htmx()))
    for index in range(20):
        block(firm.acme, "1", on="2026-01-02", expires=f"2027-01-{index + 2:02d}")
        use(firm, 15, on="2026-02-01")
    with django_assert_max_num_queries(one):
        html = http.get(ledger_url(firm.acme), headers=htmx()).content.decode()
    assert html.count("<tr>") > 40


# --- API -------------------------------------------------------------------------------------


def test_api_ledger_read_and_write(firm, as_user):
    block(firm.acme, "10", on="2026-01-01", expires="2026-12-31", price="900.00")
    use(firm, 90, on="2026-02-01")
    http = as_user(firm.manager)
    url = f"/api/v1/clients/{firm.acme.pk}/ledger"
    body = http.get(url).json()
    assert body["rows"][0]["kind"] == "purchase" and body["rows"][0]["price"] == "900.00"
    assert body["blocks"][0]["drawn_minutes"] == 90 and body["blocks"][0]["unused_minutes"] == 510

    missing_note = http.post(
        url,
        {"kind": "correction", "date": "2026-03-02", "hours": "-1"},
        content_type="application/json",
    )
    assert missing_note.status_code == 400 and "note" in missing_note.json()["errors"]
    extra = http.post(
        url,
        {"kind": "correction", "date": "2026-03-02", "hours": "-1", "note": "x", "id": 3},
        content_type="application/json",
    )
    assert extra.status_code == 400
    negative_purchase = http.post(
        url,
        {"kind": "purchase", "date": "2026-03-02", "hours": "-1"},
        content_type="application/json",
    )
    assert negative_purchase.status_code == 400 and "hours" in negative_purchase.json()["errors"]
    created = http.post(
        url,
        {"kind": "correction", "date": "2026-03-02", "hours": -1.5, "note": "Refund"},
        content_type="application/json",
    )
    assert created.status_code == 201, created.json()
    assert (created.json()["kind"], created.json()["minutes"]) == ("correction", -90)
    assert http.get(url).json()["purchased_minutes"] == 600 - 90


def test_api_ledger_roles(firm, as_user):
    url = f"/api/v1/clients/{firm.acme.pk}/ledger"
    row = {"kind": "purchase", "date": "2026-03-02", "hours": "5"}
    assert as_user(firm.staff).get(url).status_code == 200
    assert as_user(firm.staff).post(url, row, content_type="application/json").status_code == 403
    assert as_user(firm.acme_user).get(url).status_code == 403
    other = ClientFactory(code="OTHER")
    assert as_user(firm.manager).get(f"/api/v1/clients/{other.pk}/ledger").status_code == 200
    assert as_user(firm.manager).get("/api/v1/clients/999999/ledger").status_code == 404
    assert not HourPurchase.objects.exists()


# --- Admin -----------------------------------------------------------------------------------


def test_admin_adds_corrections_with_a_note_only(firm, as_user):
    http = as_user(firm.admin)
    url = reverse("admin:clients_hourpurchase_add")
    data = {"client": firm.acme.pk, "date": "2026-03-02", "kind": "correction", "hours": "-3"}
    refused = http.post(url, {**data, "note": ""})
    assert refused.status_code == 200 and "needs a note" in refused.content.decode()
    assert http.post(url, {**data, "note": "Wrong client"}).status_code == 302
    row = HourPurchase.objects.get()
    assert (row.kind, row.minutes, row.entered_by) == ("correction", -180, firm.admin)
    expiring = {
        "client": firm.acme.pk,
        "date": "2026-03-02",
        "kind": "purchase",
        "hours": "40",
        "price": "4800.00",
        "expires_on": "2027-03-01",
        "note": "",
    }
    assert http.post(url, expiring).status_code == 302
    assert HourPurchase.objects.get(kind="purchase").expires_on.isoformat() == "2027-03-01"


def test_client_admin_inline_correction_needs_a_note(firm, as_user):
    from tests.clients.test_admin import form_data_of

    block(firm.acme, "40", on="2026-01-01")
    http = as_user(firm.admin)
    url = reverse("admin:clients_client_change", args=[firm.acme.pk])
    data = form_data_of(http.get(url))
    total = int(data["purchases-TOTAL_FORMS"])
    data.update(
        {
            "purchases-TOTAL_FORMS": str(total + 1),
            f"purchases-{total}-date": "2026-03-01",
            f"purchases-{total}-hours": "-2.5",
            f"purchases-{total}-note": "",
        }
    )
    assert http.post(url, data).status_code == 200
    assert HourPurchase.objects.count() == 1
    data[f"purchases-{total}-note"] = "Too many hours sold"
    assert http.post(url, data).status_code == 302
    assert HourPurchase.objects.get(minutes=-150).kind == LedgerKind.CORRECTION
