"""One read-write DuckDB connection per server process, one cursor per rerun.

A DuckDB file is opened read-write by one process at a time, and the Streamlit
server is one process, so the connection is a cached resource shared by every
session; each script run works on its own cursor (its own temp tables, its own
transaction) and the data version tells the caches when anything changed.

With ``ENGAGE_LAKE=DIR`` the dashboard serves the lake DIR instead, read-only: a
connection whose tables are views of the lake's Parquet files (engage_metrics.lake), one
per state of the lake (its manifest's stamp, read at every rerun: a write by Spark shows
at the next one), and that stamp is the data version.
"""
from __future__ import annotations

import logging
import os

import duckdb
import streamlit as st

from engage_metrics import db, faults, lake, transaction
from engage_metrics.transaction import data_version
from engage_ui import access
from engage_ui.text import plain

_CURSOR = "_engage_cursor"
_LAKE = "_engage_lake_state"        # the state of the lake this rerun's cursor reads
log = logging.getLogger("engage.dashboard")


@st.cache_resource(show_spinner=False)
def _connection(path: str) -> duckdb.DuckDBPyConnection:
    return db.connect(path)


# a session still on the previous state finishes its rerun on it; older ones are closed
@st.cache_resource(show_spinner=False, max_entries=2, on_release=lake.release)
def _lake_connection(path: str, stamp: str) -> duckdb.DuckDBPyConnection:
    return lake.open_read_only(path)


def lake_dir() -> str | None:
    """The lake the dashboard serves (ENGAGE_LAKE), or None: it serves a DuckDB store."""
    return os.environ.get("ENGAGE_LAKE", "").strip() or None


def read_only() -> bool:
    """True when the dashboard serves a lake: nothing can be written from it."""
    return lake_dir() is not None


def lake_state() -> lake.LakeState:
    """The state of the lake this rerun reads (when :func:`read_only`)."""
    state = st.session_state.get(_LAKE)
    if state is None:       # a page run alone, before the entry point opened the lake
        begin_run()
        state = st.session_state[_LAKE]
    return state


def _open() -> duckdb.DuckDBPyConnection:
    """The shared connection: the store's, or the one of the lake's current state."""
    where = lake_dir()
    if where is None:
        return _connection(str(db.default_db_path()))
    state = lake.lake_state(where)
    con = _lake_connection(where, state.stamp)
    st.session_state[_LAKE] = state
    return con


def begin_run() -> duckdb.DuckDBPyConnection:
    """Open this rerun's cursor (closing the previous run's) and return it.

    A store that cannot be opened (held by another process, written by a newer Engage,
    not a database) is shown as a clear message, never a traceback, and without the
    file's path (that goes to the server's log); so is a lake that cannot be read (its
    path and the reason shown to analysts, who run ./scripts/spark on it)."""
    try:
        con = _open()
    except db.StoreError as exc:
        log.error("store unavailable: %s", exc)
        st.error(exc.public)
        st.stop()
    except lake.LakeError as exc:
        log.error("lake unavailable: %s", exc)
        session = access.gate()
        if session is not None and session.is_analyst:   # they run ./scripts/spark on it
            st.error(f"The lake this dashboard serves cannot be read: {plain(exc)}")
        else:
            st.error("The data of this dashboard cannot be read right now. Ask the person "
                     "who runs this Engage server; its log says why.")
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
    return _open()


def cursor() -> duckdb.DuckDBPyConnection:
    """This rerun's cursor (opened by the entry point; opened here when a page runs alone)."""
    cur = st.session_state.get(_CURSOR)
    return cur if cur is not None else begin_run()


def version() -> int:
    """The data version: bumped by every import, undo, merge and settings change; on a
    lake, its state's stamp (a lake changes only when Spark or export-lake writes it)."""
    cur = cursor()
    return lake_state().version if read_only() else data_version(cur)


def forget_connection() -> None:
    """Drop the cached connections (tests switch between database files and lakes)."""
    _connection.clear()
    _lake_connection.clear()
    st.session_state.pop(_CURSOR, None)
    st.session_state.pop(_LAKE, None)


def after_fault(fault: db.StoreError) -> str:
    """The message to show for a store fault (without the file's path). After a failed
    write the shared connection is closed (with it every session's cursor; the next rerun
    of each opens the file again) and the store recovered (see transaction.recover): the
    message then says what the store holds."""
    if not isinstance(fault, faults.StoreWriteFailed) or read_only():
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
