"""Fixtures of the real-worker tests: the Redis broker and a private queue per test module."""

import os

import pytest


@pytest.fixture
def queue_name(worker_id, request):
    # One queue per xdist worker, test module and run: parallel test processes and the modules'
    # own workers never take each other's messages.
    module = request.module.__name__.rsplit(".", 1)[-1]
    return f"hourbank-{module}-{worker_id}-{os.getpid()}"
