"""The backup routine of deploy/README.md, end to end: a firm with entries, invoices and stored
PDFs is dumped with pg_dump (custom format) and MEDIA_ROOT archived with tar, restored with
pg_restore into a fresh database and a fresh folder, and every balance, invoice total and file
checksum is unchanged."""

import json
import os
import shutil
import subprocess
import sys
import tarfile

from tests.deploy.services import REPO_ROOT, scratch_database

# Runs inside `manage.py shell`: invoices with totals and a stored PDF each, on the demo firm.
MAKE_INVOICES = """
from decimal import Decimal
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from weasyprint import HTML
from clients.models import Client
from tests.factories import invoice_and_lock
from timetracking.models import TimeEntry
for number, client in enumerate(Client.objects.filter(is_internal=False).order_by("pk")[:2], 1):
    entries = list(TimeEntry.objects.filter(task__project__client=client).order_by("pk")[:3])
    invoice = invoice_and_lock(client, entries, number=f"INV-BACKUP-{number}")
    invoice.subtotal = Decimal("1234.50") * number
    invoice.tax = (invoice.subtotal * Decimal("0.2")).quantize(Decimal("0.01"))
    invoice.total = invoice.subtotal + invoice.tax
    invoice.save()
    pdf = HTML(string=f"<h1>{invoice.number}</h1><p>{invoice.total}</p>").write_pdf()
    default_storage.save(f"invoices/{invoice.number}.pdf", ContentFile(pdf))
"""

# Runs inside `manage.py shell`: what must survive, as one JSON line.
REPORT = """
import hashlib, json, os
from django.conf import settings
from billing.models import Invoice
from clients.models import Client
from timetracking.balances import balance_of
from timetracking.models import TimeEntry
files = {}
for folder, _, names in os.walk(settings.MEDIA_ROOT):
    for name in names:
        path = os.path.join(folder, name)
        files[os.path.relpath(path, settings.MEDIA_ROOT)] = hashlib.sha256(open(path, "rb").read()).hexdigest()
print(json.dumps({
    "balances": {c.code: balance_of(c).remaining_minutes for c in Client.objects.order_by("code")},
    "invoices": {i.number: [str(i.subtotal), str(i.tax), str(i.total), i.status, i.entries.count() if hasattr(i, "entries") else None]
                 for i in Invoice.objects.all()},
    "entries": [TimeEntry.objects.count(), sum(e.billable_minutes for e in TimeEntry.objects.all())],
    "locked": TimeEntry.objects.filter(invoice__isnull=False).count(),
    "files": files,
}, sort_keys=True))
"""


def manage(env: dict, *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=REPO_ROOT, env=env,
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def report(env: dict) -> dict:
    return json.loads(manage(env, "shell", "-c", REPORT).strip().splitlines()[-1])


def test_pg_dump_and_media_archive_restore_into_a_fresh_database_unchanged(tmp_path):
    base_env = {**os.environ, "DEBUG": "true", "PYTHONUNBUFFERED": "1"}
    with (
        scratch_database("hb_backup_src") as source_url,
        scratch_database("hb_backup_dst") as restored_url,
    ):
        source = {**base_env, "DATABASE_URL": source_url, "MEDIA_ROOT": str(tmp_path / "media")}
        manage(source, "migrate", "--noinput")
        manage(source, "seed_demo")
        manage(source, "shell", "-c", MAKE_INVOICES)
        before = report(source)
        assert len(before["invoices"]) == 2 and before["locked"] > 0
        assert len(before["files"]) == 2 and before["entries"][0] > 0
        assert any(minutes != 0 for minutes in before["balances"].values())

        # Backup: the database, then the files (deploy/README.md).
        dump = tmp_path / "hourbank.dump"
        subprocess.run(
            ["pg_dump", "--format=custom", "--no-owner", f"--dbname={source_url}", f"--file={dump}"],
            check=True, timeout=300,
        )  # fmt: skip
        archive = tmp_path / "hourbank-media.tar.gz"
        with tarfile.open(archive, "w:gz") as tar:
            tar.add(tmp_path / "media", arcname=".")
        shutil.rmtree(tmp_path / "media")  # the disaster

        # Restore into a fresh database and a fresh folder.
        subprocess.run(
            ["pg_restore", "--no-owner", "--exit-on-error", f"--dbname={restored_url}", str(dump)],
            check=True, timeout=300,
        )  # fmt: skip
        restored_media = tmp_path / "restored-media"
        restored_media.mkdir()
        with tarfile.open(archive) as tar:
            tar.extractall(restored_media, filter="data")
        restored = {**base_env, "DATABASE_URL": restored_url, "MEDIA_ROOT": str(restored_media)}
        assert "No migrations to apply" in manage(restored, "migrate", "--noinput")

        assert report(restored) == before
