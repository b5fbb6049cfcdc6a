"""GET /api/v1/clients, /clients/{id}, /clients/{id}/hours, /clients/{id}/unbilled-time."""

import datetime
from decimal import Decimal

import pytest

from clients.services import add_purchase
from tests.api.conftest import ApiClient
from tests.factories import MemberFactory, TaskFactory, TimeEntryFactory, make_user
from timetracking.models import BillingAdjustment, RateCard
from timetracking.services import EntryChanges, delete_entry, record_adjustment, update_entry

# The day entries are logged on unless a test says otherwise.
ENTRY_DAY = datetime.date(2026, 3, 2)


SUMMARY_KEYS = {
    "id", "code", "name", "currency", "purchased_hours", "consumed_hours", "remaining_hours",
    "purchased_minutes", "consumed_minutes", "remaining_minutes", "at_risk", "runout_date",
}  # fmt: skip


@pytest.fixture
def acme_bank(firm):
    add_purchase(
        client=firm.acme, hours="10", on_date=datetime.date(2026, 1, 1), note="Initial block"
    )
    TimeEntryFactory(
        task=firm.acme_task, member=firm.staff_member, duration_minutes=90, on_date=ENTRY_DAY
    )  # 1h 30m of ACME
    TimeEntryFactory(
        task=firm.acme_task, member=firm.other_member, duration_minutes=45, on_date=ENTRY_DAY
    )
    return firm


def test_client_list_shape_order_and_balances(acme_bank):
    firm = acme_bank
    body = ApiClient(firm.staff).get("/clients").json()
    assert [c["code"] for c in body["results"]] == ["ACME", "FIRM", "GLOBEX"]
    acme = body["results"][0]
    assert set(acme) == SUMMARY_KEYS
    assert acme["purchased_minutes"] == 600
    assert acme["consumed_minutes"] == 135
    assert acme["remaining_minutes"] == 465
    # *_hours are JSON numbers, round-half-up to 2 decimals.
    assert acme["purchased_hours"] == 10 and isinstance(acme["purchased_hours"], float)
    assert acme["consumed_hours"] == 2.25
    assert acme["remaining_hours"] == 7.75
    assert acme["currency"] == "USD"
    assert acme["runout_date"] is None or datetime.date.fromisoformat(acme["runout_date"])


def test_hours_are_numbers_with_two_decimals(firm):
    TimeEntryFactory(
        task=firm.acme_task, member=firm.staff_member, duration_minutes=50, on_date=ENTRY_DAY
    )  # 0.8333… h
    acme = ApiClient(firm.staff).get(f"/clients/{firm.acme.pk}").json()
    assert acme["consumed_hours"] == 0.83
    assert acme["remaining_hours"] == -0.83


def test_client_user_lists_only_their_own_client(acme_bank):
    firm = acme_bank
    body = ApiClient(firm.acme_user).get("/clients").json()
    assert [c["id"] for c in body["results"]] == [firm.acme.pk]


def test_client_detail_for_staff_and_own_client_user(acme_bank):
    firm = acme_bank
    for user in (firm.staff, firm.finance, firm.acme_user):
        response = ApiClient(user).get(f"/clients/{firm.acme.pk}")
        assert response.status_code == 200
        assert response.json()["consumed_minutes"] == 135


@pytest.mark.parametrize("suffix", ["", "/hours"])
def test_another_clients_object_is_404_with_detail(firm, suffix):
    response = ApiClient(firm.acme_user).get(f"/clients/{firm.globex.pk}{suffix}")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}
    # The firm itself is never visible to client users either.
    assert ApiClient(firm.acme_user).get(f"/clients/{firm.internal.pk}{suffix}").status_code == 404


def test_unknown_client_is_404(firm):
    assert ApiClient(firm.staff).get("/clients/987654").status_code == 404


def test_client_id_must_be_an_integer(firm):
    response = ApiClient(firm.staff).get("/clients/acme")
    assert response.status_code == 400
    assert "id" in response.json()["errors"]


# --- /hours ----------------------------------------------------------------------------------


def test_hours_requests_one_row_per_task_largest_first(firm):
    linked = TaskFactory(
        project=firm.acme_project,
        name="Checkout 500s",
        jira_issue_key="ACME-7",
        jira_summary="Checkout returns 500",
    )
    linked_no_summary = TaskFactory(
        project=firm.acme_project, name="Fallback name", jira_issue_key="ACME-8"
    )
    idle = TaskFactory(project=firm.acme_project, name="Nothing logged")
    TimeEntryFactory(task=linked, member=firm.staff_member, duration_minutes=120, on_date=ENTRY_DAY)
    TimeEntryFactory(task=linked, member=firm.staff_member, duration_minutes=30, on_date=ENTRY_DAY)
    TimeEntryFactory(
        task=firm.acme_task, member=firm.staff_member, duration_minutes=60, on_date=ENTRY_DAY
    )
    TimeEntryFactory(
        task=linked_no_summary, member=firm.staff_member, duration_minutes=15, on_date=ENTRY_DAY
    )
    TimeEntryFactory(
        task=firm.acme_task,
        member=firm.staff_member,
        duration_minutes=30,
        on_date=ENTRY_DAY,
        billable=False,
    )  # consumes nothing

    body = ApiClient(firm.acme_user).get(f"/clients/{firm.acme.pk}/hours").json()
    assert SUMMARY_KEYS <= set(body)
    assert body["requests"] == [
        {
            "task_id": linked.pk,
            "jira_issue_key": "ACME-7",
            "summary": "Checkout returns 500",
            "minutes": 150,
            "hours": 2.5,
        },
        {
            "task_id": firm.acme_task.pk,
            "jira_issue_key": None,
            "summary": "Checkout bug",
            "minutes": 60,
            "hours": 1.0,
        },
        {
            "task_id": linked_no_summary.pk,
            "jira_issue_key": "ACME-8",
            "summary": "Fallback name",
            "minutes": 15,
            "hours": 0.25,
        },
    ]
    assert idle.pk not in {row["task_id"] for row in body["requests"]}
    assert sum(row["minutes"] for row in body["requests"]) == body["consumed_minutes"]


def test_hours_history_has_edits_deletes_purchases_and_adjustments_newest_first(
    firm, lock_on_invoice
):
    add_purchase(
        client=firm.acme, hours="40", on_date=datetime.date(2026, 1, 1), note="Initial block"
    )
    entry = TimeEntryFactory(
        task=firm.acme_task,
        member=firm.staff_member,
        duration_minutes=120,
        on_date=ENTRY_DAY,
        description="Checkout fix",
    )
    update_entry(entry, EntryChanges(duration_minutes=180))  # +60
    update_entry(entry, EntryChanges(description="Only the words"))  # 0 → left out
    gone = TimeEntryFactory(
        task=firm.acme_task, member=firm.staff_member, duration_minutes=30, on_date=ENTRY_DAY
    )
    delete_entry(gone)  # -30
    invoiced = lock_on_invoice(
        TimeEntryFactory(
            task=firm.acme_task, member=firm.staff_member, duration_minutes=60, on_date=ENTRY_DAY
        )
    )
    record_adjustment(invoiced, minutes=-15, reason="Jira worklog shortened after invoicing")

    body = ApiClient(firm.staff).get(f"/clients/{firm.acme.pk}/hours").json()
    history = body["history"]
    assert [(row["kind"], row["minutes_delta"]) for row in history] == [
        ("adjustment", -15),
        ("created", 60),
        ("deleted", -30),
        ("created", 30),
        ("updated", 60),
        ("created", 120),
        ("purchase", 2400),
    ]
    assert history[0]["entry_id"] == invoiced.pk
    assert history[0]["description"] == "Jira worklog shortened after invoicing"
    assert history[2]["entry_id"] == gone.pk
    assert history[-1] == {
        "at": history[-1]["at"],
        "kind": "purchase",
        "entry_id": None,
        "minutes_delta": 2400,
        "description": "Initial block",
    }
    assert all(row["at"].endswith("Z") for row in history)
    assert [row["at"] for row in history] == sorted((row["at"] for row in history), reverse=True)
    # Σ requests = consumed less adjustments.
    assert sum(r["minutes"] for r in body["requests"]) == body["consumed_minutes"] + 15
    assert BillingAdjustment.objects.count() == 1


def test_hours_history_keeps_the_latest_100(firm):
    for _ in range(103):
        TimeEntryFactory(
            task=firm.acme_task, member=firm.staff_member, duration_minutes=5, on_date=ENTRY_DAY
        )
    history = ApiClient(firm.staff).get(f"/clients/{firm.acme.pk}/hours").json()["history"]
    assert len(history) == 100


# --- /unbilled-time --------------------------------------------------------------------------


@pytest.fixture
def unbilled(firm, lock_on_invoice):
    second_project_task = TaskFactory(
        project__client=firm.acme, project__code="ACME-APP", project__name="App", name="Push"
    )
    norate = MemberFactory(user=make_user("norate", "staff"))
    entries = {
        "a": TimeEntryFactory(
            task=firm.acme_task,
            member=firm.staff_member,
            duration_minutes=90,
            on_date=datetime.date(2026, 3, 2),
        ),
        "b": TimeEntryFactory(
            task=firm.acme_task,
            member=firm.other_member,
            duration_minutes=50,
            on_date=datetime.date(2026, 3, 5),
        ),
        "c": TimeEntryFactory(
            task=second_project_task,
            member=firm.staff_member,
            duration_minutes=30,
            on_date=datetime.date(2026, 3, 10),
        ),
        "norate": TimeEntryFactory(
            task=firm.acme_task,
            member=norate,
            duration_minutes=60,
            on_date=datetime.date(2026, 3, 3),
        ),
        "nonbillable": TimeEntryFactory(
            task=firm.acme_task,
            member=firm.staff_member,
            duration_minutes=60,
            on_date=ENTRY_DAY,
            billable=False,
        ),
        "draft": lock_on_invoice(
            TimeEntryFactory(
                task=firm.acme_task,
                member=firm.staff_member,
                duration_minutes=60,
                on_date=ENTRY_DAY,
            ),
            locked=False,
        ),
        "invoiced": lock_on_invoice(
            TimeEntryFactory(
                task=firm.acme_task,
                member=firm.staff_member,
                duration_minutes=60,
                on_date=ENTRY_DAY,
            )
        ),
        "globex": TimeEntryFactory(
            task=firm.globex_task, member=firm.staff_member, duration_minutes=60, on_date=ENTRY_DAY
        ),
    }
    return firm, entries, second_project_task.project


def test_unbilled_time_groups_billable_uninvoiced_entries_by_project(unbilled):
    firm, entries, app = unbilled
    body = ApiClient(firm.finance).get(f"/clients/{firm.acme.pk}/unbilled-time").json()
    assert body["client_id"] == firm.acme.pk
    assert body["from"] is None and body["to"] is None
    assert body["currency"] == "USD"
    # Projects by code (ACME-APP before ACME-WEB), entries by date.
    assert [p["project_id"] for p in body["projects"]] == [app.pk, firm.acme_project.pk]
    web = body["projects"][1]
    assert [e["id"] for e in web["entries"]] == [
        entries["a"].pk,
        entries["norate"].pk,
        entries["b"].pk,
    ]
    assert web["entries"][0] == {
        "id": entries["a"].pk,
        "date": "2026-03-02",
        "member": "staff",
        "task": "Checkout bug",
        "jira_issue_key": None,
        "minutes": 90,
        "billable_minutes": 90,
        "rate": "100.00",
        "value": "150.00",
    }
    assert web["entries"][2]["value"] == "83.33"  # 50 min at 100.00/h
    no_rate = web["entries"][1]
    assert no_rate["rate"] is None and no_rate["value"] is None
    assert (web["minutes"], web["billable_minutes"], web["value"]) == (200, 200, "233.33")
    assert (body["total_minutes"], body["total_billable_minutes"], body["total_value"]) == (
        230,
        230,
        "283.33",
    )


def test_unbilled_totals_equal_the_sum_of_the_listed_entries(unbilled):
    firm, _, _ = unbilled
    body = ApiClient(firm.staff).get(f"/clients/{firm.acme.pk}/unbilled-time").json()
    listed = [e for p in body["projects"] for e in p["entries"]]
    assert body["total_minutes"] == sum(e["minutes"] for e in listed)
    assert body["total_billable_minutes"] == sum(e["billable_minutes"] for e in listed)
    assert Decimal(body["total_value"]) == sum(
        Decimal(e["value"]) for e in listed if e["value"] is not None
    )
    for project in body["projects"]:
        assert Decimal(project["value"]) == sum(
            Decimal(e["value"]) for e in project["entries"] if e["value"]
        )
        assert project["minutes"] == sum(e["minutes"] for e in project["entries"])


def test_unbilled_time_period_is_inclusive(unbilled):
    firm, entries, _ = unbilled
    body = (
        ApiClient(firm.staff)
        .get(f"/clients/{firm.acme.pk}/unbilled-time", {"from": "2026-03-03", "to": "2026-03-05"})
        .json()
    )
    assert (body["from"], body["to"]) == ("2026-03-03", "2026-03-05")
    assert [e["id"] for p in body["projects"] for e in p["entries"]] == [
        entries["norate"].pk,
        entries["b"].pk,
    ]


def test_unbilled_time_bad_dates_are_400_naming_the_format(unbilled):
    firm, _, _ = unbilled
    client = ApiClient(firm.staff)
    response = client.get(f"/clients/{firm.acme.pk}/unbilled-time", {"from": "03/01/2026"})
    assert response.status_code == 400
    assert "YYYY-MM-DD" in response.json()["errors"]["from"][0]
    response = client.get(
        f"/clients/{firm.acme.pk}/unbilled-time", {"from": "2026-03-10", "to": "2026-03-01"}
    )
    assert response.status_code == 400
    assert "before" in response.json()["errors"]["to"][0]


def test_unbilled_time_of_an_unknown_client_is_404(firm):
    assert ApiClient(firm.staff).get("/clients/424242/unbilled-time").status_code == 404


def test_unbilled_rate_snapshot_survives_rate_changes(unbilled):
    firm, entries, _ = unbilled
    RateCard.objects.filter(member=firm.staff_member).update(rate=Decimal("999.00"))
    body = ApiClient(firm.staff).get(f"/clients/{firm.acme.pk}/unbilled-time").json()
    row = next(e for p in body["projects"] for e in p["entries"] if e["id"] == entries["a"].pk)
    assert row["rate"] == "100.00"
