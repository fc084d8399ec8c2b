"""Board pack — one click from the dashboard to a PDF and a PowerPoint a board can read."""
import streamlit as st

from engage_metrics.boardpack import FORMATS, SUPPRESSED, build_pack
from engage_metrics.periods import period_text
from engage_ui import data, filters, layout, store

LABELS = {"pdf": "PDF", "pptx": "PowerPoint (16:9)", "png": "Charts as PNG images (zip)"}
DOWNLOADS = {"pdf": "Download the PDF", "pptx": "Download the PowerPoint",
             "zip": "Download the charts (PNG, zip)"}
MIME = {"pdf": "application/pdf",
        "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "zip": "application/zip"}
PACK = "boardpack_result"


@layout.guarded
def main() -> None:
    layout.require_data()
    f = filters.current()
    layout.header("Board pack", f"{f.label}. The same numbers as the dashboard, as a PDF and a "
                  "PowerPoint for the board: no names, emails, phone numbers or lists of people; "
                  f"counts of fewer than 5 people are shown as “{SUPPRESSED}”.")
    st.markdown("**In the pack:** a title page; the headline numbers with the change since the "
                "previous period; the plain-language reading; active people by month; the "
                "task/relationship spectrum with its trajectory; the relationship battery; the "
                "ladder funnel and the flows between rungs; cohort retention; depth tiers; a "
                "table per program; volunteer hours and their value; the Form 990 volunteer "
                "count; and the definitions of every number.")
    org = st.text_input("Organization name on the title page", value=data.settings()["org_name"],
                        key="boardpack_org", max_chars=120)
    cols = st.columns(len(FORMATS))
    chosen = tuple(fmt for fmt, col in zip(FORMATS, cols, strict=True)
                   if col.checkbox(LABELS[fmt], value=True, key=f"boardpack_{fmt}"))
    request = (f.window, org, chosen, store.version())
    if st.button("Generate the board pack", type="primary", key="boardpack_generate",
                 disabled=not chosen, icon="📑"):
        bar = st.progress(0.0, text="Starting")

        def progress(fraction: float, text: str) -> None:
            bar.progress(min(fraction, 1.0), text)

        pack = build_pack(store.cursor(), f.window, org, chosen, progress=progress)
        st.session_state[PACK] = (request, pack)
    kept = st.session_state.get(PACK)
    if kept is None:
        st.caption("Uses the period and programs chosen in the sidebar. A pack for the demo "
                   "organization takes a few seconds.")
        return
    made_for, pack = kept
    if made_for != request:
        st.info("The period, programs, name or formats changed since this pack was made; "
                "generate it again to update it.")
    if pack.files():
        st.success(f"Board pack for {period_text(pack.window)} ready "
                   f"({pack.seconds:.0f} s).")
    if pack.failures:    # what could not be made; the downloads below still work
        st.warning("Not in this pack: " + "; ".join(pack.failures) + ".")
    # at most three files (PDF, PowerPoint, chart images), each in its own column
    for col, (name, content) in zip(st.columns(3), pack.files().items(), strict=False):
        kind = name.rsplit(".", 1)[1]
        col.download_button(DOWNLOADS[kind], content,
                            file_name=name, mime=MIME[kind], key=f"boardpack_download_{kind}",
                            icon="⬇️", on_click="ignore")
    st.page_link("pages/presentation.py", label="Present it full screen", icon="🎬")


main()
