"""Reading an uploaded file into rows of text, with exact line numbers.

Decoding happens here, in Python, because DuckDB cannot decode Windows-1252:
UTF-8 (with or without BOM) first, then Windows-1252. Delimiters comma, tab and
semicolon are detected from the header line. Blank lines, totals rows and
footer lines (Salesforce "Grand Totals", "Confidential Information ...") are
skipped and counted, never silently turned into data.

A big UTF-8 CSV file can instead be read by DuckDB (:func:`load_fast_csv`, used by
the importer), with the same cells, line numbers and skipped rows as read_text.
"""
from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import os
import re
import tempfile
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
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


# --- The fast reader: DuckDB reads a big UTF-8 CSV file exactly like read_text -------------
#
# read_text parses in Python into pandas object columns: a 100 MB export takes a minute and
# gigabytes. DuckDB's read_csv reads it in seconds, and gives the same cells as Python's csv
# module whenever every record is one physical line, except where a space touches a quote
# (DuckDB skips spaces around a quoted cell) — those few lines, and the lines with cells to
# strip, are parsed again in Python. Anything else that could differ (not UTF-8, NUL bytes,
# lone CR line ends, blank lines or quoted line breaks, rows with more cells than the header,
# cells longer than the csv module accepts) makes load_fast_csv return None, and the caller
# falls back to read_bytes.

FAST_CSV_MB = 8.0                    # files from this size take the fast reader; ENGAGE_FAST_CSV_MB
HEAD_BYTES = 64 * 1024               # the first lines, read in Python for the header and detection
CHUNK_BYTES = 16 * 2**20             # the streaming pass reads the file in chunks of this size
MAX_PATCHED_LINES = 50_000           # lines parsed again in Python; more lines of whitespace to
                                     # strip: every cell is stripped in SQL instead


def fast_csv_min_bytes() -> int:
    """Files of at least this many bytes take the fast reader: $ENGAGE_FAST_CSV_MB megabytes,
    else FAST_CSV_MB."""
    text = os.environ.get("ENGAGE_FAST_CSV_MB", "").strip()
    try:
        return int(float(text) * 2**20) if text else int(FAST_CSV_MB * 2**20)
    except ValueError:
        return int(FAST_CSV_MB * 2**20)


# What str.strip() removes (and the regex \s matches): the Unicode whitespace characters
# (tests check it against str.isspace over every code point)
WHITESPACE = ("\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004"
              "\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000")


@dataclass
class CsvHead:
    """The first lines of a CSV file read by read_text: its columns, delimiter and notes."""

    table: RawTable
    header: list[str]        # the header cells, stripped, before renaming (to find it again)


def fast_csv_head(head: bytes, size: int, name: str) -> CsvHead | None:
    """The header of a file of *size* bytes starting with *head*, when the fast reader may
    read it: big enough, UTF-8 text, header on the first line and on that line only. None
    otherwise (the Python reader then reads it, errors included). The fast reader streams
    from disk, so the upload limit is not its concern (uploads check it themselves)."""
    if size < max(fast_csv_min_bytes(), 1):
        return None
    try:
        sniff_binary(head, name)
    except ReadError:
        return None
    if head.startswith((b"PK\x03\x04", b"\xff\xfe", b"\xfe\xff")) or b"\x00" in head:
        return None
    if size > len(head):                      # whole lines only
        head = head[:head.rfind(b"\n") + 1]
    try:
        text = head.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None
    lines = split_lines(text)
    if not lines or not lines[0].strip() or lines[0].lower().startswith("sep="):
        return None
    try:
        table = read_text(text, name, "utf-8")
        records, line_nos, _ = _records(lines[:2], table.delimiter or ",", 0)
    except ReadError:
        return None
    if line_nos[1:2] != [2]:                  # the header spans lines
        return None
    return CsvHead(table, [h.strip() for h in records[0]])


def read_head(path: Path) -> bytes:
    with open(path, "rb") as f:
        return f.read(HEAD_BYTES)


@dataclass
class CsvScan:
    """What one streaming pass over a file's bytes found."""

    sha256: str = ""
    lines: int = 0                   # physical lines (a last line without line break counts)
    trailing_empty: int = 0          # empty lines at the end (DuckDB skips them)
    usable: bool = True              # False: NUL bytes, not UTF-8, lone CR, mixed line ends …
    odd: dict[int, str] = field(default_factory=dict)   # line number -> text, to parse in Python
    strip_all: bool = False          # too many lines with cells to strip: strip every cell


_SPACE_QUOTE = (b' "', b'" ')


class _OddLines:
    """Finds the lines DuckDB may read differently from read_text: a space next to a quote,
    and lines with whitespace at a cell's edge (to strip) or non-ASCII whitespace."""

    def __init__(self, delimiter: str):
        self.limit = MAX_PATCHED_LINES
        ascii_ws = bytes(ord(c) for c in WHITESPACE if ord(c) < 128 and c not in "\r\n" + delimiter)
        edges = (delimiter + '"\r\n').encode()
        self.classes = bytes(ord("W") if b in ascii_ws else ord("B") if b in edges else ord(".")
                             for b in range(256))
        self.is_ws = np.zeros(256, bool)
        self.is_ws[list(ascii_ws)] = True
        self.is_edge = np.zeros(256, bool)
        self.is_edge[list(edges)] = True
        self.wide = [c.encode() for c in WHITESPACE if ord(c) >= 128]          # 2 or 3 bytes each
        self.wide_prefixes = {s[:2] for s in self.wide}
        self.wide_leads = np.zeros(256, bool)
        self.wide_leads[[s[0] for s in self.wide]] = True
        # tab-separated: a quoted cell may start or end with a tab, the delimiter
        self.tab_quotes = (b'\t"\t', b'\t"\r', b'\t"\n', b'\n"\t') if delimiter == "\t" else ()
        self.quote_lines: dict[int, str] = {}
        self.ws_lines: dict[int, str] = {}
        self.strip_all = False

    def feed(self, block: bytes, first_line: int) -> bool:
        """Look at *block* (whole lines, the first one is line *first_line*); False when
        there are too many lines with a space next to a quote."""
        classes = block.translate(self.classes)
        # a space next to a quote is whitespace next to a cell's edge too
        if not (b"WB" in classes or b"BW" in classes or classes[:1] == b"W"
                or self._has_wide_ws(block) or self._has_tab_quote(block)):
            return True
        a = np.frombuffer(block, np.uint8)
        ends = np.flatnonzero(a == 10)
        if any(p in block for p in _SPACE_QUOTE):
            self._collect(block, ends, self._space_quotes(a), first_line, self.quote_lines)
        if not self.strip_all:
            self._collect(block, ends, self._ws_hits(a), first_line, self.ws_lines)
            if len(self.ws_lines) > self.limit:
                self.strip_all, self.ws_lines = True, {}
        return len(self.quote_lines) <= self.limit

    def _has_wide_ws(self, block: bytes) -> bool:
        """Whether *block* may hold non-ASCII whitespace (cheap checks first)."""
        return not block.isascii() and any(
            bytes((p[0],)) in block and p in block for p in self.wide_prefixes)

    def _has_tab_quote(self, block: bytes) -> bool:
        return block.startswith(b'"\t') or any(p in block for p in self.tab_quotes)

    @staticmethod
    def _space_quotes(a: np.ndarray) -> np.ndarray:
        pairs = ((a[:-1] == 32) & (a[1:] == 34)) | ((a[:-1] == 34) & (a[1:] == 32))
        return np.flatnonzero(pairs)

    def _ws_hits(self, a: np.ndarray) -> np.ndarray:
        """Positions of whitespace next to a delimiter, quote or line end, and of non-ASCII
        whitespace anywhere."""
        ws, edge = self.is_ws[a], self.is_edge[a]
        before = np.flatnonzero(ws[:-1] & edge[1:])
        after = np.flatnonzero(edge[:-1] & ws[1:]) + 1
        start = np.flatnonzero(ws[:1])
        leads = np.flatnonzero(self.wide_leads[a])
        padded = np.concatenate([a, np.zeros(2, np.uint8)])
        wide = np.zeros(len(leads), bool)
        for seq in self.wide:
            hit = padded[leads] == seq[0]
            for k in range(1, len(seq)):
                hit &= padded[leads + k] == seq[k]
            wide |= hit
        hits = [before, after, start, leads[wide]]
        if self.tab_quotes:       # a tab inside a quoted cell, at its start or end
            tab, quote = a == 9, a == 34
            cell_end = tab | (a == 13) | (a == 10)
            hits.append(np.flatnonzero(tab[:-2] & quote[1:-1] & cell_end[2:]))
            cell_start = np.concatenate([[True], tab[:-1] | (a[:-1] == 10)])
            hits.append(np.flatnonzero(cell_start[:-1] & quote[:-1] & tab[1:]))
        return np.concatenate(hits)

    def _collect(self, block: bytes, ends: np.ndarray, hits: np.ndarray, first_line: int,
                 into: dict[int, str]) -> None:
        """Keep the text of the lines holding *hits* (until there are more than the limit)."""
        for i in np.unique(np.searchsorted(ends, hits)).tolist():
            if len(into) > self.limit:
                return
            start = int(ends[i - 1]) + 1 if i else 0
            line = block[start:int(ends[i])]
            into[first_line + i] = line[:-1].decode() if line.endswith(b"\r") else line.decode()


def scan_csv(path: Path, delimiter: str) -> CsvScan:
    """One pass over the file in chunks: its sha256 (the import's identity, as for the whole
    bytes), line count, and whether DuckDB reads it like read_text (see :class:`CsvScan`)."""
    scan = CsvScan()
    digest = hashlib.sha256()
    odd = _OddLines(delimiter)
    counts = {"lf": 0, "cr": 0, "crlf": 0}
    carry, last = b"", b""
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK_BYTES):
            digest.update(chunk)
            cut = chunk.rfind(b"\n") + 1
            if not cut:
                carry += chunk
                continue
            block, carry = carry + chunk[:cut], chunk[cut:]
            if not _scan_block(block, counts, odd):
                return CsvScan(usable=False)
            last = block
    if carry:                     # a last line without line break (nor a lone CR)
        if carry.endswith(b"\r") or not _scan_block(carry + b"\n", counts, odd):
            return CsvScan(usable=False)
        scan.lines = counts["lf"]
        counts["lf"] -= 1
        last = b""
    else:
        scan.lines = counts["lf"]
    scan.sha256 = digest.hexdigest()
    scan.usable = counts["cr"] == counts["crlf"] and counts["crlf"] in (0, counts["lf"])
    scan.trailing_empty = _trailing_empty_lines(last)
    scan.strip_all = odd.strip_all
    scan.odd = {**odd.ws_lines, **odd.quote_lines}
    scan.odd.pop(1, None)         # the header: read in Python already, skipped by DuckDB
    return scan


def _scan_block(block: bytes, counts: dict[str, int], odd: _OddLines) -> bool:
    """Count the line ends of *block* (the next whole lines) into *counts* and look for
    odd lines; False when the file cannot take the fast reader."""
    if b"\x00" in block:
        return False
    if not block.isascii():
        try:
            block.decode("utf-8")
        except UnicodeDecodeError:
            return False
    first_line = counts["lf"] + 1
    counts["lf"] += block.count(b"\n")
    if b"\r" in block:
        counts["cr"] += block.count(b"\r")
        counts["crlf"] += block.count(b"\r\n")
    return odd.feed(block, first_line)


def _trailing_empty_lines(block: bytes) -> int:
    """Empty lines at the end of *block* (which ends with a line break)."""
    n = 0
    rest = block.removesuffix(b"\n").removesuffix(b"\r")
    while rest.endswith(b"\n"):
        n += 1
        rest = rest.removesuffix(b"\n").removesuffix(b"\r")
    return n


@dataclass
class FastCsv:
    """A CSV file read by DuckDB into TEMP TABLE fast_cells, in file order (rowid = line
    number - 2): c1 … cN, each data record's stripped cells under the header's N columns
    ('' for a missing cell), and what _drop_non_data looks at: _full (the record has at
    least N cells), _filled (cells not empty), _first (first filled cell), _header (the
    record repeats the header). :meth:`rows_sql` queries the rows read_text keeps."""

    head: CsvHead
    sha256: str
    rows_read: int               # records after the header, as read_text counts them
    last_multi: int              # rowid of the last row with >= 2 filled cells
    totals: list[str]            # first cells that make a row a totals row

    @property
    def table(self) -> RawTable:
        return self.head.table

    def column(self, name: str) -> str:
        """The SQL name of the file's column *name*."""
        return f"c{self.head.table.columns.index(name) + 1}"

    def rows_sql(self) -> tuple[str, dict[str, Any]]:
        """A query of the rows read_text keeps — not blank, totals, repeated header or
        footer rows — with their line number _line and cells c1 … cN; and its parameters."""
        return ("SELECT rowid + 2 AS _line, * EXCLUDE (_full, _filled, _first, _header) "
                "FROM fast_cells WHERE _filled > 0 AND NOT _header "
                "AND NOT list_contains($fast_totals::VARCHAR[], _first) "
                "AND NOT (rowid > $fast_last_multi AND _filled <= 1)",
                {"fast_totals": self.totals, "fast_last_multi": self.last_multi})


def _with_flags(cells_sql: str, header: list[str]) -> tuple[str, dict[str, str]]:
    """*cells_sql* (a query of c1 … cN and _full) with _filled, _first and _header added
    (see :class:`FastCsv`); and the parameters (the header cells)."""
    cells = [f"c{i}" for i in range(1, len(header) + 1)]
    filled = " + ".join(f"({c} <> '')::INTEGER" for c in cells)
    first = "coalesce(" + ", ".join(f"nullif({c}, '')" for c in cells) + ", '')"
    same = " AND ".join(f"{c} = $fast_h{i}" for i, c in enumerate(cells, start=1))
    return (f"SELECT *, {filled} AS _filled, {first} AS _first, _full AND {same} AS _header "
            f"FROM ({cells_sql}) AS cells",
            {f"fast_h{i}": h for i, h in enumerate(header, start=1)})


def load_fast_csv(con: duckdb.DuckDBPyConnection, path: Path, head: CsvHead) -> FastCsv | None:
    """Read *path* with DuckDB into TEMP TABLE fast_cells (see :class:`FastCsv`) after one
    streaming pass over its bytes (sha256, line count, odd lines). None when the file
    cannot be read exactly like read_text would; then nothing is left behind."""
    ordered = con.execute("SELECT current_setting('preserve_insertion_order')").fetchall()
    if not ordered[0][0]:         # rowid would not be the file's order
        return None
    scan = scan_csv(path, head.table.delimiter or ",")
    if not scan.usable:
        return None
    try:
        try:
            with _literal_path(path) as literal:
                _read_cells(con, literal, head)
        except duckdb.Error:      # not UTF-8, a row with more cells, an open quote …
            drop_fast_csv(con)
            return None
        rows = con.execute("SELECT COUNT(*) FROM fast_cells").fetchall()[0][0]
        # one record per line and no line skipped, else the line numbers would shift
        if rows + 1 + scan.trailing_empty != scan.lines or not _fix_cells(con, scan, head):
            drop_fast_csv(con)
            return None
        last_multi, first_cells = con.execute(
            "SELECT max(rowid) FILTER (WHERE _filled >= 2), list(DISTINCT _first) FILTER "
            "(WHERE lower(left(_first, 5)) IN ('total', 'grand')) FROM fast_cells").fetchall()[0]
    except BaseException:
        drop_fast_csv(con)
        raise
    return FastCsv(head, scan.sha256, rows + scan.trailing_empty,
                   rows if last_multi is None else last_multi,
                   [c for c in first_cells or [] if _TOTALS.match(c)])


@contextlib.contextmanager
def _literal_path(path: Path) -> Iterator[Path]:
    """*path* for read_csv, which takes *, ? and [ as a glob pattern (and ~ as the home
    directory): absolute, and through a symbolic link when it has such characters."""
    path = path.resolve()
    if not set("*?[").intersection(str(path)):
        yield path
        return
    with tempfile.TemporaryDirectory(prefix="engage-csv-") as tmp:
        link = Path(tmp).resolve() / "file.csv"
        if set("*?[").intersection(str(link)):
            raise OSError(f"no plain path to read {path.name}")
        link.symlink_to(path)
        yield link


def _read_cells(con: duckdb.DuckDBPyConnection, path: Path, head: CsvHead) -> None:
    """DuckDB's read_csv of the file into fast_cells. No cell is NULL (the null string is
    NUL, which the file lacks) but those a short row lacks, so _full tells them apart."""
    width = len(head.header)
    cells = ", ".join(f"coalesce(c{i}, '') AS c{i}" for i in range(1, width + 1))
    query, params = _with_flags(
        f"SELECT {cells}, c{width} IS NOT NULL AS _full "
        "FROM read_csv($path, header = true, delim = $delim, quote = '\"', escape = '\"', "
        "columns = $columns, nullstr = $nul, null_padding = true, strict_mode = true, "
        "auto_detect = false, max_line_size = $max_line)", head.header)
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE fast_cells AS {query}",
        {**params, "path": str(path), "delim": head.table.delimiter or ",", "nul": "\x00",
         "columns": {f"c{i}": "VARCHAR" for i in range(1, width + 1)},
         # a line shorter than the csv module's field limit has no cell it would refuse
         "max_line": csv.field_size_limit() - 1})


def _fix_cells(con: duckdb.DuckDBPyConnection, scan: CsvScan, head: CsvHead) -> bool:
    """Strip the cells that need it and replace the odd lines' cells by Python's reading;
    False when an odd line is a record read_text would read differently (over lines, or
    with more cells than the header)."""
    width = len(head.header)
    if scan.strip_all:
        ws = "".join(f"\\x{{{ord(c):x}}}" for c in WHITESPACE)
        cells = ", ".join(f"regexp_replace(c{i}, $edges, '', 'g') AS c{i}"
                          for i in range(1, width + 1))
        query, params = _with_flags(f"SELECT {cells}, _full FROM fast_cells", head.header)
        con.execute(f"CREATE OR REPLACE TEMP TABLE fast_cells AS {query}",
                    {**params, "edges": f"^[{ws}]+|[{ws}]+$"})
    if not scan.odd:
        return True
    patch = _parse_lines(scan.odd, width, head.table.delimiter or ",")
    if patch is None:
        return False
    con.register("fast_patch_frame", patch)
    try:
        query, params = _with_flags("SELECT * FROM fast_patch_frame", head.header)
        columns = [f"c{i}" for i in range(1, width + 1)] + ["_full", "_filled", "_first",
                                                             "_header"]
        con.execute(f"UPDATE fast_cells SET {', '.join(f'{c} = p.{c}' for c in columns)} "
                    f"FROM ({query}) AS p WHERE fast_cells.rowid = p.pos", params)
    finally:
        con.unregister("fast_patch_frame")
    return True


def _parse_lines(lines: dict[int, str], width: int, delimiter: str) -> pd.DataFrame | None:
    """The stripped cells of single lines as read_text reads them (pos = line number - 2,
    c1 … cN, _full); None when one of them is not a whole record or has more non-blank
    cells than the header."""
    rows = []
    for line_no, text in sorted(lines.items()):
        parser = csv.reader(iter((text + "\n", "\n")), delimiter=delimiter, quotechar='"',
                            strict=False)
        record = next(parser, [])
        if parser.line_num != 1 or any(c.strip() for c in record[width:]):
            return None
        cells = [c.strip() for c in (record + [""] * width)[:width]]
        rows.append([line_no - 2, *cells, len(record) >= width])
    return pd.DataFrame(rows, columns=["pos", *(f"c{i}" for i in range(1, width + 1)), "_full"])


def drop_fast_csv(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("DROP TABLE IF EXISTS fast_cells")


def read_lines(path: Path, line_nos: Iterable[int]) -> dict[int, str]:
    """The text of the physical lines *line_nos* (1-based) of a UTF-8 file, without their
    line break — the `_raw` read_text gives a one-line record — in one pass over the file."""
    wanted = sorted(set(line_nos), reverse=True)     # next wanted line last
    found: dict[int, str] = {}
    line_no, carry = 1, b""
    with open(path, "rb") as f:
        while wanted and (chunk := f.read(CHUNK_BYTES)):
            cut = chunk.rfind(b"\n") + 1
            if not cut:
                carry += chunk
                continue
            block, carry = carry + chunk[:cut], chunk[cut:]
            line_no = _take_lines(block, line_no, wanted, found)
    if carry and wanted:
        _take_lines(carry + b"\n", line_no, wanted, found)
    return found


def _take_lines(block: bytes, line_no: int, wanted: list[int], found: dict[int, str]) -> int:
    """Move the lines of *block* (whole lines from line *line_no*) that *wanted* (in
    descending order) lists into *found*; returns the line number after the block."""
    after = line_no + block.count(b"\n")
    if wanted and wanted[-1] < after:
        ends = np.flatnonzero(np.frombuffer(block, np.uint8) == 10)
        while wanted and wanted[-1] < after:
            i = wanted.pop() - line_no
            start = int(ends[i - 1]) + 1 if i else 0
            line = block[start:int(ends[i])].decode("utf-8-sig" if line_no + i == 1 else "utf-8")
            found[line_no + i] = line.removesuffix("\r")
    return after
