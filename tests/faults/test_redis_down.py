"""Redis (broker and cache) goes down under a running gunicorn: /healthz says so (503), yet
logins, pages and writes keep working, and "Sync now" answers with a message instead of a 500.
Real processes: gunicorn on a scratch database and a redis-server of its own, stopped mid-test."""

import os
import re
import subprocess
import sys
from datetime import date

import requests

from tests.deploy.services import (
    REPO_ROOT,
    free_port,
    redis_server,
    scratch_database,
    stop_process_group,
    wait_for_port,
)

DEMO_PASSWORD = "hourbank-demo"


def manage(env: dict, *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def login(base: str, username: str) -> requests.Session:
    session = requests.Session()
    page = session.get(f"{base}/login/", timeout=10)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    response = session.post(
        f"{base}/login/",
        data={"username": username, "password": DEMO_PASSWORD, "csrfmiddlewaretoken": token},
        headers={"Referer": f"{base}/login/"},
        allow_redirects=False,
        timeout=10,
    )
    assert response.status_code == 302, response.text[:500]
    return session


def test_with_redis_stopped_pages_serve_and_writes_save(tmp_path):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with redis_server(tmp_path) as redis, scratch_database("hb_fault_redis") as database_url:
        env = {
            **os.environ,
            "DEBUG": "false",
            "HTTPS": "false",
            "SECRET_KEY": "fault-test-" + "r" * 50,
            "DATABASE_URL": database_url,
            "REDIS_URL": redis.url,
            "PYTHONUNBUFFERED": "1",
        }
        manage(env, "migrate", "--noinput")
        manage(env, "collectstatic", "--noinput", "-v", "0")
        manage(env, "seed_demo")
        api_token = manage(env, "create_api_token", "--user", "alice").strip().splitlines()[-1]
        log_path = tmp_path / "gunicorn.log"
        with log_path.open("w") as log:
            web = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "config.wsgi:application",
                    "--bind",
                    f"127.0.0.1:{port}",
                    "--workers",
                    "1",
                    "--timeout",
                    "60",
                ],  # fmt: skip
                cwd=REPO_ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        try:
            wait_for_port(port, timeout=120, process=web)
            assert requests.get(f"{base}/healthz", timeout=10).status_code == 200

            redis.stop()

            health = requests.get(f"{base}/healthz", timeout=10)
            assert health.status_code == 503
            assert health.json()["database"] == "ok"
            assert health.json()["broker"].startswith("error")

            staff = login(base, "alice")
            for path in ("/my-work/", "/timesheet/", "/clients/"):
                page = staff.get(f"{base}{path}", timeout=30)
                assert page.status_code == 200, (path, page.status_code)

            bearer = {"Authorization": f"Bearer {api_token}"}
            tasks = requests.get(f"{base}/api/v1/tasks", headers=bearer, timeout=30)
            assert tasks.status_code == 200, tasks.text
            task_id = tasks.json()["results"][0]["id"]
            created = requests.post(
                f"{base}/api/v1/time-entries",
                json={"task_id": task_id, "date": date.today().isoformat(), "duration": "1h 15m",
                      "description": "Logged while Redis was down"},
                headers=bearer,
                timeout=30,
            )  # fmt: skip
            assert created.status_code == 201, created.text
            entry_id = created.json()["id"]
            again = requests.get(
                f"{base}/api/v1/time-entries/{entry_id}", headers=bearer, timeout=30
            )
            assert again.status_code == 200
            assert again.json()["duration_minutes"] == 75

            # A manager's "Sync now" needs the broker: a message, never a 500.
            manager = login(base, "manager")
            status_page = manager.get(f"{base}/sync/", timeout=30)
            assert status_page.status_code == 200
            token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', status_page.text)
            csrf = token.group(1) if token else manager.cookies.get("csrftoken", "")
            sync_now = manager.post(
                f"{base}/sync/run/",
                data={"csrfmiddlewaretoken": csrf},
                headers={"Referer": f"{base}/sync/", "X-CSRFToken": csrf},
                timeout=30,
            )
            assert sync_now.status_code < 500, sync_now.text[:500]
        finally:
            stop_process_group(web, timeout=30)
        log_text = log_path.read_text(errors="replace")
        assert "Internal Server Error" not in log_text, log_text[-4000:]
