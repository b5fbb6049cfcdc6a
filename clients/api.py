"""JSON API of the clients layer (INTERFACES §3): projects and tasks.

Client summaries need hour-bank balances, which belong to timetracking, so `/clients` lives in
timetracking/api.py."""

from typing import Literal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from core.api import READ_ERRORS, Id, PageQuery, Text, api_user, paginate, paginated

from .api_auth import STAFF_AUTH
from .models import Project, Task
from .selectors import visible_projects, visible_tasks

# Projects and tasks are staff reading (client users: 403, PRODUCT §9).
router = Router(auth=STAFF_AUTH)


class ProjectOut(Schema):
    id: int
    code: str
    name: str
    client_id: int
    classification: Literal["billable", "internal", "overhead", "excluded"]


class TaskOut(Schema):
    id: int
    name: str
    project_id: int
    client_id: int
    jira_issue_key: str | None


def project_json(project: Project) -> dict:
    return {
        "id": project.pk,
        "code": project.code,
        "name": project.name,
        "client_id": project.client_id,
        "classification": project.classification,
    }


def task_json(task: Task) -> dict:
    return {
        "id": task.pk,
        "name": task.name,
        "project_id": task.project_id,
        "client_id": task.project.client_id,
        "jira_issue_key": task.jira_issue_key or None,
    }


class ProjectFilters(Schema):
    client: Id | None = Field(None, description="Client id")


class TaskFilters(Schema):
    project: Id | None = Field(None, description="Project id")
    client: Id | None = Field(None, description="Client id")
    jira_issue_key: Text | None = Field(None, description="Jira issue key, e.g. ACME-12")


@router.get(
    "/projects", response={200: paginated(ProjectOut), **READ_ERRORS}, tags=["projects and tasks"]
)
def list_projects(request: HttpRequest, filters: Query[ProjectFilters], paging: Query[PageQuery]):
    """Projects ordered by code; `client` filters by client id."""
    user = api_user(request)
    projects = visible_projects(user)
    if filters.client is not None:
        projects = projects.filter(client_id=filters.client)
    return paginate(request, projects.order_by("code", "id"), paging, project_json)


@router.get(
    "/tasks", response={200: paginated(TaskOut), **READ_ERRORS}, tags=["projects and tasks"]
)
def list_tasks(request: HttpRequest, filters: Query[TaskFilters], paging: Query[PageQuery]):
    """Tasks (requests) ordered by id; filter by project, client or Jira issue key."""
    user = api_user(request)
    tasks = visible_tasks(user).select_related("project")
    if filters.project is not None:
        tasks = tasks.filter(project_id=filters.project)
    if filters.client is not None:
        tasks = tasks.filter(project__client_id=filters.client)
    if filters.jira_issue_key is not None:
        tasks = tasks.filter(jira_issue_key__iexact=filters.jira_issue_key)
    return paginate(request, tasks.order_by("id"), paging, task_json)
