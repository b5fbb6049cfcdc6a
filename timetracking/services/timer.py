"""The timer (PRODUCT §2.4): one per member; stopping it writes an ordinary entry."""

import zoneinfo
from datetime import datetime

from django.utils import timezone

from clients.models import Task
from core.transactions import atomic_with_retry
from core.units import seconds_to_minutes

from ..models import Exclusion, Member, TimeEntry, Timer
from .entries import create_entry
from .errors import EntryError, EntryInvalid


class TimerError(EntryError):
    status = 409


def _lock_member(member: Member) -> None:
    # First in the lock order (services.locks): a member's timer writes queue on its row.
    Member.objects.select_for_update(of=("self",)).filter(pk=member.pk).values_list("pk").first()


@atomic_with_retry
def start_timer(member: Member, task: Task, description: str = "") -> Timer:
    """Start the member's one timer on `task`; a running timer is never replaced silently."""
    if member.exclusion == Exclusion.EXCLUDED:
        raise EntryInvalid(
            f"{member} is excluded from time tracking and cannot log time.", "member"
        )
    # Two tabs starting at once: the member row serializes them, the OneToOne is the backstop.
    _lock_member(member)
    running = Timer.objects.filter(member=member).select_related("task").first()
    if running is not None:
        raise TimerError(
            f"A timer is already running on {running.task}; stop it before starting another.",
            "task",
        )
    return Timer.objects.create(
        member=member, task=task, description=description or "", started_at=timezone.now()
    )


@atomic_with_retry
def stop_timer(member: Member, by=None, *, now: datetime | None = None) -> TimeEntry:
    """Stop the member's timer and write an ordinary entry of the elapsed minutes (at least 1),
    dated on the member's local day when the timer started. If the entry is refused (over 24 h),
    nothing changes and the timer keeps running."""
    _lock_member(member)
    timer = Timer.objects.select_related("task__project__client").filter(member=member).first()
    if timer is None:
        raise TimerError("No timer is running; start one on a task first.")
    elapsed_seconds = max(0, int(((now or timezone.now()) - timer.started_at).total_seconds()))
    local_start = timezone.localtime(timer.started_at, zoneinfo.ZoneInfo(member.timezone))
    entry = create_entry(
        task=timer.task,
        member=member,
        on_date=local_start.date(),
        start_time=local_start.time().replace(second=0, microsecond=0),
        started_at=timer.started_at,
        duration_minutes=seconds_to_minutes(elapsed_seconds),
        description=timer.description,
        by=by,
    )
    timer.delete()
    return entry


@atomic_with_retry
def discard_timer(member: Member) -> bool:
    """Throw a running timer away without logging anything (e.g. one left running for days)."""
    _lock_member(member)
    deleted, _ = Timer.objects.filter(member=member).delete()
    return bool(deleted)
