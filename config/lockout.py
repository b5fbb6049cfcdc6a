"""Login throttling: django-axes' database handler with one counter per username and one per
client address, each with its own limit (settings: AXES_FAILURE_LIMIT, AXES_IP_FAILURE_LIMIT)."""

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum


def _failures(attempts) -> int:
    return attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0


class LoginLockoutHandler(AxesDatabaseHandler):
    """Locks a username after AXES_FAILURE_LIMIT failures from any addresses (password guessing)
    and a client address after AXES_IP_FAILURE_LIMIT failures over any usernames (password
    spraying), both within AXES_COOLOFF_TIME."""

    def get_failures(self, request, credentials=None) -> int:
        recent = AccessAttempt.objects.filter(attempt_time__gte=get_cool_off_threshold(request))
        by_username = _failures(recent.filter(username=get_client_username(request, credentials)))
        by_address = _failures(recent.filter(ip_address=request.axes_ip_address))
        # Axes compares one count with AXES_FAILURE_LIMIT; the address's count is shifted so it
        # reaches that limit after exactly AXES_IP_FAILURE_LIMIT failures.
        address_allowance = settings.AXES_IP_FAILURE_LIMIT - settings.AXES_FAILURE_LIMIT
        return max(by_username, by_address - address_allowance)

    def reset_user_attempts(self, request, credentials=None) -> int:
        """A successful login forgives only that user's own failures. Axes' default also clears
        every failure from the address, which would let an attacker with any account wipe the
        failures they just made against someone else's username by logging in as themselves."""
        username = get_client_username(request, credentials)
        count, _ = AccessAttempt.objects.filter(username=username).delete()
        return count
