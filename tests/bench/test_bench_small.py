"""`make bench` at BENCH_SCALE=small, so the harness never rots: it runs end to end in a child
process on databases of its own, and every figure in bench/results.json is measured or says why
not. Timing assertions belong in `make bench`, never here."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from tests import celery_worker as worker_helpers

REPO_ROOT = Path(__file__).resolve().parents[2]
KEYS = {"value", "unit", "met"}


@pytest.fixture
def bench_run(db, tmp_path):
    base = worker_helpers.test_database_url() + "_bench"
    output = tmp_path / "results.json"
    env = {
        **os.environ,
        "BENCH_DATABASE_URL": base,
        "BENCH_SCALE": "small",
        "BENCH_OUTPUT": str(output),
        "BENCH_REDIS_URL": worker_helpers.reachable_broker_url(),
        # Few samples and worklogs: this proves the harness, `make bench` measures.
        "BENCH_REPEAT": "2",
        "BENCH_SYNC_WORKLOGS": "10",
        "BENCH_TEMPO_WORKLOGS": "5",
        "BENCH_WEBHOOKS": "2",
        "BENCH_PDF_REPEAT": "1",  # one pair of 500-line renders
        "BENCH_SYNC_TIMEOUT": "300",
    }
    env.pop("SECRET_KEY", None)
    completed = subprocess.run(
        [sys.executable, "bench/run.py"],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert completed.returncode == 0, completed.stderr[-4000:]
    assert connection.vendor == "postgresql"
    return json.loads(output.read_text()), completed.stdout


def test_small_run_measures_or_explains_every_figure(bench_run):
    report, table = bench_run
    assert {"platform", "cpus", "commit", "measured_at"} <= set(report["machine"])
    assert report["dataset"]["small"]["counts"] == {
        "clients": 1,
        "members": 2,
        "projects": 20,
        "tasks": 200,
        "entries": 5000,
    }
    results = report["results"]
    assert not [name for name in results if name.startswith("error:")], results
    required = [
        "sync_worklogs_per_s",
        "sync_rerun_worklogs_per_s",
        "tempo_reconcile_worklogs_per_s",
        "sync_peak_rss_mb",
        "sync_peak_rss_mb_2x",
        "webhook_to_balance_ms_p95",
        "invoice_create_ms",
        "invoice_pdf_ms",
        "invoice_pdf_ratio_to_bare",
        "export_first_byte_ms:consumption.csv",
        "export_rss_growth_mb:consumption.csv",
        "export_first_byte_ms:admin-entries.csv",
        "export_rss_growth_mb:admin-entries.csv",
    ]
    pages = ["/clients/", "/clients/{id}/", "/projects/{id}/", "/my-work/", "/timesheet/",
             "/api/v1/clients", "/api/v1/clients/{id}/hours", "/api/v1/time-entries", "/healthz",
             "/billing/invoices/", "/billing/invoices/{id}/", "/portal/", "/portal/balance/",
             "/insights/"]  # fmt: skip
    for page in pages:
        required += [f"page_ms_p95:{page}", f"queries:{page}"]
    assert set(required) <= set(results), sorted(set(required) - set(results))
    for name, figure in results.items():
        assert KEYS <= set(figure), (name, figure)
        if figure["value"] is None:
            assert figure.get("reason"), f"{name} is null without a reason"
        else:
            assert isinstance(figure["value"], int | float), (name, figure)
            assert figure["value"] >= 0, (name, figure)
    # Pages that exist are measured, with their SQL count; the trivial page is one query.
    for page in pages:
        assert results[f"page_ms_p95:{page}"]["value"] is not None, results[f"page_ms_p95:{page}"]
        assert isinstance(results[f"queries:{page}"]["value"], int)
    assert results["queries:/healthz"]["value"] == 1
    assert results["sync_worklogs_per_s"]["counts"]["created"] == 10
    assert results["sync_rerun_worklogs_per_s"]["counts"]["created"] == 0
    assert results["webhook_to_balance_ms_p95"]["measured"] == 2
    assert "| page_ms_p95:/clients/ |" in table
    # Billing, the portal export and the PDF are measured, not explained away.
    assert results["invoice_create_ms"]["value"] is not None, results["invoice_create_ms"]
    assert results["invoice_create_ms"]["entries"] == 500
    pdf = results["invoice_pdf_ms"]
    assert pdf["value"] is not None and pdf["bare_weasyprint_ms"] > 0, pdf
    assert pdf["lines"] == 500 and pdf["pages"] > 1, pdf  # issue 15: a 500-line invoice
    assert results["invoice_pdf_ratio_to_bare"]["value"] is not None
    csv_export = results["export_first_byte_ms:consumption.csv"]
    assert csv_export["status"] == 200 and csv_export["streamed"], csv_export
    assert csv_export["bytes"] > 5000, csv_export
    # The admin's streamed export of every entry, as finance.
    admin_export = results["export_first_byte_ms:admin-entries.csv"]
    assert admin_export["status"] == 200 and admin_export["streamed"], admin_export
    assert admin_export["bytes"] > 5000 * 50, admin_export
    assert report["dataset"]["small"]["invoice_entries"] > 0
