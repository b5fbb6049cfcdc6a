"""Low/negative balance alerts delivered through a real SMTP server (PRODUCT §4): one email
per crossing, across repeated syncs and parallel checks; again after a top-up; none while the
balance hovers below the threshold."""

import threading
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection

from clients.services import add_purchase
from tests.factories import PurchaseFactory
from tests.portal.conftest import log
from tests.sync.conftest import sync
from timetracking.alerts import check_balance_alerts
from timetracking.models import BalanceAlertState


def alert_ready(firm, *, hours=Decimal("10"), threshold=Decimal("2")):
    firm.acme.low_balance_hours = threshold
    firm.acme.owner = firm.manager
    firm.acme.alert_contacts = ["it@acme.example"]
    firm.acme.alert_clients_enabled = True
    firm.acme.save()
    firm.manager.email = "manager@firm.example"
    firm.manager.save()
    return firm


def test_crossings_send_one_email_each_to_owner_and_contacts(
    firm, smtp_inbox, django_capture_on_commit_callbacks
):
    alert_ready(firm)
    with django_capture_on_commit_callbacks(execute=True):
        PurchaseFactory(client=firm.acme, hours=Decimal("10"))
    assert smtp_inbox.messages == []

    with django_capture_on_commit_callbacks(execute=True):
        log(firm.staff_member, firm.acme_task, 8 * 60 + 30)  # 1.5 h left: below 2 h
    assert smtp_inbox.subjects() == ["Acme Ltd: hour bank below 2.00 h"]
    recipients, message = smtp_inbox.messages[0]
    assert sorted(recipients) == ["it@acme.example", "manager@firm.example"]
    parts = {part.get_content_type() for part in message.walk()}
    assert {"text/plain", "text/html"} <= parts
    assert "1.50 h" in message.get_body(("plain",)).get_content()

    # Hovering below the threshold: more use and repeated checks send nothing new.
    for _ in range(3):
        with django_capture_on_commit_callbacks(execute=True):
            log(firm.staff_member, firm.acme_task, 15)
        check_balance_alerts(firm.acme.pk)
    assert len(smtp_inbox.messages) == 1

    with django_capture_on_commit_callbacks(execute=True):
        log(firm.staff_member, firm.acme_task, 60)  # below zero now
    assert smtp_inbox.subjects()[1:] == ["Acme Ltd: hour bank is negative"]
    check_balance_alerts(firm.acme.pk)
    assert len(smtp_inbox.messages) == 2

    # A top-up back above the threshold re-arms; new use alerts again.
    with django_capture_on_commit_callbacks(execute=True):
        add_purchase(client=firm.acme, hours="10", on_date=date(2026, 3, 1))
    assert len(smtp_inbox.messages) == 2
    state = BalanceAlertState.objects.get(client=firm.acme)
    assert (state.low_armed, state.negative_armed) == (True, True)
    with django_capture_on_commit_callbacks(execute=True):
        log(firm.staff_member, firm.acme_task, 9 * 60)
    assert smtp_inbox.subjects()[2:] == ["Acme Ltd: hour bank below 2.00 h"]


@pytest.mark.django_db(transaction=True)
def test_contacts_are_left_out_unless_enabled(firm, smtp_inbox):
    alert_ready(firm)
    firm.acme.alert_clients_enabled = False
    firm.acme.save()
    PurchaseFactory(client=firm.acme, hours=Decimal("10"))
    log(firm.staff_member, firm.acme_task, 9 * 60)
    assert [recipients for recipients, _ in smtp_inbox.messages] == [["manager@firm.example"]]


@pytest.mark.django_db(transaction=True)
def test_repeated_syncs_send_one_email_per_crossing(jira_firm, smtp_inbox):
    firm = alert_ready(jira_firm, threshold=Decimal("5"))  # jira_firm bought 40 h
    firm.fake.add_worklog("10001", seconds=36 * 3600)
    for _ in range(3):
        sync(firm.fake)
        firm.fake.tick()
    assert smtp_inbox.subjects() == ["Acme Ltd: hour bank below 5.00 h"]


@pytest.mark.django_db(transaction=True)
def test_parallel_checks_send_once(firm, smtp_inbox):
    alert_ready(firm)
    PurchaseFactory(client=firm.acme, hours=Decimal("1"))
    log(firm.staff_member, firm.acme_task, 30)  # 0.5 h left, below 2 h
    smtp_inbox.messages.clear()  # the writes above already checked once on commit
    BalanceAlertState.objects.filter(client=firm.acme).update(low_armed=True, negative_armed=True)
    barrier = threading.Barrier(4)
    sent = []

    def check():
        try:
            barrier.wait()
            sent.append(check_balance_alerts(firm.acme.pk))
        finally:
            connection.close()

    threads = [threading.Thread(target=check) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert (sent.count("low"), sent.count(None)) == (1, 3)
    assert len(smtp_inbox.messages) == 1


@pytest.mark.django_db(transaction=True)
def test_parallel_writes_crossing_together_send_once(firm, smtp_inbox):
    alert_ready(firm)
    PurchaseFactory(client=firm.acme, hours=Decimal("4"))
    assert smtp_inbox.messages == []
    barrier = threading.Barrier(4)
    errors = []

    def write():
        try:
            barrier.wait()
            log(firm.staff_member, firm.acme_task, 45)  # 4 × 45 min: from 4 h down to 1 h
        except Exception as error:  # surfaced below: a thread's failure must fail the test
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=write) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert smtp_inbox.subjects() == ["Acme Ltd: hour bank below 2.00 h"]


def test_the_sweep_sends_a_crossing_whose_check_never_ran_and_rearms_after_a_top_up(
    firm, smtp_inbox
):
    """Without on-commit callbacks (as when Redis was down at commit) no check runs; the
    periodic sweep finds the client whose alert state disagrees with its balance."""
    from timetracking.alerts import clients_with_pending_alert_check
    from timetracking.tasks import enqueue_pending_alert_checks

    alert_ready(firm)
    firm.globex.low_balance_hours = Decimal("2")
    firm.globex.save()
    PurchaseFactory(client=firm.acme, hours=Decimal("10"))
    PurchaseFactory(client=firm.globex, hours=Decimal("10"))
    assert clients_with_pending_alert_check() == []

    log(firm.staff_member, firm.acme_task, 8 * 60 + 30)  # 1.5 h left; the check is lost
    assert smtp_inbox.messages == []
    assert clients_with_pending_alert_check() == [firm.acme.pk]

    assert enqueue_pending_alert_checks() == 1
    assert smtp_inbox.subjects() == ["Acme Ltd: hour bank below 2.00 h"]
    assert clients_with_pending_alert_check() == []
    assert enqueue_pending_alert_checks() == 0

    log(firm.staff_member, firm.acme_task, 15)  # hovering below: nothing pending
    assert clients_with_pending_alert_check() == []

    add_purchase(client=firm.acme, hours="10", on_date=date(2026, 3, 1))  # back above
    assert clients_with_pending_alert_check() == [firm.acme.pk]
    enqueue_pending_alert_checks()
    state = BalanceAlertState.objects.get(client=firm.acme)
    assert (state.low_armed, state.negative_armed) == (True, True)
    assert len(smtp_inbox.messages) == 1


def test_the_pending_alert_scan_costs_two_queries_whatever_the_number_of_clients(
    firm, django_assert_num_queries
):
    from timetracking.alerts import clients_with_pending_alert_check

    for client in (firm.acme, firm.globex):
        PurchaseFactory(client=client, hours=Decimal("10"))
    with django_assert_num_queries(2):
        clients_with_pending_alert_check()
