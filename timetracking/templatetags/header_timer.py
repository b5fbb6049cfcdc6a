"""The header of every staff page: the Timesheet link for members and the running timer."""

from django import template

from timetracking.models import Member
from timetracking.selectors import running_state

register = template.Library()


@register.simple_tag
def header_state(user):
    """The header's one query: whether the user is a member (the Timesheet link) and their
    running timer (a `RunningTimer`, or None)."""
    if not getattr(user, "is_authenticated", False):
        return {"is_member": False, "running": None}
    member = Member.objects.filter(user=user).select_related("timer__task").first()
    timer = getattr(member, "timer", None) if member is not None else None
    return {"is_member": member is not None, "running": running_state(timer)}
