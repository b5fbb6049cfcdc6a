"""TRUSTED_PROXIES: which hops may name the client (X-Forwarded-For) and the scheme
(X-Forwarded-Proto)."""

import ipaddress
import logging

import pytest
from django.test import RequestFactory

from config.middleware import client_ip

PROXY = "10.0.0.5"


def networks(*items: str):
    return tuple(ipaddress.ip_network(item) for item in items)


@pytest.mark.parametrize(
    ("trusted", "remote", "forwarded_for", "expected"),
    [
        # No proxy configured: the connecting hop is the client, whatever the header says.
        ((), "203.0.113.7", "198.51.100.2", "203.0.113.7"),
        ((), "203.0.113.7", None, "203.0.113.7"),
        # From a trusted proxy: the address it appended.
        ((PROXY,), PROXY, "198.51.100.2", "198.51.100.2"),
        # The client's own forged entries sit left of what the proxy appended.
        ((PROXY,), PROXY, "1.1.1.1, 198.51.100.2", "198.51.100.2"),
        ((PROXY,), PROXY, "1.1.1.1,198.51.100.2 ", "198.51.100.2"),
        # Two proxies in a chain, both trusted by CIDR: skip both.
        (("10.0.0.0/8",), "10.0.0.1", "1.1.1.1, 198.51.100.2, 10.0.0.9", "198.51.100.2"),
        # A hop the proxy claims is not itself a proxy stops the walk.
        ((PROXY,), PROXY, "198.51.100.2, 10.0.0.9", "10.0.0.9"),
        # The proxy sent no header, or only proxies: the nearest known hop.
        ((PROXY,), PROXY, None, PROXY),
        ((PROXY,), PROXY, "", PROXY),
        (("10.0.0.0/8",), "10.0.0.1", "10.0.0.2", "10.0.0.2"),
        # Garbage where the client's address belongs: the nearest hop known to be real.
        ((PROXY,), PROXY, "not-an-ip", PROXY),
        (("10.0.0.0/8",), "10.0.0.1", "not-an-ip, 10.0.0.2", "10.0.0.2"),
        # A request from some other address is direct, even with the header.
        ((PROXY,), "203.0.113.7", "198.51.100.2", "203.0.113.7"),
        # IPv6 proxies and clients.
        (("fd00::/8",), "fd00::1", "2001:db8::7", "2001:db8::7"),
        (("fd00::1",), "fd00::1", "2001:db8:0:0::7", "2001:db8::7"),
    ],
)
def test_client_ip(settings, trusted, remote, forwarded_for, expected):
    settings.TRUSTED_PROXIES = networks(*trusted)
    meta = {"REMOTE_ADDR": remote}
    if forwarded_for is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded_for

    assert client_ip(RequestFactory().get("/login/", **meta)) == expected


# --- X-Forwarded-Proto (SECURE_PROXY_SSL_HEADER) ---------------------------------------------


@pytest.fixture
def https_on(settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 3600


@pytest.mark.django_db
def test_forwarded_proto_from_a_trusted_proxy_marks_the_request_secure(client, settings, https_on):
    settings.TRUSTED_PROXIES = networks(PROXY)

    response = client.get("/login/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_PROTO="https")

    assert response.status_code == 200
    assert response.wsgi_request.is_secure()
    assert response["Strict-Transport-Security"].startswith("max-age=3600")


@pytest.mark.django_db
@pytest.mark.parametrize("trusted", [(), (PROXY,)])
def test_forwarded_proto_from_anyone_else_is_ignored(client, settings, https_on, trusted):
    settings.TRUSTED_PROXIES = networks(*trusted)

    response = client.get("/login/", REMOTE_ADDR="203.0.113.7", HTTP_X_FORWARDED_PROTO="https")

    # Plain http stays plain http: redirected to https, no HSTS, no secure request.
    assert response.status_code == 301
    assert response["Location"].startswith("https://")
    assert not response.wsgi_request.is_secure()
    assert "HTTP_X_FORWARDED_PROTO" not in response.wsgi_request.META
    assert "Strict-Transport-Security" not in response


@pytest.mark.django_db
def test_a_trusted_proxy_saying_http_is_redirected(client, settings, https_on):
    settings.TRUSTED_PROXIES = networks(PROXY)

    response = client.get("/login/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_PROTO="http")

    assert response.status_code == 301


@pytest.mark.django_db
def test_a_private_hop_sending_forwarded_for_but_not_trusted_is_reported_once(client, caplog):
    with caplog.at_level(logging.WARNING, logger="config.middleware"):
        # (Python counts the documentation ranges as private; this one is a public address.)
        client.get("/login/", REMOTE_ADDR="93.184.215.14", HTTP_X_FORWARDED_FOR="198.51.100.2")
        assert not caplog.records  # a public client forging the header is no misconfiguration
        client.get("/login/", REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="198.51.100.2")
        client.get("/login/", REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="198.51.100.3")

    assert len(caplog.records) == 1
    assert "10.0.0.5 is not in TRUSTED_PROXIES" in caplog.records[0].getMessage()
