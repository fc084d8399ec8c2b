"""Action Network's API records (OSDI) flattened to columns, as the tools that pull them
write them: a Singer tap with a CSV target, Parsons, pandas ``json_normalize`` + ``to_csv``.

Top-level fields keep their names (``identifiers``, ``given_name``, ``title``,
``action_network:person_id``); nested objects are joined with ``.`` or ``__``
(``_links.self.href``, ``location__venue``); lists stay one cell, written as a Python or JSON
list (``['action_network:d91b4b2e-…']``, ``[{'primary': True, 'address': '…'}]``) or spread
over columns (``email_addresses.0.address``, ``email_addresses.list_item.address``).

An attendance (an event RSVP) holds only the person's and the event's ids; the names and
emails are in the people records, the event's title and date in the event records. Those two
files are read here as companion extracts (adapters.companions joins them by their ids):
:func:`companion_view` turns each into plain columns keyed by the id the attendance holds.
"""
from __future__ import annotations

import ast
import functools
import json
import re
from dataclasses import replace

import pandas as pd

from engage_metrics.adapters.base import first_filled, has_all
from engage_metrics.mapping import norm_header
from engage_metrics.reader import RawTable

PERSON_KEY = "action_network:person_id"
EVENT_KEY = "action_network:event_id"
# an attendance record: the two ids and the RSVP status
ATTENDANCE_FORM = (("actionnetworkpersonid",), ("actionnetworkeventid",), ("status",))
_AN_ID = re.compile(r"action_network:([0-9A-Za-z][0-9A-Za-z-]*)")
_PEOPLE_FIELDS = ("givenname", "familyname", "emailaddresses", "phonenumbers")
_MAX_CELL = 20_000          # a list cell longer than this is not parsed


def is_attendances(table: RawTable) -> bool:
    """Whether *table* is Action Network's attendances (event RSVPs) flattened."""
    return has_all(table.columns, ATTENDANCE_FORM)


def an_ids(values: pd.Series) -> pd.Series:
    """The Action Network id in each ``identifiers`` cell ('' where there is none):
    "['action_network:d91b…', 'foreign_system:1']" -> "d91b…"."""
    return values.fillna("").astype(str).str.extract(_AN_ID, expand=False).fillna("")


def _columns(table: RawTable, prefix: str, suffix: str = "") -> list[str]:
    """The columns whose normalized header starts with *prefix* (and ends with *suffix*)."""
    return [c for c in table.columns
            if norm_header(c).startswith(prefix) and norm_header(c).endswith(suffix)]


_OBJECT = re.compile(r"\{[^{}]*\}")
_PRIMARY = re.compile(r"""['"]primary['"]\s*:\s*(?:True|true)\b""")


def _entries(cell: str) -> list[dict[str, object]]:
    """The objects of a list cell written as JSON or as a Python list ([] when it is not)."""
    text = cell.strip()
    if not text.startswith("[") or len(text) > _MAX_CELL:
        return []
    for parse in (json.loads, ast.literal_eval):
        try:
            value = parse(text)
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            continue
        if isinstance(value, list):
            return [v for v in value if isinstance(v, dict)]
    return []


@functools.cache
def _key_patterns(key: str) -> tuple[re.Pattern[str], re.Pattern[str]]:
    """The patterns of *key* in a flat object: the key, and the key with its text or number."""
    named = rf"""['"]{re.escape(key)}['"]\s*:"""
    return (re.compile(named),
            re.compile(named + r"""\s*(?:'([^'\\]*)'|"([^"\\]*)"|(\d+))"""))


def _primary(cell: object, key: str) -> str:
    """*key* of the primary object of a list cell (else of its first object). The objects
    are flat ({primary, address, status}), so each is read with a pattern; a cell the
    pattern cannot read is parsed whole."""
    text = cell.strip() if isinstance(cell, str) else ""
    if not text.startswith("["):
        return ""
    objects = _OBJECT.findall(text)
    chosen = next((o for o in objects if _PRIMARY.search(o)), objects[0] if objects else None)
    if chosen is None:
        return ""
    named, value = _key_patterns(key)
    found = value.search(chosen)
    if found is not None:
        return next(g for g in found.groups() if g is not None).strip()
    if not named.search(chosen):       # no such key: nothing to read
        return ""
    entries = _entries(text)           # a value the pattern cannot read (escaped quotes)
    picked = next((e for e in entries if e.get("primary") in (True, "true", "True")),
                  entries[0] if entries else None)
    got = picked.get(key) if picked else None
    return "" if got is None else str(got).strip()


def _list_value(table: RawTable, name: str, key: str) -> pd.Series:
    """Per row, *key* of the primary entry of the list field *name*: from a column holding
    the list, else from the columns it was spread over ('email_addresses.0.address')."""
    out = pd.Series("", index=table.rows.index, dtype=object)
    whole = [c for c in table.columns if norm_header(c) in (name, name + "list")]
    for col in whole:
        found = table.rows[col].map(lambda cell: _primary(cell, key))
        out = out.where(out.ne(""), found)
    for col in _columns(table, name, key):
        if col in whole:
            continue
        values = table.rows[col].fillna("").astype(str).str.strip()
        out = out.where(out.ne(""), values)
    return out


def _local(values: pd.Series) -> pd.Series:
    """An event's start as its local time: Action Network writes the event's own clock
    time with a 'Z' (an event from 3 pm reads '…T15:00:00Z'), so the 'Z' is dropped."""
    return values.fillna("").astype(str).str.strip().str.replace(r"(?i)(?<=\d)(z|\+00:?00)$",
                                                                 "", regex=True)


def companion_view(table: RawTable, values: bool = True) -> RawTable | None:
    """Action Network's people or events records (flattened) as a companion extract: one
    row per Action Network id, keyed by the column name the attendances use
    (``action_network:person_id`` / ``action_network:event_id``), with the person's names,
    primary email and phone, or the event's title, start and end. None for any other table.
    Without *values* the email and phone columns are left blank (their list cells are not
    parsed): enough to tell what the table is and match its ids."""
    if is_attendances(table):
        return None
    identifiers = _columns(table, "identifiers")
    if not identifiers:
        return None
    ids = an_ids(table.rows[identifiers[0]])
    if not ids.ne("").any():
        return None
    have = {norm_header(c) for c in table.columns}
    person = any(n.startswith(f) for n in have for f in _PEOPLE_FIELDS)
    event = "title" in have or "startdate" in have
    if person == event:
        return None
    keep = ids.ne("") & ~ids.duplicated()
    source = identifiers[0]
    frame: dict[str, pd.Series]
    blank = pd.Series("", index=table.rows.index, dtype=object)
    if person:
        frame = {PERSON_KEY: ids, "given_name": first_filled(table, "givenname"),
                 "family_name": first_filled(table, "familyname"),
                 "email": _list_value(table, "emailaddresses", "address") if values else blank,
                 "phone": _list_value(table, "phonenumbers", "number") if values else blank}
        note = (f"the people file is Action Network's people records (OSDI): the person id "
                f"from {source!r} (action_network:…), the primary entry of 'email_addresses' "
                "and 'phone_numbers'")
    else:
        frame = {EVENT_KEY: ids, "title": first_filled(table, "title", "name"),
                 "start_date": _local(first_filled(table, "startdate")),
                 "end_date": _local(first_filled(table, "enddate"))}
        note = (f"the events file is Action Network's event records (OSDI): the event id from "
                f"{source!r} (action_network:…); start_date and end_date read as the event's "
                "local time (Action Network writes its clock time with a 'Z')")
    rows = pd.DataFrame(frame, index=table.rows.index)
    for extra in ("_line", "_raw"):
        if extra in table.rows:
            rows[extra] = table.rows[extra]
    return replace(table, columns=list(frame), rows=rows[keep], notes=[note])
