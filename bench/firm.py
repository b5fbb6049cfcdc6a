"""The benchmark firm, written in bulk inside the database being filled (a child of
bench/dataset.py): clients, members, projects and tasks through bulk_create, entries and their
history rows with INSERT … SELECT, then a sample checked against the app's own rules."""

from __future__ import annotations

from bench.common import SCALE_FACTORS

FULL_COUNTS = {
    "clients": 100,
    "members": 200,
    "projects": 2000,
    "tasks": 20000,
    "entries": 500000,
}
BIG_CLIENTS = 3
BIG_CLIENT_PROJECT_SHARE = 0.05  # of all projects, per big client
BIG_CLIENT_ENTRY_SHARE = 0.6
DAYS_OF_HISTORY = 730
BENCH_USERNAME = "bench"
BENCH_PASSWORD = "bench-password-not-secret"


def counts_for(scale: str) -> dict:
    factor = SCALE_FACTORS[scale]
    return {name: max(1, round(full * factor)) for name, full in FULL_COUNTS.items()}


def _client_of_project(index: int, clients: list, big_projects: int) -> object:
    big = clients[: min(BIG_CLIENTS, len(clients))]
    if index < big_projects * len(big) or len(clients) == len(big):
        return big[index % len(big)]
    rest = clients[len(big) :]
    return rest[index % len(rest)]


def build_firm(counts: dict) -> None:
    """Clients, members (users, profiles, rates), projects and tasks through bulk_create."""
    from datetime import date, timedelta
    from decimal import Decimal

    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password

    from clients.models import (
        BillingMode,
        BillingPlan,
        Classification,
        Client,
        HourPurchase,
        Project,
        Role,
        Task,
        UserProfile,
    )
    from timetracking.models import CostRate, Member, RateCard

    today = date.today()
    first_day = today - timedelta(days=DAYS_OF_HISTORY)
    clients = Client.objects.bulk_create(
        Client(
            code=f"{'BIG' if i < BIG_CLIENTS else 'C'}{i:03d}",
            name=f"{'Big client' if i < BIG_CLIENTS else 'Client'} {i:03d}",
            currency="USD",
            billing_mode=BillingMode.HOUR_BANK,
            business_weekdays=[0, 1, 2, 3, 4],
            low_balance_hours=Decimal("10"),
        )
        for i in range(counts["clients"])
    )
    BillingPlan.objects.bulk_create(BillingPlan(client=client) for client in clients)
    # Eight quarterly purchases over the two years; minutes stored as the service stores them.
    HourPurchase.objects.bulk_create(
        HourPurchase(
            client=client,
            date=first_day + timedelta(days=91 * quarter),
            hours=Decimal(2000 if client.code.startswith("BIG") else 200),
            minutes=(2000 if client.code.startswith("BIG") else 200) * 60,
            note=f"Block {quarter + 1}",
        )
        for client in clients
        for quarter in range(8)
    )
    password = make_password(BENCH_PASSWORD)
    User = get_user_model()
    users = User.objects.bulk_create(
        User(
            username=BENCH_USERNAME if i == 0 else f"member{i:03d}",
            first_name="Member",
            last_name=f"{i:03d}",
            email=f"member{i:03d}@bench.example",
            password=password,
        )
        for i in range(counts["members"])
    )
    UserProfile.objects.bulk_create(
        UserProfile(user=user, role=Role.MANAGER if i == 0 else Role.STAFF)
        for i, user in enumerate(users)
    )
    members = Member.objects.bulk_create(
        Member(user=user, timezone="UTC", jira_account_id=f"bench-acc-{i:03d}")
        for i, user in enumerate(users)
    )
    RateCard.objects.bulk_create(
        RateCard(
            member=member,
            rate=Decimal(100 + 10 * (i % 5)),
            currency="USD",
            valid_from=first_day - timedelta(days=1),
        )
        for i, member in enumerate(members)
    )
    CostRate.objects.bulk_create(
        CostRate(member=member, rate=Decimal("50.00"), currency="USD", valid_from=first_day)
        for member in members
    )
    big_projects = max(1, round(counts["projects"] * BIG_CLIENT_PROJECT_SHARE))
    projects = Project.objects.bulk_create(
        (
            Project(
                client=_client_of_project(i, clients, big_projects),
                code=f"P{i:05d}",
                name=f"Project {i:05d}",
                # Every tenth project is internal: its entries count no billable minutes.
                classification=Classification.INTERNAL if i % 10 == 9 else Classification.BILLABLE,
            )
            for i in range(counts["projects"])
        ),
        batch_size=2000,
    )
    tasks_per_project = max(1, counts["tasks"] // len(projects))
    Task.objects.bulk_create(
        (
            Task(project=project, name=f"Task {t:02d} of {project.code}")
            for project in projects
            for t in range(tasks_per_project)
        ),
        batch_size=5000,
    )


ENTRIES_SQL = """
WITH all_tasks AS (SELECT array_agg(t.id ORDER BY t.id) AS ids FROM clients_task t),
big_tasks AS (
    SELECT array_agg(t.id ORDER BY t.id) AS ids FROM clients_task t
    JOIN clients_project p ON p.id = t.project_id JOIN clients_client c ON c.id = p.client_id
    WHERE c.code LIKE 'BIG%%'
),
members AS (SELECT array_agg(m.id ORDER BY m.id) AS ids FROM timetracking_member m),
picks AS (
    SELECT n,
        CASE WHEN random() < %(big_share)s THEN big_tasks.ids[1 + floor(random() * cardinality(big_tasks.ids))::int]
             ELSE all_tasks.ids[1 + floor(random() * cardinality(all_tasks.ids))::int] END AS task_id,
        members.ids[1 + floor(random() * cardinality(members.ids))::int] AS member_id,
        current_date - floor(random() * %(days)s)::int AS day,
        (ARRAY[15, 30, 45, 60, 90, 120, 240])[1 + floor(random() * 7)::int] AS minutes
    FROM generate_series(1, %(entries)s) AS n, all_tasks, big_tasks, members
)
INSERT INTO timetracking_timeentry (
    task_id, member_id, date, duration_minutes, billable, billable_minutes, description,
    billing_rate, billing_currency, cost_rate, cost_currency, locked, source,
    billable_override, created_at, updated_at)
SELECT picks.task_id, picks.member_id, picks.day, picks.minutes, true,
    CASE WHEN p.classification = 'billable' THEN picks.minutes ELSE 0 END,
    'bench entry ' || picks.n,
    r.rate, r.currency, cr.rate, cr.currency, false, 'manual', false,
    picks.day + time '18:00', picks.day + time '18:00'
FROM picks
JOIN clients_task t ON t.id = picks.task_id
JOIN clients_project p ON p.id = t.project_id
JOIN timetracking_ratecard r ON r.member_id = picks.member_id
JOIN timetracking_costrate cr ON cr.member_id = picks.member_id
"""

HISTORY_SQL = """
INSERT INTO timetracking_entrychange (
    entry_id, entry_ref, client_id, kind, minutes_delta, duration_delta, description, data,
    source, at)
SELECT e.id, e.id, p.client_id, 'created', e.billable_minutes, e.duration_minutes,
    e.description,
    jsonb_build_object('task_id', e.task_id, 'member', u.username, 'date', e.date::text,
        'start_time', NULL, 'duration_minutes', e.duration_minutes, 'billable', e.billable,
        'billable_minutes', e.billable_minutes, 'billing_rate', e.billing_rate::text,
        'description', e.description, 'source', e.source),
    e.source, e.created_at
FROM timetracking_timeentry e
JOIN clients_task t ON t.id = e.task_id
JOIN clients_project p ON p.id = t.project_id
JOIN timetracking_member m ON m.id = e.member_id
JOIN auth_user u ON u.id = m.user_id
"""


def check_sample(sample_size: int = 50) -> None:
    """The generated entries agree with the app's own rule and rate resolution."""
    from timetracking.models import EntryChange, TimeEntry
    from timetracking.rates import resolve_billing_rate, resolve_cost_rate
    from timetracking.rules import billable_minutes

    entries = TimeEntry.objects.select_related("task__project__client", "member").order_by("?")
    for entry in entries[:sample_size]:
        expected = billable_minutes(
            base_minutes=entry.duration_minutes,
            flag=entry.billable,
            project=entry.task.project,
            member=entry.member,
        )
        billing = resolve_billing_rate(entry.member, entry.task.project, entry.date)
        cost = resolve_cost_rate(entry.member, entry.date)
        history = EntryChange.objects.get(entry=entry)
        problems = [
            (name, got, want)
            for name, got, want in [
                ("billable_minutes", entry.billable_minutes, expected),
                (
                    "billing_rate",
                    (entry.billing_rate, entry.billing_currency),
                    (billing.rate, billing.currency),
                ),
                ("cost_rate", (entry.cost_rate, entry.cost_currency), (cost.rate, cost.currency)),
                ("history", history.minutes_delta, entry.billable_minutes),
            ]
            if got != want
        ]
        if problems:
            raise SystemExit(f"generated entry {entry.pk} disagrees with the app: {problems}")
