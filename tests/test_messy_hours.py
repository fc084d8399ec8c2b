"""Hours as people really write them (tests/golden/messy/hours/, docs/importing/hours.md):
units, h:mm, minutes, decimal commas decided per column, and a sign-in sheet's own time
in and time out — each golden file with its rows written out literally (person email,
event title, hours) and its notes, plus the total-hours metric on a tiny sign-in sheet."""
from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import duckdb
import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engage_metrics import config, db, importer, metrics, resolve
from engage_metrics.importer import ImportResult, import_files
from engage_metrics.mapping import resolve_mapping
from engage_metrics.metrics import Window
from engage_metrics.options import ImportOptions

GOLDEN = Path(__file__).with_name("golden") / "messy" / "hours"
SIGN_IN = "no status column: every row counted as attended (a sign-in list)"


def participations(con) -> list[tuple]:
    return con.execute("SELECT p.email, e.title, pa.hours FROM participation pa "
                       "JOIN person p USING (person_id) JOIN event e USING (event_id) "
                       "ORDER BY 1, 2").fetchall()


def rejected(result: ImportResult) -> list[tuple]:
    return list(zip(result.rejected_rows.line_no, result.rejected_rows.reason, strict=True))


def import_one(con, path: Path, options: ImportOptions | None = None) -> ImportResult:
    [result] = import_files(con, [path], options)
    assert result.status == "imported", result.message
    return result


# ------------------------------------------------------------------ golden files

def test_units_hmm_and_minutes(store):
    r = import_one(store, GOLDEN / "volunteer hours tracker.csv")
    assert participations(store) == [
        ("ana@example.org", "Pantry Sort", 2.5),     # 2.5 hrs
        ("bob@example.org", "Pantry Sort", 3.0),     # 3 hours
        ("cara@example.org", "Pantry Sort", 2.5),    # 2:30
        ("dev@example.org", "Pantry Sort", 2.5),     # 2h30
        ("eli@example.org", "Garden Day", 2.5),      # 2h 30m
        ("fay@example.org", "Garden Day", 1.5),      # 90 min
        ("gus@example.org", "Garden Day", 0.75),     # 45 mins
        ("hana@example.org", "Garden Day", 1.5),     # 1.5 h
        ("ivan@example.org", "Garden Day", 4.0),     # 4
    ]
    assert rejected(r) == [(11, "hours 'all morning' is not a number"),
                           (12, "hours 30 hrs out of range (0 to 24 per participation)")]
    assert r.notes == [SIGN_IN,
                       "hours written with a unit (2.5 hrs = 2.5 h)",
                       "hours written as h:mm (2:30 = 2.5 h)",
                       "hours written as hours and minutes (2h30 = 2.5 h)",
                       "hours written in minutes (90 min = 1.5 h)"]


def test_decimal_comma_column_in_windows_1252(store):
    r = import_one(store, GOLDEN / "repair cafe hours (Windows-1252).csv")
    assert participations(store) == [
        ("ann@example.org", "Café Repair", 0.75),    # 0,75
        ("bjorn@example.org", "Café Repair", 1.5),   # 1,500: the column writes decimal commas
        ("jose@example.org", "Café Repair", 1.5),    # 1,5
        ("renee@example.org", "Café Repair", 3.0),   # 3
        ("zoe@example.org", "Café Repair", 2.25),    # 2,25
    ]
    assert r.rejected == 0
    assert r.notes == ["decoded as Windows-1252", SIGN_IN,
                       "hours written with a decimal comma (1,5 = 1.5 h)"]


def test_paper_sign_in_sheet_hours_are_time_out_minus_time_in(store):
    config.set_setting(store, "date_order", "mdy")     # every date reads both ways
    r = import_one(store, GOLDEN / "paper sign-in sheet.csv")
    assert r.mapping["time_in"] == "Time In" and r.mapping["time_out"] == "Time Out"
    assert participations(store) == [
        ("ana@example.org", "Pantry Sort", 3.5),     # 9:00 AM -> 12:30 PM
        ("bob@example.org", "Pantry Sort", 2.5),     # 9:15am -> 11:45am
        ("cara@example.org", "Pantry Sort", None),   # signed in, never signed out
    ]
    assert rejected(r) == [
        (5, "time out '1:00 AM' is before time in '5:00 PM' (a shift past midnight needs "
            "the date with each time)"),
        (6, "unparseable time in 'around 10'"),
    ]
    assert r.notes == [
        SIGN_IN,
        "dates like 3/9/2024 read month-first, as the organization's date order setting "
        "says; import again with --date-order dmy (or choose on the Data page) if they are "
        "not",
        "hours are each row's own time in to time out (Time In to Time Out: 9:00 AM to "
        "12:30 PM = 3.5 h), never the event's scheduled start and end",
        "1 row(s) with a time in but no time out, or a time out but no time in: no hours "
        "for them"]


def test_times_with_dates_cross_midnight(store):
    r = import_one(store, GOLDEN / "overnight shelter check-ins.csv")
    assert participations(store) == [
        ("ana@example.org", "Overnight Shelter", 9.5),   # 21:00 -> 06:30 the next day
        ("bob@example.org", "Overnight Shelter", 4.5),   # 22:15 -> 02:45 the next day
    ]
    assert rejected(r) == [
        (4, "time out '2024-03-09 23:00' is before time in '2024-03-10 06:00'")]
    assert r.notes == [
        SIGN_IN,
        "hours are each row's own time in to time out (Check-in time to Check-out time: "
        "2024-03-09 21:00 to 2024-03-10 06:30 = 9.5 h), never the event's scheduled start "
        "and end"]


def test_a_shifts_scheduled_length_is_never_hours(store):
    r = import_one(store, GOLDEN / "shift schedule.csv")
    assert r.mapping["ends_at"] == "Shift End"
    assert participations(store) == [("ana@example.org", "Pantry Sort", None),
                                     ("bob@example.org", "Pantry Sort", None)]
    assert r.notes == []


def test_reimporting_a_sign_in_sheet_is_a_noop(store):
    config.set_setting(store, "date_order", "mdy")     # every date reads both ways
    import_one(store, GOLDEN / "paper sign-in sheet.csv")
    before = participations(store)
    [again] = import_files(store, [GOLDEN / "paper sign-in sheet.csv"])
    assert again.status == "duplicate" and participations(store) == before


# ------------------------------------------------------------------ Excel

def workbook(rows: list[list[object]], formats: dict[str, str] | None = None) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    for cell, fmt in (formats or {}).items():
        sheet[cell].number_format = fmt
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_excel_sign_in_with_time_cells(store, write):
    data = workbook([
        ["Date", "Name", "Email", "Event", "Arrived", "Left"],
        [dt.date(2024, 3, 9), "Ana Lopez", "ana@example.org", "Pantry Sort",
         dt.time(9, 0), dt.time(11, 15)],
        [dt.date(2024, 3, 9), "Bob Smith", "bob@example.org", "Pantry Sort",
         dt.time(13, 30), dt.time(17, 0)],
    ])
    r = import_one(store, write("sign-in.xlsx", data))
    assert participations(store) == [("ana@example.org", "Pantry Sort", 2.25),   # 9:00-11:15
                                     ("bob@example.org", "Pantry Sort", 3.5)]    # 13:30-17:00
    assert r.notes == [SIGN_IN,
                       "hours are each row's own time in to time out (Arrived to Left: "
                       "09:00:00 to 11:15:00 = 2.25 h), never the event's scheduled start "
                       "and end"]


def test_excel_duration_cells_are_h_mm(store, write):
    data = workbook([
        ["Email", "Event", "Date", "Hours"],
        ["ana@example.org", "Pantry Sort", dt.date(2024, 3, 9), dt.timedelta(hours=2, minutes=30)],
        ["bob@example.org", "Pantry Sort", dt.date(2024, 3, 9), dt.timedelta(minutes=45)],
    ], {"D2": "[h]:mm", "D3": "[h]:mm"})
    r = import_one(store, write("hours.xlsx", data))
    assert participations(store) == [("ana@example.org", "Pantry Sort", 2.5),
                                     ("bob@example.org", "Pantry Sort", 0.75)]
    assert r.notes == [SIGN_IN, "hours written as h:mm (2:30:00 = 2.5 h)"]


# ------------------------------------------------------------------ per-column rules

def test_a_comma_in_a_decimal_point_column_is_no_number(store, write):
    path = write("mixed.csv", 'Email,Event,Date,Hours\na@x.org,Rally,2024-01-06,2.5\n'
                              'b@x.org,Rally,2024-01-06,"1,5"\n')
    r = import_one(store, path)
    assert rejected(r) == [(3, "hours '1,5' is not a number (a comma is a decimal separator "
                               "only in a column that writes every decimal with a comma)")]
    assert r.notes == [SIGN_IN]        # plain numbers: nothing to say


def test_thousands_group_alone_is_no_decimal_comma(store, write):
    path = write("k.csv", 'Email,Event,Date,Hours\na@x.org,Rally,2024-01-06,"1,500"\n'
                          'b@x.org,Rally,2024-01-06,2\n')
    r = import_one(store, path)
    assert rejected(r)[0][1].startswith("hours '1,500' is not a number")


@pytest.mark.parametrize("columns, mapped", [
    (["Email", "Event", "Date", "Time In", "Time Out"], {"time_in", "time_out"}),
    (["Email", "Event", "Date", "Sign In", "Sign Out"], {"time_in", "time_out"}),
    (["Email", "Event", "Date", "Check-in time", "Check-out time"], {"time_in", "time_out"}),
    (["Email", "Event", "Date", "Arrived", "Left"], {"time_in", "time_out"}),
    (["Email", "Event", "Date", "Sign In"], set()),                     # a signature column
    (["Email", "Event", "Date", "Time In", "Time Out", "Hours"], set()),  # the file's hours
])
def test_time_in_and_out_are_mapped_only_as_a_pair_without_hours(columns, mapped):
    fields = resolve_mapping(columns, "participation", None).fields
    assert {f for f in fields if f.startswith("time_")} == mapped


def test_explicit_time_columns_beside_hours_are_noted(store, write):
    path = write("both.csv", "Email,Event,Date,In,Out,Hours\n"
                             "a@x.org,Rally,2024-01-06,9:00,10:00,3\n")
    r = import_one(store, path, ImportOptions(mapping={"time_in": "In", "time_out": "Out"}))
    assert participations(store) == [("a@x.org", "Rally", 3.0)]     # the file's hours win
    assert r.notes == [SIGN_IN, "hours read from Hours; In and Out not used for hours (the "
                                "file has an hours column)"]


# ------------------------------------------------------------------ the metric

def test_total_hours_follow_time_in_and_out(store, write):
    path = write("sign-in.csv",
                 "Date,Email,Event,Time In,Time Out,Status\n"
                 "2024-01-06,a@x.org,Pantry,9:00,11:30,Attended\n"
                 "2024-01-06,b@x.org,Pantry,10:00,10:45,Attended\n"
                 "2024-01-13,a@x.org,Pantry,2024-01-13 22:00,2024-01-14 01:00,Attended\n"
                 "2024-01-13,c@x.org,Pantry,9:00,17:00,No-show\n")
    import_one(store, path)
    window = Window(dt.date(2024, 1, 1), dt.date(2024, 2, 1), ())
    # attended only: 2.5 (9:00-11:30) + 0.75 (10:00-10:45) + 3 (22:00-01:00 next day) = 6.25;
    # the no-show's 8 h are not counted
    assert metrics.scalar(store, "total_hours", **window.params()) == pytest.approx(6.25)


@pytest.mark.parametrize("name", ["volunteer hours tracker.csv", "paper sign-in sheet.csv",
                                  "overnight shelter check-ins.csv"])
def test_the_fast_csv_reader_reads_hours_the_same(name, tmp_path, monkeypatch):
    runs = {}
    for label, mb in (("fast", "0"), ("slow", "1000000")):
        monkeypatch.setenv("ENGAGE_FAST_CSV_MB", mb)
        con = db.connect(tmp_path / f"{label}.duckdb")
        config.set_setting(con, "date_order", "mdy")    # the sign-in sheet's 3/9/2024
        try:
            r = import_one(con, GOLDEN / name)
            runs[label] = (r.read_by, r.notes, rejected(r), participations(con))
        finally:
            con.close()
    assert runs["fast"][0] == "duckdb" and runs["slow"][0] == "python"
    assert runs["fast"][1:] == runs["slow"][1:]


# ------------------------------------------------------------------ properties

@settings(max_examples=10, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(minutes=st.integers(min_value=0, max_value=24 * 60))
def test_every_form_of_the_same_duration_reads_the_same(minutes: int) -> None:
    h, m = divmod(minutes, 60)
    forms = [f"{h}:{m:02d}", f"{h}h{m:02d}", f"{h}h {m}m", f"{minutes} min", f"{minutes} mins",
             f"{minutes / 60!r} hrs", f"{minutes / 60!r} h"]
    con = duckdb.connect()
    try:
        con.execute(resolve.sql_text("import/macros.sql"))
        got = [con.execute("SELECT parse_hours($x, false)", {"x": x}).fetchone()[0]
               for x in forms]
    finally:
        con.close()
    assert got == [pytest.approx(minutes / 60, abs=1e-6)] * len(forms), forms


CELLS = st.one_of(st.text(max_size=12),
                  st.sampled_from(["9:00 AM", "17:30", "2024-03-09 21:00", "1,5", "2.5 hrs",
                                   "2:30", "25:00", "12:61", "-3 h", "noon", "1e308 min"]))


@settings(max_examples=10, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cells=st.lists(st.tuples(CELLS, CELLS), min_size=1, max_size=5))
def test_any_time_in_and_out_is_read_or_rejected(cells, tmp_path_factory) -> None:
    con = db.connect(tmp_path_factory.mktemp("times") / "e.duckdb")
    try:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["Email", "Event", "Date", "Time In", "Time Out"])
        writer.writerows([f"p{i}@x.org", "Rally", "2024-01-06", a, b]
                         for i, (a, b) in enumerate(cells))
        r = importer.import_bytes(con, out.getvalue().encode("utf-8", "surrogatepass"),
                                  "times.csv")
        assert r.status in ("imported", "failed")
        assert r.accepted + r.rejected + r.skipped == r.rows_read
        hours = [h for (h,) in con.execute("SELECT hours FROM participation").fetchall()]
        assert all(h is None or 0 <= h <= 24 for h in hours)
    finally:
        con.close()
