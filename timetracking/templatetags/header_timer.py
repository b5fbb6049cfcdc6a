"""The running timer shown in the header of every staff page."""

from django import template
from django.utils import timezone

from timetracking.models import Timer

register = template.Library()


@register.simple_tag
def running_timer_of(user):
    """{timer, elapsed seconds, H:MM:SS} of the user's running timer, or None (one query)."""
    if not getattr(user, "is_authenticated", False):
        return None
    timer = Timer.objects.filter(member__user=user).select_related("task__project__client").first()
    if timer is None:
        return None
    elapsed = max(0, int((timezone.now() - timer.started_at).total_seconds()))
    hours, rest = divmod(elapsed, 3600)
    return {
        "timer": timer,
        "elapsed": elapsed,
        "elapsed_text": f"{hours}:{rest // 60:02d}:{rest % 60:02d}",
    }
