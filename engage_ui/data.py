"""Cached engine calls, keyed on the data version so a new import refreshes every number.

Each function takes plain, hashable arguments (dates, tuples); the cursor is
taken from :mod:`engage_ui.store` and passed under a leading underscore so
Streamlit does not hash it.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

import duckdb
import pandas as pd
import streamlit as st

from engage_metrics import config, importer, metrics, quality, resolve, settings_store
from engage_metrics.metrics import Window, quarters_back
from engage_metrics.predict import active, asks
from engage_metrics.predict.common import Prediction
from engage_ui import store

# every cache of this module: no spinner (pages show their own), bounded size
cached = st.cache_data(show_spinner=False, max_entries=1024)


@cached
def _overview(_con: duckdb.DuckDBPyConnection, version: int) -> dict[str, Any]:
    row = _con.execute("""
        SELECT (SELECT COUNT(*) FROM participation) AS participations,
               (SELECT COUNT(*) FROM person) AS people,
               (SELECT MIN(event_date) FROM event) AS first_date,
               (SELECT MAX(event_date) FROM event) AS last_date,
               (SELECT COUNT(*) FROM ask) AS asks
    """).fetchone()
    assert row is not None   # an aggregate without GROUP BY returns one row
    programs = [r[0] for r in _con.execute(
        "SELECT DISTINCT program FROM event ORDER BY program").fetchall()]
    return {"participations": row[0], "people": row[1], "first_date": row[2],
            "last_date": row[3], "asks": row[4], "programs": programs}


def store_summary() -> dict[str, Any]:
    """Participations, people, first and last event date, asks and programs in the store."""
    return _overview(store.cursor(), store.version())


def has_data() -> bool:
    return store_summary()["participations"] > 0


@cached
def _settings(_con: duckdb.DuckDBPyConnection, version: int) -> dict[str, Any]:
    return {key: config.get_setting(_con, key) for key in config.default_settings()}


def settings() -> dict[str, Any]:
    """Every setting (timezone, hourly_value, fiscal_year_start_month, org_name, lapse_days,
    depth)."""
    return _settings(store.cursor(), store.version())


def _key(window: Window) -> tuple[dt.date, dt.date, tuple[str, ...]]:
    return window.start, window.end, tuple(window.programs)


@cached
def _report(_con: duckdb.DuckDBPyConnection, version: int, start: dt.date, end: dt.date,
            programs: tuple[str, ...]) -> dict[str, Any]:
    return metrics.report(_con, Window(start, end, programs))


def report(window: Window) -> dict[str, Any]:
    """metrics.report for the window (cached per data version)."""
    return _report(store.cursor(), store.version(), *_key(window))


@cached
def _run(_con: duckdb.DuckDBPyConnection, version: int, metric_id: str,
         params: tuple[tuple[str, Any], ...]) -> pd.DataFrame:
    bound = {k: (list(v) if isinstance(v, tuple) else v) for k, v in params}
    return metrics.run(_con, metric_id, **bound)


def run(metric_id: str, window: Window | None = None, **extra: Any) -> pd.DataFrame:
    """Any registered metric as a DataFrame, with the window's parameters, ``asof`` = the
    window's end and *extra* available to it (metrics.run binds the stored settings: depth
    formula, lapse threshold; a change of them bumps the data version, the cache key)."""
    return _run(store.cursor(), store.version(), metric_id, _params(window, **extra)).copy()


def _params(window: Window | None, **extra: Any) -> tuple[tuple[str, Any], ...]:
    """The cache key of :func:`_run`: the window's parameters and *extra*, sorted."""
    params: dict[str, Any] = {}
    if window is not None:
        params.update(start=window.start, end=window.end, programs=tuple(window.programs),
                      asof=window.end)
    params.update(extra)
    return tuple(sorted(params.items()))


def scalar(metric_id: str, window: Window, **extra: Any) -> Any:
    df = run(metric_id, window, **extra)
    if df.empty or pd.isna(df["value"].iloc[0]):
        return None
    value = df["value"].iloc[0]
    return value.item() if hasattr(value, "item") else value


def spectrum_trajectory(end: dt.date, count: int = 6) -> pd.DataFrame:
    """spectrum_by_program for each of the last *count* quarters (a trajectory per program)."""
    frames = []
    for w in quarters_back(end, count):
        df = run("spectrum_by_program", w)
        df.insert(0, "quarter", f"{w.start.year} Q{(w.start.month - 1) // 3 + 1}")
        df.insert(1, "quarter_start", w.start)
        frames.append(df)
    return pd.concat(frames, ignore_index=True)


@cached
def _frame(_con: duckdb.DuckDBPyConnection, version: int, name: str) -> pd.DataFrame:
    readers = {
        "import_history": importer.import_history,
        "rejected_rows": importer.rejected_rows,
        "identity_candidates": resolve.identity_candidates,
        "name_links": resolve.name_links,
        "event_types": settings_store.event_types,
        "roles": settings_store.roles,
        "classification": settings_store.classification,
        "ladder": settings_store.ladder,
    }
    return readers[name](_con)


def frame(name: str) -> pd.DataFrame:
    """One of the store's bookkeeping tables: import_history, rejected_rows,
    identity_candidates, name_links, event_types, roles, classification, ladder."""
    return _frame(store.cursor(), store.version(), name).copy()


@cached
def _quality(_con: duckdb.DuckDBPyConnection, version: int,
             import_id: int | None) -> dict[str, Any]:
    if import_id is None:   # the candidates the Data page lists, found once
        return quality.database_quality(
            _con, candidates=_frame(_con, version, "identity_candidates"))
    return quality.import_quality(_con, import_id)


def quality_card(import_id: int | None = None) -> dict[str, Any] | None:
    """The data-quality card of one import (None once it is undone) or, without an id,
    of the whole database."""
    try:
        return _quality(store.cursor(), store.version(), import_id)
    except ValueError:          # the import was undone since
        return None


@cached
def _prediction(_con: duckdb.DuckDBPyConnection, version: int, model: str,
                asof: dt.date) -> Prediction:
    return (asks if model == asks.MODEL else active).predict(_con, asof)


@cached
def _prediction_rows(_con: duckdb.DuckDBPyConnection, version: int, model: str,
                     asof: dt.date) -> pd.DataFrame:
    found = _prediction(_con, version, model, asof)
    if found.scores is not None:
        return found.scores
    if model == asks.MODEL:
        # its rule list is people_ready over the year before asof, all programs: the rows
        # of the People page's "Ready for a bigger ask" for the default window (one query)
        ready = _run(_con, version, "people_ready",
                     _params(Window(asof - dt.timedelta(days=asks.RULE_DAYS), asof)))
        return asks.fallback(_con, asof, ready)
    return active.fallback(_con, asof)


def fitted(model: str, asof: dt.date) -> Prediction:
    """A prediction as of *asof* (ask_chance or still_active, cached per data version): its
    backtest, and its scores when the backtest passed. What a page needs that shows no list
    (the rule list standing in is not computed)."""
    return _prediction(store.cursor(), store.version(), model, asof)


def prediction(model: str, asof: dt.date) -> tuple[Prediction, pd.DataFrame]:
    """A prediction as of *asof* (see :func:`fitted`) and the rows to show: its scores when
    its backtest passed, else the rule list standing in."""
    con, version = store.cursor(), store.version()
    return (_prediction(con, version, model, asof),
            _prediction_rows(con, version, model, asof).copy())
