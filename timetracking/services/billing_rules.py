"""Re-applying today's billing plans to unlocked entries (PRODUCT §1, INTERFACES §1)."""

from django.utils import timezone

from clients.models import Client
from core.transactions import atomic_with_retry

from ..models import ChangeKind, TimeEntry
from ..selectors.billing_rules import (
    BillingRuleChanges,
    billing_rule_changes,
    plans_by_client,
    unlocked_entries,
)
from .history import record_change


@atomic_with_retry
def reapply_billing_rules(*, client: Client | None = None, by=None) -> BillingRuleChanges:
    """Recompute billable minutes of unlocked entries (of `client`, else of every client) with
    today's plans, classifications and exclusions; a history row per changed entry. Locked
    entries are never touched."""
    entries = unlocked_entries(client)
    # Lock order of every balance-changing write: the client rows, then the entry rows.
    client_ids = list(
        Client.objects.select_for_update(of=("self",))
        .filter(pk__in=entries.values("task__project__client_id"))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    locked_entries = entries.select_for_update(of=("self",))
    changes = billing_rule_changes(locked_entries, plans_by_client(client_ids))
    now = timezone.now()
    minutes_delta = 0
    for entry, new in changes:
        old = entry.billable_minutes
        minutes_delta += new - old
        TimeEntry.objects.filter(pk=entry.pk).update(billable_minutes=new, updated_at=now)
        entry.billable_minutes = new
        record_change(
            entry,
            ChangeKind.UPDATED,
            client_id=entry.task.project.client_id,
            minutes_delta=new - old,
            duration_delta=0,
            by=by,
            description="Billing rules re-applied",
        )
    return BillingRuleChanges(entries=len(changes), minutes_delta=minutes_delta)
