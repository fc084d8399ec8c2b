"""Ladder & asks — do people take on bigger roles, and are the asks the right size?"""
import streamlit as st

from engage_metrics import charts
from engage_metrics.periods import period_text
from engage_metrics.theme import SERIES
from engage_ui import data, filters, layout, predictions


@layout.guarded
def main() -> None:
    layout.require_data()
    f = filters.current()
    layout.header("Ladder & asks", f"{f.label}. Engagement pyramid: Following → Endorsing → "
                  "Contributing → Owning → Leading. Do people step up?")
    now, before = data.report(f.window), data.report(f.previous) if f.previous else None
    lad, old = now["ladder"], (before["ladder"] if before else {})
    reached, old_reached = lad["reached"], old.get("reached", {})
    layout.kpi_cards([
        layout.kpi("escalation_rate", lad["escalation_rate"], old.get("escalation_rate")),
        layout.kpi("escalated_people", lad["escalated"], old.get("escalated")),
        layout.Kpi(None, "Reached Owning or Leading", reached["4"], old_reached.get("4"),
                   help="People who had reached rung 4 (Owning: host, shift lead, captain) or "
                        "higher by the period's end. See Ladder funnel on the Definitions page."),
        layout.Kpi(None, "Reached Leading", reached["5"], old_reached.get("5"),
                   help="People who had reached rung 5 (Leading: organizer, trainer, chapter "
                        "lead) by the period's end."),
    ])
    funnel = data.run("ladder_funnel", f.window)
    left, right = st.columns(2)
    with left:
        layout.chart(layout.figure(charts.pyramid, funnel))
    with right:
        layout.chart(layout.figure(charts.ladder_funnel, funnel))
    esc = data.run("series_escalation", f.window)
    esc["label"] = [f"{q:%Y} Q{(q.month - 1) // 3 + 1}" for q in esc["quarter"]]
    layout.chart(layout.figure(charts.bar, esc.assign(pct=esc["rate"] * 100), "label", "pct",
                            "Escalation rate by quarter: returning people who took a bigger role",
                            "Quarter", "Escalation rate (% of eligible people)",
                            hover="%{y:.1f} % stepped up", color=SERIES["rate"]))
    a, b = f.previous or f.window.previous(), f.window
    flows = data.run("rung_flows", b, a_start=a.start, a_end=a.end)
    if flows.empty:
        layout.empty_note("people in either period")
    else:
        layout.chart(layout.figure(charts.sankey, flows, "the previous period", "this period"))
        st.caption(f"Previous period: {period_text(a)}; this period: "
                   f"{period_text(b)}. “New” are people whose first participation is in "
                   "this period; “Back after a break” took part before, not in the previous "
                   "period, and again in this one; “Not seen” took part in the previous period "
                   "but not in this one. Each person is counted once on each side.")
    st.subheader("Who to ask next")
    predictions.ask_next(f, "ladder")
    st.subheader("Asks")
    if not data.store_summary()["asks"]:
        st.info("No ask data yet. Import an ask file (person, date, rung asked for, outcome) on "
                "the Data page to see whether bigger relationships accept bigger tasks.")
        return
    acceptance = data.run("ask_acceptance", f.window)
    stretch = data.run("ask_stretch", f.window)
    if acceptance.empty:
        layout.empty_note("asks")
        return
    left, right = st.columns(2)
    with left:
        layout.chart(layout.figure(charts.ask_heatmap, acceptance))
    with right:
        layout.chart(layout.figure(charts.ask_stretch, stretch))
    predictions.backtest(data.fitted("ask_chance", predictions.as_of(f)), "asks")


main()
