"""The Data page's choices for messy exports (issue 13): the order of a file's numeric
dates, asked when the file cannot say, with how its dates read each way; and the dates of
a report's events that have none, typed into a small table."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from helpers_ui import problems

from engage_metrics import config, db, importer
from engage_ui import uploads

AMBIGUOUS = """Name,Email,Event,Date,Status
Ana Lopez,ana@example.org,Riverside cleanup,03/04/2024,attended
Ben Okafor,ben@example.org,Riverside cleanup,03/04/2024,attended
Cy Park,cy@example.org,Potluck,05/06/2024,attended
"""
UNDATED = """Name,Email,Event,Status
Ana Lopez,ana@example.org,Town hall,attended
Ben Okafor,ben@example.org,Town hall,attended
Cy Park,cy@example.org,Phone bank,attended
"""


def london_store(path: Path) -> Path:
    con = db.connect(path)
    config.set_setting(con, "timezone", "Europe/London")
    con.close()
    return path


def upload(at, name: str, text: str):
    at.file_uploader(key="upload_files").set_value((name, text.encode(), "text/csv"))
    return at.run()


def order_radio(at):
    return next(r for r in at.radio if r.label.startswith("Order of the numeric dates"))


def date_preview(at):
    return next(t.value for t in at.table if "As written" in t.value.columns)


def test_ambiguous_dates_ask_for_the_order_with_a_preview(app, tmp_path: Path) -> None:
    at = app(london_store(tmp_path / "store.duckdb"), "data")
    upload(at, "signin.csv", AMBIGUOUS)
    assert problems(at) == []
    assert any("can be read day-first or month-first" in w.value for w in at.warning)
    radio = order_radio(at)
    assert radio.value is None                       # never a guess
    assert radio.options[:2] == ["Day-first: 03/04/2024 is Wednesday 3 April 2024",
                                 "Month-first: 03/04/2024 is Monday 4 March 2024"]
    preview = date_preview(at)
    assert list(preview["Read day-first"])[:1] == ["Wednesday 3 April 2024"]
    assert list(preview["Read month-first"])[:1] == ["Monday 4 March 2024"]
    assert at.button(key="import_button").disabled
    order_radio(at).set_value("dmy").run()
    preview = date_preview(at)
    assert list(preview.columns) == ["As written", "Read day-first"]
    assert list(preview["Read day-first"]) == ["Wednesday 3 April 2024"] * 2 + [
        "Wednesday 5 June 2024"]
    assert not at.button(key="import_button").disabled
    at.button(key="import_button").click().run()
    assert problems(at) == []
    [done] = [s.value for s in at.success]
    assert "3 accepted" in done and "dates read day-first, as chosen" in done
    con = db.connect(tmp_path / "store.duckdb")
    try:
        starts = [r[0] for r in con.execute(
            "SELECT DISTINCT CAST(starts_at AS DATE) FROM event ORDER BY 1").fetchall()]
    finally:
        con.close()
    assert starts == [dt.date(2024, 4, 3), dt.date(2024, 6, 5)]


def test_the_date_order_check_runs_once_per_file_and_data_version(
        app, tmp_path: Path, monkeypatch) -> None:
    calls = []
    check = importer.check_date_order
    monkeypatch.setattr(importer, "check_date_order",
                        lambda *a, **k: calls.append(1) or check(*a, **k))
    at = app(london_store(tmp_path / "store.duckdb"), "data")
    upload(at, "signin.csv", AMBIGUOUS)
    assert len(calls) == 1
    order_radio(at).set_value("dmy").run()        # reruns: the check is not run again
    at.run()
    assert len(calls) == 1
    upload(at, "signin.csv", AMBIGUOUS.replace("03/04/2024", "04/03/2024"))   # other content
    assert len(calls) == 2


def test_a_detected_order_can_be_overridden(app, tmp_path: Path) -> None:
    at = app(london_store(tmp_path / "store.duckdb"), "data")
    upload(at, "signin.csv", AMBIGUOUS.replace("05/06/2024", "25/06/2024"))
    assert problems(at) == [] and not at.warning
    radio = order_radio(at)
    assert radio.value == "detect" and radio.options[0] == "Detect (day-first)"
    assert list(date_preview(at)["Read day-first"])[0] == "Wednesday 3 April 2024"
    radio.set_value("mdy").run()
    preview = date_preview(at)
    assert list(preview["Read month-first"]) == ["Monday 4 March 2024"] * 2 + [
        "not a date in this order"]
    at.button(key="import_button").click().run()
    [done] = [s.value for s in at.success]
    assert "2 accepted, 1 rejected" in done and "dates read month-first, as chosen" in done


def test_a_file_without_numeric_dates_is_not_asked(app, tmp_path: Path) -> None:
    at = app(london_store(tmp_path / "store.duckdb"), "data")
    upload(at, "signin.csv", AMBIGUOUS.replace("03/04/2024", "2024-04-03")
           .replace("05/06/2024", "2024-06-05"))
    assert problems(at) == []
    assert not [r for r in at.radio if r.label.startswith("Order of the numeric dates")]


def test_undated_events_are_asked_in_a_table(app, tmp_path: Path) -> None:
    at = app(london_store(tmp_path / "store.duckdb"), "data")
    upload(at, "report.csv", UNDATED)
    assert problems(at) == []
    assert any("2 event(s) of this report have no date" in w.value for w in at.warning)
    editor = next(d for d in at.dataframe if (d.key or "").startswith("event_dates_"))
    assert list(editor.value["Event"]) == ["Phone bank", "Town hall"]
    assert editor.value["Date"].isna().all()
    assert at.button(key="import_button").disabled


def test_dates_typed_into_the_table_go_to_the_import(store) -> None:
    events = ["Phone bank", "Town hall"]
    edits = {"edited_rows": {1: {"Date": "2024-03-21"}, 0: {"Date": None}},
             "added_rows": [], "deleted_rows": []}
    assert uploads.event_dates_given(events, edits) == {"Town hall": "2024-03-21"}
    assert uploads.event_dates_given(events, None) == {}
    edits["edited_rows"][0] = {"Date": dt.date(2024, 3, 14)}
    given = uploads.event_dates_given(events, edits)
    assert given == {"Phone bank": "2024-03-14", "Town hall": "2024-03-21"}
    [result] = importer.import_uploads(store, [("report.csv", UNDATED.encode())],
                                       importer.ImportOptions(event_dates=given))
    assert result.status == "imported" and result.accepted == 3


def test_an_import_that_stops_for_undated_events_names_them(store) -> None:
    [result] = importer.import_uploads(store, [("report.csv", UNDATED.encode())])
    assert result.status == "failed" and result.needs == "event_dates"
    assert result.undated == ["Phone bank", "Town hall"]


def test_preview_dates_reads_with_the_import_macro(store) -> None:
    config.set_setting(store, "timezone", "Europe/London")
    values = ["03/04/2024", "05/06/2024 10:00", "04/14/2024", "2024-03-09T18:05:00Z", ""]
    assert importer.preview_dates(store, values, "dmy") == [
        dt.datetime(2024, 4, 3), dt.datetime(2024, 6, 5, 10), None,
        dt.datetime(2024, 3, 9, 18, 5), None]
    assert importer.preview_dates(store, values, "mdy")[:3] == [
        dt.datetime(2024, 3, 4), dt.datetime(2024, 5, 6, 10), dt.datetime(2024, 4, 14)]
