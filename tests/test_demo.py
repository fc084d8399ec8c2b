"""The demo organization: deterministic, the right size, and telling the stories the
dashboard is meant to show (checked on the generated files, then on the store after
the real importer has landed them)."""
from __future__ import annotations

import time
from datetime import date
from functools import cache
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from engage_metrics import config, db, demo

ATTENDED = {"Attended", "Checked In", "Completed"}
NO_SHOW = {"No-Show", "No Show"}
# the default ladder (data/engage.toml) for the roles the demo uses
ROLE_RUNG = {"attendee": 2, "guest": 2, "participant": 2, "volunteer": 3, "canvasser": 3,
             "caller": 3, "host": 4, "shift lead": 4, "team captain": 4, "organizer": 5,
             "trainer": 5, "facilitator": 5}


@pytest.fixture(scope="module")
def frames() -> dict[str, pd.DataFrame]:
    return demo.generate()


@pytest.fixture(scope="module")
def attended(frames) -> pd.DataFrame:
    """Attended rows with a person key (email, else phone digits) and the event's mode."""
    p = frames["participation"]
    a = p[p["Status"].isin(ATTENDED)].copy()
    a["person"] = np.where(a["Email"] != "", a["Email"].str.lower(),
                           a["Phone"].str.replace(r"\D", "", regex=True).str[-10:])
    a["day"] = pd.to_datetime(a["Start"]).dt.normalize()
    a["mode"] = a["Event Type"].map(mode_of)
    a["rung"] = np.maximum(a["Role"].map(ROLE_RUNG), np.where(a["mode"] == "task", 3, 2))
    return a


@cache
def mode_of(event_type: str) -> str | None:
    """Mode by the shipped classification: the longest keyword found as whole words."""
    text = f" {config.normalize_keyword(event_type)} "
    hits = [(len(k), m) for k, m in config.defaults()["classification"].items()
            if f" {config.normalize_keyword(k)} " in text]
    return max(hits)[1] if hits else None


# ------------------------------------------------------------------ generate()

def test_same_seed_same_frames_other_seed_other_frames(frames):
    again = demo.generate(7)
    for key in ("participation", "people", "asks"):
        pd.testing.assert_frame_equal(frames[key], again[key])
    other = demo.generate(8)
    assert not other["participation"].equals(frames["participation"])


def test_generation_is_fast():
    # CPU time of this process: other test workers sharing the machine don't count
    t0 = time.process_time()
    demo.generate(11)
    assert time.process_time() - t0 < 5.0


def test_files_are_strings_in_the_generic_format(frames):
    assert list(frames["participation"].columns) == list(demo.PARTICIPATION_COLUMNS)
    assert list(frames["people"].columns) == list(demo.PEOPLE_COLUMNS)
    assert list(frames["asks"].columns) == list(demo.ASK_COLUMNS)
    for df in frames.values():
        for col in df.columns:
            assert df[col].map(type).eq(str).all(), col
    p = frames["participation"]
    assert pd.to_datetime(p["Start"], format="%Y-%m-%d %H:%M:%S").notna().all()
    assert (pd.to_datetime(p["End"]) > pd.to_datetime(p["Start"])).all()
    assert set(p["Status"]) == ATTENDED | NO_SHOW | {"Cancelled", "Canceled", "Registered", "Confirmed"}
    # hours exactly on attended rows
    assert ((p["Hours"] != "") == p["Status"].isin(ATTENDED)).all()
    assert pd.to_numeric(p.loc[p["Hours"] != "", "Hours"]).between(0.5, 6).all()
    assert set(frames["asks"]["Outcome"]) == {"yes", "no", "no response"}
    assert set(frames["asks"]["Rung"]) <= {"1", "2", "3", "4", "5"}


def test_size_and_span(frames):
    p, people = frames["participation"], frames["people"]
    assert 2_700 <= len(people) <= 3_500
    assert 20_000 <= len(p) <= 28_000
    assert 18 <= len(p) / p["Event ID"].nunique() <= 30
    starts = pd.to_datetime(p["Start"])
    assert starts.min().date() == date(2023, 11, 1)
    assert starts.max().date() == demo.DEMO_END
    assert p["Program"].nunique() >= 4
    assert pd.to_datetime(frames["asks"]["Date"]).max().date() <= demo.DEMO_END


def test_an_event_id_is_one_occurrence(frames):
    p = frames["participation"]
    per_id = p.groupby("Event ID")[["Event", "Event Type", "Program", "Start", "End"]].nunique()
    assert (per_id == 1).all().all()
    assert not p.duplicated(["Email", "Phone", "Event ID"]).any()
    # shifts: the same title on the same day at different times are separate occurrences
    shifts = p[p["Event Type"] == "Food Bank Shift"]
    day_count = shifts.groupby(shifts["Start"].str[:10])["Event ID"].nunique()
    assert (day_count == 2).mean() > 0.9


def test_every_event_type_is_classified(frames):
    types = set(frames["participation"]["Event Type"])
    assert {t for t in types if mode_of(t) is None} == set()


def test_programs_have_their_characters(attended):
    weight = attended["mode"].map({"task": 1.0, "mixed": 0.5, "relationship": 0.0})
    task_share = weight.groupby(attended["Program"]).mean()
    assert task_share["Field"] > 0.95                     # all task
    assert task_share["Social Committee"] < 0.05          # all relationship
    assert 0.45 < task_share["Tenant Organizing"] < 0.7   # balanced
    # Field keeps few of its volunteers; the Social Committee keeps most
    visits = attended.groupby(["Program", "person"]).size()
    one_timers = (visits == 1).groupby(level="Program").mean()
    assert one_timers["Field"] > 0.5
    assert one_timers["Social Committee"] < 0.35
    assert one_timers["Field"] > 1.5 * one_timers["Tenant Organizing"]


def test_youth_climate_grows(attended):
    yc = attended[attended["Program"] == "Youth Climate"]
    first = yc[yc["day"] < "2024-11-01"]["person"].nunique()
    last = yc[yc["day"] >= "2025-11-01"]["person"].nunique()
    assert first < 80
    assert last >= 5 * first


def test_tenant_organizing_escalates_people_up_the_ladder(attended):
    to = attended[attended["Program"] == "Tenant Organizing"]
    firsts = to.groupby(["person", "rung"])["day"].min().unstack()
    # attendee first, host or organizer at least two months later
    took_charge = firsts[[4, 5]].min(axis=1)
    climbers = (took_charge - firsts[2]).dt.days >= 60
    assert climbers.sum() >= 30
    assert ((firsts[5] - firsts[2]).dt.days >= 120).sum() >= 10


def test_people_lapse(attended):
    per = attended.groupby("person")["day"].agg(["size", "max"])
    cutoff = pd.Timestamp(demo.DEMO_END) - pd.Timedelta(days=180)
    assert ((per["size"] >= 3) & (per["max"] <= cutoff)).sum() >= 300


def test_no_shows_are_a_tenth_to_a_fifth_of_task_registrations(frames):
    p = frames["participation"]
    task = p[p["Event Type"].map(mode_of) == "task"]
    share = task["Status"].isin(NO_SHOW).mean()
    assert 0.10 <= share <= 0.20


def test_referrals_and_identity_cases(frames):
    people, p = frames["people"], frames["participation"]
    referred = people["Recruited By"] != ""
    assert 0.15 <= referred.mean() <= 0.25
    assert set(people.loc[referred, "Recruited By"]) <= set(people["Email"]) - {""}
    # a few people known only by phone, in both files
    phone_only = people[(people["Email"] == "") & (people["Phone"] != "")]
    assert 5 <= len(phone_only) <= 60
    assert ((p["Email"] == "") <= (p["Phone"] != "")).all()
    # different people who share a name
    named = people[people["Email"] != ""].groupby(["First Name", "Last Name"])["Email"].nunique()
    assert (named >= 2).sum() >= 10
    assert people["Email"][people["Email"] != ""].is_unique


def test_asks_accepted_more_with_depth_less_with_stretch(frames, attended):
    asks = frames["asks"].assign(day=lambda a: pd.to_datetime(a["Date"]),
                                 rung=lambda a: a["Rung"].astype(int),
                                 yes=lambda a: a["Outcome"] == "yes")
    history = attended.sort_values("day")[["person", "day", "rung"]]
    history["top"] = history.groupby("person")["rung"].cummax()
    history["n"] = history.groupby("person").cumcount() + 1

    def before(at: pd.Series) -> pd.DataFrame:
        """Each ask's person's highest rung and attendance count strictly before `at`."""
        q = pd.DataFrame({"person": asks["Email"], "day": at, "i": asks.index}).sort_values("day")
        m = pd.merge_asof(q, history, on="day", by="person", allow_exact_matches=False)
        return m.set_index("i").sort_index()[["top", "n"]].fillna({"top": 1, "n": 0})

    now, year_ago = before(asks["day"]), before(asks["day"] - pd.Timedelta(days=365))
    stretch = asks["rung"] - now["top"]
    visits = now["n"] - year_ago["n"]            # attendances in the 365 days before the ask
    by_stretch = asks["yes"].groupby(stretch.clip(0, 2)).mean()
    assert by_stretch[0] > by_stretch[1] + 0.1 > by_stretch[2] + 0.2
    # frequent participants (a part of relationship depth) say yes more often
    regular = visits >= 12
    assert asks.loc[regular, "yes"].mean() > asks.loc[~regular, "yes"].mean() + 0.15


# ------------------------------------------------------------------ build_demo()

@pytest.fixture(scope="module")
def built(tmp_path_factory) -> duckdb.DuckDBPyConnection:
    con = db.connect(Path(tmp_path_factory.mktemp("demo")) / "engage.duckdb")
    t0 = time.process_time()             # the work done, not waiting on other test workers
    demo.build_demo(con)
    con.execute("SET VARIABLE build_seconds = $s", {"s": time.process_time() - t0})
    yield con
    con.close()


@pytest.mark.slow
def test_build_lands_every_row(built, frames):
    log = built.execute("SELECT file_name, kind, source, rows_read, rows_accepted, rows_rejected "
                        "FROM import_log ORDER BY import_id").fetchall()
    assert log == [
        ("demo-participations.csv", "participation", "demo", len(frames["participation"]),
         len(frames["participation"]), 0),
        ("demo-people.csv", "people", "demo", len(frames["people"]), len(frames["people"]), 0),
        ("demo-asks.csv", "ask", "demo", len(frames["asks"]), len(frames["asks"]), 0),
    ]
    assert built.execute("SELECT COUNT(*) FROM rejected_row").fetchone()[0] == 0
    count = lambda t: built.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]  # noqa: E731
    assert count("participation") == len(frames["participation"])
    assert count("ask") == len(frames["asks"])
    assert count("event") == frames["participation"]["Event ID"].nunique()
    # every person once; the few home addresses stay separate until the analyst merges them
    assert len(frames["people"]) <= count("person") <= len(frames["people"]) + 6
    assert built.execute("SELECT bool_and(classified) FROM event").fetchone()[0]
    assert built.execute("SELECT getvariable('build_seconds')").fetchone()[0] < 30


@pytest.mark.slow
def test_build_keeps_statuses_referrals_and_rungs(built, frames):
    p = frames["participation"]
    statuses = dict(built.execute("SELECT status, COUNT(*) FROM participation GROUP BY 1").fetchall())
    assert statuses["attended"] == p["Status"].isin(ATTENDED).sum()
    assert statuses["no_show"] == p["Status"].isin(NO_SHOW).sum()
    referred = built.execute("SELECT COUNT(*) FROM person WHERE recruited_by IS NOT NULL").fetchone()[0]
    assert referred == (frames["people"]["Recruited By"] != "").sum()
    # organizers exist, and their rung is the ladder's top
    assert built.execute("SELECT MIN(rung) FROM participation WHERE role = 'organizer'").fetchone()[0] == 5


@pytest.mark.slow
def test_build_task_share_by_program(built):
    share = dict(built.execute("""
        SELECT e.program, AVG(e.task_weight)
        FROM participation p JOIN event e USING (event_id)
        WHERE p.status = 'attended' GROUP BY 1""").fetchall())
    assert share["Field"] > 0.95 and share["Social Committee"] < 0.05
    assert 0.45 < share["Tenant Organizing"] < 0.7


@pytest.mark.slow
def test_second_build_raises(built):
    before = built.execute("SELECT COUNT(*) FROM participation").fetchone()[0]
    with pytest.raises(ValueError, match="empty store"):
        demo.build_demo(built)
    assert built.execute("SELECT COUNT(*) FROM participation").fetchone()[0] == before
