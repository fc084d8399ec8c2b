"""Every dashboard page through Streamlit's AppTest, on the demo and on an empty store.

Why: pages are thin, but they are where a user meets the engine — a page that
raises, shows a number that differs from the engine's, or ignores a filter is
a broken product even when every metric is right.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest
from helpers_ui import (
    CHART_PAGES,
    PAGES,
    DemoStore,
    engine_report,
    metric_values,
    problems,
    table_with,
)

from engage_metrics import db, registry
from engage_metrics.config import lapse_days
from engage_metrics.metrics import Window


def fmt(metric_id: str, value) -> str:
    return registry.get(metric_id).format(value)


@pytest.mark.parametrize("page", PAGES)
def test_page_renders_on_demo(app, demo_store: DemoStore, page: str) -> None:
    at = app(demo_store.path, page)
    assert problems(at) == []
    charts = at.get("plotly_chart")
    assert len(charts) >= CHART_PAGES.get(page, 0)
    assert "Welcome to Engage" not in [t.value for t in at.title]


@pytest.mark.parametrize("page", PAGES)
def test_page_on_empty_store_is_friendly(app, tmp_path: Path, page: str) -> None:
    at = app(tmp_path / "empty.duckdb", page)
    assert problems(at) == []
    titles = [t.value for t in at.title]
    if page in CHART_PAGES or page == "people":
        assert titles == ["Welcome to Engage"]
        assert at.button(key="load_demo").label == "Load the demo organization"
    else:
        assert "Welcome to Engage" not in titles


def test_overview_kpis_match_the_engine(app, demo_store: DemoStore) -> None:
    at = app(demo_store.path, "overview")
    r = demo_store.report
    shown = metric_values(at)
    assert shown["Active people"] == fmt("active_people", r["participation"]["active"])
    assert shown["New people"] == fmt("new_people", r["participation"]["new"])
    assert shown["Repeat rate"] == fmt("repeat_rate", r["participation"]["repeat_rate"])
    assert shown["90-day return rate"] == fmt("return_rate_90d",
                                              r["participation"]["return_rate_90d"])
    assert shown["Escalation rate"] == fmt("escalation_rate", r["ladder"]["escalation_rate"])
    assert shown["Mean relationship depth"] == fmt("mean_depth", r["depth"]["mean"])
    assert shown["Volunteer hours"] == fmt("total_hours", r["participation"]["hours"])
    # 34.79 USD per hour is the shipped default
    assert shown["Value of the hours"] == f"${r['participation']['hours'] * 34.79:,.0f}"
    # every card carries its definition as help text, and a delta vs the previous period
    card = next(m for m in at.metric if m.label == "Active people")
    assert registry.get("active_people").definition in card.help
    assert card.delta
    # the reading quotes the engine's numbers
    reading = " ".join(m.value for m in at.markdown)
    assert f"{r['participation']['active']:,} people took part" in reading


def test_program_filter_changes_every_number(app, demo_store: DemoStore) -> None:
    at = app(demo_store.path, "participation")
    program = demo_store.programs[0]
    at.multiselect(key="f_programs").set_value([program]).run()
    assert problems(at) == []
    expected = engine_report(demo_store.path, dataclasses.replace(demo_store.window,
                                                                  programs=(program,)))
    # the app holds the file now; engine_report opened it read-only in the same process
    shown = metric_values(at)
    assert shown["Active people"] == fmt("active_people", expected["participation"]["active"])
    assert shown["Active people"] != fmt("active_people", demo_store.report["participation"]["active"])
    assert shown["No-show rate"] == fmt("no_show_rate", expected["participation"]["no_show_rate"])


def test_date_preset_and_comparison(app, demo_store: DemoStore) -> None:
    at = app(demo_store.path, "overview")
    at.selectbox(key="f_preset").set_value("All time").run()
    assert problems(at) == []
    last = demo_store.window.end
    first_card = next(m for m in at.metric if m.label == "Active people")
    con_window = Window(dt.date(2023, 11, 1), last)
    expected = engine_report(demo_store.path, con_window)
    assert first_card.value == fmt("active_people", expected["participation"]["active"])
    at.toggle(key="f_compare").set_value(False).run()
    assert all(not m.delta for m in at.metric)


def test_hide_names_masks_people_everywhere(app, demo_store: DemoStore) -> None:
    at = app(demo_store.path, "people")
    table = table_with(at, "programs")
    assert table["email"].str.contains("@").any()
    at.toggle(key="f_hide_names").set_value(True).run()
    assert problems(at) == []
    for df in (e.value for e in at.dataframe):
        for col in ("name", "email", "phone"):
            if col in df.columns:
                assert not df[col].astype(str).str.contains("@").any()
        if "name" in df.columns and "person_id" in df.columns:
            assert (df["name"] == "Person " + df["person_id"].astype(str)).all()
    # the setting follows the user to the next page
    at.switch_page("pages/data.py").run()
    texts = " ".join(m.value for m in at.markdown)
    assert "@" not in texts


def test_people_search_narrows_the_table(app, demo_store: DemoStore) -> None:
    at = app(demo_store.path, "people")
    full = len(table_with(at, "programs"))
    at.text_input(key="people_search").input("Field").run()
    narrowed = table_with(at, "programs")
    assert 0 < len(narrowed) < full
    assert narrowed["programs"].str.contains("Field").all()


def test_start_screen_loads_the_demo(app, tmp_path: Path) -> None:
    at = app(tmp_path / "empty.duckdb", "overview")
    at.button(key="load_demo").click().run()
    assert problems(at) == []
    assert "Active people" in metric_values(at)
    assert len(at.get("plotly_chart")) >= 2


SIGN_IN = """Volunteer,E-mail,Shift,Shift Type,Team,When,Checked in
Ana Lopez,ana@example.org,Saturday cleanup,Cleanup,Newtown,2026-10-03 09:00,yes
Ben Okafor,ben@example.org,Saturday cleanup,Cleanup,Newtown,2026-10-03 09:00,no
Ana Lopez,ana@example.org,Potluck,Potluck,Newtown,2026-10-10 18:00,yes
Cy Park,cy@example.org,Potluck,Potluck,Newtown,2026-10-10 18:00,yes
Dee Ray,not-an-email,Potluck,Potluck,Newtown,not a date,yes
"""


def test_upload_with_mapping_edit_then_undo(app, tmp_path: Path) -> None:
    at = app(tmp_path / "store.duckdb", "data")
    at.file_uploader(key="upload_files").set_value(("signin.csv", SIGN_IN.encode(), "text/csv"))
    at.run()
    assert problems(at) == []
    def select(label: str):
        return next(s for s in at.selectbox if s.label == label)

    assert select("Program / team").value == "Team"          # auto-mapped
    # "Volunteer", "Shift" and "Shift Type" are not known names: nothing can be imported
    # until the analyst maps them
    assert select("Full name").value == "— not in this file —"
    assert any("event column" in w.value for w in at.warning)
    assert at.button(key="import_button").disabled
    select("Full name").set_value("Volunteer").run()
    select("Event name").set_value("Shift").run()
    select("Event type").set_value("Shift Type").run()
    assert not at.warning
    preview = next(d.value for d in at.dataframe if "Full name" in d.value.columns)
    assert preview["Full name"].iloc[0] == "Ana Lopez"
    at.button(key="import_button").click().run()
    assert [e.value for e in at.exception] == []
    assert any("1 rejected" in s.value for s in at.success)
    history = table_with(at, "rows_accepted")
    assert list(history["rows_accepted"]) == [4]
    at.switch_page("pages/overview.py").run()
    assert metric_values(at)["Active people"] == "2"      # Ana and Cy; Ben was a no-show
    at.switch_page("pages/data.py").run()
    at.button(key="undo_button").click().run()
    assert problems(at) == []
    assert "No imports yet." in [c.value for c in at.caption]
    at.switch_page("pages/overview.py").run()
    assert [t.value for t in at.title] == ["Welcome to Engage"]


def test_settings_change_updates_numbers(app, demo_copy: Path) -> None:
    at = app(demo_copy, "settings")
    hourly = next(n for n in at.number_input if n.label.startswith("Value of one volunteer hour"))
    hourly.set_value(10.0)
    next(b for b in at.button if b.label == "Save settings").click().run()
    assert problems(at) == []
    at.switch_page("pages/overview.py").run()
    shown = metric_values(at)
    hours = float(shown["Volunteer hours"].replace(",", "").removesuffix(" h"))
    assert shown["Value of the hours"] == f"${hours * 10:,.0f}"


def test_settings_change_the_lapse_threshold(app, demo_copy: Path) -> None:
    at = app(demo_copy, "settings")
    lapse = next(n for n in at.number_input if n.label == "Lapse threshold (days)")
    assert lapse.value == 180
    lapse.set_value(200)
    next(b for b in at.button if b.label == "Save settings").click().run()
    assert problems(at) == []
    con = db.connect(demo_copy)      # shares the database with the app's connection
    try:
        assert lapse_days(con) == 200
    finally:
        con.close()
    at.switch_page("pages/definitions.py").run()
    assert "**The lapse threshold** is 200 days." in at.info[0].value


def test_definitions_list_every_metric(app, demo_store: DemoStore) -> None:
    at = app(demo_store.path, "definitions")
    labels = {e.label for e in at.expander}
    # every metric, and every prediction model (docs/predictions.md)
    assert labels == ({m.label for m in registry.metrics().values()}
                      | {m.label for m in registry.models().values()})


GOLDEN = Path(__file__).resolve().parent / "golden"


def upload(at, *paths_or_files):
    """Put files in the Data page's uploader: paths, or (name, bytes) pairs."""
    files = [(p.name, p.read_bytes(), "text/csv") if isinstance(p, Path) else (*p, "text/csv")
             for p in paths_or_files]
    at.file_uploader(key="upload_files").set_value(files)
    return at.run()


def expander_labels(at) -> list[str]:
    return [e.label for e in at.expander]


def test_mobilize_tables_are_detected_and_joined(app, tmp_path: Path) -> None:
    at = app(tmp_path / "store.duckdb", "data")
    upload(at, *(GOLDEN / "mobilize" / f for f in ("participations.csv", "timeslots.csv",
                                                    "events.csv")))
    assert problems(at) == []
    assert any("participations.csv" in label and "detected source: Mobilize" in label
               for label in expander_labels(at))
    companions = " ".join(i.value for i in at.info)
    assert "timeslots table" in companions and "events table" in companions
    assert at.button(key="import_button").label == "Import 1 file(s)"
    at.button(key="import_button").click().run()
    assert problems(at) == []
    [done] = [s.value for s in at.success]
    # 6 rows, the waitlisted one rejected by Mobilize's status table (tests/test_adapters.py)
    assert done.startswith("participations.csv + events.csv + timeslots.csv: import #1")
    assert "source mobilize" in done and "5 accepted, 1 rejected" in done
    assert any(label.startswith("Data quality of import #1") for label in expander_labels(at))
    assert list(table_with(at, "rows_accepted")["source"]) == ["mobilize"]


def test_action_network_api_files_are_joined_on_the_data_page(app, tmp_path: Path) -> None:
    """Another tool's companion extracts (here Action Network's people and event records)
    go with the file whose ids they hold, as the import joins them: the attendances are
    planned with them (no event dates asked for) and the two are not files of their own."""
    at = app(tmp_path / "store.duckdb", "data")
    upload(at, *(GOLDEN / "action_network" / f for f in ("attendances.csv", "people.csv",
                                                          "events.csv")))
    assert problems(at) == [] and [w.value for w in at.warning] == []
    assert expander_labels(at) == ["**attendances.csv** — 7 rows, detected source: Action "
                                   "Network (RSVP report, or API attendances + people + events)"]
    assert [i.value for i in at.info] == [
        "**people.csv** is a contacts file: it is joined to **attendances.csv** uploaded with "
        "it, on their shared ids.",
        "**events.csv** is a jobs/shifts/events file: it is joined to **attendances.csv** "
        "uploaded with it, on their shared ids."]
    at.button(key="import_button").click().run()
    assert problems(at) == []
    [done] = [s.value for s in at.success]
    assert done.startswith("attendances.csv + people.csv + events.csv: import #1 (participation, "
                           "source action_network): 7 rows read, 6 accepted, 1 rejected")


def test_one_event_export_asks_for_its_date_and_the_source_can_be_forced(app, tmp_path: Path) -> None:
    at = app(tmp_path / "store.duckdb", "data")
    upload(at, GOLDEN / "eventbrite" / "Spring Gala attendee summary.csv")
    assert problems(at) == []
    assert any("detected source" not in label for label in expander_labels(at))
    assert any("event date" in w.value for w in at.warning)
    assert at.button(key="import_button").disabled
    at.date_input[0].set_value(dt.date(2024, 12, 7)).run()
    assert any("detected source: Eventbrite" in label for label in expander_labels(at))
    assert not at.button(key="import_button").disabled
    # forcing the generic reader: with no event or date column, the event date given above
    # makes the whole file one event, titled from the file name (docs/importing/events.md)
    at.selectbox(key="upload_source").set_value("generic").run()
    assert problems(at) == []
    assert any("source: Generic" in label for label in expander_labels(at))
    assert not at.button(key="import_button").disabled
    at.date_input[0].set_value(None).run()                  # without it, nothing to import
    assert at.button(key="import_button").disabled


def test_multi_sheet_workbook_offers_its_sheets(app, tmp_path: Path) -> None:
    import io

    import pandas as pd

    book = io.BytesIO()
    with pd.ExcelWriter(book, engine="openpyxl") as xl:
        pd.DataFrame({"Notes": ["not the data"]}).to_excel(xl, sheet_name="Read me", index=False)
        pd.DataFrame({"Email": ["ana@example.org"], "Event name": ["Cleanup"],
                      "Start date": ["2026-10-03"], "Status": ["attended"]}).to_excel(
            xl, sheet_name="Attendance", index=False)
    at = app(tmp_path / "store.duckdb", "data")
    at.file_uploader(key="upload_files").set_value(
        ("october.xlsx", book.getvalue(),
         "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")).run()
    sheet = next(s for s in at.selectbox if s.label == "Sheet")
    # issue 13 (layout): the default is every sheet of the data's layout (was: the first)
    assert sheet.options == ["All sheets of the same layout", "Read me", "Attendance"]
    assert sheet.value == "All sheets of the same layout"
    sheet.set_value("Attendance").run()
    assert problems(at) == []
    preview = next(d.value for d in at.dataframe if "Email" in d.value.columns)
    assert list(preview["Email"]) == ["ana@example.org"]
    at.button(key="import_button").click().run()
    assert any("1 accepted" in s.value for s in at.success)


def test_bad_file_is_a_message_naming_it(app, tmp_path: Path) -> None:
    at = app(tmp_path / "store.duckdb", "data")
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    upload(at, ("attendance.csv", png), ("signin.csv", SIGN_IN.encode()))
    assert [e.value for e in at.exception] == []
    [error] = [e.value for e in at.error]
    assert error.startswith("attendance.csv") and "PNG" in error
    # the readable file next to it is still offered
    assert any("signin.csv" in label for label in expander_labels(at))


def test_quality_card_and_backup_on_the_data_page(app, demo_store: DemoStore) -> None:
    at = app(demo_store.path, "data")
    assert problems(at) == []
    shown = metric_values(at)
    con = db.connect(demo_store.path)
    try:
        people, participations = con.execute(
            "SELECT (SELECT COUNT(*) FROM person), (SELECT COUNT(*) FROM participation)").fetchone()
    finally:
        con.close()
    assert (shown["People"], shown["Participations"]) == (f"{people:,}", f"{participations:,}")
    for label in ("People", "Events", "Suspected duplicates", "People without email or phone",
                  "Rejected rows"):
        assert label in shown
    [backup] = [b for b in at.get("download_button") if b.label == "Download a backup"]
    # person-level checks follow "hide names"
    at.toggle(key="f_hide_names").set_value(True).run()
    for df in (d.value for d in at.dataframe):
        for col in ("full_name", "name_a", "name_b"):
            if col in df.columns:
                assert df[col].astype(str).str.startswith("Person ").all()
        for col in ("email_a", "email_b"):
            if col in df.columns:
                assert (df[col] == "hidden").all()
