"""The Excel reader: the sheets of an .xlsx workbook into a RawTable, cells as text and
line numbers as the sheet's row numbers.

Without a chosen sheet, every sheet with the layout of the first data sheet (the same
header) is read into one table; the other sheets with data are named in the notes. Rows
of the second and later sheets are numbered ``position × SHEET_LINES + row`` (sheet 2's
row 5 is line 1000005) and their raw text starts with the sheet's name, so every line
reference says its sheet. Merged cells are handed to the table (the grouping columns
under a merged cell are filled down)."""
from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pandas as pd

from engage_metrics.mapping import norm_header
from engage_metrics.reader.layout import (
    chosen_header,
    export_date,
    find_header,
    header_note,
    looks_like_header,
)
from engage_metrics.reader.table import UNSAVED_SEP, RawTable, ReadError, table_from_records

if TYPE_CHECKING:   # openpyxl is imported when a workbook is opened (see _open), not here
    import openpyxl

SHEET_LINES = 1_000_000      # line numbers of the n-th sheet taken start at (n-1) × this
MAX_SHEETS = 2000            # line numbers stay within DuckDB's INTEGER
# a cell's formula followed by no value: the cell ends, or its value is empty (SpreadsheetML
# orders a cell's children f, v, is; a prefix such as "x:" is allowed)
_UNSAVED_FORMULA = re.compile(
    rb"<(?:\w+:)?f\b[^>]*?(?:/>|>[^<]*</(?:\w+:)?f>)\s*"
    rb"(?:</(?:\w+:)?c>|<(?:\w+:)?v\s*/>|<(?:\w+:)?v>\s*</(?:\w+:)?v>)")
UNSAVED_ADVICE = ("open the file in Excel or LibreOffice and save it (that stores the "
                  "values), then import it again")


@dataclass
class _Sheet:
    name: str
    records: list[list[str]]
    line_nos: list[int]
    header: int              # index of the header record
    merged: dict[str, list[tuple[int, int]]]
    error: str = ""          # the chosen header row is not on this sheet
    unsaved: dict[int, set[int]] = field(default_factory=dict)  # line -> column indexes of
                             # formula cells without a saved value

    @property
    def layout(self) -> tuple[str, ...]:
        return tuple(norm_header(c) for c in self.records[self.header] if c.strip())


def read_excel(data: bytes, name: str, sheet: str | None = None, header_row: int | None = None,
               fill_down: bool = True) -> RawTable:
    """The named sheet, or every sheet of the first data sheet's layout, as text cells;
    the header on row *header_row* of each sheet when given (else found under any title
    rows); *fill_down* False: no grouping column is filled down."""
    book, merged, unsaved = _open(data, name)
    sheets = {k: v for k, v in book.items() if not v.dropna(how="all").empty}
    if not sheets:
        raise ReadError(f"{name}: every sheet of the workbook is empty. Check that this is "
                        "the right file and export it again.")
    notes: list[str] = []
    if sheet is not None:
        if sheet not in book:
            raise ReadError(f"{name} has no sheet named {sheet!r}; its sheets are "
                            f"{', '.join(book)}. Choose one of them.")
        taken = [_sheet(sheet, book[sheet], merged.get(sheet, []), header_row,
                        unsaved.get(sheet, {}))]
    else:
        read = [_sheet(k, v, merged.get(k, []), header_row, unsaved.get(k, {}))
                for k, v in sheets.items()]
        taken, others = _same_layout(read)
        if not taken:       # the chosen header row is on no sheet
            taken = [next((s for s in read if s.error), read[0])]
        if len(sheets) > 1:
            notes.append(_sheets_note(taken, others))
    first = taken[0]
    if first.error:
        raise ReadError(f"{name}, {first.error}")
    if not first.records:
        raise ReadError(f"{name}: sheet {first.name!r} is empty. Choose a sheet with data.")
    if first.header or header_row is not None:
        notes.append(header_note(first.line_nos, first.records, first.header,
                                 header_row is not None))
    records, line_nos, raws, cells = _rows(taken)
    label = f"{name} [{first.name}]" if len(taken) == 1 else name
    preamble = first.records[:first.header]
    table = table_from_records(records, line_nos, raws, label, "xlsx", None, notes,
                               preamble, _merged_lines(taken), fill=fill_down,
                               unsaved=cells if any(cells) else None)
    table.notes += _unsaved_notes(table.rows["_unsaved"], table.columns)
    if len(taken) == 1:
        table.sheet = first.name if len(sheets) > 1 else None
    table.header_chosen = header_row is not None
    found = export_date(first.line_nos[:first.header], preamble)
    if found:
        table.export_date, table.export_source = found
    return table


def _sheet(name: str, frame: pd.DataFrame, merged: list[tuple[int, int, int]],
           header_row: int | None = None,
           unsaved: dict[int, set[int]] | None = None) -> _Sheet:
    if unsaved and max(unsaved) > len(frame):   # pandas drops trailing rows that read blank
        frame = frame.reindex(range(max(unsaved)))
    rows = len(frame)
    frame = frame.fillna("")
    frame = frame.loc[frame.ne("").any(axis=1).idxmax():] if frame.ne("").any().any() else frame
    records = frame.astype(str).values.tolist()
    line_nos = [int(i) + 1 for i in frame.index]
    error = ""
    if header_row is None:
        header = find_header(records) or 0
    else:
        try:
            header = chosen_header(line_nos, records, header_row, rows,
                                   f"sheet {name!r}")
        except ValueError as exc:
            return _Sheet(name, [], [], 0, {}, str(exc))
    head = records[header] if records else []
    spans: dict[str, list[tuple[int, int]]] = {}
    for col, first, last in merged:
        if col < len(head) and head[col].strip() and first > line_nos[header]:
            spans.setdefault(head[col].strip(), []).append((first, last))
    return _Sheet(name, records, line_nos, header, spans, error, unsaved or {})


def _same_layout(read: list[_Sheet]) -> tuple[list[_Sheet], list[_Sheet]]:
    """The sheets with the layout of the first sheet whose header looks like one (else the
    first sheet alone), and the other sheets."""
    lead = next((s for s in read if s.records and looks_like_header(s.records[s.header])),
                read[0])
    taken = [s for s in read if s.records and s.layout == lead.layout][:MAX_SHEETS]
    return taken, [s for s in read if s not in taken]


def _sheets_note(taken: list[_Sheet], others: list[_Sheet]) -> str:
    if len(taken) == 1:
        text = f"read sheet {taken[0].name!r}"
    else:
        text = (f"read {len(taken)} sheets of the same layout into one import: "
                f"{', '.join(repr(s.name) for s in taken)} (line numbers of sheet n start "
                f"at (n-1) × {SHEET_LINES:,}; each row's text starts with its sheet)")
    if others:
        text += (f"; not read, another layout: {', '.join(repr(s.name) for s in others)}. "
                 "Choose a sheet to import it instead")
    return text


def _rows(taken: list[_Sheet]) -> tuple[list[list[str]], list[int], list[str], list[set[int]]]:
    """The header of the first sheet, then the data rows of every sheet taken; per data
    row, the column indexes of its formula cells without a saved value."""
    first = taken[0]
    records = [first.records[first.header]]
    line_nos = [first.line_nos[first.header]]
    raws = [",".join(records[0])]
    width = len(records[0])
    cells: list[set[int]] = []
    for n, s in enumerate(taken):
        body = s.records[s.header + 1:]
        records += [(r + [""] * width)[:max(width, len(r))] for r in body]
        line_nos += [n * SHEET_LINES + i for i in s.line_nos[s.header + 1:]]
        prefix = f"[{s.name}] " if len(taken) > 1 else ""
        raws += [prefix + ",".join(r) for r in body]
        cells += [s.unsaved.get(i, set()) for i in s.line_nos[s.header + 1:]]
    return records, line_nos, raws, cells


def _unsaved_notes(unsaved: pd.Series, columns: list[str]) -> list[str]:
    """A note per column with formula cells without a saved value (read as blank), in the
    file's column order."""
    found = unsaved.dropna().str.split(UNSAVED_SEP).explode().value_counts()
    counts = {c: int(found[c]) for c in columns if c in found.index}
    return [f"column {col!r}: {n} cell{'s are' if n > 1 else ' is a'} formula"
            f"{'s' if n > 1 else ''} without a saved value (the workbook was saved without "
            f"calculating {'them' if n > 1 else 'it'}), read as blank; a row that needs "
            f"{'such a' if n > 1 else 'this'} value is rejected: {UNSAVED_ADVICE}"
            for col, n in counts.items()]


def _merged_lines(taken: list[_Sheet]) -> dict[str, list[tuple[int, int]]]:
    spans: dict[str, list[tuple[int, int]]] = {}
    for n, s in enumerate(taken):
        for col, ranges in s.merged.items():
            spans.setdefault(col, []).extend((n * SHEET_LINES + a, n * SHEET_LINES + b)
                                             for a, b in ranges)
    return spans


def _open(data: bytes, name: str) -> tuple[dict[str, pd.DataFrame],
                                          dict[str, list[tuple[int, int, int]]],
                                          dict[str, dict[int, set[int]]]]:
    """The workbook opened once: each sheet's cells as text (pandas reads them from the
    openpyxl workbook object, so cells read exactly as pd.read_excel reads the file), its
    merged ranges over several rows, sheet -> (column index, first row, last row), and its
    formula cells without a saved value, sheet -> row -> column indexes."""
    import openpyxl  # a quarter of a second: paid by an Excel import, not by every page

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=False, data_only=True,
                                          keep_links=False)
    except zipfile.BadZipFile as exc:
        raise ReadError(f"{name} is not a valid .xlsx workbook ({exc}). Open it in Excel and "
                        "save it again as .xlsx, or export the data as CSV.") from exc
    except Exception as exc:  # openpyxl raises many types for encrypted or broken files
        raise ReadError(f"{name} could not be opened as an Excel workbook: it may be "
                        "password-protected or damaged. Remove the password or save it "
                        "again as .xlsx or CSV.") from exc
    try:
        merged = {ws.title: [(r.min_col - 1, r.min_row, r.max_row)
                             for r in ws.merged_cells.ranges if r.max_row > r.min_row]
                  for ws in workbook.worksheets}
        book = pd.read_excel(workbook, sheet_name=None, header=None, dtype=str,
                             engine="openpyxl")
        unsaved = _unsaved_formulas(data, workbook) if _has_unsaved_formula(data) else {}
    except Exception as exc:  # noqa: BLE001 - a cell openpyxl cannot hand to pandas
        raise ReadError(f"{name} could not be read as an Excel workbook: it may be damaged. "
                        "Save it again as .xlsx or CSV.") from exc
    finally:
        workbook.close()
    return book, merged, unsaved


def _has_unsaved_formula(data: bytes) -> bool:
    """Whether a sheet of the workbook has a formula cell without a saved value (a quick
    scan of the sheets' XML: most workbooks have none, and then nothing more is read)."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return any(_UNSAVED_FORMULA.search(archive.read(member))
                   for member in archive.namelist()
                   if member.startswith("xl/worksheets/") and member.endswith(".xml"))


def _unsaved_formulas(data: bytes, values: openpyxl.Workbook) -> dict[str, dict[int, set[int]]]:
    """Sheet -> row -> 0-based column indexes of the formula cells whose saved value is
    missing: the workbook's formulas (read again, formulas kept) whose cell in *values*
    (the saved values) is empty."""
    import openpyxl

    formulas = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False,
                                      keep_links=False)
    found: dict[str, dict[int, set[int]]] = {}
    try:
        for ws in formulas.worksheets:
            saved = values[ws.title]
            for row in ws.iter_rows():
                for cell in row:
                    if (getattr(cell, "data_type", None) == "f"
                            and saved.cell(cell.row, cell.column).value in (None, "")):
                        found.setdefault(ws.title, {}).setdefault(cell.row, set()).add(
                            cell.column - 1)
    finally:
        formulas.close()
    return found
