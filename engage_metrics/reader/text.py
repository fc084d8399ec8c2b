"""The text reader: delimited text into a RawTable, with exact line numbers.

Decoding happens here, in Python, because DuckDB cannot decode Windows-1252: UTF-8
(with or without BOM) first, then Windows-1252. Delimiters comma, tab and semicolon are
detected from the header line. Blank lines, totals rows and footer lines (Salesforce
"Grand Totals", "Confidential Information ...") are skipped and counted, never silently
turned into data.
"""
from __future__ import annotations

import csv
import re

from engage_metrics.reader.layout import chosen_header, export_date, find_header, header_note
from engage_metrics.reader.table import RawTable, ReadError, table_from_records

DELIMITERS = (",", "\t", ";")


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
                        f"(byte {exc.start}). Save the file as UTF-8 CSV and upload it "
                        "again.") from exc


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


def detect_delimiter(header_line: str) -> str:
    """The candidate delimiter that splits the header line into the most fields."""
    best, best_n = ",", 1
    for d in DELIMITERS:
        n = len(next(csv.reader([header_line], delimiter=d), []))
        if n > best_n:
            best, best_n = d, n
    return best


def parse_records(lines: list[str], delimiter: str,
                  first: int) -> tuple[list[list[str]], list[int], list[str]]:
    """csv records starting at line index *first*, with their 1-based line numbers and raw
    text."""
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


def read_text(text: str, name: str, encoding: str = "utf-8", header_row: int | None = None,
              fill_down: bool = True) -> RawTable:
    """Parse delimited text. The header is the line *header_row* (1-based) when given,
    else the first non-blank line (after an optional `sep=` line) unless a header stands
    under title rows (layout.find_header); adapters that know a preamble (Zoom) call
    :func:`table_from_records`. *fill_down* False: no grouping column is filled down."""
    lines = split_lines(text)
    first = 0
    notes: list[str] = []
    while first < len(lines) and not lines[first].strip():
        first += 1
    if first < len(lines) and lines[first].lower().startswith("sep="):
        delimiter = lines[first][4:5] or ","
        first += 1
    elif header_row is not None and first < header_row <= len(lines):
        delimiter = _delimiter(lines, header_row - 1)    # the chosen header's delimiter
    else:
        delimiter = _delimiter(lines, first)
    try:
        records, line_nos, raws = parse_records(lines, delimiter, first)
    except ReadError as exc:
        raise ReadError(f"{name}: {exc}") from exc
    if not records:
        raise ReadError(f"{name} has no header row. Export it again with its column names "
                        "in the first line.")
    if header_row is not None:
        try:
            header: int | None = chosen_header(line_nos, records, header_row, len(lines), name)
        except ValueError as exc:
            raise ReadError(str(exc)) from exc
    else:
        header = find_header(records)
    if header or header_row is not None:
        notes.append(header_note(line_nos, records, header or 0, header_row is not None))
    header = header or 0
    preamble = records[:header]
    found = export_date(line_nos[:header], preamble)
    records, line_nos, raws = records[header:], line_nos[header:], raws[header:]
    table = table_from_records(records, line_nos, raws, name, encoding, delimiter, notes,
                               preamble, fill=fill_down)
    table.text = text
    table.header_chosen = header_row is not None
    if found:
        table.export_date, table.export_source = found
    return table


def _delimiter(lines: list[str], first: int) -> str:
    """The delimiter of the header line; when that line is a title with none of them, of
    the first of the next lines that has one."""
    for line in lines[first:first + 30]:
        if line.strip() and detect_delimiter(line) != "," or "," in line:
            return detect_delimiter(line)
    return ","
