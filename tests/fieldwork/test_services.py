"""Activities and their one `field` time entry, allocation over a day, retroactive rounding
and CSV import, all through the services."""

import datetime

import pytest

from fieldwork.models import PersonAdjustment, WorkActivity
from fieldwork.services import (
    ActivityInvalid,
    ActivityLocked,
    CsvImportError,
    allocate_breaks,
    allocate_travel,
    apply_rounding,
    delete_activity,
    import_csv,
    input_of,
    preview_rounding,
    set_field_rounding,
    update_activity,
)
from tests.factories import invoice_and_lock
from timetracking.balances import balance_of
from timetracking.models import EntryChange, Source, TimeEntry

from .conftest import DAY


def test_seed_example_becomes_one_field_entry_of_the_lead(firm, make_activity):
    activity = make_activity(
        "08:00",
        "16:00",
        3,
        adjustments=[("Andrea", 145), ("Virginia", -30)],
        break_minutes=30,
        allocated_break_minutes=20,
        non_billable_minutes=15,
        travel_minutes=90,  # raw travel: stored, not billed
        allocated_travel_minutes=40,
    )
    expected = 1440 + 145 - 30 - 30 + 20 - 15 + 40
    assert activity.billable_minutes == expected
    entry = TimeEntry.objects.get(pk=activity.time_entry_id)
    assert entry.source == Source.FIELD
    assert entry.member == firm.staff_member
    assert entry.task == firm.acme_task
    assert entry.date == DAY
    assert entry.billable_minutes == expected
    assert balance_of(firm.acme).consumed_minutes == expected
    assert PersonAdjustment.objects.filter(activity=activity).count() == 2


def test_entry_takes_the_minutes_as_they_are_above_24_hours(firm, make_activity):
    from clients.models import BillingPlan

    BillingPlan.objects.update_or_create(
        client=firm.acme,
        defaults={
            "rounding_increment_minutes": 60,
            "rounding_method": "up",
            "min_billable_minutes": 120,
        },
    )
    activity = make_activity("06:00", "18:05", 3)  # 36 h 15 min for a crew of three
    entry = activity.time_entry
    assert entry.duration_minutes == entry.billable_minutes == 3 * 725
    small = make_activity("08:00", "08:10")
    assert small.time_entry.billable_minutes == 10  # no plan minimum or rounding again


def test_billable_at_or_below_zero_means_no_entry(firm, make_activity):
    activity = make_activity("08:00", "09:00", non_billable_minutes=60)
    assert activity.billable_minutes == 0
    assert activity.time_entry is None
    assert not TimeEntry.objects.exists()


def test_every_change_recomputes_and_updates_the_entry(firm, make_activity):
    activity = make_activity("08:00", "12:00", 2)
    entry_id = activity.time_entry_id
    data = input_of(activity)
    data.crew_size = 3
    data.adjustments = data.adjustments + []
    from fieldwork.services import AdjustmentInput

    data.adjustments.append(AdjustmentInput("Andrea", -30, "left early"))
    activity = update_activity(activity, data, by=firm.staff)
    assert activity.billable_minutes == 720 - 30
    entry = TimeEntry.objects.get(pk=entry_id)
    assert entry.billable_minutes == entry.duration_minutes == 690
    assert EntryChange.objects.filter(entry_ref=entry_id, kind="updated").get().minutes_delta == 210

    data = input_of(activity)
    data.non_billable_minutes = 10_000 - 9_999 + 689  # billable 0 → the entry goes
    activity = update_activity(activity, data, by=firm.staff)
    assert activity.billable_minutes == 0 and activity.time_entry is None
    assert not TimeEntry.objects.filter(pk=entry_id).exists()
    data.non_billable_minutes = 0
    activity = update_activity(activity, data, by=firm.staff)
    assert activity.time_entry.billable_minutes == 690


def test_changing_the_lead_moves_the_entry(firm, make_activity):
    activity = make_activity()
    data = input_of(activity)
    data.lead = firm.other_member
    data.task = firm.globex_task
    activity = update_activity(activity, data, by=firm.manager)
    entry = activity.time_entry
    assert (entry.member, entry.task) == (firm.other_member, firm.globex_task)
    assert balance_of(firm.acme).consumed_minutes == 0
    assert balance_of(firm.globex).consumed_minutes == 480


def test_end_before_start_is_refused_naming_the_field(firm, make_activity):
    with pytest.raises(ActivityInvalid) as refused:
        make_activity("16:00", "08:00")
    assert refused.value.field == "end_time"
    assert "e.g. start 08:00, end 16:30" in refused.value.message
    assert not WorkActivity.objects.exists()


@pytest.mark.parametrize("status", ["draft", "approved"])
def test_billed_or_invoiced_activity_is_read_only(firm, make_activity, status):
    activity = make_activity()
    invoice_and_lock(firm.acme, [activity.time_entry], status=status)
    data = input_of(activity)
    data.crew_size = 2
    with pytest.raises(ActivityLocked):
        update_activity(activity, data, by=firm.staff)
    with pytest.raises(ActivityLocked):
        delete_activity(activity, by=firm.staff)
    activity.refresh_from_db()
    assert activity.crew_size == 1 and activity.time_entry.billable_minutes == 480


def test_delete_removes_the_entry_and_keeps_its_history(firm, make_activity):
    activity = make_activity()
    entry_id = activity.time_entry_id
    delete_activity(activity, by=firm.staff)
    assert not WorkActivity.objects.exists() and not TimeEntry.objects.exists()
    assert EntryChange.objects.filter(entry_ref=entry_id, kind="deleted").exists()
    assert balance_of(firm.acme).consumed_minutes == 0


# --- Allocation -------------------------------------------------------------------------------


@pytest.mark.parametrize("count", [1, 2, 7])
def test_travel_allocation_keeps_the_days_total(firm, make_activity, count):
    activities = [
        make_activity(
            "08:00",
            f"{9 + index:02d}:{(index * 7) % 60:02d}",
            1 + index % 3,
            travel_minutes=13 + index,
        )
        for index in range(count)
    ]
    make_activity(on_date=DAY + datetime.timedelta(days=1), travel_minutes=500)  # another day
    allocated = allocate_travel(DAY, by=firm.staff)
    assert len(allocated) == count
    total_travel = sum(13 + index for index in range(count))
    assert sum(a.allocated_travel_minutes for a in allocated) == total_travel
    for activity in allocated:
        activity.refresh_from_db()
        assert activity.time_entry.billable_minutes == activity.billable_minutes
    before = [a.allocated_travel_minutes for a in allocated]
    again = allocate_travel(DAY, by=firm.staff)
    assert [a.allocated_travel_minutes for a in again] == before
    assert activities[0].pk == allocated[0].pk


def test_travel_goes_by_adjusted_total_minutes(firm, make_activity):
    small = make_activity("08:00", "10:00", travel_minutes=60)  # 120 min
    large = make_activity("10:00", "14:00", adjustments=[("Andrea", 120)], travel_minutes=30)  # 360
    allocate_travel(DAY, by=firm.staff)
    small.refresh_from_db()
    large.refresh_from_db()
    assert (small.allocated_travel_minutes, large.allocated_travel_minutes) == (23, 67)
    assert small.billable_minutes == 120 + 23
    assert large.billable_minutes == 360 + 67


@pytest.mark.parametrize("count", [1, 2, 7])
def test_break_allocation_keeps_the_days_total(firm, make_activity, count):
    for index in range(count):
        make_activity("08:00", f"{10 + index:02d}:00", break_minutes=10 + 3 * index)
    allocated = allocate_breaks(DAY, by=firm.staff)
    assert sum(a.allocated_break_minutes for a in allocated) == sum(
        10 + 3 * i for i in range(count)
    )
    # Net effect: the day's billable minutes equal the work time (breaks redistributed).
    assert sum(a.billable_minutes for a in allocated) == sum(120 + 60 * i for i in range(count))
    again = allocate_breaks(DAY, by=firm.staff)
    assert [a.allocated_break_minutes for a in again] == [
        a.allocated_break_minutes for a in allocated
    ]


def test_break_goes_by_billable_minutes(firm, make_activity):
    first = make_activity("08:00", "10:00", break_minutes=0)  # billable 120
    second = make_activity("10:00", "16:30", break_minutes=30)  # billable 360
    allocate_breaks(DAY, by=firm.staff)
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.allocated_break_minutes, second.allocated_break_minutes) == (8, 22)
    assert first.billable_minutes + second.billable_minutes == 120 + 390


def test_allocation_leaves_invoiced_activities_alone(firm, make_activity):
    billed = make_activity("08:00", "10:00", travel_minutes=60)
    open_one = make_activity("10:00", "12:00", travel_minutes=30)
    invoice_and_lock(firm.acme, [billed.time_entry])
    allocate_travel(DAY, by=firm.staff)
    billed.refresh_from_db()
    open_one.refresh_from_db()
    assert billed.allocated_travel_minutes == 0 and billed.billable_minutes == 120
    assert open_one.allocated_travel_minutes == 30


# --- Rounding ---------------------------------------------------------------------------------


def test_new_activities_use_the_firms_rounding(firm, make_activity, rounding):
    rounding("up")
    assert make_activity("08:00", "09:15").billable_minutes == 90
    rounding("down")
    assert make_activity("08:00", "09:45").billable_minutes == 90
    rounding("nearest")
    assert make_activity("08:00", "09:15").time_entry.billable_minutes == 90


def test_retroactive_rounding_skips_billed_and_invoiced_activities(firm, make_activity, rounding):
    invoiced = make_activity("08:00", "09:15")
    billed = make_activity("09:15", "10:35")
    unbilled = make_activity("11:00", "12:45")
    exact = make_activity("13:00", "14:00")
    invoice_and_lock(firm.acme, [invoiced.time_entry], number="INV-1")
    invoice_and_lock(firm.acme, [billed.time_entry], status="draft")
    set_field_rounding("nearest", by=firm.manager)

    preview = preview_rounding()
    assert [(c.activity.pk, c.before_minutes, c.after_minutes) for c in preview.changes] == [
        (unbilled.pk, 105, 120)
    ]
    assert (preview.total_before, preview.total_after, preview.skipped_billed) == (105, 120, 2)
    assert (
        WorkActivity.objects.get(pk=unbilled.pk).billable_minutes == 105
    )  # preview writes nothing

    assert apply_rounding(by=firm.manager) == 1
    for activity, minutes in ((invoiced, 75), (billed, 80), (unbilled, 120), (exact, 60)):
        activity.refresh_from_db()
        assert activity.billable_minutes == minutes
        assert activity.time_entry.billable_minutes == minutes
    assert preview_rounding().changes == []


def test_only_managers_change_or_apply_rounding(firm):
    from fieldwork.services import ActivityForbidden

    with pytest.raises(ActivityForbidden):
        set_field_rounding("up", by=firm.staff)
    with pytest.raises(ActivityForbidden):
        apply_rounding(by=firm.staff)
    with pytest.raises(ActivityInvalid, match="e.g. nearest"):
        set_field_rounding("sideways", by=firm.manager)


# --- CSV import -------------------------------------------------------------------------------

HEADER = "date,project,task,lead,start_time,end_time,crew_size,break_minutes,non_billable_minutes,travel_minutes,person,adjustment,note\n"


def test_csv_import_creates_activities_with_adjustments(firm):
    content = (
        HEADER
        + "2026-03-02,ACME-WEB,Checkout bug,staff,08:00,16:00,3,30,15,40,Andrea,2:25,stayed late\n"
        + ",,,,,,,,,,Virginia,-0:30,left early\n"
        + "\n"
        + "2026-03-02,glx-ops,server patching,staff2,09:00,11:00,,,,,,,\n"
    ).encode()
    created = import_csv(content, user=firm.staff)
    assert len(created) == 2
    first, second = created
    assert [(a.person, a.minutes, a.note) for a in first.adjustments.all()] == [
        ("Andrea", 145, "stayed late"),
        ("Virginia", -30, "left early"),
    ]
    assert first.travel_minutes == 40 and first.allocated_travel_minutes == 0
    assert first.billable_minutes == 1440 + 115 - 30 - 15
    assert second.lead == firm.other_member and second.time_entry.billable_minutes == 120


def test_csv_errors_name_their_lines_and_nothing_is_written(firm):
    content = (
        HEADER
        + "2026-03-02,ACME-WEB,Checkout bug,staff,08:00,16:00,3,30,15,40,Andrea,2:25,\n"
        + "2026-03-32,ACME-WEB,Checkout bug,staff,08:00,16:00,1,,,,,,\n"
        + "2026-03-02,ACME-WEB,No such task,nobody,08:00,07:00,0,-5,,,,,\n"
        + ",,,,,,,,,,Virginia,half an hour,\n"
    ).encode()
    with pytest.raises(CsvImportError) as refused:
        import_csv(content, user=firm.staff)
    errors = refused.value.errors
    assert any(e.startswith("Line 3, date:") and "YYYY-MM-DD" in e for e in errors)
    assert any(e.startswith("Line 4, crew_size:") for e in errors)
    assert any(e.startswith("Line 4, break_minutes:") for e in errors)
    assert any(e.startswith("Line 4, task:") and "No such task" in e for e in errors)
    assert any(e.startswith("Line 4, lead:") and "nobody" in e for e in errors)
    assert any(e.startswith("Line 5, adjustment:") and "2:25 or -0:30" in e for e in errors)
    assert not any(e.startswith("Line 2") for e in errors)
    assert not WorkActivity.objects.exists() and not TimeEntry.objects.exists()


def test_csv_end_before_start_and_orphan_adjustment(firm):
    content = (
        HEADER
        + ",,,,,,,,,,Andrea,1:00,\n"
        + "2026-03-02,ACME-WEB,Checkout bug,staff,16:00,08:00,1,,,,,,\n"
    ).encode()
    with pytest.raises(CsvImportError) as refused:
        import_csv(content, user=firm.staff)
    assert refused.value.errors[0].startswith("Line 2: an adjustment row needs an activity row")
    assert refused.value.errors[1].startswith("Line 3, end_time:")


def test_csv_header_problems_are_line_1(firm):
    with pytest.raises(CsvImportError) as refused:
        import_csv(b"date,project,colour\n2026-03-02,ACME-WEB,red\n", user=firm.staff)
    assert refused.value.errors[0].startswith("Line 1: unknown column(s) colour")
    assert refused.value.errors[1].startswith("Line 1: missing column(s) task, lead")
    with pytest.raises(CsvImportError, match="not UTF-8"):
        import_csv(b"\xff\xfe\x00", user=firm.staff)


def test_csv_tasks_follow_visibility_of_the_importer(firm):
    # Client users never reach the import; the lookup still goes through visible tasks.
    content = (HEADER + "2026-03-02,ACME-WEB,Checkout bug,staff,08:00,09:00,1,,,,,,\n").encode()
    with pytest.raises(CsvImportError, match="Line 2, task"):
        import_csv(content, user=firm.outsider)


def test_a_billable_override_on_the_entry_survives_activity_changes(firm, make_activity):
    from timetracking.services import EntryChanges, update_entry

    activity = make_activity()
    update_entry(activity.time_entry, EntryChanges(billable=False), by=firm.manager)
    data = input_of(activity)
    data.crew_size = 2
    activity = update_activity(activity, data, by=firm.staff)
    entry = activity.time_entry
    assert activity.billable_minutes == 960
    assert (entry.billable, entry.billable_override, entry.billable_minutes) == (False, True, 0)
