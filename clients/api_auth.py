"""Who may call which JSON endpoint (PRODUCT §9): API tokens and role guards, plugged into the
authentication of `core.api`.

A guard runs right after authentication, before any input is validated, so a role that may not
use an endpoint gets 403 whatever it sends."""

from ninja.errors import HttpError

from core import api as core_api

from .roles import has_role, is_client_user, is_staff_member
from .services import authenticate_token

CLIENT_USER_LIMITS = (
    "Client users may only read /clients, /clients/{id}, /clients/{id}/hours and their invoices."
)
NO_ROLE = "No role is assigned to this account; ask an administrator."


def staff_guard(minimum: str = "staff"):
    """A guard admitting staff with at least `minimum` (403 for client users and role-less logins)."""

    def guard(user) -> None:
        if has_role(user, minimum):
            return
        if is_client_user(user):
            raise HttpError(403, CLIENT_USER_LIMITS)
        if is_staff_member(user):
            raise HttpError(403, f"This needs the {minimum} role or higher.")
        raise HttpError(403, NO_ROLE)

    return guard


def reader_guard(user) -> None:
    """Staff or client users (client endpoints filter to the client's own objects)."""
    if not (is_staff_member(user) or is_client_user(user)):
        raise HttpError(403, NO_ROLE)


def api_auth(guard=None) -> list:
    """Bearer token (an active `ApiToken`) first, then the session; `guard(user)` enforces the
    endpoint's roles."""
    return core_api.api_auth(authenticate_token, guard)


# Endpoints for staff only, and endpoints client users may read too.
STAFF_AUTH = api_auth(staff_guard("staff"))
READER_AUTH = api_auth(reader_guard)
