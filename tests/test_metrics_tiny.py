"""Every metric on tiny organizations whose numbers are worked out by hand.

The arithmetic sits next to each expected value. Dates: the window is
[start, end) on event dates; "attended" means status attended.
"""
from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from metric_fixtures import Org, day, open_store, tenure_only_depth

from engage_metrics import db, metrics, registry, settings_store
from engage_metrics.config import TIERS, check_lapse_days, depth_config, get_setting, lapse_days
from engage_metrics.metrics import Window, quadrant

D = day("2024-01-01")


def approx(x: float) -> Any:
    return pytest.approx(x, abs=1e-9)


def val(con, metric_id: str, **params: Any) -> Any:
    return metrics.scalar(con, metric_id, **params)


def window(start: str, end: str, *programs: str) -> dict[str, Any]:
    return Window(day(start), day(end), tuple(programs)).params()


def records(df: pd.DataFrame) -> list[tuple]:
    """Rows as tuples, NaN/NaT as None and timestamps as dates, for literal comparison."""
    out = []
    for row in df.itertuples(index=False):
        out.append(tuple(
            None if v is None or v is pd.NA or v is pd.NaT
            or (isinstance(v, float) and math.isnan(v)) else
            v.date() if isinstance(v, pd.Timestamp) else
            v.item() if hasattr(v, "item") else v
            for v in row))
    return out


# ---------------------------------------------------------------- participation room

def counts_org() -> Org:
    o = Org()
    e1 = o.event("2023-06-01", "Food", "task")          # before the window
    e2 = o.event("2024-01-10", "Food", "task")
    e3 = o.event("2024-02-10", "Tenants", "relationship")
    e4 = o.event("2024-03-10", "Food", "mixed")
    e5 = o.event("2024-04-01", "Food", "task")          # = end: outside the window
    o.part(1, e1, hours=2.0)
    o.part(1, e2, hours=3.0)
    o.part(1, e4, hours=None)
    o.part(2, e3, hours=1.5)
    o.part(2, e4, status="registered")
    o.part(3, e2, hours=None)
    o.part(3, e4, hours=2.0)
    o.part(4, e2, status="no_show")
    o.part(4, e3, status="cancelled")
    o.part(4, e5)
    o.part(5, e4, hours=1.0)
    return o


def test_window_counts_and_program_filter(tmp_path: Path) -> None:
    con = open_store(tmp_path / "x.duckdb", counts_org())
    w = window("2024-01-01", "2024-04-01")
    # attended in window: 1@e2, 1@e4, 2@e3, 3@e2, 3@e4, 5@e4 = 6; people 1, 2, 3, 5
    assert val(con, "attended_participations", **w) == 6
    assert val(con, "active_people", **w) == 4
    assert val(con, "new_people", **w) == 3                   # 2, 3, 5 (1 first came 2023-06-01)
    assert val(con, "total_hours", **w) == approx(7.5)        # 3 + 0 + 1.5 + 0 + 2 + 1
    assert val(con, "repeat_rate", **w) == approx(0.5)        # 1 and 3 came twice: 2 / 4
    assert val(con, "no_show_rate", **w) == approx(1 / 7)     # 1 no-show / (6 + 1)
    assert val(con, "task_share", **w) == approx(3.5 / 6)     # (1 + 1 + 0 + 3 * 0.5) / 6

    food = window("2024-01-01", "2024-04-01", "Food")
    # in scope: 1@e2, 1@e4, 3@e2, 3@e4, 5@e4 = 5; people 1, 3, 5
    assert val(con, "attended_participations", **food) == 5
    assert val(con, "active_people", **food) == 3
    assert val(con, "new_people", **food) == 2                # 3 and 5
    assert val(con, "total_hours", **food) == approx(6.0)     # 3 + 0 + 0 + 2 + 1
    assert val(con, "repeat_rate", **food) == approx(2 / 3)   # 1 and 3 of 3
    assert val(con, "no_show_rate", **food) == approx(1 / 6)  # 4@e2 / (5 + 1)
    assert val(con, "task_share", **food) == approx(0.7)      # (1 + 1 + 3 * 0.5) / 5

    tenants = window("2024-01-01", "2024-04-01", "Tenants")
    assert val(con, "active_people", **tenants) == 1          # 2
    assert val(con, "new_people", **tenants) == 1
    assert val(con, "repeat_rate", **tenants) == 0.0          # 0 / 1
    assert val(con, "no_show_rate", **tenants) == 0.0         # cancelled is not counted: 0 / 1
    assert val(con, "task_share", **tenants) == 0.0           # relationship: 0 / 1
    both = window("2024-01-01", "2024-04-01", "Food", "Tenants")
    assert val(con, "active_people", **both) == 4             # the same as no filter


def test_null_denominators_and_zero_counts(tmp_path: Path) -> None:
    con = open_store(tmp_path / "x.duckdb", counts_org())
    for w in (window("2020-01-01", "2020-06-01"), window("2024-01-01", "2024-04-01", "Nope")):
        assert val(con, "active_people", **w) == 0
        assert val(con, "new_people", **w) == 0
        assert val(con, "total_hours", **w) == 0.0
        for ratio in ("repeat_rate", "no_show_rate", "return_rate_90d", "escalation_rate",
                      "task_share", "relationship_strength"):
            assert val(con, ratio, **w) is None, ratio
        assert val(con, "mean_depth", **w) is None
    empty = db.connect(tmp_path / "empty.duckdb")
    r = metrics.report(empty, Window(day("2024-01-01"), day("2025-01-01")))
    assert r["participation"]["active"] == 0 and r["spectrum"]["quadrant"] is None
    assert r["ladder"]["reached"] == {"1": 0, "2": 0, "3": 0, "4": 0, "5": 0}
    assert r["depth"]["tiers"] == dict.fromkeys(TIERS, 0)


def test_return_rate_90d(tmp_path: Path) -> None:
    o = Org()
    last = o.event("2024-06-30", "Food")   # the data's last date; 90 days before: 2024-04-01
    jan10, feb1 = o.event("2024-01-10", "Food"), o.event("2024-02-01", "Food")
    apr9 = o.event("2024-04-09", "Tenants")                   # 90 days after Jan 10
    may2 = o.event("2024-05-02", "Food")                      # 91 days after Feb 1
    apr1a, apr1b = o.event("2024-04-01", "Food"), o.event("2024-04-01", "Food")
    apr2, apr10 = o.event("2024-04-02", "Food"), o.event("2024-04-10", "Food")
    dec1, jan15 = o.event("2023-12-01", "Food"), o.event("2024-01-15", "Food")
    mar1, mar15 = o.event("2024-03-01", "Tenants"), o.event("2024-03-15", "Tenants")
    o.part(1, jan10)                         # returned, in another program, on day 90
    o.part(1, apr9)
    o.part(2, feb1)                          # day 91: not returned
    o.part(2, may2)
    o.part(3, apr1a)                         # first on the cut day; same-day is not "again"
    o.part(3, apr1b)
    o.part(4, apr2)                          # first after the cut: not observable yet
    o.part(4, apr10)
    o.part(5, dec1)                          # not new
    o.part(5, jan15)
    o.part(6, mar1)                          # Tenants only, returned
    o.part(6, mar15)
    o.part(7, last, status="registered")
    con = open_store(tmp_path / "x.duckdb", o)
    # cohort 1, 2, 3, 6; returned 1, 6 -> 2 / 4
    assert val(con, "return_rate_90d", **window("2024-01-01", "2024-07-01")) == approx(0.5)
    # Food: cohort = new and active in Food: 1, 2, 3; returned 1 (any program) -> 1 / 3
    assert val(con, "return_rate_90d",
               **window("2024-01-01", "2024-07-01", "Food")) == approx(1 / 3)
    # only person 4 is new from 2024-04-02 on, and is past the cut: empty cohort
    assert val(con, "new_people", **window("2024-04-02", "2024-07-01")) == 1
    assert val(con, "return_rate_90d", **window("2024-04-02", "2024-07-01")) is None


def test_lapsed_count(tmp_path: Path) -> None:
    o = Org()
    old = [o.event(d, "Food") for d in ("2023-10-01", "2023-11-01", "2023-12-01")]
    tenants_old = o.event("2023-12-01", "Tenants")
    jan3, jan4 = o.event("2024-01-03", "Food"), o.event("2024-01-04", "Food")  # end-180, end-179
    jun1, aug1 = o.event("2024-06-01", "Food"), o.event("2024-08-01", "Food")
    o.part(1, old[0])                                                # lapsed: last = end - 180
    o.part(1, old[1])
    o.part(1, jan3)
    o.part(2, old[0])                                                # 179 days: not lapsed
    o.part(2, old[1])
    o.part(2, jan4)
    o.part(3, old[0])                                               # only 2
    o.part(3, old[1])
    o.part(4, old[0])                                               # 3 only across programs
    o.part(4, old[1])
    o.part(4, tenants_old)
    o.part(5, old[0])                                                         # came back
    o.part(5, old[1])
    o.part(5, old[2])
    o.part(5, jun1)
    o.part(6, old[0])                                                         # after end
    o.part(6, old[1])
    o.part(6, old[2])
    o.part(6, aug1)
    o.part(7, old[0])
    o.part(7, old[1])
    o.part(7, old[2], status="no_show")
    con = open_store(tmp_path / "x.duckdb", o)
    assert val(con, "lapsed_count", **window("2024-01-01", "2024-07-01")) == 3       # 1, 4, 6
    assert val(con, "lapsed_count", **window("2024-01-01", "2024-07-01", "Food")) == 2  # 1, 6
    # a window shorter than 180 days: the same end, the same people; 2's 01-04 and 5's 06-01
    # attendances are before the window's start but less than 180 days before its end
    assert val(con, "lapsed_count", **window("2024-06-15", "2024-07-01")) == 3
    assert val(con, "lapsed_count", **window("2024-06-15", "2024-07-01", "Food")) == 2


def test_the_lapse_threshold_is_a_setting(tmp_path: Path) -> None:
    o = Org()
    for d in ("2023-10-01", "2023-11-01", "2024-01-03"):
        o.part(1, o.event(d, "Food"))
    o.part(2, o.event("2024-06-30", "Food"))      # the last day: the default window ends 07-01
    con = open_store(tmp_path / "x.duckdb", o)
    w = Window.default(con)
    assert w.end == D.replace(month=7)
    # person 1: 3 attendances, the last on 2024-01-03, 180 days before 2024-07-01
    # (28 more days of January + 29 + 31 + 30 + 31 + 30 + 1): lapsed at 180, not at 200
    at_180 = {"report": 1, "list": [1], "series": 1}
    at_200 = {"report": 0, "list": [], "series": 0}

    def lapsed() -> dict[str, Any]:
        return {"report": metrics.report(con, w)["participation"]["lapsed"],
                "list": list(metrics.run(con, "people_lapsed", **w.params())["person_id"]),
                "series": int(metrics.run(con, "series_lapsed", **w.params())["lapsed"].iloc[-1])}

    assert lapsed() == at_180
    settings_store.save_settings(con, {"lapse_days": 200})
    assert lapsed() == at_200
    settings_store.save_settings(con, {"lapse_days": 180})
    assert lapsed() == at_180
    # a threshold given with the parameters overrides the stored one
    assert metrics.scalar(con, "lapsed_count", **w.params(), lapse_days=200) == 0
    assert metrics.run(con, "people_lapsed", **w.params(), lapse_days=200).empty


@pytest.mark.parametrize("bad", [0, -30, 90.5, "180", None, True])
def test_the_lapse_threshold_is_a_positive_whole_number_of_days(tmp_path: Path, bad: Any) -> None:
    o = Org()
    o.part(1, o.event("2024-01-03"))
    con = open_store(tmp_path / "x.duckdb", o)
    with pytest.raises(ValueError, match="positive whole number of days"):
        settings_store.save_settings(con, {"lapse_days": bad, "org_name": "Not saved"})
    assert lapse_days(con) == 180 and get_setting(con, "org_name") == "Engage"
    assert check_lapse_days(1) == 1 and check_lapse_days(365) == 365


def test_cohort_retention(tmp_path: Path) -> None:
    o = Org()
    jan5, jan20 = o.event("2024-01-05", "Food"), o.event("2024-01-20", "Tenants")
    feb5, feb10 = o.event("2024-02-05", "Food"), o.event("2024-02-10", "Food")
    mar10, dec20 = o.event("2024-03-10", "Food"), o.event("2023-12-20", "Food")
    last = o.event("2024-04-15", "Food")        # last month observed: April 2024
    o.part(1, jan5)                             # Jan cohort, back in March
    o.part(1, mar10)
    o.part(2, jan20)                            # Jan cohort (Tenants), back in Feb (Food)
    o.part(2, feb5)
    o.part(3, feb10)                            # Feb cohort
    o.part(4, dec20)                            # Dec cohort: before the window
    o.part(4, jan5)
    o.part(5, last, status="registered")        # never attended: no cohort
    con = open_store(tmp_path / "x.duckdb", o)
    df = metrics.run(con, "cohort_retention", **window("2024-01-01", "2024-03-01"))
    jan, feb = day("2024-01-01"), day("2024-02-01")
    # Jan cohort {1, 2}: Jan 2/2, Feb 1/2 (2), Mar 1/2 (1), Apr 0/2, May.. not observed
    assert records(df[df.cohort == pd.Timestamp(jan)]) == (
        [(jan, 0, 2, 2, 1.0), (jan, 1, 2, 1, 0.5), (jan, 2, 2, 1, 0.5), (jan, 3, 2, 0, 0.0)]
        + [(jan, k, 2, None, None) for k in range(4, 12)])
    # Feb cohort {3}: Feb 1/1, Mar 0, Apr 0, May.. not observed
    assert records(df[df.cohort == pd.Timestamp(feb)]) == (
        [(feb, 0, 1, 1, 1.0), (feb, 1, 1, 0, 0.0), (feb, 2, 1, 0, 0.0)]
        + [(feb, k, 1, None, None) for k in range(3, 12)])
    assert len(df) == 24
    food = metrics.run(con, "cohort_retention", **window("2024-01-01", "2024-03-01", "Food"))
    # members {1, 2}: Jan only 1 attended Food (2 came to Tenants) 1/2; Feb 2 -> 1/2; Mar 1 -> 1/2
    assert records(food)[:4] == [(jan, 0, 2, 1, 0.5), (jan, 1, 2, 1, 0.5), (jan, 2, 2, 1, 0.5),
                                 (jan, 3, 2, 0, 0.0)]
    tenants = metrics.run(con, "cohort_retention",
                          **window("2024-01-01", "2024-03-01", "Tenants"))
    # members: only 2 ever attended Tenants; person 3 (Feb) never did: no Feb cohort row
    assert records(tenants)[:2] == [(jan, 0, 1, 1, 1.0), (jan, 1, 1, 0, 0.0)]
    assert len(tenants) == 12


# ---------------------------------------------------------------- ladder

def ladder_org() -> Org:
    o = Org()
    e1, e2 = o.event("2023-05-01", "Food"), o.event("2023-06-01", "Food")
    e3, e4 = o.event("2024-02-01", "Food"), o.event("2024-03-01", "Food")
    e5 = o.event("2024-04-01", "Tenants")
    o.part(1, e1, rung=2)                                              # a: 2 -> 3
    o.part(1, e4, rung=3)
    o.part(2, e2, rung=3)                                              # b: 3 -> 3
    o.part(2, e4, rung=3)
    o.part(3, e1, rung=5)                                              # c: already at 5
    o.part(3, e4, rung=5)
    o.part(4, e3, rung=4)                                              # d: new in the window
    o.part(5, e2, status="registered", rung=3)                         # e: never attended before
    o.part(5, e4, rung=3)
    o.part(6, e1, rung=2)                                                # f: 2 -> 4 (Tenants)
    o.part(6, e4, rung=2)
    o.part(6, e5, rung=4)
    o.part(7, e1, rung=2)                                              # g: gone
    return o


def test_escalation(tmp_path: Path) -> None:
    con = open_store(tmp_path / "x.duckdb", ladder_org())
    w = window("2024-01-01", "2024-07-01")
    # population: active, attended before, rung < 5 then: a, b, f (not c: 5; d new; e never
    # attended before); escalated: a (3 > 2), f (4 > 2) -> 2 / 3
    assert val(con, "escalated_people", **w) == 2
    assert val(con, "escalation_rate", **w) == approx(2 / 3)
    food = window("2024-01-01", "2024-07-01", "Food")
    # same population; f's best Food rung in the window is 2: only a -> 1 / 3
    assert val(con, "escalated_people", **food) == 1
    assert val(con, "escalation_rate", **food) == approx(1 / 3)
    # Tenants: only f is active there, and escalated: 1 / 1
    assert val(con, "escalation_rate", **window("2024-01-01", "2024-07-01", "Tenants")) == 1.0


def test_ladder_funnel(tmp_path: Path) -> None:
    con = open_store(tmp_path / "x.duckdb", ladder_org())
    df = metrics.run(con, "ladder_funnel", **window("2024-01-01", "2024-07-01"))
    # rungs at end: a 3, b 3, c 5, d 4, e 3, f 4, g 2 -> reached 7, 7, 6, 3, 1
    # median days to rung 2: a b c d f g 0, e 274 (2023-06-01 -> 2024-03-01) -> 0
    # to rung 3: a 305, b 0, c 0, d 0, e 274, f 336 -> (0 + 274) / 2 = 137
    # to rung 4: c 0, d 0, f 336 -> 0; to rung 5: c 0
    assert records(df) == [
        (1, "Following", 7, 1.0, 0.0),
        (2, "Endorsing", 7, 6 / 7, 0.0),
        (3, "Contributing", 6, 0.5, 137.0),
        (4, "Owning", 3, 1 / 3, 0.0),
        (5, "Leading", 1, None, 0.0),
    ]
    tenants = metrics.run(con, "ladder_funnel", **window("2024-01-01", "2024-07-01", "Tenants"))
    # population: f only (rung 4, all programs); rung 5 reached by nobody
    assert records(tenants) == [
        (1, "Following", 1, 1.0, 0.0), (2, "Endorsing", 1, 1.0, 0.0),
        (3, "Contributing", 1, 1.0, 336.0), (4, "Owning", 1, 0.0, 336.0),
        (5, "Leading", 0, None, None),
    ]


def test_rung_of_person_and_flows(tmp_path: Path) -> None:
    o = ladder_org()
    h_before = o.event("2022-03-01", "Food")       # event 6
    o.part(8, h_before, rung=3)                    # h: before A, not in A ...
    o.part(8, 3, rung=2)                           # ... and back in B (e3, 2024-02-01)
    con = open_store(tmp_path / "x.duckdb", o)
    # before 2024-01-01: a 2, b 3, c 5, e registered only -> 1, f 2, g 2, h 3; d not on it
    assert records(metrics.run(con, "rung_of_person", asof=D)) == [
        (1, 2), (2, 3), (3, 5), (5, 1), (6, 2), (7, 2), (8, 3)]
    periods = {"a_start": day("2023-01-01"), "a_end": D}
    flows = metrics.run(con, "rung_flows", **periods, **window("2024-01-01", "2024-07-01"))
    assert records(flows) == [
        ("Back", "Rung 3 (B)", 1),           # h: 2022, not in 2023, back in 2024 at max(3, 2)
        ("New", "Rung 4 (B)", 1),            # d
        ("Rung 1 (A)", "Rung 3 (B)", 1),     # e
        ("Rung 2 (A)", "Lapsed", 1),         # g
        ("Rung 2 (A)", "Rung 3 (B)", 1),     # a
        ("Rung 2 (A)", "Rung 4 (B)", 1),     # f
        ("Rung 3 (A)", "Rung 3 (B)", 1),     # b
        ("Rung 5 (A)", "Rung 5 (B)", 1),     # c
    ]
    # both sides add up to everyone who took part in A or B: in A a b c e f g (6), in B
    # a b c d e f h (7), in either 8; sources 6 rungs of A + 1 new + 1 back = 8, targets
    # 7 rungs of B + 1 lapsed = 8
    sources = flows.groupby("source")["people"].sum()
    targets = flows.groupby("target")["people"].sum()
    assert sources.filter(like="(A)").sum() == 6 and targets.filter(like="(B)").sum() == 7
    assert sources.sum() == targets.sum() == 8
    # Tenants: nobody took part there in A; f's first participation (Food, 2023) is before
    # B, so f is back (from another program) at rung 4: 1 = 1
    tenants = metrics.run(con, "rung_flows", **periods,
                          **window("2024-01-01", "2024-07-01", "Tenants"))
    assert records(tenants) == [("Back", "Rung 4 (B)", 1)]


# ---------------------------------------------------------------- depth

def depth_org() -> Org:
    o = Org()
    first = o.event("2021-01-01", event_type="Canvass")
    r1 = o.event("2023-12-02", mode="task", event_type="Canvass")        # 30 days before D
    r2 = o.event("2023-10-01", mode="task", event_type=" canvass")       # same type
    r3 = o.event("2023-08-01", mode="relationship", event_type="Social")
    r4 = o.event("2023-06-01", mode="mixed", event_type="Meeting")
    r5 = o.event("2023-01-01", mode="relationship", event_type=None)     # D - 365: inside
    r6 = o.event("2022-12-31", mode="mixed", event_type="Rally")         # D - 366: outside
    for e in (first, r1, r2, r3, r4, r5, r6):
        o.part(1, e)                                                     # A
    o.part(2, r1)                                                        # B: 2 shared with A
    o.part(2, r2)
    o.part(3, r3)                                                        # C: 1 shared
    o.part(4, r6)                                                        # E: 1 shared in range
    o.part(4, r1)
    o.part(5, o.event("2022-11-27"))                                     # G: 400 days before D
    for i in range(13):                                                  # H: 13 in 13 days
        o.part(6, o.event(f"2023-12-{19 + i:02d}", mode="relationship", event_type=f"type {i}"))
    o.part(7, o.event("2023-12-31"), status="no_show")                   # never attended
    return o


def test_depth_parts_clipping_and_score(tmp_path: Path) -> None:
    con = open_store(tmp_path / "x.duckdb", depth_org())
    df = metrics.run(con, "depth", asof=D, **depth_config(con).params())
    assert list(df.columns) == ["person_id", "tenure", "frequency", "recency", "breadth",
                                "ties", "touches", "score", "tier"]
    assert df["person_id"].tolist() == [1, 2, 3, 4, 5, 6]     # 7 never attended
    a, b, g, h = (df[df.person_id == p].iloc[0] for p in (1, 2, 5, 6))
    # A: tenure 1095 / 730 clipped to 1; frequency 5 / 12 (r1..r5); recency 1 - 30/365;
    # breadth {canvass, social, meeting} 3 / 4 (NULL type not counted; r6 out of range);
    # ties {B} 1 / 10; touches 0 + 0 + 1 + 0.5 + 1 = 2.5 / 4
    parts = [1.0, 5 / 12, 1 - 30 / 365, 0.75, 0.1, 0.625]
    assert [a.tenure, a.frequency, a.recency, a.breadth, a.ties, a.touches] == [
        approx(x) for x in parts]
    weights = [0.15, 0.25, 0.15, 0.10, 0.20, 0.15]
    # 15 + 10.4167 + 13.7671 + 7.5 + 2 + 9.375 = 58.06 -> Connected
    assert a.score == approx(100 * sum(w * x for w, x in zip(weights, parts, strict=True)))
    assert a.tier == "Connected"
    assert b.ties == approx(0.1)                               # B shares r1 and r2 with A
    # G: tenure 400/730; recency 1 - 400/365 < 0 clipped to 0; the rest 0 -> 8.2, New
    assert (g.recency, g.frequency, g.ties, g.touches) == (0.0, 0.0, 0.0, 0.0)
    assert g.score == approx(100 * 0.15 * 400 / 730) and g.tier == "New"
    # H: frequency 13/12, breadth 13/4, touches 13/4 all clipped to 1; tenure 13/730;
    # recency 1 - 1/365 -> 0.267 + 25 + 14.959 + 10 + 0 + 15 = 65.2 -> Committed
    assert (h.frequency, h.breadth, h.touches, h.ties) == (1.0, 1.0, 1.0, 0.0)
    assert h.score == approx(100 * (0.15 * 13 / 730 + 0.25 + 0.15 * (1 - 1 / 365) + 0.10 + 0.15))
    assert h.tier == "Committed"
    # ties table: the unclipped count; A-B is the only pair with 2 shared occurrences
    assert records(metrics.run(con, "ties", asof=D)) == [(1, 1), (2, 1), (3, 0), (4, 0), (5, 0),
                                                         (6, 0)]


def test_depth_tiers_follow_settings(tmp_path: Path) -> None:
    o = Org()
    for person, days_before in enumerate((100, 150, 300, 450, 600), start=1):
        o.part(person, o.event((D - dt.timedelta(days=days_before)).isoformat()))
    con = open_store(tmp_path / "x.duckdb", o)
    tenure_only_depth(con)
    df = metrics.run(con, "depth", asof=D, **depth_config(con).params())
    # score = 100 * days / 730: 13.7 New, 20.5 Acquainted, 41.1 Connected, 61.6 Committed,
    # 82.2 Core
    assert df["score"].tolist() == [approx(100 * d / 730) for d in (100, 150, 300, 450, 600)]
    assert df["tier"].tolist() == list(TIERS)


def spectrum_org() -> Org:
    o = Org()
    o.part(1, o.event("2023-03-07", "P1", "task"))               # X: D - 300
    o.part(1, o.event("2023-12-22", "P1", "task"))               # X: D - 10, in the window
    o.part(2, o.event("2022-05-11", "P1", "task"))               # Y: D - 600
    o.part(2, o.event("2023-08-04", "P2", "relationship"))       # Y: D - 150, in the window
    o.part(3, o.event("2022-05-11", "P3", "task"))               # Z: not active in the window
    return o


def test_mean_depth_tiers_strength_and_spectrum(tmp_path: Path) -> None:
    con = open_store(tmp_path / "x.duckdb", spectrum_org())
    tenure_only_depth(con)                       # score = 100 * days since first / 730
    x, y = 100 * 300 / 730, 100 * 600 / 730      # 41.1 Connected, 82.2 Core (Y's depth uses P1)
    w = window("2023-06-15", "2024-01-01")
    assert val(con, "mean_depth", **w) == approx((x + y) / 2)
    assert val(con, "relationship_strength", **w) == approx((x + y) / 200)
    assert records(metrics.run(con, "depth_tiers", **w)) == [
        ("New", 0), ("Acquainted", 0), ("Connected", 1), ("Committed", 0), ("Core", 1)]
    p2 = window("2023-06-15", "2024-01-01", "P2")
    assert val(con, "mean_depth", **p2) == approx(y)
    assert records(metrics.run(con, "depth_tiers", **p2))[4] == ("Core", 1)

    df = metrics.run(con, "spectrum_by_program", **w)
    assert records(df) == [
        # task share (1 + 0) / 2 = 0.5 and strength 0.616: both high
        ("Organization", 2, 0.5, approx((x + y) / 200), "Engaged (balanced)"),
        ("P1", 1, 1.0, approx(x / 100), "All task (transactional)"),
        ("P2", 1, 0.0, approx(y / 100), "All relationship"),
        ("P3", 0, None, None, None),            # no attendance in the window
    ]
    for _, row in df.iterrows():                # SQL and Python quadrants agree
        ts = None if pd.isna(row.task_share) else row.task_share
        rs = None if pd.isna(row.relationship_strength) else row.relationship_strength
        assert quadrant(ts, rs) == (None if pd.isna(row.quadrant) else row.quadrant)


def test_battery(tmp_path: Path) -> None:
    con = open_store(tmp_path / "x.duckdb", spectrum_org())
    tenure_only_depth(con)
    # window 2023-06-15 .. 2023-12-25: months June..December
    df = metrics.run(con, "battery", **window("2023-06-15", "2023-12-25"))
    y_aug = 100 * (day("2023-09-01") - day("2022-05-11")).days / 730 / 100   # 478 days
    x_dec = 100 * (day("2023-12-25") - day("2023-03-07")).days / 730 / 100   # capped at end
    assert records(df) == [
        (day("2023-06-01"), 0.0, 0.0, None),
        (day("2023-07-01"), 0.0, 0.0, None),
        (day("2023-08-01"), 1.0, 0.0, approx(y_aug)),   # Y's relationship event: charge 1
        (day("2023-09-01"), 0.0, 0.0, None),
        (day("2023-10-01"), 0.0, 0.0, None),
        (day("2023-11-01"), 0.0, 0.0, None),
        (day("2023-12-01"), 0.0, 1.0, approx(x_dec)),   # X's task event: discharge 1
    ]
    # P2 only: December has no in-scope attendance
    p2 = metrics.run(con, "battery", **window("2023-06-15", "2023-12-25", "P2"))
    assert records(p2)[6] == (day("2023-12-01"), 0.0, 0.0, None)


def test_asks(tmp_path: Path) -> None:
    o = Org()
    o.part(1, o.event("2022-01-01"), rung=3)                     # K
    o.part(3, o.event("2023-01-01"), status="registered", rung=3)  # M: never attended
    o.part(4, o.event("2023-05-31"), rung=2)                     # N: attends on the ask day
    o.ask(1, "2023-06-01", 4, "yes")      # K: 516 days -> 70.7 Committed; stretch 4 - 3 = 1
    o.ask(1, "2023-08-01", 3, "no")       # K: 577 days -> 79.0 Committed; stretch 0
    o.ask(2, "2023-06-01", 2, "no_response")  # L: no participation: New, rung 1, stretch 1
    o.ask(3, "2023-07-01", 3, "yes")      # M: New, rung 1, stretch 2
    o.ask(4, "2023-05-31", 2, "yes")      # N: same-day attendance not before: New, stretch 1
    o.ask(1, "2024-02-01", 5, "yes")      # outside the window
    con = open_store(tmp_path / "x.duckdb", o)
    tenure_only_depth(con)
    w = {"start": day("2023-01-01"), "end": D}
    assert records(metrics.run(con, "ask_acceptance", **w)) == [
        (2, "New", 2, 1, 0.5),            # L no_response, N yes
        (3, "New", 1, 1, 1.0),            # M
        (3, "Committed", 1, 0, 0.0),      # K in August
        (4, "Committed", 1, 1, 1.0),      # K in June
    ]
    assert records(metrics.run(con, "ask_stretch", **w)) == [
        (0, 1, 0, 0.0), (1, 3, 2, approx(2 / 3)), (2, 1, 1, 1.0)]


# ---------------------------------------------------------------- Python API

def test_window(tmp_path: Path) -> None:
    w = Window(day("2024-01-01"), day("2024-04-01"), ("Food",))
    assert w.params() == {"start": day("2024-01-01"), "end": day("2024-04-01"),
                          "programs": ["Food"]}
    assert w.previous() == Window(day("2023-10-02"), day("2024-01-01"), ("Food",))  # 91 days
    o = Org()
    o.event("2024-02-28")
    con = open_store(tmp_path / "x.duckdb", o)
    assert Window.default(con) == Window(day("2023-02-28"), day("2024-02-29"))  # no 2023-02-29
    con.execute("INSERT INTO event SELECT 99, source, 'x', title, event_type, program, starts_at,"
                " ends_at, DATE '2024-06-30', mode, task_weight, touch_weight, type_rung,"
                " classified FROM event")
    assert Window.default(con) == Window(day("2023-07-01"), day("2024-07-01"))
    empty = db.connect(tmp_path / "empty.duckdb")
    assert Window.default(empty).end == dt.date.today() + dt.timedelta(days=1)


def test_quadrant() -> None:
    assert quadrant(0.5, 0.49) == "All task (transactional)"
    assert quadrant(0.49, 0.5) == "All relationship"
    assert quadrant(0.5, 0.5) == "Engaged (balanced)"
    assert quadrant(0.2, 0.1) == "Dormant"
    assert quadrant(None, 0.7) is None and quadrant(0.7, None) is None


def test_report_shape_and_text(tmp_path: Path) -> None:
    con = open_store(tmp_path / "x.duckdb", ladder_org())
    r = metrics.report(con, Window(day("2024-01-01"), day("2024-07-01"), ("Food",)))
    assert r["window"] == {"start": "2024-01-01", "end": "2024-07-01", "program": ["Food"]}
    assert set(r["participation"]) == {"active", "new", "attended", "hours", "repeat_rate",
                                       "return_rate_90d", "no_show_rate", "lapsed"}
    assert r["ladder"]["reached"] == {"1": 7, "2": 7, "3": 6, "4": 3, "5": 1}
    assert r["ladder"]["escalated"] == 1 and r["ladder"]["escalation_rate"] == approx(1 / 3)
    assert set(r["depth"]["tiers"]) == set(TIERS)
    assert set(r["spectrum"]) == {"task_share", "relationship_strength", "quadrant"}
    # Food participations in the window: a, b, c, e at e4 and d at e3, f at e4 -> 6 by 5+1
    assert r["participation"]["active"] == 6 and type(r["participation"]["active"]) is int
    assert r["depth"]["mean"] == approx(
        metrics.scalar(con, "mean_depth", **window("2024-01-01", "2024-07-01", "Food")))
    text = metrics.report_text(r)
    assert "2024-01-01 through 2024-06-30 (Food; --start 2024-01-01 --end 2024-07-01)" in text
    for metric_id in ("active_people", "escalation_rate", "mean_depth", "task_share"):
        assert registry.get(metric_id).label in text
    assert registry.get("escalation_rate").format(1 / 3) in text      # "33.3 %"


def test_registry_contract() -> None:
    """Every metric is documented, and depth readers name pairs depth_ready knows how to make."""
    ids = set(registry.metrics())
    assert {"active_people", "depth", "battery", "ask_stretch", "rung_flows"} <= ids
    for metric_id, metric in registry.metrics().items():
        assert len(metric.definition) > 40 and metric.formula, metric_id
        kind = metrics.depth_kind(metric_id)
        reads_depth = "depth_at" in metric.sql or "window_depth" in metric.sql
        assert reads_depth == (kind is not None), metric_id
        # window_depth holds the window's active people scored at its end
        assert "window_depth" not in metric.sql or kind == "window_end", metric_id
        assert kind is None or kind in metrics.DEPTH_TARGETS
    assert "depth_tiered AS" in metrics.depth_formula()


# ---------------------------------------------------------------- properties

DATES = [day("2023-01-15") + dt.timedelta(days=37 * i) for i in range(20)]
people = st.integers(1, 6)
events = st.tuples(st.sampled_from(DATES), st.sampled_from(["A", "B"]),
                   st.sampled_from(["task", "relationship", "mixed"]))
participations = st.dictionaries(
    st.tuples(people, st.integers(1, 8)),
    st.tuples(st.sampled_from(["attended", "attended", "registered", "no_show", "cancelled"]),
              st.integers(1, 5), st.one_of(st.none(), st.floats(0, 8))),
    min_size=1, max_size=30)


def _ratios(r: dict[str, Any]) -> list[Any]:
    return [r["participation"][k] for k in ("repeat_rate", "return_rate_90d", "no_show_rate")] + [
        r["ladder"]["escalation_rate"], r["spectrum"]["task_share"],
        r["spectrum"]["relationship_strength"]]


@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(evs=st.lists(events, min_size=8, max_size=8), parts=participations, data=st.data())
def test_report_ignores_insertion_order(evs, parts, data) -> None:
    o = Org()
    for date, program, mode in evs:
        o.event(date.isoformat(), program, mode)
    for (person, event), (status, rung, hours) in parts.items():
        o.part(person, event, status=status, rung=rung, hours=hours)
    o.ask(1, "2023-09-01", 3, "yes")
    order = data.draw(st.permutations(range(len(o.rows))))
    w = Window(day("2023-06-01"), day("2024-06-01"), tuple(data.draw(
        st.sampled_from([(), ("A",), ("B",)]))))
    con = db.connect(":memory:")
    reports = []
    for rows in (None, order):
        for table in ("ask", "participation", "event", "person"):
            con.execute(f"DELETE FROM {table}")
        reports.append(metrics.report(o.store(con, rows), w))
    con.close()
    assert reports[0] == reports[1]
    for ratio in _ratios(reports[0]):
        assert ratio is None or 0.0 <= ratio <= 1.0
