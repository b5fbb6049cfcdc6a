"""Start-up settings, /healthz and login throttling: the production guard rails."""

import os
import subprocess
import sys
from pathlib import Path

import axes.utils
import pytest
import redis
from django.conf import settings as django_settings

from tests.factories import PASSWORD

REPO_ROOT = Path(__file__).resolve().parents[2]


def _manage_check(**env_changes: str | None) -> subprocess.CompletedProcess:
    env = {**os.environ, "HTTPS": "false"}
    for name, value in env_changes.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_debug_off_without_secret_key_stops_at_start_naming_the_variable():
    result = _manage_check(DEBUG="false", SECRET_KEY=None)

    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr
    assert "ImproperlyConfigured" in result.stderr


def test_debug_off_with_secret_key_starts():
    result = _manage_check(DEBUG="false", SECRET_KEY="x" * 50)

    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize("length", [1, 20, 49])
def test_debug_off_with_a_short_secret_key_stops_at_start_naming_the_variable(length):
    result = _manage_check(DEBUG="false", SECRET_KEY="k" * length)

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert f"SECRET_KEY is too short ({length} characters)" in result.stderr
    assert "at least 50" in result.stderr


def test_debug_on_accepts_a_short_secret_key_for_local_work():
    result = _manage_check(DEBUG="true", SECRET_KEY="short")

    assert result.returncode == 0, result.stderr


def _settings_value(expression: str, **env_changes: str) -> subprocess.CompletedProcess:
    code = f"import django; django.setup(); from django.conf import settings; print({expression})"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", **env_changes}
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_trusted_proxies_default_to_none():
    result = _settings_value("settings.TRUSTED_PROXIES", DEBUG="true", TRUSTED_PROXIES="")

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "()"


def test_trusted_proxies_take_addresses_and_networks():
    result = _settings_value(
        "[str(network) for network in settings.TRUSTED_PROXIES]",
        DEBUG="true",
        TRUSTED_PROXIES="127.0.0.1, 10.0.0.0/8,fd00::/8",
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "['127.0.0.1/32', '10.0.0.0/8', 'fd00::/8']"


def test_a_trusted_proxy_that_is_not_an_address_stops_at_start():
    result = _settings_value("1", DEBUG="true", TRUSTED_PROXIES="10.0.0.1,proxy.internal")

    assert result.returncode != 0
    assert "TRUSTED_PROXIES: 'proxy.internal' is not an IP address or network" in result.stderr


def test_an_address_limit_below_the_username_limit_stops_at_start():
    result = _settings_value("1", DEBUG="true", AXES_FAILURE_LIMIT="5", AXES_IP_FAILURE_LIMIT="3")

    assert result.returncode != 0
    assert "AXES_IP_FAILURE_LIMIT (3) must be at least AXES_FAILURE_LIMIT (5)" in result.stderr


def test_database_connections_are_kept_between_requests():
    assert django_settings.DATABASES["default"]["CONN_MAX_AGE"] > 0
    assert django_settings.DATABASES["default"]["CONN_HEALTH_CHECKS"] is True


@pytest.mark.django_db
def test_healthz_without_broker_reports_eager_and_passes(client, settings):
    settings.REDIS_URL = ""

    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"database": "ok", "broker": "eager"}


@pytest.mark.django_db
def test_healthz_with_unreachable_broker_is_503(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"

    response = client.get("/healthz")

    assert response.status_code == 503
    body = response.json()
    assert body["database"] == "ok"
    assert body["broker"].startswith("error")


@pytest.mark.django_db
def test_healthz_with_real_redis_is_ok(client, settings):
    url = os.environ.get("TEST_REDIS_URL") or "redis://127.0.0.1:6379/15"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError as error:
        pytest.fail(f"Redis is not reachable at {url} ({error}); start it (make test does).")
    settings.REDIS_URL = url

    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"database": "ok", "broker": "ok"}


@pytest.mark.django_db
def test_healthz_is_not_redirected_to_https(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.REDIS_URL = ""

    assert client.get("/healthz").status_code == 200
    # Other pages are, which shows the exemption is what lets /healthz through.
    assert client.get("/login/").status_code == 301


@pytest.fixture
def fresh_axes():
    axes.utils.reset()
    yield
    axes.utils.reset()


def test_login_is_refused_after_too_many_failures_even_with_the_right_password(
    firm, client, fresh_axes
):
    for _ in range(django_settings.AXES_FAILURE_LIMIT):
        response = client.post(
            "/login/", {"username": firm.staff.username, "password": "wrong-password"}
        )
        assert "_auth_user_id" not in client.session

    response = client.post("/login/", {"username": firm.staff.username, "password": PASSWORD})

    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_a_few_failures_do_not_lock_the_account(firm, client, fresh_axes):
    for _ in range(django_settings.AXES_FAILURE_LIMIT - 1):
        client.post("/login/", {"username": firm.staff.username, "password": "wrong-password"})

    response = client.post("/login/", {"username": firm.staff.username, "password": PASSWORD})

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(firm.staff.pk)
