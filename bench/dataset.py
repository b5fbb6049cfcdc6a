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
from bench.firm import (  # noqa: E402
    BENCH_USERNAME,
    BIG_CLIENT_ENTRY_SHARE,
    DAYS_OF_HISTORY,
    ENTRIES_SQL,
    HISTORY_SQL,
    build_firm,
    check_sample,
    counts_for,
)
from bench.invoicing import (  # noqa: E402
    CLIENT_USERNAME,
    FINANCE_USERNAME,
    biggest_client,
    seed_billing,
)

MARKER_TABLE = "bench_dataset"
# Bumped whenever the firm changes shape, so an older dataset is rebuilt rather than reused.
# 2: invoices, a finance user and a client user (bench/invoicing.py).
# 3: the finance user has the Django admin (its streamed entries export is measured).
DATASET_VERSION = 3


def marker_fingerprint() -> str:
    return f"{migrations_fingerprint()}/v{DATASET_VERSION}"


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
    if not marker or marker["migrations"] != marker_fingerprint():
        recreate_database(url)
        _child(["migrate"], url, timeout=900)
    return url


def ensure_dataset(base_url: str, scale: str, url: str) -> dict:
    """Build (or reuse) the firm of `scale` at `url`; returns how it went."""
    template = ensure_template(base_url)
    marker = read_marker(url)
    fingerprint = marker_fingerprint()
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
            [scale, marker_fingerprint(), json.dumps(counts)],
        )


def command_migrate() -> None:
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    write_marker("empty", {})


def command_fill(scale: str) -> None:
    import importlib

    from django.db import connection, transaction

    consumed_minutes_migration = importlib.import_module(
        "clients.migrations.0004_client_consumed_minutes"
    )

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
            # The bulk insert bypasses the services, so the running totals are filled once here
            # with the same statement the migration that introduced them uses.
            cursor.execute(consumed_minutes_migration.FILL_CONSUMED_MINUTES)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    check_sample()
    seed_billing()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    write_marker(scale, counts)


def command_facts() -> dict:
    """What the page step needs: ids, a session cookie per bench user, an API token."""
    from datetime import timedelta

    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db.models import Count, Max, Min
    from django.test import Client as TestClient
    from django.utils import timezone

    from billing.models import Invoice
    from clients.models import Project
    from clients.services import create_api_token

    User = get_user_model()
    biggest = biggest_client()
    project = (
        Project.objects.filter(client=biggest)
        .annotate(entries=Count("tasks__entries"))
        .order_by("-entries", "pk")
        .first()
    )
    invoice = Invoice.objects.annotate(linked=Count("entries")).order_by("-linked", "pk").first()
    cookies = {}
    for username in [BENCH_USERNAME, FINANCE_USERNAME, CLIENT_USERNAME]:
        browser = TestClient()
        browser.force_login(User.objects.get(username=username))
        cookies[username] = {
            settings.SESSION_COOKIE_NAME: browser.cookies[settings.SESSION_COOKIE_NAME].value
        }
    _, token = create_api_token(user=User.objects.get(username=BENCH_USERNAME), name="bench")
    span = biggest.projects.aggregate(
        first=Min("tasks__entries__date"), last=Max("tasks__entries__date")
    )
    today = timezone.localdate()
    return {
        "username": BENCH_USERNAME,
        "biggest_client_id": biggest.pk,
        "biggest_client_entries": biggest.entries,
        "project_id": project.pk,
        "project_entries": project.entries,
        "invoice_id": invoice.pk if invoice else None,
        "invoice_entries": invoice.linked if invoice else 0,
        # The consumption export streams the client's whole history, not the page's default.
        "history_from": (span["first"] or today - timedelta(days=DAYS_OF_HISTORY)).isoformat(),
        "history_to": (span["last"] or today).isoformat(),
        "session_cookie": cookies[BENCH_USERNAME],
        "session_cookies": cookies,
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
