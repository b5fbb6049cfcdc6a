"""The webhook with a real Celery worker on the real Redis broker: a signed POST to the app
moves the client's balance within seconds (how fast belongs to the benchmarks)."""

import time

import pytest
from django.test import Client as HttpClient

from tests.sync.conftest import WEBHOOK_SECRET, assert_balances_consistent, remaining

DEADLINE_SECONDS = 30

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def wait_for_balance(client, expected, worker):
    deadline = time.monotonic() + DEADLINE_SECONDS
    while time.monotonic() < deadline:
        current = remaining(client)
        if current == expected:
            return
        if worker.poll() is not None:
            pytest.fail(f"Celery worker exited early:\n{worker.log_path.read_text()}")
        time.sleep(0.2)
    pytest.fail(
        f"{client.code} still has {current} minutes left, expected {expected}, after {DEADLINE_SECONDS} s; "
        f"worker log:\n{worker.log_path.read_text()}"
    )


def test_signed_webhooks_move_the_balance_through_a_real_worker(
    jira_firm, tasks_on_broker, sync_worker
):
    fake = jira_firm.fake
    http = HttpClient()
    start = remaining(jira_firm.acme)
    wid = fake.add_worklog("10001", seconds=2 * 3600)

    response = http.post("/webhooks/jira", **_signed(fake, "worklog_created", wid))
    assert response.status_code == 202 and response.json() == {"status": "queued"}
    wait_for_balance(jira_firm.acme, start - 120, sync_worker)

    fake.delete_worklog(wid)
    assert http.post("/webhooks/jira", **_signed(fake, "worklog_deleted", wid)).status_code == 202
    wait_for_balance(jira_firm.acme, start, sync_worker)
    assert_balances_consistent()
    # It was the worker process, not an in-process (eager) call, that did the work.
    log = sync_worker.log_path.read_text()
    assert (
        "Task sync.tasks.fetch_jira_worklog[" in log
        and "Task sync.tasks.delete_jira_worklog[" in log
    )
    assert log.count("succeeded in") >= 2


def _signed(fake, event, worklog_id):
    body, headers = fake.webhook(event, worklog_id, secret=WEBHOOK_SECRET)
    return {
        "data": body,
        "content_type": "application/json",
        "headers": {k: v for k, v in headers.items() if k != "Content-Type"},
    }
