"""Writes land whole: one transaction per import, undo, merge or settings change, taken
in turn by the threads of one process, and a data version that tells caches something
changed.

Kept apart from ``db`` (connection, schema, migrations) because ``db`` runs resolve after
a migration and resolve writes: with the transaction here, resolve and the importer need
not import ``db`` back.
"""
from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import duckdb

_WRITE_LOCK = threading.RLock()
# a session variable recording that this connection holds the import macros (temp macros,
# resolve.install_macros): a rolled-back transaction takes the macros it created away, so
# it resets the mark too
MACROS_MARK = "engage_macros"


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """BEGIN ... COMMIT, rolled back on any exception: all or nothing.

    Holds the process-wide write lock, so concurrent writers (cursors of one shared
    connection in several threads) take turns instead of conflicting."""
    with _WRITE_LOCK:
        con.execute("BEGIN TRANSACTION")
        try:
            yield con
            con.execute("COMMIT")
        except BaseException:
            try:
                con.execute("ROLLBACK")
            except duckdb.TransactionException:    # COMMIT failed: already rolled back
                pass
            con.execute(f"RESET VARIABLE {MACROS_MARK}")
            raise


def data_version(con: duckdb.DuckDBPyConnection) -> int:
    """A counter bumped by every change to data or settings (cache key for the UI)."""
    row = con.execute("SELECT value FROM meta WHERE key = 'data_version'").fetchone()
    return int(row[0]) if row else 0


def bump_data_version(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("UPDATE meta SET value = CAST(CAST(value AS INTEGER) + 1 AS VARCHAR) "
                "WHERE key = 'data_version'")
