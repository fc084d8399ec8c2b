"""Hypothesis-generated files — random bytes, random headers, random cells with
quotes, delimiters, newlines and any Unicode — never make the importer raise: each
gives a result (imported, duplicate or failed), its counts add up, and a failed
import writes nothing."""
from __future__ import annotations

import csv
import io

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engage_metrics import db, importer
from engage_metrics.options import ImportOptions

FUZZ = settings(max_examples=25, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow, HealthCheck.data_too_large])
KNOWN_HEADERS = ["Email", "E-mail Address", "Phone", "VANID", "Name", "First Name", "Last Name",
                 "Event", "Event ID", "Event Type", "Date", "Start", "End", "Status", "Attended",
                 "Role", "Hours", "Program", "Rung", "Outcome", "Recruited By", ""]
TRICKY = st.sampled_from(['"', '""', ",", ";", "\t", "\n", "\r\n", "\r", " ", "=", "+1", "-",
                          "@", "\x00", "\ufeff", "\u202e", "é", "🎉", "'; DROP TABLE person; --",
                          "2024-01-01", "1900-01-01", "attended", "no show", "-5", "1e308",
                          "nan", "a@x.org", "(555) 123-4567", "Grand Totals", "sep=;"])
CELL = st.one_of(st.text(max_size=30), TRICKY,
                 st.lists(TRICKY, max_size=4).map("".join))


@pytest.fixture(scope="module")
def con(tmp_path_factory) -> duckdb.DuckDBPyConnection:
    connection = db.connect(tmp_path_factory.mktemp("fuzz") / "engage.duckdb")
    yield connection
    connection.close()


def check(con: duckdb.DuckDBPyConnection, data: bytes, name: str,
          options: ImportOptions | None = None) -> None:
    imports = con.execute("SELECT COUNT(*) FROM import_log").fetchone()[0]
    result = importer.import_bytes(con, data, name, options)
    assert result.status in ("imported", "duplicate", "failed")
    after = con.execute("SELECT COUNT(*) FROM import_log").fetchone()[0]
    if result.status == "imported":
        assert result.accepted >= 1 and after == imports + 1
        assert result.accepted + result.rejected + result.skipped == result.rows_read
    else:
        assert after == imports and result.message
    assert len(result.rejected_rows) == result.rejected


def to_csv(rows: list[list[str]], delimiter: str) -> str:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\n").writerows(rows)
    return out.getvalue()


@FUZZ
@given(data=st.binary(max_size=3000), suffix=st.sampled_from([".csv", ".xlsx", ".txt"]))
def test_random_bytes(con, data: bytes, suffix: str):
    check(con, data, "random" + suffix)


@FUZZ
@given(header=st.lists(st.one_of(st.sampled_from(KNOWN_HEADERS), CELL), min_size=1, max_size=8),
       body=st.lists(st.lists(CELL, max_size=9), max_size=6),
       delimiter=st.sampled_from([",", ";", "\t", "|"]),
       encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "utf-16"]),
       kind=st.sampled_from(["participation", "people", "ask"]))
def test_random_headers_and_cells(con, header, body, delimiter, encoding, kind):
    text = to_csv([header, *body], delimiter)
    check(con, text.encode(encoding, errors="replace"), "headers.csv", ImportOptions(kind=kind))


@FUZZ
@given(body=st.lists(st.lists(CELL, min_size=6, max_size=7), min_size=1, max_size=8),
       raw_text=st.booleans())
def test_random_cells_under_a_valid_header(con, body, raw_text: bool):
    header = ["Email", "Name", "Event", "Date", "Status", "Hours"]
    if raw_text:   # cells joined without any quoting: broken quotes, stray delimiters
        text = "\n".join(",".join(row) for row in [header, *body])
    else:
        text = to_csv([header, *body], ",")
    check(con, text.encode("utf-8", errors="surrogatepass"), "cells.csv")
