"""What the Data page knows about each uploaded file before anything is written:
its table, its sheets, the source it looks like, and the mapping the import would
use — and the import itself, with related files (Mobilize's participations,
timeslots and events tables; other tools' contacts and jobs/shifts/events extracts, such
as Action Network's people and event records) imported together so they are joined.

Every bad-input failure becomes a message that names the file, the problem and
what to do (the engine writes them); nothing here raises for a bad file.
"""
from __future__ import annotations

import datetime as dt
import io
import zipfile
from dataclasses import dataclass, field, replace
from typing import Any

import duckdb
import pandas as pd
import streamlit as st
from streamlit.runtime.uploaded_file_manager import UploadedFile

from engage_metrics import adapters, importer, reader
from engage_metrics.mapping import FIELDS, Mapping, MappingError, check_required, resolve_mapping
from engage_metrics.options import FileLayout, ImportOptions
from engage_ui import store

AUTO = "auto"
ALL_SHEETS = "All sheets of the same layout"   # the sheet selector's default: sheet None


@dataclass
class Upload:
    """One uploaded file as read (``error`` set when it cannot be read at all)."""

    name: str
    file_id: str
    content: bytes = b""
    table: reader.RawTable | None = None
    error: str | None = None
    sheets: list[str] = field(default_factory=list)   # ALL_SHEETS and the names, when a
                                                      # workbook has several
    sheet: str | None = None                          # the one chosen; None: ALL_SHEETS
    companion: str | None = None                      # 'timeslots' / 'events' (Mobilize)
    detected_header: int = 1          # the row the reader takes as the header by itself
    header_row: int | None = None     # the analyst's header row (None: the detected one)
    fill_down: bool = True            # False: the analyst turned fill-down off
    fills: bool = False               # the reader fills (or would fill) a column down
    choice_error: str | None = None   # the chosen header row cannot be read: the file is
                                      # shown with its detected header and not imported


@dataclass
class Plan:
    """How a readable main file will be imported: the adapter, the table as the adapter
    turns it, and the mapping the import would use (field -> column)."""

    adapter: adapters.Adapter
    table: reader.RawTable
    mapping: dict[str, str]
    options: ImportOptions = field(default_factory=ImportOptions)   # as the adapter made them


@st.cache_data(show_spinner=False, max_entries=64)
def sheet_names(content: bytes) -> list[str]:
    """The sheet names of an .xlsx workbook ([] when it is not one; the reader then says why)."""
    try:
        return list(pd.ExcelFile(io.BytesIO(content), engine="openpyxl").sheet_names)
    except (ValueError, OSError, KeyError, zipfile.BadZipFile):
        return []


def header_key(file_id: str, sheet: str | None) -> str:
    """The session key of a file's "Header row" input (one per sheet choice, since each
    sheet has its own detected header)."""
    return f"header_row_{file_id}_{sheet}"


def fill_key(file_id: str) -> str:
    """The session key of a file's "Fill down grouping columns" checkbox."""
    return f"fill_down_{file_id}"


def read(uploaded: UploadedFile, sheet: str | None = None, header_row: int | None = None,
         fill_down: bool = True) -> Upload:
    """Check the size before reading the bytes, then read the table (never raises): with
    the header the reader finds, and again with the analyst's *header_row* when it is
    another row; grouping columns filled down unless *fill_down* is False."""
    up = Upload(name=uploaded.name, file_id=uploaded.file_id, fill_down=fill_down)
    try:
        reader.check_size(uploaded.size, uploaded.name)
        up.content = uploaded.getvalue()
        if uploaded.name.lower().endswith((".xlsx", ".xlsm")):
            names = sheet_names(up.content)
            up.sheets = [ALL_SHEETS, *names] if len(names) > 1 else []
            up.sheet = sheet if sheet in names else None
        try:
            up.table = reader.read_bytes(up.content, uploaded.name, up.sheet,
                                         fill_down=fill_down)
        except reader.ReadError:
            if header_row is None:
                raise
            up.table = None       # the chosen header row may be the way out
        if up.table is not None:
            up.detected_header = up.table.header_line
        if header_row is not None and (up.table is None or header_row != up.detected_header):
            up.header_row = header_row
            try:
                up.table = reader.read_bytes(up.content, uploaded.name, up.sheet, header_row,
                                             fill_down)
            except reader.ReadError as exc:
                if up.table is None:
                    raise
                up.choice_error = str(exc)
    except reader.ReadError as exc:
        up.error = str(exc)
        return up
    assert up.table is not None
    up.fills = bool(up.table.filled_down)
    up.companion = adapters.companion_role(up.table)
    return up


def read_chosen(uploaded: UploadedFile) -> Upload:
    """*uploaded* read with the sheet, header row and fill-down the Data page's widgets
    hold for it (their session keys)."""
    sheet = st.session_state.get(f"sheet_{uploaded.file_id}")
    return read(uploaded, sheet, st.session_state.get(header_key(uploaded.file_id, sheet)),
                st.session_state.get(fill_key(uploaded.file_id), True))


def companions(uploads: list[Upload]) -> dict[str, reader.RawTable]:
    """The Mobilize companion tables among the uploads, by role (the first of each)."""
    found: dict[str, reader.RawTable] = {}
    for up in uploads:
        if up.companion and up.table is not None:
            found.setdefault(up.companion, up.table)
    return found


def attached(uploads: list[Upload]) -> tuple[dict[str, dict[str, reader.RawTable]],
                                             dict[str, tuple[str, str]]]:
    """Other tools' companion extracts among the uploads (adapters.companions: a contacts
    or jobs/shifts/events extract, Action Network's people and event records) attached to
    the upload whose ids they hold, as the import attaches them: {main file_id: {role:
    table}}, and {companion file_id: (role, the main file's name)}."""
    readable = [(up, up.table) for up in uploads if up.table is not None and not up.companion]
    if len(readable) < 2:
        return {}, {}
    found = adapters.companions_module.attach([table for _, table in readable],
                                              list(range(len(readable))))
    tables: dict[str, dict[str, reader.RawTable]] = {}
    parts: dict[str, tuple[str, str]] = {}
    for main, roles in found.items():
        for role, i in roles.items():
            tables.setdefault(readable[main][0].file_id, {})[role] = readable[i][1]
            parts[readable[i][0].file_id] = (role, readable[main][0].name)
    return tables, parts


def plan(up: Upload, kind: str, source: str, joined: dict[str, reader.RawTable],
         event_title: str | None = None, event_date: str | None = None,
         date_order: str | None = None, event_dates: dict[str, str] | None = None) -> Plan:
    """The adapter (detected, or the analyst's choice), the adapted table and the
    mapping the import would use. Raises AdapterError / MappingError with the
    engine's message (e.g. an export of one event that needs its date;
    adapters.EventDatesNeeded names the events of a report that have no date)."""
    options = ImportOptions(kind=kind, source=source, event_title=event_title or None,
                            event_date=event_date or None, date_order=date_order or None,
                            event_dates=event_dates or None)
    if up.table is None:
        raise ValueError(f"{up.name} could not be read")
    adapted, resolved = adapters.adapt(up.table, options, up.name, joined)
    adapter = adapters.ADAPTERS.get(resolved.source, adapters.ADAPTERS["generic"])
    mapping = resolve_mapping(adapted.columns, kind, resolved.mapping).fields
    return Plan(adapter, adapted, dict(mapping), resolved)


def best_guess(up: Upload, kind: str, source: str) -> Plan | None:
    """The plan of a file no format fits when the generic import stops before a mapping
    (events without dates, a lone extract …): the file's own columns with the fields
    auto-mapped, so the mapping editor opens on that guess. None for a tool's export
    (its adapter's message says what to give) or an unreadable file."""
    if up.table is None or up.companion:
        return None
    generic = adapters.ADAPTERS["generic"]
    if source != "generic" and (source != AUTO or adapters.detect(up.table) is not generic):
        return None
    try:
        mapping = resolve_mapping(up.table.columns, kind, None).fields
    except MappingError:
        return None
    return Plan(generic, up.table, dict(mapping))


def overrides(planned: dict[str, str], chosen: dict[str, str], kind: str) -> dict[str, str]:
    """Only the fields the analyst changed ('' unmaps): the adapter redoes the rest
    itself on import (its synthetic columns included)."""
    return {f: chosen.get(f, "") for f in FIELDS[kind]
            if chosen.get(f, "") != planned.get(f, "")}


@dataclass
class Choice:
    """What the analyst chose for one readable main file."""

    upload: Upload
    mapping: dict[str, str]                 # overrides of the planned mapping
    event_title: str | None = None
    event_date: str | None = None
    date_order: str | None = None           # dmy / mdy / ymd; None: decided from the file
    event_dates: dict[str, str] | None = None   # event name -> date, for undated events


def import_all(con: duckdb.DuckDBPyConnection, uploads: list[Upload], choices: dict[str, Choice],
               kind: str, source: str, registered: bool) -> list[importer.ImportResult]:
    """Import every chosen file; companions go with the Mobilize file they belong to
    (one result for the joined files). Files without a choice are not imported. Each file
    is read with its own header row and fill-down (its Upload's), a companion too: the
    main file's never apply to the files joined to it."""
    readable = [(up, up.table) for up in uploads if up.table is not None]
    results: list[importer.ImportResult] = []
    for main, parts in adapters.bundle([table for _, table in readable], source):
        up = readable[main][0]
        choice = choices.get(up.file_id)
        if choice is None and not up.companion:
            continue
        files = [up] + [readable[i][0] for _, i in sorted(parts.items())]
        options = ImportOptions(
            kind=kind, source=source, sheet=up.sheet,
            mapping=(choice.mapping or None) if choice else None,
            treat_registered_as_attended=registered,
            event_title=choice.event_title if choice else None,
            event_date=choice.event_date if choice else None,
            date_order=choice.date_order if choice else None,
            event_dates=choice.event_dates if choice else None)
        results += importer.import_uploads(con, [(f.name, f.content) for f in files], options,
                                           [FileLayout(f.header_row, f.fill_down) for f in files])
    return results


def mapping_problem(mapping: dict[str, str], kind: str, columns: list[str],
                    generic: bool = False) -> str | None:
    """Why *mapping* cannot be imported (a required field missing), or None; for a file
    no format fits (*generic*), also the closest known formats and the columns not placed."""
    placed = {f: c for f, c in mapping.items() if c}
    try:
        check_required(Mapping(placed), kind, columns)
    except MappingError as exc:
        return f"{exc} {adapters.way_out(columns, placed)}" if generic else str(exc)
    return None


# ---------------------------------------------------------------- the order of numeric dates

ORDER_LABELS = {"dmy": "Day-first", "mdy": "Month-first", "ymd": "Year-first"}


def date_check(con: duckdb.DuckDBPyConnection, planned: Plan,
               overrides_: dict[str, str]) -> importer.DateOrderCheck | None:
    """How the import would read the file's numeric dates with the analyst's mapping when no
    order is chosen (None: no numeric date depends on the order). Kept per table content,
    options and data version (the setting and earlier imports count): a rerun of the Data
    page does not run the check again."""
    options = replace(planned.options, date_order=None,   # the check is of no chosen order
                      mapping={**(planned.options.mapping or {}), **overrides_} or None)
    rows = planned.table.rows
    content = (tuple(planned.table.columns), len(rows),
               int(pd.util.hash_pandas_object(rows, index=False).sum()))
    return _date_check(con, planned.table, options, repr(options), content, store.version())


@st.cache_data(show_spinner=False, max_entries=64)
def _date_check(_con: duckdb.DuckDBPyConnection, _table: reader.RawTable,
                _options: ImportOptions, options: str, content: tuple[Any, ...],
                version: int) -> importer.DateOrderCheck | None:
    return importer.check_date_order(_con, _table, _options)


def say_date(ts: dt.datetime | None) -> str:
    """A date as a person reads it ('Wednesday 3 April 2024', with the time when it has one)."""
    if ts is None:
        return "not a date in this order"
    text = f"{ts:%A} {ts.day} {ts:%B %Y}"
    return text if ts.time() == dt.time() else f"{text}, {ts:%H:%M}"


def example_readings(con: duckdb.DuckDBPyConnection, check: importer.DateOrderCheck,
                     ) -> dict[str, str]:
    """How the file's example date reads in each order (order -> words)."""
    if check.example is None:
        return {}
    return {order: say_date(importer.preview_dates(con, [check.example], order)[0])
            for order in ORDER_LABELS}


def date_preview(con: duckdb.DuckDBPyConnection, check: importer.DateOrderCheck,
                 orders: list[str]) -> pd.DataFrame:
    """The first dated rows: the date as written and as read in each of *orders*."""
    written = [raw for _, raw in check.samples]
    frame = pd.DataFrame({"Line": [str(line) for line, _ in check.samples],
                          "As written": written})
    for order in orders:
        frame[f"Read {ORDER_LABELS[order].lower()}"] = [
            say_date(ts) for ts in importer.preview_dates(con, written, order)]
    return frame


# ---------------------------------------------------------------- dates of undated events

def event_dates_given(events: list[str], edits: Any) -> dict[str, str]:
    """The dates typed into the Data page's table of undated *events* (its data editor's
    state: ``{"edited_rows": {row: {"Date": value}}}``), event name -> ISO date."""
    given: dict[str, str] = {}
    rows = (edits or {}).get("edited_rows", {}) if isinstance(edits, dict) else {}
    for row, change in rows.items():
        value = change.get("Date") if isinstance(change, dict) else None
        if isinstance(value, (dt.date, dt.datetime)):
            value = value.isoformat()
        if not value or not 0 <= int(row) < len(events):
            continue
        given[events[int(row)]] = str(value)[:10]
    return given
