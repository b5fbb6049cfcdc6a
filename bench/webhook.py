"""Webhook → balance: signed Jira webhooks POSTed to gunicorn, a real Celery worker on Redis,
the time until `/api/v1/clients/{id}` shows the new consumed minutes."""

from __future__ import annotations

import http.client
import json
import subprocess
import time
from pathlib import Path

from bench.common import PYTHON, REPO_ROOT, child_env, percentile
from bench.pages import Gunicorn
from bench.sync import ISSUES, fake_env
from tests.sync.fake_atlassian import FakeJira

WEBHOOK_SECRET = "bench-webhook-secret"
WAIT_SECONDS = 30
# The webhook's fetch is routed to `sync` (CELERY_TASK_ROUTES); the balance alert it triggers
# runs on `default`. Only these queues are listened to and emptied, never the whole database.
QUEUES = ("default", "sync")


def celery_worker(database: str, broker: str, extra: dict, log_path: Path) -> subprocess.Popen:
    command = [PYTHON, "-m", "celery", "-A", "config", "worker", "--pool", "solo",
               "--loglevel", "INFO", "--without-gossip", "--without-mingle",
               "--without-heartbeat", "--hostname", "bench@%h", "-Q", ",".join(QUEUES)]  # fmt: skip
    log = log_path.open("w")
    return subprocess.Popen(
        command,
        cwd=REPO_ROOT,
        env=child_env(database, REDIS_URL=broker, **extra),
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def consumed_minutes(server: Gunicorn, client_id: int, token: str) -> int:
    status, _, body = server.get(
        f"/api/v1/clients/{client_id}", {"Authorization": f"Bearer {token}"}
    )
    if status != 200:
        raise RuntimeError(f"/api/v1/clients/{client_id} answered {status}: {body[:300]!r}")
    return json.loads(body)["consumed_minutes"]


def post_webhook(server: Gunicorn, body: bytes, headers: dict) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        connection.request("POST", "/webhooks/jira", body=body, headers=headers)
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def measure(database: str, setup: dict, broker: str, count: int, log_dir: Path) -> dict:
    """`count` webhooks one after another; each waits for its own balance change."""
    import redis

    # Leftovers of an interrupted run would be timed as this run's; only the worker's queues
    # are emptied (never the whole database).
    redis.Redis.from_url(broker).delete("celery", *QUEUES)
    fake = FakeJira().start()
    for number in range(1, ISSUES + 1):
        fake.add_issue(str(20000 + number), f"BEN-{number}")
    extra = {**fake_env(fake, "jira"), "JIRA_WEBHOOK_SECRET": WEBHOOK_SECRET}
    worker = celery_worker(database, broker, extra, log_dir / "bench-celery.log")
    server = Gunicorn(database, log_dir / "bench-gunicorn-webhook.log", REDIS_URL=broker, **extra)
    samples, failures = [], []
    try:
        client_id, token = setup["client_id"], setup["api_token"]
        for index in range(count):
            before = consumed_minutes(server, client_id, token)
            worklog_id = fake.add_worklog(
                str(20001 + index % ISSUES),
                seconds=3600,
                account_id="bench-acc-000",
                comment=f"webhook {index}",
            )
            body, headers = fake.webhook("worklog_created", worklog_id, secret=WEBHOOK_SECRET)
            started = time.perf_counter()
            status = post_webhook(server, body, headers)
            if status != 202:
                failures.append(f"webhook {index}: HTTP {status}")
                continue
            while time.perf_counter() - started < WAIT_SECONDS:
                if consumed_minutes(server, client_id, token) != before:
                    samples.append((time.perf_counter() - started) * 1000)
                    break
                if worker.poll() is not None:
                    raise RuntimeError("the Celery worker exited; see bench-celery.log")
                time.sleep(0.02)
            else:
                failures.append(f"webhook {index}: no balance change in {WAIT_SECONDS} s")
    finally:
        server.stop()
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
        fake.stop()
    figure = {"unit": "ms", "target": 1000, "baseline": None, "webhooks": count}
    if not samples:
        return {**figure, "value": None, "met": False, "reason": "; ".join(failures[:3])}
    value = round(percentile(samples, 0.95), 1)
    return {
        **figure,
        "value": value,
        "met": value <= 1000 and not failures,
        "p50": round(sorted(samples)[len(samples) // 2], 1),
        "measured": len(samples),
        "failures": failures[:5],
    }
