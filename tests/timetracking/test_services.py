"""Entry writes (PRODUCT §1, §3.3, §3.6): snapshots, history deltas, moves, locks, sources."""

import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from billing.models import Invoice, InvoiceStatus
from clients.models import BillingPlan, Classification, Rounding, UserProfile
from clients.services import add_purchase
from tests.factories import (
    CostRateFactory,
    MemberFactory,
    ProjectFactory,
    RateFactory,
    TaskFactory,
    TimeEntryFactory,
)
from timetracking.balances import balance_of
from timetracking.models import (
    ChangeKind,
    EntryChange,
    Exclusion,
    RateCard,
    Source,
    TimeEntry,
)
from timetracking.services import (
    EntryChanges,
    EntryInvalid,
    EntryLocked,
    EntrySourceConflict,
    attach_entries_to_invoice,
    delete_entry,
    reapply_billing_rules,
    release_invoice_entries,
    set_invoice_lock,
    update_entry,
)

D = datetime.date
DAY = D(2026, 2, 10)


def _consumed(client):
    return balance_of(client).consumed_minutes


def _history(entry_ref):
    return list(EntryChange.objects.filter(entry_ref=entry_ref).order_by("id"))


# --- create -----------------------------------------------------------------------------------


def test_create_snapshots_the_rates_valid_on_the_entry_date(firm):
    member = firm.staff_member  # default 100 and cost 60 from 2020
    RateFactory(member=member, client=firm.acme, rate=Decimal("120.00"), valid_from=D(2026, 3, 1))
    CostRateFactory(member=member, rate=Decimal("65.00"), valid_from=D(2026, 3, 1))
    before = TimeEntryFactory(
        task=firm.acme_task,
        member=firm.staff_member,
        duration_minutes=120,
        on_date=D(2026, 2, 28),
        by=firm.staff,
    )
    after = TimeEntryFactory(
        task=firm.acme_task,
        member=firm.staff_member,
        duration_minutes=120,
        on_date=D(2026, 3, 1),
        by=firm.staff,
    )
    assert (
        before.billing_rate,
        before.billing_currency,
        before.cost_rate,
        before.cost_currency,
    ) == (
        Decimal("100.00"),
        "USD",
        Decimal("60.00"),
        "USD",
    )
    assert (after.billing_rate, after.cost_rate) == (Decimal("120.00"), Decimal("65.00"))


def test_create_without_rates_stores_none(firm):
    entry = TimeEntryFactory(
        task=firm.acme_task,
        member=firm.manager_member,
        duration_minutes=120,
        on_date=DAY,
        by=firm.staff,
    )
    assert (entry.billing_rate, entry.billing_currency, entry.cost_rate, entry.cost_currency) == (
        None,
        "",
        None,
        "",
    )


def test_billable_defaults_from_the_project_classification(firm):
    billable = TimeEntryFactory(
        task=firm.acme_task,
        member=firm.staff_member,
        duration_minutes=120,
        on_date=DAY,
        by=firm.staff,
    )
    internal = TimeEntryFactory(
        task=firm.internal_task,
        member=firm.staff_member,
        duration_minutes=120,
        on_date=DAY,
        by=firm.staff,
    )
    overhead = TimeEntryFactory(
        task=TaskFactory(
            project=ProjectFactory(client=firm.acme, classification=Classification.OVERHEAD)
        ),
        member=firm.staff_member,
        duration_minutes=120,
        on_date=DAY,
        by=firm.staff,
    )
    assert (billable.billable, billable.billable_minutes) == (True, 120)
    assert (internal.billable, internal.billable_minutes) == (False, 0)
    assert (overhead.billable, overhead.billable_minutes) == (False, 0)
    explicit = TimeEntryFactory(
        task=firm.acme_task,
        member=firm.staff_member,
        duration_minutes=120,
        on_date=DAY,
        billable=False,
        by=firm.staff,
    )
    assert (explicit.billable, explicit.billable_minutes) == (False, 0)


def test_create_applies_the_clients_plan(firm):
    BillingPlan.objects.filter(client=firm.acme).update(
        rounding_method=Rounding.UP, rounding_increment_minutes=15
    )
    assert (
        TimeEntryFactory(
            task=firm.acme_task,
            member=firm.staff_member,
            duration_minutes=61,
            on_date=DAY,
            by=firm.staff,
        ).billable_minutes
        == 75
    )


def test_create_writes_a_history_row_with_the_delta(firm):
    entry = TimeEntryFactory(
        task=firm.acme_task,
        member=firm.staff_member,
        duration_minutes=90,
        on_date=DAY,
        description="Fixed checkout",
        by=firm.staff,
    )
    (row,) = _history(entry.pk)
    assert (row.kind, row.entry_id, row.client_id, row.minutes_delta, row.duration_delta) == (
        ChangeKind.CREATED,
        entry.pk,
        firm.acme.pk,
        90,
        90,
    )
    assert row.changed_by == firm.staff
    assert row.description == "Fixed checkout"
    assert row.data["duration_minutes"] == 90 and row.data["member"] == "staff"


def test_non_billable_entry_history_has_zero_consumed_delta(firm):
    entry = TimeEntryFactory(
        task=firm.acme_task,
        member=firm.staff_member,
        duration_minutes=90,
        on_date=DAY,
        billable=False,
        by=firm.staff,
    )
    assert [(r.minutes_delta, r.duration_delta) for r in _history(entry.pk)] == [(0, 90)]


def test_manual_entries_over_24_hours_are_refused(firm):
    with pytest.raises(EntryInvalid) as refused:
        TimeEntryFactory(
            task=firm.acme_task,
            member=firm.staff_member,
            duration_minutes=1441,
            on_date=DAY,
            by=firm.staff,
        )
    assert (refused.value.field, refused.value.status) == ("duration", 400)
    assert "24 hours" in refused.value.message and "e.g." in refused.value.message
    assert (
        TimeEntryFactory(
            task=firm.acme_task,
            member=firm.staff_member,
            duration_minutes=1440,
            on_date=DAY,
            by=firm.staff,
        ).duration_minutes
        == 1440
    )
    entry = TimeEntryFactory(
        task=firm.acme_task,
        member=firm.staff_member,
        duration_minutes=60,
        on_date=DAY,
        by=firm.staff,
    )
    with pytest.raises(EntryInvalid):
        update_entry(entry, EntryChanges(duration_minutes=1441))


def test_synced_entries_may_exceed_24_hours(firm):
    entry = TimeEntryFactory(
        task=firm.acme_task,
        member=firm.staff_member,
        duration_minutes=1500,
        on_date=DAY,
        source=Source.JIRA,
        jira_worklog_id="10001",
        by=firm.staff,
    )
    assert entry.duration_minutes == 1500


@pytest.mark.parametrize("minutes", [0, -5, "60", 1.5, True, None])
def test_duration_must_be_positive_whole_minutes(firm, minutes):
    with pytest.raises(EntryInvalid, match="e.g. 90"):
        TimeEntryFactory(
            task=firm.acme_task,
            member=firm.staff_member,
            duration_minutes=minutes,
            on_date=DAY,
            by=firm.staff,
        )
    assert not TimeEntry.objects.exists()


def test_excluded_member_cannot_log_manually(firm):
    excluded = MemberFactory(exclusion=Exclusion.EXCLUDED)
    with pytest.raises(EntryInvalid) as refused:
        TimeEntryFactory(
            task=firm.acme_task, member=excluded, duration_minutes=120, on_date=DAY, by=firm.staff
        )
    assert refused.value.field == "member"
    assert "excluded" in refused.value.message
    assert not TimeEntry.objects.exists()


def test_manual_entry_cannot_be_moved_to_an_excluded_member(firm):
    entry = TimeEntryFactory(
        task=firm.acme_task,
        member=firm.staff_member,
        duration_minutes=120,
        on_date=DAY,
        by=firm.staff,
    )
    with pytest.raises(EntryInvalid) as refused:
        update_entry(entry, EntryChanges(member=MemberFactory(exclusion=Exclusion.EXCLUDED)))
    assert refused.value.field == "member"
    entry.refresh_from_db()
    assert entry.member == firm.staff_member


def test_overhead_only_member_logs_but_never_consumes(firm):
    entry = TimeEntryFactory(
        task=firm.acme_task,
        member=MemberFactory(exclusion=Exclusion.OVERHEAD_ONLY),
        duration_minutes=120,
        on_date=DAY,
        by=firm.staff,
    )
    assert (entry.billable, entry.billable_minutes) == (True, 0)
    assert _consumed(firm.acme) == 0


# --- update -----------------------------------------------------------------------------------


def test_duration_2h_to_3h_consumes_one_more_hour_and_back(firm):
    entry = TimeEntryFactory(
        task=firm.acme_task,
        member=firm.staff_member,
        duration_minutes=120,
        on_date=DAY,
        by=firm.staff,
    )
    update_entry(entry, EntryChanges(duration_minutes=180), by=firm.staff)
    assert _consumed(firm.acme) == 180
    update_entry(entry, EntryChanges(duration_minutes=120), by=firm.staff)
    assert _consumed(firm.acme) == 120
    assert [(r.kind, r.minutes_delta, r.duration_delta) for r in _history(entry.pk)] == [
        (ChangeKind.CREATED, 120, 120),
        (ChangeKind.UPDATED, 60, 60),
        (ChangeKind.UPDATED, -60, -60),
    ]


def test_description_change_keeps_the_snapshot_after_the_rate_table_changed(firm):
    entry = TimeEntryFactory(
        task=firm.acme_task,
        member=firm.staff_member,
        duration_minutes=120,
        on_date=DAY,
        by=firm.staff,
    )
    RateCard.objects.filter(member=firm.staff_member).update(rate=Decimal("500.00"))
    RateFactory(
        member=firm.staff_member,
        project=firm.acme_project,
        rate=Decimal("300.00"),
        valid_from=D(2026, 1, 1),
    )
    CostRateFactory(member=firm.staff_member, rate=Decimal("90.00"), valid_from=D(2026, 1, 1))
    changed = update_entry(entry, EntryChanges(description="Better words", duration_minutes=150))
    assert (changed.billing_rate, changed.cost_rate) == (Decimal("100.00"), Decimal("60.00"))
    changed.refresh_from_db()
    assert (changed.description, changed.billing_rate) == ("Better words", Decimal("100.00"))


@pytest.mark.parametrize("what", ["task", "member", "date"])
def test_task_member_or_date_change_re_resolves_the_snapshot(firm, what):
    entry = TimeEntryFactory(
        task=firm.acme_task,
        member=firm.staff_member,
        duration_minutes=120,
        on_date=DAY,
        by=firm.staff,
    )
    newer = {
        "task": lambda: RateFactory(
            member=firm.staff_member,
            project=firm.globex_project,
            rate=Decimal("210.00"),
            valid_from=D(2026, 1, 1),
        ),
        "member": lambda: RateFactory(
            member=firm.manager_member, rate=Decimal("210.00"), valid_from=D(2026, 1, 1)
        ),
        "date": lambda: RateFactory(
            member=firm.staff_member, rate=Decimal("210.00"), valid_from=D(2026, 3, 1)
        ),
    }[what]
    newer()
    changes = {
        "task": EntryChanges(task=firm.globex_task),
        "member": EntryChanges(member=firm.manager_member),
        "date": EntryChanges(on_date=D(2026, 3, 1)),
    }[what]
    assert update_entry(entry, changes).billing_rate == Decimal("210.00")


def test_moving_an_entry_to_another_clients_task_moves_the_consumption(firm):
    add_purchase(client=firm.acme, hours="10", on_date=D(2026, 1, 1))
    add_purchase(client=firm.globex, hours="10", on_date=D(2026, 1, 1))
    BillingPlan.objects.filter(client=firm.globex).update(min_billable_minutes=150)
    entry = TimeEntryFactory(
        task=firm.acme_task,
        member=firm.staff_member,
        duration_minutes=120,
        on_date=DAY,
        by=firm.staff,
    )
    update_entry(entry, EntryChanges(task=firm.globex_task), by=firm.manager)
    assert (balance_of(firm.acme).remaining_minutes, balance_of(firm.globex).remaining_minutes) == (
        600,
        450,
    )
    rows = _history(entry.pk)
    assert [(r.client_id, r.minutes_delta, r.duration_delta) for r in rows] == [
        (firm.acme.pk, 120, 120),
        (firm.acme.pk, -120, -120),
        (firm.globex.pk, 150, 120),
    ]
    assert sum(r.minutes_delta for r in rows if r.client_id == firm.acme.pk) == 0
    assert rows[-1].changed_by == firm.manager


def test_billable_toggle_moves_the_balance(firm):
    entry = TimeEntryFactory(
        task=firm.acme_task,
        member=firm.staff_member,
        duration_minutes=90,
        on_date=DAY,
        by=firm.staff,
    )
    update_entry(entry, EntryChanges(billable=False))
    assert _consumed(firm.acme) == 0
    update_entry(entry, EntryChanges(billable=True))
    assert _consumed(firm.acme) == 90
    assert [r.minutes_delta for r in _history(entry.pk)] == [90, -90, 90]
    entry.refresh_from_db()
    assert entry.billable_override  # a manual entry keeps the flag it was given


# --- delete -----------------------------------------------------------------------------------


def test_delete_writes_a_history_row_that_survives_and_credits_the_balance(firm):
    entry = TimeEntryFactory(
        task=firm.acme_task,
        member=firm.staff_member,
        duration_minutes=90,
        on_date=DAY,
        by=firm.staff,
    )
    entry_id = entry.pk
    update_entry(entry, EntryChanges(duration_minutes=120))
    assert _consumed(firm.acme) == 120
    delete_entry(entry, by=firm.staff)
    assert not TimeEntry.objects.filter(pk=entry_id).exists()
    assert _consumed(firm.acme) == 0
    rows = _history(entry_id)
    assert [(r.kind, r.minutes_delta, r.duration_delta) for r in rows] == [
        (ChangeKind.CREATED, 90, 90),
        (ChangeKind.UPDATED, 30, 30),
        (ChangeKind.DELETED, -120, -120),
    ]
    assert all(r.entry_id is None for r in rows)  # the FK is gone, the reference stays
    assert rows[-1].changed_by == firm.staff
    assert rows[-1].data["duration_minutes"] == 120  # what was deleted
    assert sum(r.minutes_delta for r in rows) == 0


# --- locks ------------------------------------------------------------------------------------


def _invoice(client, status=InvoiceStatus.APPROVED, number="INV-2026-0001"):
    return Invoice.objects.create(
        client=client,
        status=status,
        number=number if status != InvoiceStatus.DRAFT else None,
        currency="USD",
        period_from=D(2026, 2, 1),
        period_to=D(2026, 2, 28),
    )


def _lock(entry, client):
    invoice = _invoice(client)
    assert attach_entries_to_invoice([entry.pk], invoice.pk) == 1
    assert set_invoice_lock(invoice.pk, True) == 1
    entry.refresh_from_db()
    return invoice


def test_locked_entry_refuses_update_and_delete_and_nothing_changes(firm):
    entry = TimeEntryFactory(
        task=firm.acme_task,
        member=firm.staff_member,
        duration_minutes=120,
        on_date=DAY,
        description="Invoiced work",
        by=firm.staff,
    )
    _lock(entry, firm.acme)
    history_before = len(_history(entry.pk))
    attempts = [
        lambda: update_entry(entry, EntryChanges(duration_minutes=180)),
        lambda: update_entry(entry, EntryChanges(description="Sneaky")),
        lambda: update_entry(entry, EntryChanges(billable=False)),
        lambda: update_entry(entry, EntryChanges(task=firm.globex_task)),
        lambda: delete_entry(entry),
    ]
    for attempt in attempts:
        with pytest.raises(EntryLocked) as refused:
            attempt()
        assert refused.value.status == 409
        assert "INV-2026-0001" in refused.value.message
    entry.refresh_from_db()
    assert (entry.duration_minutes, entry.description, entry.billable, entry.task_id) == (
        120,
        "Invoiced work",
        True,
        firm.acme_task.pk,
    )
    assert len(_history(entry.pk)) == history_before
    assert _consumed(firm.acme) == 120


def test_locked_entry_refuses_even_its_source(firm):
    entry = TimeEntryFactory(
        task=firm.acme_task,
        member=firm.staff_member,
        duration_minutes=60,
        on_date=DAY,
        source=Source.JIRA,
        jira_worklog_id="20001",
        by=firm.staff,
    )
    _lock(entry, firm.acme)
    with pytest.raises(EntryLocked):
        update_entry(entry, EntryChanges(duration_minutes=90), from_source=True)
    with pytest.raises(EntryLocked):
        delete_entry(entry, from_source=True)


def test_entries_on_a_draft_stay_editable_and_release_unlocks(firm):
    entry = TimeEntryFactory(
        task=firm.acme_task,
        member=firm.staff_member,
        duration_minutes=60,
        on_date=DAY,
        by=firm.staff,
    )
    draft = _invoice(firm.acme, status=InvoiceStatus.DRAFT)
    attach_entries_to_invoice([entry.pk], draft.pk)
    assert update_entry(entry, EntryChanges(duration_minutes=75)).duration_minutes == 75
    approved = _invoice(firm.acme, number="INV-2026-0002")
    assert attach_entries_to_invoice([entry.pk], approved.pk) == 0  # already on an invoice
    release_invoice_entries(draft.pk)
    attach_entries_to_invoice([entry.pk], approved.pk)
    set_invoice_lock(approved.pk, True)
    with pytest.raises(EntryLocked):
        update_entry(entry, EntryChanges(duration_minutes=90))
    release_invoice_entries(approved.pk)  # void
    assert update_entry(entry, EntryChanges(duration_minutes=90)).duration_minutes == 90


# --- sources ----------------------------------------------------------------------------------


@pytest.fixture
def jira_entry(firm):
    return TimeEntryFactory(
        task=firm.acme_task,
        member=firm.staff_member,
        duration_minutes=120,
        on_date=DAY,
        source=Source.JIRA,
        jira_worklog_id="30001",
        description="From Jira",
        by=firm.staff,
    )


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        (lambda f: EntryChanges(duration_minutes=180), "duration_minutes"),
        (lambda f: EntryChanges(on_date=D(2026, 2, 11)), "date"),
        (lambda f: EntryChanges(task=f.globex_task), "task"),
        (lambda f: EntryChanges(member=f.other_member), "member"),
    ],
)
def test_source_owned_fields_are_refused_for_synced_entries(firm, jira_entry, changes, field):
    with pytest.raises(EntrySourceConflict) as refused:
        update_entry(jira_entry, changes(firm))
    assert (refused.value.status, refused.value.field) == (409, field)
    assert "Jira" in refused.value.message
    jira_entry.refresh_from_db()
    assert (
        jira_entry.duration_minutes,
        jira_entry.date,
        jira_entry.task_id,
        jira_entry.member_id,
    ) == (
        120,
        DAY,
        firm.acme_task.pk,
        firm.staff_member.pk,
    )


def test_unchanged_source_fields_are_not_a_conflict(firm, jira_entry):
    same = EntryChanges(duration_minutes=120, on_date=DAY, task=firm.acme_task, description="Notes")
    assert update_entry(jira_entry, same).description == "Notes"


def test_synced_entries_cannot_be_deleted_here(firm, jira_entry):
    with pytest.raises(EntrySourceConflict, match="Jira"):
        delete_entry(jira_entry)
    assert TimeEntry.objects.filter(pk=jira_entry.pk).exists()


def test_billable_override_is_allowed_and_remembered(firm, jira_entry):
    changed = update_entry(jira_entry, EntryChanges(billable=False))
    assert (changed.billable, changed.billable_override, changed.billable_minutes) == (
        False,
        True,
        0,
    )
    assert _consumed(firm.acme) == 0


def test_the_source_itself_may_change_and_delete(firm, jira_entry):
    changed = update_entry(
        jira_entry, EntryChanges(duration_minutes=180, billable=False), from_source=True
    )
    assert (changed.duration_minutes, changed.billable, changed.billable_override) == (
        180,
        False,
        False,
    )
    delete_entry(jira_entry, from_source=True)
    assert not TimeEntry.objects.filter(pk=jira_entry.pk).exists()
    assert [r.kind for r in _history(jira_entry.pk)] == [
        ChangeKind.CREATED,
        ChangeKind.UPDATED,
        ChangeKind.DELETED,
    ]


def test_tempo_entry_keeps_its_billable_minutes_when_the_description_changes(firm):
    # Tempo's billable seconds (here 60 min of a 120-min worklog) are the base, not the duration.
    entry = TimeEntryFactory(
        task=firm.acme_task,
        member=firm.staff_member,
        duration_minutes=120,
        on_date=DAY,
        source=Source.TEMPO,
        tempo_worklog_id="40001",
        billable_base_minutes=60,
        by=firm.staff,
    )
    assert entry.billable_minutes == 60
    changed = update_entry(entry, EntryChanges(description="Clarified"))
    assert changed.billable_minutes == 60
    assert _consumed(firm.acme) == 60
    assert (
        update_entry(
            entry, EntryChanges(billable_base_minutes=90), from_source=True
        ).billable_minutes
        == 90
    )


def test_field_entry_is_not_rounded_again_when_edited(firm):
    BillingPlan.objects.filter(client=firm.acme).update(
        rounding_method=Rounding.UP, rounding_increment_minutes=60
    )
    entry = TimeEntryFactory(
        task=firm.acme_task,
        member=firm.staff_member,
        duration_minutes=145,
        on_date=DAY,
        source=Source.FIELD,
        use_plan=False,
        by=firm.staff,
    )
    assert entry.billable_minutes == 145
    assert update_entry(entry, EntryChanges(description="Hedge trimming")).billable_minutes == 145
    assert update_entry(entry, EntryChanges(billable=False)).billable_minutes == 0
    assert update_entry(entry, EntryChanges(billable=True)).billable_minutes == 145


# --- re-apply billing rules ---------------------------------------------------------------------


def test_reapply_billing_rules_changes_only_unlocked_entries_and_writes_history(firm):
    open_entry = TimeEntryFactory(
        task=firm.acme_task,
        member=firm.staff_member,
        duration_minutes=50,
        on_date=DAY,
        by=firm.staff,
    )
    locked_entry = TimeEntryFactory(
        task=firm.acme_task,
        member=firm.staff_member,
        duration_minutes=40,
        on_date=DAY,
        by=firm.staff,
    )
    globex_entry = TimeEntryFactory(
        task=firm.globex_task,
        member=firm.staff_member,
        duration_minutes=20,
        on_date=DAY,
        by=firm.staff,
    )
    _lock(locked_entry, firm.acme)
    BillingPlan.objects.filter(client=firm.acme).update(
        rounding_method=Rounding.UP, rounding_increment_minutes=30
    )
    BillingPlan.objects.filter(client=firm.globex).update(min_billable_minutes=30)

    assert reapply_billing_rules(client=firm.acme, by=firm.manager).as_dict() == {
        "entries": 1,
        "minutes_delta": 10,
    }
    open_entry.refresh_from_db()
    locked_entry.refresh_from_db()
    globex_entry.refresh_from_db()
    assert (
        open_entry.billable_minutes,
        locked_entry.billable_minutes,
        globex_entry.billable_minutes,
    ) == (60, 40, 20)
    last = _history(open_entry.pk)[-1]
    assert (last.kind, last.minutes_delta, last.duration_delta, last.changed_by) == (
        ChangeKind.UPDATED,
        10,
        0,
        firm.manager,
    )
    assert len(_history(locked_entry.pk)) == 1

    assert (
        reapply_billing_rules(by=firm.manager).entries == 1
    )  # now Globex; Acme is already up to date
    globex_entry.refresh_from_db()
    assert globex_entry.billable_minutes == 30
    assert reapply_billing_rules().entries == 0


# --- database constraints -----------------------------------------------------------------------


def _refused_by_the_database(write):
    with pytest.raises(IntegrityError), transaction.atomic():
        write()


def test_db_refuses_a_zero_duration(firm):
    entry = TimeEntryFactory(
        task=firm.acme_task,
        member=firm.staff_member,
        duration_minutes=60,
        on_date=DAY,
        by=firm.staff,
    )
    _refused_by_the_database(
        lambda: TimeEntry.objects.filter(pk=entry.pk).update(duration_minutes=0)
    )


def test_db_refuses_a_lock_without_an_invoice(firm):
    entry = TimeEntryFactory(
        task=firm.acme_task,
        member=firm.staff_member,
        duration_minutes=60,
        on_date=DAY,
        by=firm.staff,
    )
    _refused_by_the_database(lambda: TimeEntry.objects.filter(pk=entry.pk).update(locked=True))


def test_db_refuses_a_rate_at_both_client_and_project_level(firm):
    _refused_by_the_database(
        lambda: RateCard.objects.create(
            member=firm.staff_member,
            client=firm.acme,
            project=firm.acme_project,
            rate=Decimal("1.00"),
            currency="USD",
            valid_from=D(2026, 1, 1),
        )
    )


def test_db_refuses_a_client_role_without_a_client(firm):
    _refused_by_the_database(
        lambda: UserProfile.objects.filter(user=firm.acme_user).update(client=None)
    )
    _refused_by_the_database(
        lambda: UserProfile.objects.filter(user=firm.staff).update(client=firm.acme)
    )
