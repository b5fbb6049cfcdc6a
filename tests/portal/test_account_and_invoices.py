"""Password change and reset with the site's templates; the portal's invoices, burn-down and
history fragment."""

from datetime import timedelta
from decimal import Decimal

from django.core import mail
from django.utils import timezone

from tests.factories import PASSWORD, PurchaseFactory, invoice_and_lock
from tests.portal.conftest import log
from timetracking.selectors import client_balance
from timetracking.selectors.bank_activity import burn_down


def test_client_user_changes_their_password(firm, as_user):
    http = as_user(firm.acme_user)
    page = http.get("/account/password/")
    assert page.status_code == 200 and "Change your password" in page.content.decode()
    assert "/account/password/" in http.get("/portal/").content.decode()
    response = http.post(
        "/account/password/",
        {
            "old_password": PASSWORD,
            "new_password1": "Tr1cky-new-pass!",
            "new_password2": "Tr1cky-new-pass!",
        },
    )
    assert response.status_code == 302
    firm.acme_user.refresh_from_db()
    assert firm.acme_user.check_password("Tr1cky-new-pass!")


def test_password_reset_sends_a_link_that_sets_a_new_password(firm, client):
    firm.acme_user.email = "viewer@acme.example"
    firm.acme_user.save()
    assert "Reset your password" in client.get("/account/reset/").content.decode()
    response = client.post("/account/reset/", {"email": "viewer@acme.example"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["viewer@acme.example"]
    link = next(line for line in mail.outbox[0].body.splitlines() if "/account/reset/" in line)
    path = link.split("://", 1)[1].split("/", 1)[1]
    form = client.get("/" + path, follow=True)
    assert "Choose a new password" in form.content.decode()
    done = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "Tr1cky-new-pass!", "new_password2": "Tr1cky-new-pass!"},
    )
    assert done.status_code == 302
    firm.acme_user.refresh_from_db()
    assert firm.acme_user.check_password("Tr1cky-new-pass!")


def test_issued_invoices_show_and_drafts_never(firm, as_user):
    entry = log(firm.staff_member, firm.acme_task, 60)
    invoice_and_lock(firm.acme, [entry], number="INV-2026-0042", status="approved")
    invoice_and_lock(firm.acme, [], number="DRAFT-X", status="draft")
    invoice_and_lock(firm.globex, [], number="INV-2026-0099", status="sent")
    page = as_user(firm.acme_user).get("/portal/").content.decode()
    assert "INV-2026-0042" in page
    assert "Draft" not in page and "INV-2026-0099" not in page


def test_history_filter_answers_the_fragment_to_htmx(firm, as_user):
    log(firm.staff_member, firm.acme_task, 60, description="Fixed checkout")
    response = as_user(firm.acme_user).get(
        "/portal/?date_from=2020-01-01", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="portal-history"
    )
    body = response.content.decode()
    assert body.lstrip().startswith('<section id="portal-history"') and "Fixed checkout" in body
    bad = as_user(firm.acme_user).get("/portal/?date_from=yesterday").content.decode()
    assert "Enter a date" in bad


def test_burn_down_walks_back_from_todays_balance(firm):
    today = timezone.localdate()
    PurchaseFactory(client=firm.acme, hours=Decimal("10"), date=today - timedelta(days=10))
    log(firm.staff_member, firm.acme_task, 120)
    balance = client_balance(firm.acme, today=today)
    chart = burn_down(firm.acme, balance, today=today)
    assert len(chart.days) == 90 and chart.days[-1] == today
    # Nothing before the purchase 10 days ago; 10 h until today's 2 h of work.
    assert chart.remaining_minutes[-12:-10] == [0, 600]
    assert chart.remaining_minutes[-2:] == [600, 480]
    # 2 h in 28 days: 480 min at 120/28 a day runs out in 112 days; the line stops after 90.
    assert balance.runout_date == today + timedelta(days=112)
    assert chart.forecast_minutes[0] == 480 and len(chart.forecast_days) == 91
