"""Presentation — the board pack's sequence on screen: one section per screen, full width,
large type, no sidebar."""
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from engage_metrics.boardpack import Deck, Section
from engage_ui import data, filters, layout, store

SCREEN, DECK = "presentation_screen", "presentation_deck"
# Constant CSS (no data in it): hide the sidebar and its toggle, enlarge the type.
STYLE = """<style>
section[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"],
[data-testid="stExpandSidebarButton"] {display: none;}
.block-container {padding-top: 1.5rem; max-width: 100%;}
[data-testid="stMarkdownContainer"] p, [data-testid="stMarkdownContainer"] li {
  font-size: 1.55rem; line-height: 1.45;}
[data-testid="stCaptionContainer"] p {font-size: 1.2rem;}
[data-testid="stTable"] td, [data-testid="stTable"] th,
[data-testid="stTable"] [role="gridcell"], [data-testid="stTable"] [role="columnheader"] {
  font-size: 1.35rem;}
h1 {font-size: 3.2rem;} h2 {font-size: 2.4rem;}
</style>"""


def deck(org: str) -> Deck:
    """The sections of the sidebar's window, kept for this session until anything changes;
    each screen's section is built when it is first shown (Deck)."""
    f = filters.current()
    key = (f.window, org, store.version())
    kept = st.session_state.get(DECK)
    if kept is None or kept[0] != key:
        with st.spinner("Preparing the presentation…"):
            kept = (key, Deck(store.cursor(), f.window, org))
        st.session_state[DECK] = kept
        st.session_state[SCREEN] = 0
    return kept[1]


def show(section: Section) -> None:
    if section.kind == "title":
        st.title(layout.plain(section.title), anchor=False)
        st.header(layout.plain(section.lead), anchor=False, divider="gray")
        for line in section.bullets:
            st.markdown(layout.plain(line))
        return
    st.header(layout.plain(section.title), anchor=False)
    if section.lead:
        st.caption(layout.plain(section.lead))
    if section.kind == "definitions":
        for label, text in section.definitions:
            st.markdown(f"**{layout.plain(label)}** — {layout.plain(text)}")
        return
    if section.figure is not None and section.table is not None:
        left, right = st.columns([3, 2], vertical_alignment="center")
    else:
        left = right = st.container()
    if section.figure is not None:
        with left:
            layout.chart(go.Figure(section.figure).update_layout(height=640), key="screen")
    if section.table is not None:
        with right:
            t = section.table
            layout.static_table(pd.DataFrame(
                {c: [r[i] for r in t.rows] for i, c in enumerate(t.columns)}), hide_index=True)
    for line in section.bullets:
        st.markdown(f"- {layout.plain(line)}")


def move(step: int, count: int) -> None:
    st.session_state[SCREEN] = max(0, min(st.session_state.get(SCREEN, 0) + step, count - 1))


@layout.guarded
def main() -> None:
    layout.require_data()
    st.markdown(STYLE, unsafe_allow_html=True)
    org = st.session_state.get("boardpack_org") or data.settings()["org_name"]
    sections = deck(org)
    count = len(sections)
    screen = min(st.session_state.get(SCREEN, 0), count - 1)
    with st.spinner("Preparing this screen…"):
        section = sections.section(store.cursor(), screen)
    back, where, forward, leave = st.columns([1, 4, 1, 1], vertical_alignment="center")
    back.button("◀ Previous", key="presentation_previous", disabled=screen == 0, width="stretch",
                on_click=move, args=(-1, count), shortcut="ArrowLeft")
    forward.button("Next ▶", key="presentation_next", disabled=screen == count - 1,
                   width="stretch", on_click=move, args=(1, count), shortcut="ArrowRight")
    where.caption(layout.plain(f"Screen {screen + 1} of {count}: {section.title} "
                               "(arrow keys move between screens)"))
    leave.page_link("pages/boardpack.py", label="Exit", icon="✖️")
    show(section)


main()
