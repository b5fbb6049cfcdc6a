"""PostgreSQL restarts in the middle of a Jira sync run by a real Celery worker: the task fails
on the dropped connection, is retried with backoff (core.tasks.RetryingTask), resumes from the
committed cursor and ends with every worklog applied exactly once. The database is a cluster of
the test's own (initdb + pg_ctl on a free port), never the shared one."""

import json
import os
import subprocess
import sys
import time

import psycopg
import pytest
from kombu import Queue

from config.celery import app as celery_app
from sync import tasks
from tests.celery_worker import reachable_broker_url
from tests.deploy.services import REPO_ROOT, postgres_cluster, with_database
from tests.sync.fake_atlassian import FakeJira

pytestmark = pytest.mark.worker

WORKLOGS = 17
PAGE_DELAY_SECONDS = 1.5

FIRM_SCRIPT = """
from datetime import date
from tests.factories import ClientFactory, MemberFactory, ProjectFactory, PurchaseFactory, RateFactory, make_user
acme = ClientFactory(code="ACME", name="Acme Ltd")
ProjectFactory(client=acme, code="ACME-WEB", jira_project_keys=["ACME"])
PurchaseFactory(client=acme, hours=100, date=date(2025, 1, 1))
member = MemberFactory(user=make_user("alice", "staff"), jira_account_id="acc-alice")
RateFactory(member=member)
"""

COUNT_SQL = (
    "SELECT count(*), count(DISTINCT jira_worklog_id), coalesce(sum(duration_minutes), 0) "
    "FROM timetracking_timeentry"
)


def manage(env: dict, *args: str) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=REPO_ROOT, env=env,
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def entry_counts(url: str) -> tuple[int, int, int]:
    try:
        with psycopg.connect(url, connect_timeout=2) as connection:
            return connection.execute(COUNT_SQL).fetchone()
    except psycopg.OperationalError:
        return (-1, -1, -1)  # restarting


@pytest.fixture
def own_queue(worker_id):
    name = f"hourbank-pg-fault-{worker_id}-{os.getpid()}"
    broker_url = reachable_broker_url()
    conf = celery_app.conf
    saved = {n: conf[n] for n in ("task_always_eager", "broker_url", "task_routes")}
    conf.update(
        task_always_eager=False, broker_url=broker_url, task_routes={"sync.*": {"queue": name}}
    )
    celery_app.__dict__.pop("amqp", None)
    celery_app._pool = None
    with celery_app.connection_for_write(broker_url) as broker_connection:
        Queue(name).bind(broker_connection.default_channel).purge()
    yield broker_url, name
    conf.update(saved)
    celery_app.__dict__.pop("amqp", None)
    celery_app._pool = None


def test_postgres_restart_during_a_sync_recovers_with_every_worklog_once(tmp_path, own_queue):
    broker_url, queue = own_queue
    fake = FakeJira(page_size=5).start()
    try:
        fake.add_issue("10001", "ACME-1", summary="Checkout flow")
        expected_minutes = 0
        for index in range(WORKLOGS):
            fake.add_worklog("10001", seconds=(index + 1) * 15 * 60)
            expected_minutes += (index + 1) * 15
            fake.tick()
        fake.fail("/worklog/list", status=0, delay=PAGE_DELAY_SECONDS, times=1000)

        with postgres_cluster() as cluster:
            database_url = with_database(cluster.url, "postgres")
            env = {
                **os.environ,
                "DEBUG": "true",
                "DATABASE_URL": database_url,
                "REDIS_URL": broker_url,
                "WORKLOG_SOURCE": "jira",
                "JIRA_BASE_URL": fake.url,
                "JIRA_EMAIL": fake.email,
                "JIRA_API_TOKEN": fake.token,
                "PYTHONUNBUFFERED": "1",
                "CONN_MAX_AGE": "0",
            }
            env.pop("TEMPO_API_TOKEN", None)
            manage(env, "migrate", "--noinput")
            manage(env, "shell", "-c", FIRM_SCRIPT)

            log_path = tmp_path / "worker.log"
            with log_path.open("w") as log:
                worker = subprocess.Popen(
                    [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", "solo",
                     "--queues", queue, "--loglevel", "INFO", "--without-gossip",
                     "--without-mingle", "--without-heartbeat", "--hostname", f"{queue}@%h"],
                    cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                    start_new_session=True,
                )  # fmt: skip
            try:
                tasks.sync_jira.delay(trigger="manual")
                deadline = time.monotonic() + 90
                while not (0 < entry_counts(database_url)[0] < WORKLOGS):
                    assert time.monotonic() < deadline, log_path.read_text()[-6000:]
                    assert worker.poll() is None, log_path.read_text()[-6000:]
                    time.sleep(0.1)

                cluster.restart()  # fast mode: every open connection is dropped

                deadline = time.monotonic() + 120
                while entry_counts(database_url)[0] < WORKLOGS:
                    assert time.monotonic() < deadline, (
                        f"never recovered: {entry_counts(database_url)}\n{log_path.read_text()[-6000:]}"
                    )
                    assert worker.poll() is None, log_path.read_text()[-6000:]
                    time.sleep(0.2)
                time.sleep(1)  # let the run finish its last page and the triage step
            finally:
                worker.terminate()
                worker.wait(timeout=30)
            log = log_path.read_text()
            assert "Retry in" in log, log[-6000:]  # the retry base took the dropped connection

            assert entry_counts(database_url) == (WORKLOGS, WORKLOGS, expected_minutes)
            # A clean run over the same feed changes nothing.
            fake.failures.clear()
            rerun = json.loads(manage(env, "sync_jira", "--full", "--json").stdout)
            assert rerun.get("created", 0) == 0 and rerun.get("updated", 0) == 0, rerun
            assert entry_counts(database_url) == (WORKLOGS, WORKLOGS, expected_minutes)
    finally:
        fake.stop()
