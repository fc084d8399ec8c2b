"""export-lake and import-lake: a DuckDB store as a lake of Parquet tables (the layout the
Spark path reads) and back, without importing the history again."""
from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest
from helpers_cli import engage
from spark_stores import golden

from engage_metrics import db, lake, metrics
from engage_metrics.backup import store_tables

ROOT = Path(__file__).resolve().parents[1]


cli = engage


@pytest.fixture(scope="module")
def golden_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("golden") / "golden.duckdb"
    golden(path).close()
    return path


def _rows(con: duckdb.DuckDBPyConnection, table: str) -> list[tuple]:
    return sorted(con.execute(f'SELECT * FROM "{table}"').fetchall(), key=repr)


def test_a_lake_holds_every_table_and_reads_back_equal(golden_db: Path, tmp_path: Path) -> None:
    out, back = tmp_path / "lake", tmp_path / "back.duckdb"
    r = cli("export-lake", "--db", str(golden_db), "--out", str(out))
    assert r.returncode == 0, r.stderr
    assert "schema version" in r.stdout and str(out) in r.stdout
    manifest = json.loads((out / lake.MANIFEST).read_text())
    assert manifest["format"] == "engage-lake" and manifest["schema_version"] == db.SCHEMA_VERSION
    src = db.connect(golden_db, read_only=True)
    try:
        assert set(manifest["tables"]) == set(store_tables(src))
        for name, entry in manifest["tables"].items():
            [(rows,)] = src.execute(f'SELECT COUNT(*) FROM "{name}"').fetchall()
            assert entry["rows"] == rows, name
            assert [c for c, _ in entry["columns"]] == [
                r[0] for r in src.execute(f'DESCRIBE "{name}"').fetchall()], name
        # the journal is partitioned by import: one directory per import
        imports = {r[0] for r in src.execute("SELECT import_id FROM raw_participation").fetchall()}
        assert manifest["tables"]["raw_participation"]["partitioned_by"] == ["import_id"]
        assert {p.name for p in (out / "raw_participation").iterdir()} == {
            f"import_id={i}" for i in imports}
        assert manifest["tables"]["person"]["partitioned_by"] == []
        assert (out / "person" / "part-0.parquet").is_file()
        assert not any(p.name.startswith(".") for p in tmp_path.iterdir())  # no staging left
        r = cli("import-lake", "--lake", str(out), "--db", str(back))
        assert r.returncode == 0, r.stderr
        con = db.connect(back, read_only=True)
        try:
            for name in store_tables(src):
                assert _rows(con, name) == _rows(src, name), name
            window = metrics.Window.default(src)
            assert metrics.report(con, window) == metrics.report(src, window)
        finally:
            con.close()
    finally:
        src.close()


def test_a_lake_is_never_written_over_or_read_into_a_filled_store(
        golden_db: Path, tmp_path: Path) -> None:
    taken = tmp_path / "taken"
    taken.mkdir()
    (taken / "notes.txt").write_text("mine")
    r = cli("export-lake", "--db", str(golden_db), "--out", str(taken))
    assert r.returncode == 2 and "not an empty directory" in r.stderr
    assert [p.name for p in taken.iterdir()] == ["notes.txt"]
    out = tmp_path / "lake"
    assert cli("export-lake", "--db", str(golden_db), "--out", str(out)).returncode == 0
    r = cli("import-lake", "--lake", str(out), "--db", str(golden_db))
    assert r.returncode == 2 and "already holds data" in r.stderr
    r = cli("import-lake", "--lake", str(taken), "--db", str(tmp_path / "new.duckdb"))
    assert r.returncode == 2 and "is not an Engage lake" in r.stderr
    assert not (tmp_path / "new.duckdb").exists()


def test_a_damaged_or_newer_lake_is_refused(golden_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "lake"
    con = db.connect(golden_db, read_only=True)
    try:
        lake.export_lake(con, out)
    finally:
        con.close()
    manifest = json.loads((out / lake.MANIFEST).read_text())
    manifest["tables"]["person"]["rows"] += 1
    (out / lake.MANIFEST).write_text(json.dumps(manifest))
    with pytest.raises(lake.LakeError, match="table person: the manifest says"):
        lake.import_lake(out, tmp_path / "a.duckdb")
    assert not (tmp_path / "a.duckdb").exists()
    manifest["schema_version"] = db.SCHEMA_VERSION + 1
    (out / lake.MANIFEST).write_text(json.dumps(manifest))
    with pytest.raises(lake.LakeError, match="newer Engage"):
        lake.read_manifest(out)
