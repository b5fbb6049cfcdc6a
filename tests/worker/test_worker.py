"""A real Celery worker, on the real Redis broker, changes the real test database.

The rest of the suite runs tasks in-process; this test is the one that proves the deployed
path works: commit → publish to Redis → a separate worker process → the service → the database."""

import datetime
import time

import pytest
import redis
from django.db import transaction
from kombu import Queue

from clients.models import BillingPlan
from config.celery import app as celery_app
from tests.celery_worker import celery_worker
from timetracking.models import TimeEntry
from timetracking.services import create_entry
from timetracking.tasks import reapply_billing_rules_task

WORKER_DEADLINE_SECONDS = 30

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def publish_to_broker(broker_url, queue_name):
    """Publish through `broker_url` for the duration of the test, as a deployment with REDIS_URL does."""
    was_eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    with celery_app.connection_for_write(broker_url) as broker_connection:
        Queue(queue_name).bind(broker_connection.default_channel).purge()

        def publish(task, *args):
            return task.apply_async(args=args, queue=queue_name, connection=broker_connection)

        yield publish
    celery_app.conf.task_always_eager = was_eager
    # Kombu keeps a routing table per exchange; a queue name per run would otherwise pile them up.
    redis.Redis.from_url(broker_url).delete(
        queue_name, f"_kombu.binding.{queue_name}", f"_kombu.binding_permanent.{queue_name}"
    )


@pytest.fixture
def celery_worker_process(broker_url, queue_name, tmp_path):
    with celery_worker(
        broker_url=broker_url, queue=queue_name, log_path=tmp_path / "worker.log"
    ) as process:
        yield process


def test_worker_applies_new_minimum_to_committed_entries(
    firm, publish_to_broker, celery_worker_process
):
    on_date = datetime.date(2026, 3, 2)
    other_client_entry = create_entry(
        task=firm.globex_task,
        member=firm.staff_member,
        on_date=on_date,
        duration_minutes=10,
        billable=True,
    )
    entries = [
        create_entry(
            task=firm.acme_task,
            member=firm.staff_member,
            on_date=on_date,
            duration_minutes=minutes,
            billable=True,
        )
        for minutes in (10, 20)
    ]
    assert [entry.billable_minutes for entry in entries] == [10, 20]

    with transaction.atomic():
        BillingPlan.objects.filter(client__in=[firm.acme, firm.globex]).update(
            min_billable_minutes=30
        )
        # As the app does: publish only once the new plan is committed and visible to the worker.
        transaction.on_commit(lambda: publish_to_broker(reapply_billing_rules_task, firm.acme.pk))

    ids = [entry.pk for entry in entries]
    deadline = time.monotonic() + WORKER_DEADLINE_SECONDS
    while time.monotonic() < deadline:
        minutes = list(
            TimeEntry.objects.filter(pk__in=ids)
            .order_by("pk")
            .values_list("billable_minutes", flat=True)
        )
        if minutes == [30, 30]:
            break
        if celery_worker_process.poll() is not None:
            pytest.fail(
                f"Celery worker exited early:\n{celery_worker_process.log_path.read_text()}"
            )
        time.sleep(0.2)
    else:
        pytest.fail(
            f"entries still bill {minutes} minutes after {WORKER_DEADLINE_SECONDS} s; worker log:\n"
            f"{celery_worker_process.log_path.read_text()}"
        )

    # The task re-applied the rules of the client it was given, not everyone's.
    other_client_entry.refresh_from_db()
    assert other_client_entry.billable_minutes == 10
