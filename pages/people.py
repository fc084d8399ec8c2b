"""People — who is who: a searchable table and the action lists an organizer works from."""
import streamlit as st

from engage_metrics import registry
from engage_metrics.config import RUNG_NAMES, TIERS
from engage_ui import access, data, filters, layout, predictions

COLUMNS = {
    "person_id": st.column_config.NumberColumn("Id", format="%d"),
    "name": "Name", "email": "Email", "phone": "Phone",
    "rung": st.column_config.NumberColumn("Rung", help="1 Following … 5 Leading", format="%d"),
    "rung_before": st.column_config.NumberColumn("Rung before", format="%d"),
    "depth": st.column_config.ProgressColumn("Depth", min_value=0, max_value=100, format="%.0f"),
    "tier": "Tier",
    "first_attended": st.column_config.DateColumn("First seen"),
    "last_attended": st.column_config.DateColumn("Last seen"),
    "days_since": st.column_config.NumberColumn("Days since", format="%d"),
    "in_window": st.column_config.NumberColumn("Events in period", format="%d"),
    "attended": st.column_config.NumberColumn("Events in all", format="%d"),
    "attended_last_365": st.column_config.NumberColumn("Events, last 365 days", format="%d"),
    "usual_gap": st.column_config.NumberColumn("Usual gap (days)", format="%.0f"),
    "programs": "Programs", "why": "Why",
}
ACTIONS = {
    "people_ready": "🎯 Ready for a bigger ask",
    "people_slipping": "⚠️ Slipping",
    "people_lapsed": "💤 Lapsed",
    "people_rising": "🚀 Rising",
}


@layout.guarded
def main() -> None:
    access.require_analyst()
    layout.require_data()
    f = filters.current()
    layout.header("People", f"{f.label}. Everyone who attended before the period's end, and the "
                  "lists to act on.")
    people = data.run("people_table", f.window)
    left, mid, right = st.columns([3, 2, 2])
    query = left.text_input("Search by name, email or program", key="people_search",
                            placeholder="e.g. Garcia or Food Justice")
    tiers = mid.multiselect("Depth tier", TIERS, key="people_tiers", placeholder="All tiers")
    rungs = right.multiselect("Rung", list(RUNG_NAMES), key="people_rungs",
                              format_func=lambda r: f"{r} {RUNG_NAMES[r]}", placeholder="All rungs")
    shown = people
    if query:
        cols = [shown[c].fillna("").astype(str) for c in ("name", "email", "programs")]
        text = cols[0] + " " + cols[1] + " " + cols[2]
        shown = shown[text.str.contains(query, case=False, regex=False)]
    if tiers:
        shown = shown[shown["tier"].isin(tiers)]
    if rungs:
        shown = shown[shown["rung"].isin(rungs)]
    st.caption(f"{len(shown):,} of {len(people):,} people, deepest relationships first. Click a "
               "column header to sort the rows shown.")
    layout.table(shown, f.hide_names, COLUMNS, height=420, key="people_table")
    layout.download(shown, "engage-people.csv", "Download these people (CSV)", f.hide_names)

    st.subheader("Action lists")
    counts = {mid: (predictions.slipping_count(f) if mid == "people_slipping"
                    else len(data.run(mid, f.window))) for mid in ACTIONS}
    tabs = st.tabs([f"{label} ({counts[mid]:,})" for mid, label in ACTIONS.items()]
                   + ["🙋 Likely to say yes"])
    with tabs[-1]:
        predictions.ask_next(f, "people")
    for tab, metric_id in zip(tabs, ACTIONS, strict=False):
        with tab:
            if metric_id == "people_slipping":   # the survival score, or this rule list
                predictions.slipping(f, "people_slipping")
                continue
            rows = data.run(metric_id, f.window)
            st.caption(registry.get(metric_id).definition)
            if rows.empty:
                st.info("Nobody on this list for this period and these programs.")
                continue
            layout.table(rows, f.hide_names, COLUMNS, key=f"table_{metric_id}")
            layout.download(rows, f"engage-{metric_id.replace('_', '-')}.csv",
                            "Download this list (CSV)", f.hide_names)


main()
