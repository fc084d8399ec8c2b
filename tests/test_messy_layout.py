"""Issue 13, layout: the header under title and note rows, grouping columns filled down
(merged cells in Excel, once-per-block cells in CSV), the notes, totals and signature
lines after the data, and the sheets of one layout of a workbook in one import. The golden
files are in tests/golden/messy/layout/; each test writes out the rows it expects."""
from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pytest

from engage_metrics import cli, importer
from engage_metrics.importer import import_bytes, import_files
from engage_metrics.options import ImportOptions

GOLDEN = Path(__file__).resolve().parent / "golden" / "messy" / "layout"


def rows(con) -> list[tuple]:
    return con.execute(
        "SELECT line_no, email, full_name, title, strftime(starts_at, '%Y-%m-%d'), hours "
        "FROM raw_participation ORDER BY line_no").fetchall()


def test_csv_sign_in_with_title_rows_grouped_blocks_and_footer(store):
    data = (GOLDEN / "sign-in grouped.csv").read_bytes()
    result = import_bytes(store, data, "sign-in grouped.csv")
    assert (result.status, result.rows_read, result.accepted, result.rejected,
            result.skipped) == ("imported", 9, 5, 0, 4)
    assert rows(store) == [
        (5, "ana@example.org", "Ana Lopez", "Spring cleanup", "2024-03-02", 2.0),
        (6, "bob@example.org", "Bob Smith", "Spring cleanup", "2024-03-02", 3.0),
        (7, None, "Cara Diaz", "Spring cleanup", "2024-03-02", 2.0),     # email stays blank
        (8, "dan@example.org", "Dan Ng", "Food drive", "2024-03-09", 1.0),
        (9, "eve@example.org", "Eve Li", "Food drive", "2024-03-09", 2.0)]
    assert result.notes[:3] == [
        "header found on row 4; rows 1–3 above it skipped (a title and notes, not data): "
        "'Volunteer sign-in — Spring cleanup', 'Printed 3/2/2024', a blank row",
        "3 line(s) after the data skipped (notes, totals or signatures, not rows): "
        "line 11 'Total volunteers: 5'; line 12 'Signed: ________'; "
        "line 13 'Notes: bring gloves'",
        "filled down 'Date' (3 rows), 'Event' (3 rows): each value was written once for a "
        "block of rows and is repeated on the blank rows below it"]
    assert store.execute("SELECT COUNT(*) FROM rejected_row").fetchall() == [(0,)]
    assert import_bytes(store, data, "sign-in grouped.csv").status == "duplicate"


def test_windows_1252_hours_sheet_with_title_and_signature(store):
    result = import_bytes(store, (GOLDEN / "hours cp1252.csv").read_bytes(), "hours.csv")
    assert (result.status, result.accepted, result.rejected, result.skipped) == (
        "imported", 3, 0, 2)
    assert rows(store) == [
        (4, "jose@example.org", "José Núñez", "Tri des dons", "2024-03-23", 3.0),
        (5, "zoe@example.org", "Zoé Martin", "Tri des dons", "2024-03-23", 2.5),
        (6, "chloe@example.org", "Chloé Petit", "Accueil", "2024-03-30", 4.0)]
    assert result.notes[:3] == [
        "header found on row 3; rows 1–2 above it skipped (a title and notes, not data): "
        "'Bénévoles – relevé des heures', 'Exporté le 2024-04-02'",
        "2 line(s) after the data skipped (notes, totals or signatures, not rows): "
        "line 7 'Checked by: Marie'; line 8 'Total: 3 bénévoles'",
        "decoded as Windows-1252"]


def test_a_blank_email_or_a_column_filled_on_one_row_only_is_never_filled_down(store):
    data = (b"Email,Name,Event,Date,Program\n"
            b"a@x.org,Ana,Canvass,2024-03-02,Field\n"
            b",Bob,Canvass,2024-03-02,\n"
            b",Cara,Canvass,2024-03-02,\n"
            b"d@x.org,Dan,Canvass,2024-03-02,\n")
    result = import_bytes(store, data, "plain.csv")
    assert not any("filled down" in n for n in result.notes)
    assert store.execute("SELECT full_name, email, program FROM raw_participation "
                         "ORDER BY line_no").fetchall() == [
        ("Ana", "a@x.org", "Field"), ("Bob", None, "Unassigned"), ("Cara", None, "Unassigned"),
        ("Dan", "d@x.org", "Unassigned")]


def workbook() -> bytes:
    book = openpyxl.Workbook()
    march = book.active
    march.title = "March"
    march.append(["Volunteer sign-in — March", None, None, None])
    march.merge_cells("A1:D1")
    march.append(["Printed 4/1/2024"])
    march.append([])
    march.append(["Date", "Event", "Name", "Email"])
    march.append(["2024-03-02", "Spring cleanup", "Ana Lopez", "ana@example.org"])
    march.append([None, None, "Bob Smith", "bob@example.org"])
    march.append([None, None, "Cara Diaz", None])
    march.merge_cells("A5:A7")
    march.merge_cells("B5:B7")
    march.append(["2024-03-16", "Food drive", "Dan Ng", "dan@example.org"])
    april = book.create_sheet("April")
    april.append(["Date", "Event", "Name", "Email"])
    april.append(["2024-04-06", "Park planting", "Eve Li", "eve@example.org"])
    april.append([None, "Park planting", "Gus Ox", "gus@example.org"])
    april.merge_cells("A2:A3")
    summary = book.create_sheet("Summary")
    summary.append(["Month", "Volunteers"])
    summary.append(["March", 4])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_workbook_sheets_of_one_layout_are_one_import_with_merged_cells_filled(store):
    data = workbook()
    result = import_bytes(store, data, "sign-ins.xlsx")
    assert (result.status, result.accepted, result.rejected) == ("imported", 6, 0)
    assert rows(store) == [
        (5, "ana@example.org", "Ana Lopez", "Spring cleanup", "2024-03-02", None),
        (6, "bob@example.org", "Bob Smith", "Spring cleanup", "2024-03-02", None),
        (7, None, "Cara Diaz", "Spring cleanup", "2024-03-02", None),
        (8, "dan@example.org", "Dan Ng", "Food drive", "2024-03-16", None),
        (1_000_002, "eve@example.org", "Eve Li", "Park planting", "2024-04-06", None),
        (1_000_003, "gus@example.org", "Gus Ox", "Park planting", "2024-04-06", None)]
    assert result.notes[:4] == [
        "read 2 sheets of the same layout into one import: 'March', 'April' (line numbers of "
        "sheet n start at (n-1) × 1,000,000; each row's text starts with its sheet); not "
        "read, another layout: 'Summary'. Choose a sheet to import it instead",
        "header found on row 4; rows 1–3 above it skipped (a title and notes, not data): "
        "'Volunteer sign-in — March', 'Printed 4/1/2024', a blank row",
        "merged cells in column 'Date': its value filled into the 3 row(s) each merged cell "
        "covers",
        "merged cells in column 'Event': its value filled into the 2 row(s) each merged cell "
        "covers"]
    # one sheet still: --sheet / the Data page's selector
    april = import_bytes(store, data, "sign-ins.xlsx", ImportOptions(sheet="April"))
    assert (april.status, april.accepted) == ("imported", 2)
    assert import_bytes(store, data, "sign-ins.xlsx").status == "duplicate"


def test_a_rejected_row_of_a_later_sheet_says_its_sheet(store):
    book = openpyxl.Workbook()
    one = book.active
    one.title = "Week 1"
    one.append(["Email", "Event", "Date"])
    one.append(["a@x.org", "Canvass", "2024-03-02"])
    two = book.create_sheet("Week 2")
    two.append(["Email", "Event", "Date"])
    two.append(["b@x.org", "Canvass", "not a date"])
    out = io.BytesIO()
    book.save(out)
    result = import_bytes(store, out.getvalue(), "weeks.xlsx")
    assert (result.accepted, result.rejected) == (1, 1)
    [(line, raw)] = result.rejected_rows[["line_no", "raw"]].itertuples(index=False)
    assert (line, raw) == (1_000_002, "[Week 2] b@x.org,Canvass,not a date")


def test_cli_prints_the_layout_notes(tmp_path: Path, capsys) -> None:
    code = cli.main(["import", "--db", str(tmp_path / "s.duckdb"),
                     str(GOLDEN / "sign-in grouped.csv")])
    out = capsys.readouterr().out
    assert code == 0
    assert "note: header found on row 4" in out and "note: filled down 'Date' (3 rows)" in out


@pytest.fixture
def fast_on(monkeypatch):
    monkeypatch.setenv("ENGAGE_FAST_CSV_MB", "0")


def test_fast_reader_hands_over_a_header_under_a_title_or_a_grouped_file(store, fast_on):
    [result] = import_files(store, [GOLDEN / "sign-in grouped.csv"])
    assert (result.read_by, result.accepted) == ("python", 5)
    grouped = (b"Date,Event,Name,Email\n2024-03-02,Canvass,Ana,a@x.org\n,,Bob,b@x.org\n"
               b"2024-03-09,Rally,Cara,c@x.org\n,,Dan,d@x.org\n")
    [again] = importer.import_uploads(store, [("grouped.csv", grouped)])
    assert (again.read_by, again.accepted) == ("python", 4)
    assert any("filled down 'Date' (2 rows), 'Event' (2 rows)" in n for n in again.notes)


def test_fast_reader_lists_the_footer_like_the_python_reader(tmp_path: Path, monkeypatch):
    from engage_metrics import db

    text = (b"Email,Event,Date\na@x.org,Canvass,2024-03-02\nb@x.org,Canvass,2024-03-02\n"
            b"Signed:,________\nNotes: bring gloves\n")
    path = tmp_path / "footer.csv"
    path.write_bytes(text)
    seen = {}
    for label, mb in (("fast", "0"), ("slow", "1000000")):
        monkeypatch.setenv("ENGAGE_FAST_CSV_MB", mb)
        con = db.connect(tmp_path / f"{label}.duckdb")
        [result] = import_files(con, [path])
        seen[label] = (result.read_by, result.accepted, result.skipped, result.notes)
        con.close()
    assert seen["fast"][0] == "duckdb" and seen["slow"][0] == "python"
    assert seen["fast"][1:] == seen["slow"][1:]
    assert seen["fast"][1:3] == (2, 2)
    assert ("2 line(s) after the data skipped (notes, totals or signatures, not rows): "
            "line 4 'Signed: ________'; line 5 'Notes: bring gloves'") in seen["fast"][3]


def test_data_page_imports_every_sheet_of_the_layout_by_default_or_the_one_chosen(
        app, tmp_path: Path) -> None:
    from tests.helpers_ui import problems

    at = app(tmp_path / "store.duckdb", "data")
    at.file_uploader(key="upload_files").set_value(
        ("sign-ins.xlsx", workbook(),
         "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")).run()
    sheet = next(s for s in at.selectbox if s.label == "Sheet")
    assert sheet.options == ["All sheets of the same layout", "March", "April", "Summary"]
    assert sheet.value == "All sheets of the same layout"
    assert problems(at) == []
    at.button(key="import_button").click().run()
    assert any("6 accepted" in s.value for s in at.success)
