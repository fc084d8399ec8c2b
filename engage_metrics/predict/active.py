"""Who is slipping away: the chance that a person active in the year before a date attends
again within 90 days of it.

A survival model of the gaps between attendances (a Cox proportional-hazards model,
scikit-survival): each gap between two consecutive attended dates before the date is a
duration that ended in a return, each person's time since their last attendance is one
still open (censored at the date). The features are those known on the day the gap began,
built in SQL (``sql/models/still_active.sql``) from the attendances before the date only.
The backtest fits the model 90 days earlier and compares its chances with who came back;
below the thresholds the rule list "Slipping regulars" (people_slipping) stands in.
"""
from __future__ import annotations

import datetime as dt

import duckdb
import numpy as np
import pandas as pd

from engage_metrics import config, metrics, registry
from engage_metrics.config import RUNG_NAMES
from engage_metrics.predict import common
from engage_metrics.predict.common import Backtest, Prediction

MODEL = "still_active"
HORIZON = 90            # days: "attends again in [D, D + 90)"
ACTIVE_DAYS = 365       # the people scored: attended in the year before D
MIN_PEOPLE = 50         # people scored in the backtest
MIN_EACH = 10           # of them, at least this many who came back and who did not
MIN_RETURNS = 100       # finished gaps to learn from
MAX_GAPS = 20_000       # the most recent gaps learned from (enough for six coefficients;
                        # the fit costs seconds per 100,000 gaps, on a page's first view)
ALPHA = 0.01            # ridge penalty of the Cox model (on standardized features)
FEATURES = ("dates_so_far", "usual_gap", "last_gap", "tenure_days", "last_year", "rung")
# counts and days enter on a log scale: a gap of 7 against 14 days matters as 70 against 140
LOGGED = ("dates_so_far", "usual_gap", "last_gap", "tenure_days", "last_year")
COLUMNS = ("person_id", "name", "email", "phone", "chance", "last_attended", "days_since",
           "rung", "depth", "tier", "reasons")


class _Model:
    """The fitted Cox model and the standardization of its features."""

    def __init__(self, gaps: pd.DataFrame) -> None:
        # imported on the first fit, not with the module: scikit-learn, scikit-survival and
        # the scipy they load take a second, which no page's first view should pay for
        from sklearn.preprocessing import StandardScaler
        from sksurv.linear_model import CoxPHSurvivalAnalysis
        from sksurv.util import Surv

        gaps = gaps.tail(MAX_GAPS)          # the most recent (gap_rows: oldest first)
        self.scaler = StandardScaler().fit(_matrix(gaps))
        x = self.scaler.transform(_matrix(gaps))
        self.cox = CoxPHSurvivalAnalysis(alpha=ALPHA, ties="breslow")
        self.cox.fit(x, Surv.from_arrays(gaps["returned"].to_numpy(bool),
                                         gaps["duration"].to_numpy(float)))
        self.mean_x = x.mean(axis=0)
        hazard = self.cox.cum_baseline_hazard_
        self.times, self.cumulative = np.asarray(hazard.x), np.asarray(hazard.y)

    def _baseline(self, t: np.ndarray) -> np.ndarray:
        """The cumulative baseline hazard H0(t), a step function (0 before the first return,
        flat after the last time seen)."""
        i = np.searchsorted(self.times, t, side="right") - 1
        return np.where(i >= 0, self.cumulative[np.clip(i, 0, None)], 0.0)

    def chance(self, rows: pd.DataFrame) -> np.ndarray:
        """P(the gap ends within HORIZON days | it has lasted e days): 1 − S(e + 89) ÷ S(e − 1),
        with S(t | x) = exp(−H0(t) · exp(x·b))."""
        elapsed = rows["duration"].to_numpy(float)
        risk = np.exp(self.cox.predict(self.scaler.transform(_matrix(rows))))
        ahead = self._baseline(elapsed + HORIZON - 1) - self._baseline(elapsed - 1)
        return 1.0 - np.exp(-ahead * risk)

    def contributions(self, rows: pd.DataFrame) -> np.ndarray:
        """Each feature's push on the log-hazard of coming back, against the average gap."""
        return (self.scaler.transform(_matrix(rows)) - self.mean_x) * self.cox.coef_


def _matrix(gaps: pd.DataFrame) -> np.ndarray:
    x = gaps[list(FEATURES)].astype(float).copy()
    for name in LOGGED:
        x[name] = np.log1p(x[name])
    return x.to_numpy()


def gap_rows(cur: duckdb.DuckDBPyConnection, asof: dt.date) -> pd.DataFrame:
    """The gaps begun before *asof* (see still_active.sql) that the model reads, oldest
    first: the MAX_GAPS most recent (learned from) and every one still open of the people
    active in the year before *asof* (scored); the others stay in the database."""
    sql = registry.models()[MODEL].sql
    # the MAX_GAPS most recent by (began DESC, person_id), one gap per person and date: those
    # up to the MAX_GAPS-th in that order (all when there are fewer), found by a top-n
    # rather than numbering every gap in order
    return cur.execute(
        f"WITH gaps AS MATERIALIZED ({sql}), "  # noqa: S608 - the registry's query
        "last_learned AS (SELECT began, person_id FROM gaps ORDER BY began DESC, person_id "
        "                 LIMIT 1 OFFSET $most - 1) "
        "SELECT g.* FROM gaps g LEFT JOIN last_learned l ON TRUE "
        "WHERE l.began IS NULL OR g.began > l.began "
        "   OR (g.began = l.began AND g.person_id <= l.person_id) "
        "   OR (NOT g.returned AND g.began >= CAST($since AS DATE)) "
        "ORDER BY g.began, g.person_id",
        {"asof": asof, "most": MAX_GAPS,
         "since": asof - dt.timedelta(days=ACTIVE_DAYS)}).df()


def open_gaps(gaps: pd.DataFrame, asof: dt.date) -> pd.DataFrame:
    """The people active in the year before *asof*: their open gap (last attendance)."""
    since = pd.Timestamp(asof - dt.timedelta(days=ACTIVE_DAYS))
    return gaps[~gaps["returned"] & (gaps["began"] >= since)].reset_index(drop=True)


def _came_back(cur: duckdb.DuckDBPyConnection, start: dt.date, end: dt.date) -> set[int]:
    rows = cur.execute(common.sql("came_back"), {"start": start, "end": end}).fetchall()
    return {r[0] for r in rows}


def backtest_of(cur: duckdb.DuckDBPyConnection, asof: dt.date) -> Backtest:
    """Fit as of asof − 90 days, score the people active in the year before then, and compare
    with who attended in the 90 days after it (all before *asof*)."""
    cut = asof - dt.timedelta(days=HORIZON)
    history = gap_rows(cur, cut)
    scored = open_gaps(history, cut)
    came = _came_back(cur, cut, asof)
    outcome = scored["person_id"].isin(came).to_numpy(float)
    returns, positives = int(history["returned"].sum()), int(outcome.sum())
    thin = None
    if len(scored) < MIN_PEOPLE:
        thin = f"{len(scored):,} people active in the year before {cut}; it needs {MIN_PEOPLE:,}"
    elif min(positives, len(scored) - positives) < MIN_EACH:
        thin = (f"{positives:,} of the {len(scored):,} people active before {cut} came back; "
                f"it needs at least {MIN_EACH:,} who did and {MIN_EACH:,} who did not")
    elif returns < MIN_RETURNS:
        thin = f"{returns:,} returns before {cut} to learn from; it needs {MIN_RETURNS:,}"
    if thin:
        return Backtest(MODEL, asof, cut, len(history), len(scored), positives, None, None, None,
                        False, f"The attendance history is too thin: {thin}. The rule list "
                        '"Slipping regulars" stands in its place.', _no_calibration())
    chance = _Model(history).chance(scored)
    row = cur.execute(common.sql("return_base_rate"), {"start": cut, "horizon": HORIZON}
                      ).fetchall()[0]
    rate = row[1] / row[0] if row[0] else float(outcome.mean())
    base = np.full(len(outcome), rate)
    model_brier, base_brier = common.brier(chance, outcome), common.brier(base, outcome)
    assert model_brier is not None and base_brier is not None   # scored is not empty
    passed = model_brier < base_brier
    from sklearn.metrics import roc_auc_score  # loaded by the fit above already

    auc = float(roc_auc_score(outcome, chance))
    why = (f"Fitted on the {len(history):,} gaps before {cut}, scored the {len(scored):,} people "
           f"active in the year before it: {positives:,} came back within {HORIZON} days. "
           f"Brier score {model_brier:.3f} against {base_brier:.3f} for the base rate "
           f"({rate * 100:.0f} % came back in the {HORIZON} days before the cut); AUC {auc:.2f}.")
    if not passed:
        why += (" The model does no better than the base rate, so no chance is shown: the rule "
                'list "Slipping regulars" stands in its place.')
    calibration = pd.concat([common.calibration(chance, outcome, "model"),
                             common.calibration(base, outcome, "base rate")], ignore_index=True)
    return Backtest(MODEL, asof, cut, len(history), len(scored), positives, auc, model_brier,
                    base_brier, passed, why, calibration)


def _no_calibration() -> pd.DataFrame:
    return pd.DataFrame(columns=["source", "bin", "predicted", "observed", "rows"])


def _phrases(rows: pd.DataFrame) -> np.ndarray:
    """Each feature of each row in words, singular or plural as the number says; with one
    attended date the gaps and the tenure say nothing of their own, so each of them reads
    "came only once" (common.reasons says a phrase once)."""
    def text(series: pd.Series) -> pd.Series:
        return series.round().astype("int64").astype(str)

    once = rows["dates_so_far"] <= 1

    def unless_once(words: pd.Series) -> pd.Series:
        return pd.Series(np.where(once, "came only once", words), index=rows.index, dtype=object)

    usual = rows["usual_gap"].round()
    columns = {
        "dates_so_far": unless_once(common.counted(rows["dates_so_far"], "attended date",
                                                   "attended dates")),
        "usual_gap": unless_once(pd.Series(np.where(
            usual <= 1, "usually every day", "usually every " + text(usual) + " days"),
            index=rows.index)),
        "last_gap": unless_once(common.counted(rows["last_gap"], "day", "days")
                                + " between their last two visits"),
        "tenure_days": unless_once("first came " + common.counted(rows["tenure_days"], "day",
                                                                  "days")
                                   + " before their last visit"),
        "last_year": common.counted(rows["last_year"], "visit", "visits")
                     + " in the year up to their last",
        "rung": "rung " + text(rows["rung"]) + " " + rows["rung"].map(RUNG_NAMES).fillna(""),
    }
    return np.column_stack([columns[c].to_numpy(dtype=object) for c in FEATURES])


def predict(con: duckdb.DuckDBPyConnection, asof: dt.date) -> Prediction:
    """The chance of attending again in [asof, asof + 90 days) for everyone who attended in
    the year before *asof*, with the backtest; kept per process and data version."""
    return common.kept(con, (MODEL, asof), lambda: _predict(con, asof))


def _predict(con: duckdb.DuckDBPyConnection, asof: dt.date) -> Prediction:
    with common.private_cursor(con) as cur:
        backtest = backtest_of(cur, asof)
        if not backtest.passed:
            return Prediction(backtest, None)
        history = gap_rows(cur, asof)
        model = _Model(history)
        rows = open_gaps(history, asof)
        rows["chance"] = model.chance(rows)
        last = "last came " + common.counted(rows["duration"], "day", "days") + " ago"
        rows["reasons"] = common.reasons(model.contributions(rows), _phrases(rows),
                                         prefix=last.to_numpy(dtype=object))
        rows = rows.rename(columns={"began": "last_attended", "duration": "days_since"})
        rows["d"] = asof
        cur.register("predict_rows", rows[["person_id", "d"]])
        common.depth_into(cur, "(SELECT person_id, CAST(d AS DATE) AS d FROM predict_rows)")
        depth = cur.execute("SELECT person_id, score AS depth, tier FROM predict_depth").df()
        cur.unregister("predict_rows")
        scores = (rows.merge(depth, on="person_id", how="left")
                  .merge(common.people(cur, rows["person_id"]), on="person_id", how="left"))
    scores["depth"] = scores["depth"].fillna(0.0)
    scores["tier"] = scores["tier"].fillna("New")
    scores["last_attended"] = pd.to_datetime(scores["last_attended"]).dt.date
    # most at risk first (the lowest chance of coming back), ties by person_id
    scores = scores.sort_values(["chance", "person_id"], kind="stable")
    return Prediction(backtest, scores[list(COLUMNS)].reset_index(drop=True))


def at_risk(scores: pd.DataFrame, threshold: float = 0.5) -> pd.DataFrame:
    """The people whose chance of coming back is below *threshold*, highest value first:
    highest rung, then deepest relationship, then the lowest chance."""
    risky = scores[scores["chance"] < threshold]
    return risky.sort_values(["rung", "depth", "chance"], ascending=[False, False, True],
                             kind="stable").reset_index(drop=True)


def fallback(con: duckdb.DuckDBPyConnection, asof: dt.date) -> pd.DataFrame:
    """The rule list that stands in for the scores: people_slipping at *asof* (all programs),
    in the columns of the scores (no chance; the rule as the reason)."""
    rows = metrics.run(con, "people_slipping", end=asof, programs=[],
                       **config.metric_params(con))
    return pd.DataFrame({
        "person_id": rows["person_id"], "name": rows["name"], "email": rows["email"],
        "phone": rows["phone"], "chance": np.nan, "last_attended": rows["last_attended"],
        "days_since": rows["days_since"], "rung": np.nan, "depth": np.nan, "tier": None,
        "reasons": "rule: " + rows["days_since"].astype("int64").astype(str)
                   + " days since they last came, usually every "
                   + rows["usual_gap"].round().astype("int64").astype(str) + " days",
    })[list(COLUMNS)]


def reading(scores: pd.DataFrame, threshold: float = 0.5) -> str:
    """The Overview's sentence: how many Committed and Core people are at risk."""
    deep = scores[scores["tier"].isin(("Committed", "Core"))]
    risky = int((deep["chance"] < threshold).sum())
    if deep.empty:
        return "Nobody active in the last year has a Committed or Core relationship yet."
    verb = "is" if risky == 1 else "are"
    return (f"{risky:,} of the {len(deep):,} Committed or Core people active in the last year "
            f"{verb} at risk: a chance below {threshold * 100:.0f} % of coming back within "
            f"{HORIZON} days.")
