"""Hour-block writes (PRODUCT §5.4): the daily expiry of blocks and the expiry notices.

The beat task and `manage.py expire_hour_blocks` run `run_hour_block_day`. Each client is one
transaction that locks the client row first, so overlapping runs queue up and the second sees
the first one's rows; the one-to-one `expires_block` makes a second expiry row of a block
impossible even so."""

from dataclasses import dataclass, field
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from clients.models import Client, HourPurchase, LedgerKind
from core.calendar import today_in
from core.mail import send_mail_message
from core.units import minutes_to_hours

from ..hour_blocks import BlockUse, expiry_day, is_due_for_expiry, notice_due
from ..selectors.hour_blocks import block_usage

# Timezones run at most 14 hours ahead of UTC: a block can be due in some client's timezone up
# to a day before it is in UTC.
TIMEZONE_SLACK = timedelta(days=1)
NOTICE_FLAGS = {30: "notice_30_sent_on", 7: "notice_7_sent_on"}


@dataclass
class HourBlockRun:
    expired: int = 0
    minutes: int = 0
    notices: int = 0
    expired_block_ids: list[int] = field(default_factory=list)


def _open_blocks():
    return HourPurchase.objects.filter(
        minutes__gt=0, expires_on__isnull=False, expiry_row__isnull=True
    ).exclude(kind=LedgerKind.EXPIRY)


def clients_with_due_blocks() -> list[int]:
    """Clients that may have a block due for expiry today in their timezone."""
    latest = timezone.now().date() + TIMEZONE_SLACK
    return sorted(
        set(_open_blocks().filter(expires_on__lt=latest).values_list("client_id", flat=True))
    )


def expiry_note(block: BlockUse) -> str:
    return (
        f"Expired unused: {minutes_to_hours(block.unused)} h of the "
        f"{minutes_to_hours(block.minutes)} h block of {block.date:%Y-%m-%d}, valid until "
        f"{block.expires_on:%Y-%m-%d}."
    )


@transaction.atomic
def expire_client_blocks(client_id: int) -> HourBlockRun:
    """Write one `expiry` row (minus the unused minutes) per block of the client due today."""
    run = HourBlockRun()
    client = Client.objects.select_for_update(of=("self",)).filter(pk=client_id).first()
    if client is None:
        return run
    today = today_in(client.timezone)
    for block in block_usage(client):
        if not is_due_for_expiry(block, today):
            continue
        try:
            with transaction.atomic():
                HourPurchase.objects.create(
                    client=client,
                    date=expiry_day(block.expires_on),
                    hours=-minutes_to_hours(block.unused),
                    kind=LedgerKind.EXPIRY,
                    expires_block_id=block.id,
                    note=expiry_note(block),
                )
        except IntegrityError:
            # Another run expired it between our read and write (it did not lock the client).
            continue
        run.expired += 1
        run.minutes += block.unused
        run.expired_block_ids.append(block.id)
    return run


def expire_hour_blocks() -> HourBlockRun:
    """Expire every block due today (client timezones); a second run writes nothing."""
    run = HourBlockRun()
    for client_id in clients_with_due_blocks():
        client_run = expire_client_blocks(client_id)
        run.expired += client_run.expired
        run.minutes += client_run.minutes
        run.expired_block_ids += client_run.expired_block_ids
    return run


# --- Notices ----------------------------------------------------------------------------------


def notice_recipients(client: Client) -> list[str]:
    """The account owner, and the client's contacts when client alerts are enabled."""
    recipients = []
    if client.owner_id and client.owner.email:
        recipients.append(client.owner.email)
    if client.alert_clients_enabled:
        recipients += [address for address in client.alert_contacts or [] if address]
    return list(dict.fromkeys(recipients))


def clients_with_notices_due() -> list[int]:
    """Clients with an open block expiring within 30 days and a notice not yet sent."""
    today = timezone.now().date()
    window = _open_blocks().filter(
        expires_on__gte=today - TIMEZONE_SLACK,
        expires_on__lte=today + timedelta(days=30) + TIMEZONE_SLACK,
    )
    pending = window.filter(Q(notice_30_sent_on__isnull=True) | Q(notice_7_sent_on__isnull=True))
    return sorted(set(pending.values_list("client_id", flat=True)))


def _send_notice(client: Client, block: BlockUse, days: int, today) -> bool:
    """Claim the notice's flag and send it in one transaction: only the run whose UPDATE sets
    the flag sends, and a failed send leaves the flag unset for the next run."""
    flag = NOTICE_FLAGS[days]
    with transaction.atomic():
        claimed = HourPurchase.objects.filter(pk=block.id, **{f"{flag}__isnull": True}).update(
            **{flag: today}
        )
        if not claimed:
            return False
        if days == 7:
            # A 30-day notice that did not go out (block added late) is not sent any more.
            HourPurchase.objects.filter(pk=block.id, notice_30_sent_on__isnull=True).update(
                notice_30_sent_on=today
            )
        context = {
            "client": client,
            "block": block,
            "days": (block.expires_on - today).days,
            "unused_hours": minutes_to_hours(block.unused),
            "block_hours": minutes_to_hours(block.minutes),
        }
        subject = (
            f"{client.name}: {context['unused_hours']} h of hour bank expire on "
            f"{block.expires_on:%Y-%m-%d}"
        )
        send_mail_message(notice_recipients(client), subject, "expiry_notice", context)
    return True


def send_expiry_notices() -> int:
    """Send the 30- and 7-day notices that are due today; each goes out once per block."""
    sent = 0
    clients = Client.objects.filter(pk__in=clients_with_notices_due()).select_related("owner")
    for client in clients:
        if not notice_recipients(client):
            continue
        today = today_in(client.timezone)
        for block in block_usage(client):
            days = notice_due(block, today)
            if days is not None and _send_notice(client, block, days, today):
                sent += 1
    return sent


def run_hour_block_day() -> HourBlockRun:
    """What the daily beat task does: expire due blocks, then send the notices due."""
    run = expire_hour_blocks()
    run.notices = send_expiry_notices()
    return run
