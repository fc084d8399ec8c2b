"""The data-quality card (engage_metrics.quality) as metrics and tables: what an
import — or the whole database — holds, and what deserves a second look.
Person-level rows follow "hide names" like every other table."""
from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from engage_metrics.quality import LABELS
from engage_ui import layout

SIZE = {"people": "People", "events": "Events", "participations": "Participations"}
# summary key -> (card label, the check's table, its id columns for masking)
ISSUES = {
    "unmarked_events": ("Past events without attendance", "unmarked_events", ()),
    "unmapped_status_rows": ("Rows with unknown statuses", "unmapped_statuses", ()),
    "unclassified_types": ("Unclassified event types", "unclassified_types", ()),
    "people_without_contact": ("People without email or phone", "people_without_contact",
                               ("person_id",)),
    "suspected_duplicates": ("Suspected duplicates", "suspected_duplicates",
                             ("person_a", "person_b")),
    "rejected_rows": ("Rejected rows", "rejected_by_reason", ()),
    "formula_cells": ("Formula-like cells", "formula_cells", ()),
}
CHANGE_LABELS = {"added": "Added", "changed": "Changed", "removed": "Removed", "same": "Same"}


def _masked(name: str, frame: pd.DataFrame, hide: bool, ids: tuple[str, ...]) -> pd.DataFrame:
    if not hide:
        return frame
    if name == "rejected_by_reason":           # reasons quote cell values; `kind` does not
        return frame.drop(columns=["reason"], errors="ignore")
    if name == "formula_cells":
        out = frame.copy()
        out.loc[out["field"] == "name", "value"] = "hidden"
        return out
    return layout.mask(frame, hide, id_columns=ids)


def _diff(diff: dict[str, Any]) -> None:
    previous = diff.get("previous_import_id")
    if previous is None:
        st.caption("The first import of this source and kind: nothing to compare with.")
        return
    rows = pd.DataFrame({what.capitalize(): diff[what] for what in ("rows", "people", "events")})
    rows.index = [CHANGE_LABELS[c] for c in rows.index]
    st.caption(f"Compared with import #{previous} of the same source:")
    layout.dataframe(rows, key=f"quality_diff_{previous}", hide_index=False)


def render(card: dict[str, Any], hide: bool, key: str) -> None:
    """Counts as metrics, then one expander per check that found something."""
    size = card["size"]
    cols = st.columns(len(SIZE) + 1)
    for col, (k, label) in zip(cols, SIZE.items(), strict=False):   # the last column: dates
        col.metric(label, f"{size[k]:,}")
    first, last = card["date_range"]["first"], card["date_range"]["last"]
    cols[-1].metric("Event dates", f"{first:%b %Y} – {last:%b %Y}" if first and last else "—")
    summary = card["summary"]
    issue_cols = st.columns(4)
    for i, (k, (label, _, _)) in enumerate(ISSUES.items()):
        issue_cols[i % 4].metric(label, f"{summary[k]:,}")
    for k, (label, name, ids) in ISSUES.items():
        frame = card[name]
        if not summary[k] or frame.empty:
            continue
        with st.expander(f"{LABELS.get(name, label)} ({summary[k]:,})"):
            layout.dataframe(_masked(name, frame, hide, ids), key=f"quality_{key}_{name}")
    if "diff" in card:
        _diff(card["diff"])
    latest = card.get("latest_imports")
    if latest is not None and not latest.empty:
        st.caption("The latest import of each source against the one before it (rows = person × "
                   "event occurrence):")
        layout.dataframe(latest, key=f"quality_{key}_latest")

