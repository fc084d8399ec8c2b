"""Relationships — are relationships deepening, and who connects people?"""
import streamlit as st

from engage_metrics import charts
from engage_metrics.config import TIERS
from engage_metrics.theme import SERIES
from engage_ui import data, filters, layout


@layout.guarded
def main() -> None:
    layout.require_data()
    f = filters.current()
    layout.header("Relationships", f"{f.label}. Relationship depth (0–100) combines tenure, "
                  "frequency, recency, breadth, ties and relational touches.")
    now, before = data.report(f.window), data.report(f.previous) if f.previous else None
    tiers, old_tiers = now["depth"]["tiers"], (before["depth"]["tiers"] if before else {})
    depth_help = layout.kpi("depth_tiers", None).help
    layout.kpi_cards([
        layout.kpi("mean_depth", now["depth"]["mean"], before["depth"]["mean"] if before else None),
        layout.kpi("relationship_strength", now["spectrum"]["relationship_strength"],
                   before["spectrum"]["relationship_strength"] if before else None),
        layout.Kpi(None, "Committed or Core people", tiers["Committed"] + tiers["Core"],
                   old_tiers["Committed"] + old_tiers["Core"] if old_tiers else None,
                   help=depth_help),
        layout.Kpi(None, "Core people", tiers["Core"], old_tiers.get("Core"), help=depth_help),
    ])
    settings = data.settings()["depth"]
    left, right = st.columns(2)
    with left:
        layout.chart(layout.figure(charts.depth_histogram, data.run("dist_depth", f.window),
                                   settings["tiers"]))
    with right:
        layout.chart(layout.figure(charts.tiers_bar, data.run("depth_tiers", f.window)))
    layout.chart(layout.figure(charts.depth_parts, data.run("dist_depth_parts", f.window)))
    series = data.run("series_depth", f.window)
    if series.empty:
        layout.empty_note("active people")
    else:
        layout.chart(layout.figure(charts.depth_over_time, series))
    st.subheader("Connectors")
    top_n = st.slider("People in the network", 10, 80, 30, step=5, key="network_size",
                      help="The people with the most ties in the period, and the ties among them.")
    edges = data.run("network_connectors", f.window, top_n=top_n)
    if edges.empty:
        layout.empty_note("people who met at two or more of the same events")
    else:
        names = layout.mask(
            edges[["person_a", "name_a"]].set_axis(["person_id", "name"], axis=1), f.hide_names)
        more = layout.mask(
            edges[["person_b", "name_b"]].set_axis(["person_id", "name"], axis=1), f.hide_names)
        labels = dict(zip(names["person_id"], names["name"], strict=True)) | dict(
            zip(more["person_id"], more["name"], strict=True))
        layout.chart(layout.figure(charts.network, edges, labels))
    touches = data.run("dist_touches", f.window)
    if not touches.empty:
        layout.chart(layout.figure(charts.bar, touches, "program", "touches_per_person",
                                "Relational touches per active person, by program (where the "
                                "battery is charged)", "Program",
                                "Relational touches per active person",
                                hover="%{y:.2f} touches per person", color=SERIES["charge"]))
    st.caption(f"Tiers: {', '.join(TIERS)} — bounds at "
               + ", ".join(f"{t} {settings['tiers'][t]:g}" for t in TIERS[1:]) + ".")


main()
