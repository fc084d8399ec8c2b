"""The Spark path gives the DuckDB path's numbers, from the same SQL files.

- Transpiling (main environment): every metric, window-facts query and depth query of the
  registry becomes Spark SQL through engage_spark.transpile, its parameters still bound,
  and each of its rewrites is still needed (sqlglot alone would give Spark other numbers).
- Equality (.venv-spark, one Spark session for all): the report of the golden
  organization, of the same after an overlapping import, an undo and a merge, and of the
  demo organization, for several windows and program filters, computed by Spark from a
  lake (export-lake) equals DuckDB's — counts exactly, ratios and scores to 1e-9 — and
  Spark analyzes every metric of the registry.
- Spark imports (.venv-spark, the same session): the golden files imported into a lake by
  `./scripts/spark import`, then an overlapping import, an undo and a merge (`decide`),
  give the DuckDB store's tables (by content) and reports; so do random organizations
  (hypothesis, the nasty cases of tests/test_incremental.py); a duplicate, bad files and
  a failed staging leave the lake byte for byte as it was, with engage's messages.
- ./scripts/spark: report, history and definitions print what `engage` prints; errors are
  the same one line; and a real standalone cluster (a master and two workers on
  127.0.0.1, from pyspark's own jars) runs a report.

Spark needs Java: without it these tests are skipped (CI has it; ./scripts/spark installs
Debian's openjdk-17-jre-headless).
"""
from __future__ import annotations

import json
import math
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import spark_stores
import test_incremental as incremental
from helpers_ui import DemoStore
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st
from spark_stores import FAST, FAST_ARGS, SPARK, spark_cli, spark_env

from engage_metrics import db, lake, metrics, registry
from engage_metrics.importer import import_files
from engage_metrics.metrics import Window
from engage_metrics.options import ImportOptions
from engage_spark import transpile

ROOT = Path(__file__).resolve().parents[1]
TOLERANCE = 1e-9
NOWHERE = ["--program", "Nowhere"]
QUERIES = {**{m.id: m.sql for m in registry.metrics().values()},
           **{p.stem: registry.facts_sql(p.stem) for p in registry.FACTS_DIR.glob("*.sql")},
           "depth_targets": metrics.depth_targets(metrics.DEPTH_TARGETS),
           "depth_at": metrics.depth_at()}
# the tests that run Spark (a JVM, .venv-spark, a cluster: minutes on this 2-core machine)
# carry the `spark` mark, which the default run leaves out to keep the suite within its
# time; `./scripts/test -m spark tests/test_spark.py` runs them (README, Spark). Those that
# also carry `spark_ci` are CI's subset (`-m spark_ci`, README): on their own they
# check a smaller matrix (see `full` below), in the `spark` run the whole one
runs_spark = pytest.mark.spark
in_ci = pytest.mark.spark_ci
needs_java = pytest.mark.skipif(shutil.which("java") is None,
                                reason="no Java: the Spark path needs it (./scripts/spark "
                                       "installs openjdk-17-jre-headless)")


# ---------------------------------------------------------------- transpiling

@pytest.mark.parametrize("name", sorted(QUERIES))
def test_every_query_transpiles_with_its_parameters_bound(name: str) -> None:
    query = transpile.to_spark(QUERIES[name])
    assert "$" not in query.sql
    assert {f":{p}" for p in query.parameters} <= set(query.sql.replace("(", " ").replace(
        ")", " ").replace(",", " ").split())
    assert "LENGTH(:programs)" not in query.sql and "PERCENTILE_APPROX" not in query.sql


def test_window_facts_bind_exactly_their_parameters() -> None:
    query = transpile.to_spark(registry.facts_sql("window_program"))
    assert query.parameters == {"start", "end", "lapse_days"}
    with pytest.raises(TypeError, match="lapse_days"):
        query.args({"start": date(2024, 1, 1), "end": date(2025, 1, 1)})


@pytest.mark.parametrize("rewrite", transpile.REWRITES, ids=lambda r: r.name)
def test_each_rewrite_is_still_needed(rewrite: transpile.Rewrite) -> None:
    """Without the rewrite, sqlglot's Spark SQL of some query differs: a rewrite that
    changes nothing any more is to be removed."""
    others = tuple(r for r in transpile.REWRITES if r is not rewrite)
    changed = [name for name, sql in QUERIES.items()
               if transpile.to_spark(sql, others).sql != transpile.to_spark(sql).sql]
    assert changed, f"rewrite {rewrite.name!r} changes no query"


def test_rewrites_give_spark_its_own_functions() -> None:
    sql = ("SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY x) FILTER (WHERE y) AS m "
           "FROM t WHERE len($programs) = 0 OR list_contains($programs, p)")
    assert transpile.to_spark(sql).sql == (
        "SELECT PERCENTILE(x, 0.5) FILTER(WHERE y) AS m FROM t "
        "WHERE SIZE(:programs) = 0 OR ARRAY_CONTAINS(:programs, p)")
    assert "PERCENTILE_APPROX" in transpile.to_spark(sql, ()).sql


RESOLVE_SCRIPTS = ("records", "graph_all", "keys", "propagate", "scope_event", "build",
                   "configure", "facts", "ties")
STATEMENTS = [s for name in RESOLVE_SCRIPTS for s in transpile.statements(f"resolve/{name}.sql")]


def _script_sql(statement: Any, rewrites: tuple[transpile.Rewrite, ...]) -> str:
    try:
        return transpile.spark_sql(statement.copy(), rewrites)
    except Exception as exc:   # sqlglot refuses what Spark lacks: differs too
        return f"unsupported: {exc}"


def test_every_resolve_statement_transpiles_with_the_macros_expanded() -> None:
    macros = set(transpile._macro_texts())
    assert len(STATEMENTS) > 40
    for statement in STATEMENTS:
        sql = transpile.spark_sql(statement.copy())
        called = {f.name.lower() for f in statement.find_all(transpile.exp.Anonymous)}
        assert not called & macros, sql
        assert "STRIP_ACCENTS" not in sql and "MIN(e.event_date, 3)" not in sql, sql


@pytest.mark.parametrize("rewrite", transpile.SCRIPT_REWRITES, ids=lambda r: r.name)
def test_each_script_rewrite_is_still_needed(rewrite: transpile.Rewrite) -> None:
    every = transpile.REWRITES + transpile.SCRIPT_REWRITES
    others = tuple(r for r in every if r is not rewrite)
    assert any(_script_sql(s, others) != _script_sql(s, every) for s in STATEMENTS), \
        f"rewrite {rewrite.name!r} changes no resolve statement"


def test_script_rewrites_give_spark_its_own_functions() -> None:
    tree = transpile.sqlglot.parse_one(
        "SELECT MIN(d, 3) FILTER (WHERE s = 'a') AS m, x[2] AS i, norm_words(n) AS w FROM t",
        read="duckdb")
    sql = transpile.spark_sql(transpile.expand_macros(tree))
    assert sql.startswith("SELECT SLICE(ARRAY_SORT(COLLECT_LIST(d) FILTER(WHERE s = 'a')), 1, 3) "
                          "AS m, TRY_ELEMENT_AT(x, 2) AS i, ")
    assert "REFLECT('org.apache.commons.lang3.StringUtils', 'stripAccents', TRANSLATE((n), " in sql


# ---------------------------------------------------------------- equality on Spark

@pytest.fixture(scope="module")
def full(request: pytest.FixtureRequest) -> bool:
    """True when the whole Spark set runs (a selected test has `spark` without `spark_ci`):
    the full matrix — every window and program filter of the exported lakes, a derivation
    in the failed import, several random organizations. False for CI's subset alone
    (`-m spark_ci`): the same checks on fewer reports, the failed import without its
    derivation and one random organization."""
    return any(item.get_closest_marker("spark") and not item.get_closest_marker("spark_ci")
               for item in request.session.items)


@pytest.fixture(scope="module")
def spark_python() -> Path:
    """.venv-spark's python, set up by ./scripts/spark (once; kept between runs)."""
    if shutil.which("java") is None:
        pytest.skip("no Java: the Spark path needs it")
    r = subprocess.run([str(SPARK), "--setup-only"], capture_output=True, text=True,
                       timeout=900)
    assert r.returncode == 0, r.stderr
    return ROOT / ".venv-spark" / "bin" / "python"


@dataclass
class Case:
    lake: Path
    window: Window | None          # None: the default window, as the CLI takes it
    expected: dict[str, Any]


def _windows(con: Any, programs: list[str]) -> list[Window | None]:
    default = Window.default(con)
    first = con.execute("SELECT MIN(event_date) FROM event").fetchall()[0][0]
    mid = default.end - timedelta(days=120)
    return [None, Window(first, default.end), Window(mid - timedelta(days=90), mid),
            Window(default.start, default.end, tuple(programs[:1])),
            Window(default.start, default.end, tuple(programs[:2]))]


# the windows (by their index in _windows) of each lake's reports: the full matrix, and
# CI's (one report of each kind of window: the default one as the CLI takes it, the whole
# history, a window in the past, one program, two programs)
FULL_PICKS = {"golden": [0, 1, 4], "changed": [0], "demo": [0, 2, 3], "schanged": [1, 3]}
CI_PICKS = {"golden": [0, 4], "changed": [], "demo": [2], "schanged": [1, 3]}


@pytest.fixture(scope="module")
def cases(tmp_path_factory: pytest.TempPathFactory, demo_store: DemoStore,
          full: bool) -> list[Case]:
    """Lakes of the golden organization, of it changed, and of the demo, with DuckDB's
    reports of their windows."""
    picks = FULL_PICKS if full else CI_PICKS
    folder = tmp_path_factory.mktemp("lakes")
    golden = spark_stores.golden(folder / "golden.duckdb")
    changed_path = folder / "changed.duckdb"
    golden.close()
    shutil.copy(folder / "golden.duckdb", changed_path)
    changed = db.connect(changed_path)
    spark_stores.change(changed, folder)
    changed.close()
    shutil.copy(demo_store.path, folder / "demo.duckdb")
    found = []
    for name in ("golden", "changed", "demo"):
        con = db.connect(folder / f"{name}.duckdb")
        try:
            lake.export_lake(con, folder / name)
            programs = [r[0] for r in con.execute(
                "SELECT program FROM event GROUP BY program ORDER BY COUNT(*) DESC, program"
            ).fetchall()]
            windows = _windows(con, programs)
            for i in picks[name]:
                w = windows[i]
                found.append(Case(folder / name, w,
                                  metrics.report(con, w or Window.default(con))))
        finally:
            con.close()
    return found


def _spec(case: Case) -> dict[str, Any]:
    w = case.window
    return {"lake": str(case.lake), "start": w and w.start.isoformat(),
            "end": w and w.end.isoformat(), "programs": list(w.programs) if w else []}


# files an import refuses, each with its one-line error (the DuckDB path's own words)
BAD_FILES = {"empty.csv": "", "columns.csv": "foo,bar\n1,2\n",
             "binary.csv": "PK\0\0 not a table", "dates.csv":
             "Email,First Name,Last Name,Event,Date,Status\na@x.org,A,B,Gala,someday,Attended\n"}


@dataclass
class Built:
    """Lakes built by `./scripts/spark import`, `undo` and `decide` (the steps the driver
    runs first), beside the DuckDB stores built by `engage import` from the same files."""

    folder: Path
    steps: list[dict[str, Any]]
    cases: list[Case]
    galaxy: int


@pytest.fixture(scope="module")
def built(cases: list[Case], full: bool) -> Built:
    folder = cases[0].lake.parent
    golden, changed = folder / "sgolden", folder / "schanged"
    overlap = folder / "potluck again.csv"      # written by spark_stores.change
    bad = folder / "bad"
    bad.mkdir()
    for name, text in BAD_FILES.items():
        (bad / name).write_text(text)
    con = db.connect(folder / "golden.duckdb")
    [(galaxy,)] = con.execute("SELECT import_id FROM import_log "
                              "WHERE source = 'galaxy_digital'").fetchall()
    con.close()
    files = [str(spark_stores.GOLDEN / f) for f in spark_stores.GOLDEN_FILES]
    # the full set imports the golden files into a new lake by Spark; CI's subset starts
    # from the DuckDB store's export (a derivation less: Spark's derivations after the
    # overlapping import, the undo and the merge resolve the golden imports' records again)
    # (with the lock file a lake Spark wrote has, so that the lake's digest is unchanged by
    # the next steps)
    first = [{"cli": ["import", "--lake", str(golden), *files]}] if full else [
        {"copy": str(folder / "golden"), "to": str(golden), "lock": True}]
    steps = [*first,
             {"cli": ["import", "--lake", str(golden), files[2]]},
             *[{"cli": ["import", "--lake", str(golden), str(bad / name)]} for name in BAD_FILES],
             # two of the four snapshot tables staged, then the disk is full
             {"fail": str(golden), "files": [str(overlap)], "after": 2, "derive": full},
             {"copy": str(golden), "to": str(changed)},
             {"cli": ["import", "--lake", str(changed), str(overlap)]},
             {"cli": ["undo", "--lake", str(changed), str(galaxy)]},
             {"merge": str(changed), "emails": ["eve@example.org", "fay@example.org"]},
             {"cli": ["undo", "--lake", str(changed), "99"]}]
    found = []
    if full:     # the exported lakes' windows again, on the lakes Spark built
        found += [Case(golden, c.window, c.expected) for c in cases if c.lake.name == "golden"]
        found += [Case(changed, c.window, c.expected) for c in cases
                  if c.lake.name == "changed"]
    picks = FULL_PICKS if full else CI_PICKS
    for store, lake_dir in (("golden", golden), ("changed", changed)):
        con = db.connect(folder / f"{store}.duckdb")
        try:
            programs = [r[0] for r in con.execute(
                "SELECT program FROM event GROUP BY program ORDER BY COUNT(*) DESC, program"
            ).fetchall()]
            windows = _windows(con, programs)
            for i in picks.get(lake_dir.name, []):
                found.append(Case(lake_dir, windows[i],
                                  metrics.report(con, windows[i] or Window.default(con))))
        finally:
            con.close()
    return Built(folder, steps, found, galaxy)


class Driver:
    """tests/spark_driver.py in .venv-spark: one Spark session for the module's tests, which
    send it specs (one JSON line each) and read its answers."""

    def __init__(self, python: Path, log: Path) -> None:
        self.log = log.open("w")
        self.proc = subprocess.Popen([str(python), str(ROOT / "tests" / "spark_driver.py")],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self.log, text=True, env=spark_env())
        self.log_path = log

    def ask(self, spec: dict[str, Any]) -> dict[str, Any]:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(json.dumps({"master": "local[2]", "conf": FAST, **spec}) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        assert line, self.log_path.read_text()[-3000:]
        return json.loads(line)

    def close(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        try:
            self.proc.wait(timeout=120)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


@pytest.fixture(scope="module")
def driver(spark_python: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Driver]:
    started = Driver(spark_python, tmp_path_factory.mktemp("driver") / "spark.log")
    yield started
    started.close()


@pytest.fixture(scope="module")
def spark_results(driver: Driver, cases: list[Case], built: Built) -> dict[str, Any]:
    golden = str(cases[0].lake)
    spec = {"steps": built.steps, "cases": [_spec(c) for c in cases + built.cases],
            "analyze": golden, "cli": [["history", "--lake", golden],
                                       ["report", "--lake", golden, *NOWHERE]]}
    began = time.monotonic()
    results = driver.ask(spec)
    results["total"] = time.monotonic() - began
    return results


def assert_same(spark: Any, duck: Any, where: str = "report") -> None:
    """Equal JSON values: the same keys and types, counts exactly, floats to 1e-9."""
    assert type(spark) is type(duck), f"{where}: {spark!r} (Spark) != {duck!r} (DuckDB)"
    if isinstance(duck, dict):
        assert spark.keys() == duck.keys(), where
        for key in duck:
            assert_same(spark[key], duck[key], f"{where}.{key}")
    elif isinstance(duck, float):
        assert math.isclose(spark, duck, rel_tol=TOLERANCE, abs_tol=TOLERANCE), \
            f"{where}: {spark!r} (Spark) != {duck!r} (DuckDB)"
    else:
        assert spark == duck, f"{where}: {spark!r} (Spark) != {duck!r} (DuckDB)"


@runs_spark
@in_ci
@needs_java
def test_spark_reports_equal_duckdb(cases: list[Case], spark_results: dict[str, Any],
                                    full: bool) -> None:
    assert len(cases) == (7 if full else 3)
    inexact = []
    for case, report in zip(cases, spark_results["reports"], strict=False):
        assert_same(report, case.expected, f"{case.lake.name} {_spec(case)}")
        inexact += [f"{case.lake.name}.{path}" for path in _not_bitwise(report, case.expected)]
    print(f"\n{len(cases)} Spark reports in {spark_results['total']:.1f} s (each: "
          f"{spark_results['seconds']} s); not bitwise equal: {inexact or 'none'}")


@runs_spark
@in_ci
@needs_java
def test_a_lake_built_by_spark_imports_undo_and_merge_reports_what_duckdb_reports(
        cases: list[Case], built: Built, spark_results: dict[str, Any], full: bool) -> None:
    """The golden files imported by Spark, then an overlapping import, an undo and a merge:
    every report (several windows, program filters) equals the DuckDB store's."""
    reports = spark_results["reports"][len(cases):]
    assert len(reports) == len(built.cases) == (6 if full else 2)
    for case, report in zip(built.cases, reports, strict=True):
        assert_same(report, case.expected, f"{case.lake.name} {_spec(case)}")


@runs_spark
@in_ci
@needs_java
def test_spark_imports_undo_and_merge_build_the_duckdb_stores_tables(
        built: Built, spark_results: dict[str, Any]) -> None:
    """Every canonical table, fact and the journal of the lakes Spark built equals the
    DuckDB store's by content (ids replaced by what they stand for: a person numbered in
    the order first seen depends on which files came in one call)."""
    for store, lake_dir in (("golden", "sgolden"), ("changed", "schanged")):
        duck = db.connect(built.folder / f"{store}.duckdb", read_only=True)
        try:
            expected = spark_stores.content(duck)
        finally:
            duck.close()
        got = spark_stores.content(spark_stores.lake_views(built.folder / lake_dir))
        for table in expected:
            assert got[table] == expected[table], f"{lake_dir}: table {table}"
        assert expected["person"] and expected["participation"]
    # and DuckDB reads a lake Spark wrote: import-lake gives the store's numbers
    restored = built.folder / "restored.duckdb"
    lake.import_lake(built.folder / "schanged", restored)
    con = db.connect(restored)
    try:
        case = next(c for c in built.cases if c.lake.name == "schanged")
        assert_same(metrics.report(con, case.window or Window.default(con)), case.expected)
    finally:
        con.close()


@runs_spark
@in_ci
@needs_java
def test_spark_import_says_what_engage_import_says_and_lands_whole_or_not_at_all(
        built: Built, spark_results: dict[str, Any], tmp_path: Path, full: bool) -> None:
    """The golden import's summaries are engage import's; the same file again changes
    nothing; bad files get engage's one-line errors (exit 2) and leave the lake byte for
    byte as it was, and so does an import whose staging fails midway; an undo of no
    import is engage's error."""
    steps = spark_results["steps"]
    [first, again, *bad] = steps[:2 + len(BAD_FILES)]
    failed, _, overlap, undo, merge, no_import = steps[2 + len(BAD_FILES):]
    store = tmp_path / "store.duckdb"
    files = [str(spark_stores.GOLDEN / f) for f in spark_stores.GOLDEN_FILES]
    duck = engage("import", "--db", str(store), *files)
    if full:        # CI's subset copied the export instead (`built`)
        assert first[:3] == [0, duck.stdout, ""], first[2][-3000:]
    else:
        assert first is None
    assert again[0] == 0 and "already imported as import #2" in again[1]
    assert again[3] == again[4]                       # the lake unchanged
    for name, result in zip(BAD_FILES, bad, strict=True):
        duck = engage("import", "--db", str(store), str(built.folder / "bad" / name))
        assert duck.returncode == 2 and duck.stderr.count("\n") == 1, duck.stderr
        assert result[:3] == [2, "", duck.stderr], name
        assert result[3] == result[4], f"{name} changed the lake"
    assert failed[0] == "injected: the disk is full"
    assert failed[1] == failed[2], "a failed import changed the lake"
    assert overlap[0] == 0 and "import #10" in overlap[1], overlap
    # and it says what engage import says on a copy of the golden store
    shutil.copy(built.folder / "golden.duckdb", tmp_path / "golden.duckdb")
    duck = engage("import", "--db", str(tmp_path / "golden.duckdb"),
                  str(built.folder / "potluck again.csv"))
    assert overlap[:3] == [0, duck.stdout, ""], overlap
    assert undo[:3] == [0, f"import #{built.galaxy} undone\n", ""]
    assert merge[0] == 0 and merge[1].startswith("merged: people #"), merge
    duck = engage("undo", "--db", str(store), "99")
    assert no_import[:3] == [2, "", duck.stderr]
    print("\nSpark import, undo seconds: " + ", ".join(
        str(s[5]) for s in (first, overlap, undo) if s))


# random organizations: the nasty cases of tests/test_incremental.py (placeholder and
# shared addresses, name-only rows that link or stay apart, "Guest", people files with
# recruiters, asks), as files imported in one call
organizations = st.tuples(
    incremental.rows, incremental.rows,
    st.lists(st.tuples(st.integers(0, len(incremental.PEOPLE) - 1),
                       st.integers(0, len(incremental.PEOPLE) - 1)), min_size=1, max_size=4),
    st.lists(st.tuples(st.integers(0, len(incremental.PEOPLE) - 1), st.integers(2, 5)),
             min_size=1, max_size=3))


def _organization_files(folder: Path, org: tuple) -> list[tuple[Path, str]]:
    """The files of a random organization, each with its --kind."""
    first, second, people, asks = org
    files = [(folder / "p1.csv", incremental.participation_csv(first).decode(), "participation"),
             (folder / "p2.csv", incremental.participation_csv(second).decode(),
              "participation"),
             (folder / "people.csv", "Email,Phone,Name,Recruited by\n" + "".join(
                 f"{incremental.PEOPLE[a][0]},{incremental.PEOPLE[a][1]},"
                 f"{incremental.PEOPLE[a][2]},{incremental.PEOPLE[b][0]}\n" for a, b in people),
              "people"),
             (folder / "asks.csv", "Email,Name,Asked on,Ask,Rung,Outcome\n" + "".join(
                 f"{incremental.PEOPLE[a][0]},{incremental.PEOPLE[a][2]},2024-05-0{1 + i},"
                 f"Lead a canvass,{r},yes\n" for i, (a, r) in enumerate(asks)), "ask")]
    for path, text, _ in files:
        path.write_text(text)
    return [(path, kind) for path, _, kind in files]


# every nasty case at once: a placeholder address (test@test.com), an address three people
# share (desk@), name-only rows that link to a person with an address (Ana Lopez) or stay
# apart (Dee Fox), "Guest", a phone shared by a phone-only row and a person with an
# address (Bo Chen), both programs, every status and role, dates at both ends of the
# default window; recruiters among them (name-only, placeholder, shared); asks. Hypothesis
# tries it first; its own first example is the smallest organization (one row).
NASTY = ([(0, 0, "Attended", "attendee", "", False), (3, 1, "Attended", "volunteer", "2", True),
          (5, 2, "No Show", "host", "", False), (6, 3, "Attended", "", "3.5", False),
          (7, 3, "Registered", "attendee", "", True), (1, 4, "Attended", "volunteer", "", True),
          (10, 5, "Cancelled", "", "2", False), (4, 6, "Attended", "host", "", False)],
         [(9, 4, "Attended", "attendee", "3.5", True), (8, 7, "No Show", "volunteer", "", False),
          (3, 6, "Attended", "attendee", "", False), (11, 7, "Attended", "host", "2", True),
          (0, 0, "No Show", "attendee", "", False), (2, 6, "Attended", "", "", False),
          (10, 7, "Attended", "attendee", "", False)],
         [(3, 0), (5, 6), (4, 10), (9, 1)],
         [(3, 3), (7, 5), (1, 2)])


@runs_spark
@in_ci
@needs_java
def test_random_organizations_imported_by_spark_equal_duckdb(
        driver: Driver, tmp_path_factory: pytest.TempPathFactory, full: bool) -> None:
    """Random organizations (the nasty one first, then hypothesis's; CI's subset: the
    nasty one alone) imported by `./scripts/spark import` and `engage import`."""
    @settings(max_examples=2 if full else 1, deadline=None, derandomize=True, database=None,
              phases=settings.default.phases if full else [Phase.explicit],
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    @example(org=NASTY)
    @given(org=organizations)
    def check(org: tuple) -> None:
        _check_organization(org, driver, tmp_path_factory, every_call=full)

    check()


def _check_organization(org: tuple, driver: Driver, tmp_path_factory: pytest.TempPathFactory,
                        every_call: bool = True) -> None:
    """A random organization's files imported by `./scripts/spark import` (one call per
    kind) and by `engage import`: the same tables by content, the same reports (the
    default window, all programs and one). Not *every_call* (CI): the people and ask files
    are imported first, by DuckDB, into a store exported as the lake, and Spark imports
    the participation files into it — one derivation instead of three, still of the whole
    journal (a derivation resolves every record of every import again)."""
    folder = tmp_path_factory.mktemp("random")
    files = _organization_files(folder, org)
    lake_dir = folder / "lake"
    con = db.connect(folder / "store.duckdb")
    steps = []
    try:
        for kind in ("participation", "people", "ask") if every_call else (
                "people", "ask", "participation"):
            paths = [p for p, k in files if k == kind]
            options = ImportOptions(kind=kind, date_order="ymd")
            if kind == "participation" and not every_call:
                lake.export_lake(con, lake_dir)
            import_files(con, paths, options)
            if every_call or kind == "participation":
                steps.append({"cli": ["import", "--lake", str(lake_dir), "--kind", kind,
                                      "--date-order", "ymd", *map(str, paths)]})
        expected = spark_stores.content(con)
        default = Window.default(con)
        windows = [default, Window(default.start, default.end, ("Field",))]
        reports = [metrics.report(con, w) for w in windows]
    finally:
        con.close()
    got = driver.ask({"steps": steps, "cases": [
        {"lake": str(lake_dir), "start": w.start.isoformat(), "end": w.end.isoformat(),
         "programs": list(w.programs)} for w in windows]})
    assert [s[0] for s in got["steps"]] == [0] * len(steps), got["steps"]
    lake_content = spark_stores.content(spark_stores.lake_views(lake_dir))
    for table in expected:
        assert lake_content[table] == expected[table], table
    for report, duck in zip(got["reports"], reports, strict=True):
        assert_same(report, duck)


def _not_bitwise(spark: Any, duck: Any, path: str = "") -> list[str]:
    """Where two equal reports' floats differ in their last bits (summation order)."""
    if isinstance(duck, dict):
        return [p for k in duck for p in _not_bitwise(spark[k], duck[k], f"{path}.{k}")]
    return [path.lstrip(".")] if spark != duck else []


@runs_spark
@in_ci
@needs_java
def test_spark_analyzes_every_metric(spark_results: dict[str, Any]) -> None:
    assert spark_results["unanalyzable"] == {}


# ---------------------------------------------------------------- ./scripts/spark

def engage(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "engage_metrics", *args], capture_output=True,
                          text=True, env=spark_env(), timeout=300)


@runs_spark
@in_ci
@needs_java
def test_the_spark_cli_lists_what_engage_lists_and_gives_the_same_errors(
        spark_results: dict[str, Any], cases: list[Case], tmp_path: Path) -> None:
    """./scripts/spark without Spark (definitions, a directory that is no lake), and its
    history and a bad program run by the driver on its session (no JVM of their own)."""
    for args in (["definitions", "--format", "json"], ["definitions", "--format", "markdown"]):
        assert spark_cli(*args).stdout == engage(*args).stdout
    r = spark_cli("report", "--lake", str(tmp_path))
    assert r.returncode == 2
    assert r.stderr.strip().splitlines()[-1] == (
        f"error: {tmp_path} is not an Engage lake: it has no {lake.MANIFEST}; make one "
        "with `engage export-lake --db FILE --out DIR`.")
    store = str(cases[0].lake.with_suffix(".duckdb"))
    [history, nowhere] = spark_results["cli"]
    assert history == [0, engage("history", "--db", store).stdout, ""]
    duck = engage("report", "--db", store, *NOWHERE)
    assert duck.returncode == 2
    assert nowhere == [2, "", duck.stderr]


# ---------------------------------------------------------------- a real cluster

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _alive_workers(ui_port: int) -> int:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{ui_port}/json/", timeout=2) as r:
            return int(json.load(r).get("aliveworkers", 0))
    except OSError:
        return 0


@pytest.fixture
def cluster(spark_python: Path, tmp_path: Path) -> Iterator[str]:
    """A Spark standalone master and two workers (1 core, 1 GB each) on 127.0.0.1, from
    pyspark's own jars; stopped afterwards."""
    home = Path(subprocess.run([str(spark_python), "-c", "import pyspark, os; "
                                "print(os.path.dirname(pyspark.__file__))"],
                               capture_output=True, text=True, check=True).stdout.strip())
    port, ui = _free_port(), _free_port()
    # what Spark's own launch scripts set: the workers build the executors' command from it
    [scala] = {p.name.split("-")[-1].rsplit(".", 2)[0] for p in home.glob("jars/scala-library-*")}
    env = {**os.environ, "SPARK_HOME": str(home), "SPARK_SCALA_VERSION": scala,
           "SPARK_LOCAL_IP": "127.0.0.1"}
    java = ["java", "-Xmx512m", "-cp", f"{home / 'jars'}/*"]
    master = f"spark://127.0.0.1:{port}"
    log = (tmp_path / "cluster.log").open("w")
    procs = [subprocess.Popen([*java, "org.apache.spark.deploy.master.Master", "--host",
                               "127.0.0.1", "--port", str(port), "--webui-port", str(ui)],
                              env=env, stdout=log, stderr=subprocess.STDOUT)]
    try:
        for i in range(2):
            work = tmp_path / f"worker{i}"
            work.mkdir()
            procs.append(subprocess.Popen(
                [*java, "org.apache.spark.deploy.worker.Worker", master, "--host",
                 "127.0.0.1", "--cores", "1", "--memory", "1g", "--webui-port", "0",
                 "--work-dir", str(work)], env=env, stdout=log, stderr=subprocess.STDOUT))
        deadline = time.monotonic() + 180
        while _alive_workers(ui) < 2:
            assert all(p.poll() is None for p in procs), (tmp_path / "cluster.log").read_text()
            assert time.monotonic() < deadline, "the workers did not register in 180 s"
            time.sleep(0.2)
        yield master
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        log.close()


@runs_spark
@needs_java
def test_the_spark_cli_on_a_standalone_cluster_prints_what_engage_prints(
        cluster: str, cases: list[Case]) -> None:
    golden = cases[0].lake
    window = ["--start", "2023-06-01", "--end", "2024-04-01", "--format", "json"]
    spark = spark_cli("report", "--lake", str(golden), "--master", cluster, *window,
                      "--conf", "spark.executor.memory=512m", *FAST_ARGS)
    assert spark.returncode == 0, spark.stderr[-3000:]
    duck = engage("report", "--db", str(golden.with_suffix(".duckdb")), *window)
    assert_same(json.loads(spark.stdout), json.loads(duck.stdout))


@runs_spark
@needs_java
def test_spark_submit_imports_and_reports_what_engage_does(spark_python: Path,
                                                            tmp_path: Path) -> None:
    """The package's __main__ as spark-submit's application file (README, Spark): an import
    into a new lake and its report, equal to engage's on a store of the same file."""
    submit = spark_python.parent / "spark-submit"
    env = {**spark_env(), "PYSPARK_PYTHON": str(spark_python)}
    lake_dir, store = tmp_path / "lake", tmp_path / "store.duckdb"
    exports = [str(spark_stores.GOLDEN / f) for f in spark_stores.GOLDEN_FILES[3:5]]

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([str(submit), "--master", "local[1]", *FAST_ARGS,
            str(ROOT / "engage_spark" / "__main__.py"),
            *args], capture_output=True, text=True, env=env, timeout=600, cwd=tmp_path)

    imported = run("import", "--lake", str(lake_dir), *exports)     # VAN and CiviCRM
    duck = engage("import", "--db", str(store), *exports)
    assert imported.returncode == 0, imported.stderr[-3000:]
    assert imported.stdout == duck.stdout
    report = run("report", "--lake", str(lake_dir), "--format", "json")   # the last 12 months
    assert report.returncode == 0, report.stderr[-3000:]
    expected = json.loads(engage("report", "--db", str(store), "--format", "json").stdout)
    assert expected["participation"]["active"] > 0
    assert_same(json.loads(report.stdout), expected)
