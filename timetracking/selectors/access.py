"""Who may change which entry, and who may log time for whom (PRODUCT §9)."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404

from clients.roles import has_role, is_staff_member

from ..models import Exclusion, Member, TimeEntry


def member_for_user(user) -> Member | None:
    """The user's member row, None for users who log no time. The session's user comes with
    it (settings.SESSION_USER_RELATED): then it costs no query."""
    if not user.is_authenticated:
        return None
    if user.__class__.member.is_cached(user):
        return getattr(user, "member", None)  # None was cached too: no member row
    return Member.objects.filter(user=user).first()


def get_member_for_user(user, member_id) -> Member:
    if not is_staff_member(user):
        raise Http404
    return get_object_or_404(Member.objects.select_related("user"), pk=member_id)


def can_change_entry(user, entry: TimeEntry) -> bool:
    """Staff change their own entries; managers and up anyone's (locks are the service's job)."""
    if has_role(user, "manager"):
        return True
    return is_staff_member(user) and entry.member.user_id == user.pk


def ensure_can_change_entry(user, entry: TimeEntry) -> None:
    if not can_change_entry(user, entry):
        raise PermissionDenied("You can only change your own entries.")


LOG_FOR_OTHERS_REFUSED = (
    "Only managers and up may log time for someone else; leave Member out to log your own time."
)


def can_log_for_others(user) -> bool:
    """Managers, finance and admins log time for (and move entries to) other members."""
    return has_role(user, "manager")


def loggable_members(*, keep: Member | None = None):
    """Members time can be logged for: active logins, not Jira placeholders, not excluded.
    `keep` (an entry's current member) stays listed so editing never moves it by accident."""
    members = Member.objects.filter(is_placeholder=False, user__is_active=True).exclude(
        exclusion=Exclusion.EXCLUDED
    )
    if keep is not None:
        members = members | Member.objects.filter(pk=keep.pk)
    return members.select_related("user").order_by("user__username")


def ensure_can_log_for(user, member_value, *, default: Member) -> None:
    """A request naming a member other than `default` (the user's own, or the entry's) is
    refused unless the user may log for others: refused, never silently ignored."""
    value = str(member_value or "").strip()
    if value and value != str(default.pk) and not can_log_for_others(user):
        raise PermissionDenied(LOG_FOR_OTHERS_REFUSED)


def member_to_log_for(user, member_value, *, default: Member) -> Member:
    """The member a dialog value names (for the preview): `default` when none or unknown."""
    ensure_can_log_for(user, member_value, default=default)
    value = str(member_value or "").strip()
    if not value.isdigit() or int(value) == default.pk:
        return default
    return loggable_members(keep=default).filter(pk=int(value)).first() or default
