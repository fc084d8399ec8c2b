"""Values as people write them (tests/golden/messy/values/, docs/importing/hours.md and
dates.md): a meeting's participant report that Engage does not recognize as Zoom, whose
join and leave times are each person's own time in and time out (the hours, and the date
when the file has no other); noon and midnight wherever a time is read; an hours column
whose header states its unit ("Duration (minutes)"). Each file with its rows and notes
written out by hand, CSV and .xlsx."""
from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import duckdb
import openpyxl
import pytest

from engage_metrics import config, db, resolve
from engage_metrics.importer import ImportResult, import_bytes, import_files
from engage_metrics.mapping import header_unit, resolve_mapping
from engage_metrics.options import ImportOptions

GOLDEN = Path(__file__).with_name("golden") / "messy" / "values"
SIGN_IN = "no status column: every row counted as attended (a sign-in list)"
SPAN = ("hours are each row's own time in to time out ({}), never the event's scheduled "
        "start and end")


def us_order(example: str) -> str:
    return (f"dates like {example} read month-first, as the organization's date order "
            "setting says; import again with --date-order dmy (or choose on the Data page) if "
            "they are not")


@pytest.fixture
def store(store):
    """The store of a US organization, which writes numeric dates month-first (these files'
    dates all read both ways)."""
    config.set_setting(store, "date_order", "mdy")
    return store


def dated_by(column: str) -> str:
    return (f"no date column: each row is dated by its own time in, {column!r}; events are "
            "one per date (a person's time in and out are theirs, not the event's start and "
            "end)")


def rows(con) -> list[tuple]:
    """(person, event, event date, hours) of every participation."""
    return con.execute(
        "SELECT COALESCE(p.email, p.full_name), e.title, e.event_date, pa.hours "
        "FROM participation pa JOIN person p USING (person_id) JOIN event e USING (event_id) "
        "ORDER BY 1, 3").fetchall()


def events(con) -> list[tuple]:
    return con.execute("SELECT title, starts_at, ends_at FROM event ORDER BY 2, 1").fetchall()


def rejected(result: ImportResult) -> list[tuple]:
    return list(zip(result.rejected_rows.line_no, result.rejected_rows.reason, strict=True))


def import_one(con, path: Path, options: ImportOptions | None = None) -> ImportResult:
    [result] = import_files(con, [path], options)
    assert result.status == "imported", result.message
    return result


def workbook(rows: list[list[object]]) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# ------------------------------------------------------------------ join and leave times

def test_a_participant_report_not_recognized_as_zoom(store):
    """Zoom's participant table with 'Name (Original Name)' renamed 'Name': not Zoom, so the
    generic importer reads it. Its Duration (Minutes) is the hours, in minutes; the date is
    each row's Join Time's date; Join Time and Leave Time are never the event's schedule."""
    r = import_one(store, GOLDEN / "participants_organizing_call.csv")
    assert r.source == "generic"
    assert r.mapping == {"email": "Email", "full_name": "Name", "hours": "Duration (Minutes)",
                         "starts_at": "Join Time", "title": "Engage event title"}
    assert rows(store) == [
        ("Dev Patel", "Participants organizing call", dt.date(2024, 3, 12), 0.5),
        ("ana@example.org", "Participants organizing call", dt.date(2024, 3, 12), 64 / 60),
        ("bob@example.org", "Participants organizing call", dt.date(2024, 3, 12), 0.75),
        ("cara@example.org", "Participants organizing call", dt.date(2024, 3, 12), 0.75),
    ]
    [(_, _, ends)] = events(store)
    assert ends is None                           # Leave Time is no event end
    assert r.notes == [
        dated_by("Join Time"),
        "no event column: one event per date, titled 'Participants organizing call' (from "
        "the file name)",
        SIGN_IN,
        us_order("03/12/2024 06:58:41 PM"),
        "hours read in minutes, as the header 'Duration (Minutes)' says (64 = 1.067 h); "
        "values written with their own unit keep it",
        "columns not used: Leave Time, Guest",
    ]


def test_joined_and_left_at_are_the_hours_and_the_date(store):
    """No hours and no date column: the hours are each person's Joined at -> Left at, the
    date is the Joined at date, one event per date (two evenings of one phone bank)."""
    r = import_one(store, GOLDEN / "phone bank attendance.csv")
    assert (r.mapping["time_in"], r.mapping["time_out"], r.mapping["starts_at"]) == (
        "Joined at", "Left at", "Joined at")
    assert "ends_at" not in r.mapping
    assert rows(store) == [
        ("ana@example.org", "Phone bank", dt.date(2024, 3, 14), 2.25),     # 18:00 -> 20:15
        ("bob@example.org", "Phone bank", dt.date(2024, 3, 14), 0.5),      # 18:30 -> 19:00
        ("eli@example.org", "Phone bank", dt.date(2024, 3, 21), None),     # never left
        ("fay@example.org", "Phone bank", dt.date(2024, 3, 21), 125 / 60),  # 17:55 -> 20:00
    ]
    assert [(title, start.date(), end) for title, start, end in events(store)] == [
        ("Phone bank", dt.date(2024, 3, 14), None), ("Phone bank", dt.date(2024, 3, 21), None)]
    assert r.notes == [
        dated_by("Joined at"), SIGN_IN,
        SPAN.format("Joined at to Left at: 2024-03-14 18:00 to 2024-03-14 20:15 = 2.25 h"),
        "1 row(s) with a time in but no time out, or a time out but no time in: no hours for "
        "them"]


@pytest.mark.parametrize("time_in, time_out", [
    ("Join Time", "Leave Time"), ("Joined at", "Left at"), ("Time in", "Time out"),
    ("Check-in time", "Check-out time"), ("Arrived", "Departed"), ("First Join", "Last Leave"),
])
def test_every_pair_of_own_times_is_time_in_and_out(store, write, time_in, time_out):
    path = write("team call.csv", f"Name,Email,Meeting,{time_in},{time_out}\n"
                                  "Ana Lopez,ana@x.org,Team call,3/14/2024 6:00 PM,3/14/2024 7:30 PM\n"
                                  "Bob Smith,bob@x.org,Team call,3/14/2024 6:15 PM,3/14/2024 6:45 PM\n")
    r = import_one(store, path)
    assert {f: r.mapping.get(f) for f in ("time_in", "time_out", "starts_at", "ends_at")} == {
        "time_in": time_in, "time_out": time_out, "starts_at": time_in, "ends_at": None}
    assert rows(store) == [("ana@x.org", "Team call", dt.date(2024, 3, 14), 1.5),
                           ("bob@x.org", "Team call", dt.date(2024, 3, 14), 0.5)]
    assert r.notes[0] == dated_by(time_in)


def test_a_recurring_meeting_id_is_one_event_a_date(store, write):
    path = write("weekly call.csv",
                 "Meeting ID,Topic,Name,Email,Join Time,Leave Time\n"
                 "812 3456 7890,Weekly call,Ana Lopez,ana@x.org,3/14/2024 6:00 PM,3/14/2024 7:00 PM\n"
                 "812 3456 7890,Weekly call,Ana Lopez,ana@x.org,3/21/2024 6:00 PM,3/21/2024 6:30 PM\n")
    import_one(store, path)
    assert rows(store) == [("ana@x.org", "Weekly call", dt.date(2024, 3, 14), 1.0),
                           ("ana@x.org", "Weekly call", dt.date(2024, 3, 21), 0.5)]
    assert store.execute("SELECT event_key FROM event ORDER BY 1").fetchall() == [
        ("id:812 3456 7890@2024-03-14",), ("id:812 3456 7890@2024-03-21",)]


def test_a_start_date_mapped_to_the_time_in_keeps_it_and_events_per_date(store, write):
    path = write("call.csv", "Topic,Name,Email,Joined,Left\n"
                             "Team call,Ana Lopez,ana@x.org,2024-03-14 18:00,2024-03-14 19:30\n"
                             "Team call,Bob Smith,bob@x.org,2024-03-14 18:10,2024-03-14 18:40\n")
    r = import_one(store, path, ImportOptions(mapping={"starts_at": "Joined", "time_in": "Joined",
                                                       "time_out": "Left"}))
    assert (r.mapping["starts_at"], r.mapping["time_in"]) == ("Joined", "Joined")
    assert rows(store) == [("ana@x.org", "Team call", dt.date(2024, 3, 14), 1.5),
                           ("bob@x.org", "Team call", dt.date(2024, 3, 14), 0.5)]
    assert r.notes[0] == "the start date 'Joined' is each row's own time in: events are one " \
                         "per date"


def test_join_times_beside_a_date_column_only_give_the_hours(store, write):
    path = write("call.csv", "Date,Topic,Name,Email,Join Time,Leave Time\n"
                             "2024-03-14,Team call,Ana Lopez,ana@x.org,18:00,19:30\n")
    r = import_one(store, path)
    assert (r.mapping["starts_at"], r.mapping["time_in"], r.mapping["time_out"]) == (
        "Date", "Join Time", "Leave Time")
    assert rows(store) == [("ana@x.org", "Team call", dt.date(2024, 3, 14), 1.5)]
    assert not any(n.startswith("no date column") for n in r.notes)


def test_join_times_without_dates_take_the_event_date_given(store, write):
    """A time in column of times of day cannot date the rows: the event date given does."""
    path = write("call.csv", "Name,Email,Meeting,Join Time,Leave Time\n"
                             "Ana Lopez,ana@x.org,Team call,6:00 PM,7:30 PM\n")
    r = import_one(store, path, ImportOptions(event_date="2024-03-14"))
    assert rows(store) == [("ana@x.org", "Team call", dt.date(2024, 3, 14), 1.5)]
    assert r.mapping["starts_at"] == "Engage event date"


def test_participant_report_in_excel(store, write):
    """The same report saved as .xlsx: join and leave are real date-time cells."""
    data = workbook([
        ["Name", "Email", "Joined at", "Left at"],
        ["Ana Lopez", "ana@x.org", dt.datetime(2024, 3, 14, 18, 0), dt.datetime(2024, 3, 14, 19, 45)],
        ["Bob Smith", "bob@x.org", dt.datetime(2024, 3, 14, 18, 5), dt.datetime(2024, 3, 14, 18, 35)],
    ])
    r = import_one(store, write("Team call.xlsx", data))
    assert rows(store) == [("ana@x.org", "Team call", dt.date(2024, 3, 14), 1.75),
                           ("bob@x.org", "Team call", dt.date(2024, 3, 14), 0.5)]
    assert r.notes == [
        dated_by("Joined at"),
        "no event column: one event per date, titled 'Team call' (from the file name)",
        SIGN_IN,
        SPAN.format("Joined at to Left at: 2024-03-14 18:00:00 to 2024-03-14 19:45:00 = 1.75 h")]


# ------------------------------------------------------------------ noon and midnight

def test_noon_and_midnight_as_time_in_and_out(store):
    r = import_one(store, GOLDEN / "soup kitchen sign-in sheet.csv")
    assert rows(store) == [
        ("ana@example.org", "Lunch service", dt.date(2024, 3, 9), 2.5),  # 9:30 AM -> noon
        ("bob@example.org", "Lunch service", dt.date(2024, 3, 9), 2.5),  # 12 noon -> 2:30 PM
        ("cara@example.org", "Late shelter", dt.date(2024, 3, 9), 4.0),  # 8 PM -> Midnight
        ("dev@example.org", "Late shelter", dt.date(2024, 3, 9), 5.0),   # 7 PM -> 12:00 midnight
    ]
    # past midnight is read only with dates; midnight itself ends the day
    assert rejected(r) == [(6, "time out '1:00 AM' is before time in '10:00 PM' (a shift past "
                               "midnight needs the date with each time)")]
    assert r.notes == [SIGN_IN, us_order("3/9/2024"),
                       SPAN.format("Time In to Time Out: 9:30 AM to noon = 2.5 h")]


def test_noon_and_midnight_as_start_and_end_times(store):
    r = import_one(store, GOLDEN / "february events.csv")
    assert r.rejected == 0
    assert events(store) == [
        # midnight as a start is 00:00 of the date
        ("New year watch", dt.datetime(2024, 2, 10, 0, 0), dt.datetime(2024, 2, 10, 1, 0)),
        ("Community lunch", dt.datetime(2024, 2, 10, 12, 0), dt.datetime(2024, 2, 10, 14, 0)),
        # midnight as an end time after a 9 PM start: the end of that day
        ("Candlelight vigil", dt.datetime(2024, 2, 10, 21, 0), dt.datetime(2024, 2, 11, 0, 0)),
    ]


def test_noon_and_midnight_in_dates_with_times(store, write):
    path = write("lunches.csv",
                 "Email,Event,Start,End\n"
                 'ana@x.org,Lunch,"Feb 10, 2024 noon","Feb 10, 2024 1:00 PM"\n'
                 'bob@x.org,Party,"Sat, Feb 10, 2024 at 8 PM","Feb 11, 2024 12 midnight"\n'
                 "cy@x.org,Brunch,2024-02-11 12:00 noon,2024-02-11 2:00 PM EST\n"
                 "dee@x.org,Nap,noon,\n")
    r = import_one(store, path)
    assert events(store) == [
        ("Lunch", dt.datetime(2024, 2, 10, 12, 0), dt.datetime(2024, 2, 10, 13, 0)),
        ("Party", dt.datetime(2024, 2, 10, 20, 0), dt.datetime(2024, 2, 11, 0, 0)),
        ("Brunch", dt.datetime(2024, 2, 11, 12, 0), dt.datetime(2024, 2, 11, 14, 0)),
    ]
    assert rejected(r) == [(5, "'noon' is a time without a date: map the date column to the "
                               "start date and this column to the start time")]


def test_noon_and_midnight_typed_into_excel(store, write):
    data = workbook([
        ["Date", "Email", "Event", "Time In", "Time Out"],
        [dt.date(2024, 3, 9), "ana@x.org", "Pantry", "9:00 AM", "Noon"],
        [dt.date(2024, 3, 9), "bob@x.org", "Pantry", dt.time(20, 0), "midnight"],
    ])
    import_one(store, write("pantry.xlsx", data))
    assert rows(store) == [("ana@x.org", "Pantry", dt.date(2024, 3, 9), 3.0),
                           ("bob@x.org", "Pantry", dt.date(2024, 3, 9), 4.0)]


@pytest.mark.parametrize("text, expected", [
    ("noon", dt.time(12)), ("Noon", dt.time(12)), ("12 noon", dt.time(12)),
    ("12:00 noon", dt.time(12)), ("12noon", dt.time(12)), ("midnight", dt.time(0)),
    ("12 midnight", dt.time(0)), ("12:00 Midnight", dt.time(0)),
    ("afternoon", None), ("noonish", None), ("11 noon", None),
])
def test_every_time_reader_takes_noon_and_midnight(text, expected):
    con = duckdb.connect()
    try:
        resolve.install_macros(con)
        got = con.execute("SELECT ts_time_of_day($x), parse_clock($x), "
                          "parse_ts('Feb 10, 2024 ' || $x, 'America/New_York', 'mdy')",
                          {"x": text}).fetchone()
    finally:
        con.close()
    day = None if expected is None else dt.datetime.combine(dt.date(2024, 2, 10), expected)
    assert got == (expected, expected, day)


# ------------------------------------------------------------------ units in the header

def test_minutes_volunteered(store):
    r = import_one(store, GOLDEN / "volunteer minutes log.csv")
    assert r.mapping["hours"] == "Minutes volunteered"
    assert rows(store) == [
        ("ana@example.org", "Garden Day", dt.date(2024, 4, 6), 1.5),    # 90
        ("bob@example.org", "Garden Day", dt.date(2024, 4, 6), 0.75),   # 45
        ("cara@example.org", "Garden Day", dt.date(2024, 4, 6), 2.0),   # 2 hrs: its own unit
        ("dev@example.org", "Garden Day", dt.date(2024, 4, 6), 1.25),   # 1:15, h:mm
    ]
    assert rejected(r) == [(6, "hours 1500 minutes = 25 h out of range (0 to 24 per "
                               "participation)")]
    assert r.notes == [
        SIGN_IN, us_order("4/6/2024"),
        "hours read in minutes, as the header 'Minutes volunteered' says (90 = 1.5 h); "
        "values written with their own unit keep it",
        "hours written with a unit (2 hrs = 2 h)",
        "hours written as h:mm (1:15 = 1.25 h)"]


@pytest.mark.parametrize("header, value, hours, unit", [
    ("Duration (minutes)", "90", 1.5, "minutes"),
    ("Duration (Minutes)", "90", 1.5, "minutes"),
    ("Minutes volunteered", "90", 1.5, "minutes"),
    ("Time (mins)", "90", 1.5, "minutes"),
    ("Time spent (min)", "90", 1.5, "minutes"),
    ("Duration (seconds)", "5400", 1.5, "seconds"),
    ("Hours (decimal)", "1.5", 1.5, None),
    ("Volunteer Hours", "1.5", 1.5, None),
    ("Duration (minutes)", "1.5 h", 1.5, None),         # the value's own unit wins
])
def test_a_header_unit_reads_bare_numbers(store, write, header, value, hours, unit):
    path = write("log.csv", f"Email,Event,Date,{header}\na@x.org,Rally,2024-01-06,{value}\n")
    r = import_one(store, path)
    assert r.mapping["hours"] == header
    assert rows(store) == [("a@x.org", "Rally", dt.date(2024, 1, 6), hours)]
    expected = [SIGN_IN]
    if unit:
        expected.append(f"hours read in {unit}, as the header {header!r} says ({value} = 1.5 h); "
                        "values written with their own unit keep it")
    elif value.endswith("h"):
        expected.append("hours written with a unit (1.5 h = 1.5 h)")
    assert r.notes == expected


@pytest.mark.parametrize("header, unit", [
    ("Duration (minutes)", "minutes"), ("Time in Session (minutes)", "minutes"),
    ("durationSeconds", "seconds"), ("hour_hours", "hours"), ("Hrs", "hours"),
    ("Hours and minutes", None), ("Email", None),
])
def test_header_units(header, unit):
    assert header_unit(header) == unit


@pytest.mark.parametrize("columns, hours", [
    (["Email", "Event", "Date", "Minutes"], None),            # a meeting's minutes, maybe
    (["Email", "Event", "Date", "Admin hours"], None),        # hours of something else
    (["Email", "Event", "Date", "Hours", "Duration (minutes)"], "Hours"),
    (["Email", "Event", "Date", "Time (mins)"], "Time (mins)"),
])
def test_which_header_is_the_hours(columns, hours):
    assert resolve_mapping(columns, "participation", None).fields.get("hours") == hours


def test_seconds_in_excel(store, write):
    data = workbook([["Email", "Event", "Date", "Duration (seconds)"],
                     ["ana@x.org", "Webinar", dt.date(2024, 5, 2), 2700],
                     ["bob@x.org", "Webinar", dt.date(2024, 5, 2), 5400.0]])
    r = import_one(store, write("webinar.xlsx", data))
    assert rows(store) == [("ana@x.org", "Webinar", dt.date(2024, 5, 2), 0.75),
                           ("bob@x.org", "Webinar", dt.date(2024, 5, 2), 1.5)]
    assert r.notes == [SIGN_IN, "hours read in seconds, as the header 'Duration (seconds)' "
                                "says (2700 = 0.75 h); values written with their own unit "
                                "keep it"]


def test_a_mapping_may_name_a_unit_column(store, write):
    """'Minutes' alone is not taken on its own; mapped, its header still says minutes."""
    path = write("log.csv", "Email,Event,Date,Minutes\na@x.org,Rally,2024-01-06,30\n")
    r = import_one(store, path, ImportOptions(mapping={"hours": "Minutes"}))
    assert rows(store) == [("a@x.org", "Rally", dt.date(2024, 1, 6), 0.5)]
    assert "hours read in minutes, as the header 'Minutes' says (30 = 0.5 h); values written " \
           "with their own unit keep it" in r.notes


# ------------------------------------------------------------------ both readers agree

@pytest.mark.parametrize("name", ["volunteer minutes log.csv", "soup kitchen sign-in sheet.csv"])
def test_the_fast_csv_reader_reads_them_the_same(name, tmp_path, monkeypatch):
    runs = {}
    for label, mb in (("fast", "0"), ("slow", "1000000")):
        monkeypatch.setenv("ENGAGE_FAST_CSV_MB", mb)
        con = db.connect(tmp_path / f"{label}.duckdb")
        config.set_setting(con, "date_order", "mdy")
        try:
            r = import_one(con, GOLDEN / name)
            runs[label] = (r.read_by, r.notes, rejected(r), rows(con))
        finally:
            con.close()
    assert runs["fast"][0] == "duckdb" and runs["slow"][0] == "python"
    assert runs["fast"][1:] == runs["slow"][1:]


def test_reimporting_a_participant_report_is_a_noop(store):
    import_one(store, GOLDEN / "phone bank attendance.csv")
    before = rows(store)
    [again] = import_files(store, [GOLDEN / "phone bank attendance.csv"])
    assert again.status == "duplicate" and rows(store) == before


def test_bytes_upload_reads_the_same(store):
    data = (GOLDEN / "phone bank attendance.csv").read_bytes()
    r = import_bytes(store, data, "phone bank attendance.csv")
    assert r.status == "imported" and r.accepted == 4


def test_a_dot_between_hours_and_minutes_is_a_time(store):
    # a British sheet's 9.15 and 12.30: 9:15 to 12:30 = 3.25 h; 2.5 is no time
    text = (b"Email,Event,Date,Time In,Time Out\n"
            b"ana@x.org,Pantry,25/03/2024,9.15,12.30\n"
            b"bob@x.org,Pantry,25/03/2024,9.00am,1.45pm\n"
            b"cy@x.org,Pantry,25/03/2024,9.00,2.5\n")
    r = import_bytes(store, text, "pantry.csv")
    assert rows(store) == [("ana@x.org", "Pantry", dt.date(2024, 3, 25), 3.25),
                           ("bob@x.org", "Pantry", dt.date(2024, 3, 25), 4.75)]
    assert rejected(r) == [(4, "unparseable time out '2.5'")]


def test_an_attended_column_without_a_status_column_leaves_blanks_registered(store):
    text = (b"Email,Event,Date,Attended\n"
            b"ana@x.org,Canvass,2024-02-17,Yes\n"
            b"bob@x.org,Canvass,2024-02-17,No\n"
            b"cy@x.org,Canvass,2024-02-17,\n")
    r = import_bytes(store, text, "rsvps.csv")
    assert (r.accepted, r.rejected) == (3, 0)
    assert ("no status column: 'Attended' says who came; a row where it is blank is a "
            "registration (signed up, attendance not marked)") in r.notes
    assert store.execute("SELECT p.email, pa.status FROM participation pa JOIN person p "
                         "USING (person_id) ORDER BY 1").fetchall() == [
        ("ana@x.org", "attended"), ("bob@x.org", "no_show"), ("cy@x.org", "registered")]
