"""Celery's production configuration: late acks, re-queue on worker loss, retries with backoff
and jitter on every task, the visibility timeout above the longest countdown, one queue per kind
of work, and the sweep that picks up work whose enqueue failed."""

import pytest
from django.conf import settings
from kombu.exceptions import OperationalError as KombuOperationalError

from config.celery import app
from core import tasks as core_tasks


def route(task_name: str) -> str:
    return app.amqp.router.route({}, task_name)["queue"].name


@pytest.mark.parametrize(
    ("task_name", "queue"),
    [
        ("sync.tasks.sync_jira", "sync"),
        ("sync.tasks.fetch_tempo_worklogs", "sync"),
        ("billing.tasks.render_invoice_pdf", "pdf"),
        ("billing.tasks.store_pdf", "pdf"),
        ("clients.tasks.send_alert_email", "email"),
        ("portal.tasks.send_low_balance_alerts", "email"),
        ("timetracking.tasks.reapply_billing_rules_task", "default"),
        ("core.tasks.sweep_pending_work", "default"),
    ],
)
def test_tasks_are_routed_to_their_queue(task_name, queue):
    assert route(task_name) == queue


def test_every_registered_task_acks_late_requeues_on_worker_loss_and_retries_with_jitter():
    app.loader.import_default_modules()
    project_tasks = {
        name: task for name, task in app.tasks.items() if not name.startswith("celery.")
    }
    assert "sync.tasks.sync_jira" in project_tasks
    assert "core.tasks.sweep_pending_work" in project_tasks
    for name, task in project_tasks.items():
        assert isinstance(task, core_tasks.RetryingTask), name
        assert task.acks_late and task.reject_on_worker_lost, name
        assert task.retry_backoff and task.retry_jitter, name
        assert task.retry_backoff_max == core_tasks.RETRY_BACKOFF_MAX_SECONDS, name
        assert set(core_tasks.TRANSIENT_ERRORS) <= set(task.autoretry_for), name
    assert settings.CELERY_WORKER_PREFETCH_MULTIPLIER == 1


def test_visibility_timeout_exceeds_the_longest_countdown():
    visibility = settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    assert visibility > core_tasks.RETRY_BACKOFF_MAX_SECONDS
    assert visibility > max(entry["schedule"] for entry in settings.CELERY_BEAT_SCHEDULE.values())


def test_beat_runs_the_sweep():
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "core.tasks.sweep_pending_work" in tasks


def test_enqueue_with_the_broker_down_is_logged_and_does_not_raise(caplog):
    def broker_down():
        raise KombuOperationalError("Error 111 connecting to 127.0.0.1:1. Connection refused.")

    assert core_tasks.enqueue(broker_down, what="invoice 7 PDF") is False
    assert "invoice 7 PDF" in caplog.text
    assert core_tasks.enqueue(lambda: None, what="fine") is True


def test_the_sweep_runs_every_registered_sweep_even_when_one_fails(monkeypatch):
    monkeypatch.setattr(core_tasks, "_SWEEPS", {})
    swept = []

    @core_tasks.register_sweep("broken")
    def _broken():
        raise RuntimeError("boom")

    @core_tasks.register_sweep("invoices without a PDF")
    def _invoices():
        swept.append("invoices")
        return 3

    result = core_tasks.sweep_pending_work.apply().result

    assert result == {"broken": "error: RuntimeError", "invoices without a PDF": 3}
    assert swept == ["invoices"]
