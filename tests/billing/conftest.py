"""Billing fixtures: entries built through timetracking's services, Jira-like tasks."""

import datetime
from decimal import Decimal

import pytest

from clients.models import BillingPlan
from tests.factories import TaskFactory
from timetracking.services import create_entry


@pytest.fixture
def log(firm):
    """log(minutes, task=…, member=…, on=date, start=time) → an entry created by the service."""

    def make(
        minutes=60, *, task=None, member=None, on=datetime.date(2026, 3, 2), start=None, **extra
    ):
        return create_entry(
            task=task or firm.acme_task,
            member=member or firm.staff_member,
            on_date=on,
            duration_minutes=minutes,
            start_time=start,
            **extra,
        )

    return make


@pytest.fixture
def plan(firm):
    """The Acme billing plan; set attributes and save."""
    return BillingPlan.objects.get(client=firm.acme)


@pytest.fixture
def jira_task(firm):
    def make(key, issue_type="Task", priority="P4", summary=None, project=None):
        return TaskFactory(
            project=project or firm.acme_project,
            name=summary or f"Issue {key}",
            jira_issue_key=key,
            jira_issue_id=str(abs(hash(key)) % 10**9),
            jira_issue_type=issue_type,
            jira_priority=priority,
        )

    return make


def money(text) -> Decimal:
    return Decimal(text)
