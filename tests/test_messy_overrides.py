"""Issue 13, "Every choice is visible": the header row and the fill-down of grouping columns
are choices the analyst can override (ImportOptions.header_row / fill_down, --header-row N,
--no-fill-down, the Data page), and importing a file again with another one replaces the
earlier import; the export date the dates are flagged against is also read from a title
line above the header ("Exported on 3/12/2024"). Golden files: tests/golden/messy/layout/."""
from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pytest

from engage_metrics import cli, config, importer, reader
from engage_metrics.importer import _changed_choices, import_bytes, import_files
from engage_metrics.options import ImportOptions

GOLDEN = Path(__file__).resolve().parent / "golden" / "messy" / "layout"
GROUPED = GOLDEN / "sign-in grouped.csv"

# the header under title rows too wide to be read as titles: only the analyst can say
WIDE_TITLES = (b"Spring cleanup sign-in,Riverside Park,Saturday\n"
               b"Volunteers,please,print clearly\n"
               b"Date,Event,Name,Email,Hours\n"
               b"2024-03-02,Spring cleanup,Ana Lopez,ana@example.org,2\n"
               b"2024-03-02,Spring cleanup,Bob Smith,bob@example.org,3\n")


def rows(con) -> list[tuple]:
    return con.execute(
        "SELECT line_no, email, full_name, title, strftime(starts_at, '%Y-%m-%d'), hours "
        "FROM raw_participation ORDER BY line_no").fetchall()


# ---------------------------------------------------------------- header row

def test_a_header_row_the_reader_cannot_find_is_chosen(store):
    found = import_bytes(store, WIDE_TITLES, "cleanup.csv")
    assert found.status == "failed"            # the title row was taken as the header
    result = import_bytes(store, WIDE_TITLES, "cleanup.csv", ImportOptions(header_row=3))
    assert (result.status, result.rows_read, result.accepted, result.rejected,
            result.skipped) == ("imported", 2, 2, 0, 0)
    assert rows(store) == [
        (4, "ana@example.org", "Ana Lopez", "Spring cleanup", "2024-03-02", 2.0),
        (5, "bob@example.org", "Bob Smith", "Spring cleanup", "2024-03-02", 3.0)]
    assert result.notes[0] == (
        "header on row 3, as chosen; rows 1–2 above it skipped (not data): "
        "'Spring cleanup sign-in Riverside Park S…', 'Volunteers please print clearly'")
    assert result.header_row == 3


def test_the_header_row_chosen_on_the_first_row_is_noted():
    table = reader.read_bytes(b"Email,Event,Date\na@x.org,Canvass,2024-03-02\n", "x.csv",
                              header_row=1)
    assert (table.header_line, table.header_chosen, table.notes) == (
        1, True, ["header on row 1, as chosen"])


def test_a_header_row_beyond_the_file_or_on_a_blank_row_is_a_one_line_error(store):
    result = import_bytes(store, (GROUPED).read_bytes(), "sign-in grouped.csv",
                          ImportOptions(header_row=40))
    assert (result.status, result.message) == (
        "failed", "sign-in grouped.csv has 13 row(s): header row 40 is not among them; "
                  "choose a row from 1 to 13")
    blank = import_bytes(store, GROUPED.read_bytes(), "sign-in grouped.csv",
                         ImportOptions(header_row=3))
    assert blank.message == (
        "sign-in grouped.csv: row 3 is blank (or inside a cell spanning several lines), so "
        "it cannot be the header; choose the row with the column names")
    assert store.execute("SELECT COUNT(*) FROM import_log").fetchall() == [(0,)]


def test_cli_header_row_and_its_error(tmp_path: Path, capsys) -> None:
    path = tmp_path / "cleanup.csv"
    path.write_bytes(WIDE_TITLES)
    db = str(tmp_path / "s.duckdb")
    assert cli.main(["import", "--db", db, "--header-row", "3", str(path)]) == 0
    out = capsys.readouterr().out
    assert "import #1" in out and "note: header on row 3, as chosen" in out
    assert cli.main(["import", "--db", db, "--header-row", "9", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.strip() == ("error: nothing imported: cleanup.csv: cleanup.csv has 5 row(s): "
                           "header row 9 is not among them; choose a row from 1 to 5")


def test_cli_help_names_both_options(capsys) -> None:
    with pytest.raises(SystemExit):
        cli.main(["import", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert "--header-row [FILE=]N" in out and "--no-fill-down" in out


def workbook() -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "March"
    sheet.append(["Volunteer sign-in"])
    sheet.append(["Exported on 3/12/2024", "by Jane Roe", "page 1"])
    sheet.append(["Date", "Event", "Name", "Email"])
    sheet.append(["2024-03-02", "Spring cleanup", "Ana Lopez", "ana@example.org"])
    sheet.append([None, None, "Bob Smith", "bob@example.org"])
    sheet.merge_cells("A4:A5")
    sheet.merge_cells("B4:B5")
    sheet.append(["2024-03-16", "Food drive", "Dan Ng", "dan@example.org"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_workbook_header_row_chosen_and_merged_cells_left_alone(store):
    # the title's "3/12/2024" reads both ways (the cells are real dates): the organization
    # writes month-first
    config.set_setting(store, "date_order", "mdy")
    data = workbook()
    assert import_bytes(store, data, "march.xlsx").status == "failed"
    result = import_bytes(store, data, "march.xlsx", ImportOptions(header_row=3))
    assert (result.status, result.accepted, result.rejected) == ("imported", 3, 0)
    assert rows(store) == [
        (4, "ana@example.org", "Ana Lopez", "Spring cleanup", "2024-03-02", None),
        (5, "bob@example.org", "Bob Smith", "Spring cleanup", "2024-03-02", None),
        (6, "dan@example.org", "Dan Ng", "Food drive", "2024-03-16", None)]
    assert result.notes[:3] == [
        "header on row 3, as chosen; rows 1–2 above it skipped (not data): "
        "'Volunteer sign-in', 'Exported on 3/12/2024 by Jane Roe page 1'",
        "merged cells in column 'Date': its value filled into the 1 row(s) each merged cell "
        "covers",
        "merged cells in column 'Event': its value filled into the 1 row(s) each merged cell "
        "covers"]
    assert result.notes[-1] == (
        "1 row(s) dated after the file's export date 2024-03-12 (line 6 first, the latest "
        "2024-03-16): check those dates; the export date is from row 2 'Exported on "
        "3/12/2024 by Jane Roe page 1'")
    # the merged cells keep their value in the top cell only when fill-down is off
    off = import_bytes(store, data, "march.xlsx", ImportOptions(header_row=3, fill_down=False))
    assert (off.status, off.accepted, off.rejected) == ("imported", 2, 1)
    assert off.rejected_rows["line_no"].tolist() == [5]
    assert rows(store) == [
        (4, "ana@example.org", "Ana Lopez", "Spring cleanup", "2024-03-02", None),
        (6, "dan@example.org", "Dan Ng", "Food drive", "2024-03-16", None)]
    assert ("fill-down turned off, as chosen: no column filled down ('Date', 'Event' would "
            "have been; their blank cells stay blank)") in off.notes
    assert ("replaces import #1 of the same file, imported with grouping columns filled "
            "down") in off.notes
    beyond = import_bytes(store, data, "march.xlsx", ImportOptions(header_row=7))
    assert beyond.message == ("march.xlsx, sheet 'March' has 6 row(s): header row 7 is not "
                              "among them; choose a row from 1 to 6")


# ---------------------------------------------------------------- fill-down

def test_fill_down_turned_off_leaves_the_blank_cells_blank(store):
    result = import_bytes(store, GROUPED.read_bytes(), "sign-in grouped.csv",
                          ImportOptions(fill_down=False))
    assert (result.status, result.rows_read, result.accepted, result.rejected,
            result.skipped) == ("imported", 9, 2, 3, 4)
    assert rows(store) == [
        (5, "ana@example.org", "Ana Lopez", "Spring cleanup", "2024-03-02", 2.0),
        (8, "dan@example.org", "Dan Ng", "Food drive", "2024-03-09", 1.0)]
    assert [tuple(r) for r in result.rejected_rows[["line_no", "raw"]].itertuples(index=False)
            ] == [(6, ",,Bob Smith,bob@example.org,3"), (7, ",,Cara Diaz,,2"),
                  (9, ",,Eve Li,eve@example.org,2")]
    assert result.notes[:3] == [
        "header found on row 4; rows 1–3 above it skipped (a title and notes, not data): "
        "'Volunteer sign-in — Spring cleanup', 'Printed 3/2/2024', a blank row",
        "3 line(s) after the data skipped (notes, totals or signatures, not rows): "
        "line 11 'Total volunteers: 5'; line 12 'Signed: ________'; "
        "line 13 'Notes: bring gloves'",
        "fill-down turned off, as chosen: no column filled down ('Date', 'Event' would have "
        "been; their blank cells stay blank)"]


def test_the_reader_says_which_columns_it_filled_or_would_have():
    data = GROUPED.read_bytes()
    assert reader.read_bytes(data, "g.csv").filled_down == ["Date", "Event"]
    off = reader.read_bytes(data, "g.csv", fill_down=False)
    assert off.filled_down == ["Date", "Event"]
    assert off.rows["Date"].tolist() == ["2024-03-02", "", "", "2024-03-09", ""]
    plain = reader.read_bytes(b"Email,Event,Date\na@x.org,Canvass,2024-03-02\n", "p.csv",
                              fill_down=False)
    assert plain.filled_down == []
    assert plain.notes == ["fill-down turned off, as chosen: no column filled down"]


def test_cli_no_fill_down(tmp_path: Path, capsys) -> None:
    code = cli.main(["import", "--db", str(tmp_path / "s.duckdb"), "--no-fill-down",
                     str(GROUPED)])
    out = capsys.readouterr().out
    assert code == 0
    assert "2 accepted, 3 rejected" in out and "note: fill-down turned off, as chosen" in out


# ---------------------------------------------------------------- choices and re-imports

def test_another_header_row_or_fill_down_replaces_the_earlier_import(store):
    data = GROUPED.read_bytes()
    first = import_bytes(store, data, "sign-in grouped.csv")
    assert (first.import_id, first.header_row) == (1, 4)
    # the header row the reader found, chosen: the same import
    same = import_bytes(store, data, "sign-in grouped.csv", ImportOptions(header_row=4))
    assert (same.status, same.import_id) == ("duplicate", 1)
    off = import_bytes(store, data, "sign-in grouped.csv", ImportOptions(fill_down=False))
    assert (off.status, off.import_id, off.replaces, off.accepted) == ("imported", 2, 1, 2)
    assert ("replaces import #1 of the same file, imported with grouping columns filled "
            "down") in off.notes
    assert import_bytes(store, data, "sign-in grouped.csv",
                        ImportOptions(fill_down=False)).status == "duplicate"
    on = import_bytes(store, data, "sign-in grouped.csv")
    assert (on.status, on.import_id, on.replaces, on.accepted) == ("imported", 3, 2, 5)
    assert ("replaces import #2 of the same file, imported with fill-down turned "
            "off") in on.notes
    assert store.execute("SELECT import_id, rows_accepted FROM import_log").fetchall() == [
        (3, 5)]
    assert len(rows(store)) == 5                       # never doubled


def test_changed_choices_name_the_header_row_and_the_fill_down():
    earlier = {"date_order": None, "header_row": 4, "fill_down": True}
    assert _changed_choices(earlier, ImportOptions(header_row=4)) == []
    assert _changed_choices(earlier, ImportOptions()) == []
    assert _changed_choices(earlier, ImportOptions(header_row=2)) == [
        "whose header was read from row 4"]
    assert _changed_choices({}, ImportOptions(header_row=2)) == [
        "imported without a header row given"]
    assert _changed_choices({}, ImportOptions(fill_down=False)) == [
        "imported with grouping columns filled down"]
    assert _changed_choices({"fill_down": False}, ImportOptions()) == [
        "imported with fill-down turned off"]
    assert ImportOptions(header_row=3, fill_down=False).to_json() == {
        "treat_registered_as_attended": False, "sheet": None, "event_title": None,
        "event_date": None, "date_order": None, "header_row": 3, "fill_down": False}


# ---------------------------------------------------------------- the fast CSV reader

@pytest.fixture
def fast_on(monkeypatch):
    monkeypatch.setenv("ENGAGE_FAST_CSV_MB", "0")


def test_the_fast_reader_hands_chosen_header_rows_and_fill_down_to_the_python_reader(
        tmp_path: Path, store, fast_on):
    path = tmp_path / "plain.csv"
    path.write_bytes(b"Email,Event,Date\na@x.org,Canvass,2024-03-02\nb@x.org,Rally,"
                     b"2024-03-09\n")
    [plain] = import_files(store, [path])
    assert plain.read_by == "duckdb"
    [chosen] = import_files(store, [path], ImportOptions(header_row=1))
    assert (chosen.read_by, chosen.status) == ("python", "duplicate")   # row 1 was read
    [off] = import_files(store, [path], ImportOptions(fill_down=False))
    assert (off.read_by, off.status, off.accepted, off.replaces) == ("python", "imported",
                                                                     2, 1)
    assert off.notes[0] == "fill-down turned off, as chosen: no column filled down"
    [upload] = importer.import_uploads(store, [("plain.csv", path.read_bytes())],
                                       ImportOptions(header_row=1, fill_down=False))
    assert (upload.read_by, upload.status) == ("python", "duplicate")


# ---------------------------------------------------------------- the export date

def test_export_date_from_a_title_line(store):
    name = "canvass report exported.csv"
    result = import_bytes(store, (GOLDEN / name).read_bytes(), name)
    assert (result.status, result.accepted) == ("imported", 4)
    assert result.notes[:3] == [
        "header found on row 4; rows 1–3 above it skipped (a title and notes, not data): "
        "'Canvass attendance report', 'Report generated: 2024-03-12 10:04', a blank row",
        "dates read month-first: 04/20/2024 has a second field above 12",
        "1 row(s) dated after the file's export date 2024-03-12 (line 7 first, the latest "
        "2024-04-20): check those dates; the export date is from row 2 'Report generated: "
        "2024-03-12 10:04'"]


def test_export_date_line_is_read_in_the_files_date_order(store):
    data = (b"Hours log\nExported on 12/3/2024\n"
            b"Email,Name,Event,Date,Hours\n"
            b"ana@example.org,Ana Lopez,Sorting,23/02/2024,2\n"
            b"bob@example.org,Bob Smith,Sorting,09/03/2024,3\n"
            b"cara@example.org,Cara Diaz,Sorting,20/04/2024,1\n")
    result = import_bytes(store, data, "hours.csv")
    assert (result.status, result.accepted, result.date_order) == ("imported", 3, "dmy")
    assert ("1 row(s) dated after the file's export date 2024-03-12 (line 6 first, the "
            "latest 2024-04-20): check those dates; the export date is from row 2 "
            "'Exported on 12/3/2024'") in result.notes


@pytest.mark.parametrize(("line", "written", "shown"), [
    ("Exported on 3/12/2024", "3/12/2024", "'Exported on 3/12/2024'"),
    ('"Report generated: 2024-03-12 10:04"', "2024-03-12 10:04",
     "'Report generated: 2024-03-12 10:04'"),
    ("Printed 3/2/2024", "3/2/2024", "'Printed 3/2/2024'"),
    ("Run date: March 12, 2024", "March 12, 2024", "'Run date: March 12 2024'"),
    ('"Downloaded Tue, 12 Mar 2024"', "12 Mar 2024", "'Downloaded Tue, 12 Mar 2024'"),
    ("Data as of,2024-03-12", "2024-03-12", "'Data as of 2024-03-12'"),
])
def test_title_lines_that_give_an_export_date(line, written, shown):
    table = reader.read_bytes(f"Attendance\n{line}\nEmail,Event,Date\na@x.org,Canvass,"
                              "2024-03-02\nb@x.org,Rally,2024-03-09\n".encode(), "r.csv")
    assert (table.export_date, table.export_source) == (written, f"row 2 {shown}")


def test_export_dates_read_by_parse_ts(store):
    read = importer.export_date_from_line
    assert str(read(store, "3/12/2024", "mdy")) == "2024-03-12"
    assert str(read(store, "3/12/2024", "dmy")) == "2024-12-03"
    assert str(read(store, "2024-03-12 10:04", None)) == "2024-03-12"
    assert str(read(store, "March 12, 2024", None)) == "2024-03-12"
    assert read(store, "3/12/2024", None) is None                    # cannot tell
    assert str(read(store, "13/3/2024", None)) == "2024-03-13"
    config.set_setting(store, "date_order", "mdy")                  # the organization's
    assert str(read(store, "3/12/2024", None)) == "2024-03-12"


def test_no_title_line_no_export_date():
    table = reader.read_bytes(GROUPED.read_bytes().replace(b"Printed 3/2/2024", b"Notes"),
                              "g.csv")
    assert table.export_date is None


# ---------------------------------------------------------------- the Data page

def upload(at, name: str, data: bytes):
    at.file_uploader(key="upload_files").set_value((name, data, "text/csv"))
    return at.run()


def test_data_page_header_row_chosen_then_imported(app, tmp_path: Path) -> None:
    from helpers_ui import problems

    at = upload(app(tmp_path / "store.duckdb", "data"), "cleanup.csv", WIDE_TITLES)
    assert problems(at) == []
    header = next(n for n in at.number_input if n.label == "Header row")
    assert header.value == 1                                   # the row the reader took
    assert at.button(key="import_button").disabled             # its columns map to nothing
    assert not any(c.label == "Fill down grouping columns" for c in at.checkbox)
    header.set_value(3).run()
    assert problems(at) == []
    assert ("The header was found on row 1; row 3 is used, as chosen."
            in [c.value for c in at.caption])
    preview = next(d.value for d in at.dataframe if "Email" in d.value.columns)
    assert list(preview["Email"]) == ["ana@example.org", "bob@example.org"]
    at.button(key="import_button").click().run()
    [done] = [s.value for s in at.success]
    assert "2 accepted, 0 rejected" in done and "note: header on row 3, as chosen" in done
    # a row beyond the file: said, and nothing offered for import
    next(n for n in at.number_input if n.label == "Header row").set_value(9).run()
    assert ("cleanup.csv has 5 row(s): header row 9 is not among them; choose a row from 1 "
            "to 5") in [w.value for w in at.warning]
    assert at.button(key="import_button").disabled


def test_data_page_fill_down_checkbox(app, tmp_path: Path) -> None:
    from helpers_ui import problems

    at = upload(app(tmp_path / "store.duckdb", "data"), "sign-in grouped.csv",
                GROUPED.read_bytes())
    assert problems(at) == []
    assert next(n for n in at.number_input if n.label == "Header row").value == 4
    box = next(c for c in at.checkbox if c.label == "Fill down grouping columns")
    assert box.value is True
    box.uncheck().run()
    assert problems(at) == []
    preview = next(d.value for d in at.dataframe if "Email" in d.value.columns)
    assert list(preview["Event name"]) == ["Spring cleanup", "", "", "Food drive", ""]
    assert next(c for c in at.checkbox if c.label == "Fill down grouping columns").value is False
    at.button(key="import_button").click().run()
    [done] = [s.value for s in at.success]
    assert "2 accepted, 3 rejected" in done and "note: fill-down turned off, as chosen" in done
