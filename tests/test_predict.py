"""What to do next (docs/predictions.md): the features of both models on tiny hand-checked
organizations, the rule that nothing after the date reaches a prediction, the backtests on
a generated organization with known processes (and a shuffled control), the fallback to
the rule lists, the reasons in words, and `engage predict`.

Why: a score an organizer acts on must be learned only from what was known then, must say
how well it did on data it had not seen, and must give way to the rule list when the
history is too thin, never show an untested number."""
from __future__ import annotations

import datetime as dt
import io
import json
import re
import threading
from pathlib import Path

import numpy as np
import pandas as pd
import predict_org
import pytest
from metric_fixtures import Org, day, open_store

from engage_metrics import cli, metrics, registry, resolve
from engage_metrics.config import RUNG_NAMES
from engage_metrics.predict import active, asks, common
from engage_metrics.transaction import bump_data_version, transaction


def tiny_org() -> Org:
    """Person 1 attends a canvass (rung 3) on 10 Jan 2025 and a potluck (rung 2, relationship)
    on 10 Feb, is asked for rung 4 on 1 Mar (yes) and for rung 5 on 1 Apr (no), and hosts
    (rung 4) on 1 Apr itself — after the ask's day had begun, so not before it. Person 2 never
    attended and is asked for rung 2 on 1 Mar (no)."""
    org = Org()
    canvass = org.event("2025-01-10", mode="task", event_type="Canvass")
    potluck = org.event("2025-02-10", mode="relationship", event_type="Potluck")
    host = org.event("2025-04-01", mode="relationship", event_type="Potluck")
    org.part(1, canvass, rung=3)
    org.part(1, potluck, rung=2)
    org.part(1, host, rung=4, role="host")
    org.ask(1, "2025-03-01", 4, "yes")
    org.ask(1, "2025-04-01", 5, "no")
    org.ask(2, "2025-03-01", 2, "no")
    return org


def ask_rows(con, asof: dt.date) -> pd.DataFrame:
    with common.private_cursor(con) as cur:
        return asks.training_rows(cur, asof).set_index("row_id")


def test_ask_features_by_hand(tmp_path: Path) -> None:
    con = open_store(tmp_path / "t.duckdb", tiny_org())
    rows = ask_rows(con, day("2026-01-01"))
    first, second, never = rows.loc[1], rows.loc[2], rows.loc[3]
    # 1 Mar: rung 3 (the canvass), stretch 4 - 3 = 1, 19 days since 10 Feb, no asks before
    assert (first.rung, first.stretch, first.days_since, first.past_asks) == (3, 1, 19, 0)
    assert first.yes_share == pytest.approx(0.5)             # (0 + 1) / (0 + 2)
    # 1 Apr: the hosting that day does not count: rung 3, stretch 5 - 3 = 2, 50 days since
    # 10 Feb, one ask before it, a yes: (1 + 1) / (1 + 2)
    assert (second.rung, second.stretch, second.days_since) == (3, 2, 50)
    assert (second.past_asks, second.past_yes) == (1, 1)
    assert second.yes_share == pytest.approx(2 / 3)
    assert second.program == "Main" and second.yes == 0 and first.yes == 1
    # depth on 1 Apr, default weights: tenure 81/730 (10 Jan -> 1 Apr), frequency 2/12,
    # recency 1 - 50/365, breadth 2/4 (Canvass, Potluck), ties 0, touches 1/4 (one potluck)
    # = 100 * (0.15 * 0.110959 + 0.25 * 0.166667 + 0.15 * 0.863014 + 0.10 * 0.5 + 0 + 0.15 * 0.25)
    # = 100 * (0.016644 + 0.041667 + 0.129452 + 0.05 + 0.0375) = 27.53
    assert second.depth == pytest.approx(27.526, abs=0.01)
    assert second.touches == pytest.approx(0.25) and second.ties == 0
    # never attended: rung 1, stretch 2 - 1 = 1, depth 0 (New), 730 days since, no program
    assert (never.rung, never.stretch, never.days_since, never.depth) == (1, 1, 730, 0)
    assert (never.tier, never.program) == ("New", "(none)")


def test_gap_features_by_hand(tmp_path: Path) -> None:
    con = open_store(tmp_path / "t.duckdb", tiny_org())
    with common.private_cursor(con) as cur:
        gaps = active.gap_rows(cur, day("2025-04-15")).set_index("began")
    # three attended dates: 10 Jan, 10 Feb (31 days later), 1 Apr (28 + 22 = 50 days later)
    first, second, last = (gaps.loc[pd.Timestamp(d)] for d in ("2025-01-10", "2025-02-10",
                                                               "2025-04-01"))
    assert (first.duration, first.returned, first.dates_so_far) == (31, True, 1)
    assert (first.usual_gap, first.last_gap, first.rung) == (0, 0, 3)
    assert (second.duration, second.returned, second.last_gap) == (50, True, 31)
    assert second.usual_gap == 31 and second.tenure_days == 31 and second.rung == 3
    # still open on 15 Apr: 14 days so far; usual gap (10 Jan -> 1 Apr = 81 days) / 2 = 40.5
    assert (last.duration, last.returned, last.dates_so_far, last.rung) == (14, False, 3, 4)
    assert last.usual_gap == pytest.approx(40.5) and last.last_year == 3


def test_nothing_after_the_date_reaches_a_feature(tmp_path: Path) -> None:
    """Shift a future attendance and add a future ask: every row as of the date stays."""
    org = tiny_org()
    con = open_store(tmp_path / "a.duckdb", org)
    asof = day("2025-04-01")
    before = ask_rows(con, asof), _gaps(con, asof)
    # the hosting on 1 Apr moves to 2 Apr, and a new ask and attendance land after the date
    con.execute("UPDATE event SET event_date = DATE '2025-04-02' WHERE event_date = DATE '2025-04-01'")
    later = org.event("2025-05-01", mode="task")
    con.execute("INSERT INTO participation VALUES (2, ?, 'attended', 'volunteer', 2, 3, 1)",
                [later])
    con.execute("INSERT INTO ask VALUES (9, 1, TIMESTAMP '2025-04-03 10:00', DATE '2025-04-03', "
                "'Ask', 5, 'yes', 'Organizer', 1)")
    resolve.refresh_facts(con)               # as an import would
    after = ask_rows(con, asof), _gaps(con, asof)
    pd.testing.assert_frame_equal(before[0], after[0])
    pd.testing.assert_frame_equal(before[1], after[1])


def _gaps(con, asof: dt.date) -> pd.DataFrame:
    with common.private_cursor(con) as cur:
        return active.gap_rows(cur, asof)


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory):
    """The generated organization (known processes) and its two predictions as of its end."""
    con = predict_org.build(tmp_path_factory.mktemp("org") / "org.duckdb")
    yield con, asks.predict(con, predict_org.END), active.predict(con, predict_org.END)
    con.close()


def test_ask_backtest_recovers_the_known_ordering(generated) -> None:
    _, found, _ = generated
    bt = found.backtest
    assert bt.passed and bt.auc is not None and bt.auc > 0.65
    assert bt.scored >= asks.MIN_TEST_ASKS and bt.cut < predict_org.END
    assert set(bt.calibration["source"]) == {"model", "base rate by stretch"}
    scores = found.scores
    assert scores is not None
    # one row per person active in the year before the date and per ask rung 2-5
    assert set(scores["ask_rung"]) == {2, 3, 4, 5}
    assert scores.groupby("person_id").size().eq(4).all()
    assert scores["chance"].between(0, 1).all()
    # the process: a bigger stretch is accepted less, for the same person
    one = scores[scores["person_id"] == scores["person_id"].iloc[0]].sort_values("ask_rung")
    assert one["chance"].is_monotonic_decreasing
    assert scores["reasons"].str.match(r"^(higher|lower|about average)").all()


def test_shuffled_outcomes_learn_nothing(tmp_path: Path) -> None:
    con = predict_org.build(tmp_path / "shuffled.duckdb", shuffle=True)
    found = asks.predict(con, predict_org.END)
    assert found.backtest.auc is not None and abs(found.backtest.auc - 0.5) < 0.1
    # below the minimum AUC: no score, the rule list instead
    assert not found.passed and "too thin" in found.backtest.why
    rules = asks.fallback(con, predict_org.END)
    assert rules["chance"].isna().all() and list(rules.columns) == list(asks.COLUMNS)


def test_still_active_backtest_beats_the_base_rate(generated) -> None:
    con, _, found = generated
    bt = found.backtest
    assert bt.passed and bt.brier is not None and bt.base_brier is not None
    assert bt.brier < bt.base_brier
    assert bt.cut == predict_org.END - dt.timedelta(days=active.HORIZON)
    scores = found.scores
    assert scores is not None and scores["chance"].between(0, 1).all()
    # everyone who attended in the year before the date, once
    expected = con.execute(
        "SELECT COUNT(DISTINCT p.person_id) FROM participation p JOIN event e USING (event_id) "
        "WHERE e.event_date >= ? AND e.event_date < ?",
        [predict_org.END - dt.timedelta(days=365), predict_org.END]).fetchall()[0][0]
    assert len(scores) == expected == scores["person_id"].nunique()
    # who came lately is likelier to come again than who has stayed away for months
    recent = scores[scores["days_since"] <= 14]["chance"].mean()
    away = scores[scores["days_since"] >= 120]["chance"].mean()
    assert recent > away
    risky = active.at_risk(scores)
    assert (risky["chance"] < 0.5).all()
    assert list(risky["rung"]) == sorted(risky["rung"], reverse=True)
    assert "Committed or Core" in active.reading(scores)


def test_gap_rows_keep_the_most_recent_gaps_and_every_open_one(generated, monkeypatch) -> None:
    """gap_rows reads the MAX_GAPS most recent gaps (by began, then person_id: ties at the
    boundary cut by person) and every open gap of the year before the date."""
    con = generated[0]
    with common.private_cursor(con) as cur:
        every = active.gap_rows(cur, predict_org.END)
        monkeypatch.setattr(active, "MAX_GAPS", 57)
        few = active.gap_rows(cur, predict_org.END)
    assert len(every) > 57 * 10
    ranked = every.sort_values(["began", "person_id"], ascending=[False, True])
    since = pd.Timestamp(predict_org.END - dt.timedelta(days=active.ACTIVE_DAYS))
    open_now = ~every["returned"] & (every["began"] >= since)
    expected = every[every.index.isin(ranked.index[:57]) | open_now].reset_index(drop=True)
    pd.testing.assert_frame_equal(few, expected)
    assert few.tail(57)["began"].min() <= ranked["began"].iloc[56]


def test_a_future_change_leaves_the_scores_as_of_the_date(generated, tmp_path: Path) -> None:
    con = generated[0]
    asof = predict_org.END - dt.timedelta(days=30)
    before = asks.predict(con, asof).scores, active.predict(con, asof).scores
    copy = predict_org.build(tmp_path / "future.duckdb")      # the same organization …
    copy.execute("INSERT INTO ask SELECT 100000 + ask_id, person_id, asked_at + INTERVAL 40 DAY, "
                 "ask_date + 40, ask, rung, 'yes', asked_by, import_id FROM ask "
                 "WHERE ask_date >= ? - 40", [asof])          # … with more asks after asof
    copy.execute("UPDATE event SET event_date = event_date + 3 WHERE event_date >= ?", [asof])
    resolve.refresh_facts(copy)
    common.clear()
    after = asks.predict(copy, asof).scores, active.predict(copy, asof).scores
    for old, new in zip(before, after, strict=True):
        assert old is not None and new is not None
        pd.testing.assert_frame_equal(old, new)


def test_thin_history_falls_back_to_the_rule_lists(tmp_path: Path) -> None:
    con = open_store(tmp_path / "t.duckdb", tiny_org())
    asof = day("2025-06-01")
    found = asks.predict(con, asof)
    assert not found.passed and found.backtest.auc is None
    assert f"needs at least {asks.MIN_ASKS}" in found.backtest.why
    assert "Ready for a bigger ask" in found.backtest.why
    gone = active.predict(con, asof)
    assert not gone.passed and "Slipping regulars" in gone.backtest.why


def test_the_ask_rule_list_from_the_pages_people_ready_rows(generated) -> None:
    """The dashboard gives asks.fallback the people_ready rows its People page ran for the
    default window (engage_ui.data): the same rule list as fallback's own query."""
    con = generated[0]
    asof = predict_org.END
    window = metrics.Window(asof - dt.timedelta(days=asks.RULE_DAYS), asof)
    ready = metrics.run(con, "people_ready", **window.params(), asof=window.end)
    own = asks.fallback(con, asof)
    assert len(own) > 0
    pd.testing.assert_frame_equal(asks.fallback(con, asof, ready), own)


def test_reasons_in_words() -> None:
    contributions = np.array([[0.9, -0.3, 0.01], [0.0, 0.02, -0.01], [-0.2, -0.6, 0.1]])
    phrases = np.array([["a1", "b1", "c1"], ["a2", "b2", "c2"], ["a3", "b3", "c3"]], dtype=object)
    assert list(common.reasons(contributions, phrases)) == [
        "higher: a1; lower: b1",          # 0.01 is below the floor (0.05)
        "about average",
        "higher: c3; lower: b3, a3"]      # by size: -0.6, -0.2, then 0.1
    assert list(common.reasons(contributions[:1], phrases[:1], ["last came 3 days ago"])) == [
        "last came 3 days ago; higher: a1; lower: b1"]


def test_the_registry_states_the_thresholds_the_code_uses() -> None:
    models = registry.models()
    assert set(models) == {asks.MODEL, active.MODEL}
    ask, still = models[asks.MODEL], models[active.MODEL]
    assert f"fewer than {asks.MIN_ASKS} asks" in ask.fallback
    assert f"fewer than {asks.MIN_TEST_ASKS} asks after" in ask.fallback
    assert f"below {asks.MIN_AUC:.2f}" in ask.fallback
    assert f"first {asks.TRAIN_SHARE:.0%}".replace("%", " %") in ask.backtest
    assert f"fewer than {active.MIN_PEOPLE} people" in still.fallback
    assert f"fewer than {active.MIN_EACH} who" in still.fallback
    assert f"fewer than {active.MIN_RETURNS} finished gaps" in still.fallback
    assert f"D − {active.HORIZON} days" in still.backtest
    for model in models.values():
        assert model.params == ("asof",) and model.features and model.unit == "ratio"
    assert re.search(r"\$asof\b", still.sql)      # the gaps are cut at the date itself


# ---------------------------------------------------------------- engage predict

def run_cli(capsys, *args: str) -> tuple[int, str, str]:
    code = cli.main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_cli_predict_asks_and_active(generated, capsys) -> None:
    con, found, gone = generated
    path = con.execute("SELECT path FROM duckdb_databases() WHERE database_name = "
                       "current_database()").fetchall()[0][0]
    asof = predict_org.END.isoformat()
    code, out, _ = run_cli(capsys, "predict", "asks", "--db", path, "--rung", "3",
                           "--format", "json", "--asof", asof)
    rows = json.loads(out)
    assert code == 0 and rows and {r["ask_rung"] for r in rows} == {3}
    assert list(rows[0]) == ["person_id", "email", "current_rung", "ask_rung", "chance", "reasons"]
    assert len(rows) == (found.scores["ask_rung"] == 3).sum()
    code, out, _ = run_cli(capsys, "predict", "active", "--db", path, "--format", "csv",
                           "--asof", asof)
    table = pd.read_csv(io.StringIO(out))
    assert code == 0 and list(table.columns) == ["person_id", "email", "chance", "last_attended",
                                                 "reasons"]
    assert len(table) == len(gone.scores)
    code, out, _ = run_cli(capsys, "predict", "asks", "--db", path, "--backtest",
                           "--format", "json", "--asof", asof)
    figures = json.loads(out)
    assert figures["auc"] == pytest.approx(found.backtest.auc, abs=1e-4) and figures["passed"]
    assert figures["calibration"] and figures["cut"] == found.backtest.cut.isoformat()
    # the model's rows by tenths of the chance (bin), the base rate's by stretch (stretch)
    fields = {r["source"]: set(r) for r in figures["calibration"]}
    assert fields == {"model": {"source", "bin", "predicted", "observed", "rows"},
                      "base rate by stretch": {"source", "stretch", "predicted", "observed",
                                               "rows"}}
    assert all(isinstance(r.get("bin", r.get("stretch")), int) for r in figures["calibration"])
    # predict active: most at risk first, ties by person_id
    assert list(table["chance"]) == sorted(table["chance"])
    scores = gone.scores
    assert scores.sort_values(["chance", "person_id"]).index.tolist() == list(scores.index)


def test_cli_predict_on_thin_history_prints_the_rule_list(tmp_path: Path, capsys) -> None:
    open_store(tmp_path / "t.duckdb", tiny_org()).close()
    code, out, err = run_cli(capsys, "predict", "asks", "--db", str(tmp_path / "t.duckdb"),
                             "--asof", "2025-06-01")
    assert code == 0 and "too thin" in err and "Ready for a bigger ask" in err
    assert out.splitlines()[0] == "person_id,email,current_rung,ask_rung,chance,reasons"
    with pytest.raises(SystemExit) as stopped:
        run_cli(capsys, "predict", "asks", "--db", str(tmp_path / "t.duckdb"), "--rung", "7")
    assert stopped.value.code == 2 and "an ask rung is 2, 3, 4 or 5" in capsys.readouterr().err


def test_cli_predict_after_the_data_and_backtest_with_rung(tmp_path: Path, capsys) -> None:
    """A date after the data's end says so on stderr (exit 0); --backtest refuses --rung."""
    path = str(tmp_path / "t.duckdb")
    open_store(tmp_path / "t.duckdb", tiny_org()).close()
    note = ("note: no one attended in the year before 2030-01-01 (the data ends on "
            "2025-04-01): there is nobody to score.\n")
    code, out, err = run_cli(capsys, "predict", "asks", "--db", path, "--asof", "2030-01-01")
    assert (code, err) == (0, note)
    assert out == "person_id,email,current_rung,ask_rung,chance,reasons\n"
    code, out, err = run_cli(capsys, "predict", "active", "--db", path, "--asof", "2030-01-01",
                             "--backtest", "--format", "json")
    assert (code, err) == (0, note) and json.loads(out)["scored"] == 0
    code, out, err = run_cli(capsys, "predict", "asks", "--db", path, "--asof", "2025-06-01")
    assert code == 0 and "nobody to score" not in err         # person 1 came on 2025-04-01
    code, out, err = run_cli(capsys, "predict", "asks", "--db", path, "--backtest", "--rung", "4")
    assert (code, out) == (2, "") and err.count("\n") == 1
    assert err.startswith("error: --rung does not apply to --backtest")


def test_reasons_say_singular_plural_and_direction() -> None:
    gaps = pd.DataFrame({"dates_so_far": [1, 2, 5], "usual_gap": [0.0, 1.0, 14.2],
                         "last_gap": [0, 1, 20], "tenure_days": [0, 1, 57],
                         "last_year": [1, 2, 5], "rung": [2, 3, 3]})
    words = active._phrases(gaps)
    assert words.tolist() == [
        ["came only once"] * 4 + ["1 visit in the year up to their last", f"rung 2 {RUNG_NAMES[2]}"],
        ["2 attended dates", "usually every day", "1 day between their last two visits",
         "first came 1 day before their last visit", "2 visits in the year up to their last",
         f"rung 3 {RUNG_NAMES[3]}"],
        ["5 attended dates", "usually every 14 days", "20 days between their last two visits",
         "first came 57 days before their last visit", "5 visits in the year up to their last",
         f"rung 3 {RUNG_NAMES[3]}"]]
    # one fact said once: "came only once" stands for the three features it moved
    assert list(common.reasons(np.array([[-0.9, -0.5, 0.3, 0.0, 0.0, 0.0]]), words[:1])) == [
        "lower: came only once"]
    assert common.counted(pd.Series([1, 2, 0]), "day", "days").tolist() == [
        "1 day", "2 days", "0 days"]
    rows = pd.DataFrame({"depth": [40.0, 60.0], "rung": [2, 3], "stretch": [1, 2],
                         "days_since": [1, 30], "past_asks": [0, 1], "past_yes": [0, 1],
                         "program": ["Main", "Main"]})
    above = np.zeros((2, len(asks.NUMERIC)), dtype=bool)
    above[1, asks.NUMERIC.index("touches")] = True
    ask_words = dict(zip((*asks.NUMERIC, *asks.CATEGORICAL),
                         asks._phrases(rows, above).T.tolist(), strict=True))
    assert ask_words["touches"] == ["fewer relational events attended",
                                    "more relational events attended"]
    assert ask_words["stretch"] == ["an ask 1 rung above theirs", "an ask 2 rungs above theirs"]
    assert ask_words["days_since"] == ["1 day since they last came", "30 days since they last came"]
    assert ask_words["past_asks"] == ["never asked before", "1 earlier ask"]
    assert ask_words["yes_share"] == ["never asked before", "said yes to 1 of 1 earlier ask"]


def test_a_prediction_is_kept_in_the_store_for_the_next_process(generated, monkeypatch) -> None:
    """A new process (nothing kept in memory) reads both predictions from the store instead
    of fitting them again, the same to the last figure; another date, or the same one after
    any change to the data, is fitted again."""
    con, found_asks, found_active = generated
    common.clear()
    for module in (active, asks):
        monkeypatch.setattr(module, "_predict", lambda *_: pytest.fail("fitted again"))
    for module, found in ((active, found_active), (asks, found_asks)):
        again = module.predict(con, predict_org.END)
        assert again.backtest.figures() == found.backtest.figures()
        assert found.scores is not None and again.scores is not None
        pd.testing.assert_frame_equal(again.scores, found.scores)
        pd.testing.assert_frame_equal(again.backtest.calibration, found.backtest.calibration)
    with pytest.raises(pytest.fail.Exception):
        active.predict(con, predict_org.END - dt.timedelta(days=1))
    with transaction(con):
        bump_data_version(con)
    common.clear()
    with pytest.raises(pytest.fail.Exception):
        active.predict(con, predict_org.END)


def test_a_prediction_is_not_kept_while_another_session_writes(generated) -> None:
    """Keeping a prediction never waits for an import of another session (the process's
    write lock is held): the page gets its prediction at once, and nothing is kept."""
    con = generated[0]
    holding, done = threading.Event(), threading.Event()

    def importing() -> None:
        cur = con.cursor()
        with transaction(cur):
            holding.set()
            done.wait(60)
        cur.close()

    writer = threading.Thread(target=importing)
    writer.start()
    try:
        assert holding.wait(60)
        common.clear()
        asof = predict_org.END - dt.timedelta(days=2)
        assert active.predict(con, asof).backtest.asof == asof
        kept = con.execute("SELECT COUNT(*) FROM prediction_kept WHERE what LIKE $d",
                           {"d": f"%{asof}%"}).fetchall()
        assert kept == [(0,)] and not done.is_set()
    finally:
        done.set()
        writer.join()
