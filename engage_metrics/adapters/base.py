"""The adapter interface and the helpers the tool adapters share.

An adapter recognizes a tool's export from its header (``required`` groups of
normalized header names, or ``sniff`` for exports with a preamble), maps the
tool's columns to canonical fields (candidate headers in priority order), maps
the tool's status words to the canonical four with an explicit table (a
:func:`reject` value turns a status into a rejected row with that reason), and
may transform the read table first (joins, preambles, name splitting).
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace

import pandas as pd

from engage_metrics.mapping import FIELDS, norm_header
from engage_metrics.reader import RawTable

CANONICAL_STATUSES = ("registered", "attended", "no_show", "cancelled")
REJECT = "reject:"


class AdapterError(ValueError):
    """The file is recognizably from a tool but cannot be imported as it is;
    the message says what to add or do."""


def reject(reason: str) -> str:
    """A status-table value that rejects the row with *reason* instead of guessing."""
    return REJECT + reason


def norm_words(text: str) -> str:
    """Python twin of the SQL macro norm_words: the form status words are compared in."""
    text = unicodedata.normalize("NFKD", text.lower())
    text = "".join(c for c in text if not unicodedata.combining(c))
    return re.sub(r"[^a-z0-9]+", " ", text).strip()


_ID_LIKE = re.compile(r"[\s0-9.,#_/-]+|[A-Za-z]{1,5}\s?[-_#:]?\s?[0-9]{2,}|"
                      r"(?=.*[0-9])[A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?")


def id_like(values: pd.Series) -> pd.Series:
    """Python twin of the SQL macro id_like_name: the values that are a record id or an
    autonumber ("a0B5e00000XyZ12", "VH-000123", "4401"), not a name."""
    return values.fillna("").str.strip().str.fullmatch(_ID_LIKE)


@dataclass(frozen=True)
class Context:
    """What an adapter may know besides the table: the file name, companion
    tables imported in the same call, the kind of file, the analyst's
    file-level event (for exports that are one event's list) and event-date list."""

    file_name: str = ""
    kind: str = "participation"
    companions: Mapping[str, RawTable] = field(default_factory=dict)
    event_title: str | None = None
    event_date: str | None = None
    # the analyst's event-date list (event name or id -> date), for exports naming events
    # by id alone (Action Network's attendances)
    event_dates: Mapping[str, str] | None = None
    # how numeric dates read where the adapters parse one themselves (the year of an event
    # named without one): the analyst's --date-order, else the tool's, else month-first
    date_order: str = "mdy"


Transform = Callable[[RawTable, Context], RawTable]


@dataclass(frozen=True)
class Adapter:
    name: str
    label: str
    # each group is a set of alternative normalized headers; every group must be present
    required: tuple[tuple[str, ...], ...] = ()
    # canonical field -> candidate normalized headers, first present wins ("~x": header
    # containing x); an empty tuple unmaps the field; fields not listed are auto-mapped
    mapping: dict[str, tuple[str, ...]] = field(default_factory=dict)
    statuses: dict[str, str] | None = None        # tool spelling -> canonical or reject(...)
    # the export has no status column: every row has this status word (RSVP lists)
    implied_status: str | None = None
    transform: Transform | None = None
    sniff: Callable[[RawTable], bool] | None = None
    notes: str = ""
    # the order of the tool's numeric dates (US tools write month-first); None: the file's
    date_order: str | None = "mdy"
    # the headers that mark the tool's export, as the tool spells them ("a|b": either;
    # "can2_*": any header starting so); a file no format fits is told the closest ones
    # and which of their headers it lacks (adapters.closest)
    signature: tuple[str, ...] = ()
    # the same export under its other column names (API fields, a SQL mirror, a data
    # loader), each its own signature: a file is compared with the form it is closest to
    other_signatures: tuple[tuple[str, ...], ...] = ()

    def matches(self, table: RawTable) -> bool:
        if self.sniff is not None:
            return self.sniff(table)
        return bool(self.required) and has_all(table.columns, self.required)

    def signature_fit(self, columns: list[str]) -> tuple[int, int, list[str]]:
        """(headers the file has, headers in the form, the ones it lacks) for the form of
        the tool's export the file is closest to (first form on a tie)."""
        best: tuple[int, int, list[str]] = (0, 0, [])
        for form in (self.signature, *self.other_signatures):
            if not form:
                continue
            missing = [h.split("|")[0] for h in form
                       if not has_all(columns, (tuple(norm_header(a) + ("*" if a.endswith("*")
                                                                        else "")
                                                      for a in h.split("|")),))]
            have = len(form) - len(missing)
            if not best[1] or have * best[1] > best[0] * len(form):
                best = (have, len(form), missing)
        return best

    def signature_missing(self, columns: list[str]) -> list[str]:
        """The signature headers *columns* lacks (each named by its first spelling), of the
        form of the export it is closest to."""
        return self.signature_fit(columns)[2]

    def status_words(self) -> dict[str, str] | None:
        """The status table keyed the way the SQL compares (norm_words)."""
        if self.statuses is None:
            return None
        return {norm_words(k): v for k, v in self.statuses.items()}

    def resolve(self, columns: list[str], kind: str) -> dict[str, str]:
        """The adapter's mapping against actual columns ("" unmaps a field)."""
        by_norm: dict[str, str] = {}
        for col in columns:
            by_norm.setdefault(norm_header(col), col)
        taken: set[str] = set()
        out: dict[str, str] = {}
        for fld, candidates in self.mapping.items():
            if fld not in FIELDS[kind]:
                continue
            if not candidates:
                out[fld] = ""
                continue
            found = _first_present(candidates, by_norm, taken)
            if found is not None:
                out[fld] = found
                taken.add(found)
        return out


def _first_present(candidates: tuple[str, ...], by_norm: dict[str, str],
                   taken: set[str]) -> str | None:
    for cand in candidates:
        if cand.startswith("~"):
            hit = next((c for n, c in by_norm.items() if cand[1:] in n and c not in taken), None)
        else:
            hit = by_norm.get(cand)
            hit = hit if hit not in taken else None
        if hit is not None:
            return hit
    return None


def has_all(columns: list[str], groups: tuple[tuple[str, ...], ...]) -> bool:
    """Every group has one of its headers (normalized; "x*" matches a prefix)."""
    have = {norm_header(c) for c in columns}
    def present(h: str) -> bool:
        return any(n.startswith(h[:-1]) for n in have) if h.endswith("*") else h in have
    return all(any(present(h) for h in group) for group in groups)


def column(table: RawTable, *candidates: str) -> pd.Series | None:
    """The first column whose normalized header is one of *candidates*."""
    by_norm: dict[str, str] = {}
    for col in table.columns:
        by_norm.setdefault(norm_header(col), col)
    for cand in candidates:
        if cand in by_norm:
            return table.rows[by_norm[cand]]
    return None


def first_filled(table: RawTable, *candidates: str) -> pd.Series:
    """Per row, the first non-blank value among the candidate columns ('' if none)."""
    out = pd.Series("", index=table.rows.index, dtype=object)
    for cand in reversed(candidates):
        col = column(table, cand)
        if col is not None:
            out = col.where(col.fillna("").ne(""), out)
    return out


def with_columns(table: RawTable, notes: list[str] | None = None,
                 **new: pd.Series | str) -> RawTable:
    """The table with synthetic columns added (named "Engage …", so the notes and the
    mapping show where a value came from)."""
    rows = table.rows.copy()
    names = []
    for key, values in new.items():
        name = "Engage " + key.replace("_", " ")
        rows[name] = (values if isinstance(values, pd.Series)
                      else pd.Series(values, index=rows.index, dtype=object))
        rows[name] = rows[name].astype(object)
        names.append(name)
    columns = table.columns + [n for n in names if n not in table.columns]
    return replace(table, columns=columns, rows=rows, notes=table.notes + (notes or []))


def date_part(values: pd.Series) -> pd.Series:
    """The date text of a date-time text ("3/9/2024 18:05:33" -> "3/9/2024")."""
    return values.fillna("").str.strip().str.split(r"[ T]", n=1, regex=True).str[0]


def file_event(table: RawTable, ctx: Context, title: str, what: str) -> RawTable:
    """For an export that is one event's list: the event title and date from the
    analyst's choice (or *title*, from the file name); no date is an error."""
    if ctx.kind != "participation":
        return table
    if not ctx.event_date:
        raise AdapterError(
            f"{what} has no event date column: it is the list of one event. Give the event's "
            "date (and name) when importing — --event-date/--event-title on the command line "
            "or the event boxes on the Data page — or map a date column.")
    return with_columns(table, event_title=ctx.event_title or title, event_date=ctx.event_date,
                        notes=[f"one event for the whole file: {ctx.event_title or title!r} on "
                               f"{ctx.event_date}"])


def title_from_file_name(file_name: str) -> str:
    """'Sign-In (Responses) - Form Responses 1.csv' -> 'Sign-In'; 'Gala - Sheet1.csv' -> 'Gala'."""
    stem = re.sub(r"\.(csv|tsv|txt|xlsx|xlsm)$", "", file_name.strip(), flags=re.IGNORECASE)
    stem = re.sub(r"\s*\(Responses\)(\s*-\s*.*)?$", "", stem, flags=re.IGNORECASE)
    stem = re.sub(r"\s+-\s+(Form Responses \d+|Sheet\d+)$", "", stem, flags=re.IGNORECASE)
    return stem.strip() or file_name
