"""API test helpers: bearer-token clients per user and entries built through the services."""

import json

import pytest
from django.test import Client as HttpClient

from clients.services import create_api_token
from tests.factories import invoice_and_lock

BASE = "/api/v1"


class ApiClient:
    """A Django test client that sends `Authorization: Bearer <token>` and JSON bodies."""

    def __init__(self, user=None, raw_token=None):
        self.http = HttpClient()
        self.user = user
        self.raw_token = raw_token
        if user is not None and raw_token is None:
            self.token, self.raw_token = create_api_token(user=user, name="tests")

    def _headers(self):
        return {"Authorization": f"Bearer {self.raw_token}"} if self.raw_token else {}

    def get(self, path, params=None):
        return self.http.get(BASE + path, params or {}, headers=self._headers())

    def post(self, path, body):
        return self.http.post(
            BASE + path, json.dumps(body), content_type="application/json", headers=self._headers()
        )

    def patch(self, path, body):
        return self.http.patch(
            BASE + path, json.dumps(body), content_type="application/json", headers=self._headers()
        )

    def delete(self, path):
        return self.http.delete(BASE + path, headers=self._headers())


@pytest.fixture
def lock_on_invoice(firm):
    """lock_on_invoice(entry) → the entry on an approved invoice (locked), as billing does it."""

    def lock(entry, *, locked=True):
        invoice_and_lock(
            entry.task.project.client,
            [entry],
            number=f"TEST-{entry.pk}",
            status="approved" if locked else "draft",
        )
        entry.refresh_from_db()
        return entry

    return lock
