"""Spectrum — where the organization sits between all-task and all-relationship,
and the relationship battery that connects the two."""
import streamlit as st

from engage_metrics import charts
from engage_ui import data, filters, layout


@layout.guarded
def main() -> None:
    layout.require_data()
    f = filters.current()
    layout.header("The task/relationship spectrum", f.label)
    st.markdown(
        "Engagement brings tasks and relationships together: relationships are a **battery**, "
        "charged by relationship building (socials, one-on-ones, house meetings) and discharged "
        "by asking people to do work (shifts, canvasses, phone banks). An organization that only "
        "discharges becomes **all task** — transactional — and one that only charges becomes "
        "**all relationship**, a social club that moves nothing.")
    now, before = data.report(f.window), data.report(f.previous) if f.previous else None
    s, b = now["spectrum"], (before["spectrum"] if before else {})
    layout.kpi_cards([
        layout.kpi("task_share", s["task_share"], b.get("task_share")),
        layout.kpi("relationship_strength", s["relationship_strength"],
                   b.get("relationship_strength")),
    ], per_row=3)
    st.metric("Quadrant", s["quadrant"] or "–", border=True,
              help="Split at 0.5 on both axes: high task share and low strength “All task "
                   "(transactional)”, the reverse “All relationship”, both high “Engaged "
                   "(balanced)”, both low “Dormant”.")
    quarters = st.slider("Trajectory: quarters back", 2, 12, 6, key="spectrum_quarters")
    points = layout.selected_programs(data.run("spectrum_by_program", f.window), f.window)
    trail = layout.selected_programs(data.spectrum_trajectory(f.window.end, quarters), f.window)
    layout.chart(layout.figure(charts.spectrum, points, trail))
    st.caption("Each dot is a program in this period (★ the whole organization, all programs); "
               "dotted trails show the last quarters. Program filters choose which programs are "
               "drawn.")
    battery = data.run("battery", f.window)
    if battery.empty:
        layout.empty_note("months")
    else:
        layout.chart(layout.figure(charts.battery, battery))
    layout.dataframe(points, column_config={
        "program": "Program", "attended": st.column_config.NumberColumn("Attended", format="%d"),
        "task_share": st.column_config.NumberColumn("Task share", format="percent"),
        "relationship_strength": st.column_config.NumberColumn("Relationship strength",
                                                               format="%.2f"),
        "quadrant": "Quadrant"})


main()
