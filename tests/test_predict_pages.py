"""The predictions on the pages (AppTest): who to ask next on Ladder & asks and People, the
slipping list from the survival score, the backtests and their calibration charts, the
Overview's reading, the Definitions page; the rule lists on a thin history; no names for a
viewer."""
from __future__ import annotations

from pathlib import Path

import pytest
from helpers_ui import DemoStore, metric_values, problems
from metric_fixtures import Org, open_store

from engage_metrics import auth, db, registry
from engage_metrics.predict import active, asks
from engage_metrics.predict.common import Prediction

VIEWER_PW = "board-member-2026"
VIEWER = {"engage": {"auth": {"mode": "password"}, "users": {"dana": {
    "password_hash": auth.hash_password(VIEWER_PW, iterations=auth.MIN_ITERATIONS),
    "role": "viewer"}}}}


def engine(demo_store: DemoStore) -> tuple[Prediction, Prediction]:
    con = db.connect(demo_store.path)
    try:
        end = demo_store.window.end
        return asks.predict(con, end), active.predict(con, end)
    finally:
        con.close()


def lists(at, column: str = "reasons"):
    return [d.value for d in at.dataframe if column in d.value.columns]


def test_ladder_ranks_who_to_ask_with_the_backtest(app, demo_store: DemoStore) -> None:
    found, _ = engine(demo_store)
    at = app(demo_store.path, "ladder")
    assert problems(at) == []
    labels = [t.label for t in at.tabs]
    assert labels == ["Ask for rung 3 Contributing", "Ask for rung 4 Owning",
                      "Ask for rung 5 Leading"]
    shown = lists(at)
    assert len(shown) == 3
    for table in shown:
        assert list(table.columns) == ["person_id", "name", "email", "current_rung", "depth",
                                       "tier", "chance", "reasons"]
        assert table["chance"].is_monotonic_decreasing
    assert (shown[0]["current_rung"] < 3).all()
    top = found.scores[(found.scores["ask_rung"] == 3) & (found.scores["current_rung"] < 3)]
    assert list(shown[0]["person_id"][:5]) == list(top["person_id"][:5])
    cards = metric_values(at)
    assert cards["AUC"] == f"{found.backtest.auc:,.2f}"
    assert cards["Brier score (base rate)"] == f"{found.backtest.base_brier:,.2f}"
    titles = [c.proto.spec for c in at.get("plotly_chart")]
    assert any("Backtest of" in spec and "Chance of a yes" in spec for spec in titles)


def test_people_slipping_is_the_survival_score(app, demo_store: DemoStore) -> None:
    _, gone = engine(demo_store)
    at = app(demo_store.path, "people")
    assert problems(at) == []
    risky = active.at_risk(gone.scores)
    labels = [t.label for t in at.tabs]
    assert f"⚠️ Slipping ({len(risky):,})" in labels and "🙋 Likely to say yes" in labels
    slipping = next(t for t in lists(at) if "days_since" in t.columns)
    assert (slipping["chance"] < 0.5).all() and len(slipping) == min(len(risky), 2000)
    assert list(slipping["rung"]) == sorted(slipping["rung"], reverse=True)
    assert slipping["email"].str.contains("@").any()       # an analyst sees who to call
    assert any("Ask for rung 4 Owning" == label for label in labels)


def test_participation_and_overview_show_the_still_active_model(app, demo_store: DemoStore
                                                                ) -> None:
    _, gone = engine(demo_store)
    at = app(demo_store.path, "participation")
    assert problems(at) == []
    cards = metric_values(at)
    assert cards["Brier score (model)"] == f"{gone.backtest.brier:,.2f}"
    assert cards["Brier score (base rate)"] == f"{gone.backtest.base_brier:,.2f}"
    assert any(gone.backtest.why[:60] in c.value for c in at.caption)
    at.switch_page("pages/overview.py").run()
    reading = " ".join(m.value for m in at.markdown)
    assert active.reading(gone.scores) in reading      # the Committed and Core at risk


def test_a_viewer_sees_who_to_ask_without_names(app, demo_store: DemoStore) -> None:
    at = app(demo_store.path, secrets=VIEWER)
    at.text_input(key="sign_in_user").input("dana")
    at.text_input(key="sign_in_password").input(VIEWER_PW)
    at.button[0].click().run()
    at.switch_page("pages/ladder.py").run()
    assert problems(at) == []
    shown = lists(at)
    assert shown
    for table in shown:
        assert (table["email"] == "hidden").all()
        assert (table["name"] == "Person " + table["person_id"].astype(str)).all()


def test_definitions_page_explains_the_models(app, demo_store: DemoStore) -> None:
    at = app(demo_store.path, "definitions")
    assert problems(at) == []
    expanders = {e.label for e in at.expander}
    assert {m.label for m in registry.models().values()} <= expanders
    text = " ".join(m.value for m in at.markdown)
    assert "Backtest" in text and "Fallback" in text


@pytest.fixture
def thin_store(tmp_path: Path) -> Path:
    """A few people and two asks: too thin for either model."""
    org = Org()
    for i, date in enumerate(("2025-01-10", "2025-02-10", "2025-03-10")):
        event = org.event(date, mode="relationship")
        for person in range(1, 6):
            org.part(person, event, rung=2 + (i == 2 and person == 1))
    org.ask(1, "2025-02-20", 3, "yes")
    org.ask(2, "2025-02-20", 4, "no")
    open_store(tmp_path / "thin.duckdb", org).close()
    return tmp_path / "thin.duckdb"


def test_thin_history_says_so_and_shows_the_rule_list(app, thin_store: Path) -> None:
    at = app(thin_store, "ladder")
    for page in ("ladder", "people", "participation", "overview"):
        if page != "ladder":
            at.switch_page(f"pages/{page}.py").run()
        assert problems(at) == []
        notes = " ".join(i.value for i in at.info)
        if page in ("ladder", "people"):
            assert "too thin" in notes and "Ready for a bigger ask" in notes
            assert all(t["chance"].isna().all() for t in lists(at))
        if page == "participation":
            assert "attendance history is too thin" in notes
        if page == "overview":
            assert "at risk" not in " ".join(m.value for m in at.markdown)
