"""Production security settings: `check --deploy` is clean, cookies and headers are hardened,
the CSP forbids eval and htmx is configured not to need it."""

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client as HttpClient

from tests.factories import PASSWORD

REPO_ROOT = Path(__file__).resolve().parents[2]


def production_environment(**overrides: str) -> dict[str, str]:
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in {"DEBUG", "HTTPS", "SECRET_KEY", "ALLOWED_HOSTS"}
    }
    env.update(
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="hours.example.com",
        TRUSTED_PROXIES="10.0.0.10",
    )
    env.update(overrides)
    return env


def test_check_deploy_with_the_production_environment_prints_no_warnings():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=REPO_ROOT,
        env=production_environment(),
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNING" not in result.stdout + result.stderr


def test_check_deploy_fails_when_https_is_off_so_the_check_can_fail():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=REPO_ROOT,
        env=production_environment(HTTPS="false"),
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode != 0
    assert "security.W004" in result.stderr + result.stdout  # no HSTS


@pytest.fixture
def https_settings(settings):
    """What DEBUG=false with HTTPS on gives (the suite's autouse fixture turns it off)."""
    settings.SECURE_SSL_REDIRECT = True
    settings.SESSION_COOKIE_SECURE = True
    settings.CSRF_COOKIE_SECURE = True
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_HSTS_PRELOAD = True
    return settings


def test_production_settings_as_loaded_from_the_environment():
    code = (
        "from django.conf import settings as s;"
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY,"
        " s.CSRF_COOKIE_HTTPONLY, s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS,"
        " s.SECURE_HSTS_INCLUDE_SUBDOMAINS, s.SECURE_HSTS_PRELOAD, s.SECURE_PROXY_SSL_HEADER)"
    )
    run = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=REPO_ROOT,
        env={**production_environment(), "DJANGO_SETTINGS_MODULE": "config.settings"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.split(maxsplit=8) == [
        "True", "True", "True", "True", "True", "31536000", "True", "True",
        "('HTTP_X_FORWARDED_PROTO', 'https')\n",
    ]  # fmt: skip

    shorter = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=REPO_ROOT,
        env={
            **production_environment(HSTS_SECONDS="600", HSTS_PRELOAD="false"),
            "DJANGO_SETTINGS_MODULE": "config.settings",
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert shorter.returncode == 0, shorter.stderr
    assert shorter.stdout.split()[5:8] == ["600", "True", "False"]


@pytest.mark.django_db
def test_login_sets_secure_httponly_cookies_and_hsts_over_https(firm, https_settings):
    http = HttpClient()
    page = http.get("/login/", secure=True)
    assert page.status_code == 200
    assert page.headers["Strict-Transport-Security"] == (
        "max-age=31536000; includeSubDomains; preload"
    )
    csrf_cookie = page.cookies["csrftoken"]
    assert csrf_cookie["secure"] and csrf_cookie["httponly"]

    response = http.post("/login/", {"username": "staff", "password": PASSWORD}, secure=True)
    assert response.status_code == 302
    session_cookie = response.cookies["sessionid"]
    assert session_cookie["secure"]
    assert session_cookie["httponly"]
    assert session_cookie["samesite"] == "Lax"
    # Plain http is sent to https (and /healthz is not, for load balancers).
    assert http.get("/login/").status_code == 301
    assert HttpClient().get("/healthz").status_code in (200, 503)


@pytest.mark.django_db
def test_csp_forbids_eval_and_inline_and_htmx_is_told_not_to_eval(firm, as_user):
    response = as_user(firm.staff).get("/my-work/")
    assert response.status_code == 200
    policy = response.headers["Content-Security-Policy"]
    directives = dict(
        (part.split()[0], part.split()[1:]) for part in policy.split(";") if part.strip()
    )
    assert directives["script-src"] == ["'self'"]
    assert directives["style-src"] == ["'self'"]
    assert "unsafe-eval" not in policy and "unsafe-inline" not in policy
    assert directives["frame-ancestors"] == ["'none'"]
    html = response.content.decode()
    config = re.search(r'<meta name="htmx-config" content=\'([^\']*)\'', html)
    assert config is not None
    assert '"allowEval": false' in config.group(1)
    assert '"includeIndicatorStyles": false' in config.group(1)
    # No inline script or style the CSP would refuse (json_script data blocks are not run).
    assert not re.search(r'<script(?![^>]*\b(src=|type="application/json"))[^>]*>', html)
    assert " style=" not in html and " onclick=" not in html
