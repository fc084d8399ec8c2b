"""What the Data page knows about each uploaded file before anything is written:
its table, its sheets, the source it looks like, and the mapping the import would
use — and the import itself, with related files (Mobilize's participations,
timeslots and events tables) imported together so they are joined.

Every bad-input failure becomes a message that names the file, the problem and
what to do (the engine writes them); nothing here raises for a bad file.
"""
from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass, field

import duckdb
import pandas as pd
import streamlit as st
from streamlit.runtime.uploaded_file_manager import UploadedFile

from engage_metrics import adapters, importer, reader
from engage_metrics.mapping import FIELDS, Mapping, MappingError, check_required, resolve_mapping
from engage_metrics.options import ImportOptions

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


@dataclass
class Plan:
    """How a readable main file will be imported: the adapter, the table as the adapter
    turns it, and the mapping the import would use (field -> column)."""

    adapter: adapters.Adapter
    table: reader.RawTable
    mapping: dict[str, str]


@st.cache_data(show_spinner=False, max_entries=64)
def sheet_names(content: bytes) -> list[str]:
    """The sheet names of an .xlsx workbook ([] when it is not one; the reader then says why)."""
    try:
        return list(pd.ExcelFile(io.BytesIO(content), engine="openpyxl").sheet_names)
    except (ValueError, OSError, KeyError, zipfile.BadZipFile):
        return []


def read(uploaded: UploadedFile, sheet: str | None = None) -> Upload:
    """Check the size before reading the bytes, then read the table (never raises)."""
    up = Upload(name=uploaded.name, file_id=uploaded.file_id)
    try:
        reader.check_size(uploaded.size, uploaded.name)
        up.content = uploaded.getvalue()
        if uploaded.name.lower().endswith((".xlsx", ".xlsm")):
            names = sheet_names(up.content)
            up.sheets = [ALL_SHEETS, *names] if len(names) > 1 else []
            up.sheet = sheet if sheet in names else None
        up.table = reader.read_bytes(up.content, uploaded.name, up.sheet)
    except reader.ReadError as exc:
        up.error = str(exc)
        return up
    up.companion = adapters.companion_role(up.table)
    return up


def companions(uploads: list[Upload]) -> dict[str, reader.RawTable]:
    """The Mobilize companion tables among the uploads, by role (the first of each)."""
    found: dict[str, reader.RawTable] = {}
    for up in uploads:
        if up.companion and up.table is not None:
            found.setdefault(up.companion, up.table)
    return found


def plan(up: Upload, kind: str, source: str, joined: dict[str, reader.RawTable],
         event_title: str | None = None, event_date: str | None = None) -> Plan:
    """The adapter (detected, or the analyst's choice), the adapted table and the
    mapping the import would use. Raises AdapterError / MappingError with the
    engine's message (e.g. an export of one event that needs its date)."""
    options = ImportOptions(kind=kind, source=source, event_title=event_title or None,
                                     event_date=event_date or None)
    if up.table is None:
        raise ValueError(f"{up.name} could not be read")
    adapted, resolved = adapters.adapt(up.table, options, up.name, joined)
    adapter = adapters.ADAPTERS.get(resolved.source, adapters.ADAPTERS["generic"])
    mapping = resolve_mapping(adapted.columns, kind, resolved.mapping).fields
    return Plan(adapter, adapted, dict(mapping))


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


def import_all(con: duckdb.DuckDBPyConnection, uploads: list[Upload], choices: dict[str, Choice],
               kind: str, source: str, registered: bool) -> list[importer.ImportResult]:
    """Import every chosen file; companions go with the Mobilize file they belong to
    (one result for the joined files). Files without a choice are not imported."""
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
            event_date=choice.event_date if choice else None)
        results += importer.import_uploads(con, [(f.name, f.content) for f in files], options)
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
