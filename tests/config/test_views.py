"""Project-wide views (config/views.py): the home redirect."""

import pytest

pytestmark = pytest.mark.django_db


def test_home_sends_staff_to_my_work_and_client_users_to_the_portal(firm, as_user):
    for user in (firm.staff, firm.manager, firm.finance, firm.admin):
        response = as_user(user).get("/")
        assert (response.status_code, response["Location"]) == (302, "/my-work/")
    response = as_user(firm.acme_user).get("/")
    assert (response.status_code, response["Location"]) == (302, "/portal/")
    assert as_user(firm.outsider).get("/").status_code == 404
