"""What re-applying today's billing rules would change (PRODUCT §1): the manager's preview."""

from dataclasses import dataclass

from clients.models import BillingPlan, Client

from ..models import TimeEntry
from ..rules import reapplied_billable_minutes


@dataclass(frozen=True)
class BillingRuleChanges:
    """Entries whose billable minutes change, and the change of the client's consumed minutes."""

    entries: int
    minutes_delta: int

    def as_dict(self) -> dict:
        return {"entries": self.entries, "minutes_delta": self.minutes_delta}


def unlocked_entries(client: Client | None = None):
    """The entries re-applying the rules may change: every unlocked entry (of `client`)."""
    entries = TimeEntry.objects.filter(locked=False).select_related(
        "task__project__client", "member"
    )
    if client is not None:
        entries = entries.filter(client=client)
    return entries.order_by("id")


def plans_by_client(client_ids) -> dict[int, BillingPlan]:
    return {plan.client_id: plan for plan in BillingPlan.objects.filter(client_id__in=client_ids)}


def billing_rule_changes(entries, plans: dict[int, BillingPlan]) -> list[tuple[TimeEntry, int]]:
    """(entry, new billable minutes) of each entry the rules change."""
    changes = []
    for entry in entries:
        new = reapplied_billable_minutes(entry, plans.get(entry.task.project.client_id))
        if new is not None and new != entry.billable_minutes:
            changes.append((entry, new))
    return changes


def billing_rules_preview(client: Client) -> BillingRuleChanges:
    """What `reapply_billing_rules(client=client)` would change now (two queries, no writes)."""
    changes = billing_rule_changes(unlocked_entries(client), plans_by_client([client.pk]))
    return BillingRuleChanges(
        entries=len(changes),
        minutes_delta=sum(new - entry.billable_minutes for entry, new in changes),
    )
