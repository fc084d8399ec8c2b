"""Backup and restore: every table to Parquet with a manifest (schema version, row
counts, sha256), restored exactly into a new store; tampered, incomplete and newer
backups and non-empty targets are refused with a clear message and nothing written."""
from __future__ import annotations

import datetime as dt
import io
import json
import shutil
import zipfile
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from test_migration import build_v1_store

from engage_metrics import backup, cli, db, importer, resolve, settings_store, targets
from engage_metrics.options import ImportOptions
from engage_metrics.predict import active

FILES = {
    "jan.csv": "Email,Phone,Name,Event,Event Type,Start,Status,Role,Hours,Program\n"
               "ana@x.org,555-123-4567,Ana López,Canvass Jan,Canvass,2024-01-06 09:00,Attended,"
               "volunteer,3.5,Field\n"
               "bob@x.org,,Bob Smith,Potluck,Potluck,2024-01-12T18:00:00-05:00,No-Show,host,,\n"
               "cara@x.org,,=HYPERLINK(\"x\"),Canvass Jan,Canvass,2024-01-06 09:00,Attended,,1,Field\n"
               "bad@x.org,,Bad,Canvass Jan,Canvass,never,Attended,,1,Field\n",
    "signin.csv": "Name,Event,Date\nRobert Smith,House meeting,2024-02-01\n"
                  "Zoë 🎉,House meeting,2024-02-01\n",
}


def snapshot(con: duckdb.DuckDBPyConnection) -> dict[str, list[tuple]]:
    """Every table's rows, sorted, as Python values (types included)."""
    return {t: sorted(con.execute(f'SELECT * FROM "{t}"').fetchall(), key=repr)  # noqa: S608
            for t in backup.store_tables(con)}


@pytest.fixture(scope="module")
def filled_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store with rows in every table: imports with rejects, an ask file, a people
    file, an identity decision, a changed setting and classification, a target (built once
    per module; each test gets a copy: :func:`filled`)."""
    path = tmp_path_factory.mktemp("filled") / "engage.duckdb"
    store = db.connect(path)
    for name, text in FILES.items():
        assert importer.import_bytes(store, text.encode(), name).status == "imported"
    importer.import_bytes(store, b"Email,Date,Ask,Rung,Outcome\nana@x.org,2024-02-02,Host,4,yes\n",
                          "asks.csv", ImportOptions(kind="ask"))
    importer.import_bytes(store, b"Email,First Name,Recruited By\nbob@x.org,Bob,ana@x.org\n",
                          "people.csv", ImportOptions(kind="people"))
    ana, bob = [r[0] for r in store.execute("SELECT person_id FROM person WHERE email IN "
                                            "('ana@x.org', 'bob@x.org') ORDER BY email").fetchall()]
    resolve.decide(store, "apart", ana, bob)
    settings_store.save_settings(store, {"timezone": "America/Chicago"})
    store.execute("INSERT OR REPLACE INTO classification VALUES ('house meeting', 'relationship')")
    targets.set_target(store, "active_people", 10, "2025-01-01", program="Field")
    walks = "".join(f"{who}@x.org,Walk,2024-0{m}-01,Attended\n" for who in ("ana", "bob")
                    for m in (3, 4))           # two walks together: a tie (tie_step)
    importer.import_bytes(store, f"Email,Event,Date,Status\n{walks}".encode(), "walks.csv")
    active.predict(store, dt.date(2024, 6, 1))   # kept in the store (prediction_kept)
    assert [t for t, rows in snapshot(store).items() if not rows] == []
    store.close()
    return path


@pytest.fixture
def filled(filled_file: Path, tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A copy of the filled store at tmp_path / engage.duckdb, open."""
    shutil.copy(filled_file, tmp_path / "engage.duckdb")
    con = db.connect(tmp_path / "engage.duckdb")
    yield con
    con.close()


def test_round_trip_is_exact_for_every_table(filled, tmp_path: Path):
    manifest = backup.backup(filled, tmp_path / "bk")
    assert manifest["schema_version"] == db.SCHEMA_VERSION
    assert set(manifest["tables"]) == set(backup.store_tables(filled))
    assert {"meta", "setting", "classification", "ladder", "identity_decision", "import_log",
            "rejected_row", "raw_participation", "person", "participation"} <= set(manifest["tables"])
    on_disk = json.loads((tmp_path / "bk" / "manifest.json").read_text())
    assert on_disk == manifest and on_disk["created_at"]
    for name, entry in manifest["tables"].items():
        assert entry["rows"] == filled.execute(f'SELECT COUNT(*) FROM "{name}"').fetchone()[0]
    backup.restore(tmp_path / "bk", tmp_path / "restored.duckdb")
    con = db.connect(tmp_path / "restored.duckdb")
    assert snapshot(con) == snapshot(filled)
    con.close()


def test_zip_for_the_dashboard_and_cli_restore_from_it(filled, tmp_path: Path, capsys):
    data = backup.backup_zip(filled)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        names = set(zf.namelist())
        manifest = json.loads(zf.read("manifest.json"))
    assert names == {"manifest.json"} | {e["file"] for e in manifest["tables"].values()}
    (tmp_path / "engage-backup.zip").write_bytes(data)
    target = tmp_path / "from-zip.duckdb"
    assert cli.main(["restore", "--db", str(target), "--from", str(tmp_path / "engage-backup.zip")]) == 0
    assert "restored" in capsys.readouterr().out
    con = db.connect(target)
    assert snapshot(con) == snapshot(filled)
    con.close()


def test_cli_backup_and_restore(filled, tmp_path: Path, capsys):
    src = tmp_path / "engage.duckdb"          # the `store` fixture's file
    expected = snapshot(filled)
    filled.close()
    assert cli.main(["backup", "--db", str(src), "--out", str(tmp_path / "bk")]) == 0
    assert f"schema version {db.SCHEMA_VERSION}) written to" in capsys.readouterr().out
    # an existing, non-empty directory is not overwritten
    assert cli.main(["backup", "--db", str(src), "--out", str(tmp_path / "bk")]) == cli.EXIT_ERROR
    assert "not an empty directory" in capsys.readouterr().err
    assert cli.main(["restore", "--db", str(tmp_path / "new.duckdb"), "--from", str(tmp_path / "bk")]) == 0
    con = db.connect(tmp_path / "new.duckdb")
    assert snapshot(con) == expected
    con.close()
    # restoring over a store that holds data is refused, and the store is untouched
    before = (tmp_path / "new.duckdb").read_bytes()
    assert cli.main(["restore", "--db", str(tmp_path / "new.duckdb"), "--from", str(tmp_path / "bk")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "already holds data" in err and "new file" in err
    assert (tmp_path / "new.duckdb").read_bytes() == before


def test_restore_into_an_empty_existing_store(filled, tmp_path: Path):
    backup.backup(filled, tmp_path / "bk")
    target = tmp_path / "empty.duckdb"
    db.connect(target).close()                 # e.g. a dashboard opened on a new path
    backup.restore(tmp_path / "bk", target)
    con = db.connect(target)
    assert snapshot(con) == snapshot(filled)
    con.close()


def tamper(folder: Path, how: str) -> None:
    manifest_path = folder / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    if how == "changed-file":
        path = folder / "person.parquet"
        data = bytearray(path.read_bytes())
        data[len(data) // 2] ^= 0xFF
        path.write_bytes(bytes(data))
    elif how == "missing-file":
        (folder / "participation.parquet").unlink()
    elif how == "newer-schema":
        manifest["schema_version"] = db.SCHEMA_VERSION + 1
    elif how == "not-a-manifest":
        manifest = {"hello": "world"}
    elif how == "broken-json":
        manifest_path.write_text("{not json")
        return
    elif how == "no-manifest":
        manifest_path.unlink()
        return
    manifest_path.write_text(json.dumps(manifest))


@pytest.mark.parametrize("how, message", [
    ("changed-file", "person.parquet .* does not match the checksum"),
    ("missing-file", "lacks participation.parquet"),
    ("newer-schema", rf"made by a newer Engage \(schema {db.SCHEMA_VERSION + 1}\).*Upgrade Engage"),
    ("not-a-manifest", "not an Engage backup manifest"),
    ("broken-json", "cannot be read .* damaged"),
    ("no-manifest", "not an Engage backup: it has no manifest.json"),
])
def test_bad_backups_are_refused_and_nothing_is_written(filled, tmp_path: Path, how, message):
    backup.backup(filled, tmp_path / "bk")
    tamper(tmp_path / "bk", how)
    target = tmp_path / "target.duckdb"
    with pytest.raises(backup.BackupError, match=message):
        backup.restore(tmp_path / "bk", target)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith("target")]


def test_backup_of_a_v1_store_restores_into_the_current_schema(tmp_path: Path):
    path = tmp_path / "v1.duckdb"
    build_v1_store(path)
    con = duckdb.connect(str(path))            # as schema 1 left it, not migrated
    manifest = backup.backup(con, tmp_path / "bk")
    con.close()
    assert manifest["schema_version"] == 1
    backup.restore(tmp_path / "bk", tmp_path / "restored.duckdb")
    restored = db.connect(tmp_path / "restored.duckdb")
    assert db.schema_version(restored) == db.SCHEMA_VERSION
    assert restored.execute("SELECT file_name, notes FROM import_log").fetchall() == [("old.csv", None)]
    assert restored.execute("SELECT full_name FROM person").fetchall() == [("Ana Lopez",)]
    # the facts schema 1 lacked are derived again: the person's numbers are there
    assert restored.execute("SELECT COUNT(*), COUNT(first_attended) FROM person_fact"
                            ).fetchone() == (1, 1)
    assert restored.execute("SELECT COUNT(*) FROM window_snapshot").fetchone()[0] == 1
    restored.close()
