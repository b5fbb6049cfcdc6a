"""Whose portal a request sees: a client user their own client (any `?client=` is ignored);
managers and up preview any client read-only with `?client={id}`; nobody else."""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.http import Http404

from clients.models import Client, Role
from clients.roles import client_id_of, has_role, is_client_user, is_staff_member
from clients.selectors import get_client_for_user

PREVIEW_REFUSED = "Only managers and up can preview the client portal."
PICK_CLIENT = "Pick a client to preview its portal."


class NoClientChosen(Exception):
    """A manager and up opened the portal without `?client=`: they have no portal of their own,
    so the view sends them to pick one (a bare 404 told them nothing)."""


@dataclass(frozen=True)
class PortalClient:
    client: Client
    preview: bool

    @property
    def query(self) -> str:
        """What the portal's own links and forms carry along (the previewed client)."""
        return f"client={self.client.pk}" if self.preview else ""


def portal_client_for(user, requested_client: str | None) -> PortalClient:
    if is_client_user(user):
        return PortalClient(get_client_for_user(user, client_id_of(user)), preview=False)
    if has_role(user, Role.MANAGER):
        if not (requested_client or "").isdigit():
            raise NoClientChosen(PICK_CLIENT)
        client = get_client_for_user(user, int(requested_client))
        if client.is_internal:
            raise Http404("The firm's own client has no portal.")
        return PortalClient(client, preview=True)
    if is_staff_member(user):
        raise PermissionDenied(PREVIEW_REFUSED)
    raise Http404
