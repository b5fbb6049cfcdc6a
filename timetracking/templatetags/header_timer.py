"""The header of every staff page: the Timesheet link for members and the running timer."""

from django import template

from timetracking.selectors import member_for_user, running_state

register = template.Library()


@register.simple_tag
def header_state(user):
    """Whether the user is a member (the Timesheet link) and their running timer (a
    `RunningTimer`, or None), as the request's user was read: the session loads the member, its
    timer and the timer's task with the user (settings.SESSION_USER_RELATED), so the header
    costs no query of its own. A view that starts or stops a timer answers with the header's
    slot itself (views.timer), never with a page drawn from this state."""
    if not getattr(user, "is_authenticated", False):
        return {"is_member": False, "running": None}
    member = member_for_user(user)
    timer = getattr(member, "timer", None) if member is not None else None
    return {"is_member": member is not None, "running": running_state(timer)}
