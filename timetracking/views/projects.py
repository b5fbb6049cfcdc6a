"""The project and task pages (seed 001, PRODUCT §8)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.views.decorators.http import require_GET, require_POST

from clients.roles import has_role
from clients.selectors import get_project_for_user, get_task_for_user
from clients.services import ProjectStatusError, set_project_status
from core.htmx import htmx_done, int_param, render_page

from ..forms import ProjectStatusForm
from ..selectors import (
    can_change_entry,
    member_for_user,
    project_tasks,
    project_time_summary,
    project_unbilled,
    running_timer,
    task_entries,
)
from .staff import staff_view

# Members per page of the time summary: a big project has hundreds of people on it.
MEMBERS_PAGE_SIZE = 25


def _members_page(request, summary, expanded_member: int | None):
    """The page of members asked for; without one, the page holding the member being opened
    (a no-JavaScript "Show tasks" link lands on that member's row)."""
    paginator = Paginator(summary.members, MEMBERS_PAGE_SIZE)
    number = request.GET.get("members_page")
    if number is None and expanded_member is not None:
        position = next(
            (i for i, m in enumerate(summary.members) if m.member_id == expanded_member), 0
        )
        number = position // MEMBERS_PAGE_SIZE + 1
    return paginator.get_page(number)


def _project_context(request, project, *, expanded_member: int | None = None, **extra):
    summary = project_time_summary(project, expanded_member=expanded_member)
    return {
        "project": project,
        "summary": summary,
        "members": _members_page(request, summary, expanded_member),
        "expanded_member": expanded_member,
        "tasks": project_tasks(project),
        "can_change_status": has_role(request.user, "manager"),
        **extra,
    }


@staff_view
@require_GET
def project_detail(request, project_id: int):
    project = get_project_for_user(request.user, project_id)
    context = _project_context(request, project, expanded_member=int_param(request, "member"))
    if request.htmx and context["expanded_member"] is not None:
        # One member's task rows, asked for when their row is opened.
        member = next(
            (m for m in context["summary"].members if m.member_id == context["expanded_member"]),
            None,
        )
        if member is None:
            raise Http404("No time of that member on this project.")
        return render(
            request, "timetracking/project_detail.html#member-tasks", {**context, "member": member}
        )
    return render_page(
        request, "timetracking/project_detail.html", context, fragments=("summary", "status")
    )


@staff_view
@require_POST
def project_status(request, project_id: int):
    """Mark complete (or reopen); completing with unbilled time first asks for confirmation."""
    project = get_project_for_user(request.user, project_id)
    if not has_role(request.user, "manager"):
        raise PermissionDenied("Only managers change a project's status.")
    form = ProjectStatusForm(request.POST)
    if not form.is_valid():
        return HttpResponse("Status must be complete or active, e.g. status=complete.", status=400)
    status = form.cleaned_data["status"]
    if status == "complete" and not form.cleaned_data["confirm"]:
        unbilled = project_unbilled(project)
        if unbilled.entries:
            context = _project_context(request, project, confirm_unbilled=unbilled)
            template = (
                "timetracking/project_detail.html#status"
                if request.htmx
                else "timetracking/project_detail.html"
            )
            return render(request, template, context)
    try:
        set_project_status(project=project, status=status)
    except ProjectStatusError as error:
        return HttpResponse(str(error), status=400)
    message = f"{project.code} is now {project.get_status_display().lower()}."
    if request.htmx:
        body = render_to_string(
            "timetracking/project_detail.html#status",
            _project_context(request, project),
            request=request,
        )
        return htmx_done(request, message, events=(), body=body)
    messages.success(request, message)
    return redirect("project-detail", project_id=project.pk)


@staff_view
@require_GET
def task_detail(request, task_id: int):
    task = get_task_for_user(request.user, task_id)
    member = member_for_user(request.user)
    page = Paginator(task_entries(task), 50).get_page(request.GET.get("page"))
    context = {
        "task": task,
        "page": page,
        "entries": [(entry, can_change_entry(request.user, entry)) for entry in page.object_list],
        "timer": running_timer(member),
        "member": member,
        "query": request.GET.urlencode(),
    }
    return render_page(
        request, "timetracking/task_detail.html", context, fragments=("entries", "task-timer")
    )
