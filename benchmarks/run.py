"""Engage benchmark: import, report, pandas comparison, memory, page reruns.

    .venv/bin/python benchmarks/run.py --participations 1000000 [--out benchmarks/out]
    ENGAGE_MEMORY_LIMIT=1GB .venv/bin/python benchmarks/run.py --participations 10000000 \
        --skip-pages

Generates a synthetic organization (benchmarks/generate.py: people ~ N/8,
events ~ N/25) as a generic CSV, then measures on that file, each step in a new
process so its time and peak memory (ru_maxrss) are its own:

1. import through Engage vs DuckDB's own read_csv into a table (the floor);
2. the full report (every docs/metrics.md metric for a 12-month window, org-wide and
   per program) cold (new process), warm (second call, same process: served from
   the process's kept reports) and recomputed in that warm process after
   metrics.clear_caches(). The default window and the one before it (the
   dashboard's change since the previous period) read the store's window and depth
   snapshots, kept by every import; the 12 months before those, which have none, are
   reported too (window facts and depth computed from the participations);
3. the same report numbers by a straightforward pandas implementation
   (tests/reference.py, what an analyst would write in a notebook) — the numbers
   must be equal;
4. every dashboard page's rerun time (AppTest, server time) after the first load.

Prints a table and writes results.json. Not a timed test: CI runs it at a small
size only to keep it working (tests/test_benchmark.py).
"""
from __future__ import annotations

import argparse
import importlib
import json
import os
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import duckdb

    from engage_metrics.metrics import Window

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "benchmarks")]

TARGETS = {"import_ratio": 1.3, "report_cold_s": 3.0, "report_warm_s": 1.0,
           "pandas_speedup": 30.0, "peak_memory_mb": 1536.0, "page_rerun_s": 0.3}


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# ------------------------------------------------------------------ child steps

def step_generate(csv: Path, n: int) -> dict[str, Any]:
    from generate import generate, write_csv
    t = time.perf_counter()
    write_csv(generate(n), csv)
    return {"seconds": time.perf_counter() - t}


def step_floor(csv: Path, db_path: Path) -> dict[str, Any]:
    import duckdb
    con = duckdb.connect(str(db_path))
    t = time.perf_counter()
    con.execute("CREATE TABLE floor AS SELECT * FROM read_csv($p)", {"p": str(csv)})
    rows = con.execute("SELECT COUNT(*) FROM floor").fetchall()[0][0]
    return {"seconds": time.perf_counter() - t, "rows": rows}


def step_import(csv: Path, db_path: Path) -> dict[str, Any]:
    from engage_metrics import db
    from engage_metrics.importer import import_files
    from engage_metrics.options import ImportOptions
    con = db.connect(db_path)
    t = time.perf_counter()
    [r] = import_files(con, [csv], ImportOptions(source="generic"))
    con.execute("CHECKPOINT")
    return {"seconds": time.perf_counter() - t, "accepted": r.accepted, "rejected": r.rejected}


def windows(con: duckdb.DuckDBPyConnection) -> list[Window]:
    from engage_metrics.metrics import Window
    base = Window.default(con)
    programs = [r[0] for r in
                con.execute("SELECT DISTINCT program FROM event ORDER BY 1").fetchall()]
    return [base] + [Window(base.start, base.end, (p,)) for p in programs]


def step_report(db_path: Path) -> dict[str, Any]:
    from engage_metrics import db
    from engage_metrics.metrics import clear_caches, report
    con = db.connect(db_path, read_only=True)
    t = time.perf_counter()
    first = [report(con, w) for w in windows(con)]
    cold = time.perf_counter() - t
    t = time.perf_counter()
    second = [report(con, w) for w in windows(con)]
    warm = time.perf_counter() - t
    assert same_numbers(first, second), "the report changed between two calls"
    # the same work again without the process's kept reports and window/depth relations
    # (what a warm process pays for a window it has not reported yet)
    clear_caches()
    t = time.perf_counter()
    third = [report(con, w) for w in windows(con)]
    recomputed = time.perf_counter() - t
    assert same_numbers(first, third), "the report changed when recomputed"
    # the period before (the dashboard's "change since the previous period"), also in the
    # snapshots, and one without snapshots: the 12 months before that
    t = time.perf_counter()
    for w in windows(con):
        report(con, w.previous())
    previous = time.perf_counter() - t
    t = time.perf_counter()
    for w in windows(con):
        report(con, w.previous().previous())
    unsnapped = time.perf_counter() - t
    return {"cold_s": cold, "warm_s": warm, "recomputed_s": recomputed,
            "previous_period_s": previous, "no_snapshot_s": unsnapped, "reports": first}


def step_pandas(db_path: Path) -> dict[str, Any]:
    from engage_metrics import db
    ref = importlib.import_module("reference")   # tests/reference.py, on sys.path above
    con = db.connect(db_path, read_only=True)
    ws = windows(con)
    t = time.perf_counter()
    tables = ref.load_tables(con)
    reports = [ref.reference_report(tables, w.start, w.end, w.programs) for w in ws]
    return {"seconds": time.perf_counter() - t, "reports": reports}


def step_pages(db_path: Path) -> dict[str, Any]:
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from engage_ui import multipage
    ui = importlib.import_module("helpers_ui")   # tests/helpers_ui.py, on sys.path above
    APP, PAGES = ui.APP, ui.PAGES
    os.environ["ENGAGE_DB"] = str(db_path)
    st.cache_data.clear()
    st.cache_resource.clear()
    out = {}
    with multipage.app_tests_run_navigation():   # as the page tests run the dashboard
        at = AppTest.from_file(APP, default_timeout=600)
        at.run()
        for page in PAGES:
            t = time.perf_counter()
            at.switch_page(f"pages/{page}.py").run()
            first = time.perf_counter() - t
            t = time.perf_counter()
            at.run()
            out[page] = {"first_s": first, "rerun_s": time.perf_counter() - t,
                         "errors": [e.value for e in at.exception]}
    return {"pages": out}


STEPS: dict[str, Callable[..., dict[str, Any]]] = {
    "generate": step_generate, "floor": step_floor, "import": step_import,
    "report": step_report, "pandas": step_pandas, "pages": step_pages}


def child(step: str, args: list[str]) -> None:
    fn = STEPS[step]
    paths = [Path(a) for a in args[:-1]] if step == "generate" else [Path(a) for a in args]
    result = fn(*paths, int(args[-1])) if step == "generate" else fn(*paths)
    result["peak_mb"] = peak_mb()
    print("RESULT " + json.dumps(result, default=str))


def run_child(*args: str) -> dict[str, Any]:
    proc = subprocess.run([sys.executable, __file__, "--child", *args],  # noqa: S603 - this script
                          capture_output=True, text=True, cwd=ROOT)
    line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")), None)
    if proc.returncode != 0 or line is None:
        raise SystemExit(f"benchmark step {args[0]} failed:\n{proc.stderr[-3000:]}")
    return json.loads(line[len("RESULT "):])


def same_numbers(a: Any, b: Any, tol: float = 1e-9) -> bool:
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same_numbers(a[k], b[k], tol) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same_numbers(x, y, tol) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) or isinstance(b, float):
        return a is not None and b is not None and abs(a - b) <= tol * max(1.0, abs(a))
    return a == b


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--participations", type=int, default=1_000_000)
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "out")
    ap.add_argument("--skip-pages", action="store_true", help="skip the AppTest page timings")
    ap.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args.child[0], args.child[1:])
        return 0
    out = args.out
    out.mkdir(parents=True, exist_ok=True)
    n = args.participations
    csv = out / f"org-{n}.csv"
    engage_db, floor_db = out / f"engage-{n}.duckdb", out / f"floor-{n}.duckdb"
    for p in (engage_db, floor_db, Path(f"{engage_db}.wal"), Path(f"{floor_db}.wal")):
        p.unlink(missing_ok=True)
    res: dict[str, Any] = {"participations": n, "machine": f"{os.cpu_count()} cores",
                           "date": time.strftime("%Y-%m-%d"),
                           "memory_limit": (os.environ.get("ENGAGE_MEMORY_LIMIT")
                                            or "DuckDB default")}
    res["generate"] = run_child("generate", str(csv), str(n))
    res["floor"] = run_child("floor", str(csv), str(floor_db))
    res["import"] = run_child("import", str(csv), str(engage_db))
    res["report"] = run_child("report", str(engage_db))
    res["pandas"] = run_child("pandas", str(engage_db))
    res["equal_to_pandas"] = same_numbers(res["report"].pop("reports"),
                                          res["pandas"].pop("reports"))
    if not args.skip_pages:
        res["pages"] = run_child("pages", str(engage_db))
    summary = {
        "rows": res["floor"]["rows"],
        "import_ratio": res["import"]["seconds"] / res["floor"]["seconds"],
        "report_cold_s": res["report"]["cold_s"],
        "report_warm_s": res["report"]["warm_s"],
        # against the report recomputed without the process's kept results: what the
        # engine's SQL itself does, not a cache lookup
        "pandas_speedup": res["pandas"]["seconds"] / res["report"]["recomputed_s"],
        "peak_memory_mb": max(res[k]["peak_mb"] for k in ("import", "report")),
        "page_rerun_s": max((v["rerun_s"] for v in res.get("pages", {}).get("pages", {}).values()),
                            default=None),
    }
    res["summary"] = summary
    (out / "results.json").write_text(json.dumps(res, indent=2, default=str))
    print(f"Engage benchmark, {summary['rows']:,} participation rows, {res['machine']}, "
          f"{res['date']}, ENGAGE_MEMORY_LIMIT {res['memory_limit']}")
    print(f"{'measure':24s} {'value':>12s} {'target':>10s}")
    lines = [
        ("DuckDB read_csv floor", f"{res['floor']['seconds']:.2f} s", ""),
        ("Engage import", f"{res['import']['seconds']:.2f} s", ""),
        ("import / floor", f"{summary['import_ratio']:.2f} x", f"<= {TARGETS['import_ratio']}"),
        ("report cold", f"{summary['report_cold_s']:.2f} s", f"<= {TARGETS['report_cold_s']}"),
        ("report warm", f"{summary['report_warm_s']:.2f} s", f"<= {TARGETS['report_warm_s']}"),
        ("report recomputed warm", f"{res['report']['recomputed_s']:.2f} s", ""),
        ("report, previous period", f"{res['report']['previous_period_s']:.2f} s", ""),
        ("report, 2 periods back", f"{res['report']['no_snapshot_s']:.2f} s", ""),
        ("pandas report", f"{res['pandas']['seconds']:.2f} s", ""),
        ("pandas / Engage recomputed", f"{summary['pandas_speedup']:.1f} x",
         f">= {TARGETS['pandas_speedup']}"),
        ("pandas / Engage cold",
         f"{res['pandas']['seconds'] / summary['report_cold_s']:.1f} x", ""),
        ("numbers equal to pandas", str(res["equal_to_pandas"]), "True"),
        ("peak memory import", f"{res['import']['peak_mb']:.0f} MB", ""),
        ("peak memory report", f"{res['report']['peak_mb']:.0f} MB", ""),
        ("peak memory pandas", f"{res['pandas']['peak_mb']:.0f} MB", ""),
        ("peak memory (Engage)", f"{summary['peak_memory_mb']:.0f} MB",
         f"<= {TARGETS['peak_memory_mb']:.0f}"),
    ]
    if summary["page_rerun_s"] is not None:
        lines.append(("slowest page rerun", f"{summary['page_rerun_s']:.3f} s",
                      f"<= {TARGETS['page_rerun_s']}"))
    for name, value, target in lines:
        print(f"{name:24s} {value:>12s} {target:>10s}")
    for page, v in res.get("pages", {}).get("pages", {}).items():
        print(f"  page {page:14s} first {v['first_s']:.2f} s, rerun {v['rerun_s']:.3f} s")
    return 0 if res["equal_to_pandas"] else 1


if __name__ == "__main__":
    sys.exit(main())
