"""Login throttling (issue 11 item 8): per username from any address, per address over any
usernames, each address being the real client's — never a forged or shared one."""

import ipaddress

import axes.utils
import pytest
from django.conf import settings as django_settings
from django.test import Client as HttpClient

from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

PROXY = "10.0.0.5"
ATTACKER = "203.0.113.7"
VICTIM = "198.51.100.2"


@pytest.fixture(autouse=True)
def fresh_axes():
    axes.utils.reset()
    yield
    axes.utils.reset()


@pytest.fixture
def behind_proxy(settings):
    settings.TRUSTED_PROXIES = (ipaddress.ip_network(PROXY),)


def direct(address: str) -> HttpClient:
    """A browser connecting straight to the app from `address`."""
    return HttpClient(REMOTE_ADDR=address)


def via_proxy(address: str) -> HttpClient:
    """A browser at `address` reaching the app through the trusted proxy, which appends it."""
    return HttpClient(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=address)


def fail_login(http: HttpClient, username: str, **extra):
    response = http.post("/login/", {"username": username, "password": "wrong-password"}, **extra)
    assert "_auth_user_id" not in http.session
    return response


def log_in(http: HttpClient, username: str, **extra):
    return http.post("/login/", {"username": username, "password": PASSWORD}, **extra)


def assert_logged_in(http: HttpClient, response, user):
    assert response.status_code == 302, response.content[:300]
    assert http.session["_auth_user_id"] == str(user.pk)


def assert_locked_out(http: HttpClient, response):
    assert response.status_code == 429
    assert "_auth_user_id" not in http.session


def spray(http: HttpClient, failures: int, **extra):
    """One wrong password each for `failures` different usernames."""
    for number in range(failures):
        fail_login(http, f"sprayed-{number}", **extra)


def test_the_limits_are_five_per_username_and_twenty_per_address():
    assert django_settings.AXES_FAILURE_LIMIT == 5
    assert django_settings.AXES_IP_FAILURE_LIMIT == 20


# --- Per username, across addresses -----------------------------------------------------------


def test_a_username_is_locked_after_failures_from_several_addresses(firm):
    for number in range(django_settings.AXES_FAILURE_LIMIT):
        fail_login(direct(f"192.0.2.{number + 1}"), firm.staff.username)

    fresh_address = direct("192.0.2.200")
    assert_locked_out(fresh_address, log_in(fresh_address, firm.staff.username))
    # The lock is on that username: another user at the same fresh address is not concerned.
    assert_logged_in(
        fresh_address, log_in(fresh_address, firm.other_staff.username), firm.other_staff
    )


def test_one_failure_short_of_the_username_limit_still_logs_in(firm):
    for number in range(django_settings.AXES_FAILURE_LIMIT - 1):
        fail_login(direct(f"192.0.2.{number + 1}"), firm.staff.username)

    http = direct("192.0.2.200")
    assert_logged_in(http, log_in(http, firm.staff.username), firm.staff)


def test_logging_in_as_yourself_does_not_forgive_failures_against_someone_else(firm):
    attacker = direct(ATTACKER)
    for _ in range(django_settings.AXES_FAILURE_LIMIT - 1):
        fail_login(attacker, firm.staff.username)

    # The attacker's own valid account resets only the attacker's own failures…
    assert_logged_in(attacker, log_in(attacker, firm.other_staff.username), firm.other_staff)
    attacker.logout()
    fail_login(attacker, firm.staff.username)

    # …so the guesses against staff still add up to the limit.
    victim = direct(VICTIM)
    assert_locked_out(victim, log_in(victim, firm.staff.username))


def test_a_successful_login_forgives_the_users_own_failures(firm):
    http = direct(VICTIM)
    for _ in range(django_settings.AXES_FAILURE_LIMIT - 1):
        fail_login(http, firm.staff.username)
    assert_logged_in(http, log_in(http, firm.staff.username), firm.staff)
    http.logout()

    for _ in range(django_settings.AXES_FAILURE_LIMIT - 1):
        fail_login(http, firm.staff.username)
    assert_logged_in(http, log_in(http, firm.staff.username), firm.staff)


# --- Per address, across usernames ------------------------------------------------------------


def test_spraying_many_usernames_from_one_address_locks_that_address(firm):
    attacker = direct(ATTACKER)
    spray(attacker, django_settings.AXES_IP_FAILURE_LIMIT)

    # Even a right password for an account never tried is refused from there…
    refused = log_in(attacker, firm.staff.username)
    assert_locked_out(attacker, refused)
    # …with words true of an address lock too: the account itself is not locked.
    page = refused.content.decode()
    assert "from this account or network" in page and "account is locked" not in page
    # …while the same account from anywhere else is fine.
    victim = direct(VICTIM)
    assert_logged_in(victim, log_in(victim, firm.staff.username), firm.staff)


def test_one_failure_short_of_the_address_limit_still_logs_in(firm):
    http = direct(ATTACKER)
    spray(http, django_settings.AXES_IP_FAILURE_LIMIT - 1)

    assert_logged_in(http, log_in(http, firm.staff.username), firm.staff)


def test_the_address_limit_follows_its_setting(firm, settings):
    settings.AXES_IP_FAILURE_LIMIT = 8
    attacker = direct(ATTACKER)
    spray(attacker, 7)
    assert log_in(direct(VICTIM), firm.staff.username).status_code == 302

    spray(attacker, 1)

    assert_locked_out(attacker, log_in(attacker, firm.other_staff.username))


# --- The address is the real client's ---------------------------------------------------------


def test_without_trusted_proxies_a_forged_forwarded_for_is_ignored(firm):
    # The attacker claims to be the victim's address in every request.
    attacker = HttpClient(REMOTE_ADDR=ATTACKER, HTTP_X_FORWARDED_FOR=VICTIM)
    spray(attacker, django_settings.AXES_IP_FAILURE_LIMIT)

    victim = direct(VICTIM)
    assert_logged_in(victim, log_in(victim, firm.staff.username), firm.staff)
    # Changing the forged header does not get the attacker out of the lock either.
    assert_locked_out(
        attacker, log_in(attacker, firm.other_staff.username, HTTP_X_FORWARDED_FOR="192.0.2.77")
    )


def test_behind_the_proxy_the_lock_is_per_real_client_not_per_proxy(firm, behind_proxy):
    attacker = via_proxy(ATTACKER)
    spray(attacker, django_settings.AXES_IP_FAILURE_LIMIT)

    assert_locked_out(attacker, log_in(attacker, firm.staff.username))
    # Every browser shares the proxy's address; the victim behind it is not locked out.
    victim = via_proxy(VICTIM)
    assert_logged_in(victim, log_in(victim, firm.staff.username), firm.staff)


def test_behind_the_proxy_a_forged_address_left_of_the_proxys_is_ignored(firm, behind_proxy):
    # The attacker sends X-Forwarded-For: VICTIM; the proxy appends the attacker's real address.
    attacker = via_proxy(f"{VICTIM}, {ATTACKER}")
    spray(attacker, django_settings.AXES_IP_FAILURE_LIMIT)

    victim = via_proxy(VICTIM)
    assert_logged_in(victim, log_in(victim, firm.staff.username), firm.staff)
    assert_locked_out(attacker, log_in(attacker, firm.staff.username))


def test_an_untrusted_hop_cannot_use_the_proxys_header_to_pose_as_many_clients(firm, behind_proxy):
    # Not from the proxy: a new X-Forwarded-For per request must not mean a new address.
    attacker = direct(ATTACKER)
    for number in range(django_settings.AXES_IP_FAILURE_LIMIT):
        fail_login(attacker, f"sprayed-{number}", HTTP_X_FORWARDED_FOR=f"192.0.2.{number + 1}")

    assert_locked_out(
        attacker, log_in(attacker, firm.staff.username, HTTP_X_FORWARDED_FOR="192.0.2.99")
    )
