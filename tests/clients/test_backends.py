"""The session's user arrives with its profile: a page's role checks cost no query of their own."""

import pytest

from clients.backends import ProfileModelBackend
from clients.roles import has_role, role_of
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def test_user_and_role_in_one_query(django_assert_num_queries):
    user = make_user("mia", role="manager")
    with django_assert_num_queries(1):
        loaded = ProfileModelBackend().get_user(user.pk)
        assert role_of(loaded) == "manager"
        assert has_role(loaded, "staff") and not has_role(loaded, "finance")


def test_inactive_and_unknown_users_are_nobody():
    user = make_user("gone", role="staff", is_active=False)
    assert ProfileModelBackend().get_user(user.pk) is None
    assert ProfileModelBackend().get_user(user.pk + 1000) is None


def test_a_logged_in_page_reads_the_role_with_the_user(client, django_assert_max_num_queries):
    user = make_user("sam", role="staff")
    client.force_login(user, backend="clients.backends.ProfileModelBackend")
    with django_assert_max_num_queries(3) as queries:
        assert client.get("/account/password/").status_code == 200
    assert not any('FROM "clients_userprofile"' in q["sql"] for q in queries)
