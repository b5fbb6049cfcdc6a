"""The header of every staff page: the Timesheet link for members and the running timer."""

from django import template
from django.utils import timezone

from timetracking.models import Member

register = template.Library()


@register.simple_tag
def header_state(user):
    """The header's one query: whether the user is a member (the Timesheet link) and their
    running timer as {timer, elapsed seconds, H:MM:SS}."""
    if not getattr(user, "is_authenticated", False):
        return {"is_member": False, "running": None}
    member = Member.objects.filter(user=user).select_related("timer__task").first()
    timer = getattr(member, "timer", None) if member is not None else None
    return {"is_member": member is not None, "running": _running(timer)}


def _running(timer):
    if timer is None:
        return None
    elapsed = max(0, int((timezone.now() - timer.started_at).total_seconds()))
    hours, rest = divmod(elapsed, 3600)
    return {
        "timer": timer,
        "elapsed": elapsed,
        "elapsed_text": f"{hours}:{rest // 60:02d}:{rest % 60:02d}",
    }
