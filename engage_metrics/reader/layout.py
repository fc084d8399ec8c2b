"""Where the table is in a file people made by hand: the header row under title, logo
or note rows (:func:`find_header`), the notes, totals and signature lines after the data
(:func:`footer_start`), and grouping columns written once per block of rows — a date or
an event in a merged cell or only on a block's first row — filled down (:func:`fill_down`).
The analyst may choose the header row (:func:`chosen_header`) and turn fill-down off; a
title row such as "Exported on 3/12/2024" gives the file's export date (:func:`export_date`).

Every choice made here is returned as a plain sentence for the import's notes. Columns
are recognized by the same header names as the column mapping (engage_metrics.mapping).
"""
from __future__ import annotations

import re
from collections.abc import Sequence

import pandas as pd

from engage_metrics.mapping import FIELDS, auto_map, norm_header

# every header name the mapping knows, for any kind of file
KNOWN_HEADERS = frozenset(s for fields in FIELDS.values() for syns in fields.values()
                          for s in syns)
# columns written once for a block of rows: the event, its date, program, type, shift
GROUPING_FIELDS = ("event_id", "title", "event_type", "program", "starts_at", "ends_at")
EXTRA_GROUPING = frozenset({"shift", "session", "day", "eventday", "shiftdate"})
HEADER_SCAN = 30          # the header is looked for in the first rows only
_NUMBERISH = re.compile(r"[\d\s.,:/$%()+-]+")
# a line after the data that is a note, a total or a signature, not a row
FOOTER_WORDS = re.compile(
    r"^\s*(notes?|comments?|signed|signature|sign[\s-]*off|prepared|printed|approved|"
    r"verified|checked\s+by|submitted|page\s+\d|totals?|count|generated|confidential|"
    r"copyright|volunteers?\s*:|hours\s*:)\b|:|_{3,}", re.IGNORECASE)
_EMAIL = re.compile(r"@")
_DATE = re.compile(r"\d{1,4}[/.-]\d{1,2}[/.-]\d{1,4}")


def _filled(record: Sequence[str]) -> list[str]:
    return [c.strip() for c in record if c.strip()]


def looks_like_header(record: Sequence[str]) -> bool:
    """Several distinct text cells, none a number or a date, two or more of them header
    names the mapping knows."""
    cells = _filled(record)
    if len(cells) < 2 or len(set(cells)) < len(cells):
        return False
    if any(_NUMBERISH.fullmatch(c) or _EMAIL.search(c) for c in cells):
        return False
    return sum(norm_header(c) in KNOWN_HEADERS for c in cells) >= 2


def _last_filled(record: Sequence[str]) -> int:
    return max((i for i, c in enumerate(record) if c.strip()), default=-1)


def find_header(records: Sequence[Sequence[str]]) -> int | None:
    """The index of the header record when title, logo or note rows stand above it (each
    of them one or two filled cells), followed by data rows no wider than the header (the
    next two);
    None when the first non-blank record is the header (as it always was), or when no
    record of the first rows looks like one."""
    first = next((i for i, r in enumerate(records) if _filled(r)), None)
    if first is None or looks_like_header(records[first]):
        return None
    for i in range(first + 1, min(len(records), HEADER_SCAN)):
        record = records[i]
        if looks_like_header(record):
            below = [r for r in records[i + 1:i + 40] if _filled(r)][:2]
            width = _last_filled(record)
            if below and all(len(_filled(r)) >= 2 and _last_filled(r) <= width for r in below):
                return i
            return None
        if len(_filled(record)) > 2:   # a wide row that is no header: not a title block
            return None
    return None


def describe(record: Sequence[str], limit: int = 40) -> str:
    """A row in a few words for a note: its filled cells, or 'a blank row'."""
    text = " ".join(_filled(record))
    if not text:
        return "a blank row"
    return repr(text if len(text) <= limit else text[:limit - 1] + "…")


def header_note(line_nos: Sequence[int], records: Sequence[Sequence[str]], header: int,
                chosen: bool = False) -> str:
    """The note of a header found (or *chosen*) under *header* records of titles and
    notes."""
    if chosen and not header:
        return f"header on row {line_nos[0]}, as chosen"
    above = ", ".join(describe(r) for r in records[:header])
    rows = (f"row {line_nos[0]}" if header == 1
            else f"rows {line_nos[0]}–{line_nos[header - 1]}")
    if chosen:
        return (f"header on row {line_nos[header]}, as chosen; {rows} above it skipped (not "
                f"data): {above}")
    return (f"header found on row {line_nos[header]}; {rows} above it skipped (a title and "
            f"notes, not data): {above}")


def chosen_header(line_nos: Sequence[int], records: Sequence[Sequence[str]], row: int,
                  rows: int, name: str) -> int:
    """The index of the record on row *row* (1-based, as the analyst sees the file or
    sheet, which has *rows* rows); ValueError with a one-line message when there is none
    or it is blank."""
    if row < 1 or row > rows:
        raise ValueError(f"{name} has {rows} row(s): header row {row} is not among them; "
                         f"choose a row from 1 to {rows}")
    try:
        index = list(line_nos).index(row)
    except ValueError:
        index = -1
    if index < 0 or not _filled(records[index]):
        raise ValueError(f"{name}: row {row} is blank (or inside a cell spanning several "
                         "lines), so it cannot be the header; choose the row with the column "
                         "names")
    return index


# a title or note line giving the date the file was made: "Exported on 3/12/2024",
# "Report generated: 2024-03-12 10:04", "Printed 3/2/2024", "Run date: March 12, 2024"
_MONTH = (r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?")
_EXPORT_DATE = re.compile(
    r"\b(?:export\w*|generated|printed|downloaded|created|run\s+(?:on|at|date)|report\s+date|as\s+of)\b"
    r"(?:\s+(?:on|at|date))?\s*[:\-–,]?\s*"
    r"(?:(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?,?\s+)?"
    r"(\d{4}-\d{1,2}-\d{1,2}(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?"
    r"|\d{1,2}[/.]\d{1,2}[/.]\d{2,4}(?:\s+\d{1,2}:\d{2}(?::\d{2})?(?:\s*[ap]\.?m\.?)?)?"
    rf"|{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}"
    rf"|\d{{1,2}}\s+{_MONTH}\s+\d{{4}})", re.IGNORECASE)


def export_date(line_nos: Sequence[int],
                records: Sequence[Sequence[str]]) -> tuple[str, str] | None:
    """The date written on a title or note row above the header ("Exported on
    3/12/2024"), as written, and the row it is on in words (for the notes); None when no
    such row."""
    for line, record in zip(line_nos, records, strict=False):
        # the cells joined as written: "March 12, 2024" unquoted is two cells of a CSV
        text = ",".join(record).strip(", ")
        found = _EXPORT_DATE.search(text)
        if found:
            return found.group(1), f"row {line} {describe(record)}"
    return None


def is_footer_line(cells: Sequence[str]) -> bool:
    """A line after the data that is a note, a total or a signature: text in the first
    one or two cells only, no email or date, and words or marks of a note ('Total …',
    'Signed: ____', 'Notes: …')."""
    filled = [i for i, c in enumerate(cells) if c.strip()]
    if not filled or filled[-1] > 1:
        return False
    text = " ".join(c.strip() for c in cells[:2])
    return not (_EMAIL.search(text) or _DATE.search(text)) and bool(FOOTER_WORDS.search(text))


def footer_note(descriptions: list[tuple[int, str]]) -> str:
    """The note listing the lines skipped after the data (line, description)."""
    shown = "; ".join(f"line {n} {d}" for n, d in descriptions[:5])
    more = f"; and {len(descriptions) - 5} more" if len(descriptions) > 5 else ""
    return (f"{len(descriptions)} line(s) after the data skipped (notes, totals or "
            f"signatures, not rows): {shown}{more}")


def grouping_columns(columns: list[str]) -> list[str]:
    """The columns that may be written once per block of rows (event, title, date,
    program, event type, shift) — never a person, hours or status column."""
    mapped = auto_map(columns, "participation")
    found = {mapped[f] for f in GROUPING_FIELDS if f in mapped}
    found |= {c for c in columns if norm_header(c) in EXTRA_GROUPING
              and c not in mapped.values()}
    return [c for c in columns if c in found]


def block_filled(values: pd.Series) -> bool:
    """True when a column is written once per block of rows: its first row is filled, it
    has two or more values (blocks), at least half of its rows (and two or more) are
    blank, and no filled value repeats the row just above it (a column filled on every
    row would). A column with one value on its first row only is left alone: that may
    as well be a value missing from the other rows."""
    blank = values.eq("")
    n_blank = int(blank.sum())
    if n_blank < max(2, len(values) - n_blank) or blank.iloc[0] or len(values) - n_blank < 2:
        return False
    repeats = (~blank) & values.eq(values.shift())
    return not bool(repeats.any())


def fill_down(frame: pd.DataFrame, columns: list[str],
              merged: dict[str, list[tuple[int, int]]] | None = None,
              apply: bool = True) -> tuple[list[str], list[str]]:
    """Fill the grouping columns of *frame* (cells as text, `_line` the line numbers) down
    in place: a merged cell's value into the rows it covers (*merged*: column -> (first,
    last line) of each merged block), and a column written once per block into the blank
    rows below each value. Returns the notes and the columns filled down. With *apply*
    False (the analyst turned fill-down off) nothing is changed: the columns that would
    have been filled are returned, and the one note says fill-down was turned off."""
    if not apply:
        would = _would_fill(frame, columns, merged)
        return (["fill-down turned off, as chosen: no column filled down"
                 + (f" ({', '.join(map(repr, would))} would have been; their blank cells "
                    "stay blank)" if would else "")], would)
    notes: list[str] = []
    filled_cols: list[str] = []
    grouping = grouping_columns(columns)
    for col, spans in (merged or {}).items():
        lines = frame["_line"]
        inside = pd.Series(False, index=frame.index)
        for first, last in spans:
            inside |= (lines > first) & (lines <= last)
        if col not in grouping:
            notes.append(f"merged cells in column {col!r} were not filled down (only event, "
                         "date, program, type and shift columns are)")
            continue
        target = inside & frame[col].eq("")
        if target.any():
            filled = frame[col].where(~inside).replace("", pd.NA).ffill().fillna("")
            frame.loc[target, col] = filled[target]
            filled_cols.append(col)
            notes.append(f"merged cells in column {col!r}: its value filled into the "
                         f"{int(target.sum())} row(s) each merged cell covers")
    done = []
    for col in grouping:
        if block_filled(frame[col]):
            blank = frame[col].eq("")
            frame.loc[blank, col] = frame[col].replace("", pd.NA).ffill()[blank]
            done.append(f"{col!r} ({int(blank.sum())} rows)")
            if col not in filled_cols:
                filled_cols.append(col)
    if done:
        notes.append(f"filled down {', '.join(done)}: each value was written once for a "
                     "block of rows and is repeated on the blank rows below it")
    return notes, filled_cols


def _would_fill(frame: pd.DataFrame, columns: list[str],
                merged: dict[str, list[tuple[int, int]]] | None) -> list[str]:
    """The columns :func:`fill_down` would fill, found on a copy."""
    return fill_down(frame.copy(), columns, merged)[1]
