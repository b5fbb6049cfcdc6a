"""Billing in the benchmark: the dataset's invoices and users (issue 14 point 8, issue 16 point 7)
and the invoice figures (issue 14 point 8: `invoice_create_ms`; issue 15 point 6:
`invoice_pdf_ms` against a bare WeasyPrint render of the same HTML).

Every measurement runs in a child on the benchmark database inside a transaction that is rolled
back, so a rerun sees the same unbilled entries. Child entry point (DATABASE_URL in the
environment): `python bench/invoicing.py measure < facts.json`."""

from __future__ import annotations

import io
import json
import os
import statistics
import sys
import time
from decimal import Decimal
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
PDF_LINES = 500  # issue 15 point 6: the PDF of a 500-line invoice, at every scale
INVOICE_CREATE_TARGET_MS = 2000
INVOICE_PDF_RATIO_TARGET = 1.2


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
    """A finance user (with the Django admin), a client user of the biggest client and a few
    invoices of the smallest clients (the biggest one's oldest entries when it is the only
    client), through the services."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.db.models import Count

    from billing.services import approve_invoice, generate_draft
    from clients.models import Client, Role, UserProfile
    from clients.services import sync_admin_access

    User = get_user_model()
    password = make_password(BENCH_PASSWORD)
    biggest = biggest_client()
    finance = User.objects.create(username=FINANCE_USERNAME, password=password)
    UserProfile.objects.create(user=finance, role=Role.FINANCE)
    sync_admin_access(finance)  # the Django admin, whose streamed entries export is measured
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


def _timed_ms(work) -> tuple[float, object]:
    started = time.perf_counter()
    result = work()
    return (time.perf_counter() - started) * 1000, result


def _paired_ms(work, reference, repeat: int) -> tuple[float, float, float, object]:
    """Medians of `work` and `reference` timed in alternation, and the median of their
    per-round ratio: on a shared machine a load change then hits both sides of a ratio alike
    instead of whichever side happened to run during it."""
    works, references, ratios, result = [], [], [], None
    for _ in range(repeat):
        work_ms, result = _timed_ms(work)
        reference_ms, _ = _timed_ms(reference)
        works.append(work_ms)
        references.append(reference_ms)
        ratios.append(work_ms / reference_ms)
    return (
        round(statistics.median(works), 1),
        round(statistics.median(references), 1),
        round(statistics.median(ratios), 2),
        result,
    )


def _entries_on_separate_lines(client, count: int) -> list[tuple[int, object]]:
    """`count` unbilled entries of `client`, each on a task of its own, so each is a line of
    its own. A client with fewer tasks (every client at BENCH_SCALE=small) gets the rest as
    copies of its newest entry on throwaway tasks: the caller rolls them back."""
    from clients.models import Task
    from timetracking.models import TimeEntry

    picked = list(
        _unbilled(client.pk)
        .order_by("task_id", "-date", "-pk")
        .distinct("task_id")
        .values_list("pk", "date")[:count]
    )
    missing = count - len(picked)
    if missing <= 0:
        return picked
    model = _unbilled(client.pk).select_related("task").order_by("-date", "-pk").first()
    tasks = Task.objects.bulk_create(
        Task(project_id=model.task.project_id, name=f"{model.task.name} (bench line {number})")
        for number in range(missing)
    )
    values = {
        field.attname: getattr(model, field.attname)
        for field in TimeEntry._meta.concrete_fields
        if not field.primary_key
    }
    copies = TimeEntry.objects.bulk_create(
        TimeEntry(
            **{**values, "task_id": task.pk, "jira_worklog_id": None, "tempo_worklog_id": None}
        )  # fmt: skip
        for task in tasks
    )
    return picked + [(entry.pk, entry.date) for entry in copies]


def _draft(client, entries, finance):
    from billing.services import generate_draft
    from clients.models import BillingPlan

    # The big clients' hour banks are overdrawn, so their statements need an overage rate; the
    # dataset's plans have none (and the caller rolls this back with the draft).
    BillingPlan.objects.filter(client=client, overage_rate__isnull=True).update(
        overage_rate=Decimal("150.00")
    )
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
    from django.contrib.staticfiles import finders
    from django.db import transaction
    from pypdf import PdfReader

    from billing.pdf import PRINT_STYLESHEET, invoice_html, render_invoice_pdf

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
        lines = _entries_on_separate_lines(client, PDF_LINES)
        invoice = _draft(client, lines, finance)
        out["pdf_entries"] = len(lines)
        out["pdf_lines"] = invoice.lines.count()
        html = invoice_html(invoice)
        stylesheet = weasyprint.CSS(filename=finders.find(PRINT_STYLESHEET))

        def bare():
            # The same HTML and print stylesheet straight through WeasyPrint: what the app
            # adds on top (queries, template, logo, storage-free rendering) is the ratio.
            return weasyprint.HTML(string=html).write_pdf(stylesheets=[stylesheet])

        render_invoice_pdf(invoice)  # warm-up: fonts, the cached stylesheet
        bare()
        out["pdf_ms"], out["bare_ms"], out["pdf_ratio"], document = _paired_ms(
            lambda: render_invoice_pdf(invoice), bare, repeat
        )
        out["pdf_bytes"] = len(document)
        out["pdf_pages"] = len(PdfReader(io.BytesIO(document)).pages)
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
    ratio = raw["pdf_ratio"] if bare_ms else None
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
            "pages": raw["pdf_pages"],
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
            "method": "median of per-round ratios; the app's render and the bare one alternate",
            **({} if ratio is not None else {"reason": "the bare render took no measurable time"}),
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
