"""Targets: a metric, a value, a due date, optionally a program — stored, checked, and read
as progress, the pace needed per month, the pace of the last three months and a status.

Why: a director decides from "on track" or "behind"; the arithmetic behind the word is
worked out by hand here on a tiny organization, recomputed with pandas on a generated one,
and followed through the command line, the Settings form, the Overview and the board pack
(where small numbers stay "< 5" and no person appears).
"""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd
import pytest
import reference as ref
from helpers_ui import problems
from metric_fixtures import Org, day, open_store
from pytest import approx

from engage_metrics import auth, boardpack, db, targets
from engage_metrics.cli import main as cli_main
from engage_metrics.metrics import Window
from engage_metrics.targets import BEHIND, MET, MISSED, NOT_COMPUTABLE, NOT_STARTED, ON_TRACK

D = day("2024-07-01")            # the as-of date of the hand-computed cases
MONTHS_LEFT = 92 / (365.25 / 12)  # 2024-07-01 -> 2024-10-01: 92 days = 3.0226 months


def tiny_org() -> Org:
    """Five people in Main over a year, one registration in Other (nobody attended there)."""
    o = Org()
    e1, e2, e3 = o.event("2023-05-10"), o.event("2023-09-10"), o.event("2024-02-10")
    e4, e5 = o.event("2024-05-10"), o.event("2024-06-10")
    other = o.event("2024-06-10", "Other")
    o.part(1, e1)
    o.part(2, e2)
    o.part(3, e3, hours=4.0)
    o.part(4, e4, hours=3.0, rung=3, role="volunteer")
    o.part(5, e5, hours=2.5)
    o.part(6, other, status="registered")
    return o


@pytest.fixture
def tiny(tmp_path: Path):
    con = open_store(tmp_path / "tiny.duckdb", tiny_org())
    yield con
    con.close()


@pytest.fixture(scope="module")
def tiny_kept(tmp_path_factory: pytest.TempPathFactory):
    """The tiny store for tests that must leave it as it is (refused targets)."""
    con = open_store(tmp_path_factory.mktemp("tiny") / "tiny.duckdb", tiny_org())
    yield con
    con.close()


def read(con, metric: str, value, due: str, asof: dt.date = D, **kw) -> targets.Progress:
    t = targets.set_target(con, metric, value, due, **kw)
    return targets.evaluate(con, t, asof)


def test_progress_and_paces_by_hand(tiny) -> None:
    # active people, a level metric: [2023-07-01, 2024-07-01) holds 2, 3, 4, 5 -> 4;
    # three months before, [2023-04-01, 2024-04-01) holds 1, 2, 3 -> 3: pace (4 - 3) ÷ 3 =
    # 0.333 a month; needed (6 - 4) ÷ 3.0226 = 0.662 a month -> behind; at the recent pace
    # 4 + 0.333 × 3.0226 = 5.01 by the due date; progress 4 ÷ 6
    p = read(tiny, "active_people", 6, "2024-10-01", start="2024-07-01")
    assert (p.status, p.value, p.recent) == (BEHIND, 4, 3)
    assert p.pace == approx(1 / 3) and p.months_left == approx(MONTHS_LEFT)
    assert p.needed == approx(2 / MONTHS_LEFT) == approx(0.66168, abs=1e-5)
    assert p.projected == approx(4 + MONTHS_LEFT / 3) and p.share == approx(4 / 6)
    assert p.sentence() == ("Active people: 4 of 6 (67 %), due 1 Oct 2024: needs +0.7 a month; "
                            "the last three months went +0.3 a month — behind (at that pace about 5 "
                            "by the due date).")
    # hours, a cumulative metric from 2024-05-01: 3.0 (person 4) + 2.5 (person 5) = 5.5; the
    # last three months [2024-04-01, 2024-07-01) added 5.5 -> 1.833 a month; needed
    # (10 - 5.5) ÷ 3.0226 = 1.489 -> on track (5.5 + 1.833 × 3.0226 = 11.04 by the due date)
    p = read(tiny, "total_hours", 10, "2024-10-01", start="2024-05-01")
    assert (p.status, p.value, p.recent) == (ON_TRACK, 5.5, 5.5)
    assert p.pace == approx(5.5 / 3) and p.needed == approx(4.5 / MONTHS_LEFT)
    assert p.projected == approx(11.0414, abs=1e-4)
    # active people at rung >= 3: person 4 (a volunteer, rung 3) now, nobody three months
    # before: +1/3 a month against (2 - 1) ÷ 3.0226 = 0.3308 needed -> on track, just
    p = read(tiny, "people_at_rung", 2, "2024-10-01", rung=3, start="2024-07-01")
    assert (p.status, p.value, p.recent) == (ON_TRACK, 1, 0)
    assert p.pace == approx(0.33333, abs=1e-5) and p.needed == approx(0.33084, abs=1e-5)
    assert p.target.label == "Active people at rung 3 (Contributing) or higher"
    # repeat rate: nobody came twice in either window: 0 % now and before; needs 0.5 ÷ 3.0226
    p = read(tiny, "repeat_rate", 0.5, "2024-10-01", start="2024-07-01")
    assert (p.status, p.value, p.pace) == (BEHIND, 0.0, 0.0)
    assert p.needed == approx(0.5 / MONTHS_LEFT)
    # already at the target: on track, nothing more needed
    p = read(tiny, "active_people", 4, "2024-10-01", start="2024-07-01")
    assert (p.status, p.needed) == (ON_TRACK, 0.0)
    assert p.sentence().endswith("reached already — on track.")


def test_met_missed_not_started_and_not_computable(tiny) -> None:
    # due 2024-06-01, read on 2024-07-01: closed, read at the due date: [2023-06-01,
    # 2024-06-01) holds 2, 3, 4 -> 3: a target of 3 is met, one of 4 missed
    met = read(tiny, "active_people", 3, "2024-06-01", start="2024-01-01")
    missed = read(tiny, "active_people", 4, "2024-06-01", start="2024-01-01")
    assert (met.status, met.value, met.asof, met.pace) == (MET, 3, day("2024-06-01"), None)
    assert (missed.status, missed.value) == (MISSED, 3)
    assert missed.sentence() == ("Active people: 3 of 4 (75 %) on the due date, 1 Jun 2024: "
                                 "missed.")
    # a period that ends before the target's start
    later = read(tiny, "total_hours", 10, "2024-12-01", start="2024-08-01")
    assert later.status == NOT_STARTED and later.value is None
    # Other has a registration but nobody attended: its repeat rate has no people to be over
    empty = read(tiny, "repeat_rate", 0.5, "2024-10-01", start="2024-07-01", program="Other")
    assert empty.status == NOT_COMPUTABLE and "empty" in empty.reason
    # a program no longer in the data (its imports undone)
    tiny.execute("INSERT INTO target VALUES (99, 'active_people', NULL, 5, DATE '2024-07-01', "
                 "DATE '2024-10-01', 'Gone', CURRENT_TIMESTAMP)")
    gone = next(p for p in targets.progress(tiny, D) if p.target.target_id == 99)
    assert gone.status == NOT_COMPUTABLE and "'Gone' has no events" in gone.sentence()
    # only the selected programs' targets
    assert [p.target.program for p in targets.progress(tiny, D, ("Other",))] == ["Other"]


@pytest.mark.parametrize(("given", "message"), [
    (dict(metric="no_show_rate"), "'no_show_rate' is not a metric a target can be set on"),
    (dict(metric="depth"), "not a metric a target can be set on"),
    (dict(value=-3), "must be a number above 0, not -3"),
    (dict(value=0), "must be a number above 0"),
    (dict(value="many"), "the target value 'many' is not a number"),
    (dict(value=None), "give the value to reach"),
    (dict(value=12.5), "a count's target is a whole number"),
    (dict(metric="repeat_rate", value=60), "a rate's target is between 0 and 1"),
    (dict(metric="repeat_rate", value=" 60 "), "between 0 and 1 (0.6 or 60% for 60 %), not 60"),
    (dict(metric="mean_depth", value=120), "a depth target is at most 100"),
    (dict(due="2024-13-01"), "the due date '2024-13-01' is not a date (YYYY-MM-DD)"),
    (dict(due="2024-06-01"), "the due date 2024-06-01 must be after the target's start 2024-06-11"),
    (dict(program="Nope"), "unknown program 'Nope'; programs are: Main, Other"),
    (dict(metric="people_at_rung"), "people_at_rung needs --rung N (2 to 5)$"),
    (dict(metric="people_at_rung", rung=7), "people_at_rung needs --rung N (2 to 5), not 7"),
    (dict(rung=3), "a rung is only for people_at_rung"),
])
def test_a_bad_target_is_refused_with_a_clear_message(tiny_kept, given, message) -> None:
    args = {"metric": "active_people", "value": 10, "due": "2025-01-01", **given}
    with pytest.raises(targets.TargetError, match=message.replace("(", r"\(").replace(")", r"\)")):
        targets.set_target(tiny_kept, **args)
    assert targets.list_targets(tiny_kept) == []
    with pytest.raises(targets.TargetError, match=r"there is no target #3"):
        targets.remove_target(tiny_kept, 3)


def test_targets_match_a_pandas_recomputation(tmp_path: Path) -> None:
    """On a generated organization, every target's value, pace, need and status equal what
    pandas computes from the canonical tables with the rules of targets.DEFINITIONS."""
    con = db.connect(tmp_path / "random.duckdb")
    ref.random_canonical(con, seed=11)
    tables = ref.load_tables(con)
    asof = (tables.last_date + pd.Timedelta(days=1)).date()
    back = targets.months_before(asof, 3)
    program = tables.programs[0]
    due = targets.months_before(asof, -5)
    start = targets.months_before(asof, 4)
    made = [
        targets.set_target(con, "active_people", 400, due, start=start),
        targets.set_target(con, "active_people", 60, due, start=start, program=program),
        targets.set_target(con, "repeat_rate", 0.9, due, start=start),
        targets.set_target(con, "people_at_rung", 40, due, start=start, rung=3),
        targets.set_target(con, "total_hours", 900, due, start=start),
        targets.set_target(con, "new_people", 25, due, start=start, program=program),
    ]

    def year_before(d: dt.date) -> dt.date:
        return d.replace(year=d.year - 1)

    def level(t: targets.Target, d: dt.date) -> float:
        programs = (t.program,) if t.program else ()
        window = ref._between(ref._scope(tables.parts, programs), pd.Timestamp(year_before(d)),
                              pd.Timestamp(d))
        if t.metric == "people_at_rung":
            active = ref._attended(window)["person_id"].unique()
            return float((ref.rung_at(tables, d).reindex(active) >= t.rung).sum())
        key = {"active_people": "active", "repeat_rate": "repeat_rate"}[t.metric]
        return ref.reference_report(tables, year_before(d), d, programs)["participation"][key]

    def added(t: targets.Target, lo: dt.date, hi: dt.date) -> float:
        programs = (t.program,) if t.program else ()
        key = {"total_hours": "hours", "new_people": "new"}[t.metric]
        return ref.reference_report(tables, lo, hi, programs)["participation"][key]

    months_left = (due - asof).days / (365.25 / 12)
    for t in made:
        p = targets.evaluate(con, t, asof)
        if t.kind == targets.LEVEL:
            value, pace = level(t, asof), (level(t, asof) - level(t, back)) / 3
        else:
            value, pace = added(t, start, asof), added(t, back, asof) / 3
        needed = max(t.value - value, 0) / months_left
        # on track when the projection at the recent pace reaches the target
        status = ON_TRACK if value + pace * months_left >= t.value else BEHIND
        assert (p.value, p.pace, p.needed) == (approx(value), approx(pace), approx(needed)), t
        assert p.status == status, t
    con.close()


def test_cli_sets_lists_and_removes_targets(tiny, tmp_path: Path, capsys) -> None:
    path = Path(tiny.execute("SELECT path FROM duckdb_databases() "
                             "WHERE database_name = current_database()").fetchone()[0])
    tiny.close()
    db_args = ["--db", str(path)]
    assert cli_main(["targets", "set", *db_args, "--metric", "repeat_rate", "--value", "60%",
                     "--due", "2025-01-01", "--program", "Main"]) == 0
    # a level metric has no start: no "counting from"
    assert capsys.readouterr().out == ("target #1 set: Repeat rate (Main) at least 60.0 % by "
                                       "2025-01-01\n")
    assert cli_main(["targets", "set", *db_args, "--metric", "people_at_rung", "--rung", "4",
                     "--value", "3", "--due", "2025-01-01"]) == 0
    capsys.readouterr()
    assert cli_main(["targets", "list", *db_args, "--asof", "2024-07-01", "--format",
                     "json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [(t["id"], t["status"], t["value"]) for t in listed] == [
        (1, BEHIND, 0.0), (2, BEHIND, 0)]             # nobody came twice; nobody at rung 4
    assert cli_main(["targets", "remove", *db_args, "1"]) == 0
    assert cli_main(["targets", "list", *db_args]) == 0
    out = capsys.readouterr().out
    assert "target #1 removed" in out and "#2 [behind] Active people at rung 4" in out
    for args, message in ((["--metric", "repeat_rate", "--value", "60"], "between 0 and 1"),
                          (["--metric", "active_people", "--value", "-2"], "above 0"),
                          (["--metric", "active_people", "--value", "5", "--program", "X"],
                           "unknown program 'X'")):
        assert cli_main(["targets", "set", *db_args, *args, "--due", "2025-01-01"]) == 2
        err = capsys.readouterr().err
        assert err.startswith("error: ") and message in err and err.count("\n") == 1
    assert cli_main(["targets", "remove", *db_args, "7"]) == 2
    assert "there is no target #7" in capsys.readouterr().err


def test_board_pack_shows_targets_with_small_numbers_suppressed(tiny) -> None:
    """The tiny organization's numbers are all about fewer than 5 people: the targets
    section and its chart are there, their values are "< 5", and nobody is named."""
    targets.set_target(tiny, "active_people", 6, "2024-10-01", start="2024-07-01")
    targets.set_target(tiny, "total_hours", 10, "2024-10-01", start="2024-05-01")
    targets.set_target(tiny, "active_people", 3, "2024-06-01", start="2024-01-01")
    window = Window(day("2023-07-01"), D)
    sections = boardpack.build_sections(tiny, window, "Tiny", today=D)
    by_key = {s.key.split("_", 1)[1]: s for s in sections}
    table = by_key["targets"].table
    assert [r[0] for r in table.rows] == ["Active people", "Active people", "Volunteer hours"]
    # 3 active people at the due date, 4 now (counts: "< 5"), hours given by 2 people (not
    # "< 5", which would read as under 5 hours): all hidden, with the paces
    assert [r[2] for r in table.rows] == [boardpack.SUPPRESSED] * 2 + [boardpack.HIDDEN]
    assert [r[4:6] for r in table.rows] == [("–", "–")] * 3
    assert [r[6] for r in table.rows] == [MET, BEHIND, ON_TRACK]
    assert all("fewer than 5 people" in b for b in by_key["targets"].bullets)
    chart = by_key["targets_chart"].figure
    assert list(chart.data[0].x) == [None] * 3 or all(pd.isna(x) for x in chart.data[0].x)
    assert any(label.startswith("Targets: ") for label, _ in by_key["definitions"].definitions)
    text = json.dumps([(s.title, s.lead, s.bullets, s.table.rows if s.table else None)
                       for s in sections]) + chart.to_json()
    assert "example.org" not in text and "Person " not in text
    pdf = boardpack.render_pdf(sections, "Tiny", boardpack.period_text(window))
    assert pdf.startswith(b"%PDF")
    assert boardpack.render_pptx(sections, "Tiny").startswith(b"PK")


def test_settings_form_adds_targets_and_the_overview_shows_them(app, demo_copy: Path) -> None:
    at = app(demo_copy, "settings")
    assert problems(at) == []
    at.selectbox(key="target_metric").set_value("repeat_rate")
    at.text_input(key="target_value").input("150%")               # a rate above 100 %
    at.button(key="FormSubmitter:target_form-Add target").click().run()
    assert [e.value for e in at.error] == [
        "The target was not added: a rate's target is between 0 and 1 (0.6 or 60% for 60 %), "
        "not 1.5."]
    at.text_input(key="target_value").input("0.6")       # 60 %, read as the CLI reads it
    at.selectbox(key="target_program").set_value("Field")
    at.date_input(key="target_due").set_value(dt.date(2027, 3, 31))
    at.button(key="FormSubmitter:target_form-Add target").click().run()
    assert problems(at) == []
    shown = next(d.value for d in at.dataframe if "status" in d.value.columns)
    assert shown[["target", "value to reach", "status"]].values.tolist() == [
        ["Repeat rate (Field)", "60.0 %", BEHIND]]
    assert shown["counting from"].isna().all()           # a level target has no start
    at.switch_page("pages/overview.py").run()
    assert problems(at) == []
    assert "Targets" in [s.value for s in at.subheader]
    sentence = next(m.value for m in at.markdown if "Repeat rate" in m.value)
    assert sentence.startswith("- **Behind** — Repeat rate (Field): ")
    assert "needs +" in sentence and "the last three months went" in sentence
    at.switch_page("pages/definitions.py").run()
    assert "Targets" in [s.value for s in at.subheader]
    assert any(m.value.startswith("**Pace needed.**") for m in at.markdown)
    con = db.connect(demo_copy)
    try:
        assert [t.label for t in targets.list_targets(con)] == ["Repeat rate (Field)"]
    finally:
        con.close()


def test_a_viewer_sees_the_progress_but_cannot_set_targets(app, demo_copy: Path) -> None:
    con = db.connect(demo_copy)
    try:
        targets.set_target(con, "active_people", 2000, "2027-06-30")
    finally:
        con.close()
    secrets = {"engage": {"auth": {"mode": "password"}, "users": {"dana": {
        "password_hash": auth.hash_password("board-pw", iterations=auth.MIN_ITERATIONS),
        "role": "viewer"}}}}
    at = app(demo_copy, secrets=secrets)
    at.text_input(key="sign_in_user").input("dana")
    at.text_input(key="sign_in_password").input("board-pw")
    at.button[0].click().run()
    assert problems(at) == []
    assert any(m.value.startswith("- **On track** — Active people: 1,533 of 2,000")
               for m in at.markdown)
    assert not any(f.key == "target_form" for f in at.get("form"))
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("pages/settings.py")


# ---------------------------------------------------------------- review of issue 16

def test_a_target_reached_but_falling_is_behind(tiny) -> None:
    # read on 2024-10-01: active people over [2023-10-01, 2024-10-01) are 3, 4, 5 -> 3; three
    # months before, [2023-07-01, 2024-07-01) held 2, 3, 4, 5 -> 4: pace (3 - 4) ÷ 3 = -1/3 a
    # month. Due 2025-01-01, 92 days = 3.0226 months left: projected 3 - 3.0226 ÷ 3 = 1.99
    asof = day("2024-10-01")
    p = read(tiny, "active_people", 3, "2025-01-01", asof=asof)
    assert (p.value, p.recent, p.needed) == (3, 4, 0.0) and p.pace == approx(-1 / 3)
    assert p.projected == approx(3 - MONTHS_LEFT / 3) == approx(1.9925, abs=1e-4)
    assert p.status == BEHIND
    assert p.sentence() == ("Active people: 3 of 3 (100 %), due 1 Jan 2025: reached already, "
                            "but falling: at the recent pace (-0.3 a month) it ends below the "
                            "target by the due date (about 2) — behind.")
    # a target of 2 due 2024-11-01 (31 days = 1.0185 months): 3 - 1.0185 ÷ 3 = 2.66 >= 2
    p = read(tiny, "active_people", 2, "2024-11-01", asof=asof)
    assert p.projected == approx(3 - 31 / (365.25 / 12) / 3) and p.status == ON_TRACK
    assert p.sentence().endswith("reached already — on track.")


def test_a_level_target_has_no_start(tiny) -> None:
    # read before the start it was given: a level target is read all the same (as in
    # test_progress_and_paces_by_hand: 4 active people, behind), never "not started"
    p = read(tiny, "active_people", 6, "2024-12-01", start="2024-08-01")
    assert (p.status, p.value) == (BEHIND, 4) and "counts from" not in p.sentence()
    later = read(tiny, "total_hours", 10, "2024-12-01", start="2024-08-01")
    assert later.status == NOT_STARTED and "it counts from 1 Aug 2024" in later.sentence()
    assert targets.metric_label("people_at_rung", 5) == "Active people at rung 5 (Leading)"
    assert targets.metric_label("people_at_rung", 4) == ("Active people at rung 4 (Owning) "
                                                          "or higher")


def test_one_value_parser_for_the_cli_and_the_form(tiny) -> None:
    # "0.3" is 30 % and "60%" is 60 % wherever it is typed (the form passes its text through
    # targets.parse_value, as the CLI does)
    assert [targets.parse_value(v) for v in ("0.3", " 60% ", "60 %", "x%", 12)] == [
        "0.3", 0.6, 0.6, "x%", 12]
    t = targets.set_target(tiny, "repeat_rate", targets.parse_value("0.3"), "2025-01-01")
    assert t.value == 0.3 and t.format(t.value) == "30.0 %"


def test_cli_targets_messages(tiny, capsys) -> None:
    path = Path(tiny.execute("SELECT path FROM duckdb_databases() "
                             "WHERE database_name = current_database()").fetchone()[0])
    tiny.close()
    db_args = ["--db", str(path)]
    assert cli_main(["targets", "set", *db_args, "--metric", "total_hours", "--value", "10",
                     "--due", "2025-01-01"]) == 0
    assert capsys.readouterr().out == ("target #1 set: Volunteer hours at least 10.0 h by "
                                       "2025-01-01 (counting from 2024-06-11)\n")
    assert cli_main(["targets", "set", *db_args, "--metric", "people_at_rung", "--value", "3",
                     "--due", "2025-01-01"]) == 2
    assert capsys.readouterr().err == "error: people_at_rung needs --rung N (2 to 5)\n"
    with pytest.raises(SystemExit) as stopped:      # an action is required, as for predict
        cli_main(["targets"])
    assert stopped.value.code == 2 and "usage:" in capsys.readouterr().err


def hours_org() -> Org:
    """tiny_org and five more people who gave 2 hours each on 2024-06-15; and five people on
    a walk in the program Walk on 2024-01-15, of whom one gave 1.5 hours."""
    o = tiny_org()
    e = o.event("2024-06-15")
    for person in range(11, 16):
        o.part(person, e, hours=2.0)
    walk = o.event("2024-01-15", "Walk")
    for person in range(21, 26):
        o.part(person, walk, hours=1.5 if person == 21 else None)
    return o


def test_board_pack_shows_hours_given_by_enough_people(tmp_path: Path) -> None:
    """An hours target read on its first day is 0.0 h of nobody: shown, with the pace it
    needs and the pace of the last three months (15.5 h given by 7 people)."""
    con = open_store(tmp_path / "hours.duckdb", hours_org())
    try:
        t = targets.set_target(con, "total_hours", 100, "2025-07-01")     # from 2024-06-16
        window = Window(day("2023-06-16"), t.start)
        sections = boardpack.build_sections(con, window, "Hours", today=t.start)
    finally:
        con.close()
    table = next(s for s in sections if s.key.endswith("_targets")).table
    # needed 100 ÷ (380 days ÷ 30.44) = 8.01 h a month; the last three months
    # [2024-03-16, 2024-06-16): 3.0 + 2.5 + 5 × 2.0 = 15.5 h ÷ 3 = 5.17 h a month -> behind
    assert table.rows == (("Volunteer hours", "1 Jul 2025", "0.0 h", "100.0 h", "+8.0 h",
                           "+5.2 h", BEHIND),)
    # the programs table: 5 active people on the walk, but its 1.5 h are one person's
    programs = {r[0]: r for r in next(s for s in sections if s.key.endswith("_programs"))
                .table.rows}
    assert programs["Walk"][1:5] == ("5", "5", "5", boardpack.HIDDEN)
    assert programs["Main"][4] == "19.5 h"          # 4.0 + 3.0 + 2.5 + 5 × 2.0, by 8 people
    assert boardpack.value_text("total_hours", 3.0, 6) == "3.0 h"
    assert boardpack.value_text("total_hours", 30.0, 2) == boardpack.HIDDEN
    assert boardpack.value_text("total_hours", 0.0, 0) == "0.0 h"
    assert boardpack.value_text("new_people", 3, 40) == boardpack.SUPPRESSED
