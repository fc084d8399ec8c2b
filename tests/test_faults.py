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

from engage_metrics import backup, db, importer

ROOT = Path(__file__).resolve().parents[1]
HEADER = "Email,Name,Event,Event Type,Date,Status,Hours,Program\n"


def participation_csv(n: int, prefix: str, people: int = 5000) -> bytes:
    rows = (f"{prefix}{i % people}@x.org,{prefix.title()} {i % people},Event {i % 997},Canvass,"
            f"2024-{1 + i % 12:02d}-{1 + i % 28:02d} 09:00,attended,{i % 5},P{i % 7}\n"
            for i in range(n))
    return (HEADER + "".join(rows)).encode()


def state(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[int, str]]:
    """Row count and a content hash of every table (rows sorted)."""
    out = {}
    for table in backup.store_tables(con):
        rows = sorted(map(repr, con.execute(f'SELECT * FROM "{table}"').fetchall()))  # noqa: S608
        out[table] = (len(rows), hashlib.sha256("\n".join(rows).encode()).hexdigest())
    return out


# The child imports the big file; its rebuild (inside the import's transaction, after
# the journal rows are written) announces itself, then the transaction is kept open.
CHILD = """
import sys, time
from engage_metrics import db, importer, resolve
real = resolve.rebuild
def rebuild(con):
    print("in-transaction", flush=True)
    real(con)
    print("rebuilt", flush=True)
    time.sleep(60)
resolve.rebuild = rebuild
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
