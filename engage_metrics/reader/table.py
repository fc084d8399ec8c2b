"""The table every reader produces: the cells of a file as text, one row per record with
its line number and raw text, blank, totals, repeated-header and footer rows dropped and
counted (:func:`table_from_records`, shared by the text and Excel readers and the Zoom
adapter, which finds its own header)."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import pandas as pd

from engage_metrics.reader.layout import describe, fill_down, footer_note, is_footer_line

FOOTER_TAIL = 200    # the block after the data is looked for in the last rows
UNSAVED_SEP = "\x1f"  # joins the column names of a row's formula cells without a value
# a totals row's first filled cell ("Total", "Grand Totals" …)
TOTALS = re.compile(r"^\s*(grand\s+)?totals?\b", re.IGNORECASE)


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
    sheet: str | None = None     # the sheet read when the workbook has several (part of the
                                 # import's identity: each sheet is its own import)
    header_line: int = 1         # the line (or sheet row) of the header
    body_notes: list[str] = field(default_factory=list)  # the notes that depend on every
                                 # row (the lines after the data, columns filled down)
    filled_down: list[str] = field(default_factory=list)  # the grouping columns filled down
                                 # (or that would have been, when fill-down is turned off)
    header_chosen: bool = False  # the header row was the analyst's choice
    export_date: str | None = None   # the date of a title line above the header such as
                                 # "Exported on 3/12/2024", as written
    export_source: str = ""      # that line, in words for the notes ("row 2 'Exported …'")


def table_from_records(records: list[list[str]], line_nos: list[int], raws: list[str], name: str,
                       encoding: str, delimiter: str | None, notes: list[str] | None = None,
                       preamble: list[list[str]] | None = None,
                       merged: dict[str, list[tuple[int, int]]] | None = None,
                       fill: bool = True, unsaved: list[set[int]] | None = None) -> RawTable:
    """The table of *records* (the first is the header): non-data rows dropped and counted,
    the lines after the data listed in the notes, grouping columns filled down (*merged*:
    a workbook's merged cells, header cell -> (first, last line) of each; *fill* False:
    none is, and the notes say so). *unsaved*, one set per data record: the indexes of its
    cells that are a workbook's formulas without a saved value (blank here, but not blank
    in the file): the column `_unsaved` names them (UNSAVED_SEP-joined, None for none)."""
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
    frame["_unsaved"] = [UNSAVED_SEP.join(columns[i] for i in sorted(u) if i < width) or None
                         for u in unsaved] if unsaved else None
    # the header again inside the data: two exports pasted together
    frame["_header_again"] = [[c.strip() for c in r[:width]] == header for r in body]
    frame, skipped, footer = _drop_non_data(frame, columns)
    frame = frame.drop(columns="_header_again")
    if frame.empty:
        raise ReadError(f"{name} has a header but no data rows (only blank, totals or footer "
                        "lines). Export it again with the rows included.")
    body_notes = [footer_note(footer)] if footer else []
    fill_notes, filled = fill_down(frame, columns, {columns[header.index(h)]: spans
                                                    for h, spans in (merged or {}).items()
                                                    if h in header}, apply=fill)
    body_notes += fill_notes
    return RawTable(columns, frame.reset_index(drop=True), encoding, delimiter, skipped,
                    list(notes or []) + body_notes, preamble or [], header_line=line_nos[0],
                    body_notes=body_notes, filled_down=filled)


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


def footer_start(cells: list[list[str]], filled: list[int], is_total: list[bool]) -> int:
    """The index of the first row of the block after the data: trailing rows that are
    blank, totals, one cell, or notes and signatures in the first two cells
    (layout.is_footer_line); len(cells) when there is none or when every row would be."""
    start = len(cells)
    while start > 0:
        row = start - 1
        if not (filled[row] <= 1 or is_total[row] or is_footer_line(cells[row])):
            break
        start = row
    return start or len(cells)     # a table of one-cell rows has no footer: all are data


def _drop_non_data(frame: pd.DataFrame,
                   columns: list[str]) -> tuple[pd.DataFrame, int, list[tuple[int, str]]]:
    """Drop blank lines, totals rows, repeated header rows and the trailing footer
    block (rows of one cell, totals, notes and signatures); the footer's non-blank lines
    (line, description) for the notes."""
    # a formula cell without a saved value is blank here but filled in the file
    unsaved = frame["_unsaved"].fillna("")
    filled = frame[columns].ne("").sum(axis=1) + unsaved.ne("") * (unsaved.str.count(
        UNSAVED_SEP) + 1)
    first_cell = frame[columns].replace("", pd.NA).bfill(axis=1).iloc[:, 0].fillna("")
    is_total = first_cell.str.match(TOTALS)
    keep = (filled > 0) & ~is_total & ~frame["_header_again"]
    # footer: after the last row with >= 2 filled cells, rows with one cell are notes
    multi = (filled >= 2).to_numpy().nonzero()[0]
    if len(multi):
        tail = frame.index > frame.index[multi[-1]]
        keep &= ~(pd.Series(tail, index=frame.index) & (filled <= 1))
    # the block after the data, looked for from the end (a few rows, so a loop)
    tail_n = min(len(frame), FOOTER_TAIL)
    tail = frame.iloc[len(frame) - tail_n:]
    start = footer_start(tail[columns].to_numpy().tolist(), filled.iloc[-tail_n:].tolist(),
                         is_total.iloc[-tail_n:].tolist())
    block = tail.iloc[start:]
    keep.loc[block.index] = False
    footer = [(int(line), describe(cells)) for line, cells, n in
              zip(block["_line"], block[columns].to_numpy().tolist(), filled.loc[block.index],
                  strict=True) if n > 0]
    return frame[keep], int((~keep).sum()), footer
