"""Who may see which client, and the 404-across-clients fetch helpers built on it."""

from django.http import Http404
from django.shortcuts import get_object_or_404

from .models import Client, HourPurchase, Project, Task
from .roles import client_id_of, is_client_user, is_staff_member


def visible_clients(user):
    """Staff see every client; a client user sees only their own; anyone else sees none."""
    if is_staff_member(user):
        return Client.objects.all()
    if is_client_user(user):
        return Client.objects.filter(pk=client_id_of(user), is_internal=False)
    return Client.objects.none()


def get_client_for_user(user, client_id) -> Client:
    return get_object_or_404(visible_clients(user), pk=client_id)


def visible_projects(user):
    return Project.objects.filter(client__in=visible_clients(user))


def get_project_for_user(user, project_id) -> Project:
    return get_object_or_404(visible_projects(user).select_related("client"), pk=project_id)


def visible_tasks(user):
    return Task.objects.filter(project__client__in=visible_clients(user))


def get_task_for_user(user, task_id) -> Task:
    return get_object_or_404(visible_tasks(user).select_related("project__client"), pk=task_id)


def get_purchase_for_user(user, purchase_id) -> HourPurchase:
    return get_object_or_404(
        HourPurchase.objects.filter(client__in=visible_clients(user)), pk=purchase_id
    )


def require_staff(user):
    """Client users and outsiders never reach staff pages: they see a 404, not a hint."""
    if not is_staff_member(user):
        raise Http404
