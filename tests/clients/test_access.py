"""Roles and access (PRODUCT §9, INTERFACES §3.1): who sees which client; 404 across clients."""

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from clients.roles import client_id_of, has_role, is_client_user, is_staff_member, role_of
from clients.selectors import (
    get_client_for_user,
    get_project_for_user,
    get_purchase_for_user,
    get_task_for_user,
    visible_clients,
)
from clients.services import add_purchase
from tests.factories import TimeEntryFactory
from timetracking.selectors import can_change_entry, get_entry_for_user

STAFF_SIDE = ["staff", "other_staff", "manager", "finance", "admin"]


def _codes(clients):
    return set(clients.values_list("code", flat=True))


@pytest.mark.parametrize("who", STAFF_SIDE)
def test_staff_side_sees_every_client(firm, who):
    assert _codes(visible_clients(getattr(firm, who))) == {"ACME", "GLOBEX", "FIRM"}


def test_client_users_see_only_their_own_client(firm):
    assert _codes(visible_clients(firm.acme_user)) == {"ACME"}
    assert _codes(visible_clients(firm.globex_user)) == {"GLOBEX"}


@pytest.mark.parametrize("who", ["outsider", "anonymous", "inactive"])
def test_users_without_a_role_see_nothing(firm, who):
    if who == "anonymous":
        user = AnonymousUser()
    elif who == "inactive":
        user = firm.staff
        user.is_active = False
    else:
        user = firm.outsider
    assert not visible_clients(user).exists()
    assert role_of(user) is None
    with pytest.raises(Http404):
        get_client_for_user(user, firm.acme.pk)


@pytest.fixture
def objects(firm):
    """One entry and one purchase per client."""
    day = datetime.date(2026, 2, 10)
    return {
        "acme_entry": TimeEntryFactory(
            task=firm.acme_task, member=firm.staff_member, on_date=day, duration_minutes=60
        ),
        "globex_entry": TimeEntryFactory(
            task=firm.globex_task, member=firm.staff_member, on_date=day, duration_minutes=60
        ),
        "acme_purchase": add_purchase(client=firm.acme, hours="10", on_date=day),
        "globex_purchase": add_purchase(client=firm.globex, hours="10", on_date=day),
    }


def _fetchers(firm, objects):
    """(helper, own object id, other client's object id) for a client user of Acme."""
    return [
        (get_client_for_user, firm.acme.pk, firm.globex.pk),
        (get_project_for_user, firm.acme_project.pk, firm.globex_project.pk),
        (get_task_for_user, firm.acme_task.pk, firm.globex_task.pk),
        (get_entry_for_user, objects["acme_entry"].pk, objects["globex_entry"].pk),
        (get_purchase_for_user, objects["acme_purchase"].pk, objects["globex_purchase"].pk),
    ]


def test_client_users_get_404_on_another_clients_objects(firm, objects):
    for fetch, own_id, other_id in _fetchers(firm, objects):
        assert fetch(firm.acme_user, own_id).pk == own_id
        with pytest.raises(Http404):
            fetch(firm.acme_user, other_id)
        with pytest.raises(Http404):
            fetch(firm.globex_user, own_id)


def test_client_users_never_reach_the_internal_client(firm):
    for fetch, object_id in [
        (get_client_for_user, firm.internal.pk),
        (get_project_for_user, firm.internal_project.pk),
        (get_task_for_user, firm.internal_task.pk),
    ]:
        with pytest.raises(Http404):
            fetch(firm.acme_user, object_id)


def test_outsider_gets_404_on_everything(firm, objects):
    for fetch, own_id, other_id in _fetchers(firm, objects):
        for object_id in (own_id, other_id):
            with pytest.raises(Http404):
                fetch(firm.outsider, object_id)


def test_staff_fetch_objects_of_every_client(firm, objects):
    for fetch, own_id, other_id in _fetchers(firm, objects):
        assert fetch(firm.staff, own_id).pk == own_id
        assert fetch(firm.staff, other_id).pk == other_id


def test_unknown_ids_are_404(firm):
    with pytest.raises(Http404):
        get_client_for_user(firm.staff, 999_999)


# --- role hierarchy ---------------------------------------------------------------------------------


HIERARCHY = [
    # user, staff, manager, finance, admin
    ("staff", True, False, False, False),
    ("manager", True, True, False, False),
    ("finance", True, True, True, False),
    ("admin", True, True, True, True),
    ("acme_user", False, False, False, False),
    ("outsider", False, False, False, False),
]


@pytest.mark.parametrize(("who", "staff", "manager", "finance", "admin"), HIERARCHY)
def test_each_role_includes_the_ones_before_it(firm, who, staff, manager, finance, admin):
    user = getattr(firm, who)
    assert [has_role(user, role) for role in ("staff", "manager", "finance", "admin")] == [
        staff,
        manager,
        finance,
        admin,
    ]


def test_superuser_without_a_profile_is_admin(firm):
    firm.admin.profile.delete()
    firm.admin.refresh_from_db()
    assert role_of(firm.admin) == "admin"
    assert has_role(firm.admin, "finance")


def test_role_helpers(firm):
    assert role_of(firm.acme_user) == "client"
    assert is_client_user(firm.acme_user) and not is_staff_member(firm.acme_user)
    assert client_id_of(firm.acme_user) == firm.acme.pk
    assert client_id_of(firm.staff) is None
    assert is_staff_member(firm.staff) and not is_client_user(firm.staff)
    assert not has_role(AnonymousUser(), "staff")


def test_who_may_change_an_entry(firm, objects):
    entry = objects["acme_entry"]  # logged by `staff`
    assert can_change_entry(firm.staff, entry)
    assert not can_change_entry(firm.other_staff, entry)
    assert can_change_entry(firm.manager, entry)
    assert can_change_entry(firm.admin, entry)
    assert not can_change_entry(firm.acme_user, entry)
    assert not can_change_entry(firm.outsider, entry)


# --- pages ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/my-work/", "/portal/"])
def test_anonymous_users_are_sent_to_login(client, db, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=")


def test_portal_shows_the_client_users_own_client(firm, as_user):
    response = as_user(firm.acme_user).get("/portal/")
    assert response.status_code == 200
    assert "Acme Ltd" in response.content.decode()
    assert "Globex" not in response.content.decode()


def test_portal_ignores_the_client_parameter_for_client_users(firm, as_user):
    response = as_user(firm.acme_user).get(f"/portal/?client={firm.globex.pk}")
    assert response.status_code == 200
    assert "Acme Ltd" in response.content.decode()
    assert "Globex Corp" not in response.content.decode()


def test_managers_preview_the_portal_of_any_client(firm, as_user):
    response = as_user(firm.manager).get(f"/portal/?client={firm.globex.pk}")
    assert response.status_code == 200
    assert "Globex Corp" in response.content.decode()
    assert as_user(firm.manager).get("/portal/?client=999999").status_code == 404
    # Staff below manager get a clear refusal (PRODUCT §7: managers and up preview).
    refused = as_user(firm.staff).get(f"/portal/?client={firm.globex.pk}")
    assert refused.status_code == 403
    assert "Only managers and up" in refused.content.decode()


def test_outsider_has_no_portal(firm, as_user):
    assert as_user(firm.outsider).get("/portal/").status_code == 404


def test_client_users_get_404_on_staff_pages(firm, as_user):
    assert as_user(firm.acme_user).get("/my-work/").status_code == 404
    assert as_user(firm.outsider).get("/my-work/").status_code == 404
    assert as_user(firm.staff).get("/my-work/").status_code == 200


def test_login_page_has_username_and_password_fields(client, db):
    response = client.get("/login/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="username"' in html and 'name="password"' in html


def test_login_and_logout(firm, client):
    response = client.post("/login/", {"username": "staff", "password": "correct-horse-battery"})
    assert (response.status_code, response["Location"]) == (302, "/")
    assert client.get("/my-work/").status_code == 200
    response = client.post("/logout/")
    assert (response.status_code, response["Location"]) == (302, "/login/")
    assert client.get("/my-work/").status_code == 302


def test_wrong_password_is_refused(firm, client):
    response = client.post("/login/", {"username": "staff", "password": "wrong"})
    assert response.status_code == 200
    assert "didn't match" in response.content.decode()
    assert client.get("/my-work/").status_code == 302
