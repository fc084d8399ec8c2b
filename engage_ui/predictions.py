"""What to do next, drawn on the pages: a prediction's backtest (its figures and calibration
chart) and its ranked lists, or — when the backtest did not pass — why, and the rule list
that stands in for it (docs/predictions.md). Names are masked as every table masks them."""
from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from engage_metrics import charts, registry
from engage_metrics.config import RUNG_NAMES
from engage_metrics.periods import fmt_date
from engage_metrics.predict import active, asks
from engage_metrics.predict.common import Prediction
from engage_ui import data, layout
from engage_ui.filters import Filters
from engage_ui.text import plain

COLUMNS = {
    "person_id": st.column_config.NumberColumn("Id", format="%d"),
    "name": "Name", "email": "Email", "phone": "Phone",
    "chance": st.column_config.ProgressColumn("Chance", min_value=0.0, max_value=1.0,
                                              format="percent"),
    "current_rung": st.column_config.NumberColumn("Rung now", format="%d"),
    "ask_rung": st.column_config.NumberColumn("Ask rung", format="%d"),
    "rung": st.column_config.NumberColumn("Rung", format="%d"),
    "depth": st.column_config.ProgressColumn("Depth", min_value=0, max_value=100, format="%.0f"),
    "tier": "Tier", "reasons": "Why", "program": "Program",
    "last_attended": st.column_config.DateColumn("Last seen"),
    "days_since": st.column_config.NumberColumn("Days since", format="%d"),
}
ASK_LIST = ["person_id", "name", "email", "current_rung", "depth", "tier", "chance", "reasons"]
ACTIVE_LIST = ["person_id", "name", "email", "rung", "depth", "tier", "chance", "days_since",
               "last_attended", "reasons"]
AT_RISK = 0.5   # a chance of coming back below this is "at risk"


def as_of(f: Filters) -> dt.date:
    """The date predictions are made as of: the period's end."""
    return f.window.end


def backtest(prediction: Prediction, key: str) -> None:
    """The backtest's figures as cards, its reading and its calibration chart (when run)."""
    bt = prediction.backtest
    model = registry.models()[bt.model]
    if bt.brier is None:
        st.info(plain(bt.why))
        return
    cards = [layout.Kpi(None, "Brier score (model)", bt.brier, unit="count",
                        help="Mean squared error of the chance in the backtest; 0 is perfect, "
                             "lower is better."),
             layout.Kpi(None, "Brier score (base rate)", bt.base_brier, unit="count",
                        help="The same for the base rate the model is compared with."),
             layout.Kpi(None, "AUC", bt.auc, unit="count",
                        help="The chance that someone who said yes (came back) was given a "
                             "higher chance than someone who did not; 0.5 is a coin toss."),
             layout.Kpi(None, "Rows scored", bt.scored,
                        help=f"After the cut date {bt.cut}; {bt.trained:,} rows learned from.")]
    layout.kpi_cards(cards, compare_label="")
    (st.caption if bt.passed else st.warning)(plain(bt.why))
    layout.chart(layout.figure(charts.calibration, bt.calibration,
                               f"Backtest of “{model.label}”: predicted against what happened"),
                 key=f"calibration_{key}")


def ask_next(f: Filters, key: str) -> None:
    """Per rung 2–5, the people most likely to say yes to a step up to it (their rung below
    it), most likely first; or the rule list "Ready for a bigger ask" and why."""
    asof = as_of(f)
    found, rows = data.prediction(asks.MODEL, asof)
    st.caption(f"As of {fmt_date(asof)}, all programs. "
               + plain(registry.models()[asks.MODEL].definition))
    if not found.passed:
        st.info(plain(found.backtest.why))
        _list(rows[[c for c in ASK_LIST if c in rows]], f, f"{key}_rule",
              "engage-ready-for-a-bigger-ask.csv")
        return
    step_up = rows[rows["current_rung"] < rows["ask_rung"]]
    rungs = [r for r in asks.ASK_RUNGS if (step_up["ask_rung"] == r).any()]
    if not rungs:
        st.info("Nobody active in the last year is below rung 5: there is no step up to ask for.")
        return
    st.caption("Per rung, the people below it most likely to say yes to a step up to it "
               "(everyone who attended has reached rung 2).")
    tabs = st.tabs([f"Ask for rung {r} {RUNG_NAMES[r]}" for r in rungs])
    for tab, rung in zip(tabs, rungs, strict=True):
        with tab:
            _list(step_up[step_up["ask_rung"] == rung][ASK_LIST], f, f"{key}_{rung}",
                  f"engage-ask-rung-{rung}.csv")


def slipping(f: Filters, key: str) -> None:
    """The people active in the last year whose chance of coming back within 90 days is
    below one in two, highest rung and deepest first; or the rule list "Slipping regulars"."""
    asof = as_of(f)
    found, rows = data.prediction(active.MODEL, asof)
    if not found.passed:
        st.info(plain(found.backtest.why))
        st.caption(plain(registry.get("people_slipping").definition))
        _list(rows[[c for c in ACTIVE_LIST if c in rows]], f, f"{key}_rule",
              "engage-people-slipping.csv")
        return
    st.caption(f"As of {fmt_date(asof)}, all programs: the people who attended in the last "
               f"year whose chance of coming back within {active.HORIZON} days is below "
               f"{AT_RISK * 100:.0f} %, highest rung and deepest relationship first. "
               + plain(registry.models()[active.MODEL].definition))
    risky = active.at_risk(rows, AT_RISK)
    if risky.empty:
        st.info("Nobody active in the last year is at risk.")
        return
    _list(risky[ACTIVE_LIST], f, key, "engage-people-slipping.csv")


def slipping_count(f: Filters) -> int:
    """How many people the slipping list holds (the People page's tab label)."""
    found, rows = data.prediction(active.MODEL, as_of(f))
    return len(active.at_risk(rows, AT_RISK)) if found.passed else len(rows)


def at_risk_reading(f: Filters) -> str | None:
    """The Overview's sentence on the Committed and Core people at risk (None when the model
    did not pass its backtest)."""
    found = data.fitted(active.MODEL, as_of(f))
    return active.reading(found.scores, AT_RISK) if found.scores is not None else None


def _list(rows: pd.DataFrame, f: Filters, key: str, file_name: str) -> None:
    layout.table(rows, f.hide_names, COLUMNS, key=f"table_{key}")
    layout.download(rows, file_name, "Download this list (CSV)", f.hide_names, key=f"dl_{key}")
