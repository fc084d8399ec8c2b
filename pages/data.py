"""Data — upload exports (the source detected per file, related files joined), check the
column mapping before anything is written, see what was rejected and why and the data
quality, undo an import, review possible duplicate people, download a backup."""
from __future__ import annotations

import datetime as dt
import re
import zlib

import pandas as pd
import streamlit as st

from engage_metrics import adapters, backup, importer, resolve
from engage_metrics.mapping import FIELD_LABELS, FIELDS
from engage_metrics.reader import RawTable
from engage_ui import access, data, filters, layout, quality_card, readonly, store, uploads

KINDS = {"participation": "Participation — who came to which event",
         "people": "People — contact details, who recruited whom",
         "ask": "Asks — who was asked to do what, and the answer"}
SOURCES = {uploads.AUTO: "Detect automatically", **dict(adapters.list_sources())}
NOT_MAPPED = "— not in this file —"
RESULTS = "import_results"


def mapping_editor(up: uploads.Upload, plan: uploads.Plan, kind: str,
                   source: str) -> dict[str, str]:
    """One select box per canonical field, pre-filled with the mapping the import would use."""
    options = [NOT_MAPPED, *plan.table.columns]
    chosen: dict[str, str] = {}
    cols = st.columns(4)
    for i, field in enumerate(FIELDS[kind]):
        planned = plan.mapping.get(field)
        value = cols[i % 4].selectbox(FIELD_LABELS[field], options,
                                      index=options.index(planned) if planned in options else 0,
                                      key=f"map_{up.file_id}_{up.sheet}_{up.header_row}_{kind}_{source}_"
                                          f"{field}")
        chosen[field] = "" if value == NOT_MAPPED else value
    return chosen


def preview(table: RawTable, chosen: dict[str, str], hide: bool) -> pd.DataFrame:
    """The first rows as they will be read: canonical field labels over the mapped columns."""
    mapped = pd.DataFrame({f: table.rows[c].head(8).to_numpy() for f, c in chosen.items() if c},
                          index=table.rows["_line"].head(8).to_numpy())
    return layout.mask(mapped, hide, id_columns=()).rename(columns=FIELD_LABELS).rename_axis("Line")


def event_boxes(up: uploads.Upload) -> None:
    """The event of a file that is one event's list (Eventbrite, Action Network …)."""
    left, right = st.columns(2)
    left.text_input("Event name for the whole file", key=f"event_title_{up.file_id}")
    right.date_input("Event date", value=None, key=f"event_date_{up.file_id}")


def file_event(up: uploads.Upload) -> tuple[str, str]:
    """The event name and date typed for *up* ('' when not given)."""
    title = st.session_state.get(f"event_title_{up.file_id}") or ""
    date = st.session_state.get(f"event_date_{up.file_id}")
    return title.strip(), date.isoformat() if date else ""


def events_key(up: uploads.Upload, events: list[str]) -> str:
    """The key of the table of *up*'s undated events (a new table when the list changes)."""
    return f"event_dates_{up.file_id}_{zlib.crc32(chr(10).join(events).encode()):08x}"


def event_dates_table(up: uploads.Upload, events: list[str]) -> None:
    """The events of a report that have no date, with an empty date column to fill in."""
    st.caption("Events without a date — give each one's date (nothing is imported until "
               "every event has one; events are never put on one date by guessing):")
    layout.editor(pd.DataFrame({"Event": events, "Date": [None] * len(events)}),
                  key=events_key(up, events), disabled=["Event"],
                  column_config={"Event": st.column_config.TextColumn("Event"),
                                 "Date": st.column_config.DateColumn("Date",
                                                                     format="D MMM YYYY")})


def date_order_box(up: uploads.Upload, check: importer.DateOrderCheck) -> str | None:
    """The order of the file's numeric dates, with how its example date reads each way and
    a preview of its first rows' dates: the order chosen (None: detected, or not chosen
    yet when the file cannot say)."""
    con = store.cursor()
    readings = uploads.example_readings(con, check)
    detected = check.order

    def label(order: str) -> str:
        if order == "detect":
            return f"Detect ({importer.ORDER_WORDS[detected]})" if detected else "Detect"
        text = uploads.ORDER_LABELS[order]
        if not check.example:
            return text
        return f"{text}: {layout.plain(check.example)} is {readings[order]}"

    if detected is None:
        why = re.split(r"; choose|\. Check the file", check.message)[0]
        st.warning(f"{layout.plain(up.name)}: {layout.plain(why)}. Choose the order of its "
                   "dates below (dates that do not read that way become rejected rows).")
        options = list(uploads.ORDER_LABELS)
    else:
        options = ["detect", *uploads.ORDER_LABELS]
    value = st.radio("Order of the numeric dates (day, month, year)", options,
                     format_func=label, index=None if detected is None else 0,
                     key=f"date_order_{up.file_id}", horizontal=True,
                     help="How a date such as 03/04/2024 is read: day-first (3 April) or "
                          "month-first (4 March). Detect reads the file's own values, the "
                          "tool's format or the organization's time zone.")
    order = value if value in uploads.ORDER_LABELS else None
    if detected is not None and order is None:
        st.caption(layout.plain(check.notes[0] if check.notes else
                                f"Dates read {importer.ORDER_WORDS[detected]}, as this "
                                "export writes them."))
    shown = order or detected
    st.caption("How the first rows' dates read" + ("" if shown else " each way") + ":")
    preview_frame = uploads.date_preview(con, check, [shown] if shown else ["dmy", "mdy"])
    layout.static_table(preview_frame.set_index("Line"))
    return order


def layout_boxes(up: uploads.Upload, detected: int | None = None) -> None:
    """The header row (the detected one by default) and, when the reader fills a column
    down, the fill-down checkbox."""
    left, right = st.columns(2)
    found = up.detected_header if detected is None else detected
    left.number_input("Header row", min_value=1, step=1, value=found,
                      key=uploads.header_key(up.file_id, st.session_state.get(
                          f"sheet_{up.file_id}")),
                      help=f"The row with the column names, counted from 1 as the file or "
                           f"sheet shows it (found: row {found}). Rows above it are skipped "
                           "and listed in the import's notes.")
    if up.header_row is not None and detected is None:
        left.caption(f"The header was found on row {up.detected_header}; row "
                     f"{up.header_row} is used, as chosen.")
    if up.fills or not up.fill_down:
        right.checkbox("Fill down grouping columns", value=True,
                       key=uploads.fill_key(up.file_id),
                       help="An event or date written once for a block of rows (or in a "
                            "merged cell) is repeated on the blank rows below it. Turn it off "
                            "to leave those cells blank (such rows are then rejected or "
                            "imported as they are).")


def file_section(up: uploads.Upload, joined: dict, kind: str, source: str,
                 hide: bool) -> uploads.Choice | None:
    """One file: its source, sheet, mapping, the order of its dates and preview; the
    analyst's choice when the file can be imported."""
    if up.error or up.table is None:
        st.error(layout.plain(up.error or f"{up.name} could not be read."))
        if up.content and (up.header_row is not None or "header" in (up.error or "").lower()):
            layout_boxes(up, detected=1)     # the header row may be the way out
        return None
    if up.companion:
        st.info(f"**{layout.plain(up.name)}** is Mobilize's {up.companion} table: it is "
                "joined to the Mobilize participations file uploaded with it.")
        layout_boxes(up)            # its own header row and fill-down, not the main file's
        if up.choice_error:
            st.warning(layout.plain(up.choice_error))
        return None
    title, date = file_event(up)
    chosen_order = st.session_state.get(f"date_order_{up.file_id}")
    order = chosen_order if chosen_order in uploads.ORDER_LABELS else None
    events: list[str] = st.session_state.get(f"undated_{up.file_id}", [])
    event_dates = uploads.event_dates_given(events, st.session_state.get(events_key(up, events)))
    try:
        plan, problem = uploads.plan(up, kind, source, joined, title, date, order,
                                     event_dates), ""
    except adapters.EventDatesNeeded as exc:
        events = events + [e for e in exc.events if e not in events]
        st.session_state[f"undated_{up.file_id}"] = events
        plan, problem = None, (f"{len(exc.events)} event(s) of this report have no date: "
                               "give their dates in the table below, or map a date column "
                               f"below. ({exc})")
    except (adapters.AdapterError, ValueError) as exc:
        plan, problem = None, str(exc)
    asks_event = bool(title or date) or "event date" in problem
    label = f"**{layout.plain(up.name)}** — {len(up.table.rows):,} rows"
    if plan is not None:
        how = "detected source" if source == uploads.AUTO else "source"
        label += f", {how}: {plan.adapter.label}"
    with st.expander(label, expanded=True):
        if up.sheets:
            st.selectbox("Sheet", up.sheets, index=up.sheets.index(up.sheet) if up.sheet else 0,
                         key=f"sheet_{up.file_id}",
                         help="This workbook has several sheets. By default every sheet "
                              "with the layout of the first data sheet (the same columns) is "
                              "imported together, and the notes name the sheets left out; "
                              "choose one sheet to import it alone.")
        layout_boxes(up)
        if up.choice_error:
            st.warning(layout.plain(up.choice_error))
            return None
        if problem:
            st.warning(layout.plain(f"{up.name}: {problem}"))
        if asks_event:
            event_boxes(up)
        if events:
            event_dates_table(up, events)
        plan = plan or uploads.best_guess(up, kind, source)
        if plan is None:
            return None
        chosen = mapping_editor(up, plan, kind, source)
        mapping_problem = uploads.mapping_problem(chosen, kind, plan.table.columns,
                                                  generic=plan.adapter.name == "generic")
        if mapping_problem:
            st.warning(layout.plain(mapping_problem))
            return None
        changed = uploads.overrides(plan.mapping, chosen, kind)
        check = uploads.date_check(store.cursor(), plan, changed)
        if check is not None:
            order = date_order_box(up, check)
            if order is None and check.order is None:
                return None
        st.caption("Preview of the first rows as they will be imported (nothing is written "
                   "until you press Import):")
        layout.dataframe(preview(plan.table, chosen, hide), key=f"preview_{up.file_id}",
                         hide_index=False)
    return uploads.Choice(up, changed, title or None, date or None, order,
                          event_dates or None)


def upload_section(hide: bool) -> None:
    left, right = st.columns([3, 2])
    kind = left.radio("What do the files hold?", list(KINDS), format_func=KINDS.__getitem__,
                      key="upload_kind", horizontal=True) or "participation"
    source = right.selectbox("Source", list(SOURCES), format_func=SOURCES.__getitem__,
                             key="upload_source",
                             help="Which tool exported the files. Detected from each file's "
                                  "columns unless you choose one.") or uploads.AUTO
    files = st.file_uploader("CSV or Excel (.xlsx) exports — select related files (Mobilize's "
                             "participations, timeslots and events) together",
                             type=["csv", "txt", "tsv", "xlsx"], accept_multiple_files=True,
                             key="upload_files")
    read = [uploads.read_chosen(f) for f in files or []]
    joined = uploads.companions(read)
    extracts, parts = uploads.attached(read)
    choices = {}
    for up in read:
        if up.file_id in parts:
            role, main = parts[up.file_id]
            st.info(f"**{layout.plain(up.name)}** is a "
                    f"{adapters.companions_module.ROLE_WORDS[role]} file: it is joined "
                    f"to **{layout.plain(main)}** uploaded with it, on their shared ids.")
            continue
        choice = file_section(up, {**joined, **extracts.get(up.file_id, {})}, kind, source,
                              hide)
        if choice is not None:
            choices[up.file_id] = choice
    registered = st.checkbox("Count registrations as attendance (for exports that record no "
                             "attendance at all)", key="registered_as_attended",
                             disabled=kind != "participation")
    if st.button(f"Import {len(choices)} file(s)", type="primary", disabled=not choices,
                 key="import_button"):
        with st.spinner("Importing…"):
            results = uploads.import_all(store.cursor(), read, choices, kind, source, registered)
        st.session_state[RESULTS] = results
        st.rerun()


def results_section(hide: bool) -> None:
    for i, result in enumerate(st.session_state.get(RESULTS, [])):
        show = {"imported": st.success, "duplicate": st.info, "failed": st.error}[result.status]
        show(layout.plain(result.summary()))
        if result.needs:
            st.caption(("Choose the order of its dates" if result.needs == "date_order" else
                        "Give its events' dates") + " in the file's section above, then "
                       "import again.")
        if result.rejected:
            st.caption(f"Rejected rows of {layout.plain(result.file_name)} (line numbers count "
                       "the header as line 1):")
            layout.table(result.rejected_rows, hide, key=f"rejected_result_{i}")
            layout.download(result.rejected_rows, f"rejected-{result.file_name}.csv",
                            "Download the rejected rows (CSV)", hide, key=f"dl_rejected_{i}")
        if not result.duplicates.empty:
            st.caption(f"Suspected duplicates among the people of "
                       f"{layout.plain(result.file_name)} (same name, different email, phone or "
                       "id) — decide below under Possible duplicates:")
            layout.dataframe(layout.mask(result.duplicates, hide,
                                         id_columns=("person_a", "person_b")),
                             key=f"duplicates_result_{i}")
        card = data.quality_card(result.import_id) if result.status == "imported" else None
        if card is not None:
            with st.expander(f"Data quality of import #{result.import_id}", expanded=False):
                quality_card.render(card, hide, key=f"import_{result.import_id}")


def backup_section() -> None:
    st.caption("Every table of the database as Parquet files with a checksummed manifest, in "
               "one zip. Restore it with `python -m engage_metrics restore`.")
    con = store.connection()
    st.download_button("Download a backup", data=lambda: backup.backup_zip(con),
                       file_name=f"engage-backup-{dt.date.today():%Y-%m-%d}.zip",
                       mime="application/zip", key="backup_button", icon="💾",
                       on_click="ignore")


def history_section(hide: bool) -> None:
    history = data.frame("import_history")
    if history.empty:
        st.caption("No imports yet.")
        return
    layout.dataframe(history.drop(columns=["sha256"]), column_config={
        "import_id": st.column_config.NumberColumn("Import", format="#%d"),
        "imported_at": st.column_config.DatetimeColumn("When", format="D MMM YYYY, HH:mm"),
        "file_name": "File", "kind": "Kind", "source": "Source", "rows_read": "Rows read",
        "rows_accepted": "Accepted", "rows_rejected": "Rejected", "rows_skipped": "Skipped"},
        key="history_table")
    labels = {int(r.import_id): f"#{r.import_id} {r.file_name} ({r.rows_accepted:,} rows)"
              for r in history.itertuples()}
    chosen = st.selectbox("Import", list(labels), format_func=labels.__getitem__,
                          key="history_choice")
    if chosen is None:   # no import in the history: the section is not shown then
        return
    left, right = st.columns(2)
    with left:
        if store.read_only():
            readonly.undo_notice(chosen)
        elif st.button(f"Undo import #{chosen}", key="undo_button",
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
    if store.read_only():
        readonly.decisions_notice()
    shown = layout.mask(candidates, hide, id_columns=("person_a", "person_b"))
    for row in shown.head(20).itertuples():
        cols = st.columns([3, 3, 2, 1, 1])
        cols[0].markdown(layout.plain(f"{row.name_a} · {row.email_a or row.phone_a or '—'}"))
        cols[1].markdown(layout.plain(f"{row.name_b} · {row.email_b or row.phone_b or '—'}"))
        cols[2].caption(layout.plain(row.why))
        if store.read_only():       # decided by ./scripts/spark decide (see above)
            cols[3].caption(f"#{row.person_a} and #{row.person_b}")
            continue
        for col, decision, label in ((cols[3], "merge", "Merge"), (cols[4], "apart", "Keep apart")):
            if col.button(label, key=f"{decision}_{row.person_a}_{row.person_b}"):
                resolve.decide(store.cursor(), decision, int(row.person_a), int(row.person_b))
                st.toast("Merged" if decision == "merge" else "Kept apart")
                st.rerun()


def links_section(hide: bool) -> None:
    """Name-only rows joined by name to the person with that name and an email in the
    same file; Undo keeps them apart (the rows become their own weak person again)."""
    links = data.frame("name_links")
    if links.empty:
        return
    st.caption(f"Linked by name — {len(links):,} name-only sign-ins (no email, phone or id) "
               "were joined to the one person with the same name and an email in the same "
               "file. Undo a link if they are not the same person.")
    if store.read_only():
        readonly.links_notice()
    shown = layout.mask(links, hide, id_columns=("person_id",))
    for i, row in enumerate(shown.head(20).itertuples()):
        cols = st.columns([6, 1])
        if store.read_only():       # undone by ./scripts/spark unlink PERSON_ID (above)
            cols[0].markdown(layout.plain(f"{row.full_name} · {row.email or '—'} — person "
                                          f"#{row.person_id}"))
            continue
        cols[0].markdown(layout.plain(f"{row.full_name} · {row.email or '—'}"))
        if cols[1].button("Undo", key=f"unlink_{i}", help="Keep these name-only rows apart "
                          "from this person (recorded as a keep-apart decision)."):
            resolve.unlink(store.cursor(), str(links["link_key"].iloc[i]))
            st.toast("Link undone")
            st.rerun()


@layout.guarded
def main() -> None:
    access.require_analyst()
    f = filters.current()
    lake = store.read_only()     # a lake is read-only: Spark imports into it
    layout.header("Data", "What the lake holds: its imports, what was rejected and why, the "
                  "data quality and possible duplicates." if lake else
                  "Upload exports, check the mapping, see what was rejected and the data "
                  "quality, undo an import, review possible duplicates, download a backup.")
    st.subheader("Imports" if lake else "Upload")
    if lake:
        readonly.data_notice()
    else:
        upload_section(f.hide_names)
        results_section(f.hide_names)
    st.subheader("Import history")
    history_section(f.hide_names)
    st.subheader("Possible duplicates")
    identity_section(f.hide_names)
    links_section(f.hide_names)
    st.subheader("Data quality of the whole database")
    card = data.quality_card()
    if card is not None:
        quality_card.render(card, f.hide_names, key="database")
    st.subheader("Backup")
    if lake:
        readonly.store_notice()
    else:
        backup_section()


main()
