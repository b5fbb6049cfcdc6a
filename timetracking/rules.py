"""Billing rules of an entry: when it is billable and how many minutes it bills (PRODUCT §1)."""

from clients.models import BillingPlan, Classification, Project, Rounding

from .models import Exclusion, Member


def is_billable(*, flag: bool, project: Project, member: Member) -> bool:
    """Billable = the flag is on, the project is `billable` and the member is not excluded."""
    return (
        bool(flag)
        and project.classification == Classification.BILLABLE
        and member.exclusion == Exclusion.NONE
    )


def apply_plan(minutes: int, plan: BillingPlan | None) -> int:
    """The client's rounding to its increment (nearest: a half rounds up), then its minimum."""
    if plan is None:
        return minutes
    increment = plan.rounding_increment_minutes or 1
    quotient, remainder = divmod(minutes, increment)
    if plan.rounding_method == Rounding.UP and remainder:
        minutes = (quotient + 1) * increment
    elif plan.rounding_method == Rounding.DOWN:
        minutes = quotient * increment
    elif plan.rounding_method == Rounding.NEAREST:
        minutes = (quotient + (1 if remainder * 2 >= increment else 0)) * increment
    return max(minutes, plan.min_billable_minutes or 0)


def billable_minutes(
    *, base_minutes: int, flag: bool, project: Project, member: Member, use_plan: bool = True
) -> int:
    """The stored `billable_minutes` of an entry: 0 when not billable, else the plan applied to
    `base_minutes` (the duration; Tempo's billable seconds; a field activity's minutes as they are,
    `use_plan=False`)."""
    if not is_billable(flag=flag, project=project, member=member) or base_minutes <= 0:
        return 0
    if not use_plan:
        return base_minutes
    plan = BillingPlan.objects.filter(client_id=project.client_id).first()
    return apply_plan(base_minutes, plan)
