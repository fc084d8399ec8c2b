"""export-lake and import-lake: a DuckDB store as a lake of Parquet tables (the layout the
Spark path reads) and back, without importing the history again.

And a change to a lake lands whole even when its process dies midway
(engage_metrics.lake_commit): cut short before its commit point, the next change (or
`./scripts/spark recover`) throws it away and the lake is byte for byte as it was; cut
short at any step of its commit, readers refuse the lake with what to run, and the next
change finishes it, so the lake holds exactly what the change made. No Spark needed: the
commit is file renames, and the staged change here is the difference between two lakes
exported by DuckDB."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pytest
from helpers_cli import engage
from spark_stores import golden

from engage_metrics import db, importer, lake, lake_commit, metrics
from engage_metrics.backup import store_tables
from engage_spark.cli import main as spark_main

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


# ---------------------------------------------------------------- a commit cut short

NEXT = ("Email,Event,Date,Status\nnew.one@x.org,Spring canvass,2026-03-02,Attended\n"
        "new.two@x.org,Spring canvass,2026-03-02,Attended\n")


@pytest.fixture(scope="module")
def lakes(golden_db: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The golden organization's lake (before) and the lake of it after one more import
    (after), both exported from DuckDB stores."""
    folder = tmp_path_factory.mktemp("commit")
    shutil.copy(golden_db, folder / "before.duckdb")
    con = db.connect(folder / "before.duckdb")
    lake.export_lake(con, folder / "before")
    assert importer.import_bytes(con, NEXT.encode(), "next.csv").status == "imported"
    lake.export_lake(con, folder / "after")
    con.close()
    return folder / "before", folder / "after"


def _stage(before: Path, after: Path, into: Path) -> dict:
    """Copy *before* to *into* and stage there what turns it into *after*, as a Spark
    change stages it: the tables whole, the journal's new partitions, the manifest; the
    commit's plan."""
    shutil.copytree(before, into)
    staging = into / lake.STAGING
    manifest = json.loads((after / lake.MANIFEST).read_text())
    whole, parts = [], {}
    for name in manifest["tables"]:
        if name in lake.PARTITIONED and any(p.name.startswith("import_id=")
                                            for p in (before / name).iterdir()):
            new = sorted({p.name for p in (after / name).iterdir()}
                         - {p.name for p in (before / name).iterdir()})
            for part in new:
                shutil.copytree(after / name / part, staging / "parts" / name / part)
            parts[name] = new
        else:
            shutil.copytree(after / name, staging / "tables" / name)
            whole.append(name)
    shutil.copy(after / lake.MANIFEST, staging / lake.MANIFEST)
    assert whole and any(parts.values())
    return {"whole": whole, "parts": parts, "gone": []}


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and p.name != lake_commit.LOCK}


def _content(folder: Path) -> dict[str, list[tuple]]:
    con = lake.open_read_only(folder)
    try:
        return {t: sorted(con.execute(f'SELECT * FROM "{t}"').fetchall(), key=repr)  # noqa: S608
                for t in store_tables(con)}
    finally:
        lake.release(con)


def _moves(before: Path, after: Path, tmp_path: Path) -> int:
    """How many renames a whole commit makes."""
    plan = _stage(before, after, tmp_path / "count")
    return len(plan["whole"]) * 2 + sum(map(len, plan["parts"].values())) + 1


def test_a_commit_cut_short_at_any_step_is_finished_and_refused_until_then(
        lakes: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    before, after = lakes
    expected = _content(after)
    total = _moves(before, after, tmp_path)
    real = lake_commit._move
    for stop in sorted({0, 1, 2, total // 2, total - 2, total - 1}):
        where = tmp_path / f"stop-{stop}"
        plan = _stage(before, after, where)
        made: list[Path] = []

        def move(src: Path, dst: Path, stop: int = stop, made: list[Path] = made) -> None:
            if len(made) == stop:
                raise OSError("the process died here")
            made.append(dst)
            real(src, dst)

        monkeypatch.setattr(lake_commit, "_move", move)
        with pytest.raises(OSError, match="died"):
            lake_commit.commit(where, plan)
        monkeypatch.setattr(lake_commit, "_move", real)
        assert lake.commit_pending(where), stop
        # every reader refuses the mixed lake, saying what to run
        for read in (lake.read_manifest, lake.open_read_only):
            with pytest.raises(lake.LakeError, match=r"stopped during its commit; finish it "
                               r"with `\./scripts/spark recover --lake "):
                read(where)
        capsys.readouterr()
        assert spark_main(["recover", "--lake", str(where)]) == 0
        out, err = capsys.readouterr()
        assert "the last change had stopped during its commit; it is now complete" in err
        assert "no change is left unfinished" in out
        assert not lake.commit_pending(where)
        assert sorted(p.name for p in where.iterdir() if p.name.startswith(".")) == [
            lake_commit.LOCK], stop                     # no staging, nothing aside
        assert _content(where) == expected, stop
        # and a second recover has nothing to do
        assert spark_main(["recover", "--lake", str(where)]) == 0
        assert capsys.readouterr().err == ""
    # uncut, the commit lands it all at once
    plan = _stage(before, after, tmp_path / "whole")
    lake_commit.commit(tmp_path / "whole", plan)
    assert _content(tmp_path / "whole") == expected


def test_a_change_cut_short_before_its_commit_point_leaves_the_lake_as_it_was(
        lakes: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before, after = lakes
    where = tmp_path / "lake"
    _stage(before, after, where)            # staged, but the plan was never written
    assert not lake.commit_pending(where)
    assert spark_main(["recover", "--lake", str(where)]) == 0
    assert "the last change had stopped before its commit" in capsys.readouterr().err
    assert _files(where) == _files(before)


def test_recover_refuses_what_is_not_a_lake_and_creates_nothing(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "nothing-here"
    assert spark_main(["recover", "--lake", str(missing)]) == 2
    assert "is not an Engage lake" in capsys.readouterr().err
    assert not missing.exists()
