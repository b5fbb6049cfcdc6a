"""GET /api/v1/projects and /api/v1/tasks."""

import pytest

from tests.api.conftest import ApiClient
from tests.factories import ProjectFactory, TaskFactory


def test_projects_shape_and_order_by_code(firm):
    body = ApiClient(firm.staff).get("/projects").json()
    assert [p["code"] for p in body["results"]] == ["ACME-WEB", "FIRM-INT", "GLX-OPS"]
    assert body["results"][0] == {
        "id": firm.acme_project.pk,
        "code": "ACME-WEB",
        "name": "Acme website",
        "client_id": firm.acme.pk,
        "classification": "billable",
    }


def test_projects_filter_by_client(firm):
    body = ApiClient(firm.staff).get("/projects", {"client": firm.globex.pk}).json()
    assert [p["id"] for p in body["results"]] == [firm.globex_project.pk]


def test_projects_unknown_client_filter_is_an_empty_list(firm):
    assert ApiClient(firm.staff).get("/projects", {"client": 999999}).json()["count"] == 0


def test_projects_bad_client_filter_is_400(firm):
    response = ApiClient(firm.staff).get("/projects", {"client": "acme"})
    assert response.status_code == 400
    assert "client=3" in response.json()["errors"]["client"][0]


@pytest.mark.parametrize("role", ["staff", "manager", "finance", "admin"])
def test_every_staff_role_reads_projects_and_tasks(firm, role):
    client = ApiClient(getattr(firm, role))
    assert client.get("/projects").json()["count"] == 3
    assert client.get("/tasks").json()["count"] == 3


def test_tasks_shape_order_by_id_and_filters(firm):
    linked = TaskFactory(project=firm.acme_project, name="Login fails", jira_issue_key="ACME-12")
    client = ApiClient(firm.staff)
    body = client.get("/tasks").json()
    assert [t["id"] for t in body["results"]] == sorted(t["id"] for t in body["results"])
    row = next(t for t in body["results"] if t["id"] == linked.pk)
    assert row == {
        "id": linked.pk,
        "name": "Login fails",
        "project_id": firm.acme_project.pk,
        "client_id": firm.acme.pk,
        "jira_issue_key": "ACME-12",
    }
    unlinked = next(t for t in body["results"] if t["id"] == firm.acme_task.pk)
    assert unlinked["jira_issue_key"] is None

    assert [
        t["id"] for t in client.get("/tasks", {"jira_issue_key": "ACME-12"}).json()["results"]
    ] == [linked.pk]
    assert {t["id"] for t in client.get("/tasks", {"client": firm.acme.pk}).json()["results"]} == {
        firm.acme_task.pk,
        linked.pk,
    }
    other = ProjectFactory(client=firm.acme)
    in_other = TaskFactory(project=other)
    assert [t["id"] for t in client.get("/tasks", {"project": other.pk}).json()["results"]] == [
        in_other.pk
    ]


def test_tasks_bad_filter_is_400_with_field_errors(firm):
    response = ApiClient(firm.staff).get("/tasks", {"project": "x", "client": "-"})
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"project", "client"}


def test_text_filters_refuse_nul_characters_with_400(firm):
    response = ApiClient(firm.staff).get("/tasks", {"jira_issue_key": "A\x00B"})
    assert response.status_code == 400
    assert "jira_issue_key" in response.json()["errors"]
