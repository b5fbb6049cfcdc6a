"""`make bench`: build or reuse the benchmark databases, run every benchmark, write
bench/results.json (INTERFACES §5) and print a short table.

Environment:
- BENCH_DATABASE_URL (default postgres://postgres:postgres@127.0.0.1:5432/hourbank_bench): the
  full-scale database; `_small`, `_empty`, `_sync`, `_sync2x` and `_tempo` are derived from it;
- BENCH_SCALE=small: only the 1% dataset (what tests/bench runs); default full runs both scales,
  so the full/small ratios come from one run;
- BENCH_REDIS_URL (default redis://127.0.0.1:6379/9): the webhook step's broker; the run empties
  its `default` and `sync` queues (and the old `celery` one);
- BENCH_REPEAT (requests per page, default 50), BENCH_SYNC_WORKLOGS, BENCH_TEMPO_WORKLOGS,
  BENCH_WEBHOOKS, BENCH_SYNC_TIMEOUT (seconds per sync command, default 900): smaller runs;
- BENCH_ONLY (comma-separated steps: pages, exports, invoices, webhook, sync): measure again only
  these and keep the other figures of the existing results.json (e.g. after a change to one page).
The processes it starts (gunicorn, Celery, sync commands) run with DEBUG off and HTTPS=false."""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import dataset, export, invoicing, pages, report, sync, webhook  # noqa: E402
from bench.common import (  # noqa: E402
    DEFAULT_BENCH_DATABASE_URL,
    REPO_ROOT,
    SCALE_FACTORS,
    database_url,
)

SYNC_WORKLOGS_FULL = 100_000
TEMPO_WORKLOGS_FULL = 30_000
WEBHOOKS = 50
SYNC_BASELINE_PER_S = 80  # issue 13: sync_jira first import, 20k-100k worklogs
SYNC_BASELINE_RSS_MB = 118
SYNC_RSS_TARGET_MB = 300
SYNC_RSS_FLATNESS_TARGET = 1.2  # peak RSS at 2× worklogs ÷ peak RSS at 1×


def _int_env(name: str, default: int) -> int:
    return int(os.environ.get(name) or default)


STEPS = {"pages", "exports", "invoices", "webhook", "sync"}


def sync_figures(base_url: str, scale: str, timeout: float) -> dict:
    factor = SCALE_FACTORS[scale]
    count = _int_env("BENCH_SYNC_WORKLOGS", round(SYNC_WORKLOGS_FULL * factor))
    tempo_count = _int_env("BENCH_TEMPO_WORKLOGS", round(TEMPO_WORKLOGS_FULL * factor))
    results = {}
    _, first, rerun = sync.jira_import(dataset.fresh_database(base_url, "_sync"), count, timeout)
    results["sync_worklogs_per_s"] = sync.rate_figure(first, count, 2000, SYNC_BASELINE_PER_S)
    results["sync_rerun_worklogs_per_s"] = sync.rate_figure(rerun, count, 10000, None)
    _, double, _ = sync.jira_import(dataset.fresh_database(base_url, "_sync2x"), 2 * count, timeout)
    rss = {"unit": "MB", "target": SYNC_RSS_TARGET_MB, "baseline": SYNC_BASELINE_RSS_MB}
    for name, outcome, worklogs in [("sync_peak_rss_mb", first, count),
                                    ("sync_peak_rss_mb_2x", double, 2 * count)]:  # fmt: skip
        if outcome["timed_out"]:
            results[name] = {**rss, "value": None, "met": None,
                             "reason": f"the {worklogs}-worklog import did not finish in {timeout} s"}  # fmt: skip
        else:
            value = outcome["peak_rss_mb"]
            results[name] = {
                **rss,
                "value": value,
                "met": value <= SYNC_RSS_TARGET_MB,
                "worklogs": worklogs,
            }
    if results["sync_peak_rss_mb"]["value"] and results["sync_peak_rss_mb_2x"]["value"]:
        ratio = round(
            results["sync_peak_rss_mb_2x"]["value"] / results["sync_peak_rss_mb"]["value"], 2
        )
        results["sync_peak_rss_ratio_2x"] = {
            "value": ratio, "unit": "×", "target": SYNC_RSS_FLATNESS_TARGET, "baseline": round(118 / 106, 2),
            "met": ratio <= SYNC_RSS_FLATNESS_TARGET,
        }  # fmt: skip
    else:
        results["sync_peak_rss_ratio_2x"] = {
            "value": None, "unit": "×", "target": SYNC_RSS_FLATNESS_TARGET, "baseline": None, "met": None,
            "reason": "an import did not finish, so there is no pair of peaks to compare",
        }  # fmt: skip
    _, again = sync.tempo_reconcile(
        dataset.fresh_database(base_url, "_tempo"), tempo_count, timeout
    )
    results["tempo_reconcile_worklogs_per_s"] = sync.rate_figure(again, tempo_count, 10000, None)
    return results


def main() -> int:
    base_url = os.environ.get("BENCH_DATABASE_URL") or DEFAULT_BENCH_DATABASE_URL
    scale = os.environ.get("BENCH_SCALE") or "full"
    if scale not in SCALE_FACTORS:
        raise SystemExit(f"BENCH_SCALE must be one of {sorted(SCALE_FACTORS)}, e.g. small")
    output = Path(os.environ.get("BENCH_OUTPUT") or REPO_ROOT / "bench" / "results.json")
    broker = os.environ.get("BENCH_REDIS_URL") or "redis://127.0.0.1:6379/9"
    repeat = _int_env("BENCH_REPEAT", 50)
    timeout = float(os.environ.get("BENCH_SYNC_TIMEOUT") or 900)
    log_dir = Path(tempfile.mkdtemp(prefix="hourbank-bench-"))
    machine, datasets, results = report.machine_info(), {}, {}
    only = {step for step in (os.environ.get("BENCH_ONLY") or "").split(",") if step}
    if only - STEPS:
        raise SystemExit(f"BENCH_ONLY takes steps among {sorted(STEPS)}, e.g. pages,invoices")
    if only and output.exists():
        kept = json.loads(output.read_text())
        datasets.update(kept.get("dataset", {}))
        results.update(kept.get("results", {}))

    def wanted(step_name: str) -> bool:
        return not only or step_name in only

    def step(name: str, work) -> None:
        """One benchmark step: its figures, or the error that stopped it, then results.json."""
        started = time.perf_counter()
        print(f"[bench] {name} …", file=sys.stderr, flush=True)
        results.pop(f"error:{name}", None)  # a kept figure from an earlier run's failure
        try:
            results.update(work())
        except Exception as error:  # noqa: BLE001 - one broken step must not hide the others
            traceback.print_exc()
            results[f"error:{name}"] = {"value": None, "unit": "", "met": False,
                                        "reason": f"{error.__class__.__name__}: {str(error)[:500]}"}  # fmt: skip
        print(
            f"[bench] {name} done in {time.perf_counter() - started:.0f} s",
            file=sys.stderr,
            flush=True,
        )
        report.write(output, machine, datasets, results)

    scales = ["small"] if scale == "small" else ["small", "full"]
    top = scales[-1]
    measured: dict[str, dict] = {}
    servers: dict[str, pages.Gunicorn] = {}
    facts: dict[str, dict] = {}
    try:
        for each in scales:
            url = base_url if each == "full" else database_url(base_url, "_small")

            def build(each=each, url=url):
                datasets[each] = {
                    "database": url.rsplit("/", 1)[-1],
                    **dataset.ensure_dataset(base_url, each, url),
                }
                facts[each] = dataset.facts(url)
                datasets[each].update(
                    {k: v for k, v in facts[each].items() if k.endswith(("_id", "_entries"))}
                )
                servers[each] = pages.Gunicorn(url, log_dir / f"gunicorn-{each}.log")
                if wanted("pages"):
                    measured[each] = {"queries": pages.count_queries(url, facts[each])}
                    measured[each]["timings"] = pages.time_pages(servers[each], facts[each], repeat)
                return {}

            if wanted("pages") or wanted("exports"):
                step(f"dataset and pages ({each})", build)
        if wanted("pages"):
            step("page figures", lambda: report.page_figures(measured))
        exports = [p for p in pages.KEY_PAGES if p.kind == "export"]
        if wanted("exports"):
            step(
                "exports",
                lambda: export.export_figures(servers.get(top), facts.get(top, {}), exports),
            )
    finally:
        for server in servers.values():
            server.stop()
    top_url = base_url if top == "full" else database_url(base_url, "_small")
    if wanted("invoices"):
        step("invoices", lambda: invoicing.invoice_figures(top_url))

    def webhooks():
        setup = sync.setup_firm(dataset.fresh_database(base_url, "_webhook"))
        count = _int_env("BENCH_WEBHOOKS", WEBHOOKS)
        figure = webhook.measure(database_url(base_url, "_webhook"), setup, broker, count, log_dir)
        return {"webhook_to_balance_ms_p95": figure}

    if wanted("webhook"):
        step("webhook", webhooks)
    if wanted("sync"):
        step("sync", lambda: sync_figures(base_url, scale, timeout))
    results.update(report.not_yet_figures())
    report.write(output, machine, datasets, results)
    print(report.table(results))
    print(f"\nlogs in {log_dir}; wrote {output}")
    print(json.dumps({"datasets": datasets}, default=str), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
