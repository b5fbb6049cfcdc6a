"""kill -9 of the Celery worker in the middle of a Jira sync: the unacked task comes back (late
acks, visibility timeout), a restarted worker finishes the run, and the entries and balances are
exactly those of a clean run — nothing lost, nothing counted twice."""

import os
import signal
import time

import pytest

from sync import tasks
from sync.feeds.jira import run_jira_sync
from sync.liveness import is_interrupted
from sync.models import RunStatus, SyncRun
from tests.celery_worker import celery_worker
from tests.sync.conftest import assert_balances_consistent, client_for, remaining, snapshot
from timetracking.models import TimeEntry

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

WORKLOGS = 17  # four feed pages of 5
PAGE_DELAY_SECONDS = 1.5
# The restarted worker gets its message back after this long (production: 2 h).
VISIBILITY_SECONDS = "3"


def worker_env(fake) -> dict:
    return {
        "WORKLOG_SOURCE": "jira",
        "JIRA_BASE_URL": fake.url,
        "JIRA_EMAIL": fake.email,
        "JIRA_API_TOKEN": fake.token,
        "CELERY_VISIBILITY_TIMEOUT_SECONDS": VISIBILITY_SECONDS,
    }


def wait_until(condition, *, timeout: float, worker, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        if worker.poll() is not None:
            pytest.fail(
                f"worker exited early while waiting for {what}:\n{worker.log_path.read_text()}"
            )
        time.sleep(0.1)
    pytest.fail(f"timed out waiting for {what}; worker log:\n{worker.log_path.read_text()[-6000:]}")


def test_kill_9_mid_sync_then_restart_equals_a_clean_run(
    jira_firm, tasks_on_broker, sync_queue, broker_url, tmp_path
):
    fake = jira_firm.fake
    acme_start = remaining(jira_firm.acme)
    globex_start = remaining(jira_firm.globex)
    minutes = {}
    for index in range(WORKLOGS):
        issue = "10001" if index % 3 else "10101"
        worklog_id = fake.add_worklog(issue, seconds=(index + 1) * 15 * 60)
        fake.tick()
        minutes[worklog_id] = ((index + 1) * 15, issue)
    # Every batch fetch is slow, so the run is caught between two committed pages.
    fake.fail("/worklog/list", status=0, delay=PAGE_DELAY_SECONDS, times=1000)

    with celery_worker(
        broker_url=broker_url, queue=sync_queue, log_path=tmp_path / "first.log",
        env=worker_env(fake), drop_env=("TEMPO_API_TOKEN",),
    ) as first:  # fmt: skip
        tasks.sync_jira.delay(trigger="manual")
        wait_until(
            lambda: 0 < TimeEntry.objects.count() < WORKLOGS,
            timeout=60, worker=first, what="the first committed page",
        )  # fmt: skip
        os.kill(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
    partial = TimeEntry.objects.count()
    assert 0 < partial < WORKLOGS
    killed = SyncRun.objects.get()
    assert killed.status == RunStatus.RUNNING  # it really died mid-run
    assert is_interrupted(killed)  # its process is gone: /sync/ shows it as interrupted
    fake.failures.clear()

    with celery_worker(
        broker_url=broker_url, queue=sync_queue, log_path=tmp_path / "second.log",
        env=worker_env(fake), drop_env=("TEMPO_API_TOKEN",),
    ) as second:  # fmt: skip
        wait_until(
            lambda: SyncRun.objects.filter(status=RunStatus.SUCCEEDED).exists(),
            timeout=90, worker=second, what="the redelivered run to succeed",
        )  # fmt: skip
        log = second.log_path.read_text()
    assert "Task sync.tasks.sync_jira[" in log  # the same task, redelivered to the new worker
    killed.refresh_from_db()
    assert killed.status == RunStatus.INTERRUPTED  # marked by the redelivered run, not left running

    after_crash = snapshot()
    assert len(after_crash["entries"]) == WORKLOGS
    for worklog_id, (entry_minutes, _issue) in minutes.items():
        assert after_crash["entries"][worklog_id][4] == entry_minutes
    acme_minutes = sum(m for m, issue in minutes.values() if issue == "10001")
    globex_minutes = sum(m for m, issue in minutes.values() if issue == "10101")
    assert remaining(jira_firm.acme) == acme_start - acme_minutes
    assert remaining(jira_firm.globex) == globex_start - globex_minutes
    assert_balances_consistent()

    # A clean run over the same feed changes nothing: the crash left no duplicate or gap.
    run_jira_sync(client=client_for(fake), full=True)
    assert snapshot() == after_crash
