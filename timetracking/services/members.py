"""Members: the person behind a login, and placeholders for unknown Jira authors."""

from django.contrib.auth import get_user_model
from django.db import transaction

from ..models import Member


@transaction.atomic
def ensure_member(user, **fields) -> Member:
    member, _ = Member.objects.get_or_create(user=user, defaults=fields)
    return member


def placeholder_member(account_id: str, display_name: str = "") -> Member:
    """An inactive `jira-<accountId>` user, so no hour of an unknown author is lost."""
    member = Member.objects.filter(jira_account_id=account_id).select_related("user").first()
    if member:
        return member
    User = get_user_model()
    first, _, last = (display_name or "").partition(" ")
    user, _ = User.objects.get_or_create(
        username=f"jira-{account_id}"[:150],
        defaults={"is_active": False, "first_name": first[:150], "last_name": last[:150]},
    )
    return Member.objects.create(user=user, jira_account_id=account_id, is_placeholder=True)
