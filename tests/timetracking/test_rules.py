"""Billable minutes of an entry (PRODUCT §1 "Derived figures", §5.2): rounding, minimum, exclusions."""

import pytest

from clients.models import BillingPlan, Classification, Rounding
from tests.factories import ClientFactory, MemberFactory, ProjectFactory
from timetracking.models import Exclusion
from timetracking.rules import apply_plan, billable_minutes, is_billable


def _plan(method, increment, minimum=0):
    # An unsaved plan: apply_plan is pure arithmetic.
    return BillingPlan(
        rounding_method=method, rounding_increment_minutes=increment, min_billable_minutes=minimum
    )


ROUNDING = [
    # (method, increment, minutes, expected)
    (Rounding.NONE, 15, 7, 7),
    (Rounding.NONE, 60, 61, 61),
    (Rounding.UP, 6, 1, 6),
    (Rounding.UP, 6, 6, 6),
    (Rounding.UP, 6, 7, 12),
    (Rounding.UP, 15, 16, 30),
    (Rounding.UP, 15, 45, 45),
    (Rounding.UP, 30, 31, 60),
    (Rounding.UP, 60, 61, 120),
    (Rounding.UP, 60, 59, 60),
    (Rounding.DOWN, 6, 11, 6),
    (Rounding.DOWN, 15, 29, 15),
    (Rounding.DOWN, 15, 30, 30),
    (Rounding.DOWN, 15, 14, 0),  # below one increment rounds down to nothing
    (Rounding.DOWN, 30, 59, 30),
    (Rounding.DOWN, 60, 119, 60),
    (Rounding.NEAREST, 6, 8, 6),
    (Rounding.NEAREST, 6, 9, 12),  # exactly half: up
    (Rounding.NEAREST, 15, 7, 0),
    (Rounding.NEAREST, 15, 8, 15),
    (Rounding.NEAREST, 15, 22, 15),
    (Rounding.NEAREST, 15, 23, 30),
    (Rounding.NEAREST, 30, 44, 30),
    (Rounding.NEAREST, 30, 45, 60),  # exactly half: up
    (Rounding.NEAREST, 60, 89, 60),
    (Rounding.NEAREST, 60, 90, 120),  # exactly half: up
    (Rounding.NEAREST, 60, 120, 120),
    (Rounding.UP, 1, 7, 7),
    (Rounding.DOWN, 1, 7, 7),
    (Rounding.NEAREST, 1, 7, 7),
]


@pytest.mark.parametrize(("method", "increment", "minutes", "expected"), ROUNDING)
def test_rounding_to_the_increment(method, increment, minutes, expected):
    assert apply_plan(minutes, _plan(method, increment)) == expected


@pytest.mark.parametrize(
    ("method", "increment", "minimum", "minutes", "expected"),
    [
        (Rounding.NONE, 15, 30, 10, 30),
        (Rounding.NONE, 15, 30, 31, 31),
        (Rounding.UP, 15, 30, 5, 30),  # rounded to 15, then raised to the minimum
        (Rounding.UP, 15, 30, 31, 45),
        (Rounding.DOWN, 15, 30, 14, 30),  # 0 after rounding, then the minimum
        (Rounding.NEAREST, 60, 30, 20, 30),
        (Rounding.NEAREST, 60, 30, 40, 60),
        (Rounding.UP, 15, 20, 16, 30),  # the minimum never lowers
    ],
)
def test_minimum_applies_after_rounding(method, increment, minimum, minutes, expected):
    assert apply_plan(minutes, _plan(method, increment, minimum)) == expected


def test_no_plan_leaves_minutes_unchanged():
    assert apply_plan(37, None) == 37


@pytest.fixture
def acme_rounding(firm):
    BillingPlan.objects.filter(client=firm.acme).update(
        rounding_method=Rounding.UP, rounding_increment_minutes=15, min_billable_minutes=30
    )
    return firm


def _minutes(firm, *, base=40, flag=True, project=None, member=None, use_plan=True):
    return billable_minutes(
        base_minutes=base,
        flag=flag,
        project=project or firm.acme_project,
        member=member or firm.staff_member,
        use_plan=use_plan,
    )


def test_billable_minutes_use_the_clients_plan(acme_rounding):
    assert _minutes(acme_rounding, base=40) == 45
    assert _minutes(acme_rounding, base=10) == 30
    # Another client's plan is its own (Globex: none).
    assert _minutes(acme_rounding, base=40, project=acme_rounding.globex_project) == 40


def test_use_plan_false_takes_the_minutes_as_they_are(acme_rounding):
    assert _minutes(acme_rounding, base=40, use_plan=False) == 40
    assert _minutes(acme_rounding, base=10, use_plan=False) == 10


def test_client_without_a_plan_bills_the_duration(firm):
    planless = ClientFactory(code="NOPLAN", plan=None)
    assert not BillingPlan.objects.filter(client=planless).exists()
    assert _minutes(firm, base=41, project=ProjectFactory(client=planless)) == 41


def test_not_billable_when_the_flag_is_off(acme_rounding):
    assert _minutes(acme_rounding, flag=False) == 0


@pytest.mark.parametrize(
    "classification", [Classification.INTERNAL, Classification.OVERHEAD, Classification.EXCLUDED]
)
def test_not_billable_on_non_billable_projects(acme_rounding, classification):
    project = ProjectFactory(client=acme_rounding.acme, classification=classification)
    assert _minutes(acme_rounding, project=project) == 0
    assert (
        _minutes(acme_rounding, project=project, use_plan=False) == 0
    )  # the minimum never applies


def test_not_billable_on_the_internal_clients_project(firm):
    assert _minutes(firm, project=firm.internal_project) == 0


@pytest.mark.parametrize("exclusion", [Exclusion.OVERHEAD_ONLY, Exclusion.EXCLUDED])
def test_not_billable_for_excluded_members(acme_rounding, exclusion):
    member = MemberFactory(exclusion=exclusion)
    assert _minutes(acme_rounding, member=member) == 0
    assert _minutes(acme_rounding, member=member, use_plan=False) == 0


def test_zero_or_negative_base_bills_nothing_even_with_a_minimum(acme_rounding):
    # Tempo can report 0 billable seconds on a billable worklog.
    assert _minutes(acme_rounding, base=0) == 0
    assert _minutes(acme_rounding, base=-5) == 0


def test_is_billable_needs_all_three(firm):
    member = firm.staff_member
    assert is_billable(flag=True, project=firm.acme_project, member=member)
    assert not is_billable(flag=False, project=firm.acme_project, member=member)
    assert not is_billable(flag=True, project=firm.internal_project, member=member)
    assert not is_billable(
        flag=True,
        project=firm.acme_project,
        member=MemberFactory(exclusion=Exclusion.OVERHEAD_ONLY),
    )
