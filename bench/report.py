"""bench/results.json and the printed table: every figure has value, unit, baseline, target and
`met`; a figure that could not be measured is null with its reason."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import time
from pathlib import Path

from bench.common import REPO_ROOT
from bench.pages import KEY_PAGES, TRIVIAL

QUERY_TARGET = 15
RATIO_TO_TRIVIAL_TARGET = 5.0
RATIO_TO_SMALL_TARGET = 1.5
# Issue 13's measurements (300,000 entries): p95 of each page ÷ p95 of the trivial page.
BASELINE_RATIO_TO_TRIVIAL = {
    "/clients/": 22,
    "/projects/{id}/": 25,
    "/my-work/": 16,
    "/timesheet/": 18,
    "/api/v1/clients": 29,
}
BASELINE_PAGE_P50_MS = {"/clients/{id}/": 8371}
NOT_YET: dict[str, str] = {}  # figures whose feature has not landed: null with this reason


def machine_info() -> dict:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=REPO_ROOT, capture_output=True, text=True, check=True,
        ).stdout.strip()  # fmt: skip
    except (OSError, subprocess.CalledProcessError):
        commit = None
    pages, page_size = os.sysconf("SC_PHYS_PAGES"), os.sysconf("SC_PAGE_SIZE")
    return {
        "platform": platform.platform(),
        "cpu": cpu,
        "cpus": os.cpu_count(),
        "load_average_1m": round(os.getloadavg()[0], 2),
        "memory_gib": round(pages * page_size / 2**30, 1),
        "python": platform.python_version(),
        "commit": commit,
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }


def _null(unit: str, reason: str, **extra) -> dict:
    return {"value": None, "unit": unit, "met": None, "reason": reason, **extra}


def page_figures(scales: dict) -> dict:
    """scales: {scale: {"timings": {...}, "queries": {...}}}; the largest scale is reported."""
    main = "full" if "full" in scales else "small"
    timings, queries = scales[main]["timings"], scales[main]["queries"]
    small = scales.get("small") if main == "full" else None
    trivial = timings.get(TRIVIAL.name, {}).get("p95")
    results = {}
    for page in [p for p in KEY_PAGES if p.kind != "export"] + [TRIVIAL]:
        name = page.name
        if page.path is None:
            results[f"page_ms_p95:{name}"] = _null("ms", page.missing)
            results[f"queries:{name}"] = _null("queries", page.missing)
            continue
        timing = timings.get(name, {})
        p95 = timing.get("p95")
        figure = {"unit": "ms", "scale": main, "baseline": BASELINE_PAGE_P50_MS.get(name)}
        if p95 is None:
            results[f"page_ms_p95:{name}"] = _null("ms", timing.get("error", "not measured"))
        else:
            ratios = {}
            if trivial and name != TRIVIAL.name:
                ratios["ratio_to_trivial"] = round(p95 / trivial, 2)
            small_p95 = (small or {}).get("timings", {}).get(name, {}).get("p95")
            if small_p95:
                ratios["ratio_to_small"] = round(p95 / small_p95, 2)
                ratios["small_p95"] = small_p95
            met = None
            if name != TRIVIAL.name and "ratio_to_trivial" in ratios:
                met = ratios["ratio_to_trivial"] <= RATIO_TO_TRIVIAL_TARGET and (
                    ratios.get("ratio_to_small", 0) <= RATIO_TO_SMALL_TARGET
                )
            results[f"page_ms_p95:{name}"] = {
                **figure,
                "value": p95,
                "p50": timing["p50"],
                "samples": timing["samples"],
                "target": {
                    "ratio_to_trivial": RATIO_TO_TRIVIAL_TARGET,
                    "ratio_to_small": RATIO_TO_SMALL_TARGET,
                },
                "baseline_ratio_to_trivial": BASELINE_RATIO_TO_TRIVIAL.get(name),
                "met": met,
                **ratios,
            }
            if small is None and name != TRIVIAL.name:
                results[f"page_ms_p95:{name}"]["ratio_to_small_reason"] = (
                    "BENCH_SCALE=small: no full-scale run to compare with"
                )
        count = queries.get(name)
        if not isinstance(count, int):
            results[f"queries:{name}"] = _null("queries", str(count))
            continue
        small_count = (small or {}).get("queries", {}).get(name)
        constant = small_count is None or small_count == count
        results[f"queries:{name}"] = {
            "value": count,
            "unit": "queries",
            "scale": main,
            "small_scale": small_count,
            "baseline": None,
            "target": QUERY_TARGET,
            "met": count <= QUERY_TARGET and constant,
        }
    return results


def not_yet_figures() -> dict:
    return {
        name: _null("ms", reason, target=None, baseline=None) for name, reason in NOT_YET.items()
    }


def write(path: Path, machine: dict, dataset: dict, results: dict) -> None:
    report = {"machine": machine, "dataset": dataset, "results": results}
    path.write_text(json.dumps(report, indent=2, default=str) + "\n")


def _cell(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:,.1f}"
    if isinstance(value, dict):
        return ", ".join(f"{k} {v}" for k, v in value.items())
    return f"{value:,}" if isinstance(value, int) else str(value)


def table(results: dict) -> str:
    """A markdown table: figure, value, unit, target, met, note (ratios or the reason)."""
    lines = [
        "| figure | value | unit | target | met | note |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for name, figure in results.items():
        note = figure.get("reason", "")
        if not note and "ratio_to_trivial" in figure:
            note = f"×{figure['ratio_to_trivial']} trivial"
            if "ratio_to_small" in figure:
                note += f", ×{figure['ratio_to_small']} small"
            note += f"; p50 {figure['p50']} ms, n={figure['samples']}"
        elif not note and "small_scale" in figure:
            note = f"small scale: {figure['small_scale']}"
        elif not note and "peak_rss_mb" in figure:
            note = f"{figure.get('worklogs')} worklogs in {figure.get('seconds')} s, RSS {figure['peak_rss_mb']} MB"
        met = {True: "yes", False: "**no**", None: "—"}[figure.get("met")]
        lines.append(
            f"| {name} | {_cell(figure.get('value'))} | {figure.get('unit', '')} | "
            f"{_cell(figure.get('target'))} | {met} | {note} |"
        )
    return "\n".join(lines)
