"""Writes of the clients layer: purchases, API tokens, projects."""

import secrets
from datetime import date
from decimal import Decimal, InvalidOperation

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from core.transactions import atomic_with_retry

from .models import (
    ApiToken,
    Client,
    HourPurchase,
    LedgerKind,
    Project,
    ProjectStatus,
    Role,
    UserProfile,
    hash_token,
)


class PurchaseError(ValueError):
    pass


def parse_purchase_hours(text) -> Decimal:
    try:
        hours = Decimal(str(text).strip().replace(",", "."))
    except (InvalidOperation, ValueError):
        raise PurchaseError(
            f"Hours must be a number with at most 2 decimals, e.g. 40 or 12.5 (got {text!r})."
        ) from None
    if (
        not hours.is_finite()
        or hours == 0
        or hours.as_tuple().exponent < -2
        or abs(hours) >= Decimal("10000000")
    ):
        raise PurchaseError(
            f"Hours must be a non-zero number with at most 2 decimals, e.g. 40 or -2.5 (got {text!r})."
        )
    return hours


def parse_purchase_price(value) -> Decimal | None:
    """A block's price in the client's currency: ≥ 0 with at most 2 decimals, or none."""
    if value is None or str(value).strip() == "":
        return None
    try:
        price = Decimal(str(value).strip().replace(",", "."))
    except (InvalidOperation, ValueError):
        price = None
    if (
        price is None
        or not price.is_finite()
        or price < 0
        or price.as_tuple().exponent < -2
        or price >= Decimal("10000000000")
    ):
        raise PurchaseError(
            f"Price must be a non-negative amount with at most 2 decimals, e.g. 4800.00 (got {value!r})."
        )
    return price


def lock_clients(*client_ids: int) -> None:
    """Lock client rows in ascending id order: every balance-changing write of a client queues
    here first (the lock order is documented in `timetracking.services.locks`)."""
    ids = sorted({client_id for client_id in client_ids if client_id is not None})
    if ids:
        list(
            Client.objects.select_for_update(of=("self",))
            .filter(pk__in=ids)
            .order_by("pk")
            .values_list("pk", flat=True)
        )


def lock_client(client_id: int) -> Client | None:
    """Lock one client row and return the client (None when there is no such client)."""
    return Client.objects.select_for_update(of=("self",)).filter(pk=client_id).first()


@atomic_with_retry
def add_purchase(
    *,
    client: Client,
    hours,
    on_date: date,
    note: str = "",
    by=None,
    price=None,
    expires_on: date | None = None,
) -> HourPurchase:
    """Add a block to the hour-bank ledger (optionally priced and expiring).

    Rows are never edited; negative hours here are a correction (the older way to write one,
    kept for the client page's purchase form) — `add_correction` is the checked way."""
    hours = parse_purchase_hours(hours)
    price = parse_purchase_price(price)
    if hours < 0 and (price is not None or expires_on is not None):
        raise PurchaseError(
            "Only a purchase of positive hours has a price or an expiry date, e.g. 40 h for 4800.00."
        )
    if expires_on is not None and expires_on < on_date:
        raise PurchaseError(
            f"The expiry date ({expires_on}) is before the purchase date ({on_date}); use {on_date} or later."
        )
    lock_client(client.pk)
    return HourPurchase.objects.create(
        client=client,
        date=on_date,
        hours=hours,
        note=note,
        entered_by=by,
        kind=LedgerKind.CORRECTION if hours < 0 else LedgerKind.PURCHASE,
        price=price,
        expires_on=expires_on,
    )


@transaction.atomic
def add_correction(*, client: Client, hours, on_date: date, note: str, by=None) -> HourPurchase:
    """Undo a ledger mistake with a ± hours row (PRODUCT §5.4); the note says why.

    Role checks (manager and up) are the caller's: views, the API and the admin."""
    hours = parse_purchase_hours(hours)
    note = (note or "").strip()
    if not note:
        raise PurchaseError(
            "A correction needs a note saying why, e.g. 'Purchase of 2 March entered twice'."
        )
    lock_client(client.pk)
    return HourPurchase.objects.create(
        client=client,
        date=on_date,
        hours=hours,
        note=note,
        entered_by=by,
        kind=LedgerKind.CORRECTION,
    )


def create_api_token(*, user, name: str = "") -> tuple[ApiToken, str]:
    """A new token; the raw value is returned once and only its hash is kept."""
    raw = "hb_" + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=user, name=name, prefix=raw[:10], key_hash=hash_token(raw))
    return token, raw


def authenticate_token(raw: str):
    """The user of an active token (and record its use), or None."""
    if not raw:
        return None
    token = (
        ApiToken.objects.select_related("user", "user__profile")
        .filter(key_hash=hash_token(raw), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    # Writing on every request would be a hot row; a minute's precision is enough.
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


# --- Django admin access (PRODUCT §9) ----------------------------------------------------------

FINANCE_GROUP = "Finance"
# (app_label, model or None for every model of the app, actions). Finance edits billing, rates and
# plans; it may look at (never change) what those refer to. Strings, not imports: clients is the
# lowest layer and must not import timetracking or billing.
FINANCE_PERMISSIONS = (
    ("billing", None, ("view", "change", "add")),
    ("timetracking", "ratecard", ("view", "change", "add")),
    ("timetracking", "costrate", ("view", "change", "add")),
    ("clients", "billingplan", ("view", "change", "add")),
    ("clients", "client", ("view",)),
    ("clients", "project", ("view",)),
    ("timetracking", "member", ("view",)),
    ("timetracking", "timeentry", ("view",)),
    ("timetracking", "billingadjustment", ("view",)),
)


def finance_group():
    """The "Finance" group with exactly FINANCE_PERMISSIONS (re-synced, so new billing models
    added by a later migration are picked up the next time anyone's access is synced)."""
    wanted = Q(pk__in=[])
    for app_label, model, actions in FINANCE_PERMISSIONS:
        scope = Q(content_type__app_label=app_label)
        if model:
            scope &= Q(content_type__model=model)
        codename = Q()
        for action in actions:
            codename |= Q(codename__startswith=f"{action}_")
        wanted |= scope & codename
    group, _ = Group.objects.get_or_create(name=FINANCE_GROUP)
    group.permissions.set(Permission.objects.filter(wanted))
    return group


@transaction.atomic
def sync_admin_access(user) -> None:
    """Django admin access follows the role: admin = superuser (the whole admin); finance =
    is_staff + the Finance group (billing, rates, plans); everyone else has no admin access.

    A superuser is an admin whatever the profile says (roles.role_of), so superuser status is
    never taken away here; a profile role of `admin` grants it."""
    # Read the role fresh: a profile just saved by an admin inline may not be the cached one.
    profile_role = UserProfile.objects.filter(user=user).values_list("role", flat=True).first()
    role = Role.ADMIN if user.is_superuser else profile_role
    group = finance_group()
    if role == Role.ADMIN:
        user.is_staff = user.is_superuser = True
        user.groups.remove(group)
    elif role == Role.FINANCE:
        user.is_staff = True
        user.groups.add(group)
    else:
        user.is_staff = False
        user.groups.remove(group)
    user.save(update_fields=["is_staff", "is_superuser"])


# --- Projects ---------------------------------------------------------------------------------


class ProjectStatusError(ValueError):
    pass


@transaction.atomic
def set_project_status(*, project: Project, status: str) -> Project:
    """Mark a project complete or active again. Warning about unbilled time is the caller's job:
    it needs time entries, which live in a layer above this one."""
    if status not in ProjectStatus.values:
        raise ProjectStatusError(
            f"Status must be one of {', '.join(ProjectStatus.values)} (got {status!r}), e.g. complete."
        )
    Project.objects.filter(pk=project.pk).update(status=status)
    project.status = status
    return project
