"""The per-person facts and the depth snapshot (schema 3) are kept in step with the
canonical tables by every import, undo, ladder change and depth-settings change, and the
numbers read through them equal the numbers computed from the participations directly."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from metric_fixtures import Org, open_store

from engage_metrics import importer, metrics, registry, resolve, settings_store
from engage_metrics.config import depth_config, lapse_days, set_setting
from engage_metrics.demo import build_demo
from engage_metrics.metrics import Window

LIVE_FACTS = """
    WITH h AS (SELECT p.person_id, p.status, p.rung, e.event_date
               FROM participation p JOIN event e ON e.event_id = p.event_id)
    SELECT person_id, MIN(event_date) AS first_date,
           MIN(event_date) FILTER (WHERE status = 'attended') AS first_attended,
           MIN(event_date) FILTER (WHERE status = 'attended' AND rung >= 4) AS reach_4
    FROM h GROUP BY person_id ORDER BY person_id"""


def _facts(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return con.execute("SELECT person_id, first_date, first_attended, reach_4 FROM person_fact "
                       "ORDER BY person_id").df()


def _live_depth(con: duckdb.DuckDBPyConnection, d: dt.date) -> pd.DataFrame:
    """depth.sql run as a metric: the formula over everyone who attended before d."""
    df = metrics.run(con, "depth", asof=d, **depth_config(con).params())
    return df.sort_values("person_id").reset_index(drop=True)


def _snapshot(con: duckdb.DuckDBPyConnection, d: dt.date) -> pd.DataFrame:
    return con.execute("SELECT person_id, tenure, frequency, recency, breadth, ties, touches, "
                       "score, tier FROM depth_snapshot WHERE d = $d ORDER BY person_id",
                       {"d": d}).df()


def _assert_depth_snapshot_current(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The snapshot holds, at the end of the default window and of the one before it,
    exactly what the formula gives there; returns the default window's end's rows."""
    windows = metrics.snapshot_windows(con)
    assert [w.end for w in windows] == [Window.default(con).start, Window.default(con).end]
    assert {r[0] for r in con.execute("SELECT DISTINCT d FROM depth_snapshot").fetchall()} == {
        w.end for w in windows}
    for w in windows:
        pd.testing.assert_frame_equal(_snapshot(con, w.end), _live_depth(con, w.end),
                                      check_dtype=False)
    return _snapshot(con, windows[-1].end)


def _window_facts(con: duckdb.DuckDBPyConnection, w: Window, live: bool) -> pd.DataFrame:
    """window_snapshot's rows of window *w*, or (live) its facts computed live."""
    if live:
        sql = registry.facts_sql("window_program")
        df = con.execute(sql, {"start": w.start, "end": w.end,
                               "lapse_days": lapse_days(con)}).df()
    else:
        df = con.execute("SELECT * EXCLUDE (window_end) FROM window_snapshot "
                         "WHERE window_end = $end", {"end": w.end}).df()
    return df.sort_values(["person_id", "program"]).reset_index(drop=True)


def _assert_window_snapshot_current(con: duckdb.DuckDBPyConnection) -> None:
    windows = metrics.snapshot_windows(con)
    assert [w.end for w in windows] == [Window.default(con).start, Window.default(con).end]
    assert con.execute("SELECT COUNT(DISTINCT window_end) FROM window_snapshot").fetchone()[0] == 2
    for w in windows:
        pd.testing.assert_frame_equal(_window_facts(con, w, live=False),
                                      _window_facts(con, w, live=True), check_dtype=False)
        with con.cursor() as cur:      # and prepare_window serves it (a view, not a new scan)
            metrics.clear_caches()
            metrics.prepare_window(cur, w.params())
            assert _reads_window_snapshot(cur)
            assert cur.execute("SELECT COUNT(*) FROM window_program").fetchone()[0] == len(
                _window_facts(con, w, live=True))


def _sorted(df: pd.DataFrame) -> pd.DataFrame:
    return df.sort_values("person_id").reset_index(drop=True)


def _assert_person_snapshot_current(con: duckdb.DuckDBPyConnection) -> None:
    """For each snapshot window and for all programs and each program alone, the served
    window_person and window_depth equal the same queries over live window facts and the
    depth formula; two programs are never served (computed live)."""
    programs = [r[0] for r in con.execute("SELECT DISTINCT program FROM event").fetchall()]
    assert len(programs) >= 2
    depth_params = depth_config(con).params()
    for w in metrics.snapshot_windows(con):
        for selection in [(), *[(p,) for p in programs]]:
            params = Window(w.start, w.end, selection).params()
            with con.cursor() as cur:       # live: the queries over the participations
                sql = registry.facts_sql("window_program")
                cur.execute(f"CREATE TEMP TABLE window_program AS {sql}",
                            {"start": w.start, "end": w.end, "lapse_days": lapse_days(con)})
                sql = registry.facts_sql("window_person")
                cur.execute(f"CREATE TEMP TABLE window_person AS {sql}", metrics._bind(sql, params))
                cur.execute("CREATE TEMP TABLE depth_target AS SELECT person_id, "
                            "CAST($end AS DATE) AS d FROM window_person", {"end": w.end})
                sql = (f"CREATE TEMP TABLE depth_at AS WITH {metrics.depth_formula()} "
                       f"SELECT {metrics.DEPTH_COLUMNS} FROM depth_tiered")
                cur.execute(sql, metrics._bind(sql, depth_params))   # the formula, live
                sql = registry.facts_sql("window_depth")
                live = (cur.execute("SELECT * FROM window_person").df(),
                        cur.execute(sql, metrics._bind(sql, params)).df())
            metrics.clear_caches()
            with con.cursor() as cur:
                assert metrics.prepare_window(cur, params)    # served: views
                served = (cur.execute("SELECT * FROM window_person").df(),
                          cur.execute("SELECT * FROM window_depth").df())
            assert len(live[0]) == len(served[0]) and len(live[1]) == len(served[1])
            for a, b in zip(live, served, strict=True):
                pd.testing.assert_frame_equal(_sorted(a), _sorted(b)[list(a.columns)],
                                              check_dtype=False)
        with con.cursor() as cur:
            assert not metrics.prepare_window(cur, Window(w.start, w.end, tuple(programs[:2]))
                                              .params())


def _reads_window_snapshot(cur: duckdb.DuckDBPyConnection) -> bool:
    return cur.execute("SELECT COUNT(*) FROM duckdb_views() WHERE temporary AND view_name = "
                       "'window_program' AND sql LIKE '%window_snapshot%'").fetchone()[0] == 1


def test_facts_and_snapshot_follow_imports_undo_and_settings(store: duckdb.DuckDBPyConnection):
    build_demo(store)
    d = Window.default(store).end
    pd.testing.assert_frame_equal(_facts(store), store.execute(LIVE_FACTS).df())
    assert len(_assert_depth_snapshot_current(store)) > 1000
    _assert_window_snapshot_current(store)
    assert len(_window_facts(store, Window.default(store), live=False)) > 1000
    _assert_person_snapshot_current(store)

    # an import that moves the data's last date: facts and snapshot move with it
    late = d + dt.timedelta(days=20)
    csv = (f"Email,Event,Date,Role\nnew.person@example.org,Late rally,{late:%Y-%m-%d},host\n"
           f"{store.execute('SELECT email FROM person WHERE email IS NOT NULL LIMIT 1').fetchone()[0]}"
           f",Late rally,{late:%Y-%m-%d},host\n").encode()
    result = importer.import_bytes(store, csv, "late.csv")
    assert result.status == "imported"
    new_d = Window.default(store).end
    assert new_d == late + dt.timedelta(days=1)
    pd.testing.assert_frame_equal(_facts(store), store.execute(LIVE_FACTS).df())
    assert Window.default(store).end == new_d
    _assert_depth_snapshot_current(store)
    _assert_window_snapshot_current(store)

    # undo: back to the demo's facts
    importer.undo_import(store, result.import_id)
    assert Window.default(store).end == d
    _assert_depth_snapshot_current(store)
    _assert_window_snapshot_current(store)
    _assert_person_snapshot_current(store)

    # a ladder change moves reach dates (hosts to rung 5 → reach_4 changes for nobody
    # below, but 'host' set to rung 2 removes rung-4 reaches that came from hosting)
    heard: list[tuple[float, str]] = []
    settings_store.save_edits(store, role_rungs={"host": 2},
                              progress=lambda done, step: heard.append((done, step)))
    # the Settings page's bar hears of every step, in order, up to done
    assert [d for d, _ in heard] == sorted(d for d, _ in heard) and heard[-1] == (1.0, "Done")
    assert len(heard) >= 4 and all(step for _, step in heard)
    pd.testing.assert_frame_equal(_facts(store), store.execute(LIVE_FACTS).df())
    _assert_window_snapshot_current(store)       # best_rung follows the ladder
    _assert_person_snapshot_current(store)       # and reach dates, start rungs

    # depth settings: the snapshot is recomputed with the new weights
    cfg = depth_config(store).to_dict()
    cfg["weights"] = {part: 0.0 for part in cfg["weights"]} | {"tenure": 1.0}
    settings_store.save_settings(store, {"depth": cfg})
    snap = _assert_depth_snapshot_current(store)
    assert (snap["score"] == 100 * snap["tenure"]).all()
    _assert_person_snapshot_current(store)       # window_depth too


def _close(a, b) -> bool:
    """Equal, floats to 1e-9 (sums in another order differ in the last bits)."""
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_close(a[k], b[k]) for k in a)
    if isinstance(a, float) and isinstance(b, float):
        return abs(a - b) <= 1e-9 * max(1.0, abs(a))
    return a == b


def test_report_reads_the_snapshot_only_when_current(store: duckdb.DuckDBPyConnection,
                                                     monkeypatch: pytest.MonkeyPatch):
    build_demo(store)
    w = Window.default(store)
    served = metrics.report(store, w)
    # the same numbers computed live: a stale stamp makes prepare_depth ignore the snapshot
    store.execute("UPDATE meta SET value = 'stale' WHERE key = 'depth_snapshot'")
    metrics.clear_caches()
    assert _close(metrics.report(store, w), served)
    # and without the window snapshot: the window facts computed from the participations
    store.execute("UPDATE meta SET value = 'stale' WHERE key = 'window_snapshot'")
    metrics.clear_caches()
    assert _close(metrics.report(store, w), served)
    metrics.clear_caches()
    with store.cursor() as cur:
        assert not metrics.prepare_window(cur, w.params())
        assert not _reads_window_snapshot(cur)
    # nor window_person/window_depth: stale stamp, or other depth settings
    resolve.refresh_facts(store)
    metrics.clear_caches()
    programs = store.execute("SELECT MIN(program) FROM event").fetchone()
    for selection in ((), programs):
        served = metrics.report(store, Window(w.start, w.end, selection))
        store.execute("UPDATE meta SET value = 'stale' WHERE key = 'window_person_snapshot'")
        metrics.clear_caches()
        assert _close(metrics.report(store, Window(w.start, w.end, selection)), served)
        with store.cursor() as cur:
            assert not metrics.prepare_window(cur, Window(w.start, w.end, selection).params())
        resolve.refresh_facts(store)
    p = {**w.params(), **depth_config(store).params()}
    with store.cursor() as cur:
        assert metrics.prepare_window(cur, p)
    with store.cursor() as cur:
        assert not metrics.prepare_window(cur, {**p, "w_ties": p["w_ties"] + 0.01})
    # a write that bypasses the importer (row counts change) is never served a stale snapshot
    resolve.refresh_facts(store)
    params = {**depth_config(store).params(), **w.params(), "asof": w.end}
    serves = metrics._depth_snapshot_serves
    assert serves(store, {"window_end"}, params) and serves(store, {"window_end", "asof"}, params)
    assert serves(store, {"window_end"}, {**params, "end": w.start})   # the previous window's
    # pairs at other dates, at two dates, or of other kinds, are computed by the formula
    assert not serves(store, {"window_end"}, {**params, "end": w.end - dt.timedelta(days=1)})
    assert not serves(store, {"window_end", "asof"}, {**params, "asof": w.start})
    assert not serves(store, {"window_end", "months"}, params)
    assert not serves(store, {"window_end"}, {**params, "w_ties": params["w_ties"] + 0.01})
    # a changed depth formula (a new release) is not served snapshots it did not compute
    formula = metrics.depth_formula()
    assert metrics._person_snapshot_serves(store, params)
    monkeypatch.setattr(metrics, "depth_formula", lambda: formula + "\n-- changed")
    assert not serves(store, {"window_end"}, params)
    assert not metrics._person_snapshot_serves(store, params)
    monkeypatch.undo()
    assert serves(store, {"window_end"}, params)
    store.execute("DELETE FROM participation WHERE person_id = "
                  "(SELECT MIN(person_id) FROM participation)")
    assert not serves(store, {"window_end"}, params)


def test_window_snapshots_are_served_only_for_their_lapse_threshold(tmp_path: Path) -> None:
    o = Org()
    for d in ("2023-10-01", "2023-11-01", "2024-01-03"):
        o.part(1, o.event(d))
    o.part(2, o.event("2024-06-30"))
    con = open_store(tmp_path / "lapse.duckdb", o)
    w = Window.default(con)
    # person 1's last attendance, 2024-01-03, is 180 days before the window's end 2024-07-01:
    # lapsed at the default threshold (the snapshots' `recent` is 0), not at 200
    assert metrics.report(con, w)["participation"]["lapsed"] == 1
    with con.cursor() as cur:
        assert metrics.prepare_window(cur, w.params())           # served: computed with 180
    with con.cursor() as cur:
        assert not metrics.prepare_window(cur, {**w.params(), "lapse_days": 200})
    set_setting(con, "lapse_days", 200)      # stored without recomputing the snapshots
    with con.cursor() as cur:
        assert not metrics.prepare_window(cur, w.params())
    assert metrics.report(con, w)["participation"]["lapsed"] == 0
    settings_store.save_settings(con, {"lapse_days": 200})      # recomputes them
    metrics.clear_caches()
    with con.cursor() as cur:
        assert metrics.prepare_window(cur, w.params())
    assert metrics.report(con, w)["participation"]["lapsed"] == 0
    con.close()


def test_canonical_keys_are_unique_without_indexes(store: duckdb.DuckDBPyConnection):
    """Overlapping exports, a repeated row and a merge: every canonical key stays unique
    (the tables have no primary-key index since schema 3; the rebuild guarantees it)."""
    a = (b"Email,Phone,Event ID,Event,Date,Status\n"
         b"ana@x.org,,e1,Canvass,2024-03-01,Attended\n"
         b"ana@x.org,,e1,Canvass,2024-03-01,Attended\n"
         b"bo@x.org,555-111-2222,e1,Canvass,2024-03-01,No show\n"
         b"cy@x.org,,e2,Potluck,2024-03-08,Registered\n")
    b = (b"Email,Phone,Event ID,Event,Date,Status\n"
         b"ana@x.org,5551112222,e1,Canvass,2024-03-01,Attended\n"
         b"cy@x.org,,e2,Potluck,2024-03-08,Attended\n"
         b"di@x.org,,e3,Meeting,2024-04-01,Attended\n")
    importer.import_bytes(store, a, "a.csv")
    importer.import_bytes(store, b, "b.csv")
    checks = {
        "identifier": "SELECT COUNT(*) - COUNT(DISTINCT key) FROM identifier",
        "person": "SELECT COUNT(*) - COUNT(DISTINCT person_id) FROM person",
        "event": "SELECT COUNT(*) - COUNT(DISTINCT event_id) FROM event",
        "participation": "SELECT COUNT(*) - COUNT(DISTINCT (person_id, event_id)) FROM participation",
        "person_fact": "SELECT COUNT(*) - COUNT(DISTINCT person_id) FROM person_fact",
        "depth_snapshot": "SELECT COUNT(*) - COUNT(DISTINCT (person_id, d)) FROM depth_snapshot",
        "window_snapshot": "SELECT COUNT(*) - COUNT(DISTINCT (window_end, person_id, program)) "
                           "FROM window_snapshot",
        "window_person_snapshot": "SELECT COUNT(*) - COUNT(DISTINCT (window_end, selection, "
                                  "person_id)) FROM window_person_snapshot",
        "window_depth_snapshot": "SELECT COUNT(*) - COUNT(DISTINCT (window_end, selection, "
                                 "person_id)) FROM window_depth_snapshot",
    }
    assert {t: store.execute(q).fetchone()[0] for t, q in checks.items()} == dict.fromkeys(checks, 0)
    # ana and bo share a phone in b.csv: one person, one participation at e1
    assert store.execute("SELECT COUNT(*) FROM person").fetchone()[0] == 3
    assert store.execute("SELECT COUNT(*) FROM participation").fetchone()[0] == 3


def test_a_report_is_kept_per_data_version(store: duckdb.DuckDBPyConnection):
    """The second report of a window in a process is the kept one, until the data change."""
    build_demo(store)
    w = Window.default(store)
    first = metrics.report(store, w)
    first["participation"]["active"] = -1            # a caller's change never leaks back
    assert metrics.report(store, w)["participation"]["active"] > 0
    before = metrics.report(store, w)["participation"]["attended"]
    csv = (f"Email,Event,Date\nlate@example.org,Late rally,"
           f"{w.end - dt.timedelta(days=3):%Y-%m-%d}\n").encode()
    assert importer.import_bytes(store, csv, "late.csv").status == "imported"
    assert metrics.report(store, w)["participation"]["attended"] == before + 1


def test_prepared_relations_and_metrics_read_one_state(store: duckdb.DuckDBPyConnection):
    """A report's cursor reads the store as it was when it was prepared, even when another
    session's import commits meanwhile and moves the snapshots' dates (the dashboard
    shares one connection between sessions)."""
    build_demo(store)
    w = Window.default(store)
    p = {**depth_config(store).params(), **w.params(), "asof": w.end}
    with metrics.depth_ready(store, ["people_table", "mean_depth"], p) as cur:
        before = (metrics.run(cur, "people_table", **p), metrics.scalar(cur, "mean_depth", **p))
        late = w.end + dt.timedelta(days=30)
        result = importer.import_bytes(
            store, f"Email,Event,Date,Status\nzz@x.org,Late,{late:%Y-%m-%d},Attended\n".encode(),
            "late.csv")
        assert result.status == "imported" and Window.default(store).end == late + dt.timedelta(days=1)
        after = (metrics.run(cur, "people_table", **p), metrics.scalar(cur, "mean_depth", **p))
    assert before[0]["depth"].notna().sum() > 1000
    pd.testing.assert_frame_equal(after[0], before[0])
    assert after[1] == before[1]
