"""Participation — who takes part, how often, and whether they come back."""
import streamlit as st

from engage_metrics import charts
from engage_metrics.theme import SERIES
from engage_ui import data, filters, layout, predictions


@layout.guarded
def main() -> None:
    layout.require_data()
    f = filters.current()
    layout.header("Participation", f"{f.label}. Are people active, and do they come back?")
    now, before = data.report(f.window), data.report(f.previous) if f.previous else None
    p = now["participation"]
    b = before["participation"] if before else {}
    layout.kpi_cards([
        layout.kpi("active_people", p["active"], b.get("active")),
        layout.kpi("new_people", p["new"], b.get("new")),
        layout.kpi("repeat_rate", p["repeat_rate"], b.get("repeat_rate")),
        layout.kpi("return_rate_90d", p["return_rate_90d"], b.get("return_rate_90d")),
        layout.kpi("attended_participations", p["attended"], b.get("attended")),
        layout.kpi("no_show_rate", p["no_show_rate"], b.get("no_show_rate"), lower_is_better=True),
        layout.kpi("lapsed_count", p["lapsed"], b.get("lapsed"), lower_is_better=True),
    ])
    layout.chart(layout.figure(charts.people_over_time, data.run("series_participation", f.window),
                                         "Active, new and returning people per month"))
    left, right = st.columns(2)
    with left:
        freq = data.run("dist_frequency", f.window)
        layout.chart(layout.figure(charts.bar, freq, "bucket", "people",
                                "How often people came: active people by events attended",
                                "Events attended in the period", "People (count)",
                                hover="%{y:,} people"))
    with right:
        conc = data.run("dist_concentration", f.window)
        if conc.empty:
            layout.empty_note("attended participations")
        else:
            top = conc["share"].iloc[0]
            conc["decile_label"] = [f"Top {d * 10 - 9}–{d * 10} %" for d in conc["decile"]]
            layout.chart(layout.figure(charts.bar,
                conc.assign(pct=conc["share"] * 100), "decile_label", "pct",
                f"Concentration: the top 10 % of people made {top * 100:.0f} % of participations",
                "People ranked by participations (deciles)", "Share of participations (%)",
                hover="%{y:.1f} % of participations", color=SERIES["new"]))
    cohorts = data.run("cohort_retention", f.window)
    if cohorts.empty:
        layout.empty_note("newcomer cohorts")
    else:
        layout.chart(layout.figure(charts.cohort_heatmap, cohorts))
    left, right = st.columns(2)
    with left:
        noshow = data.run("dist_no_show", f.window)
        if noshow.empty:
            layout.empty_note("registrations with attendance recorded")
        else:
            layout.chart(layout.figure(charts.bar, noshow.assign(pct=noshow["rate"] * 100),
                                       "event_type", "pct",
                                    "No-show rate by event type", "No-shows (% of attended + "
                                    "no-shows)", "Event type", hover="%{x:.1f} % no-shows",
                                    color=SERIES["discharge"], horizontal=True))
    with right:
        lapse_days = data.settings()["lapse_days"]
        layout.chart(layout.figure(charts.line, data.run("series_lapsed", f.window),
                                   "month", "lapsed",
                                 "Lapsed people at each month's end "
                                 f"(3+ visits, none in {lapse_days:,} days)",
                                 "Month", "Lapsed people (count)", color=SERIES["lapsed"],
                                 hover="%{y:,} lapsed people"))
    st.subheader("Will they come back?")
    st.caption("The chance that each person active in the last year attends again within 90 "
               "days, backtested: the People page lists those at risk.")
    predictions.backtest(data.fitted("still_active", predictions.as_of(f)), "active")


main()
