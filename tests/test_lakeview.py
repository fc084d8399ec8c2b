"""The dashboard on a lake (ENGAGE_LAKE): the tables are views of the lake's Parquet files,
opened read-only; every page shows the numbers of the DuckDB store the lake was exported
from, the pages that change data say how to change it instead, and nothing is written to
the lake."""
from __future__ import annotations

import hashlib
import json
import re
import shutil
from pathlib import Path

import duckdb
import pytest
from helpers_browser import CHROMIUM, streamlit_server
from helpers_ui import PAGES, metric_values, problems
from spark_stores import golden

from engage_metrics import auth, db, importer, lake, metrics, registry, resolve
from engage_metrics.backup import store_tables
from engage_ui.text import plain


@pytest.fixture(scope="module")
def golden_lake(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The golden organization's store and the lake exported from it."""
    folder = tmp_path_factory.mktemp("lakeview")
    store, out = folder / "golden.duckdb", folder / "lake"
    con = golden(store)
    try:
        lake.export_lake(con, out)
    finally:
        con.close()
    return store, out


def exported(store: Path, folder: Path, read_only: bool = True) -> Path:
    """*folder*: the lake export-lake writes of the store at *store*."""
    con = db.connect(store, read_only=read_only)
    try:
        lake.export_lake(con, folder)
    finally:
        con.close()
    return folder


def store_report(store: Path) -> dict:
    """The engine's report of the default window (the Overview's) on the DuckDB store."""
    con = db.connect(store, read_only=True)
    try:
        return metrics.report(con, metrics.Window.default(con))
    finally:
        con.close()


def fingerprint(folder: Path) -> dict[str, tuple[str, int]]:
    """Every file under *folder*: its content's hash and its modification time."""
    return {str(p.relative_to(folder)): (hashlib.sha256(p.read_bytes()).hexdigest(),
                                         p.stat().st_mtime_ns)
            for p in sorted(folder.rglob("*")) if p.is_file()}


def fmt(metric_id: str, value) -> str:
    return registry.get(metric_id).format(value)


def copy_lake(source: Path, target: Path) -> Path:
    shutil.copytree(source, target)
    return target


def on_lake(app, monkeypatch: pytest.MonkeyPatch, folder: Path, tmp_path: Path,
            page: str | None = None, **kwargs):
    """The dashboard serving the lake *folder* (ENGAGE_DB names a file that must stay
    unopened)."""
    monkeypatch.setenv("ENGAGE_LAKE", str(folder))
    return app(tmp_path / "unused.duckdb", page, **kwargs)


# ---------------------------------------------------------------- the engine

def test_a_lake_is_read_through_views_and_gives_the_stores_numbers(
        golden_lake: tuple[Path, Path]) -> None:
    store, folder = golden_lake
    before = fingerprint(folder)
    con = lake.open_read_only(folder)
    src = db.connect(store, read_only=True)
    try:
        # views of the Parquet files, no table copied; the file of views is read-only
        assert store_tables(con) == []
        views = {r[0] for r in con.execute("SELECT view_name FROM duckdb_views() "
                                           "WHERE NOT internal AND NOT temporary").fetchall()}
        assert views == set(store_tables(src))
        [(readonly,)] = con.execute("SELECT readonly FROM duckdb_databases() "
                                    "WHERE database_name = current_database()").fetchall()
        assert readonly
        with pytest.raises(duckdb.Error):
            con.execute("INSERT INTO setting VALUES ('org_name', '\"x\"')")
        for name in ("participation", "person_fact", "window_person_snapshot", "import_log",
                     "raw_participation", "meta"):
            assert [r[:2] for r in con.execute(f'DESCRIBE "{name}"').fetchall()] == \
                [r[:2] for r in src.execute(f'DESCRIBE "{name}"').fetchall()], name
            assert sorted(con.execute(f'SELECT * FROM "{name}"').fetchall(), key=repr) == \
                sorted(src.execute(f'SELECT * FROM "{name}"').fetchall(), key=repr), name
        # the default window and the one before it are served from the lake's snapshots,
        # the 12 months before those (none) and a program's window computed
        default = metrics.Window.default(src)
        program = src.execute("SELECT MIN(program) FROM event").fetchall()[0][0]
        older = default.previous().previous()
        for window in (default, default.previous(), older,
                       metrics.Window(default.start, default.end, (program,))):
            assert metrics.report(con, window) == metrics.report(src, window), window
        assert metrics._window_snapshot_serves(con, {**default.params(), "lapse_days": 180})
    finally:
        src.close()
        views_file = Path(con.execute("SELECT path FROM duckdb_databases() "
                                      "WHERE database_name = current_database()"
                                      ).fetchall()[0][0])
        lake.release(con)
    assert not views_file.parent.exists()          # released: its temporary directory too
    assert fingerprint(folder) == before


def test_a_lake_that_does_not_fit_is_refused(golden_lake: tuple[Path, Path],
                                             tmp_path: Path) -> None:
    folder = copy_lake(golden_lake[1], tmp_path / "lake")
    manifest_file = folder / lake.MANIFEST
    manifest = json.loads(manifest_file.read_text())

    def refused(changed: dict, match: str) -> None:
        manifest_file.write_text(json.dumps(changed))
        with pytest.raises(lake.LakeError, match=match):
            lake.open_read_only(folder)

    refused({**manifest, "schema_version": db.SCHEMA_VERSION + 1}, "newer Engage")
    refused({**manifest, "schema_version": db.SCHEMA_VERSION - 1},
            "older Engage .* import-lake")
    tables = json.loads(json.dumps(manifest["tables"]))
    tables["person"]["columns"][1][1] = "INTEGER); DROP VIEW meta; --"
    refused({**manifest, "tables": tables}, "columns of table person .* not those")
    tables = json.loads(json.dumps(manifest["tables"]))
    tables["extra"] = tables.pop("target")
    (folder / "target").rename(folder / "extra")
    refused({**manifest, "tables": tables}, "has table extra")
    (folder / "extra").rename(folder / "target")
    tables = json.loads(json.dumps(manifest["tables"]))
    tables["participation"]["rows"] += 1
    refused({**manifest, "tables": tables}, "participation: the manifest .* says")
    manifest_file.write_text(json.dumps(manifest))
    for part in (folder / "event").iterdir():
        part.write_bytes(b"not parquet")
    with pytest.raises(lake.LakeError, match="table event of the lake .* cannot be read"):
        lake.open_read_only(folder)


def test_a_lake_state_changes_when_its_manifest_is_written(
        golden_lake: tuple[Path, Path], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    folder = copy_lake(golden_lake[1], tmp_path / "lake")
    first = lake.lake_state(folder)
    assert first == lake.lake_state(folder)
    monkeypatch.chdir(tmp_path)      # the path the commands name is absolute
    assert lake.lake_state("lake") == first and first.path == str(folder)
    text = (folder / lake.MANIFEST).read_text()
    (folder / lake.MANIFEST).write_text(text)      # the same content, written again
    second = lake.lake_state(folder)
    assert second.stamp != first.stamp and second.version != first.version
    with pytest.raises(lake.LakeError, match="not an Engage lake"):
        lake.lake_state(tmp_path)


# ---------------------------------------------------------------- the dashboard

@pytest.mark.parametrize("page", (*PAGES, "boardpack", "presentation"))
def test_every_page_on_a_lake(app, monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                              golden_lake: tuple[Path, Path], page: str) -> None:
    folder = golden_lake[1]
    before = fingerprint(folder)
    at = on_lake(app, monkeypatch, folder, tmp_path, page)
    assert problems(at) == []
    assert "Welcome to Engage" not in [t.value for t in at.title]
    note = " ".join(c.value for c in at.sidebar.caption)
    assert "Read-only: the data comes from the lake" in note and str(folder) in note
    shown = " ".join(e.value for kind in ("info", "code", "caption") for e in at.get(kind))
    if page == "data":
        assert f"./scripts/spark import --lake {folder} EXPORT.csv" in shown
        assert re.search(rf"\./scripts/spark undo --lake {re.escape(str(folder))} \d+", shown)
        assert not at.get("file_uploader") and not [b for b in at.button
                                                    if b.key == "undo_button"]
        assert any("rows_rejected" in d.value.columns for d in at.dataframe)  # the history
    if page == "settings":
        assert "the settings, the ladder, the classification and the targets below are " \
            "the lake's" in shown
        assert not at.get("data_editor") and not at.button and not at.get("form")
    if page == "overview":    # the store's numbers (its own Overview shows the engine's)
        shown, report = metric_values(at), store_report(golden_lake[0])
        assert shown["Active people"] == fmt("active_people",
                                             report["participation"]["active"])
        assert shown["New people"] == fmt("new_people", report["participation"]["new"])
        assert shown["Repeat rate"] == fmt("repeat_rate",
                                           report["participation"]["repeat_rate"])
        assert shown["Escalation rate"] == fmt("escalation_rate",
                                               report["ladder"]["escalation_rate"])
        assert shown["Mean relationship depth"] == fmt("mean_depth", report["depth"]["mean"])
        assert shown["Volunteer hours"] == fmt("total_hours", report["participation"]["hours"])
    assert fingerprint(folder) == before
    assert not (tmp_path / "unused.duckdb").exists()


def test_the_data_page_on_a_lake_shows_an_imports_rejected_rows_and_its_undo_command(
        app, monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
        golden_lake: tuple[Path, Path]) -> None:
    folder = golden_lake[1]
    monkeypatch.setenv("ENGAGE_LAKE", str(folder))
    at = app(tmp_path / "unused.duckdb", "data")
    at.selectbox(key="history_choice").set_value(3).run()   # VAN's export: 2 rows rejected
    assert problems(at) == []
    rejected = next(d.value for d in at.dataframe if "reason" in d.value.columns)
    assert len(rejected) == 2 and set(rejected["import_id"]) == {3}
    assert f"./scripts/spark undo --lake {folder} 3" in [c.value for c in at.code]


def test_possible_duplicates_on_a_lake_are_listed_with_the_spark_commands(
        app, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, demo_store) -> None:
    folder = exported(demo_store.path, tmp_path / "demo-lake")
    monkeypatch.setenv("ENGAGE_LAKE", str(folder))
    at = app(tmp_path / "unused.duckdb", "data")
    assert problems(at) == []
    assert any("pairs of people share a name" in c.value for c in at.caption)
    assert f"./scripts/spark decide --lake {folder} apart PERSON_A PERSON_B" in \
        [c.value.splitlines()[-1] for c in at.code]
    pairs = [c.value for c in at.caption if re.fullmatch(r"#\d+ and #\d+", c.value)]
    assert len(pairs) == 18        # the demo's pairs, each with its people's numbers
    assert not [b for b in at.button if b.key.startswith(("merge_", "apart_", "unlink_"))]


def test_links_by_name_on_a_lake_name_their_person_and_the_unlink_command(
        app, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    con = db.connect(tmp_path / "linked.duckdb")
    importer.import_bytes(con, b"Name,Email,Event,Date,Status\n"
                          b"Ana Lopez,ana@x.org,Canvass,2025-03-01,Attended\n"
                          b"Ana Lopez,,Canvass,2025-03-08,Attended\n", "sign-ins.csv")
    [ana] = resolve.name_links(con)["person_id"].tolist()
    con.close()
    folder = exported(tmp_path / "linked.duckdb", tmp_path / "linked-lake")
    at = on_lake(app, monkeypatch, folder, tmp_path, "data")
    assert problems(at) == []
    assert f"./scripts/spark unlink --lake {folder} PERSON_ID" in [c.value for c in at.code]
    assert plain(f"Ana Lopez · ana@x.org — person #{ana}") in [m.value for m in at.markdown]
    assert not [b for b in at.button if b.key.startswith("unlink_")]


def test_an_empty_lake_says_how_to_import_into_it(app, monkeypatch: pytest.MonkeyPatch,
                                                 tmp_path: Path) -> None:
    folder = exported(tmp_path / "empty.duckdb", tmp_path / "empty-lake", read_only=False)
    monkeypatch.setenv("ENGAGE_LAKE", str(folder))
    at = app(tmp_path / "unused.duckdb", "overview")
    assert problems(at) == []
    assert [t.value for t in at.title] == ["Welcome to Engage"]
    assert not [b for b in at.button if b.key == "load_demo"]
    assert any(f"./scripts/spark import --lake {folder}" in c.value for c in at.code)


def test_a_spark_write_shows_at_the_next_rerun(app, monkeypatch: pytest.MonkeyPatch,
                                               tmp_path: Path,
                                               golden_lake: tuple[Path, Path]) -> None:
    folder = copy_lake(golden_lake[1], tmp_path / "lake")
    at = on_lake(app, monkeypatch, folder, tmp_path, "overview")
    assert problems(at) == []
    # a writer (Spark) changes a table's files, then writes the manifest last
    part = folder / "setting" / "part-0.parquet"
    con = duckdb.connect()
    rows = con.execute("SELECT * FROM read_parquet($f) WHERE key <> 'org_name' "
                       "UNION ALL SELECT 'org_name', '\"Lakeside Volunteers\"'",
                       {"f": str(part)}).fetchall()
    con.execute("CREATE TABLE s (key VARCHAR, value VARCHAR)")
    con.executemany("INSERT INTO s VALUES (?, ?)", rows)
    part.unlink()
    con.execute(f"COPY s TO '{part}' (FORMAT parquet)")
    con.close()
    manifest = json.loads((folder / lake.MANIFEST).read_text())
    manifest["tables"]["setting"]["rows"] = len(rows)
    (folder / lake.MANIFEST).write_text(json.dumps(manifest))
    at.run()
    assert problems(at) == []
    assert at.title[0].value.startswith("Lakeside Volunteers")


def test_a_damaged_or_newer_lake_is_a_clear_message(app, monkeypatch: pytest.MonkeyPatch,
                                                     tmp_path: Path,
                                                     golden_lake: tuple[Path, Path]) -> None:
    folder = copy_lake(golden_lake[1], tmp_path / "lake")
    manifest = json.loads((folder / lake.MANIFEST).read_text())
    (folder / lake.MANIFEST).write_text(json.dumps({**manifest, "schema_version": 99}))
    at = on_lake(app, monkeypatch, folder, tmp_path)
    assert [e.value for e in at.exception] == []
    [error] = [e.value for e in at.error]
    assert "cannot be read" in error and "newer Engage" in error and str(folder) in error
    assert not at.metric
    (folder / lake.MANIFEST).write_text("{")
    at = on_lake(app, monkeypatch, folder, tmp_path)
    assert [e.value for e in at.exception] == []
    assert "the lake is damaged" in at.error[0].value
    assert not (tmp_path / "unused.duckdb").exists()


VIEWER_SECRETS = {"engage": {"auth": {"mode": "password"}, "users": {
    "dana": {"password_hash": auth.hash_password("board-2026", iterations=auth.MIN_ITERATIONS),
             "role": "viewer"}}}}


def test_a_viewer_on_a_lake_sees_numbers_without_names_or_the_lakes_path(
        app, monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
        golden_lake: tuple[Path, Path]) -> None:
    folder = golden_lake[1]
    at = on_lake(app, monkeypatch, folder, tmp_path, secrets=VIEWER_SECRETS)
    at.text_input(key="sign_in_user").input("dana")
    at.text_input(key="sign_in_password").input("board-2026")
    at.button[0].click().run()
    assert problems(at) == []
    assert "Active people" in metric_values(at)
    note = " ".join(c.value for c in at.sidebar.caption)
    assert "Read-only: the data comes from the lake" in note and str(folder) not in note
    hide = next(t for t in at.toggle if t.label == "Hide names")
    assert hide.value is True and hide.disabled
    at.switch_page("pages/relationships.py").run()
    assert problems(at) == []
    for df in (d.value for d in at.dataframe):
        for col in ("name", "email", "phone"):
            if col in df.columns:
                assert not df[col].astype(str).str.contains("@").any()


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs /usr/bin/chromium")
def test_a_lake_served_to_a_browser(golden_lake: tuple[Path, Path], page,
                                    tmp_path: Path) -> None:
    """`streamlit run` with ENGAGE_LAKE: the Overview draws its charts from the lake, the
    Data page gives the Spark commands, nothing fails in the browser."""
    folder = golden_lake[1]
    before = fingerprint(folder)
    with streamlit_server(tmp_path / "unused.duckdb", env={"ENGAGE_LAKE": str(folder)}) as url:
        page.goto(url)
        page.get_by_text("Read-only: the data comes from the lake").wait_for(timeout=90_000)
        page.wait_for_function("document.querySelectorAll('.js-plotly-plot .main-svg')"
                               ".length >= 2", timeout=90_000)
        page.goto(f"{url}/data")
        page.get_by_text(f"./scripts/spark import --lake {folder}").first.wait_for(
            timeout=90_000)
        assert page.locator('[data-testid="stException"]').count() == 0
        assert page.locator('[data-testid="stAlertContentError"]').count() == 0
    assert page.console_errors == []
    assert fingerprint(folder) == before
    assert not (tmp_path / "unused.duckdb").exists()
