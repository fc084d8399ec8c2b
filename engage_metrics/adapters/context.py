"""Events from context: the event of a row when the file does not say it in columns.

Applied after every adapter (the generic one included), on the mapping it resolved:

- **Dates, no event column** (a sign-in list: Date, Name, Email …; a name column or the
  analyst's event title is needed, as emails and dates alone may be a people list): one
  event occurrence per date (and program), titled from the analyst's event title, else
  the sheet's name, else the file's name, tidied ("spring_cleanup_signin (1).csv" ->
  "Spring cleanup signin").
- **Events, no date column** (a report naming several events): never collapsed onto one
  date. Each event's date comes from the analyst's event-date list, else from its name
  ("Canvass – Sat Feb 17", "Phone bank 3/14", "Feb 17 cleanup"), the year from related
  dates in the rows (an RSVP or registration date, which comes before the event: the
  first year that puts the event on or after the earliest of them), else from the
  analyst's event date; an event with no date found stops the import, naming it.
- **Neither** but the analyst's event date: one event for the whole file.
- **No date column, but each row's own time in with its date** (a meeting's participant
  report: Join Time / Leave Time): the row's date is its time in's date (the time in
  column also feeds the start date), and events are one per date — a person's join time
  is not the event's start.

Every such choice is a note of the import.
"""
from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd

from engage_metrics.adapters.base import (
    AdapterError,
    Context,
    norm_words,
    title_from_file_name,
    with_columns,
)
from engage_metrics.mapping import MappingError, auto_map, norm_header, resolve_mapping
from engage_metrics.reader import RawTable

MACROS = Path(__file__).resolve().parents[1] / "sql" / "import" / "macros.sql"
TITLE_COLUMN = "Engage event title"
DATE_COLUMN = "Engage event date"
MAX_NAMED = 10
# columns holding a date before the event (normalized header contains one of these)
_RELATED = ("rsvp", "registered", "registration", "signedup", "signup", "created", "submitted",
            "timestamp", "orderdate", "ordered", "responded", "booked", "joined")

_MONTHS = {m.lower(): i for i, m in enumerate(calendar.month_name) if m}
_MONTHS.update({m.lower(): i for i, m in enumerate(calendar.month_abbr) if m})
_MONTHS["sept"] = 9
_MONTH = r"(?P<month>" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_DAY = r"(?P<day>\d{1,2})(?:st|nd|rd|th)?"
_YEAR = r"(?:,?\s+(?P<year>(?:19|20)\d{2}))?"
_NAME_DATES = [
    re.compile(r"\b(?P<year>(?:19|20)\d{2})-(?P<month>\d{1,2})-(?P<day>\d{1,2})\b"),
    re.compile(rf"\b{_MONTH}\s+{_DAY}\b{_YEAR}", re.IGNORECASE),
    re.compile(rf"\b{_DAY}\s+{_MONTH}\b{_YEAR}", re.IGNORECASE),
]
_NUMERIC = re.compile(r"(?<![\d/])(?P<a>\d{1,2})/(?P<b>\d{1,2})(?:/(?P<year>\d{4}|\d{2}))?"
                      r"(?![\d/])")


@dataclass(frozen=True)
class NameDate:
    """A date read from an event's name; year None when the name gives none."""

    month: int
    day: int
    year: int | None


def tidy_title(file_name: str) -> str:
    """An event title from a file name: 'spring_cleanup_signin (1).csv' -> 'Spring cleanup
    signin' (extension, copy numbers and underscores removed; a lower-case name
    capitalized)."""
    stem = title_from_file_name(file_name)
    stem = re.sub(r"(\s*\(\d+\)|\s+copy)+$", "", stem, flags=re.IGNORECASE)
    stem = re.sub(r"[_\s]+", " ", stem).strip(" -_.")
    if stem and stem == stem.lower():
        stem = stem[0].upper() + stem[1:]
    return stem or file_name


def name_date(name: str) -> NameDate | str | None:
    """The date written inside an event's name; None when it has none, a reason (text)
    when what is written cannot be read as one date (3/4: 3 April or 4 March?)."""
    for pattern in _NAME_DATES:
        m = pattern.search(name)
        if m is None:
            continue
        month_text = m.group("month")
        month = int(month_text) if month_text.isdigit() else _MONTHS[month_text.lower()]
        return _checked(month, int(m.group("day")), m.group("year"), m.group(0))
    m = _NUMERIC.search(name)
    if m is None:
        return None
    a, b = int(m.group("a")), int(m.group("b"))
    if a > 12 >= b:
        return _checked(b, a, m.group("year"), m.group(0))
    if b > 12 >= a:
        return _checked(a, b, m.group("year"), m.group(0))
    if a == b:
        return _checked(a, b, m.group("year"), m.group(0))
    return (f"'{m.group(0)}' could be month/day or day/month")


def _checked(month: int, day: int, year: str | None, text: str) -> NameDate | str:
    y = None if year is None else int(year) + (2000 if len(year) == 2 else 0)
    try:
        date(y or 2000, month, day)        # 2000 is a leap year: Feb 29 without a year is fine
    except ValueError:
        return f"'{text}' is not a date"
    return NameDate(month, day, y)


def _first_on_or_after(nd: NameDate, after: date) -> date:
    for year in range(after.year, after.year + 9):
        try:
            candidate = date(year, nd.month, nd.day)
        except ValueError:
            continue                       # Feb 29 outside a leap year
        if candidate >= after:
            return candidate
    raise ValueError("no year")            # unreachable: a leap year comes within 8 years


def apply(table: RawTable, mapping: dict[str, str], ctx: Context,
          event_dates: dict[str, str] | None) -> tuple[RawTable, dict[str, str], bool]:
    """The table and mapping with the events made from context, and whether events are
    one per date (the importer keys such events on the date, not the minute)."""
    if ctx.kind != "participation":
        return table, mapping, False
    try:
        fields = resolve_mapping(table.columns, ctx.kind, mapping).fields
    except MappingError:
        return table, mapping, False       # the importer names the mistake
    has_event = "title" in fields or "event_id" in fields
    has_date = "starts_at" in fields
    has_person = any(f in fields for f in ("email", "phone", "external_id", "first_name",
                                           "last_name", "full_name"))
    if not has_person:
        return table, mapping, False
    # a file dated by each row's own time in: events are one per date, not per join time
    time_in = _time_in_column(table, mapping, fields)
    by_time_in = bool(time_in) and fields.get("starts_at") == time_in
    if by_time_in:                    # the analyst's mapping gave the time in as the date
        table = with_columns(table, notes=[f"the start date {time_in!r} is each row's own "
                                           "time in: events are one per date"])
    elif time_in and not has_date and _holds_dates(table.rows[time_in]):
        table, mapping = _dated_by_time_in(table, mapping, ctx, time_in, has_event)
        has_date = by_time_in = True
    # a sign-in list writes names down; emails and dates alone may be a people or
    # subscription list, so without a name column only an event title given makes events
    named = any(f in fields for f in ("full_name", "first_name", "last_name"))
    if has_date and not has_event and (named or ctx.event_title):
        return _per_date(table, mapping, ctx, "program" in fields)
    if has_event and not has_date:
        table, mapping = _from_names(table, mapping, fields, ctx, event_dates or {})
        return table, mapping, False
    if not has_event and not has_date and ctx.event_date:
        title = ctx.event_title or tidy_title(ctx.file_name)
        table = with_columns(table, event_title=title, event_date=ctx.event_date,
                             notes=[f"no event or date column: one event for the whole file, "
                                    f"{title!r} on {ctx.event_date}"])
        return table, {**mapping, "title": TITLE_COLUMN, "starts_at": DATE_COLUMN}, False
    return table, mapping, by_time_in


def _time_in_column(table: RawTable, mapping: dict[str, str],
                    fields: dict[str, str]) -> str | None:
    """The column of each row's own time in: mapped, or found by its header even where the
    hours column or a missing time out leaves it unmapped (hours are not read from it then,
    but it may still date the rows); None when the mapping unmaps it."""
    if "time_in" in mapping:
        return mapping["time_in"] or None
    return fields.get("time_in") or auto_map(table.columns, "participation").get("time_in")


def _holds_dates(values: pd.Series) -> bool:
    """Whether a time in column writes dates with its times ("3/9/2024 6:02 PM", not only
    "6:02 PM"): some value reads as a date by the import's macro parse_ts, day-first or
    month-first (the import decides the order from the values afterwards)."""
    texts = values.fillna("").str.strip()
    sample = pd.DataFrame({"raw": texts[texts.ne("")].drop_duplicates().head(200)}, dtype=object)
    if sample.empty:
        return False
    with duckdb.connect() as con:
        con.execute(MACROS.read_text())
        con.register("time_in_frame", sample)
        row = con.execute(
            "SELECT bool_or(parse_ts(raw, 'UTC', 'mdy') IS NOT NULL "
            "OR parse_ts(raw, 'UTC', 'dmy') IS NOT NULL) FROM time_in_frame").fetchone()
    return bool(row and row[0])


def _dated_by_time_in(table: RawTable, mapping: dict[str, str], ctx: Context, time_in: str,
                      has_event: bool) -> tuple[RawTable, dict[str, str]]:
    note = (f"no date column: each row is dated by its own time in, {time_in!r}; events are "
            "one per date (a person's time in and out are theirs, not the event's start and "
            "end)")
    if ctx.event_date and has_event:     # without an event column, _per_date says so
        note += "; the event date given is not used (the file has its own dates)"
    return with_columns(table, notes=[note]), {**mapping, "starts_at": time_in}


def _title(ctx: Context, sheet: str | None) -> tuple[str, str]:
    if ctx.event_title:
        return ctx.event_title, "the event title given"
    if sheet and not re.fullmatch(r"(sheet|feuil|hoja|tabelle|blad)\s*\d*", sheet.strip(),
                                  re.IGNORECASE):
        return sheet.strip(), "from the sheet name"
    return tidy_title(ctx.file_name), "from the file name"


def _per_date(table: RawTable, mapping: dict[str, str], ctx: Context,
              has_program: bool) -> tuple[RawTable, dict[str, str], bool]:
    title, origin = _title(ctx, table.sheet)
    per = "one event per date and program" if has_program else "one event per date"
    note = f"no event column: {per}, titled {title!r} ({origin})"
    if ctx.event_date:
        note += "; the event date given is not used (the file has its own dates)"
    table = with_columns(table, event_title=title, notes=[note])
    return table, {**mapping, "title": TITLE_COLUMN}, True


def _from_names(table: RawTable, mapping: dict[str, str], fields: dict[str, str], ctx: Context,
                event_dates: dict[str, str]) -> tuple[RawTable, dict[str, str]]:
    if "title" not in fields:
        ids = table.rows[fields["event_id"]].fillna("").str.strip()
        names = sorted(set(ids) - {""})
        if len(names) == 1 and ctx.event_date:
            return _one_event(table, mapping, ctx, names[0])
        raise AdapterError(_needs_dates(names, "event ids", "no event names to read dates from"))
    titles = table.rows[fields["title"]].fillna("").str.strip()
    names = sorted(set(titles) - {""})
    if len(names) == 1 and ctx.event_date and norm_words(names[0]) not in _norm_keys(event_dates):
        return _one_event(table, mapping, ctx, names[0])
    given = _norm_keys(event_dates)
    dated: dict[str, str] = {}
    undated: dict[str, str] = {}
    read: dict[str, NameDate] = {}
    for name in names:                        # distinct names: few, whatever the file's size
        if norm_words(name) in given:
            dated[name] = given[norm_words(name)]
            continue
        found = name_date(name)
        if isinstance(found, NameDate):
            read[name] = found
        else:
            undated[name] = found or "no date in its name"
    notes = []
    if dated:
        notes.append(f"dates of {len(dated)} event(s) from the event-date list")
    needs_year = {n: d for n, d in read.items() if d.year is None}
    for name, nd in read.items():
        if nd.year is not None:
            dated[name] = date(nd.year, nd.month, nd.day).isoformat()
    if needs_year:
        years, how = _years(table, fields["title"], needs_year, ctx)
        for name in needs_year:
            if name in years:
                dated[name] = years[name].isoformat()
            else:
                undated[name] = "no year: no related date (RSVP, registration) and no event date"
        if how:
            notes.append(how)
    if undated:
        raise EventDatesNeeded(_needs_dates(sorted(undated), "events", ""), sorted(undated))
    if read:
        shown = "; ".join(f"{n!r} -> {dated[n]}" for n in sorted(read)[:5])
        notes.insert(0, f"no date column: the dates of {len(read)} event(s) read from their "
                        f"names ({shown}{' …' if len(read) > 5 else ''})")
    table = with_columns(table, event_date=titles.map(dated).fillna(""), notes=notes)
    return table, {**mapping, "starts_at": DATE_COLUMN}


def _one_event(table: RawTable, mapping: dict[str, str], ctx: Context,
               name: str) -> tuple[RawTable, dict[str, str]]:
    table = with_columns(table, event_date=ctx.event_date,
                         notes=[f"no date column: the file's one event {name!r} is on the "
                                f"event date given, {ctx.event_date}"])
    return table, {**mapping, "starts_at": DATE_COLUMN}


class EventDatesNeeded(AdapterError):
    """A report names events that have no date (in a column, their names or the event-date
    list): *events* are their names as the file writes them, for the Data page's table."""

    def __init__(self, message: str, events: list[str]) -> None:
        super().__init__(message)
        self.events = events


def _norm_keys(event_dates: dict[str, str]) -> dict[str, str]:
    return {norm_words(k): v for k, v in event_dates.items() if norm_words(k)}


def _needs_dates(names: list[str], what: str, why: str) -> str:
    shown = ", ".join(repr(n) for n in names[:MAX_NAMED])
    more = f" and {len(names) - MAX_NAMED} more" if len(names) > MAX_NAMED else ""
    return (f"could not find a date column, and {len(names)} of the file's {what} have no "
            f"date{' (' + why + ')' if why else ''}: {shown}{more}. Give each event's date in "
            "an event-date file (--event-dates FILE, a CSV with the columns event and date), "
            "or map them to a date column on the Data page or with --mapping; events are "
            "never put on one date by guessing.")


def _years(table: RawTable, title_col: str, needs_year: dict[str, NameDate],
           ctx: Context) -> tuple[dict[str, date], str]:
    """The date of each event whose name gives no year: the first on or after the earliest
    related date (RSVP, registration …) of its rows, else in the event date's year."""
    related = [c for c in table.columns if c != title_col
               and any(k in norm_header(c) for k in _RELATED)]
    earliest: dict[str, date] = {}
    fallback: date | None = None
    with duckdb.connect() as con:
        con.execute(MACROS.read_text())
        if related:
            pairs = pd.concat([pd.DataFrame({"name": table.rows[title_col].fillna("").str.strip(),
                                             "raw": table.rows[c].fillna("").str.strip()})
                               for c in related], ignore_index=True)
            pairs = pairs[pairs["name"].isin(list(needs_year)) & pairs["raw"].ne("")]
            con.register("related_frame", pairs.drop_duplicates())
            earliest = {r[0]: r[1] for r in con.execute(
                "SELECT name, CAST(MIN(parse_ts(raw, 'UTC', $ord)) AS DATE) FROM related_frame "
                "GROUP BY name HAVING MIN(parse_ts(raw, 'UTC', $ord)) IS NOT NULL",
                {"ord": ctx.date_order}).fetchall()}
        if ctx.event_date:
            row = con.execute("SELECT CAST(parse_ts($d, 'UTC', $ord) AS DATE)",
                              {"d": ctx.event_date.strip(), "ord": ctx.date_order}).fetchone()
            fallback = row[0] if row else None
    out: dict[str, date] = {}
    from_related = from_given = 0
    for name, nd in needs_year.items():
        if name in earliest:
            out[name] = _first_on_or_after(nd, earliest[name])
            from_related += 1
        elif fallback is not None:
            try:
                out[name] = date(fallback.year, nd.month, nd.day)
                from_given += 1
            except ValueError:
                continue
    parts = []
    if from_related:
        parts.append(f"the year of {from_related} event(s) from the earliest "
                     f"{' / '.join(repr(c) for c in related)} of its rows (the first year "
                     "that puts the event on or after it)")
    if from_given:
        parts.append(f"the year of {from_given} event(s) from the event date given "
                     f"({fallback})")
    return out, "; ".join(parts)
