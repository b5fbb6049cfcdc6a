"""Fixtures of the sync tests: the fake Jira over real HTTP, a firm wired to Jira keys, and
the balance invariant every test checks after every sync."""

from __future__ import annotations

import os
from datetime import date

import pytest
from django.db.models import Sum
from kombu import Queue

from clients.models import Client
from config.celery import app as celery_app
from sync.clients.jira import JiraClient
from sync.clients.tempo import TempoClient
from sync.feeds.jira import run_jira_sync
from sync.feeds.tempo import run_tempo_sync
from tests.celery_worker import celery_worker
from tests.factories import ProjectFactory, PurchaseFactory, TaskFactory
from tests.sync.fake_atlassian import FakeJira
from timetracking.balances import balance_of
from timetracking.models import BillingAdjustment, EntryChange, TimeEntry

WEBHOOK_SECRET = "whsec-test-secret"


@pytest.fixture
def fake_jira():
    fake = FakeJira().start()
    yield fake
    fake.stop()


@pytest.fixture
def jira_settings(settings, fake_jira):
    settings.WORKLOG_SOURCE = "jira"
    settings.JIRA_BASE_URL = fake_jira.url
    settings.JIRA_EMAIL = fake_jira.email
    settings.JIRA_API_TOKEN = fake_jira.token
    settings.JIRA_WEBHOOK_SECRET = WEBHOOK_SECRET
    return settings


class SleepRecorder:
    """Injected instead of time.sleep: records the waits, sleeps only a token amount."""

    def __init__(self, real_fraction: float = 0.0):
        self.waits: list[float] = []
        self.real_fraction = real_fraction

    def __call__(self, seconds: float) -> None:
        import time

        self.waits.append(seconds)
        if self.real_fraction:
            time.sleep(seconds * self.real_fraction)

    def clock(self) -> float:
        """A monotonic clock that also moves by the waits not really slept (client pacing)."""
        import time

        return time.monotonic() + sum(self.waits) * (1 - self.real_fraction)


def client_for(fake: FakeJira, **options) -> JiraClient:
    options.setdefault("backoff_seconds", 0.01)
    options.setdefault("sleep", SleepRecorder())
    return JiraClient(fake.url, fake.email, fake.token, **options)


def assert_balances_consistent() -> None:
    """For every client: remaining = purchased − Σ billable minutes − Σ adjustments, and the
    history's consumed-minutes deltas add up to the stored billable minutes."""
    for client in Client.objects.all():
        purchased = client.purchases.aggregate(total=Sum("minutes"))["total"] or 0
        entries = TimeEntry.objects.filter(task__project__client=client)
        billable = sum(entry.billable_minutes for entry in entries)
        adjustments = sum(a.minutes for a in BillingAdjustment.objects.filter(client=client))
        balance = balance_of(client)
        assert balance.remaining_minutes == purchased - billable - adjustments, client.code
        history = (
            EntryChange.objects.filter(client=client).aggregate(total=Sum("minutes_delta"))["total"]
            or 0
        )
        assert history == billable, (
            f"{client.code}: history deltas {history} != billable minutes {billable}"
        )


def add_worklogs(fake: FakeJira, count: int) -> None:
    """`count` worklogs on the firm's two mapped issues, by its two mapped members."""
    for number in range(count):
        fake.add_worklog(
            "10001" if number % 2 else "10002",
            seconds=900 * (1 + number % 4),
            account_id="acc-alice" if number % 3 else "acc-bram",
        )
    fake.tick()


def sync(fake: FakeJira, **kwargs):
    """One run against the fake, then the balance invariant."""
    client = kwargs.pop("client", None) or client_for(fake)
    run = run_jira_sync(client=client, **kwargs)
    assert_balances_consistent()
    return run


def remaining(client) -> int:
    return balance_of(Client.objects.get(pk=client.pk)).remaining_minutes


def snapshot() -> dict:
    """What "the same result" means: every entry by worklog id, balances, adjustments."""
    entries = {
        e.jira_worklog_id: (
            e.task_id,
            e.member.user.username,
            e.date,
            e.start_time,
            e.duration_minutes,
            e.billable_minutes,
            e.description,
        )
        for e in TimeEntry.objects.select_related("member__user")
    }
    balances = {c.code: balance_of(c).remaining_minutes for c in Client.objects.all()}
    adjustments = sorted((a.entry_ref, a.minutes) for a in BillingAdjustment.objects.all())
    return {"entries": entries, "balances": balances, "adjustments": adjustments}


@pytest.fixture
def jira_firm(firm, fake_jira, jira_settings):
    """The shared firm, wired to Jira: ACME-WEB takes Jira project ACME, GLX-OPS takes GLX; an
    excluded project EXC; staff is Alice (acc-alice), staff2 is Bram (acc-bram)."""
    firm.acme_project.jira_project_keys = ["ACME"]
    firm.acme_project.save()
    firm.globex_project.jira_project_keys = ["GLX"]
    firm.globex_project.save()
    firm.excluded_project = ProjectFactory(
        client=firm.acme, code="ACME-EXC", classification="excluded", jira_project_keys=["EXC"]
    )
    firm.staff_member.jira_account_id = "acc-alice"
    firm.staff_member.save()
    firm.other_member.jira_account_id = "acc-bram"
    firm.other_member.save()
    PurchaseFactory(client=firm.acme, hours=40, date=date(2025, 1, 1))
    PurchaseFactory(client=firm.globex, hours=20, date=date(2025, 1, 1))
    firm.linked_task = TaskFactory(
        project=firm.acme_project, name="Linked", jira_issue_id="10001", jira_issue_key="ACME-1"
    )

    fake_jira.add_issue("10001", "ACME-1", summary="Checkout flow")
    fake_jira.add_issue("10002", "ACME-2", summary="Invoice export")
    fake_jira.add_issue("10101", "GLX-1", summary="Patch servers")
    fake_jira.add_issue("10201", "UNK-1", summary="Nobody's issue")
    fake_jira.add_issue("10301", "EXC-1", summary="Excluded work")
    firm.fake = fake_jira
    return firm


def tempo_client_for(fake: FakeJira, **options) -> TempoClient:
    """The product's Tempo client on the fake, with its default pacing; waits are recorded."""
    options.setdefault("sleep", SleepRecorder())
    if isinstance(options["sleep"], SleepRecorder):
        options.setdefault("clock", options["sleep"].clock)
    return TempoClient(fake.tempo_url, fake.tempo_token, **options)


def tempo_sync(fake: FakeJira, **kwargs):
    """One Tempo run against the fake (Tempo for worklogs, Jira for issues), then the balance
    invariant."""
    tempo = kwargs.pop("tempo", None) or tempo_client_for(fake)
    run = run_tempo_sync(tempo=tempo, jira=client_for(fake), **kwargs)
    assert_balances_consistent()
    return run


@pytest.fixture
def tempo_firm(jira_firm, settings):
    """`jira_firm` for a firm that reads its worklogs from Tempo (Jira still gives issues)."""
    settings.WORKLOG_SOURCE = "tempo"
    settings.TEMPO_BASE_URL = jira_firm.fake.tempo_url
    settings.TEMPO_API_TOKEN = jira_firm.fake.tempo_token
    return jira_firm


# --- a real Celery worker on the real Redis broker (after tests/worker/test_worker.py) ---------


@pytest.fixture
def sync_queue(worker_id):
    # One queue per test process: parallel runs never take each other's messages.
    return f"hourbank-sync-test-{worker_id}-{os.getpid()}"


@pytest.fixture
def tasks_on_broker(broker_url, sync_queue):
    """Make `.delay()` publish to Redis on `sync_queue`, as a deployment with REDIS_URL does, so
    the app's own code path (view → on_commit → delay) is the one under test."""
    conf = celery_app.conf
    saved = {
        name: conf[name]
        for name in ("task_always_eager", "broker_url", "task_default_queue", "task_routes")
    }
    conf.update(
        task_always_eager=False,
        broker_url=broker_url,
        task_default_queue=sync_queue,
        task_routes={"sync.tasks.*": {"queue": sync_queue}},
    )
    # Drop the connection and routing caches built from the old settings.
    celery_app.__dict__.pop("amqp", None)
    celery_app._pool = None
    with celery_app.connection_for_write(broker_url) as broker_connection:
        Queue(sync_queue).bind(broker_connection.default_channel).purge()
    yield
    conf.update(saved)
    celery_app.__dict__.pop("amqp", None)
    celery_app._pool = None


@pytest.fixture
def sync_worker(broker_url, sync_queue, fake_jira, tmp_path):
    env = {
        "WORKLOG_SOURCE": "jira",
        "JIRA_BASE_URL": fake_jira.url,
        "JIRA_EMAIL": fake_jira.email,
        "JIRA_API_TOKEN": fake_jira.token,
    }
    with celery_worker(
        broker_url=broker_url,
        queue=sync_queue,
        log_path=tmp_path / "worker.log",
        env=env,
        drop_env=("TEMPO_API_TOKEN",),
    ) as process:
        yield process


@pytest.fixture
def broker_down():
    """Celery publishes to a closed port on loopback, so publishing fails at once, as with Redis
    stopped; restored afterwards (tasks in-process again)."""
    conf = celery_app.conf
    saved = {name: conf[name] for name in ("task_always_eager", "broker_url")}
    conf.update(task_always_eager=False, broker_url="redis://127.0.0.1:1/0")
    celery_app.__dict__.pop("amqp", None)
    celery_app._pool = None
    yield
    conf.update(saved)
    celery_app.__dict__.pop("amqp", None)
    celery_app._pool = None
