"""Shared fixtures: a real DuckDB file per test; the demo store (built once per test
session), private copies of it and an AppTest runner for the dashboard tests; a
Streamlit server, Chromium and a page for the real-browser tests."""
from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest
from helpers_browser import CHROMIUM, LAUNCH_ARGS, streamlit_server
from helpers_ui import APP, TIMEOUT, DemoStore, fresh_caches
from helpers_ws import write_secrets
from streamlit import config as st_config
from streamlit.testing.v1 import AppTest

from engage_metrics import auth, db, demo, metrics
from engage_ui import multipage


@pytest.fixture
def store(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    con = db.connect(tmp_path / "engage.duckdb")
    yield con
    con.close()


@pytest.fixture
def write(tmp_path: Path):
    """write(name, text_or_bytes, encoding='utf-8') -> Path of a file in tmp_path."""
    def _write(name: str, content: str | bytes, encoding: str = "utf-8") -> Path:
        path = tmp_path / name
        path.write_bytes(content if isinstance(content, bytes) else content.encode(encoding))
        return path
    return _write


# ---------------------------------------------------------------- the dashboard (AppTest)

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


@pytest.fixture
def secrets_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The one secrets file the dashboard reads during the test (Streamlit's
    ``secrets.files`` option), not yet written: local mode until a test writes it; and a
    sign-in throttle of the test's own."""
    path = tmp_path / "deployment" / ".streamlit" / "secrets.toml"
    before = st_config.get_option("secrets.files")
    st_config.set_option("secrets.files", [str(path)])
    monkeypatch.setattr(auth, "THROTTLE", auth.Throttle())
    yield path
    st_config.set_option("secrets.files", before)


@pytest.fixture
def app(monkeypatch: pytest.MonkeyPatch, secrets_file: Path) -> Iterator:
    """app(db_path, page=None, secrets=None, user=None) -> an AppTest that has run once on
    *db_path* (with *secrets* in the secrets file the dashboard reads, and as st.secrets,
    and *user* as st.user when given)."""

    def start(path: Path, page: str | None = None, secrets: dict[str, Any] | None = None,
              user: dict[str, Any] | None = None) -> AppTest:
        monkeypatch.setenv("ENGAGE_DB", str(path))
        fresh_caches()
        at = AppTest.from_file(APP, default_timeout=TIMEOUT)
        if secrets:
            write_secrets(secrets_file, secrets)
            at.secrets.update(secrets)
        else:
            secrets_file.unlink(missing_ok=True)
        if user is not None:
            at.user = user
        at.run()
        if page:
            at.switch_page(f"pages/{page}.py").run()
        return at

    with multipage.app_tests_run_navigation():
        yield start
    fresh_caches()


# ---------------------------------------------------------------- the real browser

@pytest.fixture(scope="module")
def server(demo_store: DemoStore, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The dashboard on a copy of the demo store (one per test module, as the module's
    tests may change it); yields its base URL."""
    path = tmp_path_factory.mktemp("browser") / "engage.duckdb"
    shutil.copy(demo_store.path, path)
    with streamlit_server(path) as url:
        yield url


@pytest.fixture(scope="session")
def browser() -> Iterator:
    """One headless Chromium for the session; every test gets a context of its own."""
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser) -> Iterator:
    """A fresh browser context's page that records console errors and failed responses in
    page.console_errors."""
    context = browser.new_context(viewport={"width": 1500, "height": 1000})
    pg = context.new_page()
    pg.console_errors = []
    probes: list[str] = []

    def on_response(r) -> None:
        # Opened at /people, Streamlit's client first probes /people/_stcore/health (and
        # host-config) to find its base path; those 404s are expected.
        if r.status == 404 and re.search(r"/[a-z_]+/_stcore/(health|host-config)$", r.url):
            probes.append(r.url)
        elif r.status >= 400:
            pg.console_errors.append(f"{r.status} {r.url}")

    def on_console(m) -> None:
        if m.type != "error":
            return
        if probes and m.text.startswith("Failed to load resource") and "404" in m.text:
            return
        pg.console_errors.append(m.text)

    pg.on("response", on_response)
    pg.on("console", on_console)
    pg.on("pageerror", lambda e: pg.console_errors.append(str(e)))
    yield pg
    context.close()
