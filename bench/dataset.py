"""The benchmark databases: built in bulk once, reused while scale and migrations match.

Layout (names derived from BENCH_DATABASE_URL, e.g. hourbank_bench):
- `<name>_empty`: migrated, no rows; every other database is `CREATE DATABASE … TEMPLATE` of it;
- `<name>` (full scale) and `<name>_small` (1%): the firm below;
- `<name>_sync`: recreated empty on every run for the sync and webhook steps.
A marker row (`bench_dataset`: scale, migrations fingerprint, counts) decides reuse.

The firm (full scale): 100 clients (3 big ones with 100 projects each), 200 members, 2,000
projects, 20,000 tasks, 500,000 entries over the last two years, 60% of them on the big clients.
Entries are consistent with the rules the app applies: plans are identity (no rounding, no
minimum), so `billable_minutes` is the duration on billable projects and 0 on internal ones;
rates are each member's default rate (USD, like every client) as `create_entry` snapshots them;
every entry has its `created` history row, as `create_entry` writes it. `fill` checks a sample
of entries against the app's own rule and rate resolution before it writes the marker.

Child entry points (DATABASE_URL in the environment): `python bench/dataset.py migrate|fill
--scale S|facts`."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (  # noqa: E402
    PYTHON,
    REPO_ROOT,
    SCALE_FACTORS,
    child_env,
    database_name,
    database_url,
    django_setup,
    maintenance_url,
    migrations_fingerprint,
    run_child,
)

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
MARKER_TABLE = "bench_dataset"


def counts_for(scale: str) -> dict:
    factor = SCALE_FACTORS[scale]
    return {name: max(1, round(full * factor)) for name, full in FULL_COUNTS.items()}


# --- orchestrator side (psycopg only) -------------------------------------------------------


def _connect(url: str, **options):
    import psycopg

    return psycopg.connect(url, autocommit=True, **options)


def read_marker(url: str) -> dict | None:
    import psycopg

    try:
        with _connect(url, connect_timeout=5) as conn:
            row = conn.execute(
                f"SELECT scale, migrations, counts FROM {MARKER_TABLE} LIMIT 1"
            ).fetchone()
    except psycopg.Error:
        return None
    if row is None:
        return None
    return {"scale": row[0], "migrations": row[1], "counts": row[2]}


def recreate_database(url: str, template: str | None = None) -> None:
    name = database_name(url)
    with _connect(maintenance_url(url)) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        suffix = f' TEMPLATE "{template}"' if template else ""
        conn.execute(f'CREATE DATABASE "{name}"{suffix}')


def _child(command: list[str], url: str, timeout: float) -> str:
    completed, _ = run_child(
        [PYTHON, str(REPO_ROOT / "bench" / "dataset.py"), *command],
        child_env(url),
        timeout=timeout,
    )
    if completed.returncode != 0:
        raise RuntimeError(
            f"bench/dataset.py {' '.join(command)} failed:\n{completed.stderr[-4000:]}"
        )
    return completed.stdout


def ensure_template(base_url: str) -> str:
    """The migrated empty database; rebuilt when the migrations changed."""
    url = database_url(base_url, "_empty")
    marker = read_marker(url)
    if not marker or marker["migrations"] != migrations_fingerprint():
        recreate_database(url)
        _child(["migrate"], url, timeout=900)
    return url


def ensure_dataset(base_url: str, scale: str, url: str) -> dict:
    """Build (or reuse) the firm of `scale` at `url`; returns how it went."""
    template = ensure_template(base_url)
    marker = read_marker(url)
    fingerprint = migrations_fingerprint()
    if marker and marker["scale"] == scale and marker["migrations"] == fingerprint:
        return {"reused": True, "build_seconds": 0.0, "counts": marker["counts"]}
    started = time.perf_counter()
    recreate_database(url, template=database_name(template))
    _child(["fill", "--scale", scale], url, timeout=3600)
    return {
        "reused": False,
        "build_seconds": round(time.perf_counter() - started, 1),
        "counts": read_marker(url)["counts"],
    }


def fresh_database(base_url: str, suffix: str) -> str:
    """An empty migrated database (the sync steps write into it), new on every run."""
    template = ensure_template(base_url)
    url = database_url(base_url, suffix)
    recreate_database(url, template=database_name(template))
    return url


def facts(url: str) -> dict:
    """Ids of the pages to load, a logged-in session cookie and an API token (new each run)."""
    completed, _ = run_child(
        [PYTHON, str(REPO_ROOT / "bench" / "dataset.py"), "facts"],
        child_env(url),
        timeout=300,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"bench/dataset.py facts failed:\n{completed.stderr[-4000:]}")
    return json.loads(completed.stdout)


# --- child side (Django) --------------------------------------------------------------------


def write_marker(scale: str, counts: dict) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {MARKER_TABLE} (scale text, migrations text, "
            "counts jsonb, built_at timestamptz DEFAULT now())"
        )
        cursor.execute(f"DELETE FROM {MARKER_TABLE}")
        cursor.execute(
            f"INSERT INTO {MARKER_TABLE} (scale, migrations, counts) VALUES (%s, %s, %s)",
            [scale, migrations_fingerprint(), json.dumps(counts)],
        )


def command_migrate() -> None:
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    write_marker("empty", {})


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


def command_fill(scale: str) -> None:
    from django.db import connection, transaction

    counts = counts_for(scale)
    with transaction.atomic():
        build_firm(counts)
        with connection.cursor() as cursor:
            cursor.execute("SELECT setseed(0.42)")
            cursor.execute(
                ENTRIES_SQL,
                {
                    "big_share": BIG_CLIENT_ENTRY_SHARE,
                    "days": DAYS_OF_HISTORY,
                    "entries": counts["entries"],
                },
            )
            cursor.execute(HISTORY_SQL)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    check_sample()
    write_marker(scale, counts)


def command_facts() -> dict:
    """What the page step needs: ids, a session cookie for the bench user, an API token."""
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db.models import Count
    from django.test import Client as TestClient

    from clients.models import Client, Project
    from clients.services import create_api_token

    user = get_user_model().objects.get(username=BENCH_USERNAME)
    biggest = (
        Client.objects.annotate(entries=Count("projects__tasks__entries"))
        .order_by("-entries", "pk")
        .first()
    )
    project = (
        Project.objects.filter(client=biggest)
        .annotate(entries=Count("tasks__entries"))
        .order_by("-entries", "pk")
        .first()
    )
    browser = TestClient()
    browser.force_login(user)
    _, token = create_api_token(user=user, name="bench")
    return {
        "username": BENCH_USERNAME,
        "biggest_client_id": biggest.pk,
        "biggest_client_entries": biggest.entries,
        "project_id": project.pk,
        "project_entries": project.entries,
        "session_cookie": {
            settings.SESSION_COOKIE_NAME: browser.cookies[settings.SESSION_COOKIE_NAME].value
        },
        "api_token": token,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description="benchmark dataset child steps")
    parser.add_argument("command", choices=["migrate", "fill", "facts"])
    parser.add_argument("--scale", choices=sorted(SCALE_FACTORS), default="full")
    args = parser.parse_args()
    django_setup()
    if args.command == "migrate":
        command_migrate()
    elif args.command == "fill":
        command_fill(args.scale)
    else:
        print(json.dumps(command_facts()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
