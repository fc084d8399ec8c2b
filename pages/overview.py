"""Overview — the director's one screen: the headline numbers, the change since the
previous period, where the organization sits on the spectrum, and the plain-language narrative."""
from typing import Any

import streamlit as st

from engage_metrics import charts
from engage_metrics.narrative import narrate
from engage_ui import data, filters, layout, predictions
from engage_ui import targets as targets_view


def hours_value(report: dict | None, rate: float) -> float | None:
    return None if report is None else report["participation"]["hours"] * rate


@layout.guarded
def main() -> None:
    layout.require_data()
    f = filters.current()
    settings = data.settings()
    layout.header(f"{settings['org_name']} — overview", f.label)
    now = data.report(f.window)
    before = data.report(f.previous) if f.previous else None

    def prev(room: str, key: str) -> Any:
        return before[room][key] if before else None

    rate = float(settings["hourly_value"])
    layout.kpi_cards([
        layout.kpi("active_people", now["participation"]["active"],
                   prev("participation", "active")),
        layout.kpi("new_people", now["participation"]["new"], prev("participation", "new")),
        layout.kpi("repeat_rate", now["participation"]["repeat_rate"],
                   prev("participation", "repeat_rate")),
        layout.kpi("return_rate_90d", now["participation"]["return_rate_90d"],
                   prev("participation", "return_rate_90d")),
        layout.kpi("escalation_rate", now["ladder"]["escalation_rate"],
                   prev("ladder", "escalation_rate")),
        layout.kpi("mean_depth", now["depth"]["mean"], prev("depth", "mean")),
        layout.kpi("total_hours", now["participation"]["hours"], prev("participation", "hours")),
        layout.Kpi(None, "Value of the hours", hours_value(now, rate), hours_value(before, rate),
                   "currency", f"Volunteer hours × ${rate:,.2f} per hour (the hourly value is a "
                               "setting; default: Independent Sector's estimate)."),
    ])
    left, right = st.columns([2, 3])
    with left:
        st.subheader("What the numbers say")
        program_rows = data.run("spectrum_by_program", f.window).to_dict("records")
        previous_rows = (data.run("spectrum_by_program", f.previous).to_dict("records")
                         if f.previous else ())
        for sentence in narrate(now, before, program_rows, previous_rows):
            st.markdown(f"- {layout.plain(sentence)}")
        at_risk = predictions.at_risk_reading(f)
        if at_risk:
            st.markdown(f"- {layout.plain(at_risk)}")
    with right:
        points = data.run("spectrum_by_program", f.window)
        layout.chart(layout.figure(charts.spectrum, layout.selected_programs(points, f.window),
                                   height=460))
    layout.chart(layout.figure(charts.people_over_time, data.run("series_participation", f.window),
                               "Active people per month: new and returning"))
    targets_view.overview_section(f.window)


main()
