"""20 concurrent approvals against PostgreSQL give 20 consecutive numbers with no gap; two
concurrent generations never bill one entry twice."""

import datetime
import threading

import pytest
from django.db import connection
from django.utils import timezone

from billing.models import Invoice, InvoiceEntry
from billing.services import InvoiceError, approve_invoice, generate_draft
from tests.factories import ClientFactory, ProjectFactory, TaskFactory
from timetracking.services import create_entry

pytestmark = pytest.mark.django_db(transaction=True)
DAY = datetime.date(2026, 3, 2)


def run_together(count, work):
    """Start `count` threads that call work(i) at the same moment; their results/errors."""
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def run(index):
        try:
            barrier.wait(timeout=30)
            results[index] = work(index)
        except Exception as error:  # noqa: BLE001 - reported to the test
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def test_twenty_concurrent_approvals_get_consecutive_numbers(firm):
    drafts = []
    for index in range(20):
        # Different clients, so only the sequence row serializes the approvals.
        client = ClientFactory(code=f"CC{index:02d}")
        task = TaskFactory(project=ProjectFactory(client=client))
        create_entry(task=task, member=firm.staff_member, on_date=DAY, duration_minutes=30)
        drafts.append(generate_draft(client_id=client.pk, date_from=DAY, date_to=DAY).pk)
    results = run_together(20, lambda i: approve_invoice(drafts[i], by=firm.finance).number)
    assert not [r for r in results if isinstance(r, Exception)], results
    year = timezone.localdate().year
    assert sorted(results) == [f"INV-{year}-{n:04d}" for n in range(1, 21)]
    assert Invoice.objects.filter(status="approved").count() == 20


def test_concurrent_generations_bill_an_entry_once(firm):
    entries = [
        create_entry(
            task=firm.acme_task, member=firm.staff_member, on_date=DAY, duration_minutes=60
        )
        for _ in range(3)
    ]
    ids = [entry.pk for entry in entries]
    results = run_together(
        4,
        lambda i: generate_draft(client_id=firm.acme.pk, date_from=DAY, date_to=DAY, entry_ids=ids),
    )
    made = [r for r in results if isinstance(r, Invoice)]
    refused = [r for r in results if isinstance(r, InvoiceError)]
    assert len(made) == 1 and len(refused) == 3, results
    assert InvoiceEntry.objects.filter(live=True).count() == 3
