"""Billing in the benchmark: the dataset's invoices and users (issue 14 point 8, issue 16 point 7)
and the invoice figures (issue 14 point 8: `invoice_create_ms`; issue 15 point 6:
`invoice_pdf_ms` against a bare WeasyPrint render of the same HTML).

Every measurement runs in a child on the benchmark database inside a transaction that is rolled
back, so a rerun sees the same unbilled entries. Child entry point (DATABASE_URL in the
environment): `python bench/invoicing.py measure < facts.json`."""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import PYTHON, REPO_ROOT, child_env, django_setup, run_child  # noqa: E402
from bench.firm import BENCH_PASSWORD  # noqa: E402

FINANCE_USERNAME = "bench-finance"
CLIENT_USERNAME = "bench-client"
DATASET_INVOICES = 20
ENTRIES_PER_DATASET_INVOICE = 25
APPROVE_EVERY = 4  # every fourth dataset invoice is approved (numbered, locked, PDF rendered)
INVOICE_ENTRIES = 500
INVOICE_CREATE_TARGET_MS = 2000
INVOICE_PDF_RATIO_TARGET = 1.2
ADMIN_EXPORT_REASON = (
    "the admin invoice export (django-import-export ExportMixin) answers a POSTed form with the "
    "whole file built in memory, not a streamed response: there is no first byte to time apart "
    "from the last"
)


# --- child side (Django) --------------------------------------------------------------------


def biggest_client():
    from django.db.models import Count

    from clients.models import Client

    return (
        Client.objects.annotate(entries=Count("projects__tasks__entries"))
        .order_by("-entries", "pk")
        .first()
    )


def _unbilled(client_id: int):
    from timetracking.models import TimeEntry

    return TimeEntry.objects.filter(
        task__project__client_id=client_id,
        invoice__isnull=True,
        locked=False,
        billable_minutes__gt=0,
    )


def seed_billing() -> dict:
    """A finance user, a client user of the biggest client and a few invoices of the smallest
    clients (the biggest one's oldest entries when it is the only client), through the services."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.db.models import Count

    from billing.services import approve_invoice, generate_draft
    from clients.models import Client, Role, UserProfile

    User = get_user_model()
    password = make_password(BENCH_PASSWORD)
    biggest = biggest_client()
    finance = User.objects.create(username=FINANCE_USERNAME, password=password)
    UserProfile.objects.create(user=finance, role=Role.FINANCE)
    client_user = User.objects.create(username=CLIENT_USERNAME, password=password)
    UserProfile.objects.create(user=client_user, role=Role.CLIENT, client=biggest)
    others = list(
        Client.objects.exclude(pk=biggest.pk)
        .annotate(entries=Count("projects__tasks__entries"))
        .order_by("entries", "pk")[:DATASET_INVOICES]
    ) or [biggest]
    approved = 0
    for number in range(DATASET_INVOICES):
        client = others[number % len(others)]
        picked = list(
            _unbilled(client.pk)
            .order_by("date", "pk")
            .values_list("pk", "date")[:ENTRIES_PER_DATASET_INVOICE]
        )
        if not picked:
            continue
        invoice = generate_draft(
            client_id=client.pk,
            date_from=min(day for _, day in picked),
            date_to=max(day for _, day in picked),
            entry_ids=[pk for pk, _ in picked],
            by=finance,
        )
        if number % APPROVE_EVERY == 0:
            approve_invoice(invoice.pk, by=finance)
            approved += 1
    return {"invoices": DATASET_INVOICES, "approved_invoices": approved}


def _median_ms(work, repeat: int) -> tuple[float, object]:
    samples, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = work()
        samples.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(samples), 1), result


def _draft(client, entries, finance):
    from billing.services import generate_draft

    return generate_draft(
        client_id=client.pk,
        date_from=min(day for _, day in entries),
        date_to=max(day for _, day in entries),
        entry_ids=[pk for pk, _ in entries],
        by=finance,
    )


def measure(repeat: int) -> dict:
    """Both figures' raw numbers; every write is rolled back."""
    import weasyprint
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from billing.pdf import invoice_html, render_invoice_pdf

    finance = get_user_model().objects.get(username=FINANCE_USERNAME)
    client = biggest_client()
    out = {"client_id": client.pk}
    with transaction.atomic():
        newest = list(
            _unbilled(client.pk)
            .order_by("-date", "-pk")
            .values_list("pk", "date")[:INVOICE_ENTRIES]
        )
        started = time.perf_counter()
        invoice = _draft(client, newest, finance)
        out["create_ms"] = round((time.perf_counter() - started) * 1000, 1)
        out["create_entries"] = len(newest)
        out["create_lines"] = invoice.lines.count()
        transaction.set_rollback(True)
    with transaction.atomic():
        # One entry per task, so each is a line of its own.
        per_task = list(
            _unbilled(client.pk)
            .order_by("task_id", "-date", "-pk")
            .distinct("task_id")
            .values_list("pk", "date")[:INVOICE_ENTRIES]
        )
        invoice = _draft(client, per_task, finance)
        out["pdf_entries"] = len(per_task)
        out["pdf_lines"] = invoice.lines.count()
        html = invoice_html(invoice)
        render_invoice_pdf(invoice)  # warm-up: fonts, the cached stylesheet
        weasyprint.HTML(string=html).write_pdf()
        out["pdf_ms"], document = _median_ms(lambda: render_invoice_pdf(invoice), repeat)
        out["pdf_bytes"] = len(document)
        out["bare_ms"], _ = _median_ms(lambda: weasyprint.HTML(string=html).write_pdf(), repeat)
        transaction.set_rollback(True)
    out["pdf_repeat"] = repeat
    return out


# --- orchestrator side ----------------------------------------------------------------------


def invoice_figures(url: str) -> dict:
    repeat = int(os.environ.get("BENCH_PDF_REPEAT") or 3)
    completed, _ = run_child(
        [PYTHON, str(REPO_ROOT / "bench" / "invoicing.py"), "measure", str(repeat)],
        child_env(url),
        timeout=1800,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"bench/invoicing.py measure failed:\n{completed.stderr[-4000:]}")
    raw = json.loads(completed.stdout)
    create_ms, pdf_ms, bare_ms = raw["create_ms"], raw["pdf_ms"], raw["bare_ms"]
    ratio = round(pdf_ms / bare_ms, 2) if bare_ms else None
    return {
        "invoice_create_ms": {
            "value": create_ms,
            "unit": "ms",
            "target": INVOICE_CREATE_TARGET_MS,
            "baseline": None,
            "met": create_ms <= INVOICE_CREATE_TARGET_MS,
            "entries": raw["create_entries"],
            "lines": raw["create_lines"],
        },
        "invoice_pdf_ms": {
            "value": pdf_ms,
            "unit": "ms",
            "target": None,
            "baseline": None,
            "met": None,
            "lines": raw["pdf_lines"],
            "entries": raw["pdf_entries"],
            "bytes": raw["pdf_bytes"],
            "bare_weasyprint_ms": bare_ms,
            "samples": raw["pdf_repeat"],
            "reason_no_target": "the target is on invoice_pdf_ratio_to_bare",
        },
        "invoice_pdf_ratio_to_bare": {
            "value": ratio,
            "unit": "×",
            "target": INVOICE_PDF_RATIO_TARGET,
            "baseline": None,
            "met": ratio is not None and ratio <= INVOICE_PDF_RATIO_TARGET,
            "lines": raw["pdf_lines"],
            **({} if ratio is not None else {"reason": "the bare render took no measurable time"}),
        },
        "export_first_byte_ms:admin-invoices": {
            "value": None,
            "unit": "ms",
            "target": None,
            "baseline": None,
            "met": None,
            "reason": ADMIN_EXPORT_REASON,
        },
    }


def main() -> int:
    if sys.argv[1:2] != ["measure"]:
        raise SystemExit("usage: DATABASE_URL=… python bench/invoicing.py measure [REPEAT]")
    django_setup()
    print(json.dumps(measure(int(sys.argv[2]) if sys.argv[2:] else 3), default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
