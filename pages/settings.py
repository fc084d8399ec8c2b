"""Settings — the classification (task / relationship / mixed), the ladder, the depth
weights, the lapse threshold, the hourly value and the targets. Saved in the database;
every number updates."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from engage_metrics import settings_store
from engage_metrics.config import DEPTH_PARTS, MODES, RUNG_NAMES
from engage_ui import access, data, layout, readonly, store
from engage_ui import targets as targets_view

RUNG_HELP = ", ".join(f"{r} {n}" for r, n in RUNG_NAMES.items())
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")


def changed(before: pd.DataFrame, after: pd.DataFrame, key: str, column: str) -> dict:
    """{key: new value} for the rows whose *column* was edited."""
    merged = before[[key, column]].merge(after[[key, column]], on=key, suffixes=("_old", ""))
    diff = merged[merged[f"{column}_old"].astype(str) != merged[column].astype(str)]
    return dict(zip(diff[key], diff[column], strict=True))


def event_types_section() -> None:
    types = data.frame("event_types")
    if types.empty:
        st.caption("No events yet: the keyword tables below apply to the first import.")
        return
    unclassified = int(types["unclassified"].sum())
    if unclassified:
        st.warning(f"{unclassified} event type(s) matched no keyword and count as mixed; they "
                   "are listed first. Choose task, relationship or mixed for them.")
    types_config = {
        "event_type": "Event type", "unclassified": st.column_config.CheckboxColumn(
            "Unclassified"),
        "mode": st.column_config.SelectboxColumn("Mode", options=list(MODES), required=True,
                                                 help="task weighs 1, mixed 0.5, "
                                                      "relationship 0 in the task share"),
        "rung": st.column_config.NumberColumn("Rung", min_value=1, max_value=5, step=1,
                                              help=RUNG_HELP),
        "events": "Events", "attended": "Attended"}
    roles = data.frame("roles")
    roles_config = {"role": "Role", "rung": st.column_config.NumberColumn(
        "Rung", min_value=1, max_value=5, step=1, help=RUNG_HELP),
        "participations": "Participations"}
    if store.read_only():
        layout.dataframe(types, key="event_types_table", column_config=types_config)
        layout.dataframe(roles, key="roles_table", column_config=roles_config)
        return
    edited = layout.editor(
        types, key="edit_event_types", disabled=["event_type", "unclassified", "events",
                                                 "attended"], column_config=types_config)
    edited_roles = layout.editor(
        roles, key="edit_roles", disabled=["role", "participations"], column_config=roles_config)
    modes = changed(types, edited, "event_type", "mode")
    type_rungs = changed(types, edited, "event_type", "rung")
    role_rungs = changed(roles, edited_roles, "role", "rung")
    if st.button("Save event types and roles", type="primary", key="save_types",
                 disabled=not (modes or type_rungs or role_rungs)):
        settings_store.save_edits(store.cursor(), modes, type_rungs, role_rungs,
                                  layout.progress_bar("Recomputing every number"))
        st.toast("Saved — every number is recomputed")
        st.rerun()


def keywords_section() -> None:
    st.caption("Keywords match whole words at the start of the event type (else the title) or "
               "role, ignoring case and punctuation; the longest matching keyword wins.")
    keywords_config = {"keyword": "Keyword", "mode": st.column_config.SelectboxColumn(
        "Mode", options=list(MODES), required=True)}
    ladder_config = {"kind": st.column_config.SelectboxColumn(
        "Applies to", options=list(settings_store.LADDER_KINDS), required=True),
        "keyword": "Keyword", "rung": st.column_config.NumberColumn(
            "Rung", min_value=1, max_value=5, step=1, help=RUNG_HELP)}
    left, right = st.columns(2)
    if store.read_only():
        with left:
            layout.dataframe(data.frame("classification"), key="keywords_table",
                             column_config=keywords_config)
        with right:
            layout.dataframe(data.frame("ladder"), key="ladder_table",
                             column_config=ladder_config)
        return
    with left:
        classification = layout.editor(data.frame("classification"), num_rows="dynamic",
                                       key="edit_keywords", column_config=keywords_config)
    with right:
        ladder = layout.editor(data.frame("ladder"), num_rows="dynamic", key="edit_ladder",
                               column_config=ladder_config)
    problems = settings_store.validate_classification(classification) + \
        settings_store.validate_ladder(ladder)
    for p in problems:
        st.warning(layout.plain(p))
    left, right = st.columns(2)
    if left.button("Save keywords", key="save_keywords", disabled=bool(problems)):
        settings_store.save_configuration(store.cursor(), classification, ladder,
                                          layout.progress_bar("Recomputing every number"))
        st.toast("Keywords saved")
        st.rerun()
    if right.button("Restore the shipped defaults", key="reset_keywords"):
        settings_store.reset_configuration(store.cursor(),
                                           layout.progress_bar("Recomputing every number"))
        st.toast("Defaults restored")
        st.rerun()


DATE_ORDER_LABELS = {"Ask (or follow earlier imports)": "ask",
                     "Month first (03/04/2024 is March 4)": "mdy",
                     "Day first (03/04/2024 is 3 April)": "dmy"}


def numbers_table(settings: dict) -> None:
    """The settings the form edits, as a table (a lake's, read-only)."""
    order = {v: k for k, v in DATE_ORDER_LABELS.items()}[settings["date_order"]]
    weights = settings["depth"]["weights"]
    layout.static_table(pd.DataFrame({"Setting": [
        "Organization name", "Value of one volunteer hour (USD)", "Fiscal year starts in",
        "Lapse threshold (days)", "Numeric dates a file cannot settle",
        *(f"Depth weight: {part}" for part in DEPTH_PARTS)], "Value": [
        str(settings["org_name"]), f"{float(settings['hourly_value']):.2f}",
        MONTHS[int(settings["fiscal_year_start_month"]) - 1], str(settings["lapse_days"]),
        order, *(f"{float(weights[part]):.2f}" for part in DEPTH_PARTS)]}).set_index("Setting"))


def numbers_section() -> None:
    settings = data.settings()
    if store.read_only():
        numbers_table(settings)
        return
    depth = dict(settings["depth"])
    with st.form("settings_form"):
        left, right = st.columns(2)
        org = left.text_input("Organization name", settings["org_name"])
        hourly = left.number_input("Value of one volunteer hour (USD)", min_value=0.0,
                                   value=float(settings["hourly_value"]), step=0.5,
                                   format="%.2f")
        month = right.selectbox("Fiscal year starts in", MONTHS,
                                index=int(settings["fiscal_year_start_month"]) - 1)
        lapse_days = right.number_input(
            "Lapse threshold (days)", min_value=1, value=int(settings["lapse_days"]), step=1,
            help="Someone whose last attendance is this many days or more before a date has "
                 "lapsed then (Lapsed people; slipping regulars have not lapsed yet).")
        order = left.selectbox(
            "Numeric dates a file cannot settle", list(DATE_ORDER_LABELS),
            index=list(DATE_ORDER_LABELS.values()).index(settings["date_order"]),
            help="A file whose every date reads both ways (03/04/2024) is read in this order. "
                 "'Ask' stops the import and asks, unless the organization's earlier imports "
                 "showed the order; a file with a date like 25/04/2024 settles it itself.")
        st.markdown("**Relationship depth weights** (each part is 0–1; depth = 100 × the "
                    "weighted sum, so weights should add up to 1)")
        cols = st.columns(len(DEPTH_PARTS))
        weights = {part: col.number_input(part.capitalize(), 0.0, 1.0,
                                          float(depth["weights"][part]), 0.05, format="%.2f",
                                          key=f"weight_{part}")
                   for col, part in zip(cols, DEPTH_PARTS, strict=True)}
        if st.form_submit_button("Save settings", type="primary"):
            total = sum(weights.values())
            if abs(total - 1) > 1e-6:
                st.error(f"The weights add up to {total:.2f}; make them add up to 1.00.")
                return
            settings_store.save_settings(store.cursor(), {
                "org_name": org.strip() or settings["org_name"], "hourly_value": hourly,
                "fiscal_year_start_month": MONTHS.index(month) + 1, "lapse_days": int(lapse_days),
                "date_order": DATE_ORDER_LABELS[order],
                "depth": {**depth, "weights": weights}},
                layout.progress_bar("Recomputing the numbers these settings change"))
            st.toast("Settings saved — every number is recomputed")
            st.rerun()


@layout.guarded
def main() -> None:
    access.require_analyst()
    layout.header("Settings", "How events count (task or relationship), the ladder, the depth "
                  "formula, when someone has lapsed and the value of an hour. "
                  + ("Read from the lake." if store.read_only() else "Saved in the database."))
    if store.read_only():
        readonly.settings_notice()
    st.subheader("Event types and roles")
    event_types_section()
    with st.expander("Keyword tables (advanced)"):
        keywords_section()
    st.subheader("Numbers")
    numbers_section()
    st.subheader("Targets")
    targets_view.settings_section()


main()
