"""Run in .venv-spark by tests/test_spark.py: many Spark reports in one Spark session (one
JVM start for the whole equality matrix), and every registry metric analyzed by Spark.

Reads a JSON spec on stdin — {"master", "conf", "cases": [{"lake", "start", "end",
"programs"}], "analyze": LAKE or null, "cli": [[arg, ...], ...]} — and prints
{"reports": [...], "seconds": [...], "unanalyzable": {metric: error}, "cli": [[exit code,
stdout, stderr], ...]} as JSON on stdout. The "cli" commands run engage_spark.cli.main in
this process: on the session already started (getOrCreate), without a JVM of their own.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import sys
import time
from typing import Any

from engage_metrics import metrics, registry
from engage_metrics.metrics import Window
from engage_spark import cli, session
from engage_spark.report import SparkMetrics


def _window(engine: SparkMetrics, case: dict[str, Any]) -> Window:
    if case.get("start") is None:
        default = engine.default_window()
        return Window(default.start, default.end, tuple(case.get("programs", ())))
    return Window(dt.date.fromisoformat(case["start"]), dt.date.fromisoformat(case["end"]),
                  tuple(case.get("programs", ())))


def _analyze(engine: SparkMetrics, window: Window) -> dict[str, str]:
    """Every metric of the registry, transpiled, analyzed by Spark (not run) on the
    relations prepared for every kind of depth pairs: the errors, by metric."""
    previous = window.previous()
    params = {**engine.settings(), **window.params(), "asof": window.end,
              "a_start": previous.start, "a_end": previous.end, "fy_start": window.start,
              "fy_end": window.end, "top_n": 10, "rung": 3}   # people_at_rung: rung N
    errors = {}
    engine.prepare(params, set(metrics.DEPTH_TARGETS))
    try:
        for metric in registry.metrics().values():
            try:
                engine.sql(metric.sql, params).schema   # noqa: B018 - analysis only
            except Exception as exc:  # reported back to the test
                errors[metric.id] = str(exc).splitlines()[0][:300]
    finally:
        engine.release()
    return errors


def _cli(args: list[str]) -> list[Any]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main(args)
    return [code, out.getvalue(), err.getvalue()]


def main() -> None:
    spec = json.load(sys.stdin)
    spark = session.start(spec.get("master"), spec.get("conf", []))
    reports, seconds, opened = [], [], None
    engine = SparkMetrics(spark)
    for case in spec["cases"]:
        if case["lake"] != opened:
            session.open_lake(spark, case["lake"])
            opened = case["lake"]
        began = time.monotonic()
        reports.append(engine.report(_window(engine, case)))
        seconds.append(round(time.monotonic() - began, 2))
    unanalyzable: dict[str, str] = {}
    if spec.get("analyze"):
        session.open_lake(spark, spec["analyze"])
        unanalyzable = _analyze(engine, engine.default_window())
    outputs = [_cli(args) for args in spec.get("cli", [])]
    json.dump({"reports": reports, "seconds": seconds, "unanalyzable": unanalyzable,
               "cli": outputs}, sys.stdout)
    spark.stop()


if __name__ == "__main__":
    main()
