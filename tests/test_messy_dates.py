"""Dates as people and tools really write them (issue 13, "Dates"): month names, weekdays,
zones after the time, 12 h and 24 h times, two-digit years, Excel serials and real Excel
date cells, a date with its times in separate columns, the file's date order (decided from
its own values, chosen, or refused), dates flagged against the export date and the rest of
the file, and a re-import in another order. Expectations are written out by hand."""
from __future__ import annotations

import io
import subprocess
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import openpyxl
import pytest
from helpers_cli import engage
from hypothesis import given, settings
from hypothesis import strategies as st

from engage_metrics import config, db, resolve
from engage_metrics.importer import import_bytes, import_files
from engage_metrics.options import ImportOptions

GOLDEN = Path(__file__).parent / "golden" / "messy" / "dates"
ROOT = Path(__file__).resolve().parents[1]
EVENTS = ("SELECT p.email, e.title, e.starts_at, e.ends_at, pa.status FROM participation pa "
          "JOIN person p USING (person_id) JOIN event e USING (event_id) ORDER BY 1")


def rows(con, sql: str) -> list[tuple]:
    return con.execute(sql).fetchall()


def imported(con, name: str, **options) -> object:
    [result] = import_files(con, [GOLDEN / name], ImportOptions(**options))
    return result


def test_uk_rota_is_read_day_first_with_its_times_combined(store):
    """Windows-1252, day-first dates, a Date column with Start Time and End Time columns."""
    r = imported(store, "Volunteer rota - Sheet1.csv")
    assert (r.status, r.accepted, r.rejected) == ("imported", 3, 0), r.rejected_rows
    assert r.mapping["starts_at"] == "Date" and r.mapping["start_time"] == "Start Time"
    assert r.mapping["end_time"] == "End Time"
    assert r.notes == ["decoded as Windows-1252",
                       "no status column: every row counted as attended (a sign-in list)",
                       "dates read day-first: 23/02/2024 has a first field above 12"]
    assert rows(store, EVENTS) == [
        ("harry@example.co.uk", "Café clean-up", datetime(2024, 2, 23, 10), datetime(2024, 2, 23, 13),
         "attended"),
        ("olivia@example.co.uk", "Food bank", datetime(2024, 3, 5, 18, 30), datetime(2024, 3, 5, 20),
         "attended"),
        ("zoe@example.co.uk", "Café clean-up", datetime(2024, 2, 23, 10), datetime(2024, 2, 23, 13),
         "attended"),
    ]


def test_month_names_weekdays_zones_and_flags(store):
    """Organization in America/New_York; zones converted; a date after the export date in
    the file name and one far from the rest are noted, not rejected."""
    r = imported(store, "export-2024-03-12 canvass signups.csv")
    assert (r.status, r.accepted, r.rejected) == ("imported", 7, 0), r.rejected_rows
    assert r.notes == [
        "dates read month-first: 04/20/2024 10:00 AM has a second field above 12",
        "1 row(s) dated after the file's export date 2024-03-12 (line 6 first, the latest "
        "2024-04-20): check those dates",
        "1 row(s) dated more than 5 years from the file's median date 2024-02-25 (line 8 "
        "first; 2014-02-10): check those dates",
    ]
    assert rows(store, EVENTS) == [
        # 10:00 AM CST = 11:00 in New York: the same occurrence as Bob's 11:00
        ("ana@example.org", "Saturday Canvass", datetime(2024, 2, 17, 11), None, "attended"),
        ("bob@example.org", "Saturday Canvass", datetime(2024, 2, 17, 11), None, "attended"),
        # 9:30 PM in California is 00:30 the next day in New York
        ("cara@example.org", "Phone Bank", datetime(2024, 2, 25, 0, 30), None, "attended"),
        ("dan@example.org", "Phone Bank", datetime(2024, 3, 2, 15), None, "no_show"),
        ("eve@example.org", "Saturday Canvass", datetime(2024, 4, 20, 10), None, "attended"),
        ("fay@example.org", "Saturday Canvass", datetime(2024, 3, 16, 10), None, "registered"),
        ("gus@example.org", "Saturday Canvass", datetime(2014, 2, 10, 10), None, "attended"),
    ]
    assert rows(store, "SELECT COUNT(*) FROM event WHERE title = 'Saturday Canvass'") == [(4,)]


def pantry_workbook() -> bytes:
    """Hand-typed Excel tracker: real date and time cells, and the serial numbers a date
    column holds once its format is lost (45345 = 2024-02-23, 0.375 = 9:00)."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Shifts"
    sheet.append(["Email", "Event", "Date", "Start Time", "End Time"])
    sheet.append(["ana@example.org", "Pantry", datetime(2024, 2, 23), time(9), time(12)])
    sheet.append(["bob@example.org", "Pantry", 45345, 0.375, 0.5])
    sheet.append(["cy@example.org", "Pantry", datetime(2024, 3, 1), time(22), time(1)])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_excel_date_cells_serials_and_time_cells(store):
    r = import_bytes(store, pantry_workbook(), "Pantry shifts.xlsx")
    assert (r.status, r.accepted, r.rejected) == ("imported", 3, 0), r.rejected_rows
    assert "1 date(s) written as Excel serial numbers (days since 1899-12-30) were read as " \
           "dates" in r.notes
    assert not any("dates read" in n for n in r.notes)    # no numeric date to decide on
    assert rows(store, EVENTS) == [
        ("ana@example.org", "Pantry", datetime(2024, 2, 23, 9), datetime(2024, 2, 23, 12),
         "attended"),
        ("bob@example.org", "Pantry", datetime(2024, 2, 23, 9), datetime(2024, 2, 23, 12),
         "attended"),
        # an end time before the start time ends the next day
        ("cy@example.org", "Pantry", datetime(2024, 3, 1, 22), datetime(2024, 3, 2, 1),
         "attended"),
    ]


def test_an_ambiguous_file_is_refused_then_chosen_and_replaced(store):
    # the default zone (America/New_York) is no hint: nothing says how 03/04/2024 reads
    r = imported(store, "sign-in sheet.csv")
    assert (r.status, r.needs) == ("failed", "date_order")
    assert r.message == ("dates like 03/04/2024 can be read day-first or month-first, and "
                         "nothing else in the file tells; choose with --date-order dmy or "
                         "--date-order mdy (or on the Data page)")
    assert rows(store, "SELECT COUNT(*) FROM import_log") == [(0,)]

    r = imported(store, "sign-in sheet.csv", date_order="dmy")
    assert (r.status, r.import_id, r.accepted) == ("imported", 1, 2)
    assert "dates read day-first, as chosen" in r.notes
    days = "SELECT p.full_name, e.event_date FROM participation JOIN person p USING (person_id) " \
           "JOIN event e USING (event_id) ORDER BY 1"
    assert rows(store, days) == [("Ana Lopez", date(2024, 4, 3)), ("Bob Smith", date(2024, 4, 5))]
    # the same choice again: a no-op; another order: replaces import #1, never doubles
    assert imported(store, "sign-in sheet.csv", date_order="dmy").status == "duplicate"
    assert imported(store, "sign-in sheet.csv").status == "duplicate"
    r = imported(store, "sign-in sheet.csv", date_order="mdy")
    assert (r.status, r.import_id) == ("imported", 2)
    assert "replaces import #1 of the same file, whose dates were read day-first" in r.notes
    assert rows(store, "SELECT import_id FROM import_log") == [(2,)]
    assert rows(store, days) == [("Ana Lopez", date(2024, 3, 4)), ("Bob Smith", date(2024, 5, 4))]


def test_the_date_order_setting_reads_an_ambiguous_file_and_says_so(store):
    config.set_setting(store, "date_order", "mdy")
    r = imported(store, "sign-in sheet.csv")
    assert r.status == "imported"
    assert ("dates like 03/04/2024 read month-first, as the organization's date order setting "
            "says; import again with --date-order dmy (or choose on the Data page) if they "
            "are not") in r.notes
    assert rows(store, "SELECT min(event_date) FROM event") == [(date(2024, 3, 4),)]


def _sheet(*days: str) -> bytes:
    return ("Email,Event,Date\n" + "".join(f"p{i}@x.org,Pantry,{d}\n" for i, d in enumerate(days))
            ).encode()


def test_earlier_imports_that_showed_the_order_settle_an_ambiguous_file(store):
    # no history yet: the ambiguous sheet must be chosen
    assert import_bytes(store, _sheet("03/04/2024"), "week 2.csv").needs == "date_order"
    # a sheet whose own dates show day-first (25 > 12), then the ambiguous one follows it
    first = import_bytes(store, _sheet("25/03/2024", "01/04/2024"), "week 1.csv")
    assert "dates read day-first: 25/03/2024 has a first field above 12" in first.notes
    r = import_bytes(store, _sheet("03/04/2024"), "week 2.csv")
    assert r.status == "imported"
    assert ("dates like 03/04/2024 read day-first, as in this organization's earlier imports "
            "('week 1.csv'); import again with --date-order mdy (or choose on the Data page) "
            "if they are not") in r.notes
    assert rows(store, "SELECT DISTINCT event_date FROM event ORDER BY 1") == [
        (date(2024, 3, 25),), (date(2024, 4, 1),), (date(2024, 4, 3),)]
    # an analyst's choice counts too; earlier imports that disagree settle nothing
    chosen = import_bytes(store, _sheet("02/04/2024"), "week 3.csv", ImportOptions(
        date_order="mdy"))
    assert chosen.status == "imported"
    assert import_bytes(store, _sheet("05/06/2024"), "week 4.csv").needs == "date_order"
    # the setting wins over the history
    config.set_setting(store, "date_order", "dmy")
    r = import_bytes(store, _sheet("05/06/2024"), "week 4.csv")
    assert ("dates like 05/06/2024 read day-first, as the organization's date order setting "
            "says; import again with --date-order mdy (or choose on the Data page) if they "
            "are not") in r.notes


def test_a_tools_own_order_says_nothing_of_the_organizations(store):
    from engage_metrics.importer import organization_date_order

    assert imported(store, "sign-in sheet.csv", date_order="dmy").status == "imported"
    assert organization_date_order(store) == (
        "dmy", "as in this organization's earlier imports ('sign-in sheet.csv')",
        "earlier imports")
    store.execute("UPDATE import_log SET options = json_object('date_order', 'mdy', "
                  "'date_order_basis', 'tool')")
    assert organization_date_order(store) is None


def test_contradicting_dates_are_refused(store):
    r = imported(store, "mixed orders.csv")
    assert (r.status, r.needs) == ("failed", "date_order")
    assert r.message.startswith("the dates contradict each other: 13/04/2024 reads only "
                                "day-first and 04/14/2024 only month-first")
    # chosen: the rows that do not read that way are rejected rows naming the value
    r = imported(store, "mixed orders.csv", date_order="dmy")
    assert (r.accepted, r.rejected) == (2, 1)
    assert r.rejected_rows["reason"].tolist() == ["unparseable date '04/14/2024'"]
    assert rows(store, "SELECT event_date FROM event ORDER BY 1") == [
        (date(2024, 4, 4),), (date(2024, 4, 13),)]


def test_a_bare_time_column_is_never_a_date(store):
    r = imported(store, "times only.csv")
    assert r.status == "failed" and rows(store, "SELECT COUNT(*) FROM import_log") == [(0,)]
    assert r.message.startswith("the column 'Start Time', read as the date, holds times of day "
                                "without a date (such as '10:00 AM')")
    # mapped next to a date column, some bare times among dates are rejected rows
    text = b"Email,Event,Start\nana@x.org,Rally,10:00 AM\nbob@x.org,Rally,2024-03-02 10:00\n"
    r = import_bytes(store, text, "mixed.csv")
    assert (r.accepted, r.rejected_rows["reason"].tolist()) == (1, [
        "'10:00 AM' is a time without a date: map the date column to the start date and this "
        "column to the start time"])


def test_adapters_keep_their_month_first_order(store):
    """A tool's export (here Eventbrite's UK header with a one-event date) keeps month-first
    for its numeric dates whatever the organization's zone: no question asked."""
    config.set_setting(store, "timezone", "Europe/London")
    text = ("Order #,Order Date,First Name,Last Name,Email,Quantity,Ticket Type,Attendee #,"
            "Attendee Status\n1,3/4/2024 10:00,Ana,Lopez,ana@x.org,1,GA,11,Checked In\n")
    r = import_bytes(store, text.encode(), "Gala.csv",
                     ImportOptions(event_title="Gala", event_date="03/05/2024 7:00 PM"))
    assert r.status == "imported", r.message
    assert rows(store, "SELECT starts_at FROM event") == [(datetime(2024, 3, 5, 19),)]


def test_cli_date_order_error_is_one_line_then_the_flag_imports(tmp_path):
    path = tmp_path / "d.duckdb"
    con = db.connect(path)
    config.set_setting(con, "timezone", "Europe/London")
    con.close()

    def cli(*args: str) -> subprocess.CompletedProcess:
        return engage(*args, "--db", str(path))

    r = cli("import", str(GOLDEN / "sign-in sheet.csv"))
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1
    assert "choose with --date-order dmy or --date-order mdy" in r.stderr
    assert cli("history").stdout.strip() == "no imports yet"
    r = cli("import", "--date-order", "dmy", str(GOLDEN / "sign-in sheet.csv"))
    assert r.returncode == 0 and "note: dates read day-first, as chosen" in r.stdout


# ------------------------------------------------------------------ any form, same instant

@pytest.fixture(scope="module")
def macros() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    resolve.install_macros(con)
    return con


NY = ZoneInfo("America/New_York")
NAIVE_FORMS = [   # (strftime pattern, date order)
    ("%Y-%m-%d %H:%M:%S", "mdy"), ("%Y-%m-%dT%H:%M", "dmy"), ("%m/%d/%Y %I:%M %p", "mdy"),
    ("%d/%m/%Y %H:%M", "dmy"), ("%d.%m.%Y %H:%M", "dmy"), ("%m/%d/%y %H:%M", "mdy"),
    ("%b %d, %Y %I:%M %p", "dmy"), ("%A, %B %d, %Y %H:%M", "mdy"), ("%d %B %Y %H:%M", "mdy"),
    ("%Y-%b-%d %I:%M %p", "mdy"), ("%a %d-%b-%y %H:%M:%S", "dmy"), ("%Y/%m/%d %H:%M", "ymd"),
    ("%Y-%m-%d %I:%M %p", "dmy"),
]


def _in_zone(local: datetime, form: int) -> str:
    """The New York wall time *local* written in another zone, in one of several ways."""
    instant = local.replace(tzinfo=NY)
    if form == 0:
        return instant.astimezone(ZoneInfo("UTC")).strftime("%b %d, %Y %I:%M %p UTC")
    if form == 1:
        return instant.strftime("%m/%d/%Y %I:%M %p ") + str(instant.tzname())   # EST / EDT
    if form == 2:
        return instant.astimezone(ZoneInfo("America/Chicago")).strftime(
            "%Y-%m-%d %H:%M America/Chicago")
    if form == 3:
        return instant.astimezone(ZoneInfo("America/Los_Angeles")).strftime("%d %B %Y %H:%M PT")
    return instant.astimezone(ZoneInfo("Europe/Paris")).strftime("%d/%m/%Y %H:%M ") + (
        "CEST" if instant.astimezone(ZoneInfo("Europe/Paris")).dst() else "CET")


@settings(max_examples=30, deadline=None)
@given(day=st.dates(date(2000, 1, 1), date(2030, 12, 31)), hour=st.integers(6, 22),
       minute=st.integers(0, 59), form=st.integers(0, len(NAIVE_FORMS) + 5))
def test_any_supported_form_of_one_instant_parses_to_the_same_local_time(macros, day, hour,
                                                                         minute, form):
    local = datetime(day.year, day.month, day.day, hour, minute)
    order = "mdy"
    if form < len(NAIVE_FORMS):
        pattern, order = NAIVE_FORMS[form]
        text = local.strftime(pattern)
    elif form == len(NAIVE_FORMS):
        serial = (local - datetime(1899, 12, 30)) / timedelta(days=1)
        text = repr(round(serial, 8))
    else:
        text = _in_zone(local, form - len(NAIVE_FORMS) - 1)
        order = "dmy" if form == len(NAIVE_FORMS) + 5 else "mdy"
    parsed = macros.execute("SELECT parse_ts($x, 'America/New_York', $o)",
                            {"x": text, "o": order}).fetchone()[0]
    assert parsed == local, text


NOON_WORDS = [("noon", 12), ("Noon", 12), ("12 noon", 12), ("12:00 noon", 12),
              ("midnight", 0), ("Midnight", 0), ("12 midnight", 0), ("12:00 midnight", 0)]
DATE_FORMS = [("%b %d, %Y", "mdy"), ("%d/%m/%Y", "dmy"), ("%Y-%m-%d", "mdy"),
              ("%A, %B %d, %Y at", "mdy"), ("%d %B %Y", "dmy")]


@settings(max_examples=30, deadline=None)
@given(day=st.dates(date(2000, 1, 1), date(2030, 12, 31)),
       word=st.integers(0, len(NOON_WORDS) - 1), form=st.integers(0, len(DATE_FORMS) - 1))
def test_noon_and_midnight_after_any_date_form(macros, day, word, form):
    """Noon and midnight are times wherever a time follows a date: midnight is 00:00 of the
    date written."""
    text, hour = NOON_WORDS[word]
    pattern, order = DATE_FORMS[form]
    written = f"{day.strftime(pattern)} {text}"
    parsed = macros.execute("SELECT parse_ts($x, 'America/New_York', $o)",
                            {"x": written, "o": order}).fetchone()[0]
    assert parsed == datetime(day.year, day.month, day.day, hour), written


@pytest.mark.parametrize("text, expected", [
    ("2024-03-09 9:00 PM", datetime(2024, 3, 9, 21)),       # not 09:00: the PM counts
    ("2024-03-09 09:30 pm", datetime(2024, 3, 9, 21, 30)),
    ("2024-03-09 12:00 AM", datetime(2024, 3, 9, 0)),
    ("2024-03-09 12:00 midnight", datetime(2024, 3, 9, 0)),
    ("2024-03-09 noon", datetime(2024, 3, 9, 12)),
    ("2024-03-09T18:05:00", datetime(2024, 3, 9, 18, 5)),
    ("2024-03-09 18:05:00.25", datetime(2024, 3, 9, 18, 5, 0, 250000)),
])
def test_an_iso_date_with_a_12_hour_time(macros, text, expected):
    assert macros.execute("SELECT parse_ts($x, 'America/New_York', 'mdy')",
                          {"x": text}).fetchone()[0] == expected


def test_the_fast_csv_reader_takes_the_same_decision(store, write, monkeypatch):
    monkeypatch.setenv("ENGAGE_FAST_CSV_MB", "0.000001")
    ambiguous = write("amb.csv", "Email,Event,Date\nana@x.org,Shift,03/04/2024\n")
    [r] = import_files(store, [ambiguous])
    assert (r.read_by, r.status, r.needs) == ("duckdb", "failed", "date_order")
    assert "choose with --date-order dmy or --date-order mdy" in r.message
    day_first = write("rota.csv", "Email,Event,Date\nana@x.org,Shift,23/02/2024\n"
                                  "bob@x.org,Shift,05/03/2024\n")
    [r] = import_files(store, [day_first])
    assert (r.read_by, r.status) == ("duckdb", "imported")
    assert "dates read day-first: 23/02/2024 has a first field above 12" in r.notes
    assert rows(store, "SELECT event_date FROM event ORDER BY 1") == [
        (date(2024, 2, 23),), (date(2024, 3, 5),)]
    # the earlier import showed day-first: the ambiguous file follows it
    [r] = import_files(store, [ambiguous])
    assert (r.read_by, r.status) == ("duckdb", "imported")
    assert any("read day-first, as in this organization's earlier imports ('rota.csv')" in n
               for n in r.notes)
