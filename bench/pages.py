"""Key pages served by gunicorn, loaded over HTTP from this process; SQL counts in a child.

KEY_PAGES is the one list: a later issue adds its page with one line. `kind` says how it is
loaded: `page` (session cookie), `api` (Bearer token), `export` (streamed; bench/export.py).
`user` is who loads it (bench/invoicing.py creates the finance and client users).
A row whose `path` is None does not exist yet: its figures are null with `missing`."""

from __future__ import annotations

import http.client
import json
import socket
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import PYTHON, REPO_ROOT, child_env, django_setup, percentile  # noqa: E402
from bench.firm import BENCH_USERNAME  # noqa: E402
from bench.invoicing import CLIENT_USERNAME, FINANCE_USERNAME  # noqa: E402


@dataclass(frozen=True)
class KeyPage:
    name: str  # the figure's name: page_ms_p95:<name>, queries:<name>
    path: str | None  # formatted with the dataset facts
    kind: str = "page"
    missing: str = ""
    user: str | None = BENCH_USERNAME  # a manager; None: anonymous


# Anonymous, as load balancers probe it: with a session the audit middleware would add the
# session and user reads, and the trivial page would no longer be one query.
TRIVIAL = KeyPage("/healthz", "/healthz", user=None)
KEY_PAGES = [
    KeyPage("/clients/", "/clients/"),
    KeyPage("/clients/{id}/", "/clients/{biggest_client_id}/"),
    KeyPage("/projects/{id}/", "/projects/{project_id}/"),
    KeyPage("/my-work/", "/my-work/"),
    KeyPage("/timesheet/", "/timesheet/"),
    KeyPage("/api/v1/clients", "/api/v1/clients", "api"),
    KeyPage("/api/v1/clients/{id}/hours", "/api/v1/clients/{biggest_client_id}/hours", "api"),
    KeyPage("/api/v1/time-entries", "/api/v1/time-entries", "api"),
    KeyPage("/billing/invoices/", "/billing/invoices/", user=FINANCE_USERNAME),
    KeyPage("/billing/invoices/{id}/", "/billing/invoices/{invoice_id}/", user=FINANCE_USERNAME),
    KeyPage("/portal/", "/portal/", user=CLIENT_USERNAME),
    KeyPage("/portal/balance/", "/portal/balance/", user=CLIENT_USERNAME),
    KeyPage("/insights/", "/insights/"),
    KeyPage(
        "consumption.csv",
        "/portal/history.csv?date_from={history_from}&date_to={history_to}",
        "export",
        user=CLIENT_USERNAME,
    ),
]
MAX_SECONDS_PER_PAGE = 90  # a page slower than this gets fewer samples, and says so


def headers_for(page: KeyPage, facts: dict) -> dict:
    if page.kind == "api":
        return {"Authorization": f"Bearer {facts['api_token']}", "Accept": "application/json"}
    if page.user is None:
        return {"Accept": "text/html"}
    cookie = "; ".join(f"{k}={v}" for k, v in facts["session_cookies"][page.user].items())
    return {"Cookie": cookie, "Accept": "text/html"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Gunicorn:
    """`gunicorn config.wsgi` with 2 workers on a free port; DEBUG off, persistent DB connections."""

    def __init__(self, database: str, log_path: Path, workers: int = 2, **env: str):
        self.port = free_port()
        self.log_path = log_path
        command = [PYTHON, "-m", "gunicorn", "config.wsgi", "--workers", str(workers),
                   "--bind", f"127.0.0.1:{self.port}", "--timeout", "300",
                   "--access-logfile", "-"]  # fmt: skip
        self._log = log_path.open("w")
        self.process = subprocess.Popen(
            command,
            cwd=REPO_ROOT,
            env=child_env(database, CONN_MAX_AGE="600", **env),
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        self._wait_ready()

    def _wait_ready(self, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited:\n{self.log_path.read_text()[-3000:]}")
            try:
                status, _, _ = self.get("/healthz", {})
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.3)
        raise RuntimeError(
            f"gunicorn not ready in {timeout} s:\n{self.log_path.read_text()[-3000:]}"
        )

    def get(self, path: str, headers: dict, timeout: float = 300) -> tuple[int, float, bytes]:
        """One GET on a new connection: status, milliseconds until the whole body, body."""
        started = time.perf_counter()
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            connection.request("GET", path, headers={"Host": "127.0.0.1", **headers})
            response = connection.getresponse()
            body = response.read()
        finally:
            connection.close()
        return response.status, (time.perf_counter() - started) * 1000, body

    def worker_pids(self) -> list[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        try:
            return [int(pid) for pid in children.read_text().split()]
        except OSError:
            return []

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._log.close()


def time_pages(server: Gunicorn, facts: dict, repeat: int) -> dict:
    """Interleaved rounds (every page, then the trivial one) so load drifts hit all alike."""
    pages = [p for p in KEY_PAGES if p.path and p.kind != "export"] + [TRIVIAL]
    samples: dict[str, list[float]] = {p.name: [] for p in pages}
    spent: dict[str, float] = {p.name: 0.0 for p in pages}
    failures: dict[str, str] = {}
    for page in pages:  # warm-up: imports, templates, connections of both workers
        for _ in range(2):
            status, _, body = server.get(page.path.format(**facts), headers_for(page, facts))
            if status != 200:
                failures[page.name] = f"HTTP {status}: {body[:200].decode(errors='replace')}"
    for _ in range(repeat):
        for page in pages:
            if page.name in failures or spent[page.name] > MAX_SECONDS_PER_PAGE * 1000:
                continue
            status, ms, _ = server.get(page.path.format(**facts), headers_for(page, facts))
            if status != 200:
                failures[page.name] = f"HTTP {status}"
                continue
            samples[page.name].append(ms)
            spent[page.name] += ms
    timings = {}
    for page in pages:
        values = samples[page.name]
        if page.name in failures or not values:
            timings[page.name] = {"error": failures.get(page.name, "no sample")}
            continue
        timings[page.name] = {
            "p50": round(statistics.median(values), 1),
            "p95": round(percentile(values, 0.95), 1),
            "samples": len(values),
        }
    return timings


def count_queries(database: str, facts: dict) -> dict:
    """SQL statements per request of each page, counted in a child with the test client."""
    completed = subprocess.run(
        [PYTHON, str(REPO_ROOT / "bench" / "pages.py"), "count"],
        cwd=REPO_ROOT,
        env=child_env(database),
        input=json.dumps(facts),
        capture_output=True,
        text=True,
        timeout=1800,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"bench/pages.py count failed:\n{completed.stderr[-4000:]}")
    return json.loads(completed.stdout)


def _count_in_process(facts: dict) -> dict:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client as TestClient
    from django.test.utils import CaptureQueriesContext

    browsers = {None: TestClient(raise_request_exception=False, HTTP_HOST="127.0.0.1")}
    for username in facts["session_cookies"]:
        browsers[username] = TestClient(raise_request_exception=False, HTTP_HOST="127.0.0.1")
        browsers[username].force_login(get_user_model().objects.get(username=username))
    counts = {}
    for page in [p for p in KEY_PAGES if p.path and p.kind != "export"] + [TRIVIAL]:
        browser = browsers[page.user]
        headers = {}
        if page.kind == "api":
            headers = {"Authorization": f"Bearer {facts['api_token']}"}
        path = page.path.format(**facts)
        browser.get(
            path, headers=headers
        )  # once first: per-process caches are not per-request work
        with CaptureQueriesContext(connection) as queries:
            response = browser.get(path, headers=headers)
        counts[page.name] = (
            len(queries.captured_queries)
            if response.status_code == 200
            else {"error": f"HTTP {response.status_code}"}
        )
    return counts


def main() -> int:
    if sys.argv[1:] != ["count"]:
        raise SystemExit("usage: DATABASE_URL=… python bench/pages.py count < facts.json")
    django_setup()
    print(json.dumps(_count_in_process(json.loads(sys.stdin.read()))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
