"""Fixtures for the dashboard tests: the demo store (built once per test session),
copies of it for tests that write, an empty store, and an AppTest runner that
starts every app with fresh Streamlit caches."""
from __future__ import annotations

import gc
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import streamlit as st
from streamlit.runtime.pages_manager import PagesManager
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1 import app_test as app_test_module

from engage_metrics import db, demo, metrics

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "dashboard.py")
PAGES = ("overview", "participation", "ladder", "relationships", "spectrum", "people", "data",
         "settings", "definitions")
CHART_PAGES = {"overview": 2, "participation": 6, "ladder": 6, "relationships": 6,
               "spectrum": 2}
TIMEOUT = 120


@dataclass(frozen=True)
class DemoStore:
    path: Path
    window: metrics.Window
    report: dict[str, Any]
    programs: tuple[str, ...]


@pytest.fixture(scope="session")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> DemoStore:
    """The demo organization, with the engine's own report of the default window."""
    path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    con = db.connect(path)
    demo.build_demo(con)
    window = metrics.Window.default(con)
    report = metrics.report(con, window)
    programs = tuple(r[0] for r in con.execute(
        "SELECT DISTINCT program FROM event ORDER BY 1").fetchall())
    con.close()
    return DemoStore(path, window, report, programs)


@pytest.fixture
def demo_copy(demo_store: DemoStore, tmp_path: Path) -> Path:
    """A private copy of the demo store, for tests that import, undo or save settings."""
    path = tmp_path / "demo.duckdb"
    shutil.copy(demo_store.path, path)
    return path


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


class NavigationPagesManager(PagesManager):
    """AppTest resets Streamlit's "pages/ folder = old multipage mode" flag before every run,
    so every run after the first would execute the page file alone, without dashboard.py
    (no sidebar, no shared filters). A server sets the flag once and st.navigation clears
    it for good; this keeps it cleared in tests too."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        PagesManager.uses_pages_directory = False


@pytest.fixture
def app(monkeypatch: pytest.MonkeyPatch) -> Iterator:
    """app(db_path, page=None, secrets=None, user=None) -> an AppTest that has run once on
    *db_path* (with *secrets* as st.secrets and *user* as st.user when given)."""
    monkeypatch.setattr(app_test_module, "PagesManager", NavigationPagesManager)

    def start(path: Path, page: str | None = None, secrets: dict[str, Any] | None = None,
              user: dict[str, Any] | None = None) -> AppTest:
        monkeypatch.setenv("ENGAGE_DB", str(path))
        fresh_caches()
        at = AppTest.from_file(APP, default_timeout=TIMEOUT)
        if secrets:
            at.secrets.update(secrets)
        if user is not None:
            at.user = user
        at.run()
        if page:
            at.switch_page(f"pages/{page}.py").run()
        return at

    yield start
    fresh_caches()


def metric_values(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def table_with(at: AppTest, column: str):
    """The first dataframe shown with *column*."""
    return next(d.value for d in at.dataframe if column in d.value.columns)


def problems(at: AppTest) -> list[str]:
    """Exceptions and error boxes shown on the page (both must be empty)."""
    return [e.value for e in at.exception] + [e.value for e in at.error]
