"""Low-balance and negative-balance alerts (PRODUCT §4).

Any write that moves a balance calls `schedule_balance_check(client_id)`; once the transaction
commits, the Celery task runs `check_balance_alerts`, which locks the client's alert state,
reads the balance, lets `alerts_rules.decide_alert` decide and sends at most one email."""

import logging

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.utils import timezone

from clients.models import Client, HourPurchase
from core.mail import send_mail_message
from core.units import minutes_to_hours

from .alerts_rules import LOW, NEGATIVE, AlertDecision, decide_alert, threshold_minutes
from .balances import Balance, balance_of, with_balances
from .models import BalanceAlertState, BillingAdjustment

logger = logging.getLogger(__name__)

SUBJECTS = {
    LOW: "{client}: hour bank below {threshold} h",
    NEGATIVE: "{client}: hour bank is negative",
}


def _enqueue_check(client_id: int):
    """The on-commit callback enqueuing one client's check. It carries its client id so that a
    transaction moving a balance many times (a sync of 1000 worklogs) enqueues one check."""

    def enqueue_balance_check():
        enqueue_balance_check.done = True
        from .tasks import check_balance_alerts_task  # tasks imports services, which import us

        check_balance_alerts_task.delay(client_id)

    enqueue_balance_check.balance_client_id = client_id
    enqueue_balance_check.done = False
    return enqueue_balance_check


def schedule_balance_check(client_id: int | None) -> None:
    """Check the client's alerts after the current transaction commits (now, outside one)."""
    if client_id is None:
        return
    connection = transaction.get_connection()
    for _savepoints, callback, _robust in connection.run_on_commit:
        if getattr(callback, "balance_client_id", None) == client_id and not callback.done:
            return
    # robust: a broker or mail server that is down must not fail the write that committed.
    transaction.on_commit(_enqueue_check(client_id), robust=True)


def alert_recipients(client: Client) -> list[str]:
    recipients = []
    if client.owner is not None and client.owner.is_active and client.owner.email:
        recipients.append(client.owner.email)
    if client.alert_clients_enabled:
        recipients += [
            address for address in client.alert_contacts or [] if isinstance(address, str)
        ]
    return recipients


def alert_decision(
    client: Client, balance: Balance, *, low_armed: bool, negative_armed: bool
) -> tuple[int, AlertDecision]:
    """The client's threshold in minutes and what its balance calls for, given the armed flags."""
    threshold = threshold_minutes(
        low_balance_hours=client.low_balance_hours,
        low_balance_percent=client.low_balance_percent,
        purchased=balance.purchased_minutes,
    )
    decision = decide_alert(
        remaining=balance.remaining_minutes,
        threshold=threshold,
        has_purchases=balance.has_purchases,
        low_armed=low_armed,
        negative_armed=negative_armed,
    )
    return threshold, decision


@transaction.atomic
def check_balance_alerts(client_id: int) -> str | None:
    """Send the alert the client's balance calls for, if any; returns its kind (or None).

    The state row is locked for the whole check, so two checks of one client (parallel
    webhooks, a sync and a page) run one after the other and the second sees the first's send."""
    client = Client.objects.select_related("owner").filter(pk=client_id).first()
    if client is None or client.is_internal:
        return None
    BalanceAlertState.objects.get_or_create(client=client)
    state = BalanceAlertState.objects.select_for_update(of=("self",)).get(client=client)
    balance = balance_of(client)
    threshold, decision = alert_decision(
        client, balance, low_armed=state.low_armed, negative_armed=state.negative_armed
    )
    if decision.send is not None:
        sent = send_mail_message(
            alert_recipients(client),
            SUBJECTS[decision.send].format(
                client=client.name, threshold=minutes_to_hours(threshold)
            ),
            f"balance_{decision.send}",
            {
                "client": client,
                "balance": balance,
                "threshold_hours": minutes_to_hours(threshold),
            },
        )
        if sent:
            state.last_sent_at = timezone.now()
        logger.info("Sent the %s-balance alert of client %s", decision.send, client.code)
    state.low_armed, state.negative_armed = decision.low_armed, decision.negative_armed
    state.save(update_fields=["low_armed", "negative_armed", "last_sent_at"])
    return decision.send


def clients_with_pending_alert_check() -> list[int]:
    """Clients whose alert state disagrees with their balance: a crossing (or a re-arm) that no
    check has handled, because its task never reached a worker (broker down at commit, worker
    killed before it acked). Two queries, whatever the number of clients; the periodic sweep
    enqueues a check for each."""
    states = BalanceAlertState.objects.in_bulk(field_name="client_id")
    pending = []
    for client in with_balances(Client.objects.filter(is_internal=False)).order_by("pk"):
        state = states.get(client.pk)
        armed = (state.low_armed, state.negative_armed) if state else (True, True)
        _threshold, decision = alert_decision(
            client, balance_of(client), low_armed=armed[0], negative_armed=armed[1]
        )
        if decision.send is not None or (decision.low_armed, decision.negative_armed) != armed:
            pending.append(client.pk)
    return pending


def _ledger_row_changed(sender, instance, **kwargs):
    schedule_balance_check(instance.client_id)


def connect_signals() -> None:
    """Purchases (clients, a layer below) and billing adjustments move balances without an
    entry history row; their saves and deletes schedule the check too."""
    for model in (HourPurchase, BillingAdjustment):
        post_save.connect(
            _ledger_row_changed, sender=model, dispatch_uid=f"alerts-{model.__name__}"
        )
        post_delete.connect(
            _ledger_row_changed, sender=model, dispatch_uid=f"alerts-{model.__name__}-delete"
        )
