"""Definitions — every metric's label, definition and formula, generated from the registry."""
import streamlit as st

from engage_metrics import definitions, registry, targets
from engage_ui import data, layout


@layout.guarded
def main() -> None:
    layout.header("Definitions", "Every number in Engage, defined once. The same definition "
                  "appears as the help text (?) of each card.")
    settings = data.settings()
    weights = " + ".join(f"{w:g} × {part}" for part, w in settings["depth"]["weights"].items())
    st.info(f"**Relationship depth with the current settings** = 100 × ({weights}); each part "
            f"is clipped to 0–1. **The lapse threshold** is {settings['lapse_days']:,} days. "
            "Change them on the Settings page.")
    metrics = registry.metrics()
    rooms = definitions.rooms()   # the same rooms, in the same order, as docs/metrics.md
    query = st.text_input("Find a metric", key="definitions_search")
    for room, title in rooms.items():
        found = [m for m in metrics.values() if m.room == room and (
            not query or query.lower() in f"{m.label} {m.definition}".lower())]
        if not found:
            continue
        st.subheader(title)
        for m in found:
            with st.expander(m.label, expanded=bool(query)):
                st.markdown(layout.plain(m.definition))
                if m.formula:
                    st.code(m.formula, language="text", wrap_lines=True)
                st.caption(f"id `{m.id}` · unit: {m.unit} · parameters: "
                           f"{', '.join(m.params) or 'none'}")
    terms = {term: text for term, text in targets.DEFINITIONS.items()
             if not query or query.lower() in f"{term} {text}".lower()}
    if terms:
        st.subheader("Targets")
        st.caption("How a target (a metric, a value, a due date, optionally a program) is read "
                   "on the Overview and in the board pack.")
        for term, text in terms.items():
            st.markdown(f"**{layout.plain(term)}.** {layout.plain(text)}")
    models = [m for m in registry.models().values() if not query or query.lower() in
              f"{m.label} {m.definition} {m.features}".lower()]
    if models:
        st.subheader("Predictions")
        for model in models:
            with st.expander(model.label, expanded=bool(query)):
                st.markdown(layout.plain(model.definition))
                for part in ("features", "backtest", "fallback"):
                    st.markdown(f"**{part.capitalize()}.** {layout.plain(getattr(model, part))}")
                if model.formula:
                    st.code(model.formula, language="text", wrap_lines=True)
                st.caption(f"id `{model.id}` · model · unit: {model.unit}")


main()
