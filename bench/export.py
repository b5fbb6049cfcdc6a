"""Streamed exports (KEY_PAGES rows of kind `export`, and the admin's streamed CSVs below): time
to the first byte and the growth of the web workers' resident memory while the whole body
streams."""

from __future__ import annotations

import http.client
import time

from bench.common import process_rss_mb
from bench.invoicing import FINANCE_USERNAME
from bench.pages import Gunicorn, KeyPage, headers_for

FIRST_BYTE_TARGET_MS = 1000
RSS_GROWTH_TARGET_MB = 50
# Issue 15 point 6: the admin's export of every entry (500,000 at full scale) as finance.
ADMIN_EXPORTS = [
    KeyPage(
        "admin-entries.csv",
        "/admin/timetracking/timeentry/export-csv/",
        "export",
        user=FINANCE_USERNAME,
    ),
]


def _workers_rss(server: Gunicorn) -> float:
    return sum(process_rss_mb(pid) or 0.0 for pid in server.worker_pids())


def measure_stream(server: Gunicorn, page: KeyPage, facts: dict) -> dict:
    before = _workers_rss(server)
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=600)
    started = time.perf_counter()
    try:
        connection.request(
            "GET",
            page.path.format(**facts),
            headers={"Host": "127.0.0.1", **headers_for(page, facts)},
        )
        response = connection.getresponse()
        first = response.read(1)
        first_byte_ms = (time.perf_counter() - started) * 1000
        size, peak = len(first), before
        while chunk := response.read(64 * 1024):
            size += len(chunk)
            peak = max(peak, _workers_rss(server))
        total_ms = (time.perf_counter() - started) * 1000
    finally:
        connection.close()
    return {
        "status": response.status,
        "streamed": response.getheader("Content-Length") is None,
        "first_byte_ms": round(first_byte_ms, 1),
        "total_ms": round(total_ms, 1),
        "bytes": size,
        "rss_growth_mb": round(max(peak, _workers_rss(server)) - before, 1),
    }


def export_figures(server: Gunicorn | None, facts: dict, pages: list[KeyPage]) -> dict:
    """`export_first_byte_ms:<name>` and `export_rss_growth_mb:<name>` for every export row and
    every admin export."""
    results = {}
    for page in [*pages, *ADMIN_EXPORTS]:
        first = {"unit": "ms", "target": FIRST_BYTE_TARGET_MS, "baseline": None}
        growth = {"unit": "MB", "target": RSS_GROWTH_TARGET_MB, "baseline": None}
        if page.path is None or server is None:
            reason = page.missing or "no server for this scale"
            results[f"export_first_byte_ms:{page.name}"] = {
                **first,
                "value": None,
                "met": None,
                "reason": reason,
            }
            results[f"export_rss_growth_mb:{page.name}"] = {
                **growth,
                "value": None,
                "met": None,
                "reason": reason,
            }
            continue
        measured = measure_stream(server, page, facts)
        ok = measured["status"] == 200
        results[f"export_first_byte_ms:{page.name}"] = {
            **first,
            "value": measured["first_byte_ms"] if ok else None,
            "met": ok
            and measured["streamed"]
            and measured["first_byte_ms"] <= FIRST_BYTE_TARGET_MS,
            **measured,
        }
        results[f"export_rss_growth_mb:{page.name}"] = {
            **growth,
            "value": measured["rss_growth_mb"] if ok else None,
            "met": ok and measured["rss_growth_mb"] < RSS_GROWTH_TARGET_MB,
            "bytes": measured["bytes"],
        }
    return results
