"""Billing rules of an entry: when it is billable and how many minutes it bills (PRODUCT §1)."""

from clients.models import BillingPlan, Classification, Project, Rounding

from .models import Exclusion, Member, Source, TimeEntry


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


# The default of `billable_minutes(plan=…)`: look the client's plan up. Callers that handle many
# entries load the plans once and pass them in (see `reapply_billing_rules`).
CLIENT_PLAN = object()


def billable_minutes(
    *,
    base_minutes: int,
    flag: bool,
    project: Project,
    member: Member,
    use_plan: bool = True,
    plan=CLIENT_PLAN,
) -> int:
    """The stored `billable_minutes` of an entry: 0 when not billable, else the plan applied to
    `base_minutes` (the duration; Tempo's billable seconds; a field activity's minutes as they are,
    `use_plan=False`). `plan` is the client's BillingPlan (None: it has none)."""
    if not is_billable(flag=flag, project=project, member=member) or base_minutes <= 0:
        return 0
    if not use_plan:
        return base_minutes
    if plan is CLIENT_PLAN:
        plan = BillingPlan.objects.filter(client_id=project.client_id).first()
    return apply_plan(base_minutes, plan)


def reapplied_billable_minutes(entry: TimeEntry, plan: BillingPlan | None) -> int | None:
    """An unlocked entry's billable minutes under today's plan, classification and exclusion;
    None for entries the rules never touch again (field work: its minutes are final, never
    rounded twice)."""
    if entry.source == Source.FIELD:
        return None
    # Tempo sends its own billable time: today's plan applies to that, not to the duration.
    base = (
        entry.billable_minutes or entry.duration_minutes
        if entry.source == Source.TEMPO
        else entry.duration_minutes
    )
    return billable_minutes(
        base_minutes=base,
        flag=entry.billable,
        project=entry.task.project,
        member=entry.member,
        plan=plan,
    )
