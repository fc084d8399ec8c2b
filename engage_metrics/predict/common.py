"""What the two predictions share: the backtest record, the calibration table, the reasons in
words, the private cursor their temporary tables live on, and the results kept per process."""
from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from engage_metrics import config, faults, metrics, registry
from engage_metrics.metrics import DEPTH_COLUMNS
from engage_metrics.transaction import data_version, write_unless_busy

PREDICT_DIR = registry.SQL_DIR / "predict"
# a contribution (in log-odds or log-hazard) below this is not worth a word
REASON_FLOOR = 0.05
REASONS_SHOWN = 3


@dataclass(frozen=True)
class Backtest:
    """How a model trained before *cut* did on what came after it (up to *asof*)."""

    model: str
    asof: dt.date
    cut: dt.date
    trained: int                 # rows learned from (asks, or gaps)
    scored: int                  # rows scored after the cut (asks, or people)
    positives: int               # of those, yes (or came back)
    auc: float | None
    brier: float | None
    base_brier: float | None     # the base rate's Brier score on the same rows
    passed: bool
    why: str                     # in words: what the figures mean, or why they are not enough
    # source, bin (tenths of the chance; the model's rows and the plain base rate's) or
    # stretch (the base rate by stretch's rows), predicted, observed, rows
    calibration: pd.DataFrame = field(repr=False)

    def figures(self) -> dict[str, Any]:
        """The figures as plain JSON-ready values (the CLI's --backtest)."""
        return {"model": self.model, "asof": self.asof.isoformat(), "cut": self.cut.isoformat(),
                "trained": self.trained, "scored": self.scored, "positives": self.positives,
                "auc": _round(self.auc), "brier": _round(self.brier),
                "base_brier": _round(self.base_brier), "passed": self.passed, "why": self.why,
                "calibration": [_calibration_row(row)
                                for row in self.calibration.to_dict("records")]}


def _calibration_row(row: dict[str, Any]) -> dict[str, Any]:
    """One calibration row as JSON: only its own fields (a model row has ``bin``, a base
    rate by stretch row ``stretch``), whole numbers as integers."""
    out: dict[str, Any] = {}
    for k, v in row.items():
        if v is None or (isinstance(v, float) and v != v):
            continue
        out[k] = int(v) if k in ("bin", "stretch", "rows") else (
            _round(v) if isinstance(v, float) else v)
    return out


def _round(value: float | None) -> float | None:
    return None if value is None or value != value else round(float(value), 4)


@dataclass(frozen=True)
class Prediction:
    """A model's scores as of a date with its backtest; *scores* is None when the backtest did
    not pass (then the page and the CLI show the rule list and say why)."""

    backtest: Backtest
    scores: pd.DataFrame | None

    @property
    def passed(self) -> bool:
        return self.scores is not None


def brier(chance: np.ndarray, outcome: np.ndarray) -> float | None:
    """Mean squared difference between the chance and what happened (0 best)."""
    return float(np.mean((chance - outcome) ** 2)) if len(outcome) else None


def calibration(chance: np.ndarray, outcome: np.ndarray, source: str) -> pd.DataFrame:
    """Predicted against observed by tenths of the chance (bins with no rows left out)."""
    frame = pd.DataFrame({"chance": chance, "outcome": outcome})
    frame["bin"] = np.minimum((frame["chance"] * 10).astype(int), 9)
    table = frame.groupby("bin").agg(predicted=("chance", "mean"), observed=("outcome", "mean"),
                                     rows=("outcome", "size")).reset_index()
    table.insert(0, "source", source)
    return table


def reasons(contributions: np.ndarray, phrases: np.ndarray, prefix: Sequence[str] | None = None,
            ) -> np.ndarray:
    """Each row's reasons in words: the (at most three) features whose contributions moved
    its chance most against the average, "higher: …; lower: …". *contributions* and
    *phrases* are rows × features; built column by column, not row by row."""
    n, width = contributions.shape
    order = np.argsort(-np.abs(contributions), axis=1)[:, :min(REASONS_SHOWN, width)]
    value = np.take_along_axis(contributions, order, axis=1)
    words = np.take_along_axis(phrases, order, axis=1)
    up = np.full(n, "", dtype=object)
    down = np.full(n, "", dtype=object)
    for j in range(order.shape[1]):      # over the three places, not over people
        word = words[:, j]
        # a phrase already said (several features of one fact, "came only once") is said once
        said = np.zeros(n, dtype=bool)
        for k in range(j):
            said |= (words[:, k] == word) & (np.abs(value[:, k]) >= REASON_FLOOR)
        for side, keep in ((up, value[:, j] >= REASON_FLOOR), (down, value[:, j] <= -REASON_FLOOR)):
            joined = np.where(side == "", word, side + ", " + word)
            keep = keep & ~said
            side[keep] = joined[keep]
    text = np.where(up != "", "higher: " + up, "")
    both = (up != "") & (down != "")
    text = np.where(both, text + "; ", text)
    text = np.where(down != "", text + "lower: " + down, text)
    text = np.where(text == "", "about average", text)
    if prefix is not None:
        text = np.asarray(prefix, dtype=object) + "; " + text
    return text.astype(object)


def counted(n: pd.Series, one: str, many: str) -> pd.Series:
    """Whole numbers with their noun: "1 day", "3 days" (*one* and *many* are the nouns,
    with whatever follows them)."""
    whole = n.round().astype("int64")
    return pd.Series(np.where(whole == 1, "1 " + one, whole.astype(str) + " " + many),
                     index=n.index, dtype=object)


def sql(name: str) -> str:
    return (PREDICT_DIR / f"{name}.sql").read_text()


@contextmanager
def private_cursor(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """A cursor of its own for the temporary tables of one prediction (the dashboard shares
    one connection between sessions), in one read transaction that is rolled back."""
    cur = con.cursor()
    try:
        cur.execute("BEGIN TRANSACTION")
        yield cur
    finally:
        try:
            cur.execute("ROLLBACK")
        except duckdb.Error:
            pass
        cur.close()


def depth_into(cur: duckdb.DuckDBPyConnection, targets: str) -> None:
    """predict_depth: depth.sql's formula (the stored settings) at every distinct
    (person_id, d) of the relation *targets*."""
    cur.execute("CREATE OR REPLACE TEMP TABLE depth_target AS "   # noqa: S608 - fixed names
                f"SELECT DISTINCT person_id, d FROM {targets}")
    query = (f"CREATE OR REPLACE TEMP TABLE predict_depth AS WITH {metrics.depth_formula()}\n"
             f"SELECT {DEPTH_COLUMNS} FROM depth_tiered")
    cur.execute(query, metrics._bind(query, config.metric_params(cur)))


def people(cur: duckdb.DuckDBPyConnection, person_ids: pd.Series) -> pd.DataFrame:
    """Name, email and phone of *person_ids* (for the lists; masked by the UI when hidden)."""
    ids = pd.DataFrame({"person_id": person_ids.astype("int64").unique()})
    cur.register("predict_people", ids)
    try:
        return cur.execute(sql("people")).df()
    finally:
        cur.unregister("predict_people")


_KEPT = metrics._Kept(lambda items: len(items) <= 64)


def kept(con: duckdb.DuckDBPyConnection, what: tuple, compute: Any) -> Any:
    """compute(), kept per process on the database file, its data version and *what* (with
    the settings): the dashboard's pages and reruns fit each model once per data version.
    Kept in the store too (table prediction_kept), so that a new process (a restarted
    server, the CLI) reads what an earlier one fitted on the same data instead of fitting
    again: a fit, and the scikit-learn import before it, took seconds of the Overview's and
    the People page's first view."""
    with faults.reading(con):
        key = metrics._cache_key(con, "predict", *what,
                                 tuple(sorted(config.metric_params(con).items())))
        found = _KEPT.get(key)
        if found is not None:
            return found
        stamp = _stamp(con, what) if key is not None else None
        result = _stored(con, what, stamp) if stamp is not None else None
        if result is None:
            result = compute()
            if stamp is not None:
                _store(con, what, stamp, result)
    if key is not None:
        _KEPT.put(key, result)
    return result


def _stamp(con: duckdb.DuckDBPyConnection, what: tuple) -> str:
    """What a kept prediction was computed from: *what* (model, date …), the data version
    and row counts, the settings, and the queries the models read."""
    version = con.execute(
        "SELECT (SELECT MAX(value) FROM meta WHERE key = 'data_version'), "
        "(SELECT COUNT(*) FROM participation), (SELECT COUNT(*) FROM ask)").fetchall()[0]
    queries = "".join(p.read_text() for p in sorted([*PREDICT_DIR.glob("*.sql"),
                                                      *registry.MODELS_DIR.glob("*.sql")]))
    return json.dumps({"what": list(what), "data": list(version),
                       "settings": config.metric_params(con),
                       "sql": hashlib.sha256(queries.encode()).hexdigest()},
                      sort_keys=True, default=str)


def _stored(con: duckdb.DuckDBPyConnection, what: tuple, stamp: str) -> Prediction | None:
    """The prediction kept in the store with *stamp*, if any (None also for a store from
    before prediction_kept)."""
    try:
        rows = con.execute("SELECT backtest, calibration, scores FROM prediction_kept "
                           "WHERE what = $what AND stamp = $stamp",
                           {"what": json.dumps(list(what), default=str), "stamp": stamp}
                           ).fetchall()
    except duckdb.CatalogException:
        return None
    if not rows:
        return None
    figures, calibration, scores = rows[0]
    fields = json.loads(figures)
    for name in ("asof", "cut"):
        fields[name] = dt.date.fromisoformat(fields[name])
    backtest = Backtest(**fields, calibration=_frame(calibration))
    return Prediction(backtest, None if scores is None else _frame(scores))


def _store(con: duckdb.DuckDBPyConnection, what: tuple, stamp: str,
           prediction: Prediction) -> None:
    """Keep *prediction* in the store under *what* (replacing what was kept there before).
    A store that cannot take it (opened read-only, full) or is being written by another
    session keeps nothing: the next process fits again, nothing else changes."""
    cur = con.cursor()
    try:
        bt = prediction.backtest
        figures = {f: getattr(bt, f) for f in Backtest.__dataclass_fields__
                   if f != "calibration"}
        figures["asof"], figures["cut"] = bt.asof.isoformat(), bt.cut.isoformat()
        row = {"what": json.dumps(list(what), default=str), "stamp": stamp,
               "version": data_version(cur),
               "backtest": json.dumps(figures, default=lambda v: v.item()),
               "calibration": _parquet(bt.calibration),
               "scores": None if prediction.scores is None else _parquet(prediction.scores)}
        def keep(c: duckdb.DuckDBPyConnection) -> None:
            # one row per prediction, of the current data only (older ones are never read)
            c.execute("DELETE FROM prediction_kept WHERE what = $what "
                      "OR data_version <> $version",
                      {"what": row["what"], "version": row["version"]})
            c.execute("INSERT INTO prediction_kept VALUES ($what, $version, $stamp, "
                      "$backtest, $calibration, $scores)", row)

        write_unless_busy(cur, keep)     # an import under way: the next reader keeps it
    except (duckdb.Error, faults.StoreError):
        pass
    finally:
        cur.close()


def _parquet(frame: pd.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False)
    return buffer.getvalue()


def _frame(data: bytes) -> pd.DataFrame:
    return pd.read_parquet(io.BytesIO(data))


def clear() -> None:
    """Forget every kept prediction of this process."""
    _KEPT.clear()
