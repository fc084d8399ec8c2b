"""A store's DuckDB is bounded by default (engage_metrics/db.py): a memory limit of 1 GB and
a spill directory beside the file, so one big import or report never takes a shared
server's memory; ENGAGE_MEMORY_LIMIT and ENGAGE_TEMP_DIR override them, and a bad value is
a one-line error naming the variable (never SQL: DuckDB's SET takes no bound parameters)."""
from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from engage_metrics import cli, db


def _settings(con: duckdb.DuckDBPyConnection) -> tuple[str, str]:
    row = con.execute("SELECT current_setting('memory_limit'), "
                      "current_setting('temp_directory')").fetchone()
    assert row is not None
    return row[0], row[1]


@pytest.fixture(autouse=True)
def _unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ENGAGE_MEMORY_LIMIT", raising=False)
    monkeypatch.delenv("ENGAGE_TEMP_DIR", raising=False)


def test_defaults_bound_memory_and_spill_beside_the_file(tmp_path: Path) -> None:
    path = tmp_path / "store.duckdb"
    con = db.connect(path)
    # DuckDB prints sizes in binary units: 1 GB = 10^9 bytes = 953.6 MiB
    assert _settings(con) == ("953.6 MiB", str(path.resolve()) + ".tmp")
    con.close()
    reader = db.connect(path, read_only=True)
    assert _settings(reader) == ("953.6 MiB", str(path.resolve()) + ".tmp")
    reader.close()
    memory = db.connect(":memory:")
    assert _settings(memory)[0] == "953.6 MiB"   # the spill directory is DuckDB's own
    memory.close()


def test_the_environment_overrides_both(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spill = tmp_path / "it's spill"   # a quote in the path stays part of the path
    spill.mkdir()
    monkeypatch.setenv("ENGAGE_MEMORY_LIMIT", "1500MB")
    monkeypatch.setenv("ENGAGE_TEMP_DIR", str(spill))
    path = tmp_path / "store.duckdb"
    con = db.connect(path)
    limit, directory = _settings(con)
    assert limit == "1.3 GiB"   # 1.5 * 10^9 bytes
    # one directory per store under ENGAGE_TEMP_DIR (DuckDB deletes it on close)
    assert Path(directory).parent == spill.resolve()
    assert Path(directory).name.startswith("store.duckdb-") and directory.endswith(".tmp")
    # DuckDB spills a sort larger than its limit there, and the answer is still right
    con.execute("SET memory_limit = '60MB'")
    con.execute("SET threads = 1")
    con.execute("CREATE TEMP TABLE big AS SELECT range AS a, hash(range) AS b "
                "FROM range(2000000) ORDER BY b")
    assert any(Path(directory).iterdir())
    assert con.execute("SELECT COUNT(*), SUM(a) FROM big").fetchone() == (
        2_000_000, 2_000_000 * 1_999_999 // 2)
    con.close()
    assert not Path(directory).exists()   # DuckDB cleans up after itself


@pytest.mark.parametrize(("variable", "value"), [
    ("ENGAGE_MEMORY_LIMIT", "lots'; DROP TABLE meta; --"),
    ("ENGAGE_MEMORY_LIMIT", "80%"),
    ("ENGAGE_TEMP_DIR", "/no/such/directory'; DROP TABLE meta; --"),
])
def test_a_bad_value_is_a_one_line_error_naming_the_variable(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        variable: str, value: str) -> None:
    path = tmp_path / "store.duckdb"
    db.connect(path).close()
    monkeypatch.setenv(variable, value)
    with pytest.raises(db.StoreError, match=variable):
        db.connect(path)
    assert cli.main(["report", "--db", str(path)]) == cli.EXIT_ERROR
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and variable in err
    monkeypatch.delenv(variable)
    con = db.connect(path)   # nothing was written: the store opens as before
    assert db.schema_version(con) == db.SCHEMA_VERSION
    con.close()
