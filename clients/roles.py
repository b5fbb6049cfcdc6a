"""Roles (PRODUCT §9): staff → manager → finance → admin, each including the one before; client."""

from .models import STAFF_ROLE_ORDER, Role


def role_of(user) -> str | None:
    """The user's role; None for anonymous users and users without a profile (outsiders)."""
    if not user or not user.is_authenticated or not user.is_active:
        return None
    if user.is_superuser:
        return Role.ADMIN
    profile = getattr(user, "profile", None)
    return profile.role if profile else None


def has_role(user, minimum: str) -> bool:
    """True when the user is staff-side with at least `minimum` (e.g. has_role(u, "manager"))."""
    role = role_of(user)
    if role is None or role == Role.CLIENT or minimum not in STAFF_ROLE_ORDER:
        return False
    return STAFF_ROLE_ORDER.index(role) >= STAFF_ROLE_ORDER.index(minimum)


def is_staff_member(user) -> bool:
    return has_role(user, Role.STAFF)


def is_client_user(user) -> bool:
    return role_of(user) == Role.CLIENT


def client_id_of(user) -> int | None:
    """The one client a client user belongs to."""
    if not is_client_user(user):
        return None
    return user.profile.client_id
