"""Plumbing shared by the benchmark modules: paths, database URLs, child processes, percentiles.

Nothing here imports Django: the orchestrator (bench/run.py) stays a plain process that starts
one child per database (dataset build, query counts, gunicorn, sync commands)."""

from __future__ import annotations

import hashlib
import os
import resource
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse, urlunparse

REPO_ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
DEFAULT_BENCH_DATABASE_URL = "postgres://postgres:postgres@127.0.0.1:5432/hourbank_bench"
# 1% of the data at BENCH_SCALE=small; the same code builds both.
SCALE_FACTORS = {"full": 1.0, "small": 0.01}
# One key for every child of a run: the sessions the harness creates are valid in gunicorn.
BENCH_SECRET_KEY = os.environ.get("SECRET_KEY") or secrets.token_urlsafe(50)


def percentile(samples: list[float], fraction: float) -> float:
    """Nearest-rank percentile: the smallest sample with at least `fraction` of samples ≤ it."""
    ordered = sorted(samples)
    rank = max(1, -(-len(ordered) * fraction // 1))
    return ordered[int(rank) - 1]


def database_url(base_url: str, suffix: str) -> str:
    """`…/hourbank_bench` + `_small` → `…/hourbank_bench_small`."""
    parsed = urlparse(base_url)
    return urlunparse(parsed._replace(path=parsed.path.rstrip("/") + suffix))


def database_name(url: str) -> str:
    return urlparse(url).path.lstrip("/")


def maintenance_url(url: str) -> str:
    return urlunparse(urlparse(url)._replace(path="/postgres"))


def migrations_fingerprint() -> str:
    """A hash of every migration file: a benchmark database is reused only while it matches."""
    digest = hashlib.sha256()
    for path in sorted(REPO_ROOT.glob("*/migrations/[0-9]*.py")):
        digest.update(str(path.relative_to(REPO_ROOT)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def child_env(database: str, **extra: str) -> dict:
    """The environment of a child process on `database`: DEBUG off unless a caller says."""
    env = {
        **os.environ,
        "DATABASE_URL": database,
        "PYTHONUNBUFFERED": "1",
        "DEBUG": "false",
        "HTTPS": "false",
        "SECRET_KEY": BENCH_SECRET_KEY,
        # The dataset's invoice PDFs belong to its database, not to the checkout's media/.
        "MEDIA_ROOT": str(
            Path(tempfile.gettempdir()) / "hourbank-bench-media" / database_name(database)
        ),
    }
    env.pop("REDIS_URL", None)  # Celery in-process unless a step brings its own broker
    env.update(extra)
    return env


def run_child(
    args: list[str], env: dict, timeout: float
) -> tuple[subprocess.CompletedProcess, float]:
    """Run a child to its end; returns it and its wall seconds. Raises TimeoutExpired."""
    started = time.perf_counter()
    completed = subprocess.run(
        args, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )
    return completed, time.perf_counter() - started


def run_measured_child(args: list[str], env: dict, timeout: float) -> dict:
    """Run a Python child (`[PYTHON, script, …]`) and report its wall seconds and its own peak
    RSS (MB), written by bench/peak.py as it exits."""
    handle, peak_path = tempfile.mkstemp(prefix="hourbank-bench-peak-")
    os.close(handle)
    peak_file = Path(peak_path)
    args = [args[0], str(REPO_ROOT / "bench" / "peak.py"), *args[1:]]
    env = {**env, "BENCH_PEAK_FILE": str(peak_file)}
    started = time.perf_counter()
    process = subprocess.Popen(
        args, cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    deadline = started + timeout
    while True:
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            break
        if time.perf_counter() > deadline:
            process.kill()
            os.wait4(process.pid, 0)
            peak_file.unlink(missing_ok=True)
            return {"timed_out": True, "seconds": round(timeout, 1)}
        time.sleep(0.05)
    seconds = time.perf_counter() - started
    stdout, stderr = process.stdout.read(), process.stderr.read()
    process.stdout.close()
    process.stderr.close()
    peak_kib = peak_file.read_text().strip()
    peak_file.unlink()
    return {
        "timed_out": False,
        "returncode": os.waitstatus_to_exitcode(status),
        "seconds": seconds,
        "peak_rss_mb": round(int(peak_kib) / 1024, 1) if peak_kib else None,
        # wait4's figure, for comparison: it includes the orchestrator's peak (bench/peak.py).
        "inherited_max_rss_mb": round(usage.ru_maxrss / 1024, 1),
        "stdout": stdout,
        "stderr": stderr,
    }


def own_peak_rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def process_rss_mb(pid: int) -> float | None:
    """Current resident set of a process (MB), from /proc."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None


def django_setup() -> None:
    """For the child entry points: Django on DATABASE_URL from the environment."""
    sys.path.insert(0, str(REPO_ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
