"""Real service processes for the deployment and fault tests: a Redis server and a PostgreSQL
cluster of their own on free ports, and scratch databases on the shared server. A test that stops
or restarts a service uses these, never the shared instances the rest of the suite runs on."""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_port(port: int, *, timeout: float = 30, process: subprocess.Popen | None = None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            pytest.fail(
                f"process {process.args!r} exited with {process.returncode} before port {port} opened"
            )
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
            return
        time.sleep(0.2)
    pytest.fail(f"nothing listens on 127.0.0.1:{port} after {timeout} s")


def stop_process_group(process: subprocess.Popen, *, timeout: float = 30) -> None:
    """SIGTERM the process's whole group (it was started with start_new_session), then SIGKILL
    whatever is still there after `timeout`."""
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
    # Children that outlived their leader still carry its group id.
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)


class RedisServer:
    def __init__(self, directory: Path):
        self.directory = directory
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        redis_server = shutil.which("redis-server")
        if redis_server is None:
            pytest.fail(
                "redis-server is not installed (apt-get install redis-server; make test does)"
            )
        self.process = subprocess.Popen(
            [
                redis_server,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.directory),
            ],  # fmt: skip
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        wait_for_port(self.port, process=self.process)

    def stop(self) -> None:
        if self.process is not None:
            stop_process_group(self.process, timeout=10)
            self.process = None


@contextlib.contextmanager
def redis_server(directory: Path) -> Iterator[RedisServer]:
    server = RedisServer(directory)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def shared_server_url() -> str:
    """The shared PostgreSQL server the suite runs on (DATABASE_URL), as a URL."""
    url = os.environ.get("DATABASE_URL") or os.environ.get("TEST_DATABASE_URL") or ""
    if not url.startswith(("postgres://", "postgresql://")):
        pytest.fail(
            "this test needs PostgreSQL: run it with "
            "DATABASE_URL=postgres://postgres:postgres@127.0.0.1:5432/hourbank (make test does)"
        )
    return url


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


@contextlib.contextmanager
def scratch_database(prefix: str, server_url: str | None = None) -> Iterator[str]:
    """A new, empty database on the server (the shared one unless given), dropped afterwards;
    yields its URL."""
    server_url = server_url or shared_server_url()
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin_url = with_database(server_url, "postgres")
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield with_database(server_url, name)
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class PostgresCluster:
    """A cluster of our own (initdb in a temporary folder, pg_ctl on a free port, run as the
    postgres OS user when we are root), so a test may stop and restart it."""

    def __init__(self, directory: Path):
        self.directory = directory
        self.data = directory / "data"
        self.port = free_port()
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/postgres"
        self._user = "postgres" if os.geteuid() == 0 else None

    def _run(self, *command: str, check: bool = True) -> subprocess.CompletedProcess:
        if self._user:
            entry = pwd.getpwnam(self._user)
            preexec = lambda: (os.setgid(entry.pw_gid), os.setuid(entry.pw_uid))  # noqa: E731
        else:
            preexec = None
        result = subprocess.run(
            command, capture_output=True, text=True, preexec_fn=preexec, timeout=120,
            env={**os.environ, "LC_ALL": "C.UTF-8"}, cwd=self.directory,
        )  # fmt: skip
        if check and result.returncode != 0:
            pytest.fail(
                f"{command[0]} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}"
            )
        return result

    def init(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        if self._user:
            entry = pwd.getpwnam(self._user)
            os.chown(self.directory, entry.pw_uid, entry.pw_gid)
        self.directory.chmod(0o755)
        initdb = shutil.which("initdb")
        if initdb is None:
            pytest.fail("initdb is not on PATH (PostgreSQL server binaries are needed)")
        self._run(initdb, "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8")

    def start(self) -> None:
        self._run(
            shutil.which("pg_ctl"), "-D", str(self.data), "-l", str(self.directory / "server.log"),
            "-o", f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 -c fsync=off",
            "-w", "start",
        )  # fmt: skip

    def stop(self, mode: str = "fast") -> None:
        self._run(
            shutil.which("pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop", check=False
        )

    def restart(self) -> None:
        self.stop()
        self.start()


@contextlib.contextmanager
def postgres_cluster() -> Iterator[PostgresCluster]:
    """A throwaway cluster in a folder of its own under /tmp (pytest's tmp_path is private to
    root, and the server runs as the postgres user)."""
    directory = Path(tempfile.mkdtemp(prefix="hourbank-pg-"))
    cluster = PostgresCluster(directory)
    try:
        cluster.init()
        cluster.start()
        yield cluster
    finally:
        cluster.stop("immediate")
        shutil.rmtree(directory, ignore_errors=True)
