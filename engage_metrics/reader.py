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
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

MAX_UPLOAD_BYTES = 200 * 1024 * 1024
DELIMITERS = (",", "\t", ";")
_TOTALS = re.compile(r"^\s*(grand\s+)?totals?\b", re.IGNORECASE)
_MAGIC = {
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"%PDF": "a PDF document",
    b"GIF8": "a GIF image",
    b"\xd0\xcf\x11\xe0": "an old-style Excel (.xls) or other Office file",
    b"\x1f\x8b": "a gzip archive",
}


class ReadError(ValueError):
    """The file cannot be read as a table; the message says why and what to do."""


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


def decode(data: bytes, name: str) -> tuple[str, str]:
    """Text and encoding name: UTF-8 (BOM tolerated), else Windows-1252."""
    if b"\x00" in data[:1_000_000]:
        raise ReadError(f"{name}: the file contains NUL bytes, so it is a binary file, not a "
                        "CSV export. Export the data again as CSV (comma- or tab-separated).")
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "windows-1252"
    except UnicodeDecodeError as exc:
        raise ReadError(f"{name}: the text encoding is neither UTF-8 nor Windows-1252 "
                        f"(byte {exc.start}). Save the file as UTF-8 CSV and upload it again.") from exc


def sniff_binary(data: bytes, name: str) -> None:
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
    if len(data) > MAX_UPLOAD_BYTES:
        raise ReadError(f"{name} is {len(data) / 2**20:.0f} MB; the upload limit is "
                        f"{MAX_UPLOAD_BYTES / 2**20:.0f} MB. Split the export by date range.")
    if not data.strip():
        raise ReadError(f"{name} is empty (0 bytes of data). Export it again from your tool.")
    sniff_binary(data, name)
    if data.startswith(b"PK\x03\x04"):
        return read_excel(data, name, sheet)
    text, encoding = decode(data, name)
    return read_text(text, name, encoding)


def read_path(path: str | Path, sheet: str | None = None) -> RawTable:
    path = Path(path)
    size = path.stat().st_size
    if size > MAX_UPLOAD_BYTES:
        raise ReadError(f"{path.name} is {size / 2**20:.0f} MB; the upload limit is "
                        f"{MAX_UPLOAD_BYTES / 2**20:.0f} MB. Split the export by date range.")
    return read_bytes(path.read_bytes(), path.name, sheet)


def _records(lines: list[str], delimiter: str, first: int) -> tuple[list[list[str]], list[int], list[str]]:
    """csv records starting at line index *first*, with their 1-based line numbers and raw text."""
    reader = csv.reader(lines[first:], delimiter=delimiter, quotechar='"', strict=False)
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
        raise ReadError(f"line {first + prev + 1}: {exc}") from exc
    return records, line_nos, raws


def read_text(text: str, name: str, encoding: str = "utf-8") -> RawTable:
    """Parse delimited text. The header is the first non-blank line (after an optional
    `sep=` line); adapters that know a preamble (Zoom) call :func:`table_from_records`."""
    lines = text.splitlines()
    first = 0
    notes: list[str] = []
    while first < len(lines) and not lines[first].strip():
        first += 1
    if first < len(lines) and lines[first].lower().startswith("sep="):
        delimiter = lines[first][4:5] or ","
        first += 1
    else:
        delimiter = detect_delimiter(lines[first]) if first < len(lines) else ","
    records, line_nos, raws = _records(lines, delimiter, first)
    if not records:
        raise ReadError(f"{name} has no header row.")
    table = table_from_records(records, line_nos, raws, name, encoding, delimiter, notes)
    table.text = text
    return table


def table_from_records(records: list[list[str]], line_nos: list[int], raws: list[str], name: str,
                       encoding: str, delimiter: str | None, notes: list[str] | None = None,
                       preamble: list[list[str]] | None = None) -> RawTable:
    header = [h.strip() for h in records[0]]
    if not any(header):
        raise ReadError(f"{name}: the header row is empty.")
    if len(header) == 1 and delimiter == ",":
        notes = (notes or []) + ["only one column found: check the delimiter"]
    columns = _unique_columns(header)
    body = records[1:]
    width = len(columns)
    cells = [(r + [""] * width)[:width] for r in body]
    overflow = [len(r) > width and any(c.strip() for c in r[width:]) for r in body]
    frame = pd.DataFrame(cells, columns=columns, dtype=object)
    frame = frame.apply(lambda s: s.str.strip())
    frame["_line"] = line_nos[1:]
    frame["_raw"] = raws[1:]
    frame["_overflow"] = overflow
    frame, skipped = _drop_non_data(frame, columns)
    if frame.empty:
        raise ReadError(f"{name} has a header but no data rows.")
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
    """Drop blank lines, totals rows and the trailing footer block (rows of one cell)."""
    filled = frame[columns].ne("").sum(axis=1)
    first_cell = frame[columns].replace("", pd.NA).bfill(axis=1).iloc[:, 0].fillna("")
    is_total = first_cell.str.match(_TOTALS)
    keep = (filled > 0) & ~is_total
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
        raise ReadError(f"{name} is not a valid .xlsx workbook ({exc}).") from exc
    except Exception as exc:  # openpyxl raises many types for encrypted or broken files
        raise ReadError(f"{name} could not be opened as an Excel workbook: it may be "
                        "password-protected or damaged. Remove the password or save it "
                        "again as .xlsx or CSV.") from exc
    sheets = {k: v for k, v in book.items() if not v.dropna(how="all").empty}
    if not sheets:
        raise ReadError(f"{name}: every sheet of the workbook is empty.")
    notes = []
    if sheet is not None:
        if sheet not in book:
            raise ReadError(f"{name} has no sheet named {sheet!r}; its sheets are "
                            f"{', '.join(book)}.")
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
    return table_from_records(records, line_nos, raws, f"{name} [{chosen}]", "xlsx", None, notes)
