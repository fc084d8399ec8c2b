"""Issue 13, identity: an event is never titled by a record id when a label exists — a
report whose event column holds ids beside a "Job Name" column, and a participation
extract whose job column holds ids joined with its shifts extract, which names the jobs
(tests/golden/messy/events/). docs/importing/mapping.md says the rule in words."""
from __future__ import annotations

from pathlib import Path

import duckdb

from engage_metrics import importer
from engage_metrics.options import ImportOptions

GOLDEN = Path(__file__).with_name("golden") / "messy" / "events"
REPORT = GOLDEN / "volunteer jobs report.csv"
HOURS = GOLDEN / "hours by job.csv"
SHIFTS = GOLDEN / "job shifts.csv"


def events(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    return con.execute("SELECT title, CAST(starts_at AS VARCHAR), CAST(ends_at AS VARCHAR) "
                       "FROM event ORDER BY starts_at").fetchall()


def parts(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    return con.execute(
        "SELECT p.full_name, e.title, x.status, x.hours FROM participation x "
        "JOIN person p USING (person_id) JOIN event e USING (event_id) "
        "ORDER BY e.starts_at, p.full_name").fetchall()


def test_the_label_column_titles_the_events_not_the_ids(store):
    [result] = importer.import_files(store, [REPORT])
    assert result.status == "imported", result.message
    assert result.mapping["title"] == "Job Name"
    assert result.notes == [
        "event titles from 'Job Name': 'Event' holds record ids (such as 'a0B5e00000XyZ12'), "
        "not names",
        "dates read month-first: 3/14/2024 6:00 PM has a second field above 12",
        "columns not used: Event"]
    assert events(store) == [("Food pantry sort", "2024-03-09 09:00:00", None),
                             ("Phone bank", "2024-03-14 18:00:00", None)]
    assert parts(store) == [("Ana Lopez", "Food pantry sort", "attended", 3.0),
                            ("Bob Smith", "Food pantry sort", "no_show", None),
                            ("Ana Lopez", "Phone bank", "attended", 2.0)]


def test_a_title_the_analyst_maps_is_kept(store):
    [result] = importer.import_files(store, [REPORT], ImportOptions(mapping={"title": "Event"}))
    assert result.status == "imported", result.message
    assert not any("event titles" in n for n in result.notes)
    assert [e[0] for e in events(store)] == ["a0B5e00000XyZ12", "a0B5e00000XyZ13"]


def test_the_shifts_file_names_the_jobs_the_extract_gives_by_id(store):
    [result] = importer.import_files(store, [HOURS, SHIFTS])
    assert result.status == "imported", result.message
    assert result.notes[:2] == [
        "joined with the jobs/shifts/events file on 'Shift ID' = 'Shift ID' (2 rows; 3 of 3 "
        "rows matched): title, starts at, ends at",
        "event titles from the jobs/shifts/events file: 'Job' holds record ids (such as "
        "'a0B5e00000XyZ12') on 3 rows, not names"]
    assert events(store) == [
        ("Food pantry sort", "2024-03-09 09:00:00", "2024-03-09 12:00:00"),
        ("Phone bank", "2024-03-14 18:00:00", "2024-03-14 20:00:00")]
    assert parts(store) == [("Ana Lopez", "Food pantry sort", "attended", 3.0),
                            ("Bob Smith", "Food pantry sort", "no_show", None),
                            ("Ana Lopez", "Phone bank", "attended", 2.5)]


def test_titles_that_are_names_are_never_replaced(store, write):
    path = write("report.csv", "Email,Event,Job Name,Date\n"
                 "ana@example.org,Spring canvass,Door knocking,2024-03-02\n")
    [result] = importer.import_files(store, [path])
    assert result.mapping["title"] == "Event"
    assert [e[0] for e in events(store)] == ["Spring canvass"]
