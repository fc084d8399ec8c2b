"""The dashboard's view metrics: series_*, dist_*, people_*, network_connectors and the
board pack's Form 990 volunteer count.

Two checks per metric (MetricFlow style):
1. a tiny organization whose expected rows are worked out by hand, with the arithmetic
   next to each value, covering the program filter, empty windows and boundaries;
2. an independent plain-pandas recomputation, written from the metric's ``definition``
   header and docs/metrics.md (not from its SQL), compared row by row with the SQL on a random
   organization (tests/reference.py) over several windows, and on the demo organization
   for a few of them.
Depth comes from reference.reference_depth, the independent pandas depth formula.
"""
from __future__ import annotations

import datetime as dt
import math
import shutil
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pytest
import reference as ref
from helpers_ui import DemoStore
from metric_fixtures import Org, day, open_store, tenure_only_depth

from engage_metrics import db, metrics
from engage_metrics.config import TIERS, depth_config

TOLERANCE = 1e-9
NAMES = ["name", "email", "phone"]


def run(con: duckdb.DuckDBPyConnection, metric_id: str, start: str | dt.date,
        end: str | dt.date, *programs: str, **extra: Any) -> pd.DataFrame:
    """A metric as the dashboard runs it: window, asof = end, the depth settings, *extra*."""
    start, end = (d if isinstance(d, dt.date) else day(d) for d in (start, end))
    params = {**depth_config(con).params(), "start": start, "end": end, "asof": end,
              "programs": list(programs), **extra}
    return metrics.run(con, metric_id, **params)


def plain(v: Any) -> Any:
    """One cell as a plain Python value: NaN/NA/NaT -> None, timestamps -> dates."""
    if v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and math.isnan(v)):
        return None
    if isinstance(v, pd.Timestamp | np.datetime64):
        return pd.Timestamp(v).date()
    if isinstance(v, dt.datetime):
        return v.date()
    return v.item() if hasattr(v, "item") else v


def records(df: pd.DataFrame, columns: Sequence[str] | None = None) -> list[tuple]:
    df = df if columns is None else df[list(columns)]
    return [tuple(plain(v) for v in row) for row in df.itertuples(index=False)]


def close(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, float) or isinstance(b, float):
        return math.isclose(float(a), float(b), rel_tol=TOLERANCE, abs_tol=TOLERANCE)
    return a == b


def assert_rows(got: pd.DataFrame, expected: list[tuple] | pd.DataFrame,
                columns: Sequence[str]) -> None:
    """Rows equal in order; floats to 1e-9."""
    want = records(expected, columns) if isinstance(expected, pd.DataFrame) else expected
    have = records(got, columns)
    assert len(have) == len(want), f"{len(have)} rows, expected {len(want)}:\n{have}\n{want}"
    for i, (h, w) in enumerate(zip(have, want, strict=True)):
        assert len(h) == len(w) and all(close(x, y) for x, y in zip(h, w, strict=True)), \
            f"row {i}: {h} != {w}"


def person(i: int) -> tuple[str, str, None]:
    """name, email, phone as metric_fixtures.Org stores them."""
    return (f"Person {i}", f"p{i}@example.org", None)


# ================================================================ tiny organizations

def mix_org() -> Org:
    """Window W = [2024-01-15, 2024-04-01): every status, three modes, two programs."""
    o = Org()
    e1 = o.event("2023-12-01", "Food", "task", "Canvass")         # history
    e2 = o.event("2024-01-05", "Food", "task", "Canvass")         # before W, W's first month
    e3 = o.event("2024-01-20", "Food", "task", "Canvass")
    e4 = o.event("2024-02-10", "Tenants", "relationship", "Potluck")
    e5 = o.event("2024-02-20", "Food", "mixed", "Training")
    e6 = o.event("2024-03-05", "Tenants", "mixed", None)
    e7 = o.event("2024-04-01", "Food", "task", "Canvass")         # = W's end: outside
    o.part(1, e2)
    o.part(1, e3)
    o.part(2, e3)
    o.part(2, e5)
    o.part(3, e1)
    o.part(3, e4)
    o.part(3, e6, status="no_show")
    o.part(4, e4, status="registered")
    o.part(4, e5, status="no_show")
    o.part(4, e3, status="cancelled")
    o.part(5, e7)
    o.part(5, e3, status="no_show")
    o.part(6, e4)
    o.part(6, e5)
    o.part(6, e6)
    return o


@pytest.fixture(scope="module")
def mix(tmp_path_factory: pytest.TempPathFactory) -> Iterator[duckdb.DuckDBPyConnection]:
    con = open_store(tmp_path_factory.mktemp("mix") / "x.duckdb", mix_org())
    yield con
    con.close()


SERIES_COLS = ["month", "active", "new", "returning", "attended"]


def test_series_participation(mix: duckdb.DuckDBPyConnection) -> None:
    assert_rows(run(mix, "series_participation", "2024-01-15", "2024-04-01"), [
        # Jan cut to [01-15, 02-01): e3 -> 1, 2 (4 cancelled, 5 no-show); 1 first came 01-05,
        # before the window: returning; 2 first came 01-20: new
        (day("2024-01-01"), 2, 1, 1, 2),
        # Feb: e4 -> 3, 6; e5 -> 2, 6: people 2, 3, 6; new 6 (first 02-10); 4 participations
        (day("2024-02-01"), 3, 1, 2, 4),
        # Mar: e6 -> 6 (3 no-show); 6 first came in Feb
        (day("2024-03-01"), 1, 0, 1, 1),
    ], SERIES_COLS)
    assert_rows(run(mix, "series_participation", "2024-01-15", "2024-04-01", "Food"), [
        (day("2024-01-01"), 2, 1, 1, 2),      # as above (e3 is Food)
        (day("2024-02-01"), 2, 1, 1, 2),      # e5 -> 2, 6; 6 is new: first ever (Tenants) 02-10
        (day("2024-03-01"), 0, 0, 0, 0),      # no Food event: listed with zeros
    ], SERIES_COLS)
    assert_rows(run(mix, "series_participation", "2024-01-01", "2024-02-01"), [
        (day("2024-01-01"), 2, 2, 0, 3),      # whole January: e2 -> 1, e3 -> 1, 2: both new
    ], SERIES_COLS)
    assert_rows(run(mix, "series_participation", "2020-01-01", "2020-03-01"), [
        (day("2020-01-01"), 0, 0, 0, 0), (day("2020-02-01"), 0, 0, 0, 0)], SERIES_COLS)
    assert run(mix, "series_participation", "2024-01-15", "2024-01-15").empty  # start = end
    # the months' new people add up to New people of the window: 2 and 6
    assert metrics.scalar(mix, "new_people", start=day("2024-01-15"), end=day("2024-04-01"),
                          programs=[]) == 2


def test_dist_no_show(mix: duckdb.DuckDBPyConnection) -> None:
    cols = ["event_type", "attended", "no_show", "rate"]
    assert_rows(run(mix, "dist_no_show", "2024-01-15", "2024-04-01"), [
        ("(no type)", 1, 1, 0.5),     # e6: 6 attended, 3 no-show: 1 / 2
        ("Canvass", 2, 1, 1 / 3),     # e3: 1, 2 attended, 5 no-show (e2 before, e7 at end)
        ("Training", 2, 1, 1 / 3),    # e5: 2, 6 attended, 4 no-show
        ("Potluck", 2, 0, 0.0),       # e4: 3, 6 attended; 4 registered does not count
    ], cols)
    assert_rows(run(mix, "dist_no_show", "2024-01-15", "2024-04-01", "Food"), [
        ("Canvass", 2, 1, 1 / 3), ("Training", 2, 1, 1 / 3)], cols)
    assert run(mix, "dist_no_show", "2020-01-01", "2021-01-01").empty


def test_dist_touches(mix: duckdb.DuckDBPyConnection) -> None:
    cols = ["program", "touches", "attended", "people", "touches_per_person"]
    assert_rows(run(mix, "dist_touches", "2024-01-15", "2024-04-01"), [
        # e4 relationship: 3, 6 -> 1 + 1; e6 mixed: 6 -> 0.5; 3 participations of 3 and 6
        ("Tenants", 2.5, 3, 2, 2.5 / 2),
        # e3 task: 1, 2 -> 0 + 0; e5 mixed: 2, 6 -> 0.5 + 0.5; people 1, 2, 6
        ("Food", 1.0, 4, 3, 1.0 / 3),
    ], cols)
    assert_rows(run(mix, "dist_touches", "2024-01-15", "2024-04-01", "Tenants"),
                [("Tenants", 2.5, 3, 2, 1.25)], cols)
    assert run(mix, "dist_touches", "2020-01-01", "2021-01-01").empty


def test_form990_volunteers(mix: duckdb.DuckDBPyConnection) -> None:
    def volunteers(fy_start: str, fy_end: str, *programs: str) -> int:
        return run(mix, "boardpack_form990_volunteers", "2024-01-01", "2024-01-02", *programs,
                   fy_start=day(fy_start), fy_end=day(fy_end))["value"].item()

    assert volunteers("2024-01-01", "2025-01-01") == 5           # 1, 2, 3, 5, 6 (4 never came)
    assert volunteers("2023-01-01", "2024-01-01") == 1           # 3 at e1
    assert volunteers("2024-01-01", "2024-04-01") == 4           # fy_end excluded: 5 (e7) out
    assert volunteers("2024-01-01", "2025-01-01", "Food") == 4   # e2, e3, e5, e7: 1, 2, 5, 6
    assert volunteers("2020-01-01", "2021-01-01") == 0


def freq_org() -> Org:
    """Window [2024-03-01, 2024-04-01): person k attends Food events 1..k (k = 1..12)."""
    o = Org()
    food = [o.event(f"2024-03-{d:02d}", "Food") for d in range(1, 13)]
    tenants = o.event("2024-03-20", "Tenants", "relationship", "Social")
    before, at_end = o.event("2024-02-29", "Food"), o.event("2024-04-01", "Food")
    for k in range(1, 13):
        for e in food[:k]:
            o.part(k, e)
    o.part(12, tenants)
    o.part(13, tenants)
    o.part(3, food[5], status="no_show")       # not attended: 3 stays at 3
    o.part(1, before)                          # outside the window
    o.part(1, at_end)
    return o


@pytest.fixture(scope="module")
def freq(tmp_path_factory: pytest.TempPathFactory) -> Iterator[duckdb.DuckDBPyConnection]:
    con = open_store(tmp_path_factory.mktemp("freq") / "x.duckdb", freq_org())
    yield con
    con.close()


def test_dist_frequency(freq: duckdb.DuckDBPyConnection) -> None:
    cols = ["bucket", "people", "participations"]
    assert_rows(run(freq, "dist_frequency", "2024-03-01", "2024-04-01", "Food"), [
        ("1", 1, 1),             # person 1
        ("2", 1, 2),             # person 2
        ("3–5", 3, 12),          # 3 + 4 + 5
        ("6–10", 5, 40),         # 6 + 7 + 8 + 9 + 10
        ("11+", 2, 23),          # 11 + 12
    ], cols)
    assert_rows(run(freq, "dist_frequency", "2024-03-01", "2024-04-01"), [
        ("1", 2, 2),             # persons 1 and 13 (Tenants only)
        ("2", 1, 2),
        ("3–5", 3, 12),
        ("6–10", 5, 40),
        ("11+", 2, 24),          # 11 + (12 Food + 1 Tenants)
    ], cols)
    assert_rows(run(freq, "dist_frequency", "2020-01-01", "2020-02-01"),
                [(b, 0, 0) for b in ("1", "2", "3–5", "6–10", "11+")], cols)


def test_dist_concentration(freq: duckdb.DuckDBPyConnection) -> None:
    cols = ["decile", "people", "participations", "share", "cumulative_share"]
    # Food: 12 people with 12, 11, ..., 1 participations, 78 in all; 12 = 10 + 2, so the
    # first two deciles hold two people each: {12, 11}, {10, 9}, then one each 8 ... 1
    expected = [(1, 2, 23, 23 / 78, 23 / 78), (2, 2, 19, 19 / 78, 42 / 78)]
    running = 42
    for d, n in zip(range(3, 11), range(8, 0, -1), strict=True):
        running += n
        expected.append((d, 1, n, n / 78, running / 78))
    assert expected[-1][-1] == 1.0
    assert_rows(run(freq, "dist_concentration", "2024-03-01", "2024-04-01", "Food"), expected,
                cols)
    # Tenants: 12 and 13, one each -> two deciles of one person; ties broken by person id
    assert_rows(run(freq, "dist_concentration", "2024-03-01", "2024-04-01", "Tenants"),
                [(1, 1, 1, 0.5, 0.5), (2, 1, 1, 0.5, 1.0)], cols)
    assert run(freq, "dist_concentration", "2020-01-01", "2020-02-01").empty


def ladder_org() -> Org:
    """Window W = [2024-02-15, 2024-08-01): quarters cut to [02-15, 04-01), Q2, [07-01, 08-01)."""
    o = Org()
    h1 = o.event("2023-10-01", "Food")
    a = o.event("2024-02-01", "Food")          # in Q1 but before the window's start
    b, c = o.event("2024-03-01", "Food"), o.event("2024-03-20", "Tenants")
    d, f = o.event("2024-05-01", "Food"), o.event("2024-07-10", "Food")
    g = o.event("2024-08-01", "Food")          # = end
    o.part(1, h1, rung=2)
    o.part(1, b, rung=3)
    o.part(2, a, rung=2)
    o.part(2, b, rung=2)
    o.part(3, b, rung=3)
    o.part(3, d, rung=4)
    o.part(3, f, rung=4)
    o.part(4, h1, rung=5)
    o.part(4, d, rung=5)
    o.part(5, h1, rung=2)
    o.part(5, c, rung=4)
    o.part(5, d, rung=3)
    o.part(6, h1, rung=2)
    o.part(6, g, rung=5)
    o.part(6, f, status="registered", rung=1)
    o.part(7, h1, status="no_show", rung=2)
    o.part(7, c, rung=3)
    return o


@pytest.fixture(scope="module")
def ladder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[duckdb.DuckDBPyConnection]:
    con = open_store(tmp_path_factory.mktemp("ladder") / "x.duckdb", ladder_org())
    yield con
    con.close()


def test_series_escalation(ladder: duckdb.DuckDBPyConnection) -> None:
    cols = ["quarter", "eligible", "escalated", "rate"]
    q1, q2, q3 = day("2024-01-01"), day("2024-04-01"), day("2024-07-01")
    assert_rows(run(ladder, "series_escalation", "2024-02-15", "2024-08-01"), [
        # [02-15, 04-01): active 1, 2, 3, 5, 7; attended before 02-15: 1 (2), 2 (2, on 02-01),
        # 5 (2); 3 and 7 are new (7's earlier no-show is no attendance). Up: 1 (3), 5 (4)
        (q1, 3, 2, 2 / 3),
        # Q2: active 3 (before: 3), 4 (5: not eligible), 5 (before: 4); up: 3 (4 > 3)
        (q2, 2, 1, 1 / 2),
        # [07-01, 08-01): 3 at rung 4, before 4: eligible, not up (6 at 08-01 is outside)
        (q3, 1, 0, 0.0),
    ], cols)
    assert_rows(run(ladder, "series_escalation", "2024-02-15", "2024-08-01", "Food"), [
        (q1, 2, 1, 1 / 2),       # Food in Q1: 1, 2 eligible (3 new); 1 up
        (q2, 2, 1, 1 / 2),       # d is Food: as above; 5 at 3 < 4 (rung before is any program)
        (q3, 1, 0, 0.0),
    ], cols)
    assert_rows(run(ladder, "series_escalation", "2024-02-15", "2024-08-01", "Tenants"), [
        (q1, 1, 1, 1.0),         # c: 5 (2 -> 4) up; 7 new
        (q2, 0, 0, None),        # nobody: empty rate
        (q3, 0, 0, None),
    ], cols)
    assert_rows(run(ladder, "series_escalation", "2020-02-15", "2020-04-01"),
                [(day("2020-01-01"), 0, 0, None)], cols)
    assert run(ladder, "series_escalation", "2024-02-15", "2024-02-15").empty
    # one whole quarter agrees with Escalation rate of that window
    assert metrics.scalar(ladder, "escalation_rate", start=q2, end=q3, programs=[]) == 0.5


def test_people_rising(ladder: duckdb.DuckDBPyConnection) -> None:
    cols = ["person_id", "name", "email", "phone", "rung_before", "rung", "in_window",
            "first_attended", "why"]
    assert_rows(run(ladder, "people_rising", "2024-02-15", "2024-08-01"), [
        # 3: new in W (b, d, f: 3 times, the minimum); rung max(3, 4, 4)
        (3, *person(3), None, 4, 3, day("2024-03-01"), "new, 3+ times"),
        # 5: 2 before, 4 in W (c, d)
        (5, *person(5), 2, 4, 2, day("2023-10-01"), "stepped up"),
        # 1: 2 before, 3 in W. Not: 2 (2 -> 2), 4 (already 5), 7 (new, once), 6 (g at end)
        (1, *person(1), 2, 3, 1, day("2023-10-01"), "stepped up"),
    ], cols)
    assert_rows(run(ladder, "people_rising", "2024-02-15", "2024-08-01", "Food"), [
        (3, *person(3), None, 4, 3, day("2024-03-01"), "new, 3+ times"),
        (1, *person(1), 2, 3, 1, day("2023-10-01"), "stepped up"),
        (5, *person(5), 2, 4, 1, day("2023-10-01"), "stepped up"),   # Food d: 3 > 2
    ], cols)
    assert_rows(run(ladder, "people_rising", "2024-02-15", "2024-08-01", "Tenants"),
                [(5, *person(5), 2, 4, 1, day("2023-10-01"), "stepped up")], cols)
    assert run(ladder, "people_rising", "2020-01-01", "2020-06-01").empty
    # the "stepped up" rows are exactly People who stepped up
    assert metrics.scalar(ladder, "escalated_people", start=day("2024-02-15"),
                          end=day("2024-08-01"), programs=[]) == 2


def depth_org() -> Org:
    """Window [2024-01-01, 2024-07-01); tenure-only depth: score = 100 * days since first / 730."""
    o = Org()
    f0, f1 = o.event("2022-07-01", "Food"), o.event("2022-01-01", "Food")
    f2, f3 = o.event("2023-04-15", "Tenants"), o.event("2023-04-21", "Food")
    f4 = o.event("2023-12-01", "Food")
    w1, w2 = o.event("2024-03-01", "Food"), o.event("2024-05-10", "Tenants")
    w3 = o.event("2024-06-30", "Food")
    o.part(1, f0, rung=2)
    o.part(1, w1, rung=3)
    o.part(2, f2, rung=2)
    o.part(2, w2, rung=2)
    o.part(3, f1, rung=4)
    o.part(3, w1, rung=2)
    o.part(4, f1, rung=3)
    o.part(4, f4, rung=3)
    o.part(5, f3, rung=2)
    o.part(5, w3, rung=2)
    o.part(6, f1, rung=4)
    o.part(6, w2, rung=2)
    o.part(7, w3, status="registered", rung=1)
    return o


@pytest.fixture(scope="module")
def deep(tmp_path_factory: pytest.TempPathFactory) -> Iterator[duckdb.DuckDBPyConnection]:
    con = open_store(tmp_path_factory.mktemp("deep") / "x.duckdb", depth_org())
    tenure_only_depth(con)
    yield con
    con.close()


# scores at 2024-07-01: 1: 731 days -> 100 (clipped); 2: 443 days -> 44300 / 730;
# 3, 4, 6: from 2022-01-01 -> 100; 5: 437 days -> 43700 / 730 = 59.86
S2, S5 = 44300 / 730, 43700 / 730


def test_people_ready(deep: duckdb.DuckDBPyConnection) -> None:
    cols = ["person_id", "name", "email", "phone", "rung", "depth", "tier", "last_attended",
            "in_window"]
    assert_rows(run(deep, "people_ready", "2024-01-01", "2024-07-01"), [
        (1, *person(1), 3, 100.0, "Core", day("2024-03-01"), 1),
        (2, *person(2), 2, S2, "Committed", day("2024-05-10"), 1),   # 60.68 >= 60
        # not: 3 and 6 (rung 4, 6's from another program), 5 (59.86 < 60), 4 (not active)
    ], cols)
    assert_rows(run(deep, "people_ready", "2024-01-01", "2024-07-01", "Food"),
                [(1, *person(1), 3, 100.0, "Core", day("2024-03-01"), 1)], cols)
    assert_rows(run(deep, "people_ready", "2024-01-01", "2024-07-01", "Tenants"),
                [(2, *person(2), 2, S2, "Committed", day("2024-05-10"), 1)], cols)
    assert run(deep, "people_ready", "2020-01-01", "2020-07-01").empty


def test_people_table(deep: duckdb.DuckDBPyConnection) -> None:
    cols = ["person_id", "rung", "depth", "tier", "first_attended", "last_attended",
            "days_since", "in_window", "attended", "programs"]
    people = run(deep, "people_table", "2024-01-01", "2024-07-01")
    assert records(people, NAMES)[0] == person(1)
    assert_rows(people, [
        # depth desc, then person id; days_since = 2024-07-01 - last attended
        (1, 3, 100.0, "Core", day("2022-07-01"), day("2024-03-01"), 122, 1, 2, "Food"),
        (3, 4, 100.0, "Core", day("2022-01-01"), day("2024-03-01"), 122, 1, 2, "Food"),
        (4, 3, 100.0, "Core", day("2022-01-01"), day("2023-12-01"), 213, 0, 2, "Food"),
        (6, 4, 100.0, "Core", day("2022-01-01"), day("2024-05-10"), 52, 1, 2, "Food, Tenants"),
        (2, 2, S2, "Committed", day("2023-04-15"), day("2024-05-10"), 52, 1, 2, "Tenants"),
        (5, 2, S5, "Connected", day("2023-04-21"), day("2024-06-30"), 1, 1, 2, "Food"),
        # 7 only registered: not listed
    ], cols)
    food = run(deep, "people_table", "2024-01-01", "2024-07-01", "Food")
    assert [r[0] for r in records(food, ["person_id"])] == [1, 3, 4, 6, 5]   # not 2
    # 6 with Food: in_window counts Food only (w2 is Tenants): 0; attended counts all: 2
    assert records(food[food["person_id"] == 6], ["in_window", "attended", "rung"]) == [(0, 2, 4)]
    # a window before anybody came: nobody
    assert run(deep, "people_table", "2021-01-01", "2021-07-01").empty


def test_dist_depth(deep: duckdb.DuckDBPyConnection) -> None:
    def bands(*programs: str) -> list[int]:
        df = run(deep, "dist_depth", "2024-01-01", "2024-07-01", *programs)
        assert records(df, ["low", "high"]) == [(lo, lo + 10) for lo in range(0, 100, 10)]
        return df["people"].tolist()

    # active: 1, 3, 6 at 100 (band 90–100), 2 at 60.68 (60), 5 at 59.86 (50)
    assert bands() == [0, 0, 0, 0, 0, 1, 1, 0, 0, 3]
    assert bands("Food") == [0, 0, 0, 0, 0, 1, 0, 0, 0, 2]     # 1, 3, 5
    assert bands("Nope") == [0] * 10


def test_series_depth(deep: duckdb.DuckDBPyConnection) -> None:
    cols = ["month", "people", "mean_depth", *TIERS]
    assert_rows(run(deep, "series_depth", "2024-01-01", "2024-07-01"), [
        # March: 1, 3 at 2024-04-01: 1 has 640 days -> 87.67, 3 -> 100
        (day("2024-03-01"), 2, (64000 / 730 + 100) / 2, 0, 0, 0, 0, 2),
        # May: 2, 6 at 2024-06-01: 2 has 413 days -> 56.58 (Connected), 6 -> 100
        (day("2024-05-01"), 2, (41300 / 730 + 100) / 2, 0, 0, 1, 0, 1),
        # June: 5 at 2024-07-01 -> 59.86 (Connected). Jan, Feb, Apr: nobody active, no row
        (day("2024-06-01"), 1, S5, 0, 0, 1, 0, 0),
    ], cols)
    # a window ending mid-month: depth at the window's end, 2024-03-15 (1: 623 days)
    assert_rows(run(deep, "series_depth", "2024-03-01", "2024-03-15", "Food"),
                [(day("2024-03-01"), 2, (62300 / 730 + 100) / 2, 0, 0, 0, 0, 2)], cols)   # 85.3: Core
    assert run(deep, "series_depth", "2024-03-01", "2024-03-15", "Tenants").empty


def parts_org() -> Org:
    o = Org()
    e0 = o.event("2023-07-01", "Food", "task", "Canvass")    # 366 days before D: not recent
    e1 = o.event("2024-04-01", "Food", "task", "Canvass")
    e2 = o.event("2024-06-01", "Food", "relationship", "Potluck")
    e3 = o.event("2024-06-15", "Tenants", "mixed", "Training")
    o.part(1, e0)
    o.part(1, e1)
    o.part(1, e2)
    o.part(2, e1)
    o.part(2, e2)
    o.part(3, e3)
    return o


def test_dist_depth_parts(tmp_path: Path) -> None:
    """Default weights; D = 2024-07-01, the last 365 days = [2023-07-02, 2024-07-01)."""
    con = open_store(tmp_path / "x.duckdb", parts_org())
    cols = ["part", "weight", "mean", "points"]
    weights = [0.15, 0.25, 0.15, 0.10, 0.20, 0.15]
    # Food: 1 and 2. tenure (366 + 91) / 2 / 730; frequency 2 / 12 each; recency 1 - 30 / 365
    # each (last 06-01); breadth {canvass, potluck} 2 / 4; ties: 1 and 2 share e1, e2 -> 1 / 10;
    # touches: e2 relationship 1 / 4
    means = [457 / 2 / 730, 2 / 12, 1 - 30 / 365, 0.5, 0.1, 0.25]
    parts = ["tenure", "frequency", "recency", "breadth", "ties", "touches"]
    food = run(con, "dist_depth_parts", "2024-01-01", "2024-07-01", "Food")
    assert_rows(food, [(p, w, m, 100 * w * m) for p, w, m in zip(parts, weights, means,
                                                                  strict=True)], cols)
    mean = metrics.scalar(con, "mean_depth", **run_params(con, "2024-01-01", "2024-07-01", "Food"))
    assert food["points"].sum() == pytest.approx(mean, abs=1e-9)   # the parts add up
    # Tenants: 3 alone: tenure 16 / 730, frequency 1 / 12, recency 1 - 16 / 365, breadth 1 / 4,
    # no ties, touches mixed 0.5 / 4
    means = [16 / 730, 1 / 12, 1 - 16 / 365, 0.25, 0.0, 0.125]
    assert_rows(run(con, "dist_depth_parts", "2024-01-01", "2024-07-01", "Tenants"),
                [(p, w, m, 100 * w * m) for p, w, m in zip(parts, weights, means, strict=True)],
                cols)
    assert_rows(run(con, "dist_depth_parts", "2020-01-01", "2020-07-01"),
                [(p, w, None, None) for p, w in zip(parts, weights, strict=True)], cols)


def run_params(con: duckdb.DuckDBPyConnection, start: str, end: str,
               *programs: str) -> dict[str, Any]:
    return {**depth_config(con).params(), "start": day(start), "end": day(end),
            "programs": list(programs)}


def lapse_org() -> Org:
    o = Org()
    oct1, nov1 = o.event("2023-10-01", "Food"), o.event("2023-11-01", "Food")
    dec1, t_dec1 = o.event("2023-12-01", "Food"), o.event("2023-12-01", "Tenants")
    t_sep1 = o.event("2023-09-01", "Tenants")
    jan3, jan4 = o.event("2024-01-03", "Food"), o.event("2024-01-04", "Food")
    jun1, aug1 = o.event("2024-06-01", "Food"), o.event("2024-08-01", "Food")
    for e, rung in ((t_sep1, 4), (oct1, 2), (nov1, 2), (jan3, 2)):
        o.part(1, e, rung=rung)
    for e in (oct1, nov1, jan4):
        o.part(2, e)
    o.part(3, oct1)
    o.part(3, nov1)
    o.part(3, dec1, status="no_show")
    for e in (oct1, nov1, t_dec1):
        o.part(4, e)
    for e in (oct1, nov1, dec1, jun1):
        o.part(5, e)
    for e in (oct1, nov1, dec1, aug1):
        o.part(6, e)
    return o


@pytest.fixture(scope="module")
def lapse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[duckdb.DuckDBPyConnection]:
    con = open_store(tmp_path_factory.mktemp("lapse") / "x.duckdb", lapse_org())
    yield con
    con.close()


def test_people_lapsed(lapse: duckdb.DuckDBPyConnection) -> None:
    cols = ["person_id", "name", "email", "phone", "attended", "rung", "last_attended",
            "days_since"]
    # end 2024-07-01; 180 days before: 2024-01-03
    assert_rows(run(lapse, "people_lapsed", "2024-01-01", "2024-07-01"), [
        (1, *person(1), 4, 4, day("2024-01-03"), 180),    # exactly 180 days: lapsed
        (4, *person(4), 3, 2, day("2023-12-01"), 213),    # 3 across two programs
        (6, *person(6), 3, 2, day("2023-12-01"), 213),    # came back only after the end
        # not: 2 (01-04: 179 days), 3 (2 attended + a no-show), 5 (came back 06-01)
    ], cols)
    assert_rows(run(lapse, "people_lapsed", "2024-01-01", "2024-07-01", "Food"), [
        # 1: 3 Food participations; the rung is 4 from Tenants: a rung is history, any program
        (1, *person(1), 3, 4, day("2024-01-03"), 180),
        (6, *person(6), 3, 2, day("2023-12-01"), 213),    # 4 has only 2 in Food
    ], cols)
    assert run(lapse, "people_lapsed", "2023-01-01", "2023-12-01").empty
    assert metrics.scalar(lapse, "lapsed_count", start=day("2024-01-01"),
                          end=day("2024-07-01"), programs=[]) == 3


def test_series_lapsed(lapse: duckdb.DuckDBPyConnection) -> None:
    cols = ["month", "as_of", "lapsed"]
    got = run(lapse, "series_lapsed", "2024-01-10", "2024-08-15")
    assert_rows(got, [
        (day("2024-01-01"), day("2024-02-01"), 0),   # 180 days before: 2023-08-05
        (day("2024-02-01"), day("2024-03-01"), 0),   # 2023-09-03
        (day("2024-03-01"), day("2024-04-01"), 0),   # 2023-10-04
        (day("2024-04-01"), day("2024-05-01"), 0),   # 2023-11-03
        (day("2024-05-01"), day("2024-06-01"), 3),   # 2023-12-04: 4, 5 (06-01 not before), 6
        (day("2024-06-01"), day("2024-07-01"), 3),   # 2024-01-03: 1, 4, 6 (5 came back)
        (day("2024-07-01"), day("2024-08-01"), 4),   # 2024-02-03: 1, 2, 4, 6 (08-01 not before)
        (day("2024-08-01"), day("2024-08-15"), 3),   # cut to the end, 2024-02-17: 1, 2, 4
    ], cols)
    food = run(lapse, "series_lapsed", "2024-06-01", "2024-07-01", "Food")
    assert_rows(food, [(day("2024-06-01"), day("2024-07-01"), 2)], cols)   # 1, 6; 4 has 2 Food
    assert run(lapse, "series_lapsed", "2024-06-01", "2024-06-01").empty


def slip_org() -> Org:
    o = Org()

    def attend(pid: int, dates: Sequence[str], program: str = "Food") -> None:
        for d in dates:
            o.part(pid, o.event(d, program))

    attend(1, ["2024-03-01", "2024-03-08", "2024-03-15", "2024-03-22"])
    attend(2, ["2024-05-01", "2024-05-15", "2024-05-29", "2024-06-10"])
    attend(3, ["2024-04-01", "2024-04-01", "2024-04-11", "2024-04-21"])
    attend(4, ["2024-04-01", "2024-04-08", "2024-04-15"])
    attend(5, ["2023-08-01", "2023-08-15", "2023-09-01", "2023-09-15"])
    attend(6, ["2022-01-01", "2023-01-01", "2024-04-01", "2024-04-08", "2024-04-15",
               "2024-04-22"])
    attend(8, ["2024-03-01", "2024-03-08", "2024-03-15", "2024-03-22"])
    attend(8, ["2024-06-25"], "Tenants")
    attend(9, ["2023-12-01", "2023-12-15", "2023-12-29", "2024-01-04"])
    o.part(10, o.event("2024-06-01", "Food"), status="no_show")
    return o


def test_people_slipping(tmp_path: Path) -> None:
    con = open_store(tmp_path / "x.duckdb", slip_org())
    cols = ["person_id", "attended_last_365", "usual_gap", "days_since", "last_attended"]
    # end 2024-07-01; order: days since / usual gap, largest first
    got = run(con, "people_slipping", "2024-01-01", "2024-07-01")
    assert records(got, NAMES)[0] == person(1)
    assert_rows(got, [
        (1, 4, 7.0, 101, day("2024-03-22")),    # gaps 7, 7, 7; 101 > 10.5: 101 / 7 = 14.4
        (9, 4, 14.0, 179, day("2024-01-04")),   # gaps 14, 14, 6 -> 14; 179 < 180: 12.8
        # 6: all history: gaps 365, 456, 7, 7, 7 -> 7; 70 days: 10.0; 4 in the last 365 days
        (6, 4, 7.0, 70, day("2024-04-22")),
        (3, 4, 10.0, 71, day("2024-04-21")),    # 4 participations on 3 dates: gaps 10, 10: 7.1
        # not: 2 (gap 14, 21 days = 1.5 x 14 is not more), 4 (3 only), 5 (290 days: lapsed),
        # 8 (all programs: gaps 7, 7, 7, 95 -> 7; 6 days), 10 (no-show)
    ], cols)
    food = run(con, "people_slipping", "2024-01-01", "2024-07-01", "Food")
    assert [r[0] for r in records(food, ["person_id"])] == [1, 8, 9, 6, 3]   # 8: 101 / 7
    assert run(con, "people_slipping", "2024-01-01", "2024-07-01", "Tenants").empty
    assert run(con, "people_slipping", "2020-01-01", "2020-07-01").empty


def network_org() -> Org:
    """Window [2024-01-01, 2024-04-01)."""
    o = Org()
    e1, e2 = o.event("2024-01-10", "Food"), o.event("2024-02-10", "Food")
    e3, e4 = o.event("2024-03-10", "Food"), o.event("2024-03-20", "Food")
    e5 = o.event("2024-04-01", "Food")                       # = end
    e6 = o.event("2024-03-25", "Tenants")
    for pid in (1, 2, 3):
        o.part(pid, e1)
        o.part(pid, e2)
    for pid in (1, 2, 4):
        o.part(pid, e3)
    o.part(4, e4)
    o.part(5, e4)
    o.part(4, e6)
    o.part(5, e6)
    o.part(1, e5)
    o.part(4, e5)
    o.part(5, e3, status="no_show")
    return o


def test_network_connectors(tmp_path: Path) -> None:
    con = open_store(tmp_path / "x.duckdb", network_org())
    cols = ["person_a", "name_a", "ties_a", "person_b", "name_b", "ties_b", "shared"]

    def edges(top_n: int, *programs: str) -> list[tuple]:
        return records(run(con, "network_connectors", "2024-01-01", "2024-04-01", *programs,
                           top_n=top_n), cols)

    # pairs: (1, 2) e1 e2 e3 = 3; (1, 3) and (2, 3) e1 e2 = 2; (1, 4), (2, 4) e3 only (e5 is at
    # the end); (4, 5) e4 e6 = 2 (5's no-show at e3 does not count). Ties: 1, 2, 3: 2; 4, 5: 1
    p = {i: f"Person {i}" for i in range(1, 6)}
    top3 = [(1, p[1], 2, 2, p[2], 2, 3), (1, p[1], 2, 3, p[3], 2, 2), (2, p[2], 2, 3, p[3], 2, 2)]
    assert edges(3) == top3
    assert edges(2) == top3[:1]                               # 1, 2 (equal ties: lower id)
    assert edges(5) == [*top3, (4, p[4], 1, 5, p[5], 1, 2)]
    assert edges(5, "Food") == top3                           # 4, 5 share only e4 in Food
    assert edges(5, "Tenants") == []
    assert run(con, "network_connectors", "2020-01-01", "2020-04-01", top_n=5).empty


# ================================================================ pandas recomputations

Params = tuple[pd.Timestamp, pd.Timestamp, tuple[str, ...]]


def attended(t: ref.Tables) -> pd.DataFrame:
    return t.parts[t.parts["status"] == "attended"]


def in_programs(df: pd.DataFrame, programs: Sequence[str]) -> pd.DataFrame:
    return df[df["program"].isin(programs)] if programs else df


def between(df: pd.DataFrame, lo: pd.Timestamp, hi: pd.Timestamp) -> pd.DataFrame:
    return df[(df["event_date"] >= lo) & (df["event_date"] < hi)]


def periods(start: pd.Timestamp, end: pd.Timestamp, freq: str) -> list[tuple]:
    """(period start, cut start, cut end) of each calendar month/quarter touching [start, end)."""
    if start >= end:
        return []
    rng = pd.period_range(start.to_period(freq), (end - pd.Timedelta(days=1)).to_period(freq),
                          freq=freq)
    return [(p.start_time, max(start, p.start_time), min(end, (p + 1).start_time)) for p in rng]


def active_in(t: ref.Tables, s: pd.Timestamp, e: pd.Timestamp,
              programs: Sequence[str]) -> pd.DataFrame:
    return between(in_programs(attended(t), programs), s, e)


def depth_of(t: ref.Tables, when: pd.Timestamp) -> pd.DataFrame:
    if when not in t.depth_memo:
        t.depth_memo[when] = ref.reference_depth(t, when)
    return t.depth_memo[when].set_index("person_id")


def pd_series_participation(t: ref.Tables, s, e, programs) -> pd.DataFrame:
    first = ref.first_attended(t)
    rows = []
    for month, lo, hi in periods(s, e, "M"):
        came = active_in(t, lo, hi, programs)
        people = came["person_id"].unique()
        new = int(((first[people] >= lo) & (first[people] < hi)).sum())
        rows.append((month, len(people), new, len(people) - new, len(came)))
    return pd.DataFrame(rows, columns=SERIES_COLS)


def pd_series_escalation(t: ref.Tables, s, e, programs) -> pd.DataFrame:
    rows = []
    for quarter, lo, hi in periods(s, e, "Q"):
        best = active_in(t, lo, hi, programs).groupby("person_id")["rung"].max()
        before = ref.rung_at(t, lo)
        had = attended(t)
        had = set(had.loc[had["event_date"] < lo, "person_id"])       # attended before
        judged = [(best[p], before[p]) for p in best.index if p in had and before[p] < 5]
        up = sum(b > r for b, r in judged)
        rows.append((quarter, len(judged), up, up / len(judged) if judged else None))
    return pd.DataFrame(rows, columns=["quarter", "eligible", "escalated", "rate"])


def lapsed_at(t: ref.Tables, when: pd.Timestamp, programs) -> pd.DataFrame:
    came = in_programs(attended(t), programs)
    came = came[came["event_date"] < when].groupby("person_id")["event_date"].agg(["size", "max"])
    return came[(came["size"] >= 3) & ((when - came["max"]).dt.days >= 180)]


def pd_series_lapsed(t: ref.Tables, s, e, programs) -> pd.DataFrame:
    return pd.DataFrame([(m, hi, len(lapsed_at(t, hi, programs)))
                         for m, _, hi in periods(s, e, "M")],
                        columns=["month", "as_of", "lapsed"])


def pd_series_depth(t: ref.Tables, s, e, programs) -> pd.DataFrame:
    rows = []
    for month, lo, hi in periods(s, e, "M"):
        people = active_in(t, lo, hi, programs)["person_id"].unique()
        if len(people) == 0:
            continue
        d = depth_of(t, hi).loc[people]
        rows.append((month, len(people), d["score"].mean(),
                     *((d["tier"] == tier).sum() for tier in TIERS)))
    return pd.DataFrame(rows, columns=["month", "people", "mean_depth", *TIERS])


def pd_dist_concentration(t: ref.Tables, s, e, programs) -> pd.DataFrame:
    per = active_in(t, s, e, programs).groupby("person_id").size()
    per = per.reset_index(name="n").sort_values(["n", "person_id"], ascending=[False, True])
    total = per["n"].sum()
    rows, running = [], 0
    groups = [g for g in np.array_split(per["n"].to_numpy(), 10) if len(g)]
    for decile, group in enumerate(groups, start=1):
        running += group.sum()
        rows.append((decile, len(group), group.sum(), group.sum() / total, running / total))
    return pd.DataFrame(rows, columns=["decile", "people", "participations", "share",
                                       "cumulative_share"])


def pd_dist_depth(t: ref.Tables, s, e, programs) -> pd.DataFrame:
    scores = depth_of(t, e).loc[active_in(t, s, e, programs)["person_id"].unique(), "score"]
    low = np.minimum((scores // 10) * 10, 90)
    return pd.DataFrame([(lo, lo + 10, int((low == lo).sum())) for lo in range(0, 100, 10)],
                        columns=["low", "high", "people"])


def pd_dist_depth_parts(t: ref.Tables, s, e, programs) -> pd.DataFrame:
    d = depth_of(t, e).loc[active_in(t, s, e, programs)["person_id"].unique()]
    rows = []
    for part, w in t.depth.weights.items():
        mean = d[part].mean() if len(d) else None
        rows.append((part, w, mean, None if mean is None else 100 * w * mean))
    return pd.DataFrame(rows, columns=["part", "weight", "mean", "points"])


def pd_dist_frequency(t: ref.Tables, s, e, programs) -> pd.DataFrame:
    per = active_in(t, s, e, programs).groupby("person_id")["event_id"].nunique()
    labels = ["1", "2", "3–5", "6–10", "11+"]
    bucket = pd.cut(per, [0, 1, 2, 5, 10, np.inf], labels=labels)
    return pd.DataFrame([(b, int((bucket == b).sum()), int(per[bucket == b].sum()))
                         for b in labels], columns=["bucket", "people", "participations"])


def pd_dist_no_show(t: ref.Tables, s, e, programs) -> pd.DataFrame:
    win = between(in_programs(t.parts, programs), s, e)
    win = win.assign(event_type=win["event_type"].fillna("(no type)"))
    out = pd.DataFrame({
        "attended": win[win["status"] == "attended"].groupby("event_type").size(),
        "no_show": win[win["status"] == "no_show"].groupby("event_type").size(),
    }).fillna(0).astype(int)
    out = out[out.sum(axis=1) > 0]
    out["rate"] = out["no_show"] / (out["attended"] + out["no_show"])
    return (out.rename_axis("event_type").reset_index()
            .sort_values(["rate", "event_type"], ascending=[False, True]))


def pd_dist_touches(t: ref.Tables, s, e, programs) -> pd.DataFrame:
    came = active_in(t, s, e, programs)
    out = came.groupby("program").agg(touches=("touch_w", "sum"), attended=("person_id", "size"),
                                      people=("person_id", "nunique")).reset_index()
    out["touches_per_person"] = out["touches"] / out["people"]
    return out.sort_values(["touches", "program"], ascending=[False, True])


def pd_people_lapsed(t: ref.Tables, s, e, programs) -> pd.DataFrame:
    out = lapsed_at(t, e, programs).rename(columns={"size": "attended", "max": "last_attended"})
    out["rung"] = ref.rung_at(t, e)[out.index]
    out["days_since"] = (e - out["last_attended"]).dt.days
    return out.reset_index().sort_values(["last_attended", "person_id"], ascending=[False, True])


def pd_people_ready(t: ref.Tables, s, e, programs) -> pd.DataFrame:
    came = active_in(t, s, e, programs).groupby("person_id").size()
    d = depth_of(t, e).loc[came.index]
    rung = ref.rung_at(t, e)[came.index]
    last = attended(t)[attended(t)["event_date"] < e].groupby("person_id")["event_date"].max()
    out = pd.DataFrame({"rung": rung, "depth": d["score"], "tier": d["tier"],
                        "last_attended": last[came.index], "in_window": came})
    out = out[(out["depth"] >= t.depth.tiers["Committed"]) & (out["rung"] <= 3)]
    return out.rename_axis("person_id").reset_index().sort_values(
        ["depth", "person_id"], ascending=[False, True])


def pd_people_rising(t: ref.Tables, s, e, programs) -> pd.DataFrame:
    came = active_in(t, s, e, programs)
    before = attended(t)[attended(t)["event_date"] < s].groupby("person_id")["rung"].max()
    rung, first = ref.rung_at(t, e), ref.first_attended(t)
    rows = []
    for pid, mine in came.groupby("person_id"):
        was = before.get(pid)
        stepped = was is not None and mine["rung"].max() > was
        if stepped or (was is None and len(mine) >= 3):
            rows.append((pid, None if was is None else int(was), int(rung[pid]), len(mine),
                         first[pid], "stepped up" if stepped else "new, 3+ times"))
    out = pd.DataFrame(rows, columns=["person_id", "rung_before", "rung", "in_window",
                                      "first_attended", "why"])
    return out.sort_values(["in_window", "person_id"], ascending=[False, True])


def pd_people_slipping(t: ref.Tables, s, e, programs) -> pd.DataFrame:
    came = in_programs(attended(t), programs)
    came = came[came["event_date"] < e]
    recent = came[came["event_date"] >= e - pd.Timedelta(days=365)].groupby("person_id").size()
    dates = came[["person_id", "event_date"]].drop_duplicates().sort_values("event_date")
    gaps = dates.assign(gap=dates.groupby("person_id")["event_date"].diff().dt.days)
    out = pd.DataFrame({
        "attended_last_365": recent,
        "usual_gap": gaps.groupby("person_id")["gap"].median(),     # NaN: a single date
        "last_attended": dates.groupby("person_id")["event_date"].max(),
    }).dropna(subset=["attended_last_365", "usual_gap"])
    out["days_since"] = (e - out["last_attended"]).dt.days
    out = out[(out["attended_last_365"] >= 4) & (out["days_since"] > 1.5 * out["usual_gap"])
              & (out["days_since"] < 180)]
    out = out.assign(overdue=out["days_since"] / out["usual_gap"])
    return out.rename_axis("person_id").reset_index().sort_values(
        ["overdue", "person_id"], ascending=[False, True])


def pd_people_table(t: ref.Tables, s, e, programs) -> pd.DataFrame:
    before = attended(t)[attended(t)["event_date"] < e]
    who = in_programs(before, programs)["person_id"].unique()
    mine = before[before["person_id"].isin(who)].groupby("person_id")
    depth = depth_of(t, e)
    out = pd.DataFrame({
        "rung": mine["rung"].max(),
        "first_attended": mine["event_date"].min(),
        "last_attended": mine["event_date"].max(),
        "attended": mine.size(),
        "programs": mine["program"].agg(lambda p: ", ".join(sorted(set(p)))),
    })
    out["depth"] = depth["score"].reindex(out.index)
    out["tier"] = depth["tier"].reindex(out.index)
    out["days_since"] = (e - out["last_attended"]).dt.days
    out["in_window"] = (active_in(t, s, e, programs).groupby("person_id").size()
                        .reindex(out.index, fill_value=0))
    return out.rename_axis("person_id").reset_index().sort_values(
        ["depth", "person_id"], ascending=[False, True], na_position="last")


TOP_N = 12


def pd_network_connectors(t: ref.Tables, s, e, programs) -> pd.DataFrame:
    came = active_in(t, s, e, programs)[["event_id", "person_id"]].drop_duplicates()
    pairs = came.merge(came, on="event_id", suffixes=("_a", "_b"))
    pairs = pairs[pairs["person_id_a"] < pairs["person_id_b"]]
    shared = pairs.groupby(["person_id_a", "person_id_b"]).size()
    shared = shared[shared >= 2]
    ties = pd.concat([shared.reset_index()["person_id_a"], shared.reset_index()["person_id_b"]])
    ties = ties.value_counts().rename_axis("person_id").reset_index(name="ties")
    top = ties.sort_values(["ties", "person_id"], ascending=[False, True]).head(TOP_N)
    top = top.set_index("person_id")["ties"]
    names = t.person.set_index("person_id")["full_name"]
    rows = [(a, names[a], top[a], b, names[b], top[b], n) for (a, b), n in shared.items()
            if a in top.index and b in top.index]
    out = pd.DataFrame(rows, columns=["person_a", "name_a", "ties_a", "person_b", "name_b",
                                      "ties_b", "shared"])
    return out.sort_values(["shared", "person_a", "person_b"], ascending=[False, True, True])


def pd_form990(t: ref.Tables, s, e, programs) -> pd.DataFrame:
    return pd.DataFrame({"value": [active_in(t, s, e, programs)["person_id"].nunique()]})


PANDAS: dict[str, tuple[Callable[..., pd.DataFrame], list[str]]] = {
    "series_participation": (pd_series_participation, SERIES_COLS),
    "series_escalation": (pd_series_escalation, ["quarter", "eligible", "escalated", "rate"]),
    "series_lapsed": (pd_series_lapsed, ["month", "as_of", "lapsed"]),
    "series_depth": (pd_series_depth, ["month", "people", "mean_depth", *TIERS]),
    "dist_concentration": (pd_dist_concentration, ["decile", "people", "participations",
                                                   "share", "cumulative_share"]),
    "dist_depth": (pd_dist_depth, ["low", "high", "people"]),
    "dist_depth_parts": (pd_dist_depth_parts, ["part", "weight", "mean", "points"]),
    "dist_frequency": (pd_dist_frequency, ["bucket", "people", "participations"]),
    "dist_no_show": (pd_dist_no_show, ["event_type", "attended", "no_show", "rate"]),
    "dist_touches": (pd_dist_touches, ["program", "touches", "attended", "people",
                                       "touches_per_person"]),
    "people_lapsed": (pd_people_lapsed, ["person_id", "attended", "rung", "last_attended",
                                         "days_since"]),
    "people_ready": (pd_people_ready, ["person_id", "rung", "depth", "tier", "last_attended",
                                       "in_window"]),
    "people_rising": (pd_people_rising, ["person_id", "rung_before", "rung", "in_window",
                                         "first_attended", "why"]),
    "people_slipping": (pd_people_slipping, ["person_id", "attended_last_365", "usual_gap",
                                             "days_since", "last_attended"]),
    "people_table": (pd_people_table, ["person_id", "rung", "depth", "tier", "first_attended",
                                       "last_attended", "days_since", "in_window", "attended",
                                       "programs"]),
    "network_connectors": (pd_network_connectors, ["person_a", "name_a", "ties_a", "person_b",
                                                   "name_b", "ties_b", "shared"]),
    "boardpack_form990_volunteers": (pd_form990, ["value"]),
}


@pytest.fixture(scope="module")
def random_store(tmp_path_factory: pytest.TempPathFactory
                 ) -> Iterator[tuple[duckdb.DuckDBPyConnection, ref.Tables]]:
    con = db.connect(tmp_path_factory.mktemp("random") / "engage.duckdb")
    ref.random_canonical(con, seed=11, n_people=300, n_events=120)
    yield con, ref.load_tables(con)
    con.close()


# odd boundaries (mid-month, mid-quarter), program filters, all time and a window with no data
WINDOWS = {
    "mid": ("2023-07-17", "2024-05-09", ()),
    "tenants": ("2023-11-02", "2024-10-20", ("Tenants",)),
    "two programs": ("2024-02-29", "2024-12-31", ("Climate", "Food")),
    "all time": ("2022-12-01", "2025-01-01", ()),
    "no data": ("2021-03-01", "2021-05-15", ()),
}


def compare(con: duckdb.DuckDBPyConnection, t: ref.Tables, metric_id: str,
            window: tuple[str, str, tuple[str, ...]]) -> pd.DataFrame:
    fn, cols = PANDAS[metric_id]
    start, end, programs = window
    s, e = pd.Timestamp(start), pd.Timestamp(end)
    got = run(con, metric_id, start, end, *programs, top_n=TOP_N, fy_start=day(start),
              fy_end=day(end))
    expected = fn(t, s, e, programs)
    assert_rows(got, expected, cols)
    return got


@pytest.mark.parametrize("metric_id", sorted(PANDAS))
def test_pandas_matches_sql_on_random_data(random_store, metric_id: str) -> None:
    con, t = random_store
    sizes = {name: len(compare(con, t, metric_id, w)) for name, w in WINDOWS.items()}
    if metric_id not in ("boardpack_form990_volunteers", "dist_depth", "dist_depth_parts",
                         "dist_frequency"):       # these list fixed rows even when empty
        assert sizes["mid"] > 0, "the comparison must see rows"


@pytest.fixture(scope="module")
def demo_store(demo_store: DemoStore, tmp_path_factory: pytest.TempPathFactory
               ) -> Iterator[tuple[duckdb.DuckDBPyConnection, ref.Tables]]:
    """This module's demo: a copy of the session's demo store (built once, in
    conftest.py, whose fixture of this name this one overrides) and its tables."""
    path = tmp_path_factory.mktemp("demo") / "engage.duckdb"
    shutil.copy(demo_store.path, path)
    con = db.connect(path)
    yield con, ref.load_tables(con)
    con.close()


@pytest.mark.slow
@pytest.mark.parametrize("metric_id", ["series_participation", "people_slipping"])
def test_pandas_matches_sql_on_demo(demo_store, metric_id: str) -> None:
    con, t = demo_store
    last = t.last_date
    end = (last + pd.Timedelta(days=1)).date()
    start = (last - pd.Timedelta(days=364)).replace(day=10).date()
    program = t.programs[0]
    for window in ((str(start), str(end), ()), (str(start), str(end), (program,))):
        assert len(compare(con, t, metric_id, window)) > 0
