"""Who to ask next: the chance that a person says yes to an ask at a rung, as of a date.

Learned from the organization's own asks before the date by a regularized logistic
regression (scikit-learn). The features are built in SQL (``sql/models/ask_chance.sql``)
from the canonical tables filtered to before each row's own day; the backtest trains on
the earlier asks and scores the later ones; below the thresholds no chance is shown and
the rule list "Ready for a bigger ask" (people_ready) stands in (docs/predictions.md).
"""
from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import duckdb
import numpy as np
import pandas as pd

from engage_metrics import config, metrics, registry
from engage_metrics.config import RUNG_NAMES
from engage_metrics.predict import common
from engage_metrics.predict.common import Backtest, Prediction

if TYPE_CHECKING:   # scikit-learn is imported on the first fit (see _pipeline), not here
    from sklearn.pipeline import Pipeline

MODEL = "ask_chance"
MIN_ASKS = 150          # asks before the date, to learn anything
MIN_TEST_ASKS = 40      # asks after the backtest's cut, to judge it
MIN_AUC = 0.60          # a backtest below this ranks yes and no too poorly to show
TRAIN_SHARE = 0.7       # the backtest learns from the first 70 % of the asks, in date order
ASK_RUNGS = (2, 3, 4, 5)
RULE_DAYS = 365         # the rule list standing in: people_ready over the year before
NUMERIC = ("depth", "tenure", "frequency", "recency", "breadth", "ties", "touches", "rung",
           "stretch", "days_since", "past_asks", "yes_share")
CATEGORICAL = ("program",)
COLUMNS = ("person_id", "name", "email", "phone", "current_rung", "ask_rung", "chance",
           "reasons", "depth", "tier", "program")


def features(cur: duckdb.DuckDBPyConnection, targets: pd.DataFrame) -> pd.DataFrame:
    """The model's features of the rows of *targets* (row_id, person_id, d, ask_rung), each
    as of its own day d."""
    cur.register("ask_target_rows", targets[["row_id", "person_id", "d", "ask_rung"]])
    cur.execute("CREATE OR REPLACE TEMP TABLE ask_target AS SELECT row_id, person_id, "
                "CAST(d AS DATE) AS d, ask_rung FROM ask_target_rows")
    cur.unregister("ask_target_rows")
    common.depth_into(cur, "ask_target")
    return cur.execute(registry.models()[MODEL].sql).df()


def _pipeline() -> Pipeline:
    # imported here, not with the module: scikit-learn and the scipy it loads take a second,
    # which no page's first view should pay for when nothing is fitted
    from sklearn.compose import ColumnTransformer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    columns = ColumnTransformer([
        ("numeric", StandardScaler(), list(NUMERIC)),
        ("program", OneHotEncoder(handle_unknown="ignore"), list(CATEGORICAL)),
    ], sparse_threshold=0.0)
    return Pipeline([("columns", columns),
                     ("model", LogisticRegression(C=1.0, max_iter=1000))])


def _fit(rows: pd.DataFrame) -> Pipeline:
    model = _pipeline()
    model.fit(rows[list(NUMERIC + CATEGORICAL)], rows["yes"].to_numpy())
    return model


def _chance(model: Pipeline, rows: pd.DataFrame) -> np.ndarray:
    return model.predict_proba(rows[list(NUMERIC + CATEGORICAL)])[:, 1]


def training_rows(cur: duckdb.DuckDBPyConnection, asof: dt.date) -> pd.DataFrame:
    """The asks before *asof* with their features and outcome, in date order."""
    asks = cur.execute(common.sql("ask_history"), {"asof": asof}).df()
    if asks.empty:
        return asks
    described = features(cur, asks)
    return described.merge(asks[["row_id", "yes"]], on="row_id").sort_values(["d", "row_id"])


def backtest_of(history: pd.DataFrame, asof: dt.date) -> tuple[Backtest, Pipeline | None]:
    """Train on the asks before the cut (the first TRAIN_SHARE of them), score the rest;
    the figures, and the model fitted on every ask when the backtest passes."""
    n = len(history)
    if n == 0:
        return _thin(asof, asof, 0, 0, 0, "No asks before this date: the organization's ask "
                     "history is too thin to learn from."), None
    cut = pd.Timestamp(history["d"].iloc[min(int(n * TRAIN_SHARE), n - 1)]).date()
    before = (history["d"] < pd.Timestamp(cut)).to_numpy()
    train, test = history[before], history[~before]
    positives = int(test["yes"].sum())
    thin = None
    if n < MIN_ASKS:
        thin = f"{n:,} asks before this date; the model needs at least {MIN_ASKS:,}"
    elif len(test) < MIN_TEST_ASKS:
        thin = (f"{len(test):,} asks after the backtest's cut ({cut}); the backtest needs at "
                f"least {MIN_TEST_ASKS:,}")
    elif train["yes"].nunique() < 2 or test["yes"].nunique() < 2:
        thin = "the asks before or after the backtest's cut all had the same answer"
    if thin:
        return _thin(asof, cut, len(train), len(test), positives,
                     f"The ask history is too thin: {thin}."), None
    chance = _chance(_fit(train), test)
    outcome = test["yes"].to_numpy()
    # the base rate by stretch: the training asks' acceptance at the same stretch
    by_stretch = train.groupby("stretch")["yes"].mean()
    base = test["stretch"].map(by_stretch).fillna(train["yes"].mean()).to_numpy()
    from sklearn.metrics import roc_auc_score  # loaded by the fit above already

    auc = float(roc_auc_score(outcome, chance))
    passed = auc >= MIN_AUC
    why = (f"Trained on {len(train):,} asks before {cut}, scored the {len(test):,} after it: "
           f"AUC {auc:.2f} (0.5 is a coin toss), Brier score {common.brier(chance, outcome):.3f} "
           f"against {common.brier(base, outcome):.3f} for the base rate by stretch.")
    if not passed:
        why += (f" An AUC below {MIN_AUC:.2f} ranks yes and no too poorly: the ask history is "
                "too thin to trust a score.")
    calibration = pd.concat([common.calibration(chance, outcome, "model"),
                             _by_stretch(test, base)], ignore_index=True)[
        ["source", "bin", "stretch", "predicted", "observed", "rows"]]
    backtest = Backtest(MODEL, asof, cut, len(train), len(test), positives, auc,
                        common.brier(chance, outcome), common.brier(base, outcome), passed, why,
                        calibration)
    return backtest, (_fit(history) if passed else None)


def _by_stretch(test: pd.DataFrame, base: np.ndarray) -> pd.DataFrame:
    """The base rate's calibration points: per stretch (rungs above the person's, in the
    column ``stretch``; the model's rows have ``bin``, tenths of the chance), its rate
    against what happened."""
    frame = pd.DataFrame({"stretch": test["stretch"].to_numpy(), "predicted": base,
                          "observed": test["yes"].to_numpy()})
    table = frame.groupby("stretch").agg(predicted=("predicted", "mean"),
                                     observed=("observed", "mean"),
                                     rows=("observed", "size")).reset_index()
    table.insert(0, "source", "base rate by stretch")
    return table


def _thin(asof: dt.date, cut: dt.date, trained: int, scored: int, positives: int,
          why: str) -> Backtest:
    return Backtest(MODEL, asof, cut, trained, scored, positives, None, None, None, False,
                    why + ' The rule list "Ready for a bigger ask" stands in its place.',
                    pd.DataFrame(columns=["source", "bin", "predicted", "observed", "rows"]))


# the parts of depth in words, (above the average ask's, below it): the reasons name the
# direction ("fewer relational events attended"), not only the feature
DIRECTED = {
    "tenure": ("longer with the organization", "newer to the organization"),
    "frequency": ("came more often this year", "came less often this year"),
    "recency": ("came more recently", "came less recently"),
    "breadth": ("a wider range of events attended", "a narrower range of events attended"),
    "ties": ("knows more people here", "knows fewer people here"),
    "touches": ("more relational events attended", "fewer relational events attended"),
}


def _phrases(rows: pd.DataFrame, above: np.ndarray | None = None) -> np.ndarray:
    """Each feature of each row in words (rows × the model's features, NUMERIC then
    program), singular or plural as the number says; *above* (rows × NUMERIC) says where a
    row's feature is above the average ask's, for the phrases that name a direction."""
    def text(series: pd.Series) -> pd.Series:
        return series.round().astype("int64").astype(str)

    if above is None:
        above = np.zeros((len(rows), len(NUMERIC)), dtype=bool)
    rung_names = rows["rung"].map(RUNG_NAMES).fillna("")
    asked, days = rows["past_asks"].round(), rows["days_since"].round()
    columns = {
        "depth": "relationship depth " + text(rows["depth"]),
        **{name: pd.Series(np.where(above[:, NUMERIC.index(name)], more, fewer),
                           index=rows.index, dtype=object)
           for name, (more, fewer) in DIRECTED.items()},
        "rung": "rung " + text(rows["rung"]) + " " + rung_names,
        "stretch": pd.Series(np.where(rows["stretch"] > 0,
                                      "an ask " + common.counted(rows["stretch"], "rung", "rungs")
                                      + " above theirs",
                                      "an ask at or below their rung"), index=rows.index),
        "days_since": pd.Series(np.where(days < 1, "came the same day",
                                         common.counted(days, "day", "days")
                                         + " since they last came"), index=rows.index),
        "past_asks": pd.Series(np.where(asked < 1, "never asked before",
                                        common.counted(asked, "earlier ask", "earlier asks")),
                               index=rows.index),
        "yes_share": pd.Series(np.where(
            asked < 1, "never asked before",
            "said yes to " + text(rows["past_yes"]) + " of "
            + common.counted(asked, "earlier ask", "earlier asks")), index=rows.index),
        "program": "mostly in " + rows["program"].astype(str),
    }
    return np.column_stack([columns[c].to_numpy(dtype=object)
                            for c in (*NUMERIC, *CATEGORICAL)])


def _contributions(model: Pipeline, rows: pd.DataFrame, train_mean: np.ndarray) -> np.ndarray:
    """Each feature's push on the log-odds against the average ask the model learned from
    (the program's one-hot columns summed into one)."""
    columns = model.named_steps["columns"]
    coef = model.named_steps["model"].coef_[0]
    pushed = (np.asarray(columns.transform(rows[list(NUMERIC + CATEGORICAL)])) - train_mean) * coef
    numeric = pushed[:, :len(NUMERIC)]
    program = pushed[:, len(NUMERIC):].sum(axis=1, keepdims=True)
    return np.hstack([numeric, program])


def predict(con: duckdb.DuckDBPyConnection, asof: dt.date,
            rung: int | None = None) -> Prediction:
    """The chance of a yes for everyone who attended in the year before *asof*, per ask rung
    2–5 (or only *rung*), with the backtest; kept per process and data version."""
    return common.kept(con, (MODEL, asof, rung), lambda: _predict(con, asof, rung))


def _predict(con: duckdb.DuckDBPyConnection, asof: dt.date, rung: int | None) -> Prediction:
    with common.private_cursor(con) as cur:
        history = training_rows(cur, asof)
        backtest, model = backtest_of(history, asof)
        if model is None:
            return Prediction(backtest, None)
        train_mean = np.asarray(model.named_steps["columns"].transform(
            history[list(NUMERIC + CATEGORICAL)])).mean(axis=0)
        targets = cur.execute(common.sql("ask_candidates"), {"asof": asof, "rung": rung}).df()
        if targets.empty:
            return Prediction(backtest, pd.DataFrame(columns=list(COLUMNS)))
        rows = features(cur, targets)
        rows["chance"] = _chance(model, rows)
        above = (np.asarray(model.named_steps["columns"].transform(
            rows[list(NUMERIC + CATEGORICAL)]))[:, :len(NUMERIC)] > train_mean[:len(NUMERIC)])
        rows["reasons"] = common.reasons(_contributions(model, rows, train_mean),
                                         _phrases(rows, above))
        rows = rows.rename(columns={"rung": "current_rung"})
        scores = rows.merge(common.people(cur, rows["person_id"]), on="person_id", how="left")
    scores = scores.sort_values(["ask_rung", "chance", "person_id"],
                                ascending=[True, False, True], kind="stable")
    return Prediction(backtest, scores[list(COLUMNS)].reset_index(drop=True))


def fallback(con: duckdb.DuckDBPyConnection, asof: dt.date,
             ready: pd.DataFrame | None = None) -> pd.DataFrame:
    """The rule list that stands in for the scores: people_ready over the year before
    *asof* (all programs), in the columns of the scores (no chance; the rule as the reason).
    *ready*: those people_ready rows when the caller has them already."""
    if ready is None:
        start = asof - dt.timedelta(days=RULE_DAYS)
        ready = metrics.run(con, "people_ready", start=start, end=asof, programs=[],
                            **config.metric_params(con))
    return pd.DataFrame({
        "person_id": ready["person_id"], "name": ready["name"], "email": ready["email"],
        "phone": ready["phone"], "current_rung": ready["rung"],
        "ask_rung": np.minimum(ready["rung"].astype("int64") + 1, 5),
        "chance": np.nan,
        "reasons": "rule: depth " + ready["depth"].round().astype("int64").astype(str)
                   + " (" + ready["tier"].astype(str) + ") and still at rung "
                   + ready["rung"].astype(str),
        "depth": ready["depth"], "tier": ready["tier"], "program": None,
    })[list(COLUMNS)]
