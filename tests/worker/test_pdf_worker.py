"""The invoice PDF is rendered by a real Celery worker on the real Redis broker, once: approval
commits, publishes `billing.tasks.render_invoice_pdf`, a separate worker process renders with
WeasyPrint and stores the file where the app reads it back."""

import datetime
import hashlib
import time

import pytest
import redis
from kombu import Queue

from billing.models import InvoicePdf, PdfStatus
from billing.services import approve_invoice, generate_draft
from billing.tasks import render_invoice_pdf
from config.celery import app as celery_app
from tests.celery_worker import celery_worker
from timetracking.services import create_entry

WORKER_DEADLINE_SECONDS = 60

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def tasks_on_broker(broker_url, queue_name):
    """`.delay()` publishes to Redis on `queue_name`, as a deployment with REDIS_URL does."""
    conf = celery_app.conf
    saved = {name: conf[name] for name in ("task_always_eager", "broker_url", "task_routes")}
    conf.update(
        task_always_eager=False,
        broker_url=broker_url,
        task_routes={"billing.tasks.render_invoice_pdf": {"queue": queue_name}},
    )
    # Drop the connection and routing caches built from the old settings.
    celery_app.__dict__.pop("amqp", None)
    celery_app._pool = None
    with celery_app.connection_for_write(broker_url) as connection:
        Queue(queue_name).bind(connection.default_channel).purge()
    yield
    conf.update(saved)
    celery_app.__dict__.pop("amqp", None)
    celery_app._pool = None
    redis.Redis.from_url(broker_url).delete(
        queue_name, f"_kombu.binding.{queue_name}", f"_kombu.binding_permanent.{queue_name}"
    )


def succeeded(log: str) -> int:
    return sum(
        1
        for line in log.splitlines()
        if "billing.tasks.render_invoice_pdf" in line and "succeeded" in line and "'ready'" in line
    )


def test_a_real_worker_renders_the_approved_invoice_once(
    firm, media_root, tasks_on_broker, broker_url, queue_name, tmp_path
):
    create_entry(
        task=firm.acme_task,
        member=firm.staff_member,
        on_date=datetime.date(2026, 3, 2),
        duration_minutes=90,
    )
    draft = generate_draft(
        client_id=firm.acme.pk,
        date_from=datetime.date(2026, 3, 1),
        date_to=datetime.date(2026, 3, 31),
    )
    with celery_worker(
        broker_url=broker_url,
        queue=queue_name,
        log_path=tmp_path / "worker.log",
        env={"MEDIA_ROOT": str(media_root)},
    ) as worker:
        invoice = approve_invoice(draft.pk, by=firm.finance)  # commits, then publishes
        deadline = time.monotonic() + WORKER_DEADLINE_SECONDS
        while time.monotonic() < deadline:
            pdf = InvoicePdf.objects.get(invoice=invoice)
            if pdf.status != PdfStatus.PENDING:
                break
            if worker.poll() is not None:
                pytest.fail(f"Celery worker exited early:\n{worker.log_path.read_text()}")
            time.sleep(0.3)
        else:
            pytest.fail(f"no PDF after {WORKER_DEADLINE_SECONDS} s:\n{worker.log_path.read_text()}")
        assert pdf.status == PdfStatus.READY, (pdf.error, worker.log_path.read_text())
        first = (pdf.file.name, pdf.sha256, pdf.rendered_at)

        # A second message for the same invoice (a redelivery, a retry) changes nothing.
        render_invoice_pdf.delay(invoice.pk)
        deadline = time.monotonic() + WORKER_DEADLINE_SECONDS
        while succeeded(worker.log_path.read_text()) < 2:
            assert time.monotonic() < deadline, worker.log_path.read_text()
            time.sleep(0.3)
    # Both messages ran to the end, and the second found the issued PDF and left it.
    assert succeeded(worker.log_path.read_text()) == 2

    pdf.refresh_from_db()
    assert (pdf.file.name, pdf.sha256, pdf.rendered_at) == first
    stored = media_root / pdf.file.name
    content = stored.read_bytes()
    assert content.startswith(b"%PDF")
    assert hashlib.sha256(content).hexdigest() == pdf.sha256
    assert len(list((media_root / "invoices").iterdir())) == 1
