"""The sync figures' peak RSS is the command's own, not the orchestrator's (bench/peak.py)."""

import os

from bench.common import PYTHON, run_measured_child


def test_a_child_reports_its_own_peak_not_its_parents(tmp_path):
    script = tmp_path / "allocate.py"
    script.write_text("held = b'x' * (40 * 2**20)\n")
    # The orchestrator holds far more (its fake Jira): the child must not report that.
    ballast = b"y" * (250 * 2**20)
    outcome = run_measured_child([PYTHON, str(script)], dict(os.environ), timeout=60)
    assert len(ballast) == 250 * 2**20
    assert outcome["returncode"] == 0, outcome["stderr"]
    assert 40 <= outcome["peak_rss_mb"] < 120
    assert outcome["inherited_max_rss_mb"] > outcome["peak_rss_mb"]
