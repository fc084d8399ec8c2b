"""Reading an uploaded file into rows of text, with exact line numbers.

Decoding happens here, in Python, because DuckDB cannot decode Windows-1252:
UTF-8 (with or without BOM) first, then Windows-1252. Delimiters comma, tab and
semicolon are detected from the header line. Blank lines, totals rows and
footer lines (Salesforce "Grand Totals", "Confidential Information ...") are
skipped and counted, never silently turned into data.
"""
from __future__ import annotations

import csv
import io
import os
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

MAX_UPLOAD_BYTES = 200 * 1024 * 1024   # default; ENGAGE_MAX_UPLOAD_MB overrides it
DELIMITERS = (",", "\t", ";")
_TOTALS = re.compile(r"^\s*(grand\s+)?totals?\b", re.IGNORECASE)
_MAGIC = {
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"%PDF": "a PDF document",
    b"GIF8": "a GIF image",
    b"\x1f\x8b": "a gzip archive",
}


class ReadError(ValueError):
    """The file cannot be read as a table; the message says why and what to do."""


def max_upload_bytes() -> int:
    """The upload limit: $ENGAGE_MAX_UPLOAD_MB megabytes, else MAX_UPLOAD_BYTES."""
    text = os.environ.get("ENGAGE_MAX_UPLOAD_MB", "").strip()
    try:
        return int(float(text) * 2**20) if text else MAX_UPLOAD_BYTES
    except ValueError:
        return MAX_UPLOAD_BYTES


def check_size(size: int, name: str) -> None:
    """Refuse a file over the upload limit from its size alone, before reading it."""
    limit = max_upload_bytes()
    if size > limit:
        raise ReadError(f"{name} is {size / 2**20:,.1f} MB; the upload limit is "
                        f"{limit / 2**20:,.1f} MB. Split the export by date range (or raise "
                        "ENGAGE_MAX_UPLOAD_MB) and upload the parts.")


@dataclass
class RawTable:
    """The cells of a file as text: one column per header, plus `_line` and `_raw`."""

    columns: list[str]
    rows: pd.DataFrame
    encoding: str
    delimiter: str | None
    skipped: int = 0
    notes: list[str] = field(default_factory=list)
    preamble: list[list[str]] = field(default_factory=list)
    text: str | None = None      # the decoded text (None for Excel), for adapters
    sheet: str | None = None     # the sheet read when the workbook has several (part of the
                                 # import's identity: each sheet is its own import)


def decode(data: bytes, name: str) -> tuple[str, str]:
    """Text and encoding name: UTF-8 (BOM tolerated), UTF-16 with a BOM (Excel's
    "Unicode text"), else Windows-1252 — but never a mix of UTF-8 and another encoding."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError as exc:
            raise ReadError(f"{name}: the file starts like UTF-16 text but is not valid UTF-16 "
                            f"(byte {exc.start}). Save it as UTF-8 CSV and upload it "
                            "again.") from exc
    if b"\x00" in data:
        raise ReadError(f"{name}: the file contains NUL bytes, so it is a binary file, not a "
                        "CSV export. Export the data again as CSV (comma- or tab-separated).")
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        _refuse_mixed_encodings(data, name)
    try:
        return data.decode("cp1252"), "windows-1252"
    except UnicodeDecodeError as exc:
        raise ReadError(f"{name}: the text encoding is neither UTF-8 nor Windows-1252 "
                        f"(byte {exc.start}). Save the file as UTF-8 CSV and upload it again.") from exc


def _refuse_mixed_encodings(data: bytes, name: str) -> None:
    """A file that is not UTF-8 but has UTF-8 lines mixes encodings (rows pasted from two
    exports): decoding it either way would garble some names, so it is refused."""
    utf8_line = other_line = None
    for line_no, line in enumerate(data.split(b"\n"), start=1):
        if line.isascii():
            continue
        try:
            line.decode("utf-8")
            utf8_line = utf8_line or line_no
        except UnicodeDecodeError:
            other_line = other_line or line_no
        if utf8_line and other_line:
            raise ReadError(f"{name} mixes text encodings: line {utf8_line} is UTF-8 but line "
                            f"{other_line} is not (probably Windows-1252), so some names would "
                            "be garbled. Open the file in a spreadsheet, save it as \"CSV "
                            "UTF-8\" and upload it again.")


def _ole_what(data: bytes) -> str:
    """An OLE compound file is an encrypted (password-protected) .xlsx or an old .xls/.doc."""
    if "EncryptedPackage".encode("utf-16-le") in data or "EncryptionInfo".encode("utf-16-le") in data:
        return "a password-protected (encrypted) Excel workbook"
    return "an old-style Excel (.xls) workbook or another Office file (or a password-protected .xlsx)"


def sniff_binary(data: bytes, name: str) -> None:
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise ReadError(f"{name} is {_ole_what(data)}, which Engage cannot read. Open it in "
                        "Excel, remove the password if it has one, save it as .xlsx (or CSV) "
                        "and upload that file.")
    for magic, what in _MAGIC.items():
        if data.startswith(magic):
            raise ReadError(f"{name} is {what}, not a CSV or Excel (.xlsx) export. "
                            "Export the data as CSV or .xlsx and upload that file.")
    if data.startswith(b"PK\x03\x04") and not name.lower().endswith((".xlsx", ".xlsm")):
        raise ReadError(f"{name} is a ZIP archive, not a CSV file. Unzip it and upload the "
                        "CSV inside, or rename an Excel workbook to .xlsx.")


def detect_delimiter(header_line: str) -> str:
    """The candidate delimiter that splits the header line into the most fields."""
    best, best_n = ",", 1
    for d in DELIMITERS:
        n = len(next(csv.reader([header_line], delimiter=d), []))
        if n > best_n:
            best, best_n = d, n
    return best


def read_bytes(data: bytes, name: str, sheet: str | None = None) -> RawTable:
    """Parse an uploaded file (CSV/TSV/TXT or .xlsx) into a RawTable."""
    check_size(len(data), name)
    if not data.strip():
        raise ReadError(f"{name} is empty (0 bytes of data). Export it again from your tool.")
    sniff_binary(data, name)
    if data.startswith(b"PK\x03\x04"):
        return read_excel(data, name, sheet)
    text, encoding = decode(data, name)
    return read_text(text, name, encoding)


def read_path(path: str | Path, sheet: str | None = None) -> RawTable:
    path = Path(path)
    check_size(path.stat().st_size, path.name)
    return read_bytes(path.read_bytes(), path.name, sheet)


def _records(lines: list[str], delimiter: str, first: int) -> tuple[list[list[str]], list[int], list[str]]:
    """csv records starting at line index *first*, with their 1-based line numbers and raw text."""
    # each line gets its line break back, so a quoted cell spanning lines keeps it
    reader = csv.reader((line + "\n" for line in lines[first:]), delimiter=delimiter,
                        quotechar='"', strict=False)
    records: list[list[str]] = []
    line_nos: list[int] = []
    raws: list[str] = []
    prev = 0
    try:
        for row in reader:
            start, prev = prev, reader.line_num
            records.append(row)
            line_nos.append(first + start + 1)
            raws.append("\n".join(lines[first + start:first + prev]))
    except csv.Error as exc:
        why = (" A cell this long usually means a quote (\") that is never closed, or a file "
               "that is not a CSV export." if "field larger" in str(exc) else "")
        raise ReadError(f"line {first + prev + 1}: {exc}.{why} Check the file around that "
                        "line and export it again.") from exc
    return records, line_nos, raws


_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def split_lines(text: str) -> list[str]:
    """Lines split at CR LF, CR or LF only — unlike str.splitlines, a form feed, a
    vertical tab or U+2028 inside a cell does not end the row."""
    lines = _LINE_BREAK.split(text)
    if lines[-1] == "":
        lines.pop()
    return lines


def read_text(text: str, name: str, encoding: str = "utf-8") -> RawTable:
    """Parse delimited text. The header is the first non-blank line (after an optional
    `sep=` line); adapters that know a preamble (Zoom) call :func:`table_from_records`."""
    lines = split_lines(text)
    first = 0
    notes: list[str] = []
    while first < len(lines) and not lines[first].strip():
        first += 1
    if first < len(lines) and lines[first].lower().startswith("sep="):
        delimiter = lines[first][4:5] or ","
        first += 1
    else:
        delimiter = detect_delimiter(lines[first]) if first < len(lines) else ","
    try:
        records, line_nos, raws = _records(lines, delimiter, first)
    except ReadError as exc:
        raise ReadError(f"{name}: {exc}") from exc
    if not records:
        raise ReadError(f"{name} has no header row. Export it again with its column names "
                        "in the first line.")
    table = table_from_records(records, line_nos, raws, name, encoding, delimiter, notes)
    table.text = text
    return table


def table_from_records(records: list[list[str]], line_nos: list[int], raws: list[str], name: str,
                       encoding: str, delimiter: str | None, notes: list[str] | None = None,
                       preamble: list[list[str]] | None = None) -> RawTable:
    header = [h.strip() for h in records[0]]
    if not any(header):
        raise ReadError(f"{name}: the header row is empty, so the columns have no names. "
                        "Export it again with the column names in the first line.")
    if len(header) == 1 and delimiter == ",":
        notes = (notes or []) + ["only one column found: check the delimiter"]
    columns = _unique_columns(header)
    repeated = sorted({h for h in header if h and header.count(h) > 1})
    if repeated:
        notes = (notes or []) + [
            f"the header repeats {', '.join(map(repr, repeated))}: the first column of each "
            f"name is mapped, the others are renamed ('{repeated[0]} (2)' …); check that the "
            "mapping uses the right one"]
    body = records[1:]
    if not body:
        raise ReadError(f"{name} has a header but no data rows. Check the export's filters "
                        "or date range and export it again.")
    width = len(columns)
    cells = [(r + [""] * width)[:width] for r in body]
    overflow = [len(r) > width and any(c.strip() for c in r[width:]) for r in body]
    frame = pd.DataFrame(cells, columns=columns, dtype=object)
    frame = frame.apply(lambda s: s.str.strip())
    frame["_line"] = line_nos[1:]
    frame["_raw"] = raws[1:]
    frame["_overflow"] = overflow
    # the header again inside the data: two exports pasted together
    frame["_header_again"] = [[c.strip() for c in r[:width]] == header for r in body]
    frame, skipped = _drop_non_data(frame, columns)
    frame = frame.drop(columns="_header_again")
    if frame.empty:
        raise ReadError(f"{name} has a header but no data rows (only blank, totals or footer "
                        "lines). Export it again with the rows included.")
    return RawTable(columns, frame.reset_index(drop=True), encoding, delimiter, skipped,
                    notes or [], preamble or [])


def _unique_columns(header: list[str]) -> list[str]:
    """Blank headers become `column N`; repeated ones get ` (2)`, ` (3)` …"""
    seen: dict[str, int] = {}
    out = []
    for i, h in enumerate(header, start=1):
        h = h or f"column {i}"
        if h in seen:
            seen[h] += 1
            h = f"{h} ({seen[h]})"
        else:
            seen[h] = 1
        out.append(h)
    return out


def _drop_non_data(frame: pd.DataFrame, columns: list[str]) -> tuple[pd.DataFrame, int]:
    """Drop blank lines, totals rows, repeated header rows and the trailing footer
    block (rows of one cell)."""
    filled = frame[columns].ne("").sum(axis=1)
    first_cell = frame[columns].replace("", pd.NA).bfill(axis=1).iloc[:, 0].fillna("")
    is_total = first_cell.str.match(_TOTALS)
    keep = (filled > 0) & ~is_total & ~frame["_header_again"]
    # footer: after the last row with >= 2 filled cells, rows with one cell are notes
    multi = (filled >= 2).to_numpy().nonzero()[0]
    if len(multi):
        tail = frame.index > frame.index[multi[-1]]
        keep &= ~(pd.Series(tail, index=frame.index) & (filled <= 1))
    return frame[keep], int((~keep).sum())


def read_excel(data: bytes, name: str, sheet: str | None = None) -> RawTable:
    """First sheet with data (or the named one) of an .xlsx workbook, as text cells."""
    try:
        book = pd.read_excel(io.BytesIO(data), sheet_name=None, header=None, dtype=str,
                             engine="openpyxl")
    except zipfile.BadZipFile as exc:
        raise ReadError(f"{name} is not a valid .xlsx workbook ({exc}). Open it in Excel and "
                        "save it again as .xlsx, or export the data as CSV.") from exc
    except Exception as exc:  # openpyxl raises many types for encrypted or broken files
        raise ReadError(f"{name} could not be opened as an Excel workbook: it may be "
                        "password-protected or damaged. Remove the password or save it "
                        "again as .xlsx or CSV.") from exc
    sheets = {k: v for k, v in book.items() if not v.dropna(how="all").empty}
    if not sheets:
        raise ReadError(f"{name}: every sheet of the workbook is empty. Check that this is "
                        "the right file and export it again.")
    notes = []
    if sheet is not None:
        if sheet not in book:
            raise ReadError(f"{name} has no sheet named {sheet!r}; its sheets are "
                            f"{', '.join(book)}. Choose one of them.")
        chosen = sheet
    else:
        chosen = next(iter(sheets))
        if len(sheets) > 1:
            notes.append(f"workbook has {len(sheets)} sheets with data "
                         f"({', '.join(sheets)}); read {chosen!r}. Choose another sheet to "
                         "import it instead.")
    frame = book[chosen].fillna("")
    frame = frame.loc[frame.ne("").any(axis=1).idxmax():] if frame.ne("").any().any() else frame
    records = frame.astype(str).values.tolist()
    line_nos = [int(i) + 1 for i in frame.index]
    raws = [",".join(r) for r in records]
    table = table_from_records(records, line_nos, raws, f"{name} [{chosen}]", "xlsx", None, notes)
    table.sheet = chosen if len(sheets) > 1 else None
    return table
