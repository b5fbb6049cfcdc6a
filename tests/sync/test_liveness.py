"""Runs whose process died (issue 20): shown as interrupted on /sync/, and marked so by the next
run of the source and by the periodic sweep; live runs are left alone."""

import subprocess
import sys
from datetime import timedelta

import pytest
from django.utils import timezone

from core.tasks import sweep_pending_work
from sync.liveness import INTERRUPTED_ERROR, STALE_AFTER, is_interrupted, this_holder
from sync.models import RunStatus, SyncRun
from tests.sync.conftest import sync

pytestmark = pytest.mark.django_db


def dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def running_run(**fields) -> SyncRun:
    return SyncRun.objects.create(source="jira", status=RunStatus.RUNNING, **fields)


def test_a_run_whose_process_is_gone_from_this_host_is_interrupted(jira_firm):
    host = this_holder().rpartition(":")[0]
    dead = running_run(heartbeat_at=timezone.now(), holder=f"{host}:{dead_pid()}")
    alive = running_run(heartbeat_at=timezone.now(), holder=this_holder())
    elsewhere = running_run(heartbeat_at=timezone.now(), holder="another-host:1")
    assert is_interrupted(dead)
    assert not is_interrupted(alive)
    assert not is_interrupted(elsewhere)  # another host's process: only its heartbeat tells


def test_a_run_silent_longer_than_the_stale_time_is_interrupted_wherever_it_ran(jira_firm):
    silent = running_run(
        heartbeat_at=timezone.now() - STALE_AFTER - timedelta(seconds=1), holder="another-host:1"
    )
    assert is_interrupted(silent)
    assert not is_interrupted(running_run(heartbeat_at=timezone.now(), holder="another-host:1"))


def test_status_page_shows_an_interrupted_run_and_the_sweep_marks_it(jira_firm, as_user):
    host = this_holder().rpartition(":")[0]
    dead = running_run(heartbeat_at=timezone.now(), holder=f"{host}:{dead_pid()}")
    live = running_run(heartbeat_at=timezone.now(), holder=this_holder())

    page = as_user(jira_firm.manager).get("/sync/").content.decode()
    assert "interrupted" in page
    dead.refresh_from_db()
    assert dead.status == RunStatus.RUNNING  # a page only shows it

    assert sweep_pending_work()["sync: runs whose process died"] == 1
    dead.refresh_from_db()
    live.refresh_from_db()
    assert (dead.status, dead.error) == (RunStatus.INTERRUPTED, INTERRUPTED_ERROR)
    assert dead.finished_at is not None
    assert live.status == RunStatus.RUNNING


def test_the_next_run_marks_the_dead_one_and_beats_with_every_page(jira_firm):
    old = timezone.now() - STALE_AFTER * 2
    dead = running_run(heartbeat_at=old, holder="another-host:1")
    SyncRun.objects.filter(pk=dead.pk).update(started_at=old)
    jira_firm.fake.add_worklog("10001", seconds=3600)
    jira_firm.fake.tick()
    before = timezone.now()
    run = sync(jira_firm.fake)
    dead.refresh_from_db()
    assert dead.status == RunStatus.INTERRUPTED
    assert run.status == RunStatus.SUCCEEDED
    assert run.holder == this_holder()
    assert run.heartbeat_at >= before
