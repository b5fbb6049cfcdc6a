"""The WSGI module freezes what the worker loaded at start out of the garbage collector's reach."""

import os
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import gc
import config.wsgi
import django.urls
print(gc.get_freeze_count(), len(gc.get_objects()))
print(django.urls.get_resolver().resolve("/billing/invoices/").func.__module__)
"""


def test_startup_objects_are_frozen_and_the_views_imported():
    probe = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
        env={
            **os.environ,
            "DEBUG": "true",
            "DATABASE_URL": "sqlite:///:memory:",
        },
    )
    counts, module = probe.stdout.splitlines()
    frozen, tracked = map(int, counts.split())
    # The frozen generation holds the loaded app; what the collector still tracks is a sliver.
    assert frozen > 50_000
    assert tracked < frozen / 5
    assert module.startswith("billing.")
