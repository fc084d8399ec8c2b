"""Data — upload exports, check the column mapping before anything is written, see what
was rejected and why, undo an import, and review possible duplicate people."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from engage_metrics import importer, reader, resolve
from engage_metrics.mapping import FIELD_LABELS, FIELDS, Mapping, MappingError, auto_map, check_required
from engage_ui import data, filters, layout, store

KINDS = {"participation": "Participation — who came to which event",
         "people": "People — contact details, who recruited whom",
         "ask": "Asks — who was asked to do what, and the answer"}
NOT_MAPPED = "— not in this file —"
RESULTS = "import_results"


def mapping_editor(uploaded, table: reader.RawTable, kind: str) -> dict[str, str]:
    """One select box per canonical field, pre-filled by the auto-mapping."""
    auto = auto_map(table.columns, kind)
    options = [NOT_MAPPED, *table.columns]
    chosen: dict[str, str] = {}
    cols = st.columns(4)
    for i, field in enumerate(FIELDS[kind]):
        value = cols[i % 4].selectbox(FIELD_LABELS[field], options,
                                      index=options.index(auto[field]) if field in auto else 0,
                                      key=f"map_{uploaded.file_id}_{kind}_{field}")
        chosen[field] = "" if value == NOT_MAPPED else value
    return chosen


def preview(table: reader.RawTable, chosen: dict[str, str], hide: bool) -> pd.DataFrame:
    """The first rows as they will be read: canonical field labels over the mapped columns."""
    mapped = pd.DataFrame({f: table.rows[c].head(8).to_numpy() for f, c in chosen.items() if c},
                          index=table.rows["_line"].head(8).to_numpy())
    return layout.mask(mapped, hide, id_columns=()).rename(columns=FIELD_LABELS).rename_axis("Line")


def upload_section(hide: bool) -> None:
    kind = st.radio("What do the files hold?", list(KINDS), format_func=KINDS.get,
                    key="upload_kind", horizontal=True)
    files = st.file_uploader("CSV or Excel (.xlsx) exports", type=["csv", "txt", "tsv", "xlsx"],
                             accept_multiple_files=True, key="upload_files")
    ready = []
    for uploaded in files or []:
        content = uploaded.getvalue()
        try:
            table = reader.read_bytes(content, uploaded.name)
        except reader.ReadError as exc:
            st.error(str(exc))
            continue
        source = data.detect_source(table)
        with st.expander(f"**{uploaded.name}** — {len(table.rows):,} rows, detected source: "
                         f"{source}", expanded=True):
            chosen = mapping_editor(uploaded, table, kind)
            try:
                check_required(Mapping({f: c for f, c in chosen.items() if c}), kind, table.columns)
            except MappingError as exc:
                st.warning(str(exc))
                continue
            st.caption("Preview of the first rows as they will be imported (nothing is written "
                       "until you press Import):")
            st.dataframe(preview(table, chosen, hide), key=f"preview_{uploaded.file_id}")
            ready.append((uploaded.name, content, source, chosen))
    registered = st.checkbox("Count registrations as attendance (for exports that record no "
                             "attendance at all)", key="registered_as_attended",
                             disabled=kind != "participation")
    if st.button(f"Import {len(ready)} file(s)", type="primary", disabled=not ready,
                 key="import_button"):
        progress = st.progress(0.0, text="Importing…")
        results = []
        for i, (name, content, source, chosen) in enumerate(ready):
            progress.progress(i / len(ready), text=f"Importing {name} ({i + 1} of {len(ready)})…")
            options = importer.ImportOptions(kind=kind, source=source, mapping=chosen,
                                             treat_registered_as_attended=registered)
            results.append(importer.import_bytes(store.cursor(), content, name, options))
        progress.progress(1.0, text="Done")
        st.session_state[RESULTS] = results
        st.rerun()


def results_section(hide: bool) -> None:
    for i, result in enumerate(st.session_state.get(RESULTS, [])):
        show = {"imported": st.success, "duplicate": st.info, "failed": st.error}[result.status]
        show(result.summary())
        if result.rejected:
            st.caption(f"Rejected rows of {result.file_name} (line numbers count the header as "
                       "line 1):")
            layout.table(result.rejected_rows, hide, key=f"rejected_result_{i}")
            layout.download(result.rejected_rows, f"rejected-{result.file_name}.csv",
                            "Download the rejected rows (CSV)", hide, key=f"dl_rejected_{i}")


def history_section(hide: bool) -> None:
    history = data.frame("import_history")
    if history.empty:
        st.caption("No imports yet.")
        return
    st.dataframe(history.drop(columns=["sha256"]), hide_index=True, column_config={
        "import_id": st.column_config.NumberColumn("Import", format="#%d"),
        "imported_at": st.column_config.DatetimeColumn("When", format="D MMM YYYY, HH:mm"),
        "file_name": "File", "kind": "Kind", "source": "Source", "rows_read": "Rows read",
        "rows_accepted": "Accepted", "rows_rejected": "Rejected", "rows_skipped": "Skipped"},
        key="history_table")
    labels = {int(r.import_id): f"#{r.import_id} {r.file_name} ({r.rows_accepted:,} rows)"
              for r in history.itertuples()}
    chosen = st.selectbox("Import", list(labels), format_func=labels.get, key="history_choice")
    left, right = st.columns(2)
    with left:
        if st.button(f"Undo import #{chosen}", key="undo_button",
                     help="Removes exactly what this import added and recomputes everything."):
            importer.undo_import(store.cursor(), chosen)
            st.session_state.pop(RESULTS, None)
            st.toast(f"Import #{chosen} undone")
            st.rerun()
    with right:
        rejected = data.frame("rejected_rows")
        rejected = rejected[rejected["import_id"] == chosen]
        if not rejected.empty:
            layout.download(rejected, f"rejected-import-{chosen}.csv",
                            f"Download the {len(rejected):,} rejected rows of #{chosen}", hide,
                            key="dl_history_rejected")
    if not rejected.empty:
        layout.table(rejected, hide, key="history_rejected")


def identity_section(hide: bool) -> None:
    candidates = data.frame("identity_candidates")
    if candidates.empty:
        st.caption("No possible duplicates to review.")
        return
    st.caption(f"{len(candidates):,} pairs of people share a name but no email, phone or id. "
               "Merge them if they are one person; keep them apart otherwise.")
    shown = layout.mask(candidates, hide, id_columns=("person_a", "person_b"))
    for row in shown.head(20).itertuples():
        cols = st.columns([3, 3, 2, 1, 1])
        cols[0].markdown(layout.plain(f"{row.name_a} · {row.email_a or row.phone_a or '—'}"))
        cols[1].markdown(layout.plain(f"{row.name_b} · {row.email_b or row.phone_b or '—'}"))
        cols[2].caption(str(row.why))
        for col, decision, label in ((cols[3], "merge", "Merge"), (cols[4], "apart", "Keep apart")):
            if col.button(label, key=f"{decision}_{row.person_a}_{row.person_b}"):
                resolve.decide(store.cursor(), decision, int(row.person_a), int(row.person_b))
                st.toast("Merged" if decision == "merge" else "Kept apart")
                st.rerun()


@layout.guarded
def main() -> None:
    f = filters.current()
    layout.header("Data", "Upload exports, check the mapping, see what was rejected, undo "
                  "an import, and review possible duplicates.")
    st.subheader("Upload")
    upload_section(f.hide_names)
    results_section(f.hide_names)
    st.subheader("Import history")
    history_section(f.hide_names)
    st.subheader("Possible duplicates")
    identity_section(f.hide_names)


main()
