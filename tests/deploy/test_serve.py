"""`make serve` really serves: gunicorn, a Celery worker, the PDF worker and beat under honcho,
DEBUG off, on a PostgreSQL database and a Redis of their own; and it stops cleanly."""

import os
import subprocess
import time

import pytest
import requests

from .services import (
    REPO_ROOT,
    free_port,
    redis_server,
    scratch_database,
    stop_process_group,
    wait_for_port,
)


def _wait_for_line(log_path, text: str, *, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if text in log_path.read_text(errors="replace"):
            return
        time.sleep(0.5)
    pytest.fail(f"{text!r} never appeared in the serve log:\n{log_path.read_text()[-4000:]}")


def test_make_serve_answers_healthz_and_login_then_stops_cleanly(tmp_path):
    port = free_port()
    log_path = tmp_path / "serve.log"
    with redis_server(tmp_path) as redis, scratch_database("hb_serve") as database_url:
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "REDIS_URL": redis.url,
            "SECRET_KEY": "serve-test-" + "k" * 50,
            "HTTPS": "false",
            "BIND": f"127.0.0.1:{port}",
            "WEB_CONCURRENCY": "1",
            "CELERY_CONCURRENCY": "1",
            "CELERY_BEAT_SCHEDULE_FILE": str(tmp_path / "beat-schedule"),
            "DEBUG": "true",  # serve.sh must turn it off itself
        }
        with log_path.open("w") as log:
            serve = subprocess.Popen(
                ["make", "--no-print-directory", "serve"],
                cwd=REPO_ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        try:
            wait_for_port(port, timeout=300, process=serve)

            health = requests.get(f"http://127.0.0.1:{port}/healthz", timeout=10)
            assert health.status_code == 200, health.text
            assert health.json() == {"database": "ok", "broker": "ok"}

            login = requests.get(f"http://127.0.0.1:{port}/login/", timeout=10)
            assert login.status_code == 200
            assert 'name="password"' in login.text
            # DEBUG is off: an unknown page is the plain 404, not Django's debug page.
            missing = requests.get(f"http://127.0.0.1:{port}/no-such-page/", timeout=10)
            assert missing.status_code == 404
            assert "URLconf" not in missing.text
            # WhiteNoise serves the collected static files from gunicorn itself.
            css = requests.get(f"http://127.0.0.1:{port}/static/css/app.css", timeout=10)
            assert css.status_code == 200
            assert "text/css" in css.headers["Content-Type"]

            # Both workers and beat came up on the broker.
            _wait_for_line(log_path, "worker@", timeout=120)
            _wait_for_line(log_path, "pdf@", timeout=120)
            _wait_for_line(log_path, "beat: Starting", timeout=120)
            _wait_for_line(log_path, "ready.", timeout=120)
        finally:
            stop_process_group(serve, timeout=60)
        output = log_path.read_text(errors="replace")
        assert serve.returncode is not None
        # Nothing of the group is left listening.
        with pytest.raises(OSError):
            wait_for_port_once(port)
        assert "Traceback" not in output, output[-4000:]


def wait_for_port_once(port: int) -> None:
    import socket

    with socket.create_connection(("127.0.0.1", port), timeout=1):
        pass
