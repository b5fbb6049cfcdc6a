"""`manage.py import_setup` and its service (INTERFACES §1, §1.1)."""

import datetime
import json
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clients.models import (
    BillingPlan,
    Client,
    FirmSettings,
    HourPurchase,
    Project,
    Task,
    UserProfile,
)
from clients.services import FINANCE_GROUP
from tests.factories import make_user
from timetracking.durations import parse_duration
from timetracking.models import CostRate, Member, RateCard, TimeEntry
from timetracking.services import create_entry, placeholder_member
from timetracking.setup import SetupError, import_setup, validate_setup

EXAMPLE_FILE = Path(__file__).resolve().parents[2] / "docs" / "setup.example.json"
EXAMPLE_PASSWORD = "change-me-please-123"
ZERO = {"clients": 0, "projects": 0, "tasks": 0, "members": 0, "users": 0}
DUMPED_MODELS = [
    FirmSettings,
    Client,
    BillingPlan,
    HourPurchase,
    Project,
    Task,
    get_user_model(),
    UserProfile,
    Member,
    RateCard,
    CostRate,
    TimeEntry,
]


def example() -> dict:
    return json.loads(EXAMPLE_FILE.read_text())


def dump() -> dict:
    """Every row of every model the import may touch, with all fields."""
    return {model.__name__: list(model.objects.order_by("pk").values()) for model in DUMPED_MODELS}


def password_works(username: str, password: str) -> bool:
    return get_user_model().objects.get(username=username).check_password(password)


def run_command(tmp_path, data, *, as_json=True) -> tuple[int, str]:
    """(exit status, stdout) of the command on `data` (a dict, or raw text written as is)."""
    path = tmp_path / "setup.json"
    path.write_text(data if isinstance(data, str) else json.dumps(data))
    out = StringIO()
    args = [str(path), "--json"] if as_json else [str(path)]
    try:
        call_command("import_setup", *args, stdout=out, stderr=StringIO())
    except CommandError as error:
        if not as_json:
            return error.returncode, str(error)
        return error.returncode, out.getvalue()
    return 0, out.getvalue()


def run_json(tmp_path, data) -> tuple[int, dict]:
    status, out = run_command(tmp_path, data)
    return status, json.loads(out)  # fails unless stdout is exactly one JSON document


# --- the full example --------------------------------------------------------------------------


@pytest.mark.django_db
def test_example_imports_every_object(tmp_path):
    status, counts = run_json(tmp_path, example())

    assert status == 0
    assert counts == {"clients": 1, "projects": 1, "tasks": 2, "members": 1, "users": 4}
    acme = Client.objects.get(code="ACME")
    assert acme.name == "Acme Ltd"
    assert acme.currency == "USD"
    assert acme.tax_rate == Decimal("0.15")
    assert acme.timezone == "Europe/Berlin"
    assert acme.billing_mode == "hour_bank"
    assert acme.low_balance_hours == Decimal("5")
    assert acme.low_balance_percent is None
    assert acme.runout_warning_weeks == 4
    assert acme.owner.username == "mgr"
    assert acme.alert_contacts == ["it@acme.example"]
    assert acme.business_weekdays == [0, 1, 2, 3, 4]
    assert (acme.business_start, acme.business_end) == (datetime.time(8), datetime.time(18))
    plan = acme.plan
    assert (plan.min_billable_minutes, plan.rounding_method, plan.rounding_increment_minutes) == (
        30,
        "none",
        15,
    )
    assert plan.multipliers == {
        "standard": "1.0",
        "off_hours": "1.0",
        "p1_p3": "1.0",
        "p1_p3_off_hours": "1.5",
    }
    assert plan.critical_priorities == ["P1", "P2", "P3", "Highest", "High"]
    assert plan.overtime_rate is None
    purchase = HourPurchase.objects.get(client=acme)
    assert (purchase.date, purchase.hours, purchase.minutes, purchase.note) == (
        datetime.date(2026, 1, 1),
        Decimal("40"),
        2400,
        "Initial block",
    )
    project = Project.objects.get(code="ACME-WEB")
    assert project.client == acme
    assert project.budget_hours == Decimal("100")
    assert project.jira_project_keys == ["ACME"]
    assert project.jira_labels == ["acme-web"]
    assert set(project.tasks.values_list("name", "jira_issue_key")) == {
        ("Admin / Meetings", None),
        ("Checkout bug", "ACME-12"),
    }
    alice = Member.objects.get(user__username="alice")
    assert alice.user.get_full_name() == "Alice Ngata"
    assert alice.user.email == "alice@example.com"
    assert alice.jira_account_id == "5b10ac8d82e05b22cc7d4ef5"
    assert alice.timezone == "Europe/Berlin"
    assert alice.user.profile.role == "staff"
    assert {(rate.level, rate.rate) for rate in alice.rates.all()} == {
        ("default", Decimal("100.00")),
        ("client", Decimal("120.00")),
        ("project", Decimal("150.00")),
    }
    assert alice.cost_rates.get().rate == Decimal("60.00")
    viewer = UserProfile.objects.get(user__username="acme-viewer")
    assert (viewer.role, viewer.client) == ("client", acme)
    assert UserProfile.objects.get(user__username="fin").role == "finance"
    assert get_user_model().objects.get(username="fin").is_staff  # finance reaches the admin
    assert not get_user_model().objects.get(username="mgr").is_staff
    assert password_works("fin", EXAMPLE_PASSWORD)
    assert not alice.user.has_usable_password()  # a member without a users row gets no password


@pytest.mark.django_db
def test_identical_rerun_counts_zero_and_changes_no_row(tmp_path):
    run_json(tmp_path, example())
    before = dump()

    status, counts = run_json(tmp_path, example())

    assert (status, counts) == (0, ZERO)
    assert dump() == before


@pytest.mark.django_db
def test_human_output_without_json(tmp_path):
    status, out = run_command(tmp_path, example(), as_json=False)
    assert status == 0
    assert "1 clients, 1 projects, 2 tasks, 1 members, 4 users created or changed" in out


# --- counting what changed -----------------------------------------------------------------------


def _set_project_name(data):
    data["clients"][0]["projects"][0]["name"] = "New website"


def _set_task_name_by_key(data):
    data["clients"][0]["projects"][0]["tasks"][1]["name"] = "Checkout bug (renamed)"


def _add_purchase(data):
    data["clients"][0]["purchases"].append({"date": "2026-02-01", "hours": "10", "note": "Top-up"})


def _set_multiplier(data):
    data["clients"][0]["plan"]["multipliers"]["off_hours"] = "1.25"


def _set_rate(data):
    data["members"][0]["rates"][2]["rate"] = "155.00"


def _add_cost_rate(data):
    data["members"][0]["cost_rates"].append(
        {"rate": "65.00", "currency": "USD", "valid_from": "2026-06-01"}
    )


def _set_member_name(data):
    data["members"][0]["name"] = "Alice Ngata-Smith"


def _set_role(data):
    data["users"][1]["role"] = "manager"


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (_set_project_name, {"projects": 1}),
        (_set_task_name_by_key, {"tasks": 1}),
        (_add_purchase, {"clients": 1}),
        (_set_multiplier, {"clients": 1}),
        (_set_rate, {"members": 1}),
        (_add_cost_rate, {"members": 1}),
        (_set_member_name, {"users": 1}),
        (_set_role, {"users": 1}),
    ],
)
@pytest.mark.django_db
def test_a_change_counts_only_its_object(tmp_path, change, expected):
    run_json(tmp_path, example())
    rows_before = {name: len(rows) for name, rows in dump().items()}
    data = example()
    change(data)

    status, counts = run_json(tmp_path, data)

    assert status == 0
    assert counts == {**ZERO, **expected}
    assert run_json(tmp_path, data) == (0, ZERO)
    rows_after = {name: len(rows) for name, rows in dump().items()}
    added = {
        name: rows_after[name] - rows_before[name]
        for name in rows_after
        if rows_after[name] != rows_before[name]
    }
    # Updates change rows in place; only a new purchase or cost rate adds one.
    assert added in ({}, {"HourPurchase": 1}, {"CostRate": 1})


@pytest.mark.django_db
def test_changed_values_are_stored(tmp_path):
    run_json(tmp_path, example())
    data = example()
    for change in (_set_task_name_by_key, _set_multiplier, _set_rate, _set_role):
        change(data)
    run_json(tmp_path, data)

    assert Task.objects.get(jira_issue_key="ACME-12").name == "Checkout bug (renamed)"
    assert Task.objects.count() == 2
    assert BillingPlan.objects.get().multipliers["off_hours"] == "1.25"
    assert RateCard.objects.get(project__code="ACME-WEB").rate == Decimal("155.00")
    assert UserProfile.objects.get(user__username="fin").role == "manager"


@pytest.mark.django_db
def test_keys_left_out_keep_existing_values(firm, tmp_path):
    Client.objects.filter(pk=firm.acme.pk).update(
        tax_rate=Decimal("0.2"), alert_contacts=["ops@acme.example"]
    )

    status, counts = run_json(tmp_path, {"clients": [{"code": "ACME", "name": "Acme Ltd"}]})

    assert (status, counts) == (0, ZERO)
    firm.acme.refresh_from_db()
    assert firm.acme.tax_rate == Decimal("0.2")
    assert firm.acme.alert_contacts == ["ops@acme.example"]


@pytest.mark.django_db
def test_numbers_and_strings_are_the_same_decimal(tmp_path):
    data = example()
    run_json(tmp_path, data)
    data["clients"][0]["tax_rate"] = 0.15
    data["clients"][0]["plan"]["multipliers"]["p1_p3_off_hours"] = "1.50"
    data["clients"][0]["purchases"][0]["hours"] = 40
    data["members"][0]["rates"][0]["rate"] = 100

    assert run_json(tmp_path, data) == (0, ZERO)


# --- errors ---------------------------------------------------------------------------------------


_DELETE = object()


def _mutation(path_and_value):
    """A change to the example: (key, index, …, value); the value _DELETE removes the key."""
    *keys, value = path_and_value

    def apply(data):
        target = data
        for key in keys[:-1]:
            target = target[key]
        if value is _DELETE:
            del target[keys[-1]]
        else:
            target[keys[-1]] = value

    return apply


CLIENT = ("clients", 0)
RATE_1 = ("members", 0, "rates", 1)

ERROR_CASES = {
    "unknown top-level key": (
        _mutation(("extras", 1)),
        "extras: unknown key (allowed: settings, clients, members, users)",
    ),
    "unknown nested key": (
        _mutation((*CLIENT, "projects", 0, "tasks", 1, "colour", "red")),
        "clients[0].projects[0].tasks[1].colour: unknown key",
    ),
    "unknown plan key": (
        _mutation((*CLIENT, "plan", "rounding", "mode", "up")),
        "clients[0].plan.rounding.mode: unknown key",
    ),
    "bad classification": (
        lambda data: data["clients"][0]["projects"].append(
            {"code": "ACME-OPS", "name": "Ops", "classification": "billabel"}
        ),
        "clients[0].projects[1].classification: must be one of billable, internal, overhead, "
        "excluded (got 'billabel')",
    ),
    "bad rounding method": (
        _mutation((*CLIENT, "plan", "rounding", "method", "ceil")),
        "clients[0].plan.rounding.method: must be one of none, up, down, nearest (got 'ceil')",
    ),
    "bad rounding increment": (
        _mutation((*CLIENT, "plan", "rounding", "increment_minutes", 7)),
        "clients[0].plan.rounding.increment_minutes: must be one of",
    ),
    "unknown multiplier": (
        _mutation((*CLIENT, "plan", "multipliers", "weekend", "2")),
        "clients[0].plan.multipliers.weekend: unknown key",
    ),
    "bad purchase date": (
        _mutation((*CLIENT, "purchases", 0, "date", "2026-13-01")),
        "clients[0].purchases[0].date: must be a date YYYY-MM-DD, e.g. \"2026-01-31\" (got '2026-13-01')",
    ),
    "bad rate date": (
        _mutation(("members", 0, "rates", 0, "valid_from", "2026-02-30")),
        "members[0].rates[0].valid_from: must be a date YYYY-MM-DD",
    ),
    "bad timezone": (
        _mutation((*CLIENT, "timezone", "Europe/Berln")),
        "clients[0].timezone: must be an IANA timezone, e.g. \"Europe/Berlin\" (got 'Europe/Berln')",
    ),
    "bad member timezone": (
        _mutation(("members", 0, "timezone", "CET+1")),
        "members[0].timezone: must be an IANA timezone",
    ),
    "bad currency": (
        _mutation((*CLIENT, "currency", "usd")),
        "clients[0].currency: must be a 3-letter uppercase ISO 4217 code",
    ),
    "tax rate of 1": (
        _mutation((*CLIENT, "tax_rate", "1")),
        "clients[0].tax_rate: must be less than 1",
    ),
    "negative tax rate": (
        _mutation((*CLIENT, "tax_rate", "-0.1")),
        "clients[0].tax_rate: must be at least 0",
    ),
    "not a decimal": (
        _mutation((*CLIENT, "projects", 0, "budget_hours", "lots")),
        "clients[0].projects[0].budget_hours: must be a decimal number",
    ),
    "too many decimals": (
        _mutation(("members", 0, "rates", 0, "rate", "100.001")),
        "members[0].rates[0].rate: must have at most 2 decimals",
    ),
    "bool is not an integer": (
        _mutation((*CLIENT, "runout_warning_weeks", True)),
        "clients[0].runout_warning_weeks: must be a whole number",
    ),
    "role client without client": (
        _mutation(("users", 2, "client", _DELETE)),
        'users[2].client: is required when role is client, e.g. "client": "ACME"',
    ),
    "client on a staff user": (
        _mutation(("users", 1, "client", "ACME")),
        "users[1].client: only client users belong to a client",
    ),
    "bad role": (
        _mutation(("users", 1, "role", "boss")),
        "users[1].role: must be one of staff, manager, finance, client, admin (got 'boss')",
    ),
    "unknown client in a rate": (
        _mutation((*RATE_1, "client", "NOPE")),
        "members[0].rates[1].client: unknown client 'NOPE'",
    ),
    "unknown project in a rate": (
        _mutation(("members", 0, "rates", 2, "project", "NOPE-WEB")),
        "members[0].rates[2].project: unknown project 'NOPE-WEB'",
    ),
    "client and project on one rate": (
        _mutation((*RATE_1, "project", "ACME-WEB")),
        'members[0].rates[1]: give either "client" or "project", not both',
    ),
    "rate in another currency than its client": (
        _mutation((*RATE_1, "currency", "EUR")),
        "members[0].rates[1].currency: must be the client's currency 'USD'",
    ),
    "project code under two clients": (
        lambda data: data["clients"].append(
            {"code": "GLOBEX", "name": "Globex", "projects": [{"code": "ACME-WEB", "name": "Copy"}]}
        ),
        "clients[1].projects[0].code: project code 'ACME-WEB' is also used at clients[0].projects[0]",
    ),
    "unknown owner": (
        _mutation((*CLIENT, "owner", "nobody")),
        "clients[0].owner: unknown user 'nobody'",
    ),
    "client user as owner": (
        _mutation((*CLIENT, "owner", "acme-viewer")),
        "clients[0].owner: 'acme-viewer' is a client user",
    ),
    "bad alert contact": (
        _mutation((*CLIENT, "alert_contacts", ["it@acme.example", "not-an-email"])),
        "clients[0].alert_contacts[1]: must be an email address",
    ),
    "missing required key": (
        _mutation((*CLIENT, "name", _DELETE)),
        "clients[0].name: is required",
    ),
    "list expected": (
        _mutation(("clients", {"code": "ACME"})),
        "clients: must be a list",
    ),
    "object expected": (
        _mutation(("members", 0, "alice")),
        "members[0]: must be an object",
    ),
    "null where a value is needed": (
        _mutation((*CLIENT, "currency", None)),
        "clients[0].currency: must not be null",
    ),
    "non-positive hours per day": (
        _mutation(("settings", "hours_per_day", 0)),
        "settings.hours_per_day: must be more than 0",
    ),
    "business hours end before start": (
        _mutation((*CLIENT, "business_hours", "end", "07:00")),
        "clients[0].business_hours.end: must be after start 08:00",
    ),
    "bad business weekday": (
        _mutation((*CLIENT, "business_hours", "weekdays", [0, 7])),
        "clients[0].business_hours.weekdays[1]: must be between 0 and 6",
    ),
    "bad time": (
        _mutation((*CLIENT, "business_hours", "start", "8am")),
        "clients[0].business_hours.start: must be a time HH:MM",
    ),
    "duplicate purchase": (
        lambda data: data["clients"][0]["purchases"].append(
            dict(data["clients"][0]["purchases"][0])
        ),
        "clients[0].purchases[1]: duplicate purchase",
    ),
    "weak password for a new user": (
        _mutation(("users", 1, "password", "12345")),
        "users[1].password: This password is too short",
    ),
    "plan not an object": (
        _mutation((*CLIENT, "plan", [])),
        "clients[0].plan: must be an object",
    ),
    "client user who is a member": (
        lambda data: data["users"].append(
            {"username": "alice", "role": "client", "client": "ACME"}
        ),
        "users[3].role: 'alice' is a member (logs time)",
    ),
    "member and user rows with different emails": (
        lambda data: data["users"].append(
            {"username": "alice", "role": "staff", "email": "other@example.com"}
        ),
        "members[0].email: differs from users[3].email ('other@example.com')",
    ),
    "one Jira issue in two projects": (
        lambda data: data["clients"][0]["projects"].append(
            {
                "code": "ACME-OPS",
                "name": "Ops",
                "tasks": [{"name": "Dup", "jira_issue_key": "acme-12"}],
            }
        ),
        "clients[0].projects[1].tasks[0].jira_issue_key: 'acme-12' is also a task of project 'ACME-WEB'",
    ),
    "duplicate task in a project": (
        lambda data: data["clients"][0]["projects"][0]["tasks"].append(
            {"name": "Admin / Meetings"}
        ),
        "clients[0].projects[0].tasks[2]: duplicate task of clients[0].projects[0].tasks[0]",
    ),
    "bad exclusion": (
        _mutation(("members", 0, "exclusion", "all")),
        "members[0].exclusion: must be one of none, overhead_only, excluded (got 'all')",
    ),
}


@pytest.mark.parametrize("case", list(ERROR_CASES), ids=list(ERROR_CASES))
@pytest.mark.django_db
def test_an_invalid_file_names_the_path_and_writes_nothing(tmp_path, case):
    change, expected = ERROR_CASES[case]
    data = example()
    change(data)
    before = dump()

    status, out = run_json(tmp_path, data)

    assert status == 1
    assert set(out) == {"error"}
    assert expected in out["error"]
    assert dump() == before


@pytest.mark.django_db
def test_all_errors_are_reported_not_just_the_first(tmp_path):
    data = example()
    data["clients"][0]["currency"] = "usd"
    data["clients"][0]["projects"][0]["status"] = "done"
    data["users"][0]["role"] = "boss"

    status, out = run_json(tmp_path, data)

    assert status == 1
    assert out["error"].startswith("3 problems in the setup file: ")
    for path in ("clients[0].currency", "clients[0].projects[0].status", "users[0].role"):
        assert path in out["error"]


@pytest.mark.django_db
def test_bad_json_names_line_and_column(tmp_path):
    status, out = run_json(tmp_path, '{\n  "clients": [\n    {"code": "ACME",}\n  ]\n}')

    assert status == 1
    assert set(out) == {"error"}
    assert "not valid JSON" in out["error"]
    assert "line 3, column 21" in out["error"]
    assert Client.objects.count() == 0


@pytest.mark.django_db
def test_file_that_is_not_an_object(tmp_path):
    status, out = run_json(tmp_path, "[]")
    assert status == 1
    assert "the file: must be an object" in out["error"]


@pytest.mark.django_db
def test_missing_file(tmp_path):
    out = StringIO()
    with pytest.raises(CommandError) as raised:
        call_command("import_setup", str(tmp_path / "nope.json"), "--json", stdout=out)
    assert raised.value.returncode == 1
    assert "Cannot read setup file" in json.loads(out.getvalue())["error"]


@pytest.mark.django_db
def test_errors_without_json_are_one_per_line_and_nothing_on_stdout(tmp_path):
    data = example()
    data["clients"][0]["timezone"] = "Mars/Olympus"
    data["extras"] = True
    path = tmp_path / "setup.json"
    path.write_text(json.dumps(data))
    out = StringIO()

    with pytest.raises(CommandError) as raised:
        call_command("import_setup", str(path), stdout=out)

    assert raised.value.returncode == 1
    assert out.getvalue() == ""
    lines = str(raised.value).splitlines()
    assert lines[0] == "2 problems in the setup file (nothing was written):"
    assert any(line.startswith("  - clients[0].timezone: ") for line in lines)
    assert any(line.startswith("  - extras: unknown key") for line in lines)


@pytest.mark.django_db
def test_service_validates_and_raises_with_every_error():
    assert validate_setup(example()) == []
    data = example()
    data["clients"][0]["projects"][0]["classification"] = "billabel"
    assert validate_setup(data) == [
        "clients[0].projects[0].classification: must be one of billable, internal, overhead, "
        "excluded (got 'billabel')"
    ]
    with pytest.raises(SetupError) as raised:
        import_setup(data)
    assert raised.value.errors == validate_setup(data)
    assert Client.objects.count() == 0


# --- against an existing database --------------------------------------------------------------


@pytest.mark.django_db
def test_second_client_invalid_writes_nothing(firm, tmp_path):
    data = example()
    data["clients"].append({"code": "NEWCO", "name": "New Co", "currency": "EURO"})
    before = dump()

    status, out = run_json(tmp_path, data)

    assert status == 1
    assert "clients[1].currency" in out["error"]
    assert "clients[0]" not in out["error"]
    assert dump() == before
    with pytest.raises(SetupError):
        import_setup(data)
    assert dump() == before


@pytest.mark.django_db
def test_project_code_of_another_client_in_the_database(firm, tmp_path):
    data = example()
    data["clients"][0]["projects"][0]["code"] = "GLX-OPS"
    data["members"][0]["rates"][2]["project"] = "GLX-OPS"

    status, out = run_json(tmp_path, data)

    assert status == 1
    assert (
        "clients[0].projects[0].code: project 'GLX-OPS' already belongs to client 'GLOBEX'"
        in out["error"]
    )


@pytest.mark.django_db
def test_jira_issue_key_of_another_project_in_the_database(firm, tmp_path):
    Task.objects.filter(pk=firm.globex_task.pk).update(jira_issue_key="ACME-12")

    status, out = run_json(tmp_path, example())

    assert status == 1
    assert (
        "clients[0].projects[0].tasks[1].jira_issue_key: issue 'ACME-12' is already a task of project 'GLX-OPS'"
        in out["error"]
    )


@pytest.mark.django_db
def test_references_may_point_at_the_database(firm, tmp_path):
    data = {
        "clients": [{"code": "NEWCO", "name": "New Co", "owner": "manager"}],
        "members": [
            {
                "username": "bob",
                "rates": [
                    {
                        "client": "GLOBEX",
                        "rate": "90.00",
                        "currency": "USD",
                        "valid_from": "2026-01-01",
                    },
                    {
                        "project": "ACME-WEB",
                        "rate": "95.00",
                        "currency": "USD",
                        "valid_from": "2026-01-01",
                    },
                ],
            }
        ],
        "users": [{"username": "newco-it", "role": "client", "client": "GLOBEX"}],
    }

    status, counts = run_json(tmp_path, data)

    assert status == 0
    assert counts == {"clients": 1, "projects": 0, "tasks": 0, "members": 1, "users": 2}
    assert Client.objects.get(code="NEWCO").owner == firm.manager
    assert BillingPlan.objects.filter(client__code="NEWCO").exists()  # every new client gets a plan
    bob = Member.objects.get(user__username="bob")
    assert {rate.level for rate in bob.rates.all()} == {"client", "project"}
    assert UserProfile.objects.get(user__username="newco-it").client == firm.globex


@pytest.mark.django_db
def test_member_row_does_not_demote_an_existing_role(firm, tmp_path):
    status, counts = run_json(
        tmp_path, {"members": [{"username": "manager", "weekly_target_hours": "32"}]}
    )

    assert status == 0
    assert counts == {**ZERO, "members": 1}
    assert firm.manager.profile.role == "manager"
    firm.manager.member.refresh_from_db()
    assert firm.manager.member.weekly_target_hours == Decimal("32")


@pytest.mark.django_db
def test_admin_role_makes_a_superuser_and_other_roles_do_not(tmp_path):
    data = {
        "users": [
            {
                "username": "root",
                "role": "admin",
                "email": "root@example.com",
                "password": EXAMPLE_PASSWORD,
            }
        ]
    }
    run_json(tmp_path, data)
    root = get_user_model().objects.get(username="root")
    assert root.is_superuser and root.is_staff

    data["users"][0]["role"] = "finance"
    assert run_json(tmp_path, data) == (0, {**ZERO, "users": 1})
    root.refresh_from_db()
    assert not root.is_superuser
    assert root.profile.role == "finance"
    # Finance keeps Django admin access through its group (clients.services.sync_admin_access).
    assert root.is_staff
    assert root.groups.filter(name=FINANCE_GROUP).exists()

    data["users"][0]["role"] = "staff"
    assert run_json(tmp_path, data) == (0, {**ZERO, "users": 1})
    root.refresh_from_db()
    assert not root.is_staff
    assert not root.groups.exists()


@pytest.mark.django_db
def test_password_is_set_only_when_the_user_is_created(tmp_path):
    run_json(tmp_path, example())
    data = example()
    data["users"][1]["password"] = "another-long-passphrase-456"

    assert run_json(tmp_path, data) == (0, ZERO)

    assert password_works("fin", EXAMPLE_PASSWORD)
    assert not password_works("fin", "another-long-passphrase-456")


@pytest.mark.django_db
def test_settings_are_stored_and_used_by_durations(tmp_path):
    data = {"settings": {"hours_per_day": "7.5", "days_per_week": 4, "invoice_prefix": "HB"}}

    assert run_json(tmp_path, data)[0] == 0

    firm = FirmSettings.objects.get()
    assert (firm.hours_per_day, firm.days_per_week, firm.invoice_prefix) == (
        Decimal("7.5"),
        Decimal("4"),
        "HB",
    )
    assert parse_duration("1d") == 450
    assert parse_duration("1w", max_minutes=None) == 1800
    assert run_json(tmp_path, data) == (0, ZERO)
    assert FirmSettings.objects.count() == 1


# --- placeholder takeover -------------------------------------------------------------------------


def _alice_file(account_id: str, **user_row) -> dict:
    data = {
        "members": [{"username": "alice", "name": "Alice Ngata", "jira_account_id": account_id}]
    }
    if user_row:
        data["users"] = [{"username": "alice", "role": "staff", **user_row}]
    return data


@pytest.mark.django_db
def test_member_takes_over_the_placeholder_with_its_entries(firm, tmp_path):
    placeholder = placeholder_member("acc-1", "A. Ngata")
    entry = create_entry(
        task=firm.acme_task,
        member=placeholder,
        on_date=datetime.date(2026, 3, 2),
        duration_minutes=90,
    )

    status, counts = run_json(tmp_path, _alice_file("acc-1", password=EXAMPLE_PASSWORD))

    assert status == 0
    assert counts == {**ZERO, "members": 1, "users": 1}
    member = Member.objects.get(jira_account_id="acc-1")
    assert member.pk == placeholder.pk
    assert not member.is_placeholder
    assert (member.user.pk, member.user.username, member.user.is_active) == (
        placeholder.user.pk,
        "alice",
        True,
    )
    assert member.user.get_full_name() == "Alice Ngata"
    assert member.user.profile.role == "staff"
    assert list(member.entries.values_list("pk", flat=True)) == [entry.pk]
    assert not get_user_model().objects.filter(username="jira-acc-1").exists()
    assert password_works("alice", EXAMPLE_PASSWORD)
    assert run_json(tmp_path, _alice_file("acc-1", password=EXAMPLE_PASSWORD)) == (0, ZERO)


@pytest.mark.django_db
def test_takeover_by_an_existing_login_without_member(firm, tmp_path):
    alice = make_user("alice", "staff")
    placeholder = placeholder_member("acc-2", "Alice")
    placeholder_user_pk = placeholder.user.pk

    status, counts = run_json(tmp_path, _alice_file("acc-2"))

    assert status == 0
    assert counts["members"] == 1
    member = Member.objects.get(pk=placeholder.pk)
    assert member.user == alice
    assert not member.is_placeholder
    assert not get_user_model().objects.filter(pk=placeholder_user_pk).exists()


@pytest.mark.django_db
def test_takeover_refused_when_the_person_is_already_a_member(firm, tmp_path):
    placeholder_member("acc-3", "Staff Person")

    data = {"members": [{"username": "staff", "jira_account_id": "acc-3"}]}
    status, out = run_json(tmp_path, data)

    assert status == 1
    assert "members[0].jira_account_id: 'acc-3' belongs to placeholder 'jira-acc-3'" in out["error"]
    assert Member.objects.get(jira_account_id="acc-3").is_placeholder


@pytest.mark.django_db
def test_account_id_of_another_real_member_is_an_error(firm, tmp_path):
    Member.objects.filter(pk=firm.staff_member.pk).update(jira_account_id="acc-4")

    status, out = run_json(tmp_path, _alice_file("acc-4"))

    assert status == 1
    assert "members[0].jira_account_id: 'acc-4' already belongs to member 'staff'" in out["error"]


# --- keys for billing: payment terms, overage, rollover, purchase price and expiry ----------------


@pytest.mark.django_db
def test_billing_keys_are_stored(tmp_path):
    data = example()
    data["clients"][0]["payment_terms_days"] = 14
    data["clients"][0]["plan"]["rollover_cap_hours"] = "7.5"

    status, _ = run_json(tmp_path, data)

    assert status == 0
    acme = Client.objects.get(code="ACME")
    assert acme.payment_terms_days == 14
    assert (acme.plan.overage_rate, acme.plan.rollover_cap_hours) == (
        Decimal("130.00"),
        Decimal("7.5"),
    )
    purchase = HourPurchase.objects.get(client=acme)
    assert (purchase.price, purchase.expires_on) == (
        Decimal("4800.00"),
        datetime.date(2026, 12, 31),
    )
    assert run_json(tmp_path, data) == (0, ZERO)


@pytest.mark.django_db
def test_billing_keys_left_out_take_the_defaults(tmp_path):
    data = {
        "clients": [
            {"code": "NEWCO", "name": "New Co", "purchases": [{"date": "2026-01-01", "hours": 5}]}
        ]
    }

    assert run_json(tmp_path, data)[0] == 0

    client = Client.objects.get(code="NEWCO")
    assert client.payment_terms_days == 30
    assert (client.plan.overage_rate, client.plan.rollover_cap_hours) == (None, Decimal("0"))
    purchase = client.purchases.get()
    assert (purchase.price, purchase.expires_on, purchase.note) == (None, None, "")


@pytest.mark.django_db
def test_a_changed_price_or_expiry_updates_the_matched_purchase(tmp_path):
    run_json(tmp_path, example())
    purchase_pk = HourPurchase.objects.get().pk
    data = example()
    data["clients"][0]["purchases"][0].update(price="5000.00", expires_on=None)

    assert run_json(tmp_path, data) == (0, {**ZERO, "clients": 1})

    purchase = HourPurchase.objects.get()  # updated in place, no second row
    assert (purchase.pk, purchase.price, purchase.expires_on) == (
        purchase_pk,
        Decimal("5000.00"),
        None,
    )
    assert run_json(tmp_path, data) == (0, ZERO)


@pytest.mark.django_db
def test_purchase_keys_left_out_keep_the_stored_price(tmp_path):
    run_json(tmp_path, example())
    data = example()
    del data["clients"][0]["purchases"][0]["price"]
    del data["clients"][0]["purchases"][0]["expires_on"]

    assert run_json(tmp_path, data) == (0, ZERO)
    assert HourPurchase.objects.get().price == Decimal("4800.00")


@pytest.mark.django_db
def test_a_changed_overage_rate_counts_the_client(tmp_path):
    run_json(tmp_path, example())
    data = example()
    data["clients"][0]["plan"]["overage_rate"] = None
    data["clients"][0]["payment_terms_days"] = 45

    assert run_json(tmp_path, data) == (0, {**ZERO, "clients": 1})
    acme = Client.objects.get()
    assert (acme.payment_terms_days, acme.plan.overage_rate) == (45, None)


BILLING_KEY_ERRORS = {
    "negative payment terms": (
        (*CLIENT, "payment_terms_days", -1),
        "clients[0].payment_terms_days: must be between 0 and 3650 (got -1)",
    ),
    "payment terms as text": (
        (*CLIENT, "payment_terms_days", "30"),
        "clients[0].payment_terms_days: must be a whole number, e.g. 30 (got '30')",
    ),
    "negative overage rate": (
        (*CLIENT, "plan", "overage_rate", "-1.00"),
        "clients[0].plan.overage_rate: must be at least 0, e.g. \"120.00\" (got '-1.00')",
    ),
    "null rollover cap": (
        (*CLIENT, "plan", "rollover_cap_hours", None),
        "clients[0].plan.rollover_cap_hours: must not be null",
    ),
    "negative rollover cap": (
        (*CLIENT, "plan", "rollover_cap_hours", "-2"),
        "clients[0].plan.rollover_cap_hours: must be at least 0, e.g. \"0\" (got '-2')",
    ),
    "price with three decimals": (
        (*CLIENT, "purchases", 0, "price", "12.345"),
        'clients[0].purchases[0].price: must have at most 2 decimals, e.g. "120.00" '
        "(got '12.345')",
    ),
    "negative price": (
        (*CLIENT, "purchases", 0, "price", "-5.00"),
        "clients[0].purchases[0].price: must be at least 0, e.g. \"120.00\" (got '-5.00')",
    ),
    "expiry not a date": (
        (*CLIENT, "purchases", 0, "expires_on", "31/12/2026"),
        'clients[0].purchases[0].expires_on: must be a date YYYY-MM-DD, e.g. "2026-01-31" '
        "(got '31/12/2026')",
    ),
}


@pytest.mark.parametrize("case", list(BILLING_KEY_ERRORS), ids=list(BILLING_KEY_ERRORS))
@pytest.mark.django_db
def test_billing_keys_are_checked(case):
    change, expected = BILLING_KEY_ERRORS[case]
    data = example()
    _mutation(change)(data)

    assert validate_setup(data) == [expected]


# --- paths of nested errors ----------------------------------------------------------------------

NESTED_ERRORS = {
    "list index under a list index": (
        ("members", 0, "cost_rates", 0, "rate", "sixty"),
        "members[0].cost_rates[0].rate: must be a decimal number, e.g. \"120.00\" (got 'sixty')",
    ),
    "element of a list of values": (
        (*CLIENT, "projects", 0, "jira_labels", ["acme-web", 5]),
        'clients[0].projects[0].jira_labels[1]: must be text, e.g. "acme-web" (got 5)',
    ),
    "key of an object under an object": (
        (*CLIENT, "plan", "multipliers", "p1_p3", "0"),
        "clients[0].plan.multipliers.p1_p3: must be more than 0, e.g. \"1.5\" (got '0')",
    ),
    "element deep in a plan": (
        (*CLIENT, "plan", "critical_priorities", ["P1", "P2", " "]),
        'clients[0].plan.critical_priorities[2]: must not be empty, e.g. "P1"',
    ),
    "key of a list item of a list item": (
        (*CLIENT, "projects", 0, "tasks", 1, "jira_issue_key", "ACME 12"),
        'clients[0].projects[0].tasks[1].jira_issue_key: is not valid, e.g. "ACME-12" '
        "(got 'ACME 12')",
    ),
    "a rule across keys names its key": (
        ("members", 0, "name", "A" * 151 + " Ngata"),
        "members[0].name: first and last name must be at most 150 characters each",
    ),
    "a rule across keys names its object": (
        ("members", 0, "rates", 2, "client", "ACME"),
        'members[0].rates[2]: give either "client" or "project", not both '
        "(got client 'ACME' and project 'ACME-WEB')",
    ),
    "a required key deep down": (
        ("members", 0, "cost_rates", 0, "valid_from", _DELETE),
        "members[0].cost_rates[0].valid_from: is required",
    ),
    "an object where a list goes": (
        (*CLIENT, "projects", 0, "tasks", {"name": "Admin"}),
        'clients[0].projects[0].tasks: must be a list […] (got {"name": "Admin"})',
    ),
    "a list where an object goes": (
        (*CLIENT, "business_hours", [0, 1]),
        "clients[0].business_hours: must be an object {…} (got [0, 1])",
    ),
}


@pytest.mark.parametrize("case", list(NESTED_ERRORS), ids=list(NESTED_ERRORS))
def test_nested_errors_name_their_path_exactly(case):
    change, expected = NESTED_ERRORS[case]
    data = example()
    _mutation(change)(data)

    assert validate_setup(data) == [expected]


def test_errors_at_several_depths_are_reported_together():
    data = example()
    data["settings"]["days_per_week"] = 8
    data["clients"][0]["plan"]["rounding"]["increment_minutes"] = 0
    data["members"][0]["rates"][1]["valid_from"] = "2026-1-1"
    data["users"][2]["role"] = "viewer"

    paths = [error.split(": ")[0] for error in validate_setup(data)]

    assert paths == [
        "settings.days_per_week",
        "clients[0].plan.rounding.increment_minutes",
        "members[0].rates[1].valid_from",
        "users[2].role",
    ]


# Every object of the format, and the keys it allows (in the order messages list them).
OBJECT_KEYS = {
    (): "settings, clients, members, users",
    ("settings",): "hours_per_day, days_per_week, invoice_prefix",
    CLIENT: "code, name, currency, tax_rate, timezone, billing_mode, low_balance_hours, "
    "low_balance_percent, runout_warning_weeks, owner, alert_contacts, alert_clients_enabled, "
    "is_internal, is_active, business_hours, plan, payment_terms_days, purchases, projects",
    (*CLIENT, "business_hours"): "weekdays, start, end",
    (*CLIENT, "plan"): "min_billable_minutes, rounding, multipliers, support_fee, monitoring_fee, "
    "monthly_included_hours, overtime_rate, rollover_cap_hours, overage_rate, critical_priorities",
    (*CLIENT, "plan", "rounding"): "method, increment_minutes",
    (*CLIENT, "plan", "multipliers"): "standard, off_hours, p1_p3, p1_p3_off_hours",
    (*CLIENT, "purchases", 0): "date, hours, note, price, expires_on",
    (*CLIENT, "projects", 0): "code, name, classification, status, budget_hours, budget_amount, "
    "jira_project_keys, jira_labels, tasks",
    (*CLIENT, "projects", 0, "tasks", 1): "name, jira_issue_key, is_active",
    ("members", 0): "username, name, email, jira_account_id, weekly_target_hours, exclusion, "
    "timezone, rates, cost_rates",
    RATE_1: "client, project, rate, currency, valid_from",
    ("members", 0, "cost_rates", 0): "rate, currency, valid_from",
    ("users", 2): "username, email, role, client, password",
}


@pytest.mark.parametrize("at", list(OBJECT_KEYS), ids=[repr(at) for at in OBJECT_KEYS])
def test_an_unknown_key_is_refused_at_every_level(at):
    data = example()
    _mutation((*at, "surprise", 1))(data)
    where = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in at)

    assert validate_setup(data) == [
        f"{where.lstrip('.')}{'.' if at else ''}surprise: unknown key (allowed: {OBJECT_KEYS[at]})"
    ]


# --- property: any valid file imported twice changes nothing the second time ----------------------

_words = st.from_regex(r"[A-Za-z][A-Za-z0-9 ]{0,12}[a-z0-9]", fullmatch=True)
_money = st.decimals(min_value=0, max_value=99999, places=2).map(str)
_dates = st.dates(datetime.date(2025, 1, 1), datetime.date(2027, 12, 31)).map(str)


@st.composite
def setup_files(draw) -> dict:
    codes = draw(
        st.lists(st.from_regex(r"[A-Z]{2,5}", fullmatch=True), min_size=1, max_size=3, unique=True)
    )
    clients = []
    for code in codes:
        purchase = st.fixed_dictionaries(
            {"date": _dates, "hours": st.decimals(1, 400, places=2).map(str)},
            optional={
                "note": _words,
                "price": st.none() | _money,
                "expires_on": st.none() | _dates,
            },
        )
        tasks = st.lists(_words, max_size=3, unique=True).map(
            lambda names: [{"name": name} for name in names]
        )
        clients.append(
            {
                "code": code,
                "name": draw(_words),
                "currency": draw(st.sampled_from(["USD", "EUR"])),
                "tax_rate": str(draw(st.decimals(0, "0.5", places=2))),
                "payment_terms_days": draw(st.integers(0, 120)),
                "plan": {
                    "overage_rate": draw(st.none() | _money),
                    "rollover_cap_hours": str(draw(st.decimals(0, 100, places=2))),
                    "multipliers": {"off_hours": str(draw(st.decimals("0.5", 3, places=1)))},
                },
                "purchases": draw(
                    st.lists(
                        purchase,
                        max_size=3,
                        unique_by=lambda p: (p["date"], Decimal(p["hours"]), p.get("note", "")),
                    )
                ),
                "projects": [
                    {"code": f"{code}-P{index}", "name": draw(_words), "tasks": draw(tasks)}
                    for index in range(draw(st.integers(0, 2)))
                ],
            }
        )
    members = [
        {
            "username": f"member{index}",
            "name": draw(_words),
            "rates": [
                {"rate": draw(_money), "currency": "USD", "valid_from": valid_from}
                for valid_from in draw(st.lists(_dates, max_size=2, unique=True))
            ],
        }
        for index in range(draw(st.integers(0, 2)))
    ]
    return {"clients": clients, "members": members}


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=setup_files())
@pytest.mark.django_db
def test_any_valid_file_imported_twice_changes_nothing_the_second_time(data):
    with transaction.atomic():
        first = import_setup(data)
        before = dump()

        second = import_setup(data)

        assert first["clients"] == len(data["clients"])
        assert second == ZERO
        assert dump() == before
        transaction.set_rollback(True)  # each example starts from an empty firm
