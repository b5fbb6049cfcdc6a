"""Errors under /api/v1/ that Django or ninja answer before the API's handlers are JSON too."""

import pytest

from clients.services import create_api_token

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
