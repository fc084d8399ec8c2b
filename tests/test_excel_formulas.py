"""Excel formula cells without a saved value (issue 14, item 7).

A workbook written by a script or some web exports keeps its formulas but not their
results (openpyxl, for one, saves a formula cell with no value). Read for its values, such
a cell is blank: a name, a title or hours silently became blank with "0 rejected". Now each
column with such cells gets a note with their count, and a row that lacks a required value
because of one is rejected with that reason, so nothing is lost without a word."""
from __future__ import annotations

import io
import zipfile

import openpyxl

from engage_metrics import reader
from engage_metrics.importer import import_bytes
from engage_metrics.options import ImportOptions

ADVICE = ("open the file in Excel or LibreOffice and save it (that stores the values), then "
          "import it again")


def workbook(rows: list[list[object]], *, sheet: str = "Sheet") -> bytes:
    """A workbook as openpyxl saves it: a formula cell ("=…") with no saved value."""
    book = openpyxl.Workbook()
    book.active.title = sheet
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def with_saved_values(data: bytes, values: dict[str, str]) -> bytes:
    """*data* with a saved value written after each formula (cell -> value), as Excel or
    LibreOffice save it."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            body = src.read(item.filename)
            if item.filename.startswith("xl/worksheets/sheet"):
                text = body.decode()
                for ref, value in values.items():
                    start = text.index(f'<c r="{ref}"')
                    end = text.index("</c>", start)
                    cell = text[start:end]
                    fixed = (cell.replace(' t="str"', "").replace("<v></v>", "")
                             .replace("<v />", "").replace('">', '" t="str">', 1)
                             + f"<v>{value}</v>")
                    text = text[:start] + fixed + text[end:]
                body = text.encode()
            dst.writestr(item, body)
    return out.getvalue()


ROWS = [
    ["Name", "Email", "Event", "Date", "Hours"],
    ["Ana Lopez", "ana@x.org", "Canvass", "2024-03-02", 2],
    ["=A2", None, "Canvass", "2024-03-02", "=E2*2"],          # name and hours: formulas
    ["Cara Diaz", "cara@x.org", "=B9", "2024-03-02", 3],        # title: a formula
    ["Dev Shah", "dev@x.org", "Canvass", "2024-03-02", "=1+1"],  # hours: a formula
]


def test_reader_finds_the_formula_cells_without_a_saved_value():
    table = reader.read_excel(workbook(ROWS), "sheet.xlsx")
    # rows 3, 4 and 5 of the sheet; line numbers are the sheet's rows
    assert table.rows.set_index("_line")["_unsaved"].dropna().to_dict() == {
        3: "Name\x1fHours", 4: "Event", 5: "Hours"}
    notes = [n for n in table.notes if "without a saved value" in n]
    # one note per column, with the count: Name 1, Event 1, Hours 2 (rows 3 and 5)
    assert notes == [
        "column 'Name': 1 cell is a formula without a saved value (the workbook was saved "
        "without calculating it), read as blank; a row that needs this value is rejected: "
        + ADVICE,
        "column 'Event': 1 cell is a formula without a saved value (the workbook was saved "
        "without calculating it), read as blank; a row that needs this value is rejected: "
        + ADVICE,
        "column 'Hours': 2 cells are formulas without a saved value (the workbook was saved "
        "without calculating them), read as blank; a row that needs such a value is "
        "rejected: " + ADVICE,
    ]


def test_rows_that_lose_a_required_value_are_rejected_with_the_reason(store):
    result = import_bytes(store, workbook(ROWS), "sheet.xlsx")
    assert result.status == "imported", result.message
    # row 3 lost its only identifier (the name; no email), row 4 its event title; row 5
    # lost only its hours, which are not required: it lands with no hours, and the note
    # says so
    assert list(zip(result.rejected_rows.line_no, result.rejected_rows.reason,
                    strict=True)) == [
        (3, f"formula without a saved value in 'Name', 'Hours': {ADVICE}"),
        (4, f"formula without a saved value in 'Event': {ADVICE}"),
    ]
    assert (result.accepted, result.rejected) == (2, 2)
    assert any(n.startswith("column 'Hours': 2 cells are formulas") for n in result.notes)
    assert store.execute(
        "SELECT p.email, pa.hours FROM participation pa JOIN person p USING (person_id) "
        "ORDER BY 1").fetchall() == [("ana@x.org", 2.0), ("dev@x.org", None)]


def test_a_row_with_only_formula_cells_is_not_dropped_as_blank(store):
    rows = [["Name", "Event", "Date"], ["Ana Lopez", "Canvass", "2024-03-02"],
            ["=A2", "=B2", "=C2"]]
    result = import_bytes(store, workbook(rows), "blank-looking.xlsx")
    assert (result.accepted, result.rejected, result.skipped) == (1, 1, 0)
    assert result.rejected_rows.reason.tolist() == [
        f"formula without a saved value in 'Name', 'Event', 'Date': {ADVICE}"]


def test_people_and_ask_files_reject_a_lost_identifier(store):
    people = import_bytes(store, workbook([["Name", "Email"], ["=1", None],
                                           ["Bo Li", "bo@x.org"]]), "people.xlsx",
                          ImportOptions(kind="people"))
    assert people.rejected_rows.reason.tolist() == [
        f"formula without a saved value in 'Name': {ADVICE}"]
    asks = import_bytes(store, workbook([["Email", "Asked on", "Ask", "Outcome"],
                                         ["bo@x.org", "=TODAY()", "Host a meeting", "yes"],
                                         ["bo@x.org", "2024-03-02", "=A1", "yes"]]),
                        "asks.xlsx", ImportOptions(kind="ask"))
    # row 2 lost its date; row 3 its ask text, the only way to its rung
    assert asks.rejected_rows.reason.tolist() == [
        f"formula without a saved value in 'Asked on': {ADVICE}",
        f"formula without a saved value in 'Ask': {ADVICE}"]


def test_formulas_with_saved_values_read_as_their_values(store):
    data = with_saved_values(workbook(ROWS), {"A3": "Bea Park", "E3": "4", "C4": "Canvass",
                                              "E5": "2"})
    table = reader.read_excel(data, "saved.xlsx")
    assert table.rows["_unsaved"].isna().all()
    assert not [n for n in table.notes if "without a saved value" in n]
    result = import_bytes(store, data, "saved.xlsx")
    assert (result.accepted, result.rejected) == (4, 0)


def test_a_csv_has_no_formula_notes(store):
    result = import_bytes(store, b"Name,Event,Date\n=A2,Canvass,2024-03-02\n", "f.csv")
    # a CSV holds text, never a formula to calculate: "=A2" is a name kept verbatim
    assert (result.accepted, result.rejected) == (1, 0)
