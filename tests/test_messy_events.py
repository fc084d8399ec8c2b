"""Events from context and companion files (issue: real exports, the messy ones).

Golden files in tests/golden/messy/events/, each with its rows read back after import
(event title, date, person) and its notes, written out by hand."""
from __future__ import annotations

import io
import shutil
from datetime import date
from pathlib import Path

import pytest

from engage_metrics import cli
from engage_metrics.adapters import context
from engage_metrics.importer import import_bytes, import_files
from engage_metrics.options import ImportOptions

GOLDEN = Path(__file__).parent / "golden" / "messy" / "events"


def landed(con) -> list[tuple]:
    return con.execute(
        "SELECT e.title, e.event_date, p.full_name FROM participation pa "
        "JOIN event e USING (event_id) JOIN person p USING (person_id) "
        "ORDER BY 2, 1, 3").fetchall()


def test_a_sign_in_list_without_an_event_column_is_one_event_per_date(store):
    [r] = import_files(store, [GOLDEN / "spring_cleanup_signin (1).csv"])
    assert r.status == "imported", r.message
    assert landed(store) == [
        ("Spring cleanup signin", date(2024, 3, 9), "Ana Lopez"),
        ("Spring cleanup signin", date(2024, 3, 9), "Bob Smith"),
        ("Spring cleanup signin", date(2024, 3, 9), "Cara Diaz"),   # signed in at 10:40
        ("Spring cleanup signin", date(2024, 3, 16), "Ana Lopez"),
        ("Spring cleanup signin", date(2024, 3, 16), "Dan Wu"),
    ]
    assert store.execute("SELECT COUNT(*) FROM event").fetchone()[0] == 2
    assert r.notes == [
        "no event column: one event per date, titled 'Spring cleanup signin' (from the file "
        "name)",
        "no status column: every row counted as attended (a sign-in list)",
        "dates read month-first: 3/16/2024 has a second field above 12",
    ]
    again = import_files(store, [GOLDEN / "spring_cleanup_signin (1).csv"])[0]
    assert again.status == "duplicate"


def test_event_title_works_without_event_date(store):
    [r] = import_files(store, [GOLDEN / "spring_cleanup_signin (1).csv"],
                       ImportOptions(event_title="Riverside cleanup"))
    assert r.status == "imported", r.message
    assert {row[0] for row in landed(store)} == {"Riverside cleanup"}
    assert r.notes[0] == ("no event column: one event per date, titled 'Riverside cleanup' "
                          "(the event title given)")


def test_an_excel_sheet_names_its_events_one_per_date_and_program(store):
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Fall food drive"
    for row in (["Date", "Program", "First Name", "Last Name", "Email"],
                ["2024-10-05", "Youth", "Ana", "Lopez", "ana@example.org"],
                ["2024-10-05", "Seniors", "Bob", "Smith", "bob@example.org"],
                ["2024-10-05", "Youth", "Cara", "Diaz", "cara@example.org"]):
        sheet.append(row)
    book.create_sheet("Notes").append(["Typed from the paper sign-in sheets"])
    data = io.BytesIO()
    book.save(data)
    r = import_bytes(store, data.getvalue(), "Sign-ins 2024.xlsx",
                     ImportOptions(sheet="Fall food drive"))
    assert r.status == "imported", r.message
    assert store.execute(
        "SELECT e.title, e.event_date, e.program, p.full_name FROM participation pa "
        "JOIN event e USING (event_id) JOIN person p USING (person_id) ORDER BY 3, 4"
    ).fetchall() == [
        ("Fall food drive", date(2024, 10, 5), "Seniors", "Bob Smith"),
        ("Fall food drive", date(2024, 10, 5), "Youth", "Ana Lopez"),
        ("Fall food drive", date(2024, 10, 5), "Youth", "Cara Diaz"),
    ]
    assert store.execute("SELECT COUNT(*) FROM event").fetchone()[0] == 2
    assert r.notes[0] == ("no event column: one event per date and program, titled "
                          "'Fall food drive' (from the sheet name)")


def test_emails_and_dates_alone_are_not_taken_for_a_sign_in_list(store, write):
    r = import_files(store, [write("people.csv", "Email,Date\nana@x.org,2024-03-02\n")])[0]
    assert r.status == "failed" and "an event column" in r.message


def test_event_dates_are_read_from_the_names_with_the_year_of_the_rsvps(store, tmp_path):
    """Windows-1252 ("Canvass – Sat Feb 17", accents in names); one event has no date in
    its name: the import stops naming it, and lands with the event-date file."""
    rsvps = GOLDEN / "event RSVPs.csv"
    [r] = import_files(store, [rsvps])
    assert r.status == "failed"
    assert "could not find a date column, and 1 of the file's events have no date" in r.message
    assert "'Town hall'" in r.message and "--event-dates FILE" in r.message
    assert store.execute("SELECT COUNT(*) FROM import_log").fetchone()[0] == 0

    dates = {"Town hall": "2024-03-21 19:00"}
    [r] = import_files(store, [rsvps], ImportOptions(event_dates=dates))
    assert r.status == "imported", r.message
    assert landed(store) == [
        ("Jan 6 potluck", date(2024, 1, 6), "Ana López"),      # RSVP 11/30/2023
        ("Canvass – Sat Feb 17", date(2024, 2, 17), "Ana López"),
        ("Canvass – Sat Feb 17", date(2024, 2, 17), "Bob Smith"),
        ("Feb 17 cleanup", date(2024, 2, 17), "Dan Wu"),        # RSVP 12/20/2023
        ("Phone bank 3/14", date(2024, 3, 14), "Cara Díaz"),
        ("Town hall", date(2024, 3, 21), "Eve Ng"),
    ]
    assert r.notes == [
        "no date column: the dates of 4 event(s) read from their names ('Canvass – Sat Feb 17' "
        "-> 2024-02-17; 'Feb 17 cleanup' -> 2024-02-17; 'Jan 6 potluck' -> 2024-01-06; "
        "'Phone bank 3/14' -> 2024-03-14)",
        "dates of 1 event(s) from the event-date list",
        "the year of 4 event(s) from the earliest 'RSVP Date' of its rows (the first year "
        "that puts the event on or after it)",
        "decoded as Windows-1252",
        "no status column: every row counted as attended (a sign-in list)",
        "columns not used: RSVP Date",
    ]


def test_the_cli_names_the_undated_events_and_takes_an_event_date_file(tmp_path, capsys):
    db = tmp_path / "e.duckdb"
    rsvps = tmp_path / "event RSVPs.csv"
    shutil.copyfile(GOLDEN / "event RSVPs.csv", rsvps)
    assert cli.main(["import", "--db", str(db), str(rsvps)]) == cli.EXIT_ERROR
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "'Town hall'" in err
    assert cli.main(["import", "--db", str(db), "--event-dates",
                     str(GOLDEN / "event-dates.csv"), str(rsvps)]) == 0
    out = capsys.readouterr().out
    assert "6 accepted" in out and "dates of 1 event(s) from the event-date list" in out


def test_a_year_comes_from_the_event_date_when_no_related_date_exists(store, write):
    path = write("phone banks.csv", "Event,Name,Email\nPhone bank 3/14,Ana Lopez,ana@x.org\n"
                                    "Phone bank 3/21,Bob Smith,bob@x.org\n")
    [r] = import_files(store, [path], ImportOptions(event_date="2025-01-01"))
    assert r.status == "imported", r.message
    assert [(t, d) for t, d, _ in landed(store)] == [("Phone bank 3/14", date(2025, 3, 14)),
                                                     ("Phone bank 3/21", date(2025, 3, 21))]
    assert "the year of 2 event(s) from the event date given (2025-01-01)" in r.notes


@pytest.mark.parametrize(("name", "expected"), [
    ("Canvass – Sat Feb 17", context.NameDate(2, 17, None)),
    ("Phone bank 3/14", context.NameDate(3, 14, None)),
    ("Feb 17 cleanup", context.NameDate(2, 17, None)),
    ("Gala 17 February 2024", context.NameDate(2, 17, 2024)),
    ("Canvass 2024-03-09", context.NameDate(3, 9, 2024)),
    ("Rally 14/3/24", context.NameDate(3, 14, 2024)),
    ("Town hall", None),
    ("Kickoff Jan 2024", None),
    ("Shift 3/4", "'3/4' could be month/day or day/month"),
    ("Feb 30 party", "'Feb 30' is not a date"),
])
def test_dates_inside_event_names(name, expected):
    assert context.name_date(name) == expected


def test_file_names_become_tidy_titles():
    assert context.tidy_title("spring_cleanup_signin (1).csv") == "Spring cleanup signin"
    assert context.tidy_title("Gala check-in - Sheet1.csv") == "Gala check-in"
    assert context.tidy_title("Volunteer Sign-In (Responses) - Form Responses 1.csv") == \
        "Volunteer Sign-In"


def test_contacts_and_shifts_extracts_are_joined_to_the_participations(store):
    files = [GOLDEN / n for n in ("volunteer_hours.csv", "contacts.csv", "shifts.csv")]
    [r] = import_files(store, files)
    assert r.status == "imported", r.message
    assert r.file_name == "volunteer_hours.csv + contacts.csv + shifts.csv"
    assert store.execute(
        "SELECT e.title, e.event_date, e.event_type, p.full_name, p.email, p.phone, pa.status, "
        "pa.hours FROM participation pa JOIN event e USING (event_id) "
        "JOIN person p USING (person_id) ORDER BY 2, 4").fetchall() == [
        ("Food pantry sort", date(2024, 3, 9), "Service", "Ana Lopez", "ana@example.org",
         "5551234567", "attended", 3.0),
        ("Food pantry sort", date(2024, 3, 9), "Service", "Bob Smith", "bob@example.org",
         None, "no_show", None),
        ("Phone bank", date(2024, 3, 14), "Phone bank", "Ana Lopez", "ana@example.org",
         "5551234567", "attended", 2.5),
        ("Phone bank", date(2024, 3, 14), "Phone bank", "Cara Diaz", None, "5551112222",
         "attended", 2.0),
    ]
    assert r.notes[:2] == [
        "joined with the contacts file on 'Contact ID' = 'Contact ID' (4 rows; 4 of 4 rows "
        "matched): email, phone, first name, last name",
        "joined with the jobs/shifts/events file on 'Shift ID' = 'Shift ID' (2 rows; 4 of 4 "
        "rows matched): title, starts at, ends at, event type",
    ]
    again = import_files(store, files)[0]
    assert again.status == "duplicate"


def test_a_companion_that_matches_nothing_is_an_error(tmp_path, capsys):
    db = tmp_path / "c.duckdb"
    alone = GOLDEN / "unrelated_contacts.csv"
    # the companion that matches nothing fails the call (exit 2) while the others land
    assert cli.main(["import", "--db", str(db), str(GOLDEN / "volunteer_hours.csv"),
                     str(GOLDEN / "shifts.csv"), str(alone)]) == 2
    captured = capsys.readouterr()
    assert "volunteer_hours.csv + shifts.csv: import #1" in captured.out
    assert captured.err.startswith("error: unrelated_contacts.csv: nothing imported — This "
                                   "looks like a contacts extract")
    assert cli.main(["import", "--db", str(tmp_path / "d.duckdb"), str(alone)]) == 2
    assert "no file of this import holds its ids" in capsys.readouterr().err


def test_a_mobilize_companion_that_matches_nothing_is_an_error(store, tmp_path):
    mobilize = Path(__file__).parent / "golden" / "mobilize"
    events = tmp_path / "events.csv"
    lines = (mobilize / "events.csv").read_text().splitlines()
    header = lines[0].split(",")
    col = header.index("id")
    events.write_text("\n".join([lines[0]] + [",".join(
        ("999" + c if i == col else c) for i, c in enumerate(line.split(",")))
        for line in lines[1:]]) + "\n")
    [r] = import_files(store, [mobilize / "participations.csv", mobilize / "timeslots.csv",
                               events])
    assert r.status == "failed"
    assert "the events file imported with this Mobilize participations export holds none of " \
           "its event_id values" in r.message


def test_the_same_file_with_another_event_title_replaces_its_import(store):
    """Other choices for the same file replace the earlier import (never doubled); the
    file alone again, or the same choice again, changes nothing."""
    path = [GOLDEN / "spring_cleanup_signin (1).csv"]
    [first] = import_files(store, path, ImportOptions(event_title="Park cleanup"))
    assert first.status == "imported"
    assert {t for t, _, _ in landed(store)} == {"Park cleanup"}
    assert import_files(store, path, ImportOptions(event_title="Park cleanup"))[0].status \
        == "duplicate"
    assert import_files(store, path)[0].status == "duplicate"
    [second] = import_files(store, path, ImportOptions(event_title="Spring park cleanup"))
    assert second.status == "imported"
    assert ("replaces import #1 of the same file, imported with the event title "
            "'Park cleanup'") in second.notes
    assert store.execute("SELECT import_id FROM import_log").fetchall() == [(second.import_id,)]
    assert len(landed(store)) == 5                                   # the same 5 sign-ins
    assert {t for t, _, _ in landed(store)} == {"Spring park cleanup"}


def test_replacing_notes_say_how_the_earlier_import_was_made(store):
    from engage_metrics.importer import _changed_choices

    assert _changed_choices({}, ImportOptions(event_title="Gala")) == [
        "imported without an event title given"]
    assert _changed_choices({"treat_registered_as_attended": False},
                            ImportOptions(treat_registered_as_attended=True)) == [
        "imported without registrations counted as attendance"]
    assert _changed_choices({"date_order": "dmy", "event_date": "2024-03-09"},
                            ImportOptions(date_order="mdy", event_date="2024-03-10")) == [
        "whose dates were read day-first", "imported with the event date '2024-03-09'"]
    # choices left out are no new choice; an import from before date orders were recorded
    # read month-first
    assert _changed_choices({"event_title": "Gala"}, ImportOptions()) == []
    assert _changed_choices({}, ImportOptions(date_order="mdy")) == []
