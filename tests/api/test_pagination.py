"""Pagination of every list (INTERFACES §3): {count, next, previous, results}, page/page_size."""

from urllib.parse import parse_qs, urlsplit

import pytest

from tests.api.conftest import ApiClient
from tests.factories import ProjectFactory


@pytest.fixture
def many_projects(firm):
    # 3 from the firm + 9 = 12 projects of ACME and others.
    for n in range(9):
        ProjectFactory(client=firm.acme, code=f"ACME-{n:02d}")
    return firm


def test_pages_link_with_absolute_urls_keeping_other_parameters(many_projects):
    firm = many_projects
    client = ApiClient(firm.staff)
    first = client.get("/projects", {"client": firm.acme.pk, "page_size": 4}).json()
    assert first["count"] == 10
    assert len(first["results"]) == 4
    assert first["previous"] is None
    next_url = urlsplit(first["next"])
    assert (next_url.scheme, next_url.netloc, next_url.path) == (
        "http",
        "testserver",
        "/api/v1/projects",
    )
    assert parse_qs(next_url.query) == {
        "client": [str(firm.acme.pk)],
        "page_size": ["4"],
        "page": ["2"],
    }

    second = client.http.get(first["next"], headers=client._headers()).json()
    assert parse_qs(urlsplit(second["previous"]).query)["page"] == ["1"]
    third = client.get("/projects", {"client": firm.acme.pk, "page_size": 4, "page": 3}).json()
    assert len(third["results"]) == 2
    assert third["next"] is None
    codes = [p["code"] for page in (first, second, third) for p in page["results"]]
    assert codes == sorted(codes) and len(set(codes)) == 10


def test_default_page_size_is_50(firm):
    for n in range(52):
        ProjectFactory(client=firm.globex, code=f"G-{n:03d}")
    body = ApiClient(firm.staff).get("/projects").json()
    assert body["count"] == 55
    assert len(body["results"]) == 50
    assert body["next"].endswith("page=2")


@pytest.mark.parametrize("size", [0, 501, -3, "ten"])
def test_page_size_outside_1_to_500_is_400_naming_the_range(firm, size):
    response = ApiClient(firm.staff).get("/projects", {"page_size": size})
    assert response.status_code == 400
    body = response.json()
    assert "page_size" in body["errors"]
    assert "1 to 500" in body["errors"]["page_size"][0]
    assert body["detail"]


def test_page_500_is_accepted(firm):
    assert ApiClient(firm.staff).get("/projects", {"page_size": 500}).status_code == 200


@pytest.mark.parametrize("page", [0, "x"])
def test_bad_page_is_400(firm, page):
    response = ApiClient(firm.staff).get("/tasks", {"page": page})
    assert response.status_code == 400
    assert "page" in response.json()["errors"]


def test_page_past_the_end_is_404(firm):
    client = ApiClient(firm.staff)
    assert client.get("/projects", {"page": 1}).status_code == 200
    response = client.get("/projects", {"page": 2})
    assert response.status_code == 404
    assert "past the end" in response.json()["detail"]


def test_first_page_of_an_empty_list_is_empty_not_404(firm):
    body = ApiClient(firm.staff).get("/time-entries").json()
    assert body == {"count": 0, "next": None, "previous": None, "results": []}
