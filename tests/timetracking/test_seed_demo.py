"""`manage.py seed_demo`: a believable demo firm, built through the services, idempotent."""

import json
from datetime import date, timedelta
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client as HttpClient

from clients.models import Classification, Client, HourPurchase, Project, Role, Task
from clients.roles import role_of
from timetracking.balances import balance_of, with_balances
from timetracking.demo import DEMO_PASSWORD, seed_demo
from timetracking.models import EntryChange, Exclusion, Member, RateCard, TimeEntry

pytestmark = pytest.mark.django_db


def seed(*args) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


@pytest.fixture
def demo(db):
    return json.loads(seed("--json"))


def test_json_output_is_the_database_totals(demo):
    assert demo == {
        "clients": Client.objects.count(),
        "entries": TimeEntry.objects.count(),
        "users": get_user_model().objects.count(),
    }
    assert 4 <= Client.objects.filter(is_internal=False).count() <= 6
    assert 200 <= demo["entries"] <= 600


def test_second_run_adds_nothing(demo):
    counts = [
        model.objects.count()
        for model in (
            Client,
            Project,
            Task,
            Member,
            RateCard,
            HourPurchase,
            TimeEntry,
            EntryChange,
            get_user_model(),
        )
    ]
    assert json.loads(seed("--json")) == demo
    assert json.loads(seed("--json")) == demo
    assert [
        model.objects.count()
        for model in (
            Client,
            Project,
            Task,
            Member,
            RateCard,
            HourPurchase,
            TimeEntry,
            EntryChange,
            get_user_model(),
        )
    ] == counts


def test_rerun_on_a_later_day_matches_the_same_dated_rows(db):
    today = date(2026, 11, 27)
    seed_demo(today=today)
    purchases, rates, entries = (
        HourPurchase.objects.count(),
        RateCard.objects.count(),
        TimeEntry.objects.count(),
    )
    seed_demo(today=today + timedelta(days=40))
    assert (HourPurchase.objects.count(), RateCard.objects.count(), TimeEntry.objects.count()) == (
        purchases,
        rates,
        entries,
    )


def test_every_classification_role_and_exclusion_is_present(demo):
    assert set(Project.objects.values_list("classification", flat=True)) == set(
        Classification.values
    )
    internal = Client.objects.get(is_internal=True)
    assert set(internal.projects.values_list("classification", flat=True)) == {
        "internal",
        "overhead",
    }
    users = get_user_model().objects.filter(
        username__in=["admin", "finance", "manager", "alice", "bob", "acme"]
    )
    assert {user.username: role_of(user) for user in users} == {
        "admin": Role.ADMIN,
        "finance": Role.FINANCE,
        "manager": Role.MANAGER,
        "alice": Role.STAFF,
        "bob": Role.STAFF,
        "acme": Role.CLIENT,
    }
    assert get_user_model().objects.get(username="acme").profile.client.code == "ACME"
    assert Member.objects.filter(exclusion=Exclusion.OVERHEAD_ONLY).exists()
    assert set(Member.objects.values_list("user__username", flat=True)) >= {
        "alice",
        "bob",
        "manager",
    }


def test_every_demo_login_uses_the_demo_password(demo):
    users = get_user_model().objects.filter(
        username__in=["admin", "finance", "manager", "alice", "bob", "acme"]
    )
    assert len(users) == 6
    for user in users:
        assert user.is_active and user.check_password(DEMO_PASSWORD), user.username
    response = HttpClient().post("/login/", {"username": "alice", "password": DEMO_PASSWORD})
    assert response.status_code == 302


def test_admin_access_follows_the_roles(demo):
    users = {user.username: user for user in get_user_model().objects.all()}
    assert users["admin"].is_superuser and users["admin"].is_staff
    assert users["finance"].is_staff and not users["finance"].is_superuser
    assert users["finance"].has_perm("billing.change_invoice")
    assert not any(users[name].is_staff for name in ("manager", "alice", "bob", "acme"))


def test_one_client_is_negative_and_one_is_at_risk_above_zero(demo):
    balances = {
        client.code: balance_of(client)
        for client in with_balances(Client.objects.filter(is_internal=False))
    }
    assert any(balance.remaining_minutes < 0 for balance in balances.values())
    assert any(balance.at_risk and balance.remaining_minutes > 0 for balance in balances.values())
    assert any(not balance.at_risk for balance in balances.values())
    assert all(balance.has_purchases for balance in balances.values())


def test_entries_are_spread_over_the_last_eight_weeks_on_working_days(demo):
    dates = list(TimeEntry.objects.values_list("date", flat=True))
    latest, earliest = max(dates), min(dates)
    assert latest - earliest <= timedelta(days=56)
    assert all(day.weekday() < 5 for day in dates)
    assert len(set(dates)) >= 30


def test_entries_went_through_the_service(demo):
    entries = TimeEntry.objects.all()
    assert not entries.filter(billing_rate__isnull=True).exists()
    assert not entries.filter(cost_rate__isnull=True).exists()
    # One "created" history row per entry: only create_entry writes those.
    assert EntryChange.objects.filter(kind="created").count() == entries.count()
    # The rules applied: non-billable projects and the overhead-only member bill nothing.
    assert (
        not entries.exclude(task__project__classification="billable")
        .exclude(billable_minutes=0)
        .exists()
    )
    assert (
        not entries.filter(member__exclusion=Exclusion.OVERHEAD_ONLY)
        .exclude(billable_minutes=0)
        .exists()
    )
    assert entries.filter(billable_minutes__gt=0).exists()
    assert not entries.filter(task__project__classification=Classification.EXCLUDED).exists()


def test_linked_tasks_show_their_jira_key_and_summary(demo):
    task = Task.objects.get(jira_issue_key="ACME-12")
    assert task.project.client.code == "ACME"
    assert task.jira_summary
    assert Task.objects.filter(jira_issue_key__isnull=False).exclude(jira_summary="").count() >= 5


def test_plain_output_lists_the_logins(db):
    output = seed()
    assert "hourbank-demo" in output
    assert "acme (client)" in output
