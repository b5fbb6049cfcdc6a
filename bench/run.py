"""`make bench`: time key pages on a seeded dataset and write bench/results.json (INTERFACES §5).

What it measures, honestly:
- a throwaway test database (test_<name of DATABASE_URL's database>) is created, migrated,
  seeded with `seed_demo` plus `--extra-entries` entries through `create_entry`, and dropped;
- each page is fetched with Django's test client (no network, no browser; the full middleware
  stack and templates), logged in as the demo staff member `alice`;
- `page_ms_p95:<path>` is the 95th percentile of `--repeat` timed requests after a warm-up,
  with DEBUG off so no query log slows them; `queries:<path>` is one request's SQL count.
A page that does not answer 200 gets `value: null` and its status, never a made-up number.

Usage: DEBUG=true DATABASE_URL=postgres://… .venv/bin/python bench/run.py [--repeat 50]
"""

import argparse
import io
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, reset_queries  # noqa: E402
from django.test import Client as HttpClient  # noqa: E402
from django.test.utils import (  # noqa: E402
    CaptureQueriesContext,
    setup_databases,
    setup_test_environment,
    teardown_databases,
    teardown_test_environment,
)

KEY_PAGES = ["/my-work/", "/clients/"]
BENCH_USER = "alice"


def percentile(samples: list[float], fraction: float) -> float:
    """Nearest-rank percentile: the smallest sample with at least `fraction` of samples ≤ it."""
    ordered = sorted(samples)
    rank = max(1, -(-len(ordered) * fraction // 1))
    return ordered[int(rank) - 1]


def add_entries(count: int) -> int:
    """Spread `count` extra entries over the demo members' tasks across the last 90 days."""
    from clients.models import Task
    from timetracking.models import Exclusion, Member
    from timetracking.services import create_entry

    rng = random.Random(7)
    members = list(Member.objects.filter(is_placeholder=False, exclusion=Exclusion.NONE))
    tasks = list(
        Task.objects.select_related("project__client").filter(project__client__is_active=True)
    )
    if not members or not tasks:
        return 0
    today = date.today()
    for _ in range(count):
        create_entry(
            task=rng.choice(tasks),
            member=rng.choice(members),
            on_date=today - timedelta(days=rng.randrange(90)),
            duration_minutes=rng.choice([15, 30, 45, 60, 90, 120, 240]),
            description="bench entry",
        )
    return count


def measure_page(http: HttpClient, path: str, repeat: int) -> dict:
    reset_queries()
    with CaptureQueriesContext(connection) as queries:
        response = http.get(path)
    if response.status_code != 200:
        return {"page_ms_p95": {"value": None, "unit": "ms", "status": response.status_code}}
    query_count = len(queries.captured_queries)
    for _ in range(3):  # warm-up: template loading, connection, caches
        http.get(path)
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        http.get(path)
        samples.append((time.perf_counter() - started) * 1000)
    return {
        "page_ms_p95": {
            "value": round(percentile(samples, 0.95), 2),
            "unit": "ms",
            "p50": round(statistics.median(samples), 2),
            "max": round(max(samples), 2),
            "samples": repeat,
        },
        "queries": {"value": query_count, "unit": "queries"},
    }


def database_version() -> str:
    if connection.vendor == "postgresql":
        version = connection.pg_version
        return f"postgresql {version // 10000}.{version % 10000}"
    if connection.vendor == "sqlite":
        return f"sqlite {connection.Database.sqlite_version}"
    return connection.vendor


def machine_info() -> dict:
    cpu_model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu_model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory_gib = None
    try:
        pages, page_size = os.sysconf("SC_PHYS_PAGES"), os.sysconf("SC_PAGE_SIZE")
        memory_gib = round(pages * page_size / 2**30, 1)
    except (ValueError, OSError):
        pass
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        commit = None
    return {
        "platform": platform.platform(),
        "cpu": cpu_model,
        "cpus": os.cpu_count(),
        "memory_gib": memory_gib,
        "python": platform.python_version(),
        "django": django.get_version(),
        "database": database_version(),
        "commit": commit,
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--repeat", type=int, default=50, help="timed requests per page (default 50)"
    )
    parser.add_argument(
        "--extra-entries",
        type=int,
        default=2000,
        help="entries added to seed_demo's (default 2000)",
    )
    parser.add_argument("--output", type=Path, default=REPO_ROOT / "bench" / "results.json")
    args = parser.parse_args()

    setup_test_environment()
    old_config = setup_databases(verbosity=0, interactive=False)
    # Production runs with DEBUG off: no SQL log kept per query while seeding or timing.
    settings.DEBUG = False
    try:
        started = time.perf_counter()
        call_command("seed_demo", verbosity=0, stdout=io.StringIO())
        add_entries(args.extra_entries)
        seed_seconds = time.perf_counter() - started

        from clients.models import Client
        from timetracking.models import TimeEntry

        dataset = {
            "clients": Client.objects.count(),
            "entries": TimeEntry.objects.count(),
            "seed_seconds": round(seed_seconds, 1),
        }
        # A page that raises is reported as its 500, not as a crash of the whole benchmark.
        http = HttpClient(raise_request_exception=False)
        http.force_login(get_user_model().objects.get(username=BENCH_USER))
        results = {}
        for path in KEY_PAGES:
            for name, figure in measure_page(http, path, args.repeat).items():
                results[f"{name}:{path}"] = figure
        report = {"machine": machine_info(), "dataset": dataset, "results": results}
    finally:
        teardown_databases(old_config, verbosity=0)
        teardown_test_environment()

    args.output.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))
    print(
        f"wrote {args.output.relative_to(REPO_ROOT) if args.output.is_relative_to(REPO_ROOT) else args.output}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
