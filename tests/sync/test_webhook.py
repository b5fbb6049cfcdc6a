"""POST /webhooks/jira: HMAC-verified, CSRF-exempt, deduplicated, enqueued on commit. Celery
runs in-process here (no REDIS_URL); test_worker.py does the same with a real worker."""

import pytest
from django.test import Client as HttpClient

from sync.mapping import entry_for_worklog
from sync.models import WebhookDelivery
from tests.sync.conftest import WEBHOOK_SECRET, assert_balances_consistent, remaining
from tests.sync.fake_atlassian import sign

pytestmark = pytest.mark.django_db


def post(body: bytes, headers: dict):
    # enforce_csrf_checks: the webhook must not need a CSRF token (Jira has none).
    http = HttpClient(enforce_csrf_checks=True)
    return http.post(
        "/webhooks/jira",
        data=body,
        content_type="application/json",
        headers={k: v for k, v in headers.items() if k != "Content-Type"},
    )


def test_signed_worklog_created_is_accepted_at_once_and_the_fetch_runs_after_commit(
    jira_firm, django_capture_on_commit_callbacks
):
    fake = jira_firm.fake
    wid = fake.add_worklog("10001", seconds=5400)  # no tick: a webhook does not wait for the feed
    before = remaining(jira_firm.acme)
    body, headers = fake.webhook("worklog_created", wid, secret=WEBHOOK_SECRET)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = post(body, headers)
    assert response.status_code == 202 and response.json() == {"status": "queued"}
    assert (
        len(callbacks) == 1 and entry_for_worklog("jira", wid) is None
    )  # nothing before the commit
    assert fake.calls(f"/worklog/{wid}") == 0  # answered without calling Jira

    callbacks[0]()  # the commit: the (eager) Celery task fetches just that worklog

    assert fake.calls(f"/rest/api/3/issue/10001/worklog/{wid}") == 1
    assert entry_for_worklog("jira", wid).duration_minutes == 90
    assert remaining(jira_firm.acme) == before - 90
    assert_balances_consistent()


def test_worklog_updated_and_deleted_events_move_the_balance(
    jira_firm, django_capture_on_commit_callbacks
):
    fake = jira_firm.fake
    wid = fake.add_worklog("10001", seconds=3600)
    before = remaining(jira_firm.acme)
    with django_capture_on_commit_callbacks(execute=True):
        post(*fake.webhook("worklog_created", wid, secret=WEBHOOK_SECRET))
    fake.update_worklog(wid, seconds=7200)
    with django_capture_on_commit_callbacks(execute=True):
        assert post(*fake.webhook("worklog_updated", wid, secret=WEBHOOK_SECRET)).status_code == 202
    assert remaining(jira_firm.acme) == before - 120

    fake.delete_worklog(wid)
    calls = len(fake.requests)
    with django_capture_on_commit_callbacks(execute=True):
        assert post(*fake.webhook("worklog_deleted", wid, secret=WEBHOOK_SECRET)).status_code == 202
    assert entry_for_worklog("jira", wid) is None
    assert len(fake.requests) == calls  # deleted: by id, no fetch
    assert remaining(jira_firm.acme) == before
    assert_balances_consistent()


@pytest.mark.parametrize("signature", [None, "sha256=" + "0" * 64, "sha1=abc", "garbage"])
def test_missing_or_bad_signature_gets_401_and_changes_nothing(
    jira_firm, django_capture_on_commit_callbacks, signature
):
    fake = jira_firm.fake
    wid = fake.add_worklog("10001")
    body, headers = fake.webhook("worklog_created", wid, secret=None)
    if signature:
        headers["X-Hub-Signature"] = signature
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = post(body, headers)
    assert response.status_code == 401
    assert "X-Hub-Signature" in response.json()["detail"]
    assert (
        not callbacks
        and not WebhookDelivery.objects.exists()
        and entry_for_worklog("jira", wid) is None
    )


def test_a_body_signed_with_another_secret_or_tampered_with_is_refused(jira_firm):
    fake = jira_firm.fake
    wid = fake.add_worklog("10001")
    body, headers = fake.webhook("worklog_created", wid, secret="some-other-secret")
    assert post(body, headers).status_code == 401
    body, headers = fake.webhook("worklog_created", wid, secret=WEBHOOK_SECRET)
    assert post(body.replace(b"3600", b"7200"), headers).status_code == 401


def test_no_secret_configured_means_401_for_everything(jira_firm, settings):
    settings.JIRA_WEBHOOK_SECRET = ""
    fake = jira_firm.fake
    body, headers = fake.webhook("worklog_created", fake.add_worklog("10001"), secret="")
    headers["X-Hub-Signature"] = sign(body, "")
    assert post(body, headers).status_code == 401


def test_a_repeated_delivery_has_no_effect(jira_firm, django_capture_on_commit_callbacks):
    fake = jira_firm.fake
    wid = fake.add_worklog("10001")
    body, headers = fake.webhook(
        "worklog_created", wid, secret=WEBHOOK_SECRET, identifier="delivery-1"
    )
    with django_capture_on_commit_callbacks(execute=True) as first:
        assert post(body, headers).status_code == 202
    with django_capture_on_commit_callbacks(execute=True) as retry:
        response = post(body, {**headers, "X-Atlassian-Webhook-Retry": "1"})
    assert response.status_code == 202 and response.json() == {"status": "duplicate"}
    assert len(first) == 1 and not retry
    assert fake.calls(f"/worklog/{wid}") == 1


def test_other_signed_events_are_accepted_and_ignored(
    jira_firm, django_capture_on_commit_callbacks
):
    body = b'{"webhookEvent": "jira:issue_updated", "issue": {"id": "10001"}}'
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = post(
            body,
            {
                "X-Hub-Signature": sign(body, WEBHOOK_SECRET),
                "X-Atlassian-Webhook-Identifier": "x-1",
            },
        )
    assert response.status_code == 202 and response.json() == {"status": "ignored"}
    assert not callbacks


def test_signed_but_unusable_body_gets_400_naming_what_is_missing(jira_firm):
    body = b'{"webhookEvent": "worklog_created", "worklog": {"issueId": "10001"}}'
    response = post(body, {"X-Hub-Signature": sign(body, WEBHOOK_SECRET)})
    assert response.status_code == 400 and "worklog.id" in response.json()["detail"]
    assert not WebhookDelivery.objects.exists()


def test_a_webhook_fetch_names_an_unknown_author_like_a_poll_does(
    jira_firm, django_capture_on_commit_callbacks
):
    fake = jira_firm.fake
    fake.add_user("acc-zoe", "Zoe Park")
    wid = fake.add_worklog("10001", account_id="acc-zoe", display_name="")
    body, headers = fake.webhook("worklog_created", wid, secret=WEBHOOK_SECRET)
    with django_capture_on_commit_callbacks(execute=True):
        assert post(body, headers).status_code == 202

    placeholder = entry_for_worklog("jira", wid).member
    assert placeholder.user.username == "jira-acc-zoe" and not placeholder.user.is_active
    assert placeholder.user.get_full_name() == "Zoe Park"


@pytest.mark.django_db(transaction=True)
def test_broker_down_answers_503_and_forgets_the_delivery_so_jiras_retry_counts(jira_firm):
    """If the job cannot be queued, Jira must retry: a 2xx or a remembered delivery id would
    lose the event until the next poll."""
    from config.celery import app as celery_app

    fake = jira_firm.fake
    wid = fake.add_worklog("10001")
    body, headers = fake.webhook(
        "worklog_created", wid, secret=WEBHOOK_SECRET, identifier="delivery-broker-down"
    )
    conf = celery_app.conf
    saved = {name: conf[name] for name in ("task_always_eager", "broker_url")}
    # A closed port on loopback: publishing fails at once, as with Redis stopped.
    conf.update(task_always_eager=False, broker_url="redis://127.0.0.1:1/0")
    celery_app.__dict__.pop("amqp", None)
    celery_app._pool = None
    try:
        response = post(body, headers)
    finally:
        conf.update(saved)
        celery_app.__dict__.pop("amqp", None)
        celery_app._pool = None
    assert response.status_code == 503
    assert "retry" in response.json()["detail"]
    assert not WebhookDelivery.objects.filter(identifier="delivery-broker-down").exists()

    # Jira's retry, with the broker back (tasks in-process here), is applied, not a duplicate.
    response = post(body, {**headers, "X-Atlassian-Webhook-Retry": "1"})
    assert response.status_code == 202 and response.json() == {"status": "queued"}
    assert entry_for_worklog("jira", wid) is not None
    assert_balances_consistent()
