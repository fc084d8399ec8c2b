"""Engage dashboard: `streamlit run dashboard.py`.

The entry point sets the page, opens this rerun's cursor, draws the shared
sidebar filters (kept across pages) and runs the selected page from pages/.
"""
import streamlit as st

st.set_page_config(page_title="Engage", page_icon="🤝", layout="wide")

from engage_ui import filters, store  # noqa: E402 - set_page_config must come first

store.begin_run()
navigation = st.navigation({
    "For the director": [
        st.Page("pages/overview.py", title="Overview", icon="🏠", default=True),
    ],
    "Explore": [
        st.Page("pages/participation.py", title="Participation", icon="👥"),
        st.Page("pages/ladder.py", title="Ladder & asks", icon="🪜"),
        st.Page("pages/relationships.py", title="Relationships", icon="🤝"),
        st.Page("pages/spectrum.py", title="Spectrum", icon="🔋"),
    ],
    "For analysts": [
        st.Page("pages/people.py", title="People", icon="📇"),
        st.Page("pages/data.py", title="Data", icon="📤"),
        st.Page("pages/settings.py", title="Settings", icon="⚙️"),
        st.Page("pages/definitions.py", title="Definitions", icon="📖"),
    ],
})
filters.sidebar()
navigation.run()
