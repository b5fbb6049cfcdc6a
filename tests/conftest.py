"""Shared fixtures: a firm with two clients, users of every role, and an outsider.

Every later ownership test uses `firm`: `firm.acme_user` must get 404 on globex objects."""

from types import SimpleNamespace

import pytest
from django.test import Client as HttpClient

from tests.celery_worker import reachable_broker_url
from tests.factories import (
    PASSWORD,
    ClientFactory,
    CostRateFactory,
    MemberFactory,
    ProjectFactory,
    RateFactory,
    TaskFactory,
    make_user,
)


@pytest.fixture(autouse=True)
def _plain_http(settings):
    # Tests talk plain http to the test client; production keeps HTTPS on.
    settings.SECURE_SSL_REDIRECT = False
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    # PBKDF2 costs ~0.2 s per user and `firm` makes eight; tests need no slow hash.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def firm(db):
    acme = ClientFactory(code="ACME", name="Acme Ltd")
    globex = ClientFactory(code="GLOBEX", name="Globex Corp")
    internal = ClientFactory(code="FIRM", name="Our firm", is_internal=True)
    acme_project = ProjectFactory(client=acme, code="ACME-WEB", name="Acme website")
    globex_project = ProjectFactory(client=globex, code="GLX-OPS", name="Globex ops")
    internal_project = ProjectFactory(
        client=internal, code="FIRM-INT", name="Internal", classification="internal"
    )
    acme_task = TaskFactory(project=acme_project, name="Checkout bug")
    globex_task = TaskFactory(project=globex_project, name="Server patching")
    internal_task = TaskFactory(project=internal_project, name="Admin / Meetings")

    staff = make_user("staff", "staff")
    other_staff = make_user("staff2", "staff")
    manager = make_user("manager", "manager")
    finance = make_user("finance", "finance")
    admin = make_user("admin", "admin")
    acme_user = make_user("acme-viewer", "client", client=acme)
    globex_user = make_user("globex-viewer", "client", client=globex)
    outsider = make_user("outsider", "staff")
    outsider.profile.delete()  # a login with no role at all
    outsider.refresh_from_db()  # drop the cached (deleted) profile

    staff_member = MemberFactory(user=staff)
    other_member = MemberFactory(user=other_staff)
    manager_member = MemberFactory(user=manager)
    RateFactory(member=staff_member)
    CostRateFactory(member=staff_member)
    RateFactory(member=other_member)
    return SimpleNamespace(**locals())


def login_client(user) -> HttpClient:
    http = HttpClient()
    # Client.login() calls authenticate() without a request, which django-axes refuses;
    # force_login skips the backends, so check the password the journey would type.
    assert user.check_password(PASSWORD)
    http.force_login(user, backend="clients.backends.ProfileModelBackend")
    return http


@pytest.fixture
def as_user():
    """as_user(firm.staff) → a logged-in Django test client."""
    return login_client


@pytest.fixture
def broker_url():
    """The test Redis broker; fails the test (never skips) when it is not reachable."""
    return reachable_broker_url()
