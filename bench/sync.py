"""Sync throughput and memory: the fake Jira/Tempo of the test suite over loopback HTTP, the
product's own management commands (`sync_jira --json`, `sync_tempo --json`) in child processes.

Each child's peak RSS is its own VmHWM, written by bench/peak.py as it exits (wait4's ru_maxrss
would include the orchestrator's, fake data and all). A command that does not finish
within its time budget is killed and reported as null with the bound it proves."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (  # noqa: E402
    PYTHON,
    REPO_ROOT,
    child_env,
    django_setup,
    run_measured_child,
)
from tests.sync.fake_atlassian import START_MS, FakeJira, jira_timestamp  # noqa: E402

JIRA_PROJECT_KEY = "BEN"
ISSUES = 200
MEMBERS = 20
# The fake's clock starts on 2025-03-10; worklogs lie in the days before it.
FAKE_TODAY = date(2025, 3, 10)
TEMPO_WINDOW_DAYS = 31
DAY_MS = 86_400_000


def fake_with_worklogs(count: int, *, days: int) -> FakeJira:
    """A started fake Jira/Tempo holding `count` worklogs spread over the `days` before its today."""
    fake = FakeJira().start()
    for number in range(1, ISSUES + 1):
        fake.add_issue(str(20000 + number), f"{JIRA_PROJECT_KEY}-{number}")
    for index in range(count):
        started_ms = START_MS - (1 + index % days) * DAY_MS + (8 + index % 9) * 3_600_000
        fake.add_worklog(
            str(20001 + index % ISSUES),
            seconds=900 * (1 + index % 8),
            account_id=f"bench-acc-{index % MEMBERS:03d}",
            display_name=f"Member {index % MEMBERS:03d}",
            started=jira_timestamp(started_ms),
            comment=f"bench worklog {index}",
            # Updated an hour after it started, as when logged that day; distinct (the feeds page
            # by time, and 1,000 sharing one cannot be paged). Stamping all of them within the
            # same few minutes put the whole window inside Tempo's 5-minute cursor overlap, so
            # every reconcile read it twice, which no real month of worklogs does.
            updated_ms=started_ms + 3_600_000 + index,
        )
    fake.tick(120)  # the feeds leave out the last minute
    return fake


def setup_firm(database: str) -> dict:
    """The client, project and members the worklogs map to; returns ids and an API token."""
    completed = subprocess.run(
        [PYTHON, str(REPO_ROOT / "bench" / "sync.py"), "setup"],
        cwd=REPO_ROOT,
        env=child_env(database),
        capture_output=True,
        text=True,
        timeout=300,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"bench/sync.py setup failed:\n{completed.stderr[-4000:]}")
    return json.loads(completed.stdout)


def fake_env(fake: FakeJira, source: str) -> dict:
    env = {
        "WORKLOG_SOURCE": source,
        "JIRA_BASE_URL": fake.url,
        "JIRA_EMAIL": fake.email,
        "JIRA_API_TOKEN": fake.token,
        "TEMPO_API_TOKEN": fake.tempo_token if source == "tempo" else "",
    }
    if source == "tempo":
        env["TEMPO_BASE_URL"] = fake.tempo_url
    return env


def run_command(database: str, fake: FakeJira, source: str, args: list[str], timeout: float):
    """One management command in a child: its wall time, peak RSS and --json counts."""
    command = [PYTHON, "manage.py", *args, "--json"]
    outcome = run_measured_child(command, child_env(database, **fake_env(fake, source)), timeout)
    if outcome["timed_out"]:
        return outcome
    if outcome["returncode"] != 0:
        raise RuntimeError(
            f"{' '.join(args)} exited {outcome['returncode']}:\n{outcome['stderr'][-4000:]}"
        )
    outcome["counts"] = json.loads(outcome["stdout"])
    return outcome


def rate_figure(outcome: dict, count: int, target: float, baseline: float | None) -> dict:
    if outcome.get("skipped"):
        return {"value": None, "unit": "worklogs/s", "target": target, "baseline": baseline,
                "met": None, "reason": outcome["skipped"]}  # fmt: skip
    if outcome["timed_out"]:
        return {
            "value": None,
            "unit": "worklogs/s",
            "target": target,
            "baseline": baseline,
            "met": False,
            "reason": f"did not finish {count} worklogs within {outcome['seconds']} s",
            "at_most": round(count / outcome["seconds"], 1),
        }
    value = round(outcome["counts"]["fetched"] / outcome["seconds"], 1)
    return {
        "value": value,
        "unit": "worklogs/s",
        "target": target,
        "baseline": baseline,
        "met": value >= target,
        "worklogs": outcome["counts"]["fetched"],
        "seconds": round(outcome["seconds"], 1),
        "peak_rss_mb": outcome["peak_rss_mb"],
        "counts": outcome["counts"],
    }


def jira_import(database: str, count: int, timeout: float) -> tuple[dict, dict, dict]:
    """First import, then a re-run over the same unchanged worklogs (`--full`)."""
    setup = setup_firm(database)
    fake = fake_with_worklogs(count, days=60)
    try:
        first = run_command(database, fake, "jira", ["sync_jira"], timeout)
        rerun = (
            run_command(database, fake, "jira", ["sync_jira", "--full"], timeout)
            if not first["timed_out"]
            else {"timed_out": True, "skipped": "the first import did not finish"}
        )
    finally:
        fake.stop()
    return setup, first, rerun


def tempo_reconcile(database: str, count: int, timeout: float) -> tuple[dict, dict]:
    """Import `count` worklogs of one reconcile window, then reconcile the unchanged window."""
    setup_firm(database)
    fake = fake_with_worklogs(count, days=TEMPO_WINDOW_DAYS - 1)
    window = [
        "--from",
        (FAKE_TODAY - timedelta(days=TEMPO_WINDOW_DAYS)).isoformat(),
        "--to",
        FAKE_TODAY.isoformat(),
    ]
    try:
        first = run_command(database, fake, "tempo", ["sync_tempo", *window], timeout)
        again = (
            run_command(database, fake, "tempo", ["sync_tempo", *window], timeout)
            if not first["timed_out"]
            else {"timed_out": True, "skipped": "the window's first import did not finish"}
        )
    finally:
        fake.stop()
    return first, again


def _setup_in_process() -> dict:
    from decimal import Decimal

    from django.contrib.auth import get_user_model

    from clients.models import (
        BillingMode,
        BillingPlan,
        Client,
        HourPurchase,
        Project,
        Role,
        UserProfile,
    )
    from clients.services import create_api_token
    from timetracking.models import Member, RateCard

    client = Client.objects.create(
        code="SYNC", name="Synced client", currency="USD", billing_mode=BillingMode.HOUR_BANK
    )
    BillingPlan.objects.create(client=client)
    HourPurchase.objects.create(client=client, date=date(2024, 1, 1), hours=Decimal("100000"))
    Project.objects.create(client=client, code="SYNC-P", jira_project_keys=[JIRA_PROJECT_KEY])
    User = get_user_model()
    manager = User.objects.create_user("bench", password=None)
    UserProfile.objects.create(user=manager, role=Role.MANAGER)
    for index in range(MEMBERS):
        user = User.objects.create_user(f"member{index:03d}", password=None)
        UserProfile.objects.create(user=user, role=Role.STAFF)
        member = Member.objects.create(
            user=user, timezone="Europe/Paris", jira_account_id=f"bench-acc-{index:03d}"
        )
        RateCard.objects.create(
            member=member, rate=Decimal("100.00"), currency="USD", valid_from=date(2024, 1, 1)
        )
    _, token = create_api_token(user=manager, name="bench")
    return {"client_id": client.pk, "api_token": token}


def main() -> int:
    if sys.argv[1:] != ["setup"]:
        raise SystemExit("usage: DATABASE_URL=… python bench/sync.py setup")
    django_setup()
    print(json.dumps(_setup_in_process()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
