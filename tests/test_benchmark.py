"""The benchmark stays runnable: at a small size every step completes (the import, the
report and its pandas comparison, the next month's import into the big store and into an
empty one with their undo, the decisions, the settings changes, and the pages' first views
and reruns — the Overview's here, with its other window and a program, and on a lake
exported from the big store, to stay quick), its
numbers equal the pandas implementation's, and it writes the results table (timings are
not asserted here — the benchmark script reports them against the targets)."""
from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_benchmark_runs_at_small_size(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "run.py"), "--participations", "3000",
         "--increment-rows", "300", "--pages", "overview", "--lake", "--out", str(tmp_path)],
        capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert re.search(r"numbers equal to pandas +True +True +yes", proc.stdout)
    results = json.loads((tmp_path / "results.json").read_text())
    assert results["equal_to_pandas"] is True
    assert results["import"]["accepted"] == results["floor"]["rows"]
    assert results["summary"]["rows"] > 2500
    # the next month's file: the same rows land in the big store and in an empty one, and
    # each undo removes that import
    assert results["increment"]["accepted"] == results["increment_empty"]["accepted"] > 250
    assert results["undo"]["import_id"] == results["increment"]["import_id"]
    assert results["undo_empty"]["import_id"] == results["increment_empty"]["import_id"]
    assert results["merge"]["people_after"] == results["merge"]["people_before"] - 1
    assert results["apart"]["people_after"] == results["apart"]["people_before"]
    pages = results["pages"]
    assert set(pages) == {"overview", "overview (previous)", "overview (program)",
                          "overview on a lake"}
    assert pages["overview on a lake"]["showing"] == pages["overview"]["showing"]
    assert all(not v["errors"] for v in pages.values())
    assert len(pages["overview (program)"]["programs"]) == 1
    assert pages["overview (previous)"]["showing"] != pages["overview"]["showing"]
    targeted = {row["measure"] for row in results["table"] if row["met"] is not None}
    assert {"increment big / empty", "undo big / empty", "merge decision",
            "settings: depth weights", "page overview (program): first view",
            "peak memory (Engage, max)"} <= targeted
