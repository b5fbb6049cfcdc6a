"""The demo firm of `manage.py seed_demo`, built through the same code paths as real data.

1. The firm setup (settings, clients with plans and purchases, projects, tasks, members with
   rates and cost rates, users) is one setup dict (INTERFACES §1.1) handed to
   `timetracking.setup.import_setup`, which matches existing rows, so a rerun changes
   nothing there.
2. Jira-linked tasks get a cached summary, type and priority (what a sync would fetch), only
   where none is cached yet.
3. A few hundred time entries over the last 8 weeks' working days go through
   `timetracking.services.create_entry` (rate snapshots, billable minutes, history rows).

Idempotency of the entries: they are created only while no demo member has any entry. A rerun,
or a demo firm people have already used, gets no new entries; delete the demo members' entries
to seed them again.

Determinism: one `random.Random(42)`; entry dates are relative to today (the day of the first
seeding). Dated setup rows (purchases, rates) hang off an anchor date that is read back from the
first demo purchase on later runs, so a rerun on another day matches the same rows.

The hour banks come out the same on every run, whatever today is: each client gets a fixed
number of entries whose durations cycle through DURATION_CYCLE (all multiples of 15 minutes,
at least 30, so no plan's rounding or minimum changes them); only their dates and order vary.
With the purchases below, GLOBEX ends below its 25 h low-balance threshold but above zero (at
risk) and INITECH ends negative."""

import random
from dataclasses import dataclass
from datetime import date, time, timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from clients.models import Client, HourPurchase, Task
from clients.services import sync_admin_access

from .models import Member, TimeEntry
from .services import create_entry
from .setup import import_setup

DEMO_PASSWORD = "hourbank-demo"
SEED = 42
WINDOW_DAYS = 8 * 7
FIRST_PURCHASE_NOTE = "Initial block (demo)"
DURATION_CYCLE = (30, 45, 60, 60, 90, 90, 120, 150, 180, 240)  # minutes; 10 entries = 35.5 h

# username, display name, role, extra user-row fields
DEMO_USERS = (
    ("admin", "Ada Admin", "admin", {}),
    ("finance", "Fiona Finch", "finance", {}),
    ("manager", "Maria Santos", "manager", {}),
    ("alice", "Alice Ngata", "staff", {}),
    ("bob", "Bob Okafor", "staff", {}),
    ("dave", "Dave Kim", "staff", {}),
    ("carol", "Carol Jensen", "staff", {}),
    ("acme", "Acme IT desk", "client", {"client": "ACME"}),
    ("globex", "Globex operations", "client", {"client": "GLOBEX"}),
)
DEMO_MEMBERS = ("alice", "bob", "carol", "dave", "manager")
USER_EMAILS = {
    "admin": "admin@northwind.example",
    "finance": "finance@northwind.example",
    "acme": "it@acme.example",
    "globex": "ops@globex.example",
}

# Jira issue key → (summary, issue type, priority): what a sync would have cached.
JIRA_ISSUES = {
    "ACME-12": ("Checkout bug: coupon total off by one cent", "Bug", "Medium"),
    "ACME-15": ("Payment provider timeouts during peak hours", "Incident", "P2"),
    "ACME-21": ("Shipping rates page for EU customers", "Story", "Low"),
    "ACME-30": ("Label printers offline in warehouse 2", "Incident", "P1"),
    "GLX-101": ("POS terminals freeze at checkout", "Incident", "P1"),
    "GLX-104": ("Nightly stock sync fails for store 17", "Bug", "High"),
    "GLX-110": ("Weekly operations meeting", "Meeting", "Medium"),
    "INI-7": ("Migrate TPS report service to the cloud", "Task", "Medium"),
    "INI-9": ("Database cutover plan", "Task", "High"),
    "UMB-3": ("Wi-Fi dead zones in ward B", "Incident", "P3"),
    "HOO-42": ("Push notification delays on Android", "Bug", "High"),
}


@dataclass(frozen=True)
class EntryPlan:
    """`count` entries on a project's tasks, by some of the members."""

    project: str
    count: int
    members: tuple
    billable: bool | None = None  # None: the project's default


# Fixed counts per client keep every balance independent of today's date (module docstring).
ENTRY_PLANS = (
    EntryPlan("ACME-WEB", 40, ("alice", "bob", "manager")),
    EntryPlan("ACME-OPS", 28, ("bob", "alice")),
    EntryPlan("ACME-WEB", 5, ("alice",), billable=False),  # warranty rework, not charged
    EntryPlan("ACME-OPS", 8, ("carol",)),  # overhead_only member: tracked, never billed
    EntryPlan("ACME-PRE", 6, ("manager",)),  # internal project of a client: not in its bank
    EntryPlan("GLX-OPS", 24, ("alice", "dave", "manager")),
    EntryPlan("INI-MIG", 20, ("bob", "dave")),
    EntryPlan("UMB-NET", 16, ("dave", "bob")),
    EntryPlan("HOO-APP", 24, ("alice", "bob")),
    EntryPlan("FIRM-INT", 40, ("alice", "bob", "dave", "manager")),
    EntryPlan("FIRM-OVH", 70, ("carol", "carol", "manager", "alice", "bob", "dave")),
)

DESCRIPTIONS = (
    "Investigated and reproduced the issue",
    "Call with the client's team",
    "Implemented fix and tested",
    "Reviewed logs and monitoring",
    "Deployed to production and verified",
    "Wrote up findings and next steps",
    "Pairing session",
    "Follow-up on open questions",
    "Configuration changes",
    "Documentation update",
)


def anchor_date(today: date) -> date:
    """The date the demo's dated setup rows hang off: fixed once the demo exists."""
    first = (
        HourPurchase.objects.filter(client__code="ACME", note=FIRST_PURCHASE_NOTE)
        .order_by("date")
        .values_list("date", flat=True)
        .first()
    )
    return first or today - timedelta(days=WINDOW_DAYS + 3)


def _plan(**overrides) -> dict:
    plan = {
        "min_billable_minutes": 0,
        "rounding": {"method": "none", "increment_minutes": 15},
        "multipliers": {
            "standard": "1.0",
            "off_hours": "1.0",
            "p1_p3": "1.0",
            "p1_p3_off_hours": "1.5",
        },
        "support_fee": "0.00",
        "monitoring_fee": "0.00",
        "monthly_included_hours": None,
        "overtime_rate": None,
    }
    plan.update(overrides)
    return plan


def _task(name: str, key: str | None = None) -> dict:
    return {"name": name, "jira_issue_key": key} if key else {"name": name}


def _linked(key: str) -> dict:
    return _task(JIRA_ISSUES[key][0], key)


def _project(code, name, classification="billable", tasks=(), **extra) -> dict:
    return {
        "code": code,
        "name": name,
        "classification": classification,
        "tasks": list(tasks),
        **extra,
    }


def setup_data(anchor: date) -> dict:
    """The demo firm as a setup file (INTERFACES §1.1)."""

    def on(days: int = 0) -> str:
        return (anchor + timedelta(days=days)).isoformat()

    rates_from = date(anchor.year - 1, 1, 1).isoformat()
    business_hours = {"weekdays": [0, 1, 2, 3, 4], "start": "08:00", "end": "18:00"}
    clients = [
        {
            "code": "ACME",
            "name": "Acme Logistics",
            "currency": "USD",
            "tax_rate": "0.08",
            "timezone": "America/New_York",
            "billing_mode": "hour_bank",
            "low_balance_hours": "10",
            "owner": "manager",
            "alert_contacts": ["it@acme.example"],
            "business_hours": business_hours,
            "plan": _plan(
                min_billable_minutes=15, rounding={"method": "up", "increment_minutes": 15}
            ),
            "purchases": [
                {"date": on(), "hours": "200", "note": FIRST_PURCHASE_NOTE},
                {"date": on(28), "hours": "40", "note": "Top-up"},
                {
                    "date": on(29),
                    "hours": "-2.5",
                    "note": "Correction: top-up entered twice for one call",
                },
            ],
            "projects": [
                _project(
                    "ACME-WEB",
                    "Website & checkout",
                    budget_hours="150",
                    jira_project_keys=["ACME"],
                    jira_labels=["acme-web"],
                    tasks=[
                        _task("Admin / Meetings"),
                        _linked("ACME-12"),
                        _linked("ACME-15"),
                        _linked("ACME-21"),
                    ],
                ),
                _project(
                    "ACME-OPS",
                    "Warehouse systems support",
                    jira_labels=["acme-ops"],
                    tasks=[
                        _task("Scanner fleet updates"),
                        _task("Monthly patching"),
                        _linked("ACME-30"),
                    ],
                ),
                _project(
                    "ACME-PRE",
                    "Presales & scoping",
                    "internal",
                    tasks=[_task("Proposal: EDI integration")],
                ),
                _project(
                    "ACME-LEG",
                    "Legacy ERP (archived)",
                    "excluded",
                    status="complete",
                    jira_project_keys=["ERP"],
                    tasks=[_task("Archive")],
                ),
            ],
        },
        {
            "code": "GLOBEX",
            "name": "Globex Retail",
            "currency": "EUR",
            "tax_rate": "0.19",
            "timezone": "Europe/Berlin",
            "billing_mode": "support_plan",
            "low_balance_hours": "25",
            "owner": "manager",
            "alert_contacts": ["ops@globex.example"],
            "business_hours": {"weekdays": [0, 1, 2, 3, 4, 5], "start": "07:00", "end": "20:00"},
            "plan": _plan(
                min_billable_minutes=30,
                rounding={"method": "nearest", "increment_minutes": 15},
                support_fee="450.00",
                monitoring_fee="120.00",
                monthly_included_hours="20",
                overtime_rate="140.00",
            ),
            "purchases": [
                {"date": on(), "hours": "60", "note": "Support plan hours, this quarter"}
            ],
            "projects": [
                _project(
                    "GLX-OPS",
                    "Store operations support",
                    jira_project_keys=["GLX"],
                    jira_labels=["globex-ops"],
                    tasks=[
                        _task("Admin / Meetings"),
                        _linked("GLX-101"),
                        _linked("GLX-104"),
                        _linked("GLX-110"),
                    ],
                )
            ],
        },
        {
            "code": "INITECH",
            "name": "Initech Software",
            "currency": "USD",
            "tax_rate": "0.00",
            "timezone": "America/Chicago",
            "billing_mode": "hour_bank",
            "low_balance_hours": "5",
            "owner": "manager",
            "business_hours": business_hours,
            "plan": _plan(),
            "purchases": [{"date": on(), "hours": "20", "note": "Starter block"}],
            "projects": [
                _project(
                    "INI-MIG",
                    "Cloud migration",
                    budget_hours="30",
                    budget_amount="3600.00",
                    jira_project_keys=["INI"],
                    tasks=[_task("Admin / Meetings"), _linked("INI-7"), _linked("INI-9")],
                )
            ],
        },
        {
            "code": "UMBRELLA",
            "name": "Umbrella Clinics",
            "currency": "GBP",
            "tax_rate": "0.20",
            "timezone": "Europe/London",
            "billing_mode": "time_and_materials",
            "low_balance_percent": "20",
            "owner": "alice",
            "business_hours": business_hours,
            "plan": _plan(rounding={"method": "nearest", "increment_minutes": 6}),
            "purchases": [{"date": on(), "hours": "80", "note": "Annual support block"}],
            "projects": [
                _project(
                    "UMB-NET",
                    "Network refresh",
                    tasks=[_task("Site survey"), _task("Switch replacement"), _linked("UMB-3")],
                )
            ],
        },
        {
            "code": "HOOLI",
            "name": "Hooli Media",
            "currency": "USD",
            "tax_rate": "0.00",
            "timezone": "America/Los_Angeles",
            "billing_mode": "hour_bank",
            "low_balance_hours": "10",
            "owner": "alice",
            "business_hours": business_hours,
            "plan": _plan(min_billable_minutes=30),
            "purchases": [{"date": on(), "hours": "100", "note": "Development retainer"}],
            "projects": [
                _project(
                    "HOO-APP",
                    "Mobile app backend",
                    jira_project_keys=["HOO"],
                    tasks=[
                        _task("Admin / Meetings"),
                        _task("API rate limiting"),
                        _linked("HOO-42"),
                    ],
                )
            ],
        },
        {
            "code": "FIRM",
            "name": "Northwind IT (internal)",
            "currency": "USD",
            "timezone": "UTC",
            "is_internal": True,
            "owner": "manager",
            "projects": [
                _project(
                    "FIRM-INT",
                    "Internal tools & training",
                    "internal",
                    tasks=[_task("Training"), _task("Internal tooling")],
                ),
                _project(
                    "FIRM-OVH",
                    "Company overhead",
                    "overhead",
                    tasks=[_task("Admin / Meetings"), _task("Recruiting"), _task("Office IT")],
                ),
            ],
        },
    ]

    def rates(default: str, eur: str | None = None, gbp: str | None = None, extra=()) -> list:
        rows = [{"rate": default, "currency": "USD", "valid_from": rates_from}]
        if eur:
            rows.append(
                {"client": "GLOBEX", "rate": eur, "currency": "EUR", "valid_from": rates_from}
            )
        if gbp:
            rows.append(
                {"client": "UMBRELLA", "rate": gbp, "currency": "GBP", "valid_from": rates_from}
            )
        return rows + list(extra)

    def cost(rate: str) -> list:
        return [{"rate": rate, "currency": "USD", "valid_from": rates_from}]

    members = [
        {
            "username": "alice",
            "name": "Alice Ngata",
            "email": "alice@northwind.example",
            "jira_account_id": "5b10ac8d82e05b22cc7d4ef5",
            "timezone": "Europe/Berlin",
            "rates": rates(
                "120.00",
                eur="110.00",
                extra=[
                    {
                        "project": "ACME-WEB",
                        "rate": "150.00",
                        "currency": "USD",
                        "valid_from": rates_from,
                    }
                ],
            ),
            "cost_rates": cost("60.00"),
        },
        {
            "username": "bob",
            "name": "Bob Okafor",
            "email": "bob@northwind.example",
            "jira_account_id": "5b10a2844c20165700ede21g",
            "timezone": "America/New_York",
            # A raise during the demo window: entries before and after snapshot different rates.
            "rates": rates(
                "100.00",
                gbp="80.00",
                extra=[{"rate": "110.00", "currency": "USD", "valid_from": on(31)}],
            ),
            "cost_rates": cost("50.00"),
        },
        {
            "username": "dave",
            "name": "Dave Kim",
            "email": "dave@northwind.example",
            "timezone": "Europe/London",
            "weekly_target_hours": "32",
            "rates": rates("90.00", eur="85.00", gbp="75.00"),
            "cost_rates": cost("45.00"),
        },
        {
            "username": "manager",
            "name": "Maria Santos",
            "email": "maria@northwind.example",
            "timezone": "UTC",
            "rates": rates("140.00", eur="130.00", gbp="110.00"),
            "cost_rates": cost("70.00"),
        },
        {
            "username": "carol",
            "name": "Carol Jensen",
            "email": "carol@northwind.example",
            "timezone": "UTC",
            "weekly_target_hours": "20",
            "exclusion": "overhead_only",
            "rates": rates("60.00"),
            "cost_rates": cost("35.00"),
        },
    ]
    users = []
    for username, _name, role, extra in DEMO_USERS:
        row = {"username": username, "role": role, "password": DEMO_PASSWORD, **extra}
        if username not in DEMO_MEMBERS:  # members' emails are in their member rows
            row["email"] = USER_EMAILS[username]
        users.append(row)
    return {
        "settings": {"hours_per_day": "8", "days_per_week": "5", "invoice_prefix": "INV"},
        "clients": clients,
        "members": members,
        "users": users,
    }


def _cache_issue_metadata() -> None:
    """What a Jira sync caches on linked tasks; never overwrites a cached summary."""
    for key, (summary, issue_type, priority) in JIRA_ISSUES.items():
        Task.objects.filter(jira_issue_key=key, jira_summary="").update(
            jira_summary=summary,
            jira_issue_type=issue_type,
            jira_priority=priority,
            jira_project_key=key.split("-")[0],
        )


def working_days(today: date) -> list[date]:
    start = today - timedelta(days=WINDOW_DAYS - 1)
    days = (start + timedelta(days=offset) for offset in range(WINDOW_DAYS))
    return [day for day in days if day.weekday() < 5]


def _start_time(rng: random.Random, task: Task) -> time:
    if task.jira_issue_type == "Incident" and rng.random() < 0.3:
        return time(rng.choice((6, 20, 21, 22)), rng.choice((0, 30)))  # called out off-hours
    return time(rng.choice((8, 9, 10, 11, 13, 14, 15, 16)), rng.choice((0, 15, 30, 45)))


def create_demo_entries(today: date) -> int:
    """The demo's time entries, through `create_entry`; 0 when demo members already have entries."""
    if TimeEntry.objects.filter(member__user__username__in=DEMO_MEMBERS).exists():
        return 0
    rng = random.Random(SEED)
    days = working_days(today)
    members = {
        m.user.username: m
        for m in Member.objects.filter(user__username__in=DEMO_MEMBERS).select_related("user")
    }
    tasks_by_project: dict[str, list[Task]] = {}
    for task in (
        Task.objects.filter(project__code__in={plan.project for plan in ENTRY_PLANS})
        .select_related("project__client")
        .order_by("id")
    ):
        tasks_by_project.setdefault(task.project.code, []).append(task)
    created = 0
    for plan in ENTRY_PLANS:
        durations = [DURATION_CYCLE[index % len(DURATION_CYCLE)] for index in range(plan.count)]
        rng.shuffle(durations)
        for minutes in durations:
            task = rng.choice(tasks_by_project[plan.project])
            create_entry(
                task=task,
                member=members[rng.choice(plan.members)],
                on_date=rng.choice(days),
                duration_minutes=minutes,
                billable=plan.billable,
                description=rng.choice(DESCRIPTIONS),
                start_time=_start_time(rng, task),
            )
            created += 1
    return created


@transaction.atomic
def seed_demo(*, today: date | None = None) -> dict[str, int]:
    """Create (or leave as it is) the demo firm; totals present in the database afterwards."""
    today = today or timezone.localdate()
    import_setup(setup_data(anchor_date(today)))
    _cache_issue_metadata()
    User = get_user_model()
    names = {username: name for username, name, _role, _extra in DEMO_USERS}
    for user in User.objects.filter(username__in=list(names)):
        first, _, last = names[user.username].partition(" ")
        if (user.first_name, user.last_name) == ("", ""):
            # Members get their names from the setup file; the other demo logins get them here.
            User.objects.filter(pk=user.pk).update(first_name=first, last_name=last)
        sync_admin_access(user)
    create_demo_entries(today)
    return {
        "clients": Client.objects.count(),
        "entries": TimeEntry.objects.count(),
        "users": User.objects.count(),
    }
