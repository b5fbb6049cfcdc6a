"""Real parallel requests against a live server on PostgreSQL (issue 11): threads of `requests`
calls with bearer tokens (API) or session cookies with a CSRF token (pages)."""

import io
import json
import secrets
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from django.conf import settings
from django.core.management import call_command
from django.db.models import Sum
from django.test import Client as HttpClient

from clients.models import Client
from clients.services import create_api_token
from timetracking.balances import balance_of
from timetracking.models import BillingAdjustment, EntryChange, TimeEntry

TIMEOUT = 30


class Caller:
    """One user's way into the live server: an API token and a logged-in session."""

    def __init__(self, base_url: str, user):
        self.base_url = base_url
        _, self.token = create_api_token(user=user, name="concurrency")
        browser = HttpClient()
        browser.force_login(user, backend="clients.backends.ProfileModelBackend")
        self.csrf = secrets.token_hex(16)  # 32 characters: a valid unmasked CSRF secret
        self.cookies = {
            settings.SESSION_COOKIE_NAME: browser.cookies[settings.SESSION_COOKIE_NAME].value,
            settings.CSRF_COOKIE_NAME: self.csrf,
        }

    def api(self, method: str, path: str, body=None) -> requests.Response:
        return requests.request(
            method,
            f"{self.base_url}/api/v1{path}",
            json=body,
            headers={"Authorization": f"Bearer {self.token}"},
            timeout=TIMEOUT,
        )

    def page_post(self, path: str, data: dict, *, htmx: bool = False) -> requests.Response:
        """A form post as the page sends it; `htmx` adds the header htmx requests carry."""
        headers = {"X-CSRFToken": self.csrf, "Referer": f"{self.base_url}{path}"}
        if htmx:
            headers["HX-Request"] = "true"
        return requests.post(
            f"{self.base_url}{path}",
            data=data,
            cookies=self.cookies,
            headers=headers,
            timeout=TIMEOUT,
            allow_redirects=False,
        )


def in_parallel(calls) -> list[requests.Response]:
    """Run every zero-argument call at once; their responses in call order."""
    calls = list(calls)
    with ThreadPoolExecutor(max_workers=min(len(calls), 10)) as pool:
        return list(pool.map(lambda call: call(), calls))


def assert_no_server_errors(responses) -> None:
    failures = [(r.request.method, r.url, r.status_code, r.text[:300]) for r in responses]
    assert all(r.status_code < 500 for r in responses), [f for f in failures if f[2] >= 500]


def assert_books_balance() -> None:
    """Per client: the shown balance's consumed minutes = Σ entries' billable minutes + Σ
    adjustments = Σ history deltas + Σ adjustments, and `check_balances` finds no drift."""
    for client in Client.objects.all():
        entries = (
            TimeEntry.objects.filter(task__project__client=client).aggregate(
                total=Sum("billable_minutes")
            )["total"]
            or 0
        )
        adjustments = (
            BillingAdjustment.objects.filter(client=client).aggregate(total=Sum("minutes"))["total"]
            or 0
        )
        history = (
            EntryChange.objects.filter(client=client).aggregate(total=Sum("minutes_delta"))["total"]
            or 0
        )
        assert balance_of(client).consumed_minutes == entries + adjustments, client.code
        assert history == entries, f"{client.code}: history {history} != entries {entries}"
    assert check_balances() == {
        "clients": Client.objects.count(),
        "drift": [],
        "entry_drift": [],
    }


def check_balances() -> dict:
    out = io.StringIO()
    call_command("check_balances", "--json", stdout=out)
    return json.loads(out.getvalue())


@pytest.fixture
def callers(live_server, firm):
    """Logged-in callers for the firm's staff member and manager."""
    return {
        "staff": Caller(live_server.url, firm.staff),
        "manager": Caller(live_server.url, firm.manager),
    }
