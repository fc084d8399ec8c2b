"""An event is never titled by a record id when the file holds a label for it.

Some exports put the event's record id in the column Engage reads as its name (a column
"Event" or "Job" holding "a0B5e00000XyZ12") and the name people know in another column
("Job Name", "Shift Name", "Opportunity"). When every title of the file is an id and a
column no field took holds labels on those rows, the events are titled from that column
instead, and the import's notes say so. A title the analyst mapped is kept as mapped.
The same rule holds for a jobs/shifts companion file: its label fills a title that is an
id (companions.join).
"""
from __future__ import annotations

from engage_metrics.adapters.base import id_like, with_columns
from engage_metrics.mapping import FIELDS, MappingError, norm_header, resolve_mapping
from engage_metrics.reader import RawTable

# words in a header that make its column a candidate event label
LABEL_WORDS = ("event", "shift", "job", "opportunit", "activit", "need", "session", "slot",
               "meeting", "title", "name", "label")
_PEOPLE = {s for f in ("email", "phone", "external_id", "first_name", "last_name", "full_name")
           for s in FIELDS["participation"][f]}


def _label_column(table: RawTable, fields: dict[str, str], filled: object) -> str | None:
    taken = set(fields.values())
    for col in table.columns:
        n = norm_header(col)
        if col in taken or n in _PEOPLE or not any(w in n for w in LABEL_WORDS):
            continue
        values = table.rows[col].fillna("").str.strip()
        if values[filled].ne("").all() and not id_like(values[values.ne("")]).any():
            return col
    return None


def prefer_label(table: RawTable, mapping: dict[str, str], kind: str,
                 explicit: dict[str, str] | None) -> tuple[RawTable, dict[str, str]]:
    """The table and mapping with the title taken from a label column when the mapped
    title column holds only ids (noted); unchanged otherwise."""
    if kind != "participation" or "title" in (explicit or {}):
        return table, mapping
    try:
        fields = resolve_mapping(table.columns, kind, mapping).fields
    except MappingError:
        return table, mapping              # the importer names the mistake
    column = fields.get("title")
    if not column:
        return table, mapping
    titles = table.rows[column].fillna("").str.strip()
    filled = titles.ne("")
    if not filled.any() or not id_like(titles[filled]).all():
        return table, mapping
    label = _label_column(table, fields, filled)
    if label is None:
        return table, mapping
    example = titles[filled].iloc[0]
    note = (f"event titles from {label!r}: {column!r} holds record ids (such as {example!r}), "
            "not names")
    return with_columns(table, notes=[note]), {**mapping, "title": label}
