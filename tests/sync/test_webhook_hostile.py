"""POST /webhooks/jira under hostile input (issue 11 item 4): any unusable signature is a 401,
any signed body Hourbank cannot use is a 400 with a JSON `detail`, both before the database is
touched; never a 500."""

import hashlib
import hmac
import json

import pytest
from django.test import Client as HttpClient

from sync.models import WebhookDelivery
from tests.sync.conftest import WEBHOOK_SECRET
from tests.sync.fake_atlassian import sign

pytestmark = pytest.mark.django_db

GOOD = {"webhookEvent": "worklog_created", "worklog": {"id": "31003", "issueId": "10001"}}
GOOD_BODY = json.dumps(GOOD).encode()
GOOD_DIGEST = hmac.new(WEBHOOK_SECRET.encode(), GOOD_BODY, hashlib.sha256).hexdigest()
DEEP = 100_000


def nested_lists(depth: int) -> list:
    value: list = []
    for _ in range(depth - 1):
        value = [value]
    return value


def post(body: bytes, headers: dict):
    return HttpClient(enforce_csrf_checks=True).post(
        "/webhooks/jira", data=body, content_type="application/json", headers=headers
    )


def worklog_event(**worklog) -> bytes:
    return json.dumps({"webhookEvent": "worklog_created", "worklog": worklog}).encode()


@pytest.fixture
def webhook_settings(settings):
    settings.WORKLOG_SOURCE = "jira"
    settings.JIRA_WEBHOOK_SECRET = WEBHOOK_SECRET
    return settings


@pytest.mark.parametrize(
    "signature",
    [
        pytest.param(None, id="missing"),
        pytest.param("", id="empty"),
        pytest.param("sha256=", id="no-digest"),
        pytest.param("sha256=" + "zz" * 32, id="non-hex"),
        pytest.param("sha256=" + GOOD_DIGEST[:-1], id="short-digest"),
        pytest.param("sha256=" + GOOD_DIGEST + "00", id="long-digest"),
        pytest.param("sha256=é" + GOOD_DIGEST[1:], id="non-ascii"),
        pytest.param("sha256=" + "ü" * 64, id="all-non-ascii"),
        pytest.param("sha256=" + GOOD_DIGEST + "ü", id="valid-digest-then-non-ascii"),
        pytest.param("sha256=" + "0" * 64, id="wrong-digest"),
        pytest.param("sha1=" + GOOD_DIGEST[:40], id="other-algorithm"),
        pytest.param(GOOD_DIGEST, id="no-prefix"),
        pytest.param("sha256=" + GOOD_DIGEST.replace("a", "\x00"), id="nul"),
    ],
)
def test_any_unusable_signature_is_a_401_before_the_database(
    webhook_settings, django_assert_num_queries, signature
):
    headers = {} if signature is None else {"X-Hub-Signature": signature}
    with django_assert_num_queries(0):
        response = post(GOOD_BODY, headers)
    assert response.status_code == 401
    assert "X-Hub-Signature" in response.json()["detail"]


def test_the_correct_digest_in_upper_case_is_accepted(
    webhook_settings, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        response = post(GOOD_BODY, {"X-Hub-Signature": "sha256=" + GOOD_DIGEST.upper()})
    assert response.status_code == 202


HOSTILE_BODIES = [
    # (id, body, words the detail must contain)
    ("not-json", b"not json at all", "not JSON"),
    ("not-utf8", b'{"webhookEvent": "\xff\xfe"}', "not JSON"),
    ("empty", b"", "not JSON"),
    ("raw-nul-byte", b'{"webhookEvent": "worklog_created\x00"}', "not JSON"),
    ("array", b"[]", "JSON object"),
    ("string", b'"worklog_created"', "JSON object"),
    ("number", b"1", "JSON object"),
    ("null", b"null", "JSON object"),
    ("deep-array", b"[" * DEEP + b"]" * DEEP, "nested"),
    (
        "deep-inside-worklog",
        b'{"webhookEvent": "worklog_created", "worklog": {"id": "1", "issueId": "2", "x": '
        + b"[" * DEEP
        + b"]" * DEEP
        + b"}}",
        "nested",
    ),
    ("deep-objects", b'{"a":' * DEEP + b"1" + b"}" * DEEP, "nested"),
    # Deep enough to refuse, shallow enough for Python's parser: refused by depth, not by luck.
    ("deeper-than-jira", json.dumps({**GOOD, "x": nested_lists(100)}).encode(), "nested"),
    (
        "nul-in-event",
        json.dumps({**GOOD, "webhookEvent": "worklog_created\u0000"}).encode(),
        "NUL",
    ),
    ("nul-in-id", worklog_event(id="31003\u0000", issueId="10001"), "NUL"),
    ("nul-in-key", json.dumps({**GOOD, "user\u0000": {}}).encode(), "NUL"),
    (
        "nul-deep-in-extra-field",
        json.dumps({**GOOD, "issue": {"fields": {"summary": ["ok", "a\u0000b"]}}}).encode(),
        "NUL",
    ),
    (
        "nul-in-ignored-event",
        json.dumps({"webhookEvent": "jira:issue_updated\u0000"}).encode(),
        "NUL",
    ),
    ("lone-surrogate", b'{"webhookEvent": "worklog_created\\ud800", "worklog": {}}', "surrogate"),
    ("object-without-event", b"{}", "webhookEvent"),
    ("event-not-text", json.dumps({**GOOD, "webhookEvent": 5}).encode(), "webhookEvent"),
    ("event-null", json.dumps({**GOOD, "webhookEvent": None}).encode(), "webhookEvent"),
    ("worklog-not-object", json.dumps({**GOOD, "worklog": "31003"}).encode(), "worklog"),
    ("worklog-array", json.dumps({**GOOD, "worklog": []}).encode(), "worklog"),
    ("worklog-missing", json.dumps({"webhookEvent": "worklog_updated"}).encode(), "worklog.id"),
    ("id-true", worklog_event(id=True, issueId="10001"), "worklog.id"),
    ("id-float", worklog_event(id=1.5, issueId="10001"), "worklog.id"),
    ("id-object", worklog_event(id={"id": "1"}, issueId="10001"), "worklog.id"),
    ("id-text", worklog_event(id="abc", issueId="10001"), "worklog.id"),
    ("id-negative", worklog_event(id=-5, issueId="10001"), "worklog.id"),
    ("id-fullwidth-digits", worklog_event(id="３１００３", issueId="10001"), "worklog.id"),
    ("id-missing", worklog_event(issueId="10001"), "worklog.id"),
    ("issue-id-missing", worklog_event(id="31003"), "worklog.issueId"),
    ("issue-id-false", worklog_event(id="31003", issueId=False), "worklog.issueId"),
    ("issue-id-null", worklog_event(id="31003", issueId=None), "worklog.issueId"),
    (
        "deleted-id-true",
        json.dumps({"webhookEvent": "worklog_deleted", "worklog": {"id": True}}).encode(),
        "worklog.id",
    ),
    ("started-not-text", worklog_event(id="31003", issueId="10001", started=5), "worklog.started"),
]


@pytest.mark.parametrize(
    ("body", "words"),
    [pytest.param(body, words, id=name) for name, body, words in HOSTILE_BODIES],
)
def test_a_signed_body_it_cannot_use_is_a_400_with_a_json_detail_before_the_database(
    webhook_settings, django_assert_num_queries, django_capture_on_commit_callbacks, body, words
):
    with django_assert_num_queries(0), django_capture_on_commit_callbacks() as callbacks:
        response = post(body, {"X-Hub-Signature": sign(body, WEBHOOK_SECRET)})
    assert response.status_code == 400, response.content[:300]
    assert response["Content-Type"] == "application/json"
    detail = response.json()["detail"]
    assert isinstance(detail, str) and words in detail
    assert "webhookEvent" in detail  # every refusal shows an accepted body
    assert not callbacks and not WebhookDelivery.objects.exists()


def test_a_field_error_also_names_the_field_in_errors(webhook_settings):
    body = worklog_event(id=True, issueId="10001")
    response = post(body, {"X-Hub-Signature": sign(body, WEBHOOK_SECRET)})
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["worklog.id"]


def test_tempo_firms_need_the_worklogs_start_before_the_database(
    webhook_settings, django_assert_num_queries
):
    webhook_settings.WORKLOG_SOURCE = "tempo"
    body = worklog_event(id="31003", issueId="10001", started="yesterday")
    with django_assert_num_queries(0):
        response = post(body, {"X-Hub-Signature": sign(body, WEBHOOK_SECRET)})
    assert response.status_code == 400 and "worklog.started" in response.json()["detail"]


@pytest.mark.parametrize("identifier", ["delivery\x00one", "delivery\udc80", "line\nbreak"])
def test_an_unstorable_delivery_identifier_is_a_400_before_the_database(
    webhook_settings, django_assert_num_queries, identifier
):
    with django_assert_num_queries(0):
        response = post(
            GOOD_BODY,
            {
                "X-Hub-Signature": "sha256=" + GOOD_DIGEST,
                "X-Atlassian-Webhook-Identifier": identifier,
            },
        )
    assert response.status_code == 400
    assert "X-Atlassian-Webhook-Identifier" in response.json()["detail"]
    assert not WebhookDelivery.objects.exists()


@pytest.mark.parametrize(
    "event",
    [
        {"webhookEvent": "jira:issue_updated", "issue": {"id": "10001"}},
        {"webhookEvent": "comment_created", "worklog": {"id": "abc"}},
        {"webhookEvent": "worklog_deleted", "worklog": {"id": 31003}},
    ],
)
def test_usable_variants_are_still_accepted(
    webhook_settings, django_capture_on_commit_callbacks, event
):
    body = json.dumps(event).encode()
    with django_capture_on_commit_callbacks(execute=False):
        response = post(body, {"X-Hub-Signature": sign(body, WEBHOOK_SECRET)})
    assert response.status_code == 202
    assert response.json()["status"] in ("queued", "ignored")
    delivery = WebhookDelivery.objects.get()
    assert delivery.event == event["webhookEvent"]
    assert delivery.worklog_id == ("31003" if event["webhookEvent"] == "worklog_deleted" else "")
