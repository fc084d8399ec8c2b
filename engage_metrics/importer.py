"""Import participation, people and ask files into the store.

An import is one transaction: the journal rows (accepted rows, rejected rows
with their reasons, the import_log entry) and the rebuilt canonical tables land
together or not at all. The same file imported twice is a no-op; a file with no
acceptable row writes nothing and reports every rejected row.
"""
from __future__ import annotations

import hashlib
import json
import re
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from engage_metrics import adapters, config, reader, resolve
from engage_metrics.mapping import (
    FIELDS,
    TIME_FIELDS,
    Mapping,
    MappingError,
    check_required,
    header_unit,
    resolve_mapping,
)
from engage_metrics.options import FileLayout, ImportOptions
from engage_metrics.rows import insert_rows
from engage_metrics.transaction import bump_data_version, transaction

KINDS = ("participation", "people", "ask")
RAW_TABLE = {"participation": "raw_participation", "people": "raw_person", "ask": "raw_ask"}

# Status words (lower case, punctuation as spaces) -> canonical status.
# Unknown words are rejected rows naming the value, never guesses.
GENERIC_STATUSES: dict[str, str] = {
    **dict.fromkeys(["attended", "completed", "complete", "checked in", "check in", "checkedin",
                     "present", "walk in", "walkin", "walk ins", "yes", "y", "true", "showed",
                     "showed up", "attended event", "participated", "approved", "verified",
                     "done", "signed in", "here"], "attended"),
    **dict.fromkeys(["no show", "noshow", "no showed", "absent", "did not attend",
                     "didn t attend", "not present", "no", "n", "false", "missed"], "no_show"),
    **dict.fromkeys(["canceled", "cancelled", "cancel", "declined", "not attending",
                     "withdrawn", "withdrew", "regrets", "can t attend", "cannot attend",
                     "deleted", "rejected", "refunded"], "cancelled"),
    **dict.fromkeys(["registered", "confirmed", "scheduled", "rsvp", "rsvpd", "rsvp d",
                     "rsvp yes", "attending", "signed up", "signup", "sign up", "going",
                     "accepted", "booked", "pending", "web sign up", "sched web",
                     "interested", "waitlist", "waitlisted", "on waitlist", "maybe",
                     "tentative"], "registered"),
}
ATTENDED_VALUES: dict[str, str] = {
    **dict.fromkeys(["true", "t", "yes", "y", "1", "x", "attended", "checked in", "present"],
                    "attended"),
    **dict.fromkeys(["false", "f", "no", "n", "0", "no show", "absent", "did not attend"],
                    "no_show"),
}
OUTCOMES: dict[str, str] = {
    **dict.fromkeys(["yes", "y", "accepted", "accept", "agreed", "agree", "committed", "true",
                     "1", "said yes", "done", "completed"], "yes"),
    **dict.fromkeys(["no", "n", "declined", "decline", "refused", "false", "0", "said no",
                     "not interested"], "no"),
    **dict.fromkeys(["no response", "noresponse", "none", "pending", "no answer", "unknown",
                     "left message", "left msg", "maybe", "no reply"], "no_response"),
}


# values of a tool's deleted flag (mapping field "deleted") that mark a row deleted; any
# other value (false, 0, blank …) keeps the row
DELETED_VALUES = ("true", "t", "yes", "y", "1", "x", "deleted")


class ImportFailed(ValueError):
    """Nothing could be imported from a file; the message says why and what to do."""


class DateOrderNeeded(ImportFailed):
    """The file's numeric dates read both day-first and month-first (or contradict each
    other): the analyst chooses the order (--date-order, the Data page)."""


DATE_ORDERS = ("dmy", "mdy", "ymd")
ORDER_WORDS = {"dmy": "day-first", "mdy": "month-first", "ymd": "year-first"}
DATE_FIELDS = {"participation": ("starts_at", "ends_at"), "ask": ("asked_at",), "people": ()}
# a date in a file's name ("export-2024-03-12-…", "EventParticipants20240312-…")
EXPORT_DATE = re.compile(r"(?<!\d)(20\d{2})[-_.]?(0[1-9]|1[0-2])[-_.]?(0[1-9]|[12]\d|3[01])(?!\d)")


@dataclass
class ImportResult:
    """What an import did (or would do): counts, mapping, rejected rows, notes."""

    file_name: str
    kind: str
    source: str
    status: str                      # imported | duplicate | failed
    import_id: int | None = None
    rows_read: int = 0
    accepted: int = 0
    rejected: int = 0
    skipped: int = 0                 # blank, totals and footer lines, and deleted rows
    deleted: int = 0                 # rows the file marks deleted (counted in skipped)
    mapping: dict[str, str] = field(default_factory=dict)
    rejected_rows: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(
        columns=["line_no", "raw", "reason"]))
    notes: list[str] = field(default_factory=list)
    message: str = ""
    duplicates: pd.DataFrame = field(default_factory=pd.DataFrame)  # same-name pairs to review
    read_by: str = "python"          # "duckdb" when the fast CSV reader read the file
    date_order: str | None = None    # the order numeric dates were read in (None: none seen)
    date_order_basis: str | None = None  # what decided it (ORDER_BASIS)
    needs: str = ""                  # "date_order" / "event_dates": failed until the analyst
                                     # chooses the order / gives the dates of *undated*
    undated: list[str] = field(default_factory=list)   # the events that need a date
    replaces: int | None = None      # the import of the same file this one replaces
    header_row: int | None = None    # the row the header was read from (chosen or found)

    def summary(self) -> str:
        if self.status == "duplicate":
            return f"{self.file_name}: {self.message}"
        if self.status == "failed":
            return f"{self.file_name}: nothing imported — {self.message}"
        text = (f"{self.file_name}: import #{self.import_id} ({self.kind}, source {self.source}): "
                f"{self.rows_read} rows read, {self.accepted} accepted, {self.rejected} rejected, "
                f"{self.skipped} skipped (blank, totals or footer lines"
                + (f"; {self.deleted} marked deleted)" if self.deleted else ")"))
        if self.rejected:
            reasons = (self.rejected_rows["reason"].str.replace(r" '.*", "", regex=True)
                       .value_counts().head(5))
            text += "; rejected: " + "; ".join(f"{n} × {r}" for r, n in reasons.items())
        if self.notes:
            text += "\n  note: " + "\n  note: ".join(self.notes)
        return text


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def prepare(table: reader.RawTable, options: ImportOptions) -> tuple[pd.DataFrame, Mapping]:
    """The file's rows under canonical field names (text), and the mapping used."""
    mapping = _mapping(table, options)
    return _frame(table, mapping, options), mapping


def _frame(table: reader.RawTable, mapping: Mapping, options: ImportOptions) -> pd.DataFrame:
    """:func:`prepare`'s frame of the table's rows under *mapping*."""
    src = pd.DataFrame({f: (table.rows[mapping.fields[f]] if f in mapping.fields else None)
                        for f in FIELDS[options.kind]}, dtype=object)
    src["_line"] = table.rows["_line"].astype("int64")
    src["_raw"] = table.rows["_raw"]
    src["_overflow"] = table.rows["_overflow"].astype(bool)
    src["_unsaved"], src["_lost"] = _unsaved_fields(table, mapping)
    return src


def _unsaved_fields(table: reader.RawTable, mapping: Mapping) -> tuple[pd.Series, pd.Series]:
    """Per row, the mapped columns whose cells are a workbook's formulas without a saved
    value (reader.UNSAVED_SEP-joined) and their fields (' email full_name '), None where
    there are none: a row that lacks a required value because of one is rejected for it."""
    none = pd.Series(None, index=table.rows.index, dtype=object)
    unsaved = table.rows.get("_unsaved")
    if unsaved is None or unsaved.isna().all():
        return none, none
    cells = (reader.UNSAVED_SEP + unsaved.fillna("") + reader.UNSAVED_SEP)
    columns, fields = none.copy(), none.copy()
    for f, col in mapping.fields.items():
        hit = cells.str.contains(reader.UNSAVED_SEP + col + reader.UNSAVED_SEP, regex=False)
        columns = columns.mask(hit, columns.fillna("") + reader.UNSAVED_SEP + col)
        fields = fields.mask(hit, fields.fillna(" ") + f + " ")
    return columns.str.lstrip(reader.UNSAVED_SEP), fields


def _mapping(table: reader.RawTable, options: ImportOptions) -> Mapping:
    """The mapping of the table's columns to canonical fields (ImportFailed, with a hint,
    when the kind is unknown or a required field has no column)."""
    if options.kind not in KINDS:
        raise ImportFailed(f"unknown file kind {options.kind!r}; use one of {', '.join(KINDS)}")
    mapping = None
    try:
        mapping = resolve_mapping(table.columns, options.kind, options.mapping)
        check_required(mapping, options.kind, table.columns)
    except MappingError as exc:
        hint = ""
        if mapping is not None and options.source in ("generic", "auto"):
            # no format fits: the closest known ones and the columns no field took
            hint = " " + adapters.way_out(table.columns, mapping.fields)
        if len(table.columns) == 1 and table.delimiter is not None:
            hint += (" Only one column was found, so the file is probably separated by a "
                     "character other than comma, tab or semicolon: export it again as a "
                     "comma-separated CSV.")
        raise ImportFailed(f"{exc}{hint}") from exc
    return mapping


def stage(con: duckdb.DuckDBPyConnection, src: pd.DataFrame, mapping: Mapping,
          options: ImportOptions, result: ImportResult | None = None,
          ) -> tuple[int, pd.DataFrame, int]:
    """Normalize and validate in DuckDB into the temp table `staged` (one row per input
    row, `reason` set on rejects; the accepted rows stay in DuckDB). Returns the number
    of accepted rows, the rejected rows (line_no, raw, reason) and the number of rows
    skipped because the file marks them deleted; the choices made on the way (deleted
    rows, "Last, First" names, ids in a name column, the date order, hours units) go into
    *result*'s notes."""
    con.register("src_frame", src)
    con.execute("CREATE OR REPLACE TEMP TABLE src AS SELECT * FROM src_frame")
    con.unregister("src_frame")
    return _stage_src(con, mapping, options, result=result)


def _skip_deleted(con: duckdb.DuckDBPyConnection, mapping: Mapping, notes: list[str]) -> int:
    """Remove the rows the file's deleted flag marks deleted from `src`; their number."""
    column = mapping.fields.get("deleted")
    if not column:
        return 0
    deleted = con.execute(
        "SELECT COUNT(*) FROM src WHERE list_contains($words, LOWER(TRIM(deleted)))",
        {"words": list(DELETED_VALUES)}).fetchall()[0][0]
    if deleted:
        con.execute("DELETE FROM src WHERE list_contains($words, LOWER(TRIM(deleted)))",
                    {"words": list(DELETED_VALUES)})
        notes.append(f"{deleted} row{' was' if deleted == 1 else 's were'} marked deleted in "
                     f"the file (column {column!r}) and skipped, not imported")
    return int(deleted)


# Names and titles: the fields a page shows as someone's or something's name.
NAME_FIELDS = ("first_name", "last_name", "full_name", "title", "event_type", "program", "role",
               "ask", "asked_by")
# bidirectional embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069): they
# reorder the text after them on screen ("Ann" RLO "gnp.exe" shows as "Annexe.png")
BIDI_CONTROLS = "[\u202a-\u202e\u2066-\u2069]"


def _strip_bidi(con: duckdb.DuckDBPyConnection, mapping: Mapping, notes: list[str]) -> None:
    """Names and titles of `src` without bidirectional control characters, noted
    (docs/importing/identity.md); one scan when a file has none."""
    text_columns = {r[0] for r in con.execute(
        "SELECT column_name FROM (DESCRIBE src) WHERE column_type = 'VARCHAR'").fetchall()}
    columns = [f for f in NAME_FIELDS if f in mapping.fields and f in text_columns]
    if not columns:
        return
    has = " OR ".join(f"regexp_matches({c}, $bidi)" for c in columns)
    rows = con.execute(f"SELECT COUNT(*) FROM src WHERE {has}",  # noqa: S608 - field names
                       {"bidi": BIDI_CONTROLS}).fetchall()[0][0]
    if not rows:
        return
    for c in columns:
        con.execute(f"UPDATE src SET {c} = regexp_replace({c}, $bidi, '', 'g') "  # noqa: S608
                    f"WHERE regexp_matches({c}, $bidi)", {"bidi": BIDI_CONTROLS})
    notes.append(f"{rows} row{' has' if rows == 1 else 's have'} names or titles with "
                 "bidirectional control characters (they reorder text on screen); they "
                 "were removed")


def _read_names(con: duckdb.DuckDBPyConnection, mapping: Mapping, notes: list[str]) -> None:
    """The full-name column of `src`: record ids in it are no name, and a column written
    "Last, First" (most of its names with one comma) is read that way; both noted."""
    column = mapping.fields.get("full_name")
    if not column:
        return
    names, ids, last_first, id_example, comma_example = con.execute(
        resolve.sql_text("import/names.sql")).fetchall()[0]
    by_last = bool(last_first) and 2 * last_first > names
    if ids or by_last:
        for statement in resolve.sql_text("import/names_apply.sql").split(";\n"):
            if statement.strip():
                con.execute(statement, {"last_first": by_last} if "$last_first" in statement
                            else {})
    if ids:
        others = [f for f in ("first_name", "last_name") if f in mapping.fields]
        named_by = " and ".join(repr(mapping.fields[f]) for f in others)
        instead = f"the people are named from {named_by}" if others else "those rows have no name"
        notes.append(f"{ids} value{'' if ids == 1 else 's'} in the name column {column!r} "
                     f"{'is a record id' if ids == 1 else 'are record ids'} or autonumbers "
                     f"(such as {id_example!r}), not names: {instead}")
    if by_last:
        last, _, first = str(comma_example).partition(",")
        notes.append(f"names in {column!r} read as \"Last, First\" ({last_first} of {names} "
                     f"names; {comma_example!r} is {first.strip()} {last.strip()})")
    elif last_first:
        notes.append(f"{last_first} of {names} names in {column!r} have a comma (such as "
                     f"{comma_example!r}); the column is not in \"Last, First\" form, so they "
                     "are kept as written")


def _stage_src(con: duckdb.DuckDBPyConnection, mapping: Mapping, options: ImportOptions,
               raw_lines: Callable[[list[int]], dict[int, str]] | None = None,
               result: ImportResult | None = None) -> tuple[int, pd.DataFrame, int]:
    """:func:`stage` from the temp table `src` (prepare's frame, or the fast reader's rows).
    *raw_lines* gives the rejected rows' raw text when `src` has none (line -> text).
    The date order is decided first (DateOrderNeeded when the file cannot say); its notes
    and the order go into *result*."""
    resolve.install_macros(con)
    notes = result.notes if result is not None else []
    deleted = _skip_deleted(con, mapping, notes)
    _strip_bidi(con, mapping, notes)
    _read_names(con, mapping, notes)
    tz = config.get_setting(con, "timezone")
    order, date_notes, recorded, basis = _date_order(con, mapping, options, tz)
    if result is not None:
        result.date_order, result.date_order_basis = recorded, basis
        _add_notes(notes, date_notes)
    statuses = options.statuses if options.statuses is not None else GENERIC_STATUSES
    for name, words in (("status_map", statuses), ("attended_map", ATTENDED_VALUES),
                        ("outcome_map", OUTCOMES)):
        con.execute(f"CREATE OR REPLACE TEMP TABLE {name} (word VARCHAR, value VARCHAR)")
        insert_rows(con, f"INSERT INTO {name}", words.items())
    max_date = datetime.now() + timedelta(days=5 * 365)
    params: dict[str, Any] = {"source": options.source}
    if options.kind in ("participation", "ask"):
        params.update(tz=tz, max_date=max_date, date_order=order)
    if options.kind == "participation":
        params.update(has_status="status" in mapping.fields or "attended" in mapping.fields,
                      status_column="status" in mapping.fields,
                      registered_as_attended=options.treat_registered_as_attended,
                      event_per_date=options.event_per_date,
                      use_times=_uses_times(mapping), hours_unit=_hours_unit(mapping))
    con.execute("CREATE OR REPLACE TEMP TABLE staged AS "
                + resolve.sql_text(f"import/{options.kind}.sql"), params)
    if options.kind == "participation":
        _add_notes(notes, _hours_notes(con, mapping))
    for name in ("src", "status_map", "attended_map", "outcome_map"):
        con.execute(f"DROP TABLE IF EXISTS {name}")  # noqa: S608 - fixed temp table names
    if raw_lines is not None:
        _fill_raw(con, raw_lines)
    accepted = con.execute("SELECT COUNT(*) FROM staged WHERE reason IS NULL").fetchall()[0][0]
    rejected = con.execute("SELECT line_no, raw, reason FROM staged WHERE reason IS NOT NULL "
                           "ORDER BY line_no").df()
    return int(accepted), rejected, deleted


def _add_notes(notes: list[str], new: list[str]) -> None:
    """Add *new* notes before the list of unused columns (which stays the last note)."""
    at = next((i for i, n in enumerate(notes) if n.startswith("columns not used")), len(notes))
    notes[at:at] = new


_NUMERIC_DATE = r"^(\d{1,4})[/.\-](\d{1,2})[/.\-](\d{1,4})(?:$|[\sTt])"


def _date_order(con: duckdb.DuckDBPyConnection, mapping: Mapping, options: ImportOptions,
                tz: str) -> tuple[str, list[str], str | None, str | None]:
    """The order to read the file's numeric dates in, its notes, the order to record (None
    when the file has no numeric date that depends on it) and what decided it (ORDER_BASIS).
    Decided from the values of the temp table `src` in one query: a first field above 12
    reads only day-first, a second above 12 only month-first, a four-digit first field is a
    year. The analyst's choice wins, then the tool's known order, then the file's values,
    then — for a file whose every date reads both ways — the organization's date order
    setting, then the order its earlier imports' own dates showed when they all agree;
    otherwise DateOrderNeeded names the choice. The time zone is no hint: a UK
    organization may keep the default zone."""
    fields = [f for f in DATE_FIELDS.get(options.kind, ()) if f in mapping.fields]
    if not fields:
        return options.date_order or options.known_date_order or "mdy", [], None, None
    values = " UNION ".join(f"SELECT tidy({f}) AS raw FROM src"  # noqa: S608 - field names
                            for f in fields)
    bare_col = fields[0]
    row = con.execute(
        f"""WITH v AS (SELECT DISTINCT raw FROM ({values}) u WHERE raw IS NOT NULL),
        p AS (SELECT raw, regexp_extract(raw, $re, ['a', 'b', 'c']) AS f FROM v),
        n AS (SELECT raw, TRY_CAST(f.a AS INTEGER) AS a, TRY_CAST(f.b AS INTEGER) AS b,
                     length(f.a) AS la FROM p WHERE f.a <> '')
        SELECT count(*) FILTER (la <= 2 AND a BETWEEN 13 AND 31 AND b BETWEEN 1 AND 12),
               min(raw) FILTER (la <= 2 AND a BETWEEN 13 AND 31 AND b BETWEEN 1 AND 12),
               count(*) FILTER (la <= 2 AND b BETWEEN 13 AND 31 AND a BETWEEN 1 AND 12),
               min(raw) FILTER (la <= 2 AND b BETWEEN 13 AND 31 AND a BETWEEN 1 AND 12),
               count(*) FILTER (la <= 2 AND a BETWEEN 1 AND 12 AND b BETWEEN 1 AND 12 AND a <> b),
               min(raw) FILTER (la <= 2 AND a BETWEEN 1 AND 12 AND b BETWEEN 1 AND 12 AND a <> b),
               count(*) FILTER (la <= 2),
               (SELECT count(*) FILTER (ts_is_time(b.x)) = count(b.x) AND count(b.x) > 0
                FROM (SELECT tidy({bare_col}) AS x FROM src) b),
               (SELECT min(tidy({bare_col})) FROM src),
               (SELECT count(*) FROM v WHERE ts_is_serial(raw))
        FROM n""", {"re": _NUMERIC_DATE}).fetchone()  # noqa: S608 - canonical field names only
    assert row is not None
    dmy, dmy_ex, mdy, mdy_ex, both, both_ex, numeric, all_times, a_time, serials = row
    column = mapping.fields[bare_col]
    if all_times:
        raise ImportFailed(
            f"the column {column!r}, read as the date, holds times of day without a date "
            f"(such as {a_time!r}). Map the date column to the start date and {column!r} to "
            "the start time (--mapping '{\"starts_at\": \"<date column>\", \"start_time\": "
            f"\"{column}\"}}', or on the Data page).")
    notes = []
    if serials:
        notes.append(f"{serials} date(s) written as Excel serial numbers (days since "
                     "1899-12-30) were read as dates")
    if options.date_order:
        if options.date_order not in DATE_ORDERS:
            raise ImportFailed(f"unknown date order {options.date_order!r}; use one of "
                               f"{', '.join(DATE_ORDERS)}")
        if not numeric:
            return options.date_order, notes, None, None
        notes.append(f"dates read {ORDER_WORDS[options.date_order]}, as chosen")
        return options.date_order, notes, options.date_order, "chosen"
    if options.known_date_order:
        if not numeric:
            return options.known_date_order, notes, None, None
        return options.known_date_order, notes, options.known_date_order, "tool"
    choose = "choose with --date-order dmy or --date-order mdy (or on the Data page)"
    if dmy and mdy:
        raise DateOrderNeeded(
            f"the dates contradict each other: {dmy_ex} reads only day-first and {mdy_ex} "
            f"only month-first. Check the file, then {choose}; the dates that do not read "
            "that way are rejected rows.")
    if dmy:
        notes.append(f"dates read day-first: {dmy_ex} has a first field above 12")
        return "dmy", notes, "dmy", "values"
    if mdy:
        notes.append(f"dates read month-first: {mdy_ex} has a second field above 12")
        return "mdy", notes, "mdy", "values"
    if both:
        hint = organization_date_order(con)
        if hint is None:
            raise DateOrderNeeded(f"dates like {both_ex} can be read day-first or "
                                  f"month-first, and nothing else in the file tells; {choose}")
        order, why, basis = hint
        notes.append(f"dates like {both_ex} read {ORDER_WORDS[order]}, {why}; import again "
                     f"with --date-order {'mdy' if order == 'dmy' else 'dmy'} (or choose on "
                     "the Data page) if they are not")
        return order, notes, order, basis
    return "mdy", notes, None, None


# what decided a file's date order, as recorded with the import: only the orders a file's
# own dates showed, or the analyst chose, say how the organization writes dates
ORDER_BASIS = ("chosen", "values", "tool", "setting", "earlier imports")


def organization_date_order(con: duckdb.DuckDBPyConnection
                            ) -> tuple[str, str, str] | None:
    """How the organization writes numeric dates, for a file whose every date reads both
    ways: (order, why in words, basis) from the date order setting when it is not "ask",
    else from its earlier imports whose own dates showed the order (or whose order the
    analyst chose), when they all agree; else None (the order must be chosen)."""
    setting = config.check_date_order(config.get_setting(con, "date_order"))
    if setting in ("dmy", "mdy"):
        return setting, "as the organization's date order setting says", "setting"
    rows = con.execute(
        """SELECT json_extract_string(options, '$.date_order') AS o, count(*) AS n,
                  min(file_name) AS example
           FROM import_log
           WHERE json_extract_string(options, '$.date_order_basis') IN ('chosen', 'values')
             AND json_extract_string(options, '$.date_order') IN ('dmy', 'mdy')
           GROUP BY ALL""").fetchall()
    if len(rows) != 1:
        return None
    order, count, example = rows[0]
    files = f"{example!r}" if count == 1 else f"{example!r} and {count - 1} more"
    return order, f"as in this organization's earlier imports ({files})", "earlier imports"


@dataclass
class DateOrderCheck:
    """How the numeric dates of a file would be read, before importing it (the Data page
    asks for the order with it)."""

    order: str | None              # the order the import would take; None: it must be chosen
    notes: list[str]               # how the order was decided (the import's own notes)
    message: str                   # DateOrderNeeded's message when the order must be chosen
    example: str | None            # the first numeric date that reads both ways (else the
                                   # first numeric date)
    samples: list[tuple[int, str]]  # (line, date as written) of the first dated rows


PREVIEW_ROWS = 8


def check_date_order(con: duckdb.DuckDBPyConnection, table: reader.RawTable,
                     options: ImportOptions) -> DateOrderCheck | None:
    """The date-order decision an import of *table* (as the adapter turned it, with the
    adapter's options) would make when no order is chosen — the same query as the import,
    on the same values — or None when no numeric date depends on the order (or the file
    cannot be imported for another reason, which the import then names)."""
    options = replace(options, date_order=None)
    try:
        src, mapping = prepare(table, options)
    except ImportFailed:
        return None
    fields = [f for f in DATE_FIELDS.get(options.kind, ()) if f in mapping.fields]
    if not fields:
        return None
    resolve.install_macros(con)
    con.register("src_frame", src)
    con.execute("CREATE OR REPLACE TEMP TABLE src AS SELECT * FROM src_frame")
    con.unregister("src_frame")
    try:
        tz = config.get_setting(con, "timezone")
        message = ""
        try:
            order, notes, recorded, _ = _date_order(con, mapping, options, tz)
        except DateOrderNeeded as exc:
            order, notes, recorded, message = None, [], "?", str(exc)
        except ImportFailed:
            return None
        if recorded is None:
            return None
        texts = " UNION ALL ".join(f"SELECT _line, tidy({f}) AS raw FROM src"  # noqa: S608
                                   for f in fields)
        example = con.execute(
            f"""WITH v AS (SELECT _line, raw, regexp_extract(raw, $re, ['a', 'b', 'c']) AS f
                           FROM ({texts}) u WHERE raw IS NOT NULL),
            n AS (SELECT _line, raw, TRY_CAST(f.a AS INTEGER) AS a, TRY_CAST(f.b AS INTEGER) AS b
                  FROM v WHERE f.a <> '' AND length(f.a) <= 2)
            SELECT raw FROM n ORDER BY (a BETWEEN 1 AND 12 AND b BETWEEN 1 AND 12 AND a <> b)
                DESC, _line LIMIT 1""", {"re": _NUMERIC_DATE}).fetchone()  # noqa: S608
        samples = con.execute(
            f"SELECT _line, tidy({fields[0]}) FROM src WHERE tidy({fields[0]}) IS NOT NULL "  # noqa: S608
            "ORDER BY _line LIMIT $n", {"n": PREVIEW_ROWS}).fetchall()
    finally:
        con.execute("DROP TABLE IF EXISTS src")
    return DateOrderCheck(order, notes, message, example[0] if example else None,
                          [(int(line), str(raw)) for line, raw in samples])


def preview_dates(con: duckdb.DuckDBPyConnection, values: list[str],
                  order: str) -> list[datetime | None]:
    """*values* (dates as written) read in *order* by the import's own macro parse_ts, in
    the organization's time zone: a local date-time each, None where the value does not
    read as a date in that order."""
    if order not in DATE_ORDERS:
        raise ImportFailed(f"unknown date order {order!r}; use one of {', '.join(DATE_ORDERS)}")
    if not values:
        return []
    resolve.install_macros(con)
    rows = con.execute(
        "SELECT i, CAST(parse_ts(tidy(CAST($v[i] AS VARCHAR)), $tz, $ord) AS TIMESTAMP) "
        "FROM range(1, $n + 1) r(i) ORDER BY i",
        {"v": list(values), "n": len(values), "ord": order,
         "tz": config.get_setting(con, "timezone")}).fetchall()
    return [ts for _, ts in rows]


def export_date_from_line(con: duckdb.DuckDBPyConnection, written: str,
                          order: str | None) -> date | None:
    """The date of a title line's export date *written* ("3/12/2024", "2024-03-12 10:04",
    "March 12, 2024") read by the import's macro parse_ts in the file's date *order*; with
    no order known, in the organization's order (as the file's own dates would be read),
    else only when day-first and month-first read it alike (else None)."""
    resolve.install_macros(con)
    tz = config.get_setting(con, "timezone")
    if order not in DATE_ORDERS:
        hint = organization_date_order(con)
        order = hint[0] if hint else None
    orders = [order] if order in DATE_ORDERS else ["dmy", "mdy"]
    days = {con.execute("SELECT CAST(CAST(parse_ts(tidy($v), $tz, $ord) AS TIMESTAMP) AS DATE)",
                        {"v": written, "tz": tz, "ord": o}).fetchall()[0][0] for o in orders}
    days.discard(None)
    return days.pop() if len(days) == 1 else None


def _date_flags(con: duckdb.DuckDBPyConnection, result: ImportResult,
                options: ImportOptions, export: tuple[str, str] | None = None) -> None:
    """Note the staged dates after the file's own export date (written on a title line
    above the header, *export*, else a date in its name) and those far from the rest of
    the file (more than 5 years from its median date). Only attendances count against the
    export date: a registration may be for a later event."""
    column = {"participation": "starts_at", "ask": "asked_at"}.get(options.kind)
    if column is None:
        return
    found = EXPORT_DATE.search(result.file_name)
    exported = None
    source = ""
    if export is not None:
        order = result.date_order or options.date_order or options.known_date_order
        exported = export_date_from_line(con, export[0], order)
        if exported is not None:
            found, source = None, f"; the export date is from {export[1]}"
    if found:
        try:
            year, month, day = (int(g) for g in found.groups())
            exported = datetime(year, month, day).date()
        except ValueError:
            exported = None
    after = "status IN ('attended', 'no_show')" if options.kind == "participation" else "true"
    row = con.execute(
        f"""WITH d AS (SELECT line_no, CAST({column} AS DATE) AS day, {after} AS done
                       FROM staged WHERE reason IS NULL),
            m AS (SELECT CAST(to_timestamp(median(epoch(day))) AS DATE) AS mid FROM d)
        SELECT count(*) FILTER (d.done AND d.day > $exported),
               min(d.line_no) FILTER (d.done AND d.day > $exported),
               max(d.day) FILTER (d.done AND d.day > $exported),
               any_value(m.mid),
               count(*) FILTER (abs(date_diff('day', m.mid, d.day)) > 5 * 365),
               min(d.line_no) FILTER (abs(date_diff('day', m.mid, d.day)) > 5 * 365),
               min(d.day) FILTER (abs(date_diff('day', m.mid, d.day)) > 5 * 365),
               max(d.day) FILTER (abs(date_diff('day', m.mid, d.day)) > 5 * 365)
        FROM d, m""", {"exported": exported}).fetchone()  # noqa: S608 - fixed column names
    if row is None:
        return
    late, late_line, latest, mid, far, far_line, far_min, far_max = row
    notes = []
    if late:
        notes.append(f"{late} row(s) dated after the file's export date {exported} (line "
                     f"{late_line} first, the latest {latest}): check those dates{source}")
    if far:
        span = str(far_min) if far_min == far_max else f"{far_min} to {far_max}"
        notes.append(f"{far} row(s) dated more than 5 years from the file's median date {mid} "
                     f"(line {far_line} first; {span}): check those dates")
    _add_notes(result.notes, notes)


def _fill_raw(con: duckdb.DuckDBPyConnection,
              raw_lines: Callable[[list[int]], dict[int, str]]) -> None:
    """Set `staged.raw` of the rejected rows to their lines' text."""
    lines = [r[0] for r in con.execute("SELECT line_no FROM staged WHERE reason IS NOT NULL")
             .fetchall()]
    if not lines:
        return
    raw = pd.DataFrame(list(raw_lines(lines).items()), columns=["line_no", "raw"])
    con.register("raw_frame", raw)
    try:
        con.execute("UPDATE staged SET raw = r.raw FROM raw_frame r "
                    "WHERE staged.line_no = r.line_no")
    finally:
        con.unregister("raw_frame")


def _uses_times(mapping: Mapping) -> bool:
    """Hours are each row's time out - time in: the file has both and no hours column."""
    return "hours" not in mapping.fields and all(f in mapping.fields for f in TIME_FIELDS)


def _hours_unit(mapping: Mapping) -> str:
    """The unit of the hours column's bare numbers: the one its header states ("Duration
    (minutes)": 'minutes'), else 'hours'."""
    column = mapping.fields.get("hours")
    return (header_unit(column) if column else None) or "hours"


_HOURS_FORMS = {"h": "with a unit", "h:mm": "as h:mm", "h+m": "as hours and minutes",
                "min": "in minutes", "decimal comma": "with a decimal comma"}


def _hours_notes(con: duckdb.DuckDBPyConnection, mapping: Mapping) -> list[str]:
    """How the staged rows' hours were read (sql/import/hours_notes.sql), in words: each
    form other than a plain number once, with the file's first example."""
    f = mapping.fields
    notes = []
    unit = _hours_unit(mapping)
    rows = con.execute(resolve.sql_text("import/hours_notes.sql"),
                       {"use_times": _uses_times(mapping), "hours_unit": unit}).fetchall()
    for form, example, hours, time_in, time_out, n_rows in rows:
        if form == "header unit":
            notes.append(f"hours read in {unit}, as the header {f['hours']!r} says ({example} = "
                         f"{hours:.4g} h); values written with their own unit keep it")
        elif form == "time span":
            notes.append(f"hours are each row's own time in to time out ({f['time_in']} to "
                         f"{f['time_out']}: {time_in} to {time_out} = {hours:.4g} h), never "
                         "the event's scheduled start and end")
        elif form == "half span":
            notes.append(f"{n_rows} row(s) with a time in but no time out, or a time out but "
                         "no time in: no hours for them")
        else:
            notes.append(f"hours written {_HOURS_FORMS[form]} ({example} = {hours:.4g} h)")
    times = [t for t in TIME_FIELDS if t in f]
    if times and "hours" in f:
        notes.append(f"hours read from {f['hours']}; {' and '.join(f[t] for t in times)} "
                     "not used for hours (the file has an hours column)")
    elif len(times) == 1:
        notes.append(f"{f[times[0]]} has no matching time "
                     f"{'out' if times[0] == 'time_in' else 'in'}: no hours computed from it")
    return notes


def _notes(table: reader.RawTable, mapping: Mapping, options: ImportOptions) -> list[str]:
    notes = list(table.notes)
    if table.encoding == "windows-1252":
        notes.append("decoded as Windows-1252")
    if options.kind == "participation" and not ({"status", "attended"} & mapping.fields.keys()):
        notes.append("no status column: every row counted as attended (a sign-in list)")
    elif options.kind == "participation" and "status" not in mapping.fields:
        notes.append(f"no status column: {mapping.fields['attended']!r} says who came; a row "
                     "where it is blank is a registration (signed up, attendance not marked)")
    if options.treat_registered_as_attended:
        notes.append("registrations counted as attendance")
    # an adapter's transform reads columns the mapping does not name: only generic lists them
    unused = [c for c in table.columns if c not in mapping.fields.values()
              and options.source not in adapters.ADAPTERS.keys() - {"generic"}]
    if unused:
        notes.append(f"columns not used: {', '.join(unused[:12])}"
                     + (" …" if len(unused) > 12 else ""))
    return notes


def import_table(con: duckdb.DuckDBPyConnection, table: reader.RawTable, file_name: str,
                 digest: str, options: ImportOptions) -> ImportResult:
    """Import an already-read table (all-or-nothing)."""
    result = ImportResult(file_name=file_name, kind=options.kind, source=options.source,
                          status="failed", rows_read=len(table.rows) + table.skipped,
                          skipped=table.skipped)
    result.header_row = table.header_line
    mapping = _mapping(table, options)      # before the duplicate check, which compares it
    result.mapping = mapping.to_json()
    if _is_duplicate(con, digest, result, options):
        return result
    src = _frame(table, mapping, options)
    result.notes = _notes(table, mapping, options) + result.notes
    export = (table.export_date, table.export_source) if table.export_date else None
    try:
        return _land(con, result, *stage(con, src, mapping, options, result), file_name,
                     digest, options, export)
    finally:
        con.execute("DROP TABLE IF EXISTS staged")


def _land(con: duckdb.DuckDBPyConnection, result: ImportResult, accepted: int,
          rejected: pd.DataFrame, deleted: int, file_name: str, digest: str,
          options: ImportOptions, export: tuple[str, str] | None = None) -> ImportResult:
    """Write the staged import in one transaction (nothing when no row was accepted).
    *export*: the export date written on a title line above the header (as written, and
    the line in words), which the dates after it are flagged against."""
    result.rejected_rows = rejected
    result.rejected = len(rejected)
    result.accepted = accepted
    result.skipped += deleted
    result.deleted = deleted
    if result.accepted == 0 and not result.rejected and deleted:
        result.message = (f"every one of the {deleted} rows is marked deleted in the file; "
                          "nothing to import.")
        return result
    _date_flags(con, result, options, export)
    if result.accepted == 0:
        top = result.rejected_rows["reason"].iloc[0] if result.rejected else "no rows"
        result.message = (f"every one of the {result.rejected} rows was rejected (first reason: "
                          f"{top}). Check the column mapping and the file, then import again.")
        return result
    with transaction(con):
        # checked again under the write lock: another session may have just imported it
        if _is_duplicate(con, digest, result, options):
            return result
        import_id = con.execute(
            "SELECT COALESCE(MAX(import_id), 0) + 1 FROM import_log").fetchall()[0][0]
        if result.replaces is not None:        # the same file with other choices
            _delete_journal(con, result.replaces)
        con.execute(
            "INSERT INTO import_log (import_id, file_name, sha256, kind, source, mapping, "
            "options, rows_read, rows_accepted, rows_rejected, rows_skipped, imported_at, notes) "
            "VALUES ($id, $name, $sha, $kind, $source, $mapping, $options, "
            "$read, $acc, $rej, $skip, now(), $notes)",
            {"id": import_id, "name": file_name, "sha": digest, "kind": options.kind,
             "source": options.source, "mapping": json.dumps(result.mapping),
             "options": json.dumps({**options.to_json(), "date_order": result.date_order,
                                    "date_order_basis": result.date_order_basis,
                                    "header_row": result.header_row}),
             "read": result.rows_read,
             "acc": result.accepted, "rej": result.rejected, "skip": result.skipped,
             "notes": json.dumps(result.notes)})
        cols = ", ".join(c for c in con.execute("SELECT * FROM staged LIMIT 0").fetchdf().columns
                         if c not in ("line_no", "raw", "reason"))
        con.execute(f"INSERT INTO {RAW_TABLE[options.kind]} (import_id, line_no, {cols}) "  # noqa: S608
                    f"SELECT $id, line_no, {cols} FROM staged WHERE reason IS NULL",
                    {"id": import_id})
        con.execute("INSERT INTO rejected_row SELECT $id, line_no, raw, reason FROM staged "
                    "WHERE reason IS NOT NULL", {"id": import_id})
        con.execute("DROP TABLE IF EXISTS identity_note")
        resolve.update(con, [import_id] + ([result.replaces] if result.replaces is not None
                                           else []))
        identity = resolve.take_identity_notes(con, import_id)
        if identity:
            result.notes.extend(identity)
            con.execute("UPDATE import_log SET notes = $notes WHERE import_id = $id",
                        {"notes": json.dumps(result.notes), "id": import_id})
        bump_data_version(con)
    result.status = "imported"
    result.import_id = int(import_id)
    return result


def _is_duplicate(con: duckdb.DuckDBPyConnection, digest: str, result: ImportResult,
                  options: ImportOptions | None = None) -> bool:
    """True (and *result* says so) when a file with this content was already imported.
    Imported again with other choices (a date order, an event title or date, event dates,
    registrations counted as attendance, a header row, the fill-down, a column mapping
    that maps the file differently) than the earlier import, it is not: the new import
    replaces the earlier one (``result.replaces``), so rows are never doubled. A choice
    left out (None, False, no mapping) is no new choice: the same file alone is a
    duplicate — except the fill-down, on by default, which counts either way. The mapping
    compared is the one each import used (``result.mapping``, set before this check)."""
    found = con.execute(
        "SELECT import_id, imported_at, options, mapping FROM import_log "
        "WHERE sha256 = $h AND kind = $k ORDER BY import_id DESC",
        {"h": digest, "k": result.kind}).fetchall()
    if not found:
        return False
    previous = found[0]
    earlier = json.loads(previous[2] or "{}")
    changed = _changed_choices(earlier, options)
    if options is not None and options.analyst_mapping:
        mapped = _changed_mapping(earlier, json.loads(previous[3] or "{}"), result.mapping)
        changed += [mapped] if mapped else []
    if changed:
        if result.replaces is None:
            result.replaces = previous[0]
            result.notes.append(f"replaces import #{previous[0]} of the same file, "
                                + " and ".join(changed))
        return False
    result.status = "duplicate"
    result.import_id = previous[0]
    result.message = (f"already imported as import #{previous[0]} on "
                      f"{previous[1]:%Y-%m-%d %H:%M}; nothing changed")
    result.accepted = result.rejected = 0
    result.rejected_rows = result.rejected_rows.iloc[0:0]
    return True


# the choices that change how a file's rows read, and how the notes name them
_CHOICES = {"date_order": "dates", "event_title": "event title", "event_date": "event date",
            "event_dates": "event dates",
            "treat_registered_as_attended": "registrations counted as attendance",
            "header_row": "header row", "fill_down": "grouping columns filled down"}


def _changed_choices(earlier: dict[str, Any], options: ImportOptions | None) -> list[str]:
    """How the earlier import was made, in words, for each choice made now that differs
    from it ("whose dates were read month-first", "imported with the event title 'Gala'")."""
    if options is None:
        return []
    now = options.to_json()
    # imports from before the date order was recorded read numeric dates month-first
    before = {**earlier, "date_order": earlier.get("date_order") or "mdy",
              "fill_down": earlier.get("fill_down", True)}
    words = []
    for key, label in _CHOICES.items():
        value, was = now.get(key), before.get(key)
        if key == "fill_down":       # on by default: turning it on again is a choice too
            if value != was:
                words.append("imported with grouping columns filled down" if was
                             else "imported with fill-down turned off")
            continue
        if not value or value == was:
            continue
        if key == "header_row":
            words.append(f"whose header was read from row {was}" if was
                         else "imported without a header row given")
        elif key == "date_order":
            words.append(f"whose dates were read {ORDER_WORDS.get(str(was), was)}")
        elif isinstance(value, bool):
            words.append(f"imported without {label}")
        elif not was:
            words.append(f"imported without an {label} given")
        else:
            words.append(f"imported with the {label} {was!r}")
    return words


MAPPING_CHANGES = 6      # the changed fields a note names, at most


def _changed_mapping(earlier: dict[str, Any], was: dict[str, str],
                     now: dict[str, str]) -> str | None:
    """How the earlier import mapped the file's columns, in words, when the mapping used
    now (*now*, field -> column) differs from the one it used (*was*): "whose columns were
    mapped differently (starts_at: 'Date' → 'Shift date')" — "mapped automatically" when
    the earlier import had no mapping of the analyst's (imports from before the mapping was
    recorded count as that). None when both map every field to the same column, however
    either mapping was written."""
    order = list(dict.fromkeys(f for kind in FIELDS.values() for f in kind))
    fields = sorted(was.keys() | now.keys(),
                    key=lambda f: (order.index(f) if f in order else len(order), f))
    moves = [f"{f}: {_column(was.get(f))} → {_column(now.get(f))}" for f in fields
             if (was.get(f) or None) != (now.get(f) or None)]
    if not moves:
        return None
    how = "differently" if earlier.get("mapping") else "automatically"
    shown = "; ".join(moves[:MAPPING_CHANGES]) + (" …" if len(moves) > MAPPING_CHANGES else "")
    return f"whose columns were mapped {how} ({shown})"


def _column(column: str | None) -> str:
    return repr(column) if column else "not mapped"


def content_digest(data: bytes, table: reader.RawTable) -> str:
    """The import's identity: the file's sha256, plus the sheet when a workbook has several
    (so each sheet of one workbook can be imported once)."""
    if table.sheet is None:
        return sha256(data)
    return sha256(data + b"\x00sheet:" + table.sheet.encode("utf-8"))


def _failed(file_name: str, options: ImportOptions, message: str) -> ImportResult:
    return ImportResult(file_name=file_name, kind=options.kind, source=options.source,
                        status="failed", message=message)


def import_bytes(con: duckdb.DuckDBPyConnection, data: bytes, file_name: str,
                 options: ImportOptions | None = None) -> ImportResult:
    """Import an uploaded file's bytes; never raises for bad input (status 'failed')."""
    return import_uploads(con, [(file_name, data)], options)[0]


def import_uploads(con: duckdb.DuckDBPyConnection, uploads: list[tuple[str, bytes]],
                   options: ImportOptions | None = None,
                   layouts: Sequence[FileLayout | None] | None = None) -> list[ImportResult]:
    """Import several uploaded files (name, bytes) with the same options; *layouts*, one
    per upload (or None), gives a file its own header row and fill-down (see
    :func:`file_options`).

    Files that belong together are imported as one: Mobilize's timeslots and events
    tables are joined to the participations file of the same call (one result,
    named "participations.csv + timeslots.csv + events.csv"). Never raises for bad
    input: each file or bundle gets a result, in upload order.

    A big generic CSV upload (see :func:`import_files`) is written to a temporary file
    and read by DuckDB — same results, without the Python reader's minute and gigabytes
    for 100 MB; such files are imported first."""
    options = options or ImportOptions()
    layouts = list(layouts or [None] * len(uploads))
    results: dict[int, ImportResult] = {}
    for i, (name, data) in enumerate(uploads):
        result = _import_fast_upload(con, data, name, file_options(options, layouts[i]))
        if result is not None:
            results[i] = result
    return _import_uploads(con, uploads, options, results, layouts)


def file_options(options: ImportOptions, layout: FileLayout | None) -> ImportOptions:
    """The options of one file of a call: the call's, with the file's own header row and
    fill-down (a FileLayout's None keeps the call's)."""
    if layout is None:
        return options
    return replace(options,
                   header_row=layout.header_row if layout.header_row is not None
                   else options.header_row,
                   fill_down=layout.fill_down if layout.fill_down is not None
                   else options.fill_down)


def _import_uploads(con: duckdb.DuckDBPyConnection, uploads: list[tuple[str, bytes]],
                    options: ImportOptions, results: dict[int, ImportResult],
                    layouts: Sequence[FileLayout | None] | None = None,
                    ) -> list[ImportResult]:
    """:func:`import_uploads` with the Python reader, of the uploads *results* lacks. Each
    file is read with its own options (:func:`file_options`); the options of a bundle's
    import are its main file's, and the notes of the files joined to it (their header
    row, fill-down …) are added to its notes under their names."""
    results = dict(results)
    layouts = list(layouts or [None] * len(uploads))
    read: list[tuple[int, reader.RawTable]] = []
    used: dict[int, ImportOptions] = {}
    for i, (name, data) in enumerate(uploads):
        if i in results:
            continue
        own = layouts[i]
        call_wide = (len(uploads) > 1 and options.header_row is not None
                     and (own is None or own.header_row is None))
        try:
            table, used[i] = _read_upload(data, name, file_options(options, own), call_wide)
            read.append((i, table))
        except reader.ReadError as exc:
            results[i] = _failed(name, options, str(exc))
    for main, companions in adapters.bundle([t for _, t in read], options.source):
        i, table = read[main]
        parts = [i] + [read[c][0] for _, c in sorted(companions.items())]
        name = " + ".join(uploads[k][0] for k in parts)
        digest = (content_digest(uploads[i][1], table) if len(parts) == 1
                  else sha256("".join(sha256(uploads[k][1]) for k in parts).encode()))
        joined = [(uploads[read[c][0]][0], read[c][1]) for _, c in sorted(companions.items())]
        table = replace(table, notes=table.notes + [f"{part}: {note}" for part, t in joined
                                                    for note in t.notes])
        try:
            adapted, opts = _adapt(table, used[i], uploads[i][0],
                                   {role: read[c][1] for role, c in companions.items()})
            results[i] = _with_duplicates(con, import_table(con, adapted, name, digest, opts))
        except (reader.ReadError, ImportFailed, adapters.AdapterError) as exc:
            results[i] = _failed(name, options, str(exc))
            if isinstance(exc, DateOrderNeeded):
                results[i].needs = "date_order"
            elif isinstance(exc, adapters.EventDatesNeeded):
                results[i].needs, results[i].undated = "event_dates", exc.events
    return [results[i] for i in sorted(results)]


def _read_upload(data: bytes, name: str, options: ImportOptions,
                 call_wide: bool) -> tuple[reader.RawTable, ImportOptions]:
    """The upload read with the header row and fill-down of *options*, and the options it
    was read with. A header row given for every file of a call of several (*call_wide*:
    not the file's own) is not applied to a file that is, under the header the reader finds
    itself on another row, a table joined to another file (Mobilize's timeslots or events
    table, a contacts or jobs/shifts extract): that row was meant for the file it is joined
    to, and would make it unreadable; the file keeps its own header, noted. (Such a call
    reads each file once more, to find its own header.)"""
    if call_wide and options.header_row is not None and options.kind == "participation":
        try:
            found: reader.RawTable | None = reader.read_bytes(data, name, options.sheet,
                                                              None, options.fill_down)
        except reader.ReadError:
            found = None
        what = _joined_as(found) if found is not None else None
        if found is not None and what and found.header_line != options.header_row:
            note = (f"header row {options.header_row}, given for every file, not applied: "
                    f"this file is {what}, joined to another file of the import, and its "
                    f"header was found on row {found.header_line} (choose its own row with "
                    f"--header-row {name}=N)")
            return (replace(found, notes=[*found.notes, note]),
                    replace(options, header_row=None))
    return (reader.read_bytes(data, name, options.sheet, options.header_row, options.fill_down),
            options)


def _joined_as(table: reader.RawTable) -> str | None:
    """What *table* is when it looks like a table joined to another file of a call, in
    words ("Mobilize's timeslots table", "a contacts extract"); None otherwise."""
    role = adapters.companion_role(table)
    if role is not None:
        return f"Mobilize's {role} table"
    extract = adapters.companions_module.kind(table)
    if extract is not None:
        return f"a {adapters.companions_module.ROLE_WORDS[extract]} extract"
    return None


def _import_fast_upload(con: duckdb.DuckDBPyConnection, data: bytes, name: str,
                        options: ImportOptions) -> ImportResult | None:
    """:func:`_import_fast` of uploaded bytes (through a temporary file); None when the
    upload is not a big generic CSV file or is over the upload limit (the Python reader
    then refuses it)."""
    if len(data) > reader.max_upload_bytes():
        return None
    head = reader.fast_csv_head(data[:reader.HEAD_BYTES], len(data), name)
    if head is None or _fast_options(head.table, options, name) is None:
        return None
    with tempfile.TemporaryDirectory(prefix="engage-upload-") as tmp:
        path = Path(tmp) / "upload.csv"
        path.write_bytes(data)
        return _import_fast(con, path, name, options)


def _fast_options(table: reader.RawTable, options: ImportOptions,
                  name: str) -> ImportOptions | None:
    """The options the generic adapter gives a file starting like *table*; None when
    another adapter would read it (its source, or auto-detection on its first lines), or
    when the header row or the fill-down is the analyst's choice (the Python reader
    applies those)."""
    if options.header_row is not None or not options.fill_down:
        return None
    if options.source == "auto":
        # Zoom's sniff reads on past a meeting header for the participant table, which
        # could lie beyond the first lines: such a header keeps the Python reader
        zoom_probe = replace(table, text="Name (Original Name),Join Time,Leave Time")
        if (adapters.detect(table) is not adapters.GENERIC
                or adapters.companion_role(table) is not None
                or adapters.detect(zoom_probe) is not adapters.GENERIC):
            return None
    elif adapters.ADAPTERS.get(options.source, adapters.GENERIC) is not adapters.GENERIC:
        return None
    try:
        adapted, opts = _adapt(table, options, name)
    except adapters.AdapterError:
        return None
    return opts if adapted is table else None


def _adapt(table: reader.RawTable, options: ImportOptions, name: str,
           companions: dict[str, reader.RawTable] | None = None,
           ) -> tuple[reader.RawTable, ImportOptions]:
    """adapters.adapt, keeping the analyst's own mapping (``options.mapping`` before the
    adapter fills it in) as ``analyst_mapping``: a choice of the import, recorded and
    compared on a re-import of the same file."""
    adapted, opts = adapters.adapt(table, options, name, companions)
    return adapted, replace(opts, analyst_mapping=options.mapping or None)


def _import_fast(con: duckdb.DuckDBPyConnection, path: Path, name: str,
                 options: ImportOptions) -> ImportResult | None:
    """Import a big generic CSV file read by DuckDB (reader.load_fast_csv) — the same
    result as the Python reader's, without a pandas frame of the file. None when the file
    does not qualify or its reading could differ: the caller then uses the Python reader."""
    try:
        size = path.stat().st_size
        head = (reader.fast_csv_head(reader.read_head(path), size, name)
                if size >= reader.fast_csv_min_bytes() else None)
    except OSError:
        return None
    if head is None:
        return None
    opts = _fast_options(head.table, options, name)
    if opts is None:
        return None
    try:
        mapping = _mapping(head.table, opts)
    except ImportFailed:
        return None        # the Python reader reports it (after any error reading the file)
    try:
        loaded = reader.load_fast_csv(con, path, head)
    except OSError:
        return None
    if loaded is None:
        return None
    try:
        kept = _src_from_csv(con, loaded, mapping, opts)
        reader.drop_fast_csv(con)          # src has what staging needs: free the cells
        if kept == 0:      # only blank, totals or footer rows: the Python reader says so
            return None
        result = ImportResult(file_name=name, kind=opts.kind, source=opts.source,
                              status="failed", rows_read=loaded.rows_read,
                              skipped=loaded.rows_read - kept, read_by="duckdb",
                              header_row=loaded.table.header_line,
                              mapping=mapping.to_json())
        if _is_duplicate(con, loaded.sha256, result, opts):
            return result
        result.notes = _notes(loaded.table, mapping, opts) + result.notes
        try:
            staged = _stage_src(con, mapping, opts, lambda lines: reader.read_lines(path, lines),
                                result)
        except ImportFailed as exc:     # as the Python reader's failure says it
            failed = _failed(name, options, str(exc))
            failed.needs = "date_order" if isinstance(exc, DateOrderNeeded) else ""
            failed.read_by = "duckdb"
            return failed
        return _with_duplicates(con, _land(con, result, *staged, name, loaded.sha256, opts))
    finally:
        for table in ("src", "staged"):
            con.execute(f"DROP TABLE IF EXISTS {table}")  # noqa: S608 - fixed temp table names
        reader.drop_fast_csv(con)


def _src_from_csv(con: duckdb.DuckDBPyConnection, loaded: reader.FastCsv, mapping: Mapping,
                  options: ImportOptions) -> int:
    """The temp table `src` (prepare's frame: one text column per canonical field, _line,
    _raw NULL, _overflow false) straight from the fast reader's rows; its row count."""
    fields = ", ".join((loaded.column(mapping.fields[f]) if f in mapping.fields
                        else "NULL::VARCHAR") + f" AS {f}" for f in FIELDS[options.kind])
    rows, params = loaded.rows_sql()
    con.execute(f"CREATE OR REPLACE TEMP TABLE src AS SELECT {fields}, _line, "  # noqa: S608
                f"NULL::VARCHAR AS _raw, false AS _overflow, NULL::VARCHAR AS _unsaved, "
                f"NULL::VARCHAR AS _lost FROM ({rows}) AS r", params)
    return con.execute("SELECT COUNT(*) FROM src").fetchall()[0][0]


def _with_duplicates(con: duckdb.DuckDBPyConnection, result: ImportResult) -> ImportResult:
    """List the suspected duplicates (same name, different identifiers) among the
    people this import touched, for the analyst to merge or keep apart."""
    if result.status == "imported" and result.kind == "participation":
        from engage_metrics import quality

        result.duplicates = quality.suspected_duplicates(con, result.import_id)
        if len(result.duplicates):
            result.notes.append(f"{len(result.duplicates)} suspected duplicate(s): same name, "
                                "different email/phone/id — review them on the Data page")
    return result


def import_files(con: duckdb.DuckDBPyConnection, paths: Iterable[str | Path],
                 options: ImportOptions | None = None,
                 layouts: Sequence[FileLayout | None] | None = None) -> list[ImportResult]:
    """Import several files with the same options; one result per file (or per
    bundle of files joined together, see :func:`import_uploads`). *layouts*, one per
    path (or None), gives a file its own header row and fill-down (:func:`file_options`).

    A big generic CSV/TSV file (at least reader.fast_csv_min_bytes(), ENGAGE_FAST_CSV_MB,
    8 MB by default; UTF-8; source generic, a custom label, or auto-detected as generic)
    is read by DuckDB's read_csv straight from disk, with the same results as the Python
    reader (rows, rejections with their line numbers and text, notes, sha256 identity) —
    or, when anything could differ, by the Python reader after all. Those files are
    imported first; the results of unreadable files come first, then the fast ones, then
    the others in order. DuckDB streams the file from disk, so the upload limit
    (ENGAGE_MAX_UPLOAD_MB) applies only to files the Python reader must hold in memory."""
    options = options or ImportOptions()
    unreadable: list[ImportResult] = []
    fast: list[ImportResult] = []
    slow: list[tuple[Path, FileLayout | None]] = []
    files = [Path(p) for p in paths]
    own = list(layouts or [None] * len(files))
    joins = _has_companion(files)    # then every file goes through the bundling reader
    for path, layout in zip(files, own, strict=True):
        result = (None if joins else
                  _import_fast(con, path, path.name, file_options(options, layout)))
        if result is not None:
            fast.append(result)
            continue
        try:
            reader.check_size(path.stat().st_size, path.name)   # before reading it
        except reader.ReadError as exc:
            unreadable.append(_failed(path.name, options, str(exc)))
            continue
        except OSError as exc:
            unreadable.append(_failed(path.name, options,
                                      f"cannot read the file ({exc.strerror})"))
            continue
        slow.append((path, layout))
    uploads: list[tuple[str, bytes]] = []
    slow_layouts: list[FileLayout | None] = []
    for path, layout in slow:
        try:
            uploads.append((path.name, path.read_bytes()))
            slow_layouts.append(layout)
        except OSError as exc:
            unreadable.append(_failed(path.name, options,
                                      f"cannot read the file ({exc.strerror})"))
    return unreadable + fast + _import_uploads(con, uploads, options, {}, slow_layouts)


def _has_companion(paths: list[Path]) -> bool:
    """Whether a file of a call of several looks like a contacts or jobs/shifts extract
    (read from its first lines), to be joined to the participation file it belongs to."""
    if len(paths) < 2:
        return False
    for path in paths:
        try:
            head = reader.read_head(path)
            if len(head) == reader.HEAD_BYTES:          # whole lines only
                head = head[:head.rfind(b"\n") + 1]
            table = reader.read_bytes(head, path.name)
        except (OSError, reader.ReadError):
            continue
        if adapters.companions_module.kind(table) is not None:
            return True
    return False


def import_frame(con: duckdb.DuckDBPyConnection, df: pd.DataFrame, file_name: str,
                 kind: str = "participation", source: str = "generic",
                 mapping: dict[str, str] | None = None,
                 treat_registered_as_attended: bool = False) -> ImportResult:
    """Import a DataFrame as if it were a CSV file (used by the demo and tests)."""
    data = df.to_csv(index=False).encode("utf-8")
    options = ImportOptions(kind=kind, source=source, mapping=mapping,
                            treat_registered_as_attended=treat_registered_as_attended)
    result = import_bytes(con, data, file_name, options)
    if result.status == "failed":
        raise ImportFailed(result.message)
    return result


def undo_import(con: duckdb.DuckDBPyConnection, import_id: int) -> None:
    """Remove exactly what an import added (its journal rows) and update what it touched."""
    row = con.execute("SELECT kind FROM import_log WHERE import_id = $id",
                      {"id": import_id}).fetchone()
    if row is None:
        raise ValueError(f"there is no import #{import_id}")
    with transaction(con):
        _delete_journal(con, import_id)
        resolve.update(con, [import_id])
        bump_data_version(con)


def _delete_journal(con: duckdb.DuckDBPyConnection, import_id: int) -> None:
    """Delete one import's journal rows (inside the caller's transaction)."""
    row = con.execute("SELECT kind FROM import_log WHERE import_id = $id",
                      {"id": import_id}).fetchone()
    if row is None:
        return
    resolve.forget_import(con, import_id)
    con.execute(f"DELETE FROM {RAW_TABLE[row[0]]} WHERE import_id = $id",  # noqa: S608
                {"id": import_id})
    con.execute("DELETE FROM rejected_row WHERE import_id = $id", {"id": import_id})
    con.execute("DELETE FROM import_log WHERE import_id = $id", {"id": import_id})


def import_history(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return con.execute(
        "SELECT import_id, imported_at, file_name, kind, source, rows_read, rows_accepted, "
        "rows_rejected, rows_skipped, sha256 FROM import_log ORDER BY import_id DESC").df()


def rejected_rows(con: duckdb.DuckDBPyConnection, import_id: int | None = None) -> pd.DataFrame:
    return con.execute(
        "SELECT import_id, line_no, reason, raw FROM rejected_row "
        "WHERE $id IS NULL OR import_id = $id ORDER BY import_id, line_no",
        {"id": import_id}).df()
