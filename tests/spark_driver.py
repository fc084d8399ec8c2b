"""Run in .venv-spark by tests/test_spark.py: many Spark reports in one Spark session (one
JVM start for the whole equality matrix), and every registry metric analyzed by Spark.

Reads JSON specs on stdin, one a line — {"master", "conf", "steps": [STEP, ...], "cases": [{"lake",
"start", "end", "programs"}], "analyze": LAKE or null, "cli": [[arg, ...], ...]} — and
prints {"steps": [...], "reports": [...], "seconds": [...], "unanalyzable": {metric:
error}, "cli": [[exit code, stdout, stderr], ...]} as one JSON line on stdout, each. The "cli" commands
run engage_spark.cli.main in this process: on the session already started (getOrCreate),
without a JVM of their own.

The steps (lakes built by Spark before the reports), each giving one result:
{"cli": [arg, ...]} a command (its [exit code, stdout, stderr], and the lake's digest
before and after when it has --lake); {"merge": LAKE, "emails": [a, b]} merges the people
of two emails (the `decide` command's output); {"copy": LAKE, "to": DIR} (with "lock": true, and
the empty lock file of a lake that Spark wrote, engage_metrics.lake_commit.LOCK);
{"fail": LAKE, "files": [...], "after": N} imports files whose staging fails after N
tables were written (the exception, and the lake's digest before and after); with
"derive": false the derivation before the staging is skipped (the lake's derived views
are staged as they are: with N below the snapshot tables' count, the failure comes before
any derived table is written, so the step tests the same landing, without a derivation's
cost).
"""
from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import io
import json
import shutil
import sys
import time
from pathlib import Path
from typing import Any

from engage_metrics import lake_commit, metrics, registry
from engage_metrics.metrics import Window
from engage_metrics.options import ImportOptions
from engage_spark import change, cli, session
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


def digest(folder: str) -> str:
    """Every file of the lake *folder* (its path and bytes), hashed: equal when unchanged."""
    h = hashlib.sha256()
    for path in sorted(Path(folder).rglob("*")):
        h.update(str(path.relative_to(folder)).encode())
        if path.is_file():
            h.update(path.read_bytes())
    return h.hexdigest()


def _lake_of(args: list[str]) -> str | None:
    return args[args.index("--lake") + 1] if "--lake" in args else None


def _step(spark: Any, step: dict[str, Any]) -> Any:
    if "cli" in step:
        where = _lake_of(step["cli"])
        before = digest(where) if where and Path(where).exists() else None
        began = time.monotonic()
        out = _cli(step["cli"])
        return [*out, before, digest(where) if where else None,
                round(time.monotonic() - began, 1)]
    if "merge" in step:
        session.open_lake(spark, step["merge"])
        ids = [spark.sql("SELECT person_id FROM person WHERE email = :e",
                         args={"e": e}).first()[0] for e in step["emails"]]
        return _cli(["decide", "--lake", step["merge"], "merge", *map(str, ids)])
    if "copy" in step:
        shutil.copytree(step["copy"], step["to"])
        if step.get("lock"):
            (Path(step["to"]) / lake_commit.LOCK).touch()
        return None
    where = step["fail"]
    before = digest(where)
    real, calls = change.stage_table, []
    real_derive = change.derive

    def failing(*args: Any, **kwargs: Any) -> None:
        if len(calls) == step["after"]:
            raise OSError("injected: the disk is full")
        calls.append(args)
        real(*args, **kwargs)

    change.stage_table = failing    # type: ignore[assignment]
    if not step.get("derive", True):
        change.derive = lambda tables: 0    # type: ignore[assignment]
    try:
        try:
            change.import_files(spark, Path(where), [Path(f) for f in step["files"]],
                                ImportOptions())
            error = None
        except OSError as exc:
            error = str(exc)
    finally:
        change.stage_table = real   # type: ignore[assignment]
        change.derive = real_derive     # type: ignore[assignment]
    return [error, before, digest(where)]


def run(spark: Any, spec: dict[str, Any]) -> dict[str, Any]:
    """One spec's steps, reports, analysis and commands, on the session *spark*."""
    steps = [_step(spark, step) for step in spec.get("steps", [])]
    reports, seconds, opened = [], [], None
    engine = SparkMetrics(spark)
    for case in spec.get("cases", []):
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
    return {"steps": steps, "reports": reports, "seconds": seconds,
            "unanalyzable": unanalyzable, "cli": outputs}


def main() -> None:
    """Specs, one JSON document a line on stdin, each answered by one line on stdout, on
    one Spark session (started by the first spec's master and conf) until stdin closes."""
    spark = None
    for line in sys.stdin:
        spec = json.loads(line)
        if spark is None:
            spark = session.start(spec.get("master"), spec.get("conf", []))
        print(json.dumps(run(spark, spec)), flush=True)
    if spark is not None:
        spark.stop()


if __name__ == "__main__":
    main()
