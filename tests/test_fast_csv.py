"""The fast CSV reader (DuckDB's read_csv, reader.load_fast_csv) gives exactly the
Python reader's import: same accepted and rejected rows (line numbers, raw text,
reasons), skipped count, notes, mapping and sha256 identity — and falls back to the
Python reader whenever its reading could differ.

Each parity case imports one file into two fresh stores, once with the fast reader
forced (ENGAGE_FAST_CSV_MB=0) and once with it off, and compares every table."""
from __future__ import annotations

import csv
import io
import random
import sys
from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engage_metrics import db, importer, reader
from engage_metrics.importer import import_bytes, import_files
from engage_metrics.options import ImportOptions
from engage_metrics.reader import fast_csv

ROOT = Path(__file__).resolve().parents[1]
HEADER = "Email,First Name,Last Name,Event,Event Type,Start,Status,Role,Hours,Program"
GOOD = "ana@x.org,Ana,Lopez,Canvass Oct,Canvass,2024-10-05 09:00,Attended,volunteer,3,Field"
FAST, SLOW = "0", "1000000"


def fast(monkeypatch, on: bool) -> None:
    monkeypatch.setenv("ENGAGE_FAST_CSV_MB", FAST if on else SLOW)


def snapshot(con: duckdb.DuckDBPyConnection) -> dict[str, list[str]]:
    """Every stored table's rows (import times left out), sorted, to compare stores."""
    tables = [r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() "
                                        "WHERE NOT temporary ORDER BY 1").fetchall()]
    out = {}
    for t in tables:
        cols = [c[0] for c in con.execute(f'DESCRIBE "{t}"').fetchall()
                if c[0] not in ("imported_at", "decided_at", "updated_at")]
        select = ", ".join(f'"{c}"' for c in cols)
        out[t] = sorted(map(repr, con.execute(f'SELECT {select} FROM "{t}"').fetchall()))
    return out


def summary(result: importer.ImportResult) -> tuple:
    rejected = [tuple(r) for r in result.rejected_rows[["line_no", "raw", "reason"]]
                .itertuples(index=False)]
    return (result.status, result.kind, result.source, result.rows_read, result.accepted,
            result.rejected, result.skipped, result.mapping, result.notes, result.message,
            rejected)


def both(tmp_path: Path, monkeypatch, content: str | bytes, options: ImportOptions | None = None,
         name: str = "export.csv") -> dict[str, tuple]:
    """Import *content* with the fast reader forced and with it off, into fresh stores;
    {"fast"|"slow": (result, snapshot)}."""
    path = tmp_path / name
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    out = {}
    for label, on in (("fast", True), ("slow", False)):
        fast(monkeypatch, on)
        con = db.connect(tmp_path / f"{label}.duckdb")
        try:
            [result] = import_files(con, [path], options or ImportOptions())
            out[label] = (result, snapshot(con))
        finally:
            con.close()
    return out


def assert_same(runs: dict[str, tuple], read_by: str = "duckdb") -> importer.ImportResult:
    (fast_result, fast_tables), (slow_result, slow_tables) = runs["fast"], runs["slow"]
    assert slow_result.read_by == "python"
    assert fast_result.read_by == read_by
    assert summary(fast_result) == summary(slow_result)
    assert fast_tables == slow_tables
    return fast_result


def lines(*rows: str, end: str = "\n") -> str:
    return end.join(rows) + end


def test_whitespace_is_what_str_strip_removes():
    assert reader.WHITESPACE == "".join(c for c in map(chr, range(sys.maxunicode + 1))
                                        if c.isspace())


PARITY = {
    "plain": lines(HEADER, GOOD, "bob@x.org,Bob,Smith,Canvass Oct,Canvass,10/05/2024 9:00 AM,"
                                 "No-Show,volunteer,,Field"),
    "bom_crlf": "\ufeff" + lines(HEADER, GOOD, "cara@x.org,Cara,Diaz,Potluck,Potluck,"
                                              "2024-10-12 18:00,Checked In,host,2.5,", end="\r\n"),
    "no_final_newline": lines(HEADER, GOOD).rstrip("\n"),
    "trailing_empty_lines": lines(HEADER, GOOD, "", ""),
    "trailing_empty_lines_crlf": lines(HEADER, GOOD, "", end="\r\n"),
    "semicolon": lines(HEADER.replace(",", ";"), GOOD.replace(",", ";"),
                       "bob@x.org;Bob;Smith;\"Canvass; Oct\";Canvass;2024-10-05;attended;;;"),
    "tab": lines(HEADER.replace(",", "\t"), GOOD.replace(",", "\t"),
                 "bob@x.org\t Bob \tSmith\t\"Canvass, Oct\"\tCanvass\t2024-10-05\tattended\t\t\t",
                 # a tab inside quotes is whitespace to strip, not a delimiter
                 "cara@x.org\t\"\tCara\"\tDiaz\tPotluck\tPotluck\t2024-10-05\t\"attended\t\"\t\t\t"),
    "duplicate_and_blank_headers": lines("Email,Name,Event,Date,,Email,Name,",
                                         "ana@x.org,Ana,Canvass,2024-03-02,x,other@x.org,Other,",
                                         "bob@x.org,Bob,Canvass,2024-03-02,,,,"),
    "quoting": lines(HEADER,
                     '"ana@x.org","Ana","Lopez","Canvass, Oct","Canvass","2024-10-05",'
                     '"Attended","volunteer","3","Field"',
                     'bob@x.org,"Bob ""Bobby""",Smith,"Say ""hi"" now",Canvass,2024-10-05,'
                     'attended,,,',
                     'cara@x.org,"",Diaz,Potluck,,2024-10-05,attended,"",,""',
                     'dan@x.org,Dan,Ng, "Potluck" ,Potluck,2024-10-05,attended,,,',
                     'eve@x.org,Eve,Li,"Potluck" ,Potluck,2024-10-05,attended,,,',
                     'fay@x.org,Fay,Wu,Quiz "night",Social,2024-10-05,attended,,,',
                     'gus@x.org,Gus,Ox,"",Social,2024-10-05,attended,,,',
                     # Python's csv reads the quotes after a space as text, DuckDB not
                     'hal@x.org, "Hal, H",Smith,Potluck,Potluck,2024-10-06,attended,,'),
    "whitespace": lines(HEADER,
                        " ana@x.org ,\u00a0Ana\u00a0, Lopez\t,Canvass Oct ,Canvass,"
                        "2024-10-05 09:00 ,Attended ,volunteer, 3 ,\u3000Field\u2009",
                        "bob@x.org,Bob,Smith,Canvass\u00a0Oct,Canvass,2024-10-05,\x0battended\x1f"
                        ",,,",
                        "   ,  ,\t, , , , , , , ",
                        "\u2028cara@x.org,Cara,Diaz,Potluck,Potluck,2024-10-05,attended,,,"),
    "short_rows": lines(HEADER, GOOD, "bob@x.org,Bob,Smith,Potluck,Potluck,2024-10-06",
                        "cara@x.org,Cara", "dan@x.org"),
    "trailing_delimiter": lines(HEADER + ",", GOOD + ",", "bob@x.org,Bob,Smith,Potluck,Potluck,"
                                "2024-10-06,attended,,,,"),
    "totals_header_footer": lines(
        HEADER, GOOD,
        HEADER,                                                     # a second export pasted
        " Email , First Name,Last Name,Event,Event Type,Start,Status,Role,Hours,Program",
        "Email,First Name,Last Name,Event,Event Type,Start,Status,Role,Hours",   # short: data
        "bob@x.org,Bob,Smith,Potluck,Potluck,2024-10-06,attended,,,",
        "Total,,,,,,,,,", ",,TOTALS: 2,,,,,,,", "Grand\u00a0Total,,,,,,,,,",
        "Totaled,x@x.org,,,,,,,,", "Totally fine,cara@x.org,Cara,Diaz,Potluck,2024-10-06,"
        "attended,,,", "total_rows,dan@x.org,,,,,,,,", "grand totals (3),eve@x.org,,,,,,,,",
        "fay@x.org,Fay,Wu,Potluck,Potluck,2024-10-07,attended,,,",
        "  ", ",,,,,,,,,",                         # trailing blank rows …
        "Confidential Information - Do Not Distribute",           # … and the footer block
        "Generated by Salesforce.com", ",,,,Copyright 2024,,,,,"),
    "every_rejection": lines(
        HEADER, GOOD,
        "not-an-email,,,Canvass,Canvass,2024-10-05,attended,,,",
        ",,,Canvass,Canvass,2024-10-05,attended,,,",
        "bob@x.org,Bob,,,,2024-10-05,attended,,,",
        "cara@x.org,Cara,,Canvass,Canvass,,attended,,,",
        "dan@x.org,Dan,,Canvass,Canvass,someday,attended,,,",
        "eve@x.org,Eve,,Canvass,Canvass,1850-01-01,attended,,,",
        "fay@x.org,Fay,,Canvass,Canvass,2024-10-05,whatever,,,",
        "gus@x.org,Gus,,Canvass,Canvass,2024-10-05,,,,",
        "hal@x.org,Hal,,Canvass,Canvass,2024-10-05,attended,,lots,",
        "ida@x.org,Ida,,Canvass,Canvass,2024-10-05,attended,,30,",
        "jo@x.org,Jo,,Canvass,Canvass,2024-10-05,attended,,-1,",
        "kim@x.org,Kim,,Canvass,Canvass,2024-10-05 25:99,attended,,,"),
    "unicode_and_odd_cells": lines(
        HEADER, "jose@x.org,José Muñoz,,Café “social”,Social,2024-05-01,attended,,,",
        "emoji@x.org,🎉 Party,,=SUM(A1),Social,2024-05-01,attended,,,",
        "rtl@x.org,\u202eabc,,<b>x</b>,Social,2024-05-01,attended,,,",
        "long@x.org," + "x" * 5000 + ",,'; DROP TABLE person; --,Social,2024-05-01,attended,,,"),
}


@pytest.mark.parametrize("case", list(PARITY))
def test_participation_files_import_the_same_through_both_readers(case, tmp_path, monkeypatch):
    assert_same(both(tmp_path, monkeypatch, PARITY[case]))


def test_people_files_import_the_same(tmp_path, monkeypatch):
    text = lines("Email,Name,Phone,Recruited By,VANID",
                 "ana@x.org,Ana Lopez,(555) 123-4567,,101",
                 "bob@x.org,Bob, 555 999 1234 ,ana@x.org,",
                 "bad,,,,",
                 ",Dan Only,,,",
                 ",,,,",
                 "cara@x.org,Cara,,not an email,",
                 "Total,,,,")
    result = assert_same(both(tmp_path, monkeypatch, text, ImportOptions(kind="people")))
    assert (result.accepted, result.rejected, result.skipped) == (3, 2, 2)


def test_one_column_file_without_footer_rule(tmp_path, monkeypatch):
    text = lines("Email", "ana@x.org", "Total", "bob@x.org", "note", "TOTALS", "")
    result = assert_same(both(tmp_path, monkeypatch, text, ImportOptions(kind="people")))
    assert (result.accepted, result.rejected, result.skipped) == (2, 1, 3)
    assert result.notes[0] == "only one column found: check the delimiter"


def test_ask_files_import_the_same(tmp_path, monkeypatch):
    text = lines("Email,Date,Ask,Rung,Outcome,Asked By",
                 "ana@x.org,2024-04-01,Host a house meeting,,yes,org@x.org",
                 "bob@x.org,2024-04-02,Come canvass,,maybe,",
                 "cara@x.org,2024-04-03,,7,,",
                 "dan@x.org,,Call,2,no,",
                 "eve@x.org,2024-04-03,Knit a scarf,,no,",
                 "fay@x.org,2024-04-03,Phone bank,3,perhaps,")
    result = assert_same(both(tmp_path, monkeypatch, text, ImportOptions(kind="ask")))
    assert result.rejected == 4


def test_explicit_mapping_and_a_custom_source_label(tmp_path, monkeypatch):
    text = lines("Who,What,When,Extra", "ana@x.org,Canvass,2024-03-02,1",
                 "bob@x.org,Canvass,2024-03-02,2")
    options = ImportOptions(source="my crm", mapping={"email": "Who", "title": "What",
                                                      "starts_at": "When"})
    result = assert_same(both(tmp_path, monkeypatch, text, options))
    assert result.source == "my crm" and result.notes[-1] == "columns not used: Extra"


def test_mapping_failure_is_the_python_readers_message(tmp_path, monkeypatch):
    text = lines("Foo,Bar", "1,2")
    result = assert_same(both(tmp_path, monkeypatch, text), read_by="python")
    assert result.status == "failed" and "could not find" in result.message


@pytest.mark.parametrize("case, content", [
    ("quoted line break", lines(HEADER, GOOD, 'bob@x.org,"Bob\nBobby",Smith,Potluck,Potluck,'
                                             "2024-10-06,attended,,,")),
    ("blank line in the middle", lines(HEADER, GOOD, "", "bob@x.org,Bob,Smith,Potluck,Potluck,"
                                                     "2024-10-06,attended,,,")),
    ("windows-1252", lines(HEADER, "jose@x.org,José,Muñoz,Café,Social,2024-05-01,attended,,,")
     .encode("cp1252")),
    ("extra non-blank cells", lines(HEADER, GOOD, GOOD + ",surplus")),
    ("extra blank cells", lines(HEADER, GOOD, GOOD + ",,")),
    ("unterminated quote", lines(HEADER, GOOD, 'bob@x.org,"Bob,Smith,Potluck,Potluck,'
                                               "2024-10-06,attended,,,")),
    ("text after a closing quote", lines(HEADER, GOOD, 'bob@x.org,"Bob"by,Smith,Potluck,'
                                                       "Potluck,2024-10-06,attended,,,")),
    ("lone CR line ends", lines(HEADER, GOOD, GOOD.replace("ana", "bob"), end="\r")),
    ("a lone CR at the very end", lines(HEADER, GOOD) + GOOD.replace("ana", "bob") + "\r"),
    ("mixed line ends", lines(HEADER, GOOD, end="\r\n") + lines(GOOD.replace("ana", "bob"))),
    ("sep= line", lines("sep=,", HEADER, GOOD)),
    ("blank line before the header", lines("", HEADER, GOOD)),
    ("NUL byte", lines(HEADER, GOOD, "bob@x.org,B\x00b,Smith,Potluck,Potluck,2024-10-06,,,,")),
    ("UTF-16", ("\ufeff" + lines(HEADER, GOOD)).encode("utf-16-le")),
    ("only blank and totals rows", lines(HEADER, "Total,,,,,,,,,", ",,,,,,,,,")),
    ("header only", lines(HEADER)),
    ("a cell over the csv module's limit", lines(HEADER, GOOD.replace("Ana", "A" * 140_000))),
])
def test_files_the_fast_reader_cannot_read_exactly_fall_back(case, content, tmp_path,
                                                              monkeypatch):
    assert_same(both(tmp_path, monkeypatch, content), read_by="python")


def test_zoom_meeting_header_and_tool_exports_keep_their_adapters(tmp_path, monkeypatch):
    zoom = lines("Meeting ID,Topic,Start Time,End Time,User Email,Duration (Minutes),"
                 "Participants", "123,Weekly call,03/05/2024 06:00:00 PM,03/05/2024 07:00:00 PM,"
                 "host@x.org,60,2", "", "Name (Original Name),User Email,Join Time,Leave Time,"
                 "Duration (Minutes),Guest", "Ana,ana@x.org,03/05/2024 06:00:00 PM,"
                 "03/05/2024 07:00:00 PM,60,No")
    runs = both(tmp_path, monkeypatch, zoom)
    assert runs["fast"][0].source == "zoom"
    assert_same(runs, read_by="python")
    # a forced generic source reads a tool's export as generic, fast
    civicrm = lines("Display Name,Event Title,Event Start Date,Participant Status",
                    "Ana Lopez,Canvass,2024-03-02 10:00,Attended")
    assert_same(both(tmp_path, monkeypatch, civicrm, ImportOptions(source="generic"),
                     name="civicrm.csv"))
    runs = both(tmp_path, monkeypatch, civicrm, name="civicrm2.csv")
    assert runs["fast"][0].source == "civicrm"
    assert_same(runs, read_by="python")


def test_many_lines_to_strip_are_stripped_in_sql(tmp_path, monkeypatch):
    monkeypatch.setattr(fast_csv, "MAX_PATCHED_LINES", 2)
    rows = [f"p{i}@x.org , Name{i}\u00a0,Canvass ,2024-03-0{1 + i % 9}, attended"
            for i in range(20)]
    text = lines("Email,Name,Event,Date,Status", *rows, 'q@x.org,"Q ""x"" y",Canvass,2024-03-02,'
                 "attended", " Email ,Name,Event,Date,Status", "Total ,,,,",
                 # a space next to a quote: still parsed again in Python
                 'r@x.org, "R, r",2024-03-02,attended')
    result = assert_same(both(tmp_path, monkeypatch, text))
    assert (result.accepted, result.rejected, result.skipped) == (22, 0, 2)


def test_too_many_lines_with_a_space_next_to_a_quote_fall_back(tmp_path, monkeypatch):
    monkeypatch.setattr(fast_csv, "MAX_PATCHED_LINES", 2)
    rows = [f'p{i}@x.org,"Say ""hi"" {i}",Canvass,2024-03-02,attended' for i in range(5)]
    assert_same(both(tmp_path, monkeypatch, lines("Email,Name,Event,Date,Status", *rows)),
                read_by="python")


@pytest.mark.parametrize("name, sibling", [("export[1].csv", "export1.csv"),
                                           ("export*.csv", "export-other.csv"),
                                           ("what?.csv", "whatx.csv")])
def test_file_names_duckdb_would_take_for_a_glob(name, sibling, tmp_path, monkeypatch, store):
    fast(monkeypatch, True)
    (tmp_path / sibling).write_text(lines(HEADER, GOOD.replace("ana", "other")),
                                    encoding="utf-8")
    path = tmp_path / name
    path.write_text(lines(HEADER, GOOD), encoding="utf-8")
    [result] = import_files(store, [path])
    assert (result.read_by, result.accepted) == ("duckdb", 1)
    assert store.execute("SELECT email FROM person").fetchall() == [("ana@x.org",)]


def test_reimport_through_the_other_reader_is_a_duplicate(tmp_path, monkeypatch, store):
    path = tmp_path / "signups.csv"
    path.write_text(lines(HEADER, GOOD), encoding="utf-8")
    for on, read_by, status in ((True, "duckdb", "imported"), (False, "python", "duplicate"),
                                (True, "duckdb", "duplicate")):
        fast(monkeypatch, on)
        [result] = import_files(store, [path])
        assert (result.read_by, result.status) == (read_by, status)
    fast(monkeypatch, False)
    path2 = tmp_path / "other.csv"
    path2.write_text(lines(HEADER, GOOD.replace("ana", "bob")), encoding="utf-8")
    assert import_files(store, [path2])[0].status == "imported"
    fast(monkeypatch, True)
    assert import_files(store, [path2])[0].status == "duplicate"
    assert store.execute("SELECT COUNT(*) FROM import_log").fetchall() == [(2,)]


def test_sha256_of_the_streaming_pass_is_the_files(tmp_path, monkeypatch):
    monkeypatch.setattr(fast_csv, "CHUNK_BYTES", 7)          # lines across many chunks
    data = lines(HEADER, GOOD, GOOD.replace("ana", "bob")).encode()
    path = tmp_path / "f.csv"
    path.write_bytes(data)
    scan = reader.scan_csv(path, ",")
    assert scan.usable and scan.sha256 == importer.sha256(data) and scan.lines == 3
    assert reader.read_lines(path, [3, 1]) == {1: HEADER, 3: GOOD.replace("ana", "bob")}


def test_uploads_take_the_fast_reader_too(tmp_path, monkeypatch):
    text = PARITY["every_rejection"].encode()
    results = {}
    for label, on in (("fast", True), ("slow", False)):
        fast(monkeypatch, on)
        con = db.connect(tmp_path / f"{label}.duckdb")
        results[label] = (import_bytes(con, text, "upload.csv"), snapshot(con))
        con.close()
    assert results["fast"][0].read_by == "duckdb"
    assert summary(results["fast"][0]) == summary(results["slow"][0])
    assert results["fast"][1] == results["slow"][1]


def test_upload_limit_applies_to_uploads_not_to_streamed_files(tmp_path, monkeypatch, store):
    """An upload is already in memory: over the limit it is refused. A file on disk that
    DuckDB streams needs no memory for its size, so the limit does not stop it; one the
    Python reader would have to hold in memory is still refused."""
    fast(monkeypatch, True)
    monkeypatch.setenv("ENGAGE_MAX_UPLOAD_MB", "0.0001")
    path = tmp_path / "big.csv"
    path.write_text(lines(HEADER, *[GOOD] * 10), encoding="utf-8")
    upload = import_bytes(store, path.read_bytes(), "big.csv")
    assert upload.status == "failed" and "upload limit" in upload.message
    [result] = import_files(store, [path])
    assert result.status == "imported" and result.read_by == "duckdb"
    slow = tmp_path / "slow.csv"                      # a blank line: the Python reader's
    slow.write_text(lines(HEADER, GOOD, "", GOOD), encoding="utf-8")
    [result] = import_files(store, [slow])
    assert result.status == "failed" and "upload limit" in result.message


def test_no_temp_tables_are_left_behind(tmp_path, monkeypatch, store):
    fast(monkeypatch, True)
    for i, text in enumerate((PARITY["every_rejection"], lines(HEADER, GOOD, "", GOOD))):
        path = tmp_path / f"f{i}.csv"
        path.write_text(text, encoding="utf-8")
        import_files(store, [path])
    assert store.execute("SELECT table_name FROM duckdb_tables() WHERE temporary "
                         "AND table_name IN ('fast_cells', 'src', 'staged')").fetchall() == []


@pytest.mark.slow
def test_generated_organization_imports_the_same(tmp_path, monkeypatch):
    sys.path.insert(0, str(ROOT))
    from benchmarks.generate import generate, write_csv

    path = tmp_path / "org.csv"
    write_csv(generate(20_000), path)
    counts, tables = {}, {}
    for label, on in (("fast", True), ("slow", False)):
        fast(monkeypatch, on)
        con = db.connect(tmp_path / f"{label}.duckdb")
        [result] = import_files(con, [path], ImportOptions(source="generic"))
        counts[label] = (result.read_by, result.accepted, result.rejected, result.rows_read)
        tables[label] = con.execute(
            "SELECT p.email, e.title, e.starts_at, pa.status, pa.role, pa.hours "
            "FROM participation pa JOIN person p USING (person_id) "
            "JOIN event e USING (event_id) ORDER BY ALL").fetchall()
        con.close()
    assert counts["fast"][0] == "duckdb" and counts["slow"][0] == "python"
    assert counts["fast"][1:] == counts["slow"][1:] and counts["fast"][1] > 15_000
    assert tables["fast"] == tables["slow"]


@pytest.mark.slow
def test_line_numbers_stay_right_across_duckdbs_parallel_buffers(tmp_path, monkeypatch, store):
    """DuckDB reads a big file in parallel buffers: every row keeps its own line number."""
    fast(monkeypatch, True)
    n = 150_000
    rows = [f"p{i % 5000}@x.org,E{i + 2},2024-03-02,attended,{99 if i % 9973 == 5 else 1}"
            for i in range(n)]
    path = tmp_path / "big.csv"
    path.write_text(lines("Email,Event,Date,Status,Hours", *rows), encoding="utf-8")
    [result] = import_files(store, [path])
    bad = [i + 2 for i in range(n) if i % 9973 == 5]
    assert (result.read_by, result.accepted, result.rejected) == ("duckdb", n - len(bad), len(bad))
    assert list(result.rejected_rows["line_no"]) == bad
    assert list(result.rejected_rows["raw"]) == [rows[i - 2] for i in bad]
    assert store.execute("SELECT COUNT(*) FROM raw_participation "
                         "WHERE title <> 'E' || line_no").fetchall() == [(0,)]


# --- the reader alone, on random files: DuckDB's rows are read_text's rows -----------------

PIECES = st.sampled_from(['"', '""', " ", "  ", ",", ";", "\t", "a", "b", "é", "\u00a0", "\u3000",
                          "\x0b", "\x1f", "“", "Total", "Grand Totals", "total", "x@y.org",
                          "h1", "h2", "h3", "=", "\r\n", "\n"])
CELLS = st.lists(PIECES, max_size=5).map("".join)
FILES = st.tuples(
    st.sampled_from([",", ";", "\t"]),
    st.lists(st.sampled_from(["h1", "h2", "h3", "", " h1 ", "h1"]), min_size=1, max_size=4),
    st.lists(st.lists(CELLS, max_size=5), min_size=1, max_size=8),
    st.booleans(),                                  # quote the cells as csv.writer does
    st.sampled_from(["\n", "\r\n"]),
    st.booleans())                                  # last line break


def render(delimiter, header, rows, quoted, end, last_break) -> bytes:
    if quoted:
        out = io.StringIO()
        csv.writer(out, delimiter=delimiter, lineterminator=end).writerows([header, *rows])
        text = out.getvalue()
    else:
        text = end.join(delimiter.join(r) for r in [header, *rows]) + end
    return (text if last_break else text.removesuffix(end)).encode("utf-8")


def python_rows(data: bytes) -> tuple[list[tuple], int] | None:
    try:
        table = reader.read_bytes(data, "f.csv")
    except reader.ReadError:
        return None
    if table.rows["_overflow"].any():
        return None
    frame = table.rows[[*table.columns, "_line"]]
    return [tuple(r) for r in frame.itertuples(index=False)], table.skipped


def fast_rows(con, path: Path) -> tuple[list[tuple], int] | None:
    head = reader.fast_csv_head(reader.read_head(path), path.stat().st_size, path.name)
    if head is None:
        return None
    loaded = reader.load_fast_csv(con, path, head)
    if loaded is None:
        return None
    sql, params = loaded.rows_sql()
    cells = ", ".join(loaded.column(c) for c in head.table.columns)
    rows = con.execute(f"SELECT {cells}, _line FROM ({sql}) ORDER BY _line", params).fetchall()
    reader.drop_fast_csv(con)
    return rows, loaded.rows_read - len(rows)


@settings(max_examples=40, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(FILES)
def test_random_files_read_the_same(tmp_path, monkeypatch, spec):
    monkeypatch.setenv("ENGAGE_FAST_CSV_MB", FAST)
    data = render(*spec)
    path = tmp_path / "f.csv"
    path.write_bytes(data)
    con = duckdb.connect()
    try:
        got = fast_rows(con, path)
    finally:
        con.close()
    if got is not None:
        assert got == python_rows(data), data


def test_random_files_mostly_take_the_fast_reader(tmp_path, monkeypatch):
    """The property above is not vacuous: most well-formed random files are read fast."""
    monkeypatch.setenv("ENGAGE_FAST_CSV_MB", FAST)
    rng = random.Random(7)
    pieces = ["a", "b", "é", " ", '"', ",", ";", "Total", "x@y.org", "h1"]
    read = fast_count = 0
    for i in range(40):
        header = rng.sample(["h1", "h2", "h3", "h4"], rng.randint(1, 4))
        rows = [["".join(rng.choices(pieces, k=rng.randint(0, 4))) for _ in header]
                for _ in range(rng.randint(1, 6))]
        path = tmp_path / f"f{i}.csv"
        path.write_bytes(render(",", header, rows, True, "\n", True))
        if python_rows(path.read_bytes()) is None:
            continue
        read += 1
        con = duckdb.connect()
        fast_count += fast_rows(con, path) is not None
        con.close()
    assert read > 20 and fast_count / read > 0.6
