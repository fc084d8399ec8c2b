"""Helpers for the dashboard tests: the app's pages, the demo store's record, and what
to read off an AppTest. The fixtures built on them (the demo store, its copies, the
AppTest runner) are in conftest.py."""
from __future__ import annotations

import gc
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import streamlit as st
from streamlit.testing.v1 import AppTest

from engage_metrics import db, metrics

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "dashboard.py")
PAGES = ("overview", "participation", "ladder", "relationships", "spectrum", "people", "data",
         "settings", "definitions")
CHART_PAGES = {"overview": 2, "participation": 7, "ladder": 7, "relationships": 6,
               "spectrum": 2}
TIMEOUT = 120


@dataclass(frozen=True)
class DemoStore:
    path: Path
    window: metrics.Window
    report: dict[str, Any]
    programs: tuple[str, ...]


def engine_report(path: Path, window: metrics.Window) -> dict[str, Any]:
    """The engine's report on *path*, through a connection of its own (DuckDB shares the
    database with the app's connection inside one process)."""
    con = db.connect(path)
    try:
        return metrics.report(con, window)
    finally:
        con.close()


def fresh_caches() -> None:
    """Drop every Streamlit cache (and the cached connection) between apps."""
    st.cache_data.clear()
    st.cache_resource.clear()
    gc.collect()


def metric_values(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def table_with(at: AppTest, column: str):
    """The first dataframe shown with *column*."""
    return next(d.value for d in at.dataframe if column in d.value.columns)


def problems(at: AppTest) -> list[str]:
    """Exceptions and error boxes shown on the page (both must be empty)."""
    return [e.value for e in at.exception] + [e.value for e in at.error]
