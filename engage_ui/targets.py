"""Targets on the dashboard: their progress in words and in a chart (the Overview, for every
role), and the form that sets and removes them (the Settings page, analysts only). The
rules are engage_metrics.targets'; this module only renders them."""
from __future__ import annotations

import dataclasses
import datetime as dt

import duckdb
import pandas as pd
import streamlit as st

from engage_metrics import charts, targets
from engage_metrics.config import RUNG_NAMES
from engage_metrics.metrics import Window
from engage_metrics.periods import fmt_date
from engage_ui import access, data, layout, store
from engage_ui.text import plain

ALL_PROGRAMS = "All programs"


@data.cached
def _progress(_con: duckdb.DuckDBPyConnection, version: int, stored: tuple[tuple, ...],
              asof: dt.date | None, programs: tuple[str, ...]) -> list[targets.Progress]:
    """targets.progress, kept per data version and the stored targets themselves (setting a
    target changes no number, so it does not bump the data version)."""
    return targets.progress(_con, asof, programs)


def progress(asof: dt.date | None = None, programs: tuple[str, ...] = ()) -> list[targets.Progress]:
    """Every target (of *programs*, when given) read as of *asof* (default: the day after the
    data's last event date)."""
    con = store.cursor()
    stored = tuple(dataclasses.astuple(t) for t in targets.list_targets(con))
    if not stored:
        return []
    return _progress(con, store.version(), stored, asof, programs)


def definitions() -> None:
    """How targets are read, in an expander."""
    with st.expander("How targets are read"):
        for term, text in targets.DEFINITIONS.items():
            st.markdown(f"**{plain(term)}.** {plain(text)}")


def overview_section(window: Window) -> None:
    """The Overview's targets: one sentence each and the progress chart, as of the end of the
    period shown (the sidebar's programs select the targets of those programs)."""
    end, selected = window.end, tuple(window.programs)
    found = progress(end, selected)
    if not found:
        return
    st.subheader("Targets")
    st.caption(f"As of {fmt_date(end - dt.timedelta(days=1))}, the end of this period: each "
               "target's value against it, the pace it needs per month and the pace of the last "
               "three months" + (" (the targets of the selected programs)." if selected else "."))
    for p in found:
        st.markdown(f"- **{plain(p.status.capitalize())}** — {plain(p.sentence())}")
    layout.chart(layout.figure(charts.targets, targets.chart_frame(found)))
    definitions()


def settings_section() -> None:
    """The stored targets with their state now, the form that adds one, and removal: for
    analysts only (viewers never reach the Settings page; this is the second lock)."""
    access.require_analyst()
    con = store.cursor()
    found = progress()
    if found:
        table = pd.DataFrame([{
            "#": p.target.target_id, "target": p.target.label,
            "value to reach": p.target.format(p.target.value), "due": p.target.due,
            "counting from": (p.target.start if p.target.kind == targets.CUMULATIVE
                              else None),
            "now": p.target.format(p.value),
            "status": p.status} for p in found])
        layout.dataframe(table, key="targets_table")
    else:
        st.caption("No targets yet. A target is a metric to reach by a due date; the Overview "
                   "and the board pack show its progress and pace.")
    if store.read_only():      # a lake's targets: shown, never changed here
        definitions()
        return
    _add_form(con)
    if found:
        names = {p.target.target_id: f"#{p.target.target_id} {p.target.label}" for p in found}
        left, right = st.columns([3, 1], vertical_alignment="bottom")
        chosen = left.selectbox("Target to remove", list(names),
                                format_func=names.__getitem__, key="target_remove_choice")
        if right.button("Remove target", key="target_remove") and chosen is not None:
            try:
                targets.remove_target(con, int(chosen))
            except targets.TargetError as exc:
                st.error(plain(exc))
            else:
                st.toast(f"Target #{chosen} removed")
                st.rerun()
    definitions()


def _add_form(con: duckdb.DuckDBPyConnection) -> None:
    labels = targets.choices()
    start = targets.default_start(con)
    programs = data.store_summary()["programs"]
    with st.form("target_form"):
        left, right = st.columns(2)
        metric = left.selectbox("Metric", list(labels), format_func=labels.__getitem__,
                                key="target_metric")
        rung = right.selectbox("Rung N (for active people at rung N or higher)", targets.RUNGS,
                               index=2, format_func=lambda r: f"{r} {RUNG_NAMES[r]}",
                               key="target_rung")
        value = left.text_input("Value to reach", key="target_value",
                                help="A count, hours, a depth (0–100) or a rate as 0.6 or 60% "
                                     "(both mean 60 %), as on the command line.")
        due = right.date_input("Due date", value=targets.months_before(start, -6),
                               key="target_due")
        program = left.selectbox("Program", [ALL_PROGRAMS, *programs], key="target_program")
        begin = right.date_input("Counting from (hours, new people, participations)",
                                 value=start, key="target_start",
                                 help="Cumulative targets add up from this date; default: the "
                                      "day after the data's last event date.")
        submitted = st.form_submit_button("Add target", type="primary")
    if not submitted or metric is None:
        return
    try:
        t = targets.set_target(con, metric, targets.parse_value(value), due,
                               None if program == ALL_PROGRAMS else program,
                               rung if metric == targets.RUNG_METRIC else None, begin)
    except targets.TargetError as exc:
        st.error(f"The target was not added: {plain(exc)}.")
        return
    st.toast(f"Target #{t.target_id} added")
    st.rerun()
