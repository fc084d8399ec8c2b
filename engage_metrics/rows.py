"""Many rows into a table in one statement.

DuckDB runs ``executemany`` as one prepared statement per row, about 2 ms each: the 117
status words every import stages, or the default classification and ladder of a new store,
took a fifth of a second each way. :func:`insert_rows` binds each column as one list
parameter and inserts them with ``unnest`` in a single statement instead.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import duckdb


def insert_rows(con: duckdb.DuckDBPyConnection, insert: str,
                rows: Iterable[Sequence[Any]]) -> None:
    """Run *insert* (``INSERT [OR REPLACE] INTO t [(columns)]``, fixed text) once for all
    *rows* (tuples of equal length, bound as parameters, never formatted into the SQL).

    Nothing is run when *rows* is empty. One statement sees its rows at once, so an
    ``INSERT OR REPLACE`` with a key twice among them is not the sequence of replaces that
    ``executemany`` ran: the caller passes each key once (the row that should win)."""
    columns = list(zip(*rows, strict=True))
    if not columns:
        return
    picks = ", ".join(f"unnest($c{i})" for i in range(len(columns)))
    con.execute(f"{insert} SELECT {picks}",   # noqa: S608 - fixed statement, values bound
                {f"c{i}": list(column) for i, column in enumerate(columns)})
