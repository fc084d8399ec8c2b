"""Schema migrations: a store written by schema version 1 (the frozen copy in
tests/fixtures_v0/schema_v1.sql) opens with db.connect, is migrated to the current
version with its data intact, and ends up with exactly the schema of a new store;
a store from a newer Engage is refused with a clear message."""
from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path
from typing import Any

import duckdb
import pytest
from helpers_ui import DemoStore

from engage_metrics import cli, db, importer

V1_SCHEMA = Path(__file__).with_name("fixtures_v0") / "schema_v1.sql"


def build_v1_store(path: Path) -> None:
    """A store as Engage schema 1 wrote it: v1 tables, v1 meta, one import's rows."""
    con = duckdb.connect(str(path))
    con.execute(V1_SCHEMA.read_text())
    con.execute("INSERT INTO meta VALUES ('schema_version', '1'), ('data_version', '3')")
    con.execute("INSERT INTO classification VALUES ('canvass', 'task')")
    con.execute("INSERT INTO import_log VALUES (1, 'old.csv', 'abc', 'participation', 'generic', "
                "'{}', '{}', 2, 2, 0, 0, TIMESTAMP '2024-05-01 10:00:00')")
    con.execute("INSERT INTO raw_participation VALUES "
                "(1, 2, 'generic', 'ana@x.org', NULL, NULL, 'Ana', 'Lopez', 'Ana Lopez', 'k1', "
                "'Canvass', 'Canvass', 'Field', TIMESTAMP '2024-04-01 09:00:00', NULL, 'attended', "
                "'volunteer', 3.0)")
    con.execute("INSERT INTO person VALUES (1, 'Ana Lopez', 'Ana', 'Lopez', 'ana@x.org', NULL, "
                "DATE '2024-04-01', NULL, false)")
    con.close()


def columns(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    return con.execute("SELECT table_name, column_index, column_name, data_type, is_nullable "
                       "FROM duckdb_columns() WHERE NOT internal AND schema_name = 'main' "
                       "ORDER BY ALL").fetchall()


def constraints(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    return con.execute("SELECT table_name, constraint_type, constraint_column_names::VARCHAR "
                       "FROM duckdb_constraints() WHERE schema_name = 'main' ORDER BY ALL").fetchall()


def test_v1_store_is_migrated_forward_with_its_data(tmp_path: Path):
    path = tmp_path / "v1.duckdb"
    build_v1_store(path)
    con = db.connect(path)
    assert db.schema_version(con) == db.SCHEMA_VERSION == 9
    # the data of schema 1 is all there
    assert con.execute("SELECT import_id, file_name, rows_read, imported_at::VARCHAR, notes "
                       "FROM import_log").fetchall() == [
        (1, "old.csv", 2, "2024-05-01 10:00:00", None)]
    assert con.execute("SELECT email, full_name FROM person").fetchall() == [("ana@x.org", "Ana Lopez")]
    assert con.execute("SELECT COUNT(*) FROM raw_participation").fetchone()[0] == 1
    assert con.execute("SELECT value FROM meta WHERE key = 'data_version'").fetchone()[0] == "3"
    # v4: the default window's facts are stamped (this v1 file has no participation rows)
    assert con.execute("SELECT COUNT(*) FROM meta WHERE key = 'window_snapshot'").fetchone()[0] == 1
    # v5: and its people with their history and depth, per selection
    assert con.execute("SELECT COUNT(*) FROM meta WHERE key = 'window_person_snapshot'"
                       ).fetchone()[0] == 1
    # the migrated file has exactly the schema of a new one
    fresh = db.connect(tmp_path / "fresh.duckdb")
    assert columns(con) == columns(fresh)
    assert constraints(con) == constraints(fresh)   # v3: no primary-key index on canonical tables
    fresh.close()
    # and works: a new import records its notes (the v2 column)
    result = importer.import_bytes(con, b"Email,Event,Date\nbo@x.org,Rally,2024-06-01\n",
                                   "new.csv")
    assert result.status == "imported" and result.import_id == 2
    notes = json.loads(con.execute("SELECT notes FROM import_log WHERE import_id = 2").fetchone()[0])
    assert notes == result.notes and any("no status column" in n for n in notes)
    # the v3 facts are kept: both people (the v1 journal row and the new one) have one
    assert con.execute("SELECT COUNT(*), COUNT(first_attended) FROM person_fact").fetchone() == (2, 2)
    # and the v4 default window's facts: both people attended in its 12 months
    assert con.execute("SELECT COUNT(DISTINCT person_id), SUM(attended) FROM window_snapshot "
                       "WHERE window_end = DATE '2024-06-02'"
                       ).fetchone() == (2, 2)
    # v5: all programs and each one alone, each person scored at the window's end
    assert con.execute("SELECT COUNT(*), COUNT(DISTINCT person_id) FROM window_depth_snapshot "
                       "WHERE window_end = DATE '2024-06-02' AND selection = '[]'"
                       ).fetchone() == (2, 2)
    # v7: the analyst's targets, none yet
    assert con.execute("SELECT COUNT(*) FROM target").fetchone()[0] == 0
    con.close()
    # reopening a migrated store changes nothing
    con = db.connect(path)
    assert db.schema_version(con) == db.SCHEMA_VERSION
    con.close()


def test_store_from_a_newer_engage_is_refused(tmp_path: Path, capsys):
    path = tmp_path / "future.duckdb"
    con = db.connect(path)
    con.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    con.close()
    with pytest.raises(db.StoreTooNew, match=r"future.duckdb: this database was written by a "
                                             r"newer Engage \(schema 99\).*Upgrade Engage"):
        db.connect(path)
    # the file is left alone and can be reopened (the refused connection was closed)
    assert cli.main(["history", "--db", str(path)]) == cli.EXIT_ERROR
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "newer Engage (schema 99)" in err
    check = duckdb.connect(str(path))
    assert check.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone() == ("99",)
    check.close()


def test_a_file_that_is_not_a_store_is_a_clear_error(tmp_path: Path, capsys):
    path = tmp_path / "notes.duckdb"
    path.write_bytes(b"just some text, not a database\n" * 200)
    with pytest.raises(db.StoreError, match="cannot open .*notes.duckdb as an Engage database"):
        db.connect(path)
    assert cli.main(["report", "--db", str(path)]) == cli.EXIT_ERROR
    assert capsys.readouterr().err.count("\n") == 1


def test_memory_limit_from_the_environment(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("ENGAGE_MEMORY_LIMIT", "512MB")
    con = db.connect(tmp_path / "m.duckdb")
    assert con.execute("SELECT current_setting('memory_limit')").fetchone()[0] == "488.2 MiB"   # 512 MB
    con.close()
    monkeypatch.setenv("ENGAGE_MEMORY_LIMIT", "lots'; DROP TABLE meta; --")
    with pytest.raises(db.StoreError, match="ENGAGE_MEMORY_LIMIT"):
        db.connect(tmp_path / "m.duckdb")


def _diff(a, b, where: str = "") -> list[str]:
    """Where two reports differ (floats to 1e-9: sums in another order differ in the last
    bits)."""
    if isinstance(a, dict) and isinstance(b, dict) and a.keys() == b.keys():
        return [d for k in a for d in _diff(a[k], b[k], f"{where}/{k}")]
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return [d for i, (x, y) in enumerate(zip(a, b, strict=True)) for d in _diff(x, y, f"{where}[{i}]")]
    if isinstance(a, float) and isinstance(b, float):
        return [] if abs(a - b) <= 1e-9 * max(1.0, abs(a)) else [f"{where}: {a} != {b}"]
    return [] if a == b else [f"{where}: {a!r} != {b!r}"]


def _as_older_store(path: Path, version: int) -> None:
    """Turn a current store back into the shape schema *version* (3 or 4) wrote: no
    per-selection snapshots, person_program_fact without the person's history columns,
    and (3) no window snapshot."""
    con = duckdb.connect(str(path))
    con.execute("DROP TABLE window_person_snapshot")
    con.execute("DROP TABLE window_depth_snapshot")
    for column in ("person_first_date", "reach_2", "reach_3", "reach_4", "reach_5"):
        con.execute(f"ALTER TABLE person_program_fact DROP COLUMN {column}")
    con.execute("DELETE FROM meta WHERE key = 'window_person_snapshot'")
    if version == 3:
        con.execute("DROP TABLE window_snapshot")
        con.execute("DELETE FROM meta WHERE key = 'window_snapshot'")
    con.execute("UPDATE meta SET value = $v WHERE key = 'schema_version'", {"v": str(version)})
    con.close()


@pytest.fixture(scope="module")
def demo_file(demo_store: DemoStore) -> Path:
    """The session's demo store (built once, in conftest.py); tests copy it to change it."""
    return demo_store.path


@pytest.mark.parametrize("version", [3, 4])
def test_v3_and_v4_stores_with_facts_migrate_to_the_same_numbers(tmp_path: Path, version: int,
                                                                  demo_file: Path):
    """A schema-3 or -4 store that already has person_program_fact (written before schema 5
    added columns to it) migrates: the facts are computed once, after the last step, by
    today's queries, and every number is what a new store gives."""
    from engage_metrics import metrics

    path = tmp_path / "old.duckdb"
    shutil.copy(demo_file, path)
    con = db.connect(path)
    window = metrics.Window.default(con)
    programs = [r[0] for r in con.execute("SELECT DISTINCT program FROM event").fetchall()]
    selections = [(), (programs[0],), tuple(programs[:2])]
    before = [metrics.report(con, metrics.Window(window.start, window.end, s)) for s in selections]
    con.close()
    _as_older_store(path, version)
    # read-only, the old file is refused with a clear message (the queries need schema 5)
    with pytest.raises(db.StoreError, match=rf"schema {version}; this one reads schema {db.SCHEMA_VERSION}.*"
                                            "Open it once read-write"):
        db.connect(path, read_only=True)
    metrics.clear_caches()
    con = db.connect(path)
    assert db.schema_version(con) == db.SCHEMA_VERSION
    fresh = db.connect(tmp_path / "fresh.duckdb")
    assert columns(con) == columns(fresh)
    fresh.close()
    assert con.execute("SELECT COUNT(*) FROM person_program_fact "
                       "WHERE person_first_date IS NULL").fetchone()[0] == 0
    after = [metrics.report(con, metrics.Window(window.start, window.end, s)) for s in selections]
    assert _diff(after, before) == []
    con.close()
    assert db.connect(path, read_only=True).execute("SELECT 1").fetchone() == (1,)


def test_a_v5_store_is_served_from_its_snapshots_again_after_the_upgrade(tmp_path: Path,
                                                                       demo_file: Path):
    """Schema 5 stamped its snapshots without the lapse threshold: an upgraded store
    would compute every report live until its next import. The v6 step recomputes the
    snapshots (with today's stamps) once, when the store is first opened read-write."""
    from engage_metrics import metrics

    path = tmp_path / "v5.duckdb"
    shutil.copy(demo_file, path)
    con = duckdb.connect(str(path))
    for key in ("window_snapshot", "window_person_snapshot"):   # a stamp of schema 5
        con.execute("UPDATE meta SET value = replace(value, '\"lapse_days\": 180, ', '') "
                    "WHERE key = $k", {"k": key})
    assert con.execute("SELECT COUNT(*) FROM meta WHERE key LIKE 'window%snapshot' "
                       "AND value NOT LIKE '%lapse_days%'").fetchall() == [(2,)]
    con.execute("UPDATE meta SET value = '5' WHERE key = 'schema_version'")
    con.execute("DROP TABLE target")                             # new in schema 8
    con.execute("DROP TABLE tie_step")                           # new in schema 9
    con.close()
    con = db.connect(path)
    assert db.schema_version(con) == db.SCHEMA_VERSION
    window = metrics.Window.default(con)
    with con.cursor() as cur:
        assert metrics.prepare_window(cur, window.params())   # served: the stamps are current
    con.close()


def test_a_failed_migration_is_a_clear_error_and_changes_nothing(tmp_path: Path, monkeypatch):
    path = tmp_path / "v1.duckdb"
    build_v1_store(path)

    def broken(con: duckdb.DuckDBPyConnection) -> None:
        con.execute("ALTER TABLE import_log ADD COLUMN notes VARCHAR")
        con.execute("SELECT no_such_column FROM import_log")

    monkeypatch.setitem(db.MIGRATIONS, 1, broken)
    with pytest.raises(db.StoreError, match=r"v1.duckdb: upgrading this database from schema 1 "
                                            r"to 9 failed \(.*no_such_column.*the file is unchanged"):
        db.connect(path)
    check = duckdb.connect(str(path))
    assert check.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone() == ("1",)
    assert "notes" not in [r[0] for r in check.execute("DESCRIBE import_log").fetchall()]
    check.close()


def test_a_v7_store_gains_the_target_table_and_keeps_its_numbers(tmp_path: Path) -> None:
    """Schema 8 adds the analyst's targets: a v7 store (no target table) opens with an empty
    one, its data untouched, and a target can be set and read at once."""
    from engage_metrics import targets

    path = tmp_path / "v7.duckdb"
    con = db.connect(path)
    importer.import_bytes(con, b"Email,Event,Date,Status\na@x.org,Rally,2024-06-01,Attended\n",
                          "one.csv")
    con.execute("DROP TABLE target")
    con.execute("UPDATE meta SET value = '7' WHERE key = 'schema_version'")
    con.close()
    con = db.connect(path)
    assert db.schema_version(con) == db.SCHEMA_VERSION
    assert con.execute("SELECT COUNT(*) FROM participation").fetchone()[0] == 1
    fresh = db.connect(tmp_path / "fresh.duckdb")
    assert columns(con) == columns(fresh)
    fresh.close()
    t = targets.set_target(con, "active_people", 5, "2024-12-01")
    assert (t.target_id, t.start) == (1, dt.date(2024, 6, 2))   # the day after the last event
    # as of 2024-06-02: 1 active of 5; 0 three months before: +1/3 a month, but (5 - 1) ÷
    # (182 days ÷ 30.44 = 5.98 months) = 0.67 a month is needed
    assert [p.status for p in targets.progress(con)] == ["behind"]
    con.close()


def test_a_v8_store_gains_its_tie_steps_and_keeps_its_numbers(tmp_path: Path,
                                                             demo_file: Path) -> None:
    """Schema 9 keeps the co-attendance the depth score's ties part reads (tie_step): a v8
    store (none) opens with the rows a full rebuild writes, and the same report."""
    from engage_metrics import metrics

    path = tmp_path / "v8.duckdb"
    shutil.copy(demo_file, path)
    con = db.connect(path)
    window = metrics.Window.default(con)
    metrics.clear_caches()
    before = metrics.report(con, window)
    steps = sorted(con.execute("SELECT * FROM tie_step").fetchall())
    assert len(steps) > 100 and before["depth"]["mean"] > 0
    con.close()
    con = duckdb.connect(str(path))
    con.execute("DROP TABLE tie_step")
    con.execute("UPDATE meta SET value = '8' WHERE key = 'schema_version'")
    con.close()
    con = db.connect(path)
    assert db.schema_version(con) == db.SCHEMA_VERSION
    assert sorted(con.execute("SELECT * FROM tie_step").fetchall()) == steps
    metrics.clear_caches()
    assert rounded(metrics.report(con, window)) == rounded(before)   # sums in another order
    con.close()


def rounded(value: Any) -> Any:
    """*value* (a report) with its floats to 9 decimals."""
    if isinstance(value, dict):
        return {k: rounded(v) for k, v in value.items()}
    return round(value, 9) if isinstance(value, float) else value
