"""The engine's numbers against an independent pandas recomputation.

Why: the metric SQL is the product's contract; ``tests/reference.py`` recomputes
every metric of docs/metrics.md from the canonical tables the way an analyst would,
so any disagreement is either an engine bug or an ambiguity to settle in the
design. Two stores are built once per module: a random organization inserted
straight into the canonical tables and the generated demo organization.
Windows: the last 12 months, all time, a 90-day window and program filters.
Counts must match exactly, ratios and scores to 1e-9.
"""
from __future__ import annotations

import datetime as dt
import math
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pytest
import reference as ref
from helpers_ui import DemoStore

from engage_metrics import db, metrics
from engage_metrics.config import default_depth, depth_config

TOLERANCE = 1e-9
Window = tuple[dt.date, dt.date, tuple[str, ...]]


@dataclass
class Store:
    name: str
    con: duckdb.DuckDBPyConnection
    tables: ref.Tables

    def windows(self) -> dict[str, Window]:
        """Named windows over this store's data: last 12 months, all time, 90 days, programs."""
        last = self.tables.last_date.date()
        first = pd.Timestamp(self.tables.event["event_date"].min()).date()
        end = last + dt.timedelta(days=1)
        year_ago = (pd.Timestamp(end) - pd.DateOffset(years=1)).date()
        mid_end = end - dt.timedelta(days=120)
        programs = self.tables.programs
        found = {
            "last12": (year_ago, end, ()),
            "all": (first, end, ()),
            "90d": (mid_end - dt.timedelta(days=90), mid_end, ()),
            "two programs": (year_ago, end, tuple(programs[:2])),
        }
        found.update({f"program {p}": (year_ago, end, (p,)) for p in programs})
        return found


def _open(tmp_path_factory: pytest.TempPathFactory, name: str) -> duckdb.DuckDBPyConnection:
    path: Path = tmp_path_factory.mktemp(name) / "engage.duckdb"
    return db.connect(path)


@pytest.fixture(scope="module")
def random_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    con = _open(tmp_path_factory, "random")
    ref.random_canonical(con, seed=7)
    yield Store("random", con, ref.load_tables(con))
    con.close()


@pytest.fixture(scope="module")
def demo_store(demo_store: DemoStore, tmp_path_factory: pytest.TempPathFactory
               ) -> Iterator[Store]:
    """This module's demo: a copy of the session's demo store (built once, in
    conftest.py, whose fixture of this name this one overrides) and its tables."""
    path = tmp_path_factory.mktemp("demo") / "engage.duckdb"
    shutil.copy(demo_store.path, path)
    con = db.connect(path)
    yield Store("demo", con, ref.load_tables(con))
    con.close()


@pytest.fixture(params=["random", "demo"])
def dataset(request: pytest.FixtureRequest) -> Store:
    return request.getfixturevalue(f"{request.param}_store")


# ---------------------------------------------------------------- comparison

def _missing(value: Any) -> bool:
    return value is None or value is pd.NA or value is pd.NaT or (
        isinstance(value, (float, np.floating)) and math.isnan(value))


def _same(engine: Any, expected: Any) -> bool:
    """Counts exactly, other numbers to TOLERANCE, None equal to NULL/NaN."""
    if _missing(expected) or _missing(engine):
        return _missing(expected) and _missing(engine)
    if isinstance(expected, str):
        return engine == expected
    if isinstance(expected, (dt.date, pd.Timestamp)):
        return pd.Timestamp(engine) == pd.Timestamp(expected)
    if isinstance(expected, (int, np.integer)):
        return float(engine) == float(expected)
    return abs(float(engine) - float(expected)) <= TOLERANCE


def _diff(engine: Any, expected: Any, where: str) -> list[str]:
    """Every leaf of *expected* (a nested dict) that *engine* does not match."""
    if isinstance(expected, dict):
        if not isinstance(engine, dict):
            return [f"{where}: engine gave {engine!r}, expected a mapping"]
        out = []
        for key, value in expected.items():
            if key not in engine:
                out.append(f"{where}.{key}: missing in the engine's report")
            else:
                out.extend(_diff(engine[key], value, f"{where}.{key}"))
        return out
    if _same(engine, expected):
        return []
    return [f"{where}: engine {engine!r} != reference {expected!r}"]


def _keyed(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    out = frame.copy()
    for key in keys:
        if key in ("cohort", "month"):
            out[key] = pd.to_datetime(out[key]).astype("datetime64[us]")
        elif key in ("person_id", "k", "rung"):
            out[key] = out[key].astype("int64")
        else:
            out[key] = out[key].astype(str)
    return out


def _frame_diff(engine: pd.DataFrame, expected: pd.DataFrame, keys: list[str],
                what: str) -> list[str]:
    """Rows present on one side only, and every differing cell, keyed by *keys*."""
    absent = [c for c in expected.columns if c not in engine.columns]
    if absent:
        return [f"{what}: engine lacks columns {absent} (has {list(engine.columns)})"]
    merged = _keyed(expected, keys).merge(
        _keyed(engine[list(expected.columns)], keys), on=keys, how="outer",
        suffixes=("_ref", "_eng"), indicator=True)
    sides = {"left_only": "the reference", "right_only": "the engine"}
    out = [f"{what} {dict(zip(keys, row, strict=True))}: only in {sides[side]}"
           for *row, side in merged.loc[merged["_merge"] != "both", [*keys, "_merge"]]
           .itertuples(index=False)]
    both = merged[merged["_merge"] == "both"]
    for column in (c for c in expected.columns if c not in keys):
        for key_values, ref_value, eng_value in zip(
                both[keys].itertuples(index=False), both[f"{column}_ref"], both[f"{column}_eng"],
                strict=True):
            if not _same(eng_value, ref_value):
                out.append(f"{what} {dict(zip(keys, key_values, strict=True))}.{column}: "
                           f"engine {eng_value!r} != reference {ref_value!r}")
    return out


def _assert_no_diff(problems: list[str]) -> None:
    assert not problems, f"{len(problems)} mismatches:\n" + "\n".join(problems[:25])


def _engine_report(con: duckdb.DuckDBPyConnection, window: Window) -> dict[str, Any]:
    start, end, programs = window
    return metrics.report(con, metrics.Window(start, end, programs))


def _engine_table(con: duckdb.DuckDBPyConnection, metric_id: str, **params: Any) -> pd.DataFrame:
    if "programs" in params:
        params["programs"] = list(params["programs"])
    return metrics.run(con, metric_id, **params)


# ---------------------------------------------------------------- tests

WINDOW_KINDS = ["last12", "all", "90d", "programs"]


def _windows_of_kind(dataset: Store, kind: str) -> dict[str, Window]:
    """One named window, or those with a program filter: "programs" is one per
    program plus two programs together, "some programs" (for the slower
    tables) the first program and the two programs."""
    windows = dataset.windows()
    if kind == "programs":
        return {k: w for k, w in windows.items() if w[2]}
    if kind == "some programs":
        first = f"program {dataset.tables.programs[0]}"
        return {k: windows[k] for k in (first, "two programs")}
    return {kind: windows[kind]}


@pytest.mark.parametrize("kind", WINDOW_KINDS)
def test_report_matches_reference(dataset: Store, kind: str) -> None:
    problems = []
    for label, window in _windows_of_kind(dataset, kind).items():
        expected = ref.reference_report(dataset.tables, *window)
        engine = _engine_report(dataset.con, window)
        problems += _diff({k: engine.get(k) for k in expected if k != "window"},
                          {k: v for k, v in expected.items() if k != "window"},
                          f"{dataset.name}/{label}")
    _assert_no_diff(problems)


@pytest.mark.parametrize("offset_days", [0, 200])
def test_depth_per_person_matches_reference(dataset: Store, offset_days: int) -> None:
    asof = dataset.windows()["last12"][1] - dt.timedelta(days=offset_days)
    expected = ref.reference_depth(dataset.tables, asof)
    assert len(expected) > 10, "the dataset should give many people a depth score"
    engine = _engine_table(dataset.con, "depth", asof=asof, **depth_config(dataset.con).params())
    _assert_no_diff(_frame_diff(engine, expected, ["person_id"], f"{dataset.name} depth@{asof}"))


@pytest.mark.parametrize("kind", ["last12", "all", "some programs"])
def test_cohort_retention_matches_reference(dataset: Store, kind: str) -> None:
    problems = []
    for label, (start, end, programs) in _windows_of_kind(dataset, kind).items():
        expected = ref.reference_cohort_retention(dataset.tables, start, end, programs)
        engine = _engine_table(dataset.con, "cohort_retention", start=start, end=end,
                               programs=programs)
        problems += _frame_diff(engine, expected, ["cohort", "k"], f"{dataset.name}/{label}")
    _assert_no_diff(problems)


@pytest.mark.parametrize("kind", ["last12", "90d", "some programs"])
def test_ladder_funnel_matches_reference(dataset: Store, kind: str) -> None:
    problems = []
    for label, (_, end, programs) in _windows_of_kind(dataset, kind).items():
        expected = ref.reference_funnel(dataset.tables, end, programs)
        engine = _engine_table(dataset.con, "ladder_funnel", end=end, programs=programs)
        problems += _frame_diff(engine, expected, ["rung"], f"{dataset.name}/{label}")
    _assert_no_diff(problems)


@pytest.mark.parametrize("kind", ["last12", "90d", "some programs"])
def test_battery_matches_reference(dataset: Store, kind: str) -> None:
    problems = []
    for label, (start, end, programs) in _windows_of_kind(dataset, kind).items():
        expected = ref.reference_battery(dataset.tables, start, end, programs)
        engine = _engine_table(dataset.con, "battery", start=start, end=end, programs=programs)
        problems += _frame_diff(engine, expected, ["month"], f"{dataset.name}/{label}")
    _assert_no_diff(problems)


@pytest.mark.parametrize("kind", ["last12", "all", "90d"])
def test_spectrum_by_program_matches_reference(dataset: Store, kind: str) -> None:
    (label, (start, end, _)), = _windows_of_kind(dataset, kind).items()
    expected = ref.reference_spectrum_by_program(dataset.tables, start, end)
    engine = _engine_table(dataset.con, "spectrum_by_program", start=start, end=end, programs=[])
    _assert_no_diff(_frame_diff(engine, expected, ["program"], f"{dataset.name}/{label}"))


@pytest.mark.parametrize("kind", ["last12", "some programs"])
def test_rung_flows_match_reference_and_add_up(dataset: Store, kind: str) -> None:
    """Everyone who took part in A (the 12 months before B) or in B is on each side once:
    the rungs of A add up to the people in A, the rungs of B to the people in B, and both
    sides (with New, Back after a break and Lapsed) to the people in either period."""
    problems = []
    for label, (start, end, programs) in _windows_of_kind(dataset, kind).items():
        a_start = (pd.Timestamp(start) - pd.DateOffset(years=1)).date()
        expected = ref.reference_rung_flows(dataset.tables, a_start, start, start, end, programs)
        engine = _engine_table(dataset.con, "rung_flows", a_start=a_start, a_end=start,
                               start=start, end=end, programs=programs)
        problems += _frame_diff(engine, expected, ["source", "target"],
                                f"{dataset.name}/{label}")
        parts = dataset.tables.parts
        scope = parts[parts["program"].isin(programs)] if programs else parts
        people = {name: set(scope.loc[(scope["event_date"] >= pd.Timestamp(lo))
                                      & (scope["event_date"] < pd.Timestamp(hi)), "person_id"])
                  for name, lo, hi in (("A", a_start, start), ("B", start, end))}
        sources = engine.groupby("source")["people"].sum()
        targets = engine.groupby("target")["people"].sum()
        assert sources.filter(like="(A)").sum() == len(people["A"]), label
        assert targets.filter(like="(B)").sum() == len(people["B"]), label
        assert sources.sum() == targets.sum() == len(people["A"] | people["B"]), label
        if dataset.name == "demo" and kind == "last12":
            assert sources.get("Back", 0) == 15          # the people once missing from it
    _assert_no_diff(problems)


def test_demo_rungs_and_weights_follow_the_ladder_and_modes(demo_store: Store) -> None:
    """The demo's stored rungs and weights agree with the ladder rule recomputed here."""
    t = demo_store.tables
    rungs = ref.recompute_rungs(t.participation, t.event, t.ladder)
    wrong = t.participation.loc[rungs != t.participation["rung"],
                                ["person_id", "event_id", "role", "rung"]]
    assert wrong.empty, f"participation.rung differs from the ladder rule:\n{wrong.head(10)}"
    type_rungs = ref.event_type_rungs(t.event, t.ladder)
    assert (type_rungs == t.event["type_rung"]).all()
    assert (t.event["mode"].map(ref.TASK_WEIGHT) == t.event["task_weight"]).all()
    assert (t.event["mode"].map(ref.TOUCH_WEIGHT) == t.event["touch_weight"]).all()
    dates = pd.to_datetime(t.event["starts_at"]).dt.normalize()
    assert (dates == pd.to_datetime(t.event["event_date"])).all()


def test_datasets_exercise_every_branch(dataset: Store) -> None:
    """Guards the comparisons above against vacuous data: every status, several
    programs and modes, escalations, lapsed people and ties all occur."""
    t = dataset.tables
    assert set(t.participation["status"]) == {"registered", "attended", "no_show", "cancelled"}
    assert len(t.programs) >= 3
    assert set(t.event["mode"]) == {"task", "relationship", "mixed"}
    window = dataset.windows()["last12"]
    report = ref.reference_report(t, *window)
    assert report["ladder"]["escalated"] > 0
    assert report["participation"]["lapsed"] > 0
    assert report["participation"]["return_rate_90d"] is not None
    depth = ref.reference_depth(t, window[1])
    assert (depth["ties"] > 0).any() and set(depth["tier"]) == set(ref.TIERS)


# ---------------------------------------------------------------- the reference itself

def _tiny_tables() -> ref.Tables:
    """Five people, seven events; every number below is worked out by hand."""
    event = pd.DataFrame([
        # event_id, date, program, event_type, mode
        (1, "2023-06-01", "Tenants", "Canvass", "task"),
        (2, "2024-02-01", "Tenants", "Social", "relationship"),
        (3, "2024-03-01", "Climate", "Training", "mixed"),
        (4, "2024-03-15", "Tenants", "Canvass", "task"),
        (5, "2024-08-01", "Climate", "Social", "relationship"),   # the data's last date
        (6, "2023-03-01", "Climate", "Cleanup", "task"),
        (7, "2023-04-01", "Climate", "Social", "relationship"),
    ], columns=["event_id", "event_date", "program", "event_type", "mode"])
    event["event_date"] = pd.to_datetime(event["event_date"])
    participation = pd.DataFrame([
        # person_id, event_id, status, rung, hours   (1 A, 2 B, 3 C, 4 D, 5 E)
        (1, 1, "attended", 3, 2.0), (1, 2, "attended", 2, 1.0),
        (1, 3, "attended", 5, None), (1, 4, "attended", 3, 3.0),
        (2, 2, "attended", 2, 2.0), (2, 3, "no_show", 2, None),
        (2, 4, "attended", 4, None), (2, 5, "attended", 2, 1.0),
        (3, 4, "registered", 3, None),
        (4, 2, "cancelled", 2, None), (4, 3, "attended", 2, 1.5),
        (5, 6, "attended", 3, 1.0), (5, 7, "attended", 2, 1.0), (5, 1, "attended", 3, 1.0),
    ], columns=["person_id", "event_id", "status", "rung", "hours"]).assign(role="x")
    empty = pd.DataFrame()
    return ref.Tables(person=empty, event=event, participation=participation, ask=empty,
                      ladder=empty, classification=empty, depth=default_depth())


def test_reference_on_hand_computed_data() -> None:
    t = _tiny_tables()
    got = ref.reference_report(t, dt.date(2024, 1, 1), dt.date(2024, 7, 1))
    expected = {
        "participation": {
            "active": 3,              # A (events 2,3,4), B (2,4), D (3)
            "new": 2,                 # B and D; A first attended in 2023
            "attended": 6,
            "hours": 7.5,             # A 1+0+3, B 2+0, D 1.5
            "repeat_rate": 2 / 3,     # A and B
            "return_rate_90d": 1 / 2,  # cohort B, D (first <= 2024-08-01 - 90); B came back 03-15
            "no_show_rate": 1 / 7,    # B's no-show at event 3
            "lapsed": 1,              # E: 3 attended, last 2023-06-01 <= 2024-07-01 - 180
        },
        "ladder": {
            "reached": {"1": 5, "2": 4, "3": 3, "4": 2, "5": 1},  # A5 B4 C1 D2 E3
            "escalated": 1,           # only A attended before: rung 3, then 5 in the window
            "escalation_rate": 1.0,
        },
        "spectrum": {"task_share": 0.5},  # (0 + .5 + 1 + 0 + 1 + .5) / 6
    }
    _assert_no_diff(_diff(got, expected, "tiny"))

    # A at 2024-07-01: first attended 396 days before, 3 attended in the last 365 days
    # (Social, Training, Canvass), last 108 days before, one tie (B shares events 2 and 4),
    # touches 1 + 0.5 + 0.
    a = ref.reference_depth(t, dt.date(2024, 7, 1)).set_index("person_id").loc[1]
    score = 100 * (0.15 * 396 / 730 + 0.25 * 3 / 12 + 0.15 * (1 - 108 / 365) + 0.10 * 3 / 4
                   + 0.20 * 1 / 10 + 0.15 * 1.5 / 4)
    assert a["score"] == pytest.approx(score, abs=TOLERANCE) and a["tier"] == "Connected"

    climate = ref.reference_report(t, dt.date(2024, 1, 1), dt.date(2024, 7, 1), ("Climate",))
    _assert_no_diff(_diff(climate, {
        "participation": {"active": 2, "new": 1, "attended": 2, "no_show_rate": 1 / 3},
        # population: Climate participants before the end (A, B, D, E); rungs from all programs
        "ladder": {"reached": {"1": 4, "2": 4, "3": 3, "4": 2, "5": 1}, "escalated": 1},
    }, "tiny/Climate"))

    funnel = ref.reference_funnel(t, dt.date(2024, 7, 1)).set_index("rung")
    assert funnel["conversion"].tolist()[:4] == [4 / 5, 3 / 4, 2 / 3, 1 / 2]
    # days from the first participation to the first attended at rung >= r:
    # r2 A0 B0 D29 E0; r3 A0 B43 E0; r4 A274 B43; r5 A274
    assert funnel["median_days"].tolist() == [0.0, 0.0, 0.0, (274 + 43) / 2, 274.0]
