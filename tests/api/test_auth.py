"""Authentication and roles of /api/v1/: bearer tokens, sessions with CSRF, 401/403 shapes."""

import json

import pytest
from django.test import Client as HttpClient
from django.utils import timezone

from clients.models import ApiToken
from clients.services import create_api_token
from tests.api.conftest import ApiClient


def test_missing_token_is_401_with_detail_naming_how_to_authenticate(firm):
    response = ApiClient().get("/clients")
    assert response.status_code == 401
    assert "Authorization: Bearer" in response.json()["detail"]
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("header", ["Bearer nope", "Bearer ", "Basic dXNlcjpwYXNz", "Token abc"])
def test_bad_or_unsupported_authorization_is_401(firm, header):
    response = HttpClient().get("/api/v1/clients", headers={"Authorization": header})
    assert response.status_code == 401
    assert set(response.json()) == {"detail"}


def test_a_bad_token_is_not_rescued_by_a_session(firm, as_user):
    browser = as_user(firm.staff)
    response = browser.get("/api/v1/clients", headers={"Authorization": "Bearer wrong"})
    assert response.status_code == 401


def test_token_records_when_it_was_last_used(firm):
    client = ApiClient(firm.staff)
    assert client.token.last_used_at is None
    assert client.get("/clients").status_code == 200
    client.token.refresh_from_db()
    assert client.token.last_used_at is not None
    assert (timezone.now() - client.token.last_used_at).total_seconds() < 60


def test_tokens_are_stored_hashed(firm):
    token, raw = create_api_token(user=firm.staff)
    stored = ApiToken.objects.get(pk=token.pk)
    assert raw not in (stored.key_hash, stored.prefix)
    assert len(stored.key_hash) == 64


def test_revoked_token_is_401(firm):
    client = ApiClient(firm.staff)
    assert client.get("/clients").status_code == 200
    ApiToken.objects.filter(pk=client.token.pk).update(revoked_at=timezone.now())
    response = client.get("/clients")
    assert response.status_code == 401
    assert "revoked" in response.json()["detail"]


def test_token_of_an_inactive_user_is_401(firm):
    client = ApiClient(firm.staff)
    firm.staff.is_active = False
    firm.staff.save()
    assert client.get("/clients").status_code == 401


def test_user_without_a_role_gets_403_everywhere(firm):
    client = ApiClient(firm.outsider)
    for path in ["/clients", f"/clients/{firm.acme.pk}", "/projects", "/tasks", "/time-entries"]:
        response = client.get(path)
        assert response.status_code == 403, path
        assert "role" in response.json()["detail"]


@pytest.mark.parametrize(
    "method, path",
    [
        ("get", "/projects"),
        ("get", "/tasks"),
        ("get", "/time-entries"),
        ("get", "/time-entries/1"),
        ("get", "/clients/{acme}/unbilled-time"),
        ("post", "/time-entries"),
        ("patch", "/time-entries/1"),
        ("delete", "/time-entries/1"),
    ],
)
def test_client_users_get_403_outside_their_endpoints(firm, method, path):
    client = ApiClient(firm.acme_user)
    path = path.format(acme=firm.acme.pk)
    response = (
        getattr(client, method)(path, {"junk": True})
        if method in ("post", "patch")
        else getattr(client, method)(path)
    )
    # The role is checked before the input: even a bad body gets 403, not 400.
    assert response.status_code == 403
    assert "Client users may only read" in response.json()["detail"]


# --- Sessions --------------------------------------------------------------------------------


def _entry_body(firm):
    return {"task_id": firm.acme_task.pk, "date": "2026-03-02", "duration": "1h"}


def test_session_login_reads_without_a_token(firm, as_user):
    response = as_user(firm.staff).get("/api/v1/clients")
    assert response.status_code == 200
    assert response.json()["count"] == 3


def test_session_write_without_csrf_token_is_403_and_writes_nothing(firm):
    browser = HttpClient(enforce_csrf_checks=True)
    browser.force_login(firm.staff, backend="clients.backends.ProfileModelBackend")
    response = browser.post(
        "/api/v1/time-entries", json.dumps(_entry_body(firm)), content_type="application/json"
    )
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    assert not firm.staff_member.entries.exists()


def test_session_write_with_csrf_token_works(firm):
    browser = HttpClient(enforce_csrf_checks=True)
    browser.force_login(firm.staff, backend="clients.backends.ProfileModelBackend")
    browser.get("/api/v1/docs")  # sets the csrftoken cookie, as every page with a form does
    token = browser.cookies["csrftoken"].value
    response = browser.post(
        "/api/v1/time-entries",
        json.dumps(_entry_body(firm)),
        content_type="application/json",
        headers={"X-CSRFToken": token},
    )
    assert response.status_code == 201, response.content
    assert response.json()["member"] == "staff"


def test_bearer_writes_need_no_csrf_token(firm):
    client = ApiClient(firm.staff)
    client.http = HttpClient(enforce_csrf_checks=True)
    assert client.post("/time-entries", _entry_body(firm)).status_code == 201


def test_anonymous_write_is_401_not_a_csrf_403(firm):
    response = HttpClient(enforce_csrf_checks=True).post(
        "/api/v1/time-entries", json.dumps(_entry_body(firm)), content_type="application/json"
    )
    assert response.status_code == 401


# --- Schema and docs -------------------------------------------------------------------------


def test_openapi_schema_is_public_and_lists_the_contract(db):
    response = HttpClient().get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["info"]["title"] == "Hourbank API"
    assert {
        "/api/v1/clients",
        "/api/v1/clients/{id}",
        "/api/v1/clients/{id}/hours",
        "/api/v1/clients/{id}/unbilled-time",
        "/api/v1/projects",
        "/api/v1/tasks",
        "/api/v1/time-entries",
        "/api/v1/time-entries/{id}",
    } <= set(schema["paths"])
    assert set(schema["paths"]["/api/v1/time-entries/{id}"]) == {"get", "patch", "delete"}
    schemes = schema["components"]["securitySchemes"]
    assert {"type": "http", "scheme": "bearer"} in schemes.values()
    # No 422 anywhere: validation errors are 400.
    for operations in schema["paths"].values():
        for operation in operations.values():
            assert "422" not in operation["responses"]


def test_docs_page_loads_its_scripts_from_our_own_static_files(db):
    from django.contrib.staticfiles import finders

    response = HttpClient().get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    # Under script-src 'self' only same-origin files run: no CDN, no inline code.
    assert 'src="/static/ninja/swagger-ui-bundle.js"' in html
    assert "cdn" not in html.lower()
    assert finders.find("ninja/swagger-ui-bundle.js") and finders.find("ninja/swagger-ui-init.js")
