"""Data quality: one card per import and one for the whole database.

Each check is one SQL file in sql/quality/ taking $import_id (NULL: the whole
database). The functions return plain dicts of DataFrames and numbers for the
dashboard, the CLI and tests to render; nothing here evaluates or renders a
cell, so text that looks like a spreadsheet formula or like HTML stays text.
"""
from __future__ import annotations

from datetime import date
from typing import Any

import duckdb
import pandas as pd

from engage_metrics import resolve

CHECKS = ("unmarked_events", "unmapped_statuses", "unclassified_types",
          "people_without_contact", "rejected_by_reason", "formula_cells")
CHANGES = ("added", "changed", "removed", "same")
LABELS = {
    "unmarked_events": "Past events with registrations but no attendance marked",
    "unmapped_statuses": "Status values no status table knows (rows rejected)",
    "unclassified_types": "Event types not classified as task or relationship",
    "people_without_contact": "People without email or phone",
    "suspected_duplicates": "Suspected duplicate people (same name, different identifiers)",
    "rejected_by_reason": "Rejected rows by reason",
    "formula_cells": "Cells that a spreadsheet would run as formulas (stored as text)",
}


def _query(con: duckdb.DuckDBPyConnection, name: str, params: dict[str, Any]) -> pd.DataFrame:
    return con.execute(resolve.sql_text(f"quality/{name}.sql"), params).df()


def _prepare(con: duckdb.DuckDBPyConnection) -> None:
    resolve.install_macros(con)
    con.execute(resolve.sql_text("quality/rows.sql"))


def previous_import(con: duckdb.DuckDBPyConnection, import_id: int) -> int | None:
    """The latest earlier import of the same source and kind, if any."""
    row = con.execute(
        "SELECT MAX(p.import_id) FROM import_log p JOIN import_log c "
        "ON c.source = p.source AND c.kind = p.kind AND p.import_id < c.import_id "
        "WHERE c.import_id = $id", {"id": import_id}).fetchone()
    return None if row is None or row[0] is None else int(row[0])


def import_diff(con: duckdb.DuckDBPyConnection, import_id: int) -> dict[str, Any]:
    """Rows (person x occurrence), people and events added, changed, removed and the
    same in this import against the previous import of the same source:
    {"previous_import_id": int | None, "rows": {change: n}, "people": …, "events": …}."""
    _prepare(con)
    previous = previous_import(con, import_id)
    found = _query(con, "import_diff", {"import_id": import_id, "previous_id": previous})
    out: dict[str, Any] = {"previous_import_id": previous}
    for what in ("rows", "people", "events"):
        part = found[found["what"] == what]
        counts = dict(zip(part["change"], part["n"].astype(int), strict=True))
        out[what] = {c: counts.get(c, 0) for c in CHANGES}
    return out


def suspected_duplicates(con: duckdb.DuckDBPyConnection, import_id: int | None,
                         candidates: pd.DataFrame | None = None) -> pd.DataFrame:
    """Candidate duplicate pairs (resolve.identity_candidates, or *candidates* when the
    caller has them already), for one import: the pairs where either person has a row in
    that import."""
    pairs = resolve.identity_candidates(con) if candidates is None else candidates
    if import_id is None or pairs.empty:
        return pairs
    _prepare(con)
    touched = con.execute("SELECT DISTINCT person_id FROM q_rows WHERE import_id = $id",
                          {"id": import_id}).df()["person_id"]
    mine = pairs["person_a"].isin(touched) | pairs["person_b"].isin(touched)
    return pairs[mine].reset_index(drop=True)


def _card(con: duckdb.DuckDBPyConnection, import_id: int | None, as_of: date | None,
          candidates: pd.DataFrame | None = None) -> dict[str, Any]:
    _prepare(con)
    params = {"import_id": import_id}
    card: dict[str, Any] = {
        name: _query(con, name, {**params, "as_of": as_of or date.today()}
                     if name == "unmarked_events" else params)
        for name in CHECKS}
    card["suspected_duplicates"] = suspected_duplicates(con, import_id, candidates)
    size = _query(con, "date_range", params).iloc[0]
    card["date_range"] = {
        k: None if pd.isna(size[f"{k}_date"]) else pd.Timestamp(size[f"{k}_date"]).date()
        for k in ("first", "last")}
    card["size"] = {k: int(size[k]) for k in ("people", "events", "participations")}
    card["summary"] = {
        "unmarked_events": len(card["unmarked_events"]),
        "unmapped_status_values": len(card["unmapped_statuses"]),
        "unmapped_status_rows": int(card["unmapped_statuses"]["rows"].sum()),
        "unclassified_types": len(card["unclassified_types"]),
        "people_without_contact": len(card["people_without_contact"]),
        "suspected_duplicates": len(card["suspected_duplicates"]),
        "rejected_rows": int(card["rejected_by_reason"]["rows"].sum()),
        "formula_cells": int(card["formula_cells"]["rows"].sum()),
    }
    return card


def import_quality(con: duckdb.DuckDBPyConnection, import_id: int,
                   as_of: date | None = None) -> dict[str, Any]:
    """The quality card of one import: its log entry, every check scoped to what the
    import touched, and the diff against the previous import of its source."""
    log = con.execute(
        "SELECT import_id, file_name, kind, source, rows_read, rows_accepted, rows_rejected, "
        "rows_skipped, imported_at FROM import_log WHERE import_id = $id",
        {"id": import_id}).df()
    if log.empty:
        raise ValueError(f"there is no import #{import_id}")
    card = _card(con, import_id, as_of)
    card["import"] = log.iloc[0].to_dict()
    card["diff"] = import_diff(con, import_id)
    return card


def database_quality(con: duckdb.DuckDBPyConnection, as_of: date | None = None,
                     candidates: pd.DataFrame | None = None) -> dict[str, Any]:
    """The quality card of the whole database, with the latest import of each
    source and its diff against the one before. *candidates*: resolve.identity_candidates
    when the caller has them already (the Data page lists them too; finding them compares
    every person's name)."""
    card = _card(con, None, as_of, candidates)
    latest = con.execute(
        "SELECT source, kind, MAX(import_id) AS import_id FROM import_log "
        "GROUP BY source, kind ORDER BY source, kind").df()
    diffs = []
    for row in latest.itertuples():
        d = import_diff(con, int(row.import_id))
        diffs.append({"source": row.source, "kind": row.kind, "import_id": int(row.import_id),
                      "previous_import_id": d["previous_import_id"],
                      **{f"{what}_{c}": d[what][c] for what in ("rows", "people", "events")
                         for c in CHANGES}})
    card["latest_imports"] = pd.DataFrame(diffs)
    return card
