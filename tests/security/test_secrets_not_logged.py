"""Secrets never reach the logs: a session of logins (failed and good), API calls with a bearer
token (good and revoked), signed and forged webhooks and a Jira sync with its API token runs with
every logger at DEBUG (SQL included), and no captured line contains a password, a token, the
secret key or the webhook secret."""

import base64
import json
import logging

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client as HttpClient

from clients.services import create_api_token
from sync.feeds.jira import run_jira_sync
from tests.factories import PASSWORD
from tests.sync.conftest import WEBHOOK_SECRET, client_for
from tests.sync.fake_atlassian import sign

pytestmark = pytest.mark.django_db(transaction=False)


class CapturingHandler(logging.Handler):
    def __init__(self):
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        text = record.getMessage()
        if record.exc_info:
            text += "\n" + logging.Formatter().formatException(record.exc_info)
        self.lines.append(f"{record.name} {record.levelname} {text} {record.__dict__!r}")


@pytest.fixture
def every_log_line():
    """Every logger, at DEBUG, into one handler; the SQL log too."""
    handler = CapturingHandler()
    loggers = [logging.getLogger()] + [
        logging.getLogger(name) for name in list(logging.root.manager.loggerDict)
    ]
    saved = [(logger, logger.level) for logger in loggers]
    for logger in loggers:
        logger.addHandler(handler)
        logger.setLevel(logging.DEBUG)
    connection.force_debug_cursor = True
    try:
        yield handler.lines
    finally:
        connection.force_debug_cursor = False
        for logger, level in saved:
            logger.removeHandler(handler)
            logger.setLevel(level)


def test_a_full_session_logs_no_secret(
    jira_firm, every_log_line, django_capture_on_commit_callbacks
):
    firm = jira_firm
    fake = firm.fake

    # Logins: wrong password, then the right one, through the real form (axes sees both).
    browser = HttpClient()
    assert (
        browser.post("/login/", {"username": "staff", "password": PASSWORD + "-wrong"}).status_code
        == 200
    )
    assert browser.post("/login/", {"username": "staff", "password": PASSWORD}).status_code == 302
    assert browser.get("/my-work/").status_code == 200

    # API with a bearer token, then with the token revoked, then a made-up one.
    token, raw_token = create_api_token(user=firm.manager, name="bi tool")
    bearer = {"Authorization": f"Bearer {raw_token}"}
    api = HttpClient()
    assert api.get("/api/v1/clients", headers=bearer).status_code == 200
    created = api.post(
        "/api/v1/time-entries",
        json.dumps({"task_id": firm.acme_task.pk, "date": "2026-03-02", "duration": "1h",
                    "description": "Logged through the API", "member": "staff"}),
        content_type="application/json",
        headers=bearer,
    )  # fmt: skip
    assert created.status_code == 201, created.content
    token.revoked_at = token.created_at
    token.save()
    assert api.get("/api/v1/clients", headers=bearer).status_code == 401

    # Webhooks: one signed with the secret, one forged.
    worklog_id = fake.add_worklog("10001", seconds=1800)
    body, headers = fake.webhook("worklog_created", worklog_id, secret=WEBHOOK_SECRET)
    with django_capture_on_commit_callbacks(execute=True):
        signed = HttpClient().post(
            "/webhooks/jira", data=body, content_type="application/json", headers=headers
        )
    assert signed.status_code in (200, 202), signed.content
    forged = HttpClient().post(
        "/webhooks/jira", data=body, content_type="application/json",
        headers={**headers, "X-Hub-Signature": sign(body, "not-the-secret")},
    )  # fmt: skip
    assert forged.status_code == 401

    # A Jira sync with the API token (basic auth).
    run_jira_sync(client=client_for(fake))
    browser.post("/logout/")

    assert every_log_line, "nothing was logged: the capture is broken"
    log = "\n".join(every_log_line)
    basic = base64.b64encode(f"{fake.email}:{fake.token}".encode()).decode()
    secrets = {
        "password": PASSWORD,
        "API token": raw_token,
        "SECRET_KEY": settings.SECRET_KEY,
        "webhook secret": WEBHOOK_SECRET,
        "Jira API token": fake.token,
        "Jira basic auth": basic,
    }
    leaked = {name: value for name, value in secrets.items() if value in log}
    assert not leaked, f"secrets in the logs: {sorted(leaked)}"
    # The capture really saw the session: the requests and the SQL are in it.
    assert "/api/v1/clients" in log or "api" in log.lower()
    assert "SELECT" in log
