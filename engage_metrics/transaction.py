"""Writes that land whole: one transaction per import, undo, merge or settings change, taken
in turn by the threads of one process, and a data version that tells caches something
changed.

Kept apart from ``db`` (connection, schema, migrations) because ``db`` runs resolve after
a migration and resolve writes: with the transaction here, resolve and the importer need
not import ``db`` back.

A write that fails because of the store (a full disk, a damaged block) is rolled back and
raised as a :class:`~engage_metrics.faults.StoreError` that says so in one line;
:func:`recover` then opens the file again to tell what it holds and gives back the space
the failed write took in it.
"""
from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import duckdb

from engage_metrics import faults

_WRITE_LOCK = threading.RLock()
# a session variable recording that this connection holds the import macros (temp macros,
# resolve.install_macros): a rolled-back transaction takes the macros it created away, so
# it resets the mark too
MACROS_MARK = "engage_macros"


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """BEGIN ... COMMIT, rolled back on any exception: all or nothing.

    Holds the process-wide write lock, so concurrent writers (cursors of one shared
    connection in several threads) take turns instead of conflicting. A failure of the store
    itself (see :func:`faults.write_fault`) is raised as a StoreError, the DuckDB error as its
    cause."""
    with _WRITE_LOCK:
        before = faults.before_write(con)
        con.execute("BEGIN TRANSACTION")
        try:
            yield con
        except BaseException as exc:
            _rollback(con)
            fault = faults.write_fault(exc, before)
            if fault is None:
                raise
            raise fault from exc
        try:
            con.execute("COMMIT")
        except duckdb.Error as exc:      # DuckDB rolled the transaction back
            _rollback(con)
            fault = faults.write_fault(exc, before, committing=True)
            if fault is None:
                raise
            raise fault from exc


def write_unless_busy(con: duckdb.DuckDBPyConnection,
                      work: Callable[[duckdb.DuckDBPyConnection], None]) -> bool:
    """work(con) in a :func:`transaction`, unless another thread of this process is writing
    (an import in another session): then nothing, at once, and False. For writes a reader
    may skip (a prediction kept for the next process), which must never wait for an
    import."""
    if not _WRITE_LOCK.acquire(blocking=False):
        return False
    try:
        with transaction(con):
            work(con)
        return True
    finally:
        _WRITE_LOCK.release()


def _rollback(con: duckdb.DuckDBPyConnection) -> None:
    """ROLLBACK, unless DuckDB already ended the transaction (a failed COMMIT) or stopped the
    database: then the error that brought us here is the one to report, not this one's.
    The rollback took away the temp macros the transaction created: their mark goes too."""
    try:
        con.execute("ROLLBACK")
    except duckdb.Error:
        pass
    try:
        con.execute(f"RESET VARIABLE {MACROS_MARK}")
    except duckdb.Error:
        pass


def recover(fault: faults.StoreWriteFailed) -> str:
    """After a failed write, with every connection to the store closed: open the file again
    (DuckDB replays or drops its log), tell whether the change landed after all, give back
    the blocks the failed write added at the end of the file, and return the one-line
    message to show."""
    path = fault.before.path
    if not path:
        return str(fault)
    with _WRITE_LOCK:           # no write of this process between counting and trimming
        try:
            con = duckdb.connect(path)
            try:
                row = con.execute("SELECT value FROM meta WHERE key = 'data_version'"
                                  ).fetchone()
                version = int(row[0]) if row else None
                [(blocks, block_size)] = con.execute(
                    "SELECT total_blocks, block_size FROM pragma_database_size() "
                    "WHERE database_name = current_database()").fetchall()
            finally:
                con.close()
        except duckdb.Error as exc:
            return (f"{fault} Opening {path} again failed too ({faults.first_line(exc)}): make "
                    "room on its disk, then open it (for example engage history) before "
                    "anything else.")
        landed = fault.before.version is not None and version != fault.before.version
        given_back, left = (0, 0) if landed else faults.trim(fault.before, blocks, block_size)
    return faults.outcome_after_reopening(fault, version, given_back, left)


def data_version(con: duckdb.DuckDBPyConnection) -> int:
    """A counter bumped by every change to data or settings (cache key for the UI)."""
    row = con.execute("SELECT value FROM meta WHERE key = 'data_version'").fetchone()
    return int(row[0]) if row else 0


def bump_data_version(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("UPDATE meta SET value = CAST(CAST(value AS INTEGER) + 1 AS VARCHAR) "
                "WHERE key = 'data_version'")
