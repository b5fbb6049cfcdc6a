"""The firm's field rounding: the setting, a preview and the retroactive apply to unbilled
activities only (billed and invoiced activities never change)."""

from dataclasses import dataclass

from django.db import transaction

from clients.models import FirmSettings
from clients.roles import has_role

from ..models import WorkActivity
from ..rules import Rounding
from ..selectors import breakdown_of, field_rounding, is_read_only
from .activities import (
    ActivityForbidden,
    ActivityInvalid,
    lock_activity,
    lock_clients,
    recompute,
)


@transaction.atomic
def set_field_rounding(method: str, *, by) -> FirmSettings:
    if not has_role(by, "manager"):
        raise ActivityForbidden("Only managers and up may change the field rounding.")
    if method not in Rounding.values:
        raise ActivityInvalid(
            f"Rounding must be one of {', '.join(Rounding.values)}, e.g. nearest.", "rounding"
        )
    firm = FirmSettings.objects.select_for_update().order_by("pk").first() or FirmSettings()
    firm.field_rounding = method
    firm.save()
    return firm


@dataclass(frozen=True)
class RoundingChange:
    activity: WorkActivity
    before_minutes: int
    after_minutes: int


@dataclass(frozen=True)
class RoundingPreview:
    method: str
    changes: list[RoundingChange]
    skipped_billed: int

    @property
    def total_before(self) -> int:
        return sum(change.before_minutes for change in self.changes)

    @property
    def total_after(self) -> int:
        return sum(change.after_minutes for change in self.changes)


def _unbilled_activities():
    return (
        WorkActivity.objects.select_related("task__project__client", "lead__user", "time_entry")
        .prefetch_related("adjustments")
        .order_by("-date", "start_time", "id")
    )


def preview_rounding(method: str | None = None) -> RoundingPreview:
    """Before/after billable minutes of every unbilled activity the method would change."""
    method = field_rounding() if method is None else method
    changes, skipped = [], 0
    for activity in _unbilled_activities():
        after = breakdown_of(activity, method).billable_minutes
        if after == activity.billable_minutes:
            continue
        if is_read_only(activity):
            skipped += 1
            continue
        changes.append(RoundingChange(activity, activity.billable_minutes, after))
    return RoundingPreview(method, changes, skipped)


@transaction.atomic
def apply_rounding(*, by) -> int:
    """Re-round unbilled activities with the firm's setting; billed ones never change."""
    if not has_role(by, "manager"):
        raise ActivityForbidden("Only managers and up may apply the field rounding.")
    method = field_rounding()
    preview = preview_rounding(method)
    ids = [change.activity.pk for change in preview.changes]
    client_ids = WorkActivity.objects.filter(pk__in=ids).values_list(
        "task__project__client_id", flat=True
    )
    lock_clients(*client_ids)
    changed = 0
    for activity_id in ids:
        activity = lock_activity(activity_id)
        if is_read_only(activity):
            continue  # invoiced since the preview was read
        before = activity.billable_minutes
        recompute(activity, by=by, rounding=method)
        changed += activity.billable_minutes != before
    return changed
