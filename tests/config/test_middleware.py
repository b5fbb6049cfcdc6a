"""Errors under /api/v1/ that Django or ninja answer before the API's handlers are JSON too."""

import datetime
import json

import pytest
from django.conf import settings as django_settings
from django.http import HttpResponse
from django.test import Client as HttpClient
from django.test import RequestFactory

from clients.services import create_api_token
from config.middleware import ApiJsonErrorsMiddleware
from timetracking.models import TimeEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def bearer(firm):
    _, raw = create_api_token(user=firm.staff, name="tests")
    return {"Authorization": f"Bearer {raw}"}


def test_a_method_an_endpoint_lacks_is_405_with_detail_and_allow(client, bearer):
    response = client.put(
        "/api/v1/time-entries/1", "{}", content_type="application/json", headers=bearer
    )

    assert response.status_code == 405
    assert response["Content-Type"] == "application/json"
    assert set(response["Allow"].replace(" ", "").split(",")) == {"GET", "PATCH", "DELETE"}
    assert response.json() == {
        "detail": f"Method PUT is not allowed on /api/v1/time-entries/1; use {response['Allow']}."
    }


@pytest.mark.parametrize("path", ["/api/v1/nope", "/api/v1/clients/", "/api/v1/"])
def test_a_path_no_endpoint_has_is_404_with_detail(client, bearer, path):
    response = client.get(path, headers=bearer)

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["detail"].startswith(f"Not found: {path} is not an API path")


def test_api_404s_of_the_endpoints_keep_their_own_detail(client, bearer):
    response = client.get("/api/v1/clients/999999", headers=bearer)

    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


def test_pages_outside_the_api_are_left_alone(client, firm):
    client.force_login(firm.staff)

    response = client.get("/clients/999999/")

    assert response.status_code == 404
    assert not response["Content-Type"].startswith("application/json")


# --- Refused before the API runs: oversized bodies, bad Host, malformed requests -------------


def entry_body(firm, description: str = "") -> str:
    return json.dumps(
        {
            "task_id": firm.acme_task.pk,
            "date": datetime.date.today().isoformat(),
            "duration": "1h",
            "description": description,
        }
    )


def test_a_body_over_the_upload_limit_is_413_json_naming_the_limit(client, bearer, firm):
    limit = django_settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    body = entry_body(firm, "x" * limit)

    response = client.post(
        "/api/v1/time-entries", body, content_type="application/json", headers=bearer
    )

    assert response.status_code == 413
    assert response["Content-Type"] == "application/json"
    assert response["X-Content-Type-Options"] == "nosniff"
    detail = response.json()["detail"]
    assert f"{len(body.encode())} bytes" in detail
    assert f"at most {limit} bytes" in detail
    assert "DATA_UPLOAD_MAX_MEMORY_SIZE" in detail
    assert not TimeEntry.objects.exists()


def test_the_body_limit_follows_the_setting(client, bearer, firm, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    small, large = entry_body(firm, "x" * 100), entry_body(firm, "x" * 1000)

    accepted = client.post(
        "/api/v1/time-entries", small, content_type="application/json", headers=bearer
    )
    refused = client.patch(
        "/api/v1/time-entries/1", large, content_type="application/json", headers=bearer
    )

    assert accepted.status_code == 201, accepted.content
    assert refused.status_code == 413
    assert "at most 1000 bytes" in refused.json()["detail"]


def test_an_oversized_body_is_refused_before_authentication(client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000

    response = client.post("/api/v1/time-entries", "x" * 2000, content_type="application/json")

    assert response.status_code == 413
    assert "at most 1000 bytes" in response.json()["detail"]


def test_an_oversized_body_outside_the_api_keeps_djangos_answer(client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000

    response = client.post("/login/", {"username": "x" * 2000, "password": "y"})

    assert response.status_code == 400
    assert not response["Content-Type"].startswith("application/json")


def test_a_host_not_allowed_is_400_json(client, bearer):
    response = client.get("/api/v1/clients", headers=bearer, HTTP_HOST="evil.example")

    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "detail": "Host 'evil.example' is not served here; use one of ALLOWED_HOSTS."
    }


@pytest.mark.parametrize("length", ["lots", "-5", "1.5"])
def test_a_content_length_that_is_not_a_whole_number_is_400_json(client, bearer, length):
    response = client.get("/api/v1/clients", headers=bearer, CONTENT_LENGTH=length)

    assert response.status_code == 400
    assert "Content-Length must be a whole number" in response.json()["detail"]


def test_too_many_form_fields_is_400_json(firm, settings):
    # A session's form POST makes the CSRF check read the fields, which Django refuses with a
    # SuspiciousOperation that no API handler maps.
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 10
    http = HttpClient(enforce_csrf_checks=True)
    http.force_login(firm.staff, backend="clients.backends.ProfileModelBackend")
    http.cookies[django_settings.CSRF_COOKIE_NAME] = "a" * 32

    response = http.post("/api/v1/time-entries", {f"field{n}": "1" for n in range(20)})

    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response.json()["detail"].startswith("Bad request")


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (400, "Bad request"),
        (403, "Forbidden"),
        (429, "The request was refused (HTTP 429)"),
        (500, "Server error"),
        (502, "Server error"),
    ],
)
def test_any_other_html_error_under_the_api_becomes_json(settings, status, expected):
    settings.DEBUG = False
    html = HttpResponse("<h1>Oops</h1>", status=status)
    html["Retry-After"] = "60"
    middleware = ApiJsonErrorsMiddleware(lambda request: html)

    response = middleware(RequestFactory().get("/api/v1/clients"))

    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    assert json.loads(response.content)["detail"].startswith(expected)
    assert response["Retry-After"] == "60"


def test_in_development_a_server_error_keeps_djangos_debug_page(settings):
    settings.DEBUG = True
    html = HttpResponse("<h1>Traceback</h1>", status=500)

    response = ApiJsonErrorsMiddleware(lambda request: html)(RequestFactory().get("/api/v1/x"))

    assert response is html
