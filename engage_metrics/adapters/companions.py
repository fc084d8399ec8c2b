"""Companion extracts of any tool, joined to the participation extract of the same call.

A companion describes one kind of thing, one row per id: a contacts/people extract (an
id column with names, emails or phones) or a jobs/shifts/events extract (an id column
with a title, dates or an event type). It has no participation status (status, attended,
hours). It is attached to the participation file of the call holding its ids (the column
of that file whose values are found among the companion's ids), and joined on them: the
contacts give names, emails and phones to the participations, the shifts their title,
dates and type. Mobilize's own timeslots/events tables keep their adapter (mobilize.py).

A tool's own records can be a companion in the tool's form: Action Network's people and
event records (OSDI, adapters.osdi) are read through their view, plain columns keyed by
the id the attendances hold.
"""
from __future__ import annotations

import pandas as pd

from engage_metrics.adapters import osdi
from engage_metrics.adapters.base import AdapterError, id_like, with_columns
from engage_metrics.mapping import (
    MappingError,
    auto_map,
    check_required,
    norm_header,
    resolve_mapping,
)
from engage_metrics.reader import RawTable

PERSON = ("email", "phone", "first_name", "last_name", "full_name")
EVENT = ("title", "starts_at", "ends_at", "event_type", "program")
PARTICIPATION = ("status", "attended", "hours", "role")
ROLE_WORDS = {"contacts": "contacts", "shifts": "jobs/shifts/events"}
ROLES = tuple(ROLE_WORDS)


def view(table: RawTable, values: bool = False) -> RawTable:
    """The table as a companion reads it: a tool's own records (Action Network's people
    and events, adapters.osdi) as plain columns keyed by their id; any other table as it is.
    Only the join needs the *values* of every column (the others read headers and ids)."""
    return osdi.companion_view(table, values) or table


def kind(table: RawTable) -> str | None:
    """'contacts' or 'shifts' when *table* looks like a companion extract, else None."""
    table = view(table)
    fields = auto_map(table.columns, "participation")
    if any(f in fields for f in PARTICIPATION) or _key(table) is None:
        return None
    person = any(f in fields for f in PERSON)
    event = any(f in fields for f in EVENT)
    if person and not event:
        return "contacts"
    if event and not person:
        return "shifts"
    return None


def _key(table: RawTable) -> str | None:
    """The companion's id column: the first whose header is an id and whose values are
    filled and unique."""
    for col in table.columns:
        n = norm_header(col)
        if n == "id" or n.endswith("id"):
            values = table.rows[col].fillna("").str.strip()
            if values.ne("").all() and values.is_unique:
                return col
    return None


def match(main: RawTable, companion: RawTable) -> tuple[str, str, float] | None:
    """(main column, companion id column, share of the main column's values found) for
    the main column that best matches the companion's ids; None when none matches."""
    companion = view(companion)
    key = _key(companion)
    if key is None:
        return None
    ids = set(companion.rows[key].fillna("").str.strip()) - {""}
    best: tuple[str, str, float] | None = None
    rank = (False, 0.0)
    for col in main.columns:
        values = main.rows[col].fillna("").str.strip()
        values = values[values.ne("")].drop_duplicates()
        if values.empty:
            continue
        share = float(values.isin(ids).mean())
        # a column of the same name first (small numeric ids can match several columns)
        score = (norm_header(col) == norm_header(key), share)
        if share > 0 and score > rank:
            best, rank = (col, key, share), score
    return best


def attach(tables: list[RawTable], mains: list[int]) -> dict[int, dict[str, int]]:
    """{main index: {role: companion index}} for the companions among *tables* that
    match one of *mains* (the best-matching one); companions matching none stay out."""
    out: dict[int, dict[str, int]] = {}
    for i, table in enumerate(tables):
        role = kind(table) if i not in out else None
        if role is None:
            continue
        scored = [(m, found[2]) for m in mains if m != i and kind(tables[m]) is None
                  and (found := match(tables[m], table)) is not None]
        if scored:
            main = max(scored, key=lambda s: s[1])[0]
            out.setdefault(main, {})
            out[main].setdefault(role, i)
    return out


def join(table: RawTable, mapping: dict[str, str], companions: dict[str, RawTable],
         kind_: str) -> tuple[RawTable, dict[str, str]]:
    """The participation table with its companions' attributes joined on their ids:
    each field the companion has fills the table's blanks (or is the field, when the
    table has none); the joining column becomes the person / event id when unmapped."""
    try:
        fields = resolve_mapping(table.columns, kind_, mapping).fields
    except MappingError:
        return table, mapping
    mapping = dict(mapping)
    for role in ROLES:
        raw = companions.get(role)
        if raw is None:
            continue
        companion = view(raw, values=True)
        found = match(table, companion)
        if found is None:
            raise AdapterError(
                f"the {ROLE_WORDS[role]} file imported with it (columns "
                f"{', '.join(companion.columns[:6])}) matches none of this file's ids, so it "
                "would add nothing: import the files that belong together, or this file alone")
        col, key, _ = found
        attrs = auto_map(companion.columns, "participation")
        wanted = PERSON if role == "contacts" else EVENT
        keys = table.rows[col].fillna("").str.strip()
        lookup = companion.rows.assign(_k=companion.rows[key].fillna("").str.strip()) \
            .set_index("_k")
        new: dict[str, pd.Series] = {}
        labelled: list[str] = []
        for f in wanted:
            if f not in attrs:
                continue
            joined = keys.map(lookup[attrs[f]]).fillna("")
            if f in fields:
                own = table.rows[fields[f]].fillna("")
                keep = own.ne("")
                if f == "title":      # never titled by an id when the companion has a label
                    ids = keep & id_like(own) & joined.ne("")
                    if ids.any():
                        labelled.append(f"event titles from the {ROLE_WORDS[role]} file: "
                                        f"{fields[f]!r} holds record ids (such as "
                                        f"{own[ids].iloc[0]!r}) on {int(ids.sum())} rows, not "
                                        "names")
                    keep &= ~ids
                joined = own.where(keep, joined)
            new[f"{role}_{f}"] = joined
            mapping[f] = f"Engage {role} {f.replace('_', ' ')}"
        id_field = "external_id" if role == "contacts" else "event_id"
        if id_field not in fields and col not in fields.values():
            mapping[id_field] = col
        matched = int(keys.isin(set(lookup.index)).sum())
        note = (f"joined with the {ROLE_WORDS[role]} file on {col!r} = {key!r} "
                f"({len(companion.rows)} rows; {matched} of {len(keys)} rows matched): "
                f"{', '.join(f.replace('_', ' ') for f in wanted if f in attrs)}")
        own = companion.notes if companion is not raw else []   # what its view read
        table = with_columns(table, notes=[note, *own, *labelled], **new)
    return table, mapping


def alone(table: RawTable, mapping: dict[str, str], kind_: str) -> str | None:
    """Why a companion-looking table cannot be imported by itself (None when it can): it
    lacks what a participation file needs, and no file of the call holds its ids."""
    role = kind(table) if kind_ == "participation" else None
    if role is None:
        return None
    try:
        check_required(resolve_mapping(table.columns, kind_, mapping), kind_, table.columns)
    except MappingError:
        seen = view(table)
        key = repr(_key(seen)) if seen is table else f"{seen.columns[0]!r} from the identifiers"
        return (f"this looks like a {ROLE_WORDS[role]} extract (an id column, {key}, "
                "and no participation status): it is joined to the participation extract "
                "imported with it in the same call on their shared ids, and no file of this "
                "import holds its ids, so it adds nothing. Import it together with the "
                "participation file whose ids it holds.")
    return None
