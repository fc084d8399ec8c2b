"""Faults: a process killed (SIGKILL) in the middle of a large import leaves the store
opening cleanly with exactly the state before that import; two sessions of one
server (two threads, one shared connection, a cursor each) importing at once both
land exactly once; a second process gets StoreBusy quickly, and the CLI says so
on one line with exit code 2 — never a hang, never a corrupted file."""
from __future__ import annotations

import hashlib
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb
import pytest

from engage_metrics import backup, db, importer, metrics

ROOT = Path(__file__).resolve().parents[1]
HEADER = "Email,Name,Event,Event Type,Date,Status,Hours,Program\n"


def participation_csv(n: int, prefix: str, people: int = 5000) -> bytes:
    rows = (f"{prefix}{i % people}@x.org,{prefix.title()} {i % people},Event {i % 997},Canvass,"
            f"2024-{1 + i % 12:02d}-{1 + i % 28:02d} 09:00,attended,{i % 5},P{i % 7}\n"
            for i in range(n))
    return (HEADER + "".join(rows)).encode()


def state(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[int, str]]:
    """Row count and a content hash of every table (rows sorted) but prediction_kept, which
    a page that shows a prediction writes as it reads (predictions kept for the next
    process, not data)."""
    out = {}
    for table in set(backup.store_tables(con)) - {"prediction_kept"}:
        rows = sorted(map(repr, con.execute(f'SELECT * FROM "{table}"').fetchall()))  # noqa: S608
        out[table] = (len(rows), hashlib.sha256("\n".join(rows).encode()).hexdigest())
    return out


# The child imports the big file; its update of the canonical tables (inside the import's
# transaction, after the journal rows are written) announces itself, then the transaction
# is kept open.
CHILD = """
import sys, time
from engage_metrics import db, importer, resolve
real = resolve.update
def update(con, *args, **kwargs):
    print("in-transaction", flush=True)
    real(con, *args, **kwargs)
    print("rebuilt", flush=True)
    time.sleep(60)
resolve.update = update
con = db.connect(sys.argv[1])
importer.import_files(con, [sys.argv[2]])
print("done", flush=True)
"""


@pytest.mark.slow
def test_sigkill_in_the_middle_of_a_large_import_leaves_the_previous_state(tmp_path: Path):
    path = tmp_path / "engage.duckdb"
    con = db.connect(path)
    assert importer.import_bytes(con, participation_csv(50, "early"), "early.csv").status == "imported"
    before = state(con)
    con.close()
    big = tmp_path / "big.csv"
    big.write_bytes(participation_csv(40_000, "big"))
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(path), str(big)], cwd=ROOT,
                             stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() == "in-transaction"
        time.sleep(random.uniform(0.0, 1.0))   # mid-rebuild or after it, before COMMIT
        child.send_signal(signal.SIGKILL)
        assert child.wait(timeout=30) == -signal.SIGKILL
        assert "done" not in child.stdout.read()
    finally:
        child.kill()
        child.wait()
    con = db.connect(path)                     # opens cleanly (replays or drops the WAL)
    assert state(con) == before
    # and it still works: the next import lands, numbered as if the killed one never ran
    result = importer.import_bytes(con, participation_csv(30, "later"), "later.csv")
    assert (result.status, result.import_id) == ("imported", 2)
    assert con.execute("SELECT COUNT(*) FROM raw_participation").fetchone()[0] == 80
    con.close()


def test_two_sessions_importing_at_once_both_land_exactly_once(store):
    """What two browser sessions of one Streamlit server do: each its own cursor of the
    one connection, in its own thread. Imports take turns (the write lock), the same
    file sent by both lands once, and nothing is lost or duplicated."""
    files = {f"session{s}-round{r}.csv": participation_csv(1500, f"s{s}r{r}", people=300)
             for s in (1, 2) for r in (1, 2)}
    shared = participation_csv(800, "shared", people=100)
    results: dict[str, list] = {"1": [], "2": []}
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def session(s: str) -> None:
        cur = store.cursor()
        try:
            for r in (1, 2):
                barrier.wait(timeout=30)
                results[s].append(importer.import_bytes(cur, files[f"session{s}-round{r}.csv"],
                                                        f"session{s}-round{r}.csv"))
            barrier.wait(timeout=30)
            results[s].append(importer.import_bytes(cur, shared, "shared.csv"))
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)
        finally:
            cur.close()
    threads = [threading.Thread(target=session, args=(s,)) for s in ("1", "2")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    statuses = sorted(r.status for rs in results.values() for r in rs)
    assert statuses == ["duplicate"] + ["imported"] * 5
    assert store.execute("SELECT COUNT(*), COUNT(DISTINCT import_id) FROM import_log").fetchone() == (5, 5)
    assert store.execute("SELECT COUNT(*) FROM raw_participation").fetchone()[0] == 4 * 1500 + 800
    # every person and participation exactly once
    assert store.execute("SELECT COUNT(*) FROM person").fetchone()[0] == 4 * 300 + 100
    assert store.execute("SELECT COUNT(*) FROM (SELECT DISTINCT person_id, event_id "
                         "FROM participation)").fetchone()[0] \
        == store.execute("SELECT COUNT(*) FROM participation").fetchone()[0]
    expected = store.execute("SELECT COUNT(*) FROM (SELECT DISTINCT email, event_key "
                             "FROM raw_participation)").fetchone()[0]
    assert store.execute("SELECT COUNT(*) FROM participation").fetchone()[0] == expected


HOLDER = """
import sys, time
from engage_metrics import db
con = db.connect(sys.argv[1])
print("holding", flush=True)
time.sleep(120)
"""


def test_a_second_process_gets_store_busy_quickly_and_the_cli_says_what_to_do(tmp_path: Path):
    path = tmp_path / "engage.duckdb"
    con = db.connect(path)
    importer.import_bytes(con, participation_csv(20, "a"), "a.csv")
    before = state(con)
    con.close()
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(path)], cwd=ROOT,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "holding"
        started = time.monotonic()
        with pytest.raises(db.StoreBusy, match="is open in another Engage process .* try again"):
            db.connect(path)
        assert time.monotonic() - started < 5
        new = tmp_path / "new.csv"
        new.write_bytes(participation_csv(20, "b"))
        proc = subprocess.run([sys.executable, "-m", "engage_metrics", "import", "--db", str(path),
                               str(new)], cwd=ROOT, capture_output=True, text=True, timeout=60)
        assert proc.returncode == 2
        assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
        assert "is open in another Engage process" in proc.stderr
        assert "import through the dashboard's Data page" in proc.stderr
    finally:
        holder.kill()
        holder.wait()
    con = db.connect(path)
    assert state(con) == before
    con.close()


# ---------------------------------------------------------------- a damaged store file
# DuckDB keeps a checksum in every 256 KiB block (and in each of the two database headers):
# a changed byte in a block that is read is refused, never read as other numbers. What it
# raises tells the faults apart, with what the file system says (who holds the file's lock,
# how long the file is against the blocks DuckDB counts in it) — never a message's words.

BLOCKS_START = 3 * 4096           # DuckDB's main header and its two database headers
BLOCK = 256 * 1024


@pytest.fixture(scope="module")
def small_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small store (300 participations, about 20 blocks), closed cleanly (no WAL)."""
    path = tmp_path_factory.mktemp("small") / "small.duckdb"
    con = db.connect(path)
    assert importer.import_bytes(con, participation_csv(300, "a", people=60),
                                 "a.csv").status == "imported"
    con.close()
    return path


def damaged(src: Path, dest: Path, *, flip_at: int | None = None, zero: tuple[int, int] | None
            = None, size: int | None = None) -> Path:
    """A copy of *src* with one byte inverted at *flip_at*, *zero* = (offset, length) bytes
    zeroed, or cut to *size* bytes."""
    dest.write_bytes(src.read_bytes())
    with dest.open("r+b") as f:
        if flip_at is not None:
            f.seek(flip_at)
            byte = f.read(1)[0]
            f.seek(flip_at)
            f.write(bytes([byte ^ 0xFF]))
        if zero is not None:
            f.seek(zero[0])
            f.write(b"\0" * zero[1])
        if size is not None:
            f.truncate(size)
    return dest


def cli_run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """`engage ARGS` in this process: its exit code, stdout and stderr (an exception out of
    main would be the traceback a user sees)."""
    from engage_metrics import cli

    code = cli.main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def assert_one_line_refusal(code: int, err: str, *words: str) -> None:
    assert code == 2, err
    assert err.count("\n") == 1 and err.startswith("error: ") and "Traceback" not in err, err
    for word in words:
        assert word in err, err


def test_a_corrupt_store_is_damaged_not_busy(small_store: Path, tmp_path: Path, capsys) -> None:
    """Issue 14.9: DuckDB's checksum error ("… in block at location …") was taken for a lock
    conflict ("block" holds "lock") and reported as open in another process."""
    for name, where in (("first-block", dict(flip_at=BLOCKS_START + 5000)),
                        ("header", dict(zero=(4096, 8192)))):
        path = damaged(small_store, tmp_path / f"{name}.duckdb", **where)
        before = path.read_bytes()
        with pytest.raises(db.StoreDamaged) as caught:
            db.connect(path)
        message = str(caught.value)
        assert "\n" not in message and "damaged" in message and "engage restore" in message
        assert "another" not in message
        code, _, err = cli_run(capsys, "report", "--db", str(path))
        assert_one_line_refusal(code, err, "damaged", "engage restore --db")
        assert "another" not in err
        assert path.read_bytes() == before               # refused, not "repaired"


def test_busy_is_told_by_the_files_lock_not_by_the_message(tmp_path: Path) -> None:
    """A lock conflict is a duckdb.IOException, like a truncated file: the other process's
    lock on the file (not the words "lock" or "block") makes it StoreBusy."""
    from engage_metrics import faults

    path = tmp_path / "engage.duckdb"
    db.connect(path).close()
    assert faults.lock_holder(path) is None
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(path)], cwd=ROOT,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "holding"
        assert faults.lock_holder(path) == holder.pid
        fake = duckdb.IOException("Corrupt database file: … in block at location 12288")
        assert isinstance(faults.opening_error(path, fake), db.StoreBusy)
    finally:
        holder.kill()
        holder.wait()
    assert faults.lock_holder(path) is None
    assert not isinstance(faults.opening_error(path, duckdb.IOException("Could not set lock")),
                          db.StoreBusy)


def test_a_truncated_store_is_a_one_line_refusal(small_store: Path, tmp_path: Path,
                                                 capsys) -> None:
    """Issue 14.10: a store cut short gave a traceback from `report` (the blocks past the
    cut are read by the report) or, cut inside the headers, no word of a backup."""
    full = small_store.stat().st_size
    for size in (full // 2, BLOCKS_START + BLOCK // 2, 2 * 4096, 100, 0):
        path = damaged(small_store, tmp_path / f"cut-{size}.duckdb", size=size)
        before = path.read_bytes()
        metrics.clear_caches()
        code, out, err = cli_run(capsys, "report", "--db", str(path))
        assert_one_line_refusal(code, err, "engage restore --db")
        assert out == ""
        assert path.read_bytes() == before
        with pytest.raises(db.StoreError):               # the engine: a StoreError too
            con = db.connect(path)
            try:
                metrics.report(con, metrics.Window.default(con))
            finally:
                con.close()


def block_read_only_by_the_report(src: Path, tmp_path: Path) -> int:
    """The offset of a block that opening the store does not read but the report does."""
    blocks = (src.stat().st_size - BLOCKS_START) // BLOCK
    for b in range(1, blocks):
        offset = BLOCKS_START + b * BLOCK + 4096
        path = damaged(src, tmp_path / f"probe-{b}.duckdb", flip_at=offset)
        metrics.clear_caches()
        try:
            con = duckdb.connect(str(path))
        except duckdb.Error:
            continue
        try:
            try:
                db.schema_version(con)
                window = metrics.Window.default(con)
            except duckdb.Error:
                continue
            try:
                metrics.report(con, window)
            except (duckdb.Error, db.StoreError):
                return offset
        finally:
            con.close()
    raise AssertionError("no block of the store is read by the report alone")


@pytest.fixture(scope="module")
def report_block(small_store: Path, tmp_path_factory: pytest.TempPathFactory) -> int:
    return block_read_only_by_the_report(small_store, tmp_path_factory.mktemp("probe"))


def test_a_corrupt_block_in_report_is_a_one_line_refusal(small_store: Path, report_block: int,
                                                         tmp_path: Path, capsys) -> None:
    """Issue 14.10: a data block failing its checksum gave a traceback from `report`."""
    path = damaged(small_store, tmp_path / "block.duckdb", flip_at=report_block)
    before = path.read_bytes()
    metrics.clear_caches()
    code, out, err = cli_run(capsys, "report", "--db", str(path))
    assert_one_line_refusal(code, err, "damaged", "engage restore --db")
    assert out == "" and path.read_bytes() == before
    con = db.connect(path)                               # opening it reads no bad block
    try:
        with pytest.raises(db.StoreDamaged, match="damaged"):
            metrics.report(con, metrics.Window.default(con))
    finally:
        con.close()


# ---------------------------------------------------------------- a full disk during an import

NO_SPACE = 'Could not write file "{path}": No space left on device'


def test_a_full_disk_during_an_import_is_one_line_and_changes_nothing(
        small_store: Path, tmp_path: Path, monkeypatch, capsys) -> None:
    """Issue 14.10: DuckDB's write error (here injected where the import's rebuild writes,
    inside its transaction) went out of `engage import` as a traceback."""
    from engage_metrics import resolve

    path = tmp_path / "engage.duckdb"
    path.write_bytes(small_store.read_bytes())
    con = db.connect(path)
    before = state(con)
    con.close()
    size = path.stat().st_size
    new = tmp_path / "new.csv"
    new.write_bytes(participation_csv(200, "new"))

    def full(con: duckdb.DuckDBPyConnection, *args: object) -> None:
        raise duckdb.IOException(NO_SPACE.format(path=path))

    monkeypatch.setattr(resolve, "update", full)
    code, out, err = cli_run(capsys, "import", "--db", str(path), str(new))
    assert_one_line_refusal(code, err, "could not be written", "No space left on device",
                            "nothing of it was saved", "free")
    assert out == ""
    monkeypatch.undo()
    con = db.connect(path)
    assert state(con) == before
    con.close()
    assert path.stat().st_size == size
    # the engine raises a StoreError for it (the dashboard shows its message)
    monkeypatch.setattr(resolve, "update", full)
    con = db.connect(path)
    try:
        with pytest.raises(db.StoreWriteFailed, match="nothing of it was saved"):
            importer.import_files(con, [new])
        assert state(con) == before                      # and the connection still works
    finally:
        con.close()


# A child importing under a file-size limit (RLIMIT_FSIZE): DuckDB's writes past it fail as
# they would on a full disk (EFBIG instead of ENOSPC), without root or a tmpfs. With a tiny
# checkpoint threshold, the commit's checkpoint writes the database file itself and fails
# there: DuckDB stops the database (FatalException), as it does on a really full disk, and the
# file has grown by what the checkpoint wrote before failing.
LIMITED = """
import resource, signal, sys
from engage_metrics import cli, db
path, limit, checkpoint = sys.argv[1], int(sys.argv[2]), sys.argv[3]
if checkpoint != "default":
    real = db.connect
    def connect(*args, **kwargs):
        con = real(*args, **kwargs)
        con.execute(f"SET checkpoint_threshold = '{checkpoint}'")
        return con
    db.connect = connect
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
resource.setrlimit(resource.RLIMIT_FSIZE, (limit, resource.RLIM_INFINITY))
sys.exit(cli.main(["import", "--db", path, sys.argv[4]]))
"""


@pytest.mark.parametrize("checkpoint", ["default", "1KB"])
def test_a_real_write_failure_leaves_the_store_as_it_was(small_store: Path, tmp_path: Path,
                                                         checkpoint: str) -> None:
    path = tmp_path / "engage.duckdb"
    path.write_bytes(small_store.read_bytes())
    con = db.connect(path)
    before = state(con)
    con.close()
    size = path.stat().st_size
    big = tmp_path / "big.csv"
    big.write_bytes(participation_csv(20_000, "big", people=500))
    # the WAL of this import (~8 MB) cannot be written; with the small checkpoint threshold
    # the WAL may be (~8 MB) but the checkpoint cannot grow the file by as much
    limit = size + 1_000_000 if checkpoint == "default" else 8_600_000
    proc = subprocess.run([sys.executable, "-c", LIMITED, str(path), str(limit), checkpoint,
                           str(big)], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert_one_line_refusal(proc.returncode, proc.stderr, "could not be written",
                            "nothing of it was saved")
    con = db.connect(path)
    assert state(con) == before
    con.close()
    assert path.stat().st_size == size                  # no growth left behind
    assert not path.with_name(path.name + ".wal").exists()


# ---------------------------------------------------------------- the dashboard

def test_the_dashboard_says_a_damaged_store_is_damaged(app, small_store: Path,
                                                       tmp_path: Path) -> None:
    path = damaged(small_store, tmp_path / "corrupt.duckdb", flip_at=BLOCKS_START + 5000)
    at = app(path)
    assert [e.value for e in at.exception] == []
    [shown] = [e.value for e in at.error]
    assert "damaged" in shown and "engage restore" in shown and "another" not in shown
    assert str(tmp_path) not in shown and "checksum" not in shown      # no path, no DuckDB


def test_the_dashboard_shows_a_damaged_block_as_a_plain_message(app, small_store: Path,
                                                                report_block: int,
                                                                tmp_path: Path) -> None:
    path = damaged(small_store, tmp_path / "block.duckdb", flip_at=report_block)
    metrics.clear_caches()
    at = app(path)
    assert [e.value for e in at.exception] == []
    shown = " ".join(e.value for e in at.error)
    assert "damaged" in shown and "engage restore" in shown
    assert "check the Data page" not in shown and str(tmp_path) not in shown


def test_the_data_page_shows_a_full_disk_as_a_plain_message(app, small_store: Path,
                                                            tmp_path: Path, monkeypatch) -> None:
    from engage_metrics import resolve

    path = tmp_path / "engage.duckdb"
    path.write_bytes(small_store.read_bytes())
    con = db.connect(path)
    before = state(con)
    con.close()
    at = app(path, "data")
    at.file_uploader(key="upload_files").set_value(
        ("new.csv", participation_csv(50, "new"), "text/csv"))
    at.run()
    assert [e.value for e in at.exception] == [] and not at.error

    def full(con: duckdb.DuckDBPyConnection, *args: object) -> None:
        raise duckdb.IOException(NO_SPACE.format(path=path))

    monkeypatch.setattr(resolve, "update", full)
    at.button(key="import_button").click().run()
    assert [e.value for e in at.exception] == []
    [shown] = [e.value for e in at.error]
    assert "could not be written" in shown and "nothing of it was saved" in shown
    assert "the Engage database" in shown and str(tmp_path) not in shown    # no server path
    monkeypatch.undo()
    at.switch_page("pages/overview.py").run()             # the dashboard goes on
    assert [e.value for e in at.exception] == [] and not at.error
    from helpers_ui import fresh_caches
    fresh_caches()
    con = db.connect(path)
    assert state(con) == before
    con.close()
