"""One read-write DuckDB connection per server process, one cursor per rerun.

A DuckDB file is opened read-write by one process at a time, and the Streamlit
server is one process, so the connection is a cached resource shared by every
session; each script run works on its own cursor (its own temp tables, its own
transaction) and the data version tells the caches when anything changed.
"""
from __future__ import annotations

import logging

import duckdb
import streamlit as st

from engage_metrics import db, faults, transaction
from engage_metrics.transaction import data_version

_CURSOR = "_engage_cursor"
log = logging.getLogger("engage.dashboard")


@st.cache_resource(show_spinner=False)
def _connection(path: str) -> duckdb.DuckDBPyConnection:
    return db.connect(path)


def begin_run() -> duckdb.DuckDBPyConnection:
    """Open this rerun's cursor (closing the previous run's) and return it.

    A store that cannot be opened (held by another process, written by a newer Engage,
    not a database) is shown as a clear message, never a traceback, and without the
    file's path (that goes to the server's log)."""
    try:
        con = _connection(str(db.default_db_path()))
    except db.StoreError as exc:
        log.error("store unavailable: %s", exc)
        st.error(exc.public)
        st.stop()
    old = st.session_state.get(_CURSOR)
    if old is not None:
        try:
            old.close()
        except duckdb.Error:
            pass
    cur = con.cursor()
    st.session_state[_CURSOR] = cur
    return cur


def connection() -> duckdb.DuckDBPyConnection:
    """The shared connection itself, for work that outlives this rerun's cursor (a backup
    generated when its download button is clicked opens a cursor of its own)."""
    return _connection(str(db.default_db_path()))


def cursor() -> duckdb.DuckDBPyConnection:
    """This rerun's cursor (opened by the entry point; opened here when a page runs alone)."""
    cur = st.session_state.get(_CURSOR)
    return cur if cur is not None else begin_run()


def version() -> int:
    """The data version: bumped by every import, undo, merge and settings change."""
    return data_version(cursor())


def forget_connection() -> None:
    """Drop the cached connection (tests switch between database files)."""
    _connection.clear()
    st.session_state.pop(_CURSOR, None)


def after_fault(fault: db.StoreError) -> str:
    """The message to show for a store fault (without the file's path). After a failed
    write the shared connection is closed (with it every session's cursor; the next rerun
    of each opens the file again) and the store recovered (see transaction.recover): the
    message then says what the store holds."""
    if not isinstance(fault, faults.StoreWriteFailed):
        return fault.public
    try:
        _connection(str(db.default_db_path())).close()
    except (duckdb.Error, db.StoreError):
        pass
    forget_connection()
    said = transaction.recover(fault)
    log.error("after a failed write: %s", said)
    return without_path(said)


def without_path(text: str) -> str:
    """*text* with the store's file named only as "the Engage database" (a dashboard user
    must not learn where the server keeps its files)."""
    path = db.default_db_path()
    for form in sorted({str(path.resolve()), str(path.absolute()), str(path)}, key=len,
                       reverse=True):
        text = text.replace(form, "the Engage database")
    return text
