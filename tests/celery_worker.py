"""A real Celery worker process on the real Redis broker, for the tests that prove the deployed
path (commit → publish → worker → service → database). Shared by tests/worker and tests/sync."""

import contextlib
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest
import redis
from django.db import connection

REPO_ROOT = Path(__file__).resolve().parents[1]


def redis_url() -> str:
    return (
        os.environ.get("TEST_REDIS_URL")
        or os.environ.get("REDIS_URL")
        or "redis://127.0.0.1:6379/15"
    )


def reachable_broker_url() -> str:
    """The broker URL, or a failed test: a worker test never skips."""
    url = redis_url()
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError as error:
        pytest.fail(
            f"Redis is not reachable at {url} ({error}); start it (make test does): this test must not skip."
        )
    return url


def test_database_url() -> str:
    """The URL of the database this test writes to (pytest-django's test_… copy)."""
    db = connection.settings_dict
    assert db["ENGINE"] == "django.db.backends.postgresql", (
        "A worker test needs PostgreSQL so that a second process sees the data; run it with "
        "DATABASE_URL=postgres://postgres@127.0.0.1:5432/hourbank (make test does)."
    )
    credentials = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"], safe="")
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@contextlib.contextmanager
def celery_worker(
    *, broker_url: str, queue: str, log_path: Path, env: dict | None = None, drop_env=()
):
    """Run `celery -A config worker` on `queue` against the test database until the block ends.
    The process gets `.log_path` so a failing test can show what the worker said."""
    worker_env = {
        **os.environ,
        "DEBUG": "true",
        "DATABASE_URL": test_database_url(),
        "REDIS_URL": broker_url,
        "PYTHONUNBUFFERED": "1",
        **(env or {}),
    }
    for name in drop_env:
        worker_env.pop(name, None)
    command = [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", "solo", "--queues", queue,
               "--loglevel", "INFO", "--without-gossip", "--without-mingle", "--without-heartbeat",
               "--hostname", f"{queue}@%h"]  # fmt: skip
    with log_path.open("w") as log:
        process = subprocess.Popen(
            command, cwd=REPO_ROOT, env=worker_env, stdout=log, stderr=subprocess.STDOUT
        )
        process.log_path = log_path
        try:
            yield process
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
    # Its database connection is gone now, so pytest-django can drop the test database.
