"""`python bench/peak.py SCRIPT ARGS…`: run SCRIPT as `__main__` and, on the way out, write the
process's own peak resident set (VmHWM, KiB) to the file named by BENCH_PEAK_FILE.

Why not wait4's ru_maxrss: Linux carries it across execve, so a child started by the
orchestrator starts with the orchestrator's own peak (its fake Jira with 200,000 worklogs) and
reports that instead of its own. VmHWM belongs to the address space exec made, so it is the
command's alone."""

from __future__ import annotations

import atexit
import os
import runpy
import sys
from pathlib import Path


def _write_peak() -> None:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            Path(os.environ["BENCH_PEAK_FILE"]).write_text(line.split()[1])
            return


if __name__ == "__main__":
    sys.argv = sys.argv[1:]
    sys.path[0] = str(Path(sys.argv[0]).resolve().parent)
    atexit.register(_write_peak)
    runpy.run_path(sys.argv[0], run_name="__main__")
