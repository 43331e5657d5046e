"""`python -m bench` still runs: one small scenario, and the results file it writes is valid.

Only that it runs; the bench's numbers are never pass/fail here (see README, Performance).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_bench_runs_a_quick_scenario_and_writes_its_table(tmp_path):
    out = tmp_path / "results.json"
    run = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--only", "P5", "--out", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert "| P5 |" in run.stdout
    results = json.loads(out.read_text())
    assert results["machine"]["nproc"] and results["latencies"]["scale"]
    assert {row["id"] for row in results["rows"]} == {"P5"}
    assert all({"value", "goal", "met", "ratio"} <= set(row) for row in results["rows"])


def test_a_rerun_of_one_scenario_replaces_only_its_rows_and_is_noted():
    from bench.__main__ import merged

    before = {"rows": [{"id": "P1", "value": 1}, {"id": "P2", "value": 2},
                       {"id": "P2", "value": 3}, {"id": "P3", "value": 4}], "errors": []}
    rerun = {"rows": [{"id": "P2", "value": 9}], "errors": [], "generated": "today",
             "commit": "abc", "quick": False, "seconds": 30.0, "machine": {"nproc": 2}}
    result = merged(before, rerun, {"P2"})
    assert result["rows"] == [{"id": "P1", "value": 1}, {"id": "P2", "value": 9},
                              {"id": "P3", "value": 4}]
    assert result["reruns"] == [{"ids": ["P2"], "generated": "today", "commit": "abc",
                                 "quick": False, "seconds": 30.0, "machine": {"nproc": 2}}]
