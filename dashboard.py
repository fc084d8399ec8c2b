"""Engage dashboard: `streamlit run dashboard.py`.

The entry point sets the page, lets only signed-in users past the gate (local use
needs no sign-in), opens this rerun's cursor, draws the shared sidebar filters
(kept across pages) and runs the selected page from pages/. Viewers get no
analyst pages at all: not in the menu, and their URLs do not resolve.
"""
import streamlit as st

st.set_page_config(page_title="Engage", page_icon="🤝", layout="wide")

from engage_ui import access, filters, readonly, store  # noqa: E402 - set_page_config must come first

session = access.gate()
if session is None:
    st.navigation([st.Page(access.sign_in_page, title="Sign in", icon="🔒")]).run()
    st.stop()

store.begin_run()
analyst_pages = [
    st.Page("pages/people.py", title="People", icon="📇"),
    st.Page("pages/data.py", title="Data", icon="📤"),
    st.Page("pages/settings.py", title="Settings", icon="⚙️"),
] if session.is_analyst else []
navigation = st.navigation({
    "For the director": [
        st.Page("pages/overview.py", title="Overview", icon="🏠", default=True),
        st.Page("pages/boardpack.py", title="Board pack", icon="📑"),
        st.Page("pages/presentation.py", title="Presentation", icon="🎬"),
    ],
    "Explore": [
        st.Page("pages/participation.py", title="Participation", icon="👥"),
        st.Page("pages/ladder.py", title="Ladder & asks", icon="🪜"),
        st.Page("pages/relationships.py", title="Relationships", icon="🤝"),
        st.Page("pages/spectrum.py", title="Spectrum", icon="🔋"),
    ],
    "For analysts" if session.is_analyst else "Reference": [
        *analyst_pages,
        st.Page("pages/definitions.py", title="Definitions", icon="📖"),
    ],
})
access.sign_out_button(session)
filters.sidebar(session)
readonly.sidebar_note(session)
navigation.run()
