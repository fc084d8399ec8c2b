"""The fast CSV reader: DuckDB reads a big UTF-8 CSV file from disk exactly like read_text.

read_text parses in Python into pandas object columns: a 100 MB export takes a minute and
gigabytes. DuckDB's read_csv reads it in seconds, and gives the same cells as Python's csv
module whenever every record is one physical line, except where a space touches a quote
(DuckDB skips spaces around a quoted cell) — those few lines, and the lines with cells to
strip, are parsed again in Python. Anything else that could differ (not UTF-8, NUL bytes,
lone CR line ends, blank lines or quoted line breaks, rows with more cells than the header,
cells longer than the csv module accepts) makes load_fast_csv return None, and the caller
falls back to read_bytes.

The queries here are formatted with column names only — c1 … cN, as many as the header
has cells, since SQL binds values, not names. Every value (the path and options of
read_csv, the header cells, the whitespace pattern, the totals cells) is a bound parameter.
"""
from __future__ import annotations

import contextlib
import csv
import hashlib
import os
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from engage_metrics.reader.files import sniff_binary
from engage_metrics.reader.layout import describe, footer_note, grouping_columns
from engage_metrics.reader.table import FOOTER_TAIL, TOTALS, RawTable, ReadError, footer_start
from engage_metrics.reader.text import parse_records, read_text, split_lines

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
        records, line_nos, _ = parse_records(lines[:2], table.delimiter or ",", 0)
    except ReadError:
        return None
    if line_nos[1:2] != [2] or table.header_line != 1:   # the header spans lines, or is
        return None                                       # under a title
    # the head's lines after the data and filled-down columns are not the file's
    table.notes = [n for n in table.notes if n not in table.body_notes]
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
    ('' for a missing cell), and what table_from_records drops rows by: _full (the record
    has at least N cells), _filled (cells not empty), _first (first filled cell), _header (the
    record repeats the header). :meth:`rows_sql` queries the rows read_text keeps."""

    head: CsvHead
    sha256: str
    rows_read: int               # records after the header, as read_text counts them
    last_multi: int              # rowid of the last row with >= 2 filled cells
    totals: list[str]            # first cells that make a row a totals row
    footer: int | None = None    # rowid of the first line after the data (notes, totals …)

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
                "AND NOT (rowid > $fast_last_multi AND _filled <= 1) "
                "AND ($fast_footer IS NULL OR rowid < $fast_footer)",
                {"fast_totals": self.totals, "fast_last_multi": self.last_multi,
                 "fast_footer": self.footer})

    def find_footer(self, con: duckdb.DuckDBPyConnection) -> None:
        """Set :attr:`footer` and note its lines as read_text does (table.footer_start on
        the same last rows)."""
        width = len(self.head.header)
        cells = ", ".join(f"c{i}" for i in range(1, width + 1))
        tail = con.execute(f"SELECT rowid, _filled, _first, {cells} FROM fast_cells "  # noqa: S608 - names c1…cN only
                           "ORDER BY rowid DESC LIMIT $n", {"n": FOOTER_TAIL}).fetchall()[::-1]
        rows = [list(r[3:]) for r in tail]
        start = footer_start(rows, [r[1] for r in tail], [bool(TOTALS.match(r[2])) for r in tail])
        if start < len(tail):
            self.footer = int(tail[start][0])
            lines = [(int(r[0]) + 2, describe(c))
                     for r, c in zip(tail[start:], rows[start:], strict=True) if r[1] > 0]
            if lines:
                self.table.notes.append(footer_note(lines))

    def fills_down(self, con: duckdb.DuckDBPyConnection) -> bool:
        """True when read_text would fill a grouping column down (layout.block_filled),
        which this reader does not: the Python reader reads such a file."""
        rows, params = self.rows_sql()
        for col in grouping_columns(self.table.columns):
            c = self.column(col)
            blank, first_blank, repeats, count = con.execute(
                f"SELECT count(*) FILTER (WHERE v = ''), bool_or(n = 1 AND v = ''), "  # noqa: S608 - names c1…cN only; values bound
                f"count(*) FILTER (WHERE v <> '' AND v = p), count(*) FROM ("
                f"SELECT {c} AS v, lag({c}) OVER (ORDER BY _line) AS p, "
                f"row_number() OVER (ORDER BY _line) AS n FROM ({rows}) AS r) AS l",
                params).fetchall()[0]
            if blank >= max(2, count - blank) and not first_blank and not repeats \
                    and count - blank >= 2:
                return True
        return False


def _with_flags(cells_sql: str, header: list[str]) -> tuple[str, dict[str, str]]:
    """*cells_sql* (a query of c1 … cN and _full) with _filled, _first and _header added
    (see :class:`FastCsv`); and the parameters (the header cells)."""
    cells = [f"c{i}" for i in range(1, len(header) + 1)]
    filled = " + ".join(f"({c} <> '')::INTEGER" for c in cells)
    first = "coalesce(" + ", ".join(f"nullif({c}, '')" for c in cells) + ", '')"
    same = " AND ".join(f"{c} = $fast_h{i}" for i, c in enumerate(cells, start=1))
    sql = (f"SELECT *, {filled} AS _filled, {first} AS _first, "  # noqa: S608 - names c1…cN only; values bound
           f"_full AND {same} AS _header FROM ({cells_sql}) AS cells")
    return sql, {f"fast_h{i}": h for i, h in enumerate(header, start=1)}


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
    loaded = FastCsv(head, scan.sha256, rows + scan.trailing_empty,
                     rows if last_multi is None else last_multi,
                     [c for c in first_cells or [] if TOTALS.match(c)])
    loaded.find_footer(con)
    if loaded.fills_down(con):
        drop_fast_csv(con)
        return None
    return loaded


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
        f"SELECT {cells}, c{width} IS NOT NULL AS _full "  # noqa: S608 - names c1…cN only; values bound
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
        stripped = f"SELECT {cells}, _full FROM fast_cells"  # noqa: S608 - names c1…cN only; values bound
        query, params = _with_flags(stripped, head.header)
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
        assign = ", ".join(f"{c} = p.{c}" for c in columns)
        con.execute(f"UPDATE fast_cells SET {assign} FROM ({query}) AS p "  # noqa: S608 - names c1…cN only; values bound
                    "WHERE fast_cells.rowid = p.pos", params)
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
