"""The column mapping is a choice of the import, like the date order or the header row
(tests/test_messy_overrides.py): the import records the analyst's mapping, and the same
file imported again with a mapping that maps it differently replaces the earlier import,
never doubling its rows; the same mapping however written, or none, changes nothing.
Engine, CLI (--mapping), the fast CSV reader and the Data page's mapping editor."""
from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from engage_metrics import cli, importer
from engage_metrics.importer import _changed_mapping, import_bytes, import_files
from engage_metrics.options import ImportOptions

# two date columns: 'Date' is the one the headers map, 'Shift date' the analyst's choice
DATA = (b"Name,Email,Event,Date,Shift date,Hours\n"
        b"Ana Lopez,ana@example.org,Cleanup,2024-03-01,2024-03-02,2\n"
        b"Bob Smith,bob@example.org,Cleanup,2024-03-01,2024-03-02,3\n"
        b"Cara Diaz,cara@example.org,Food drive,2024-03-08,2024-03-09,1\n")
BY_DATE = [("Ana Lopez", date(2024, 3, 1), 2.0), ("Bob Smith", date(2024, 3, 1), 3.0),
           ("Cara Diaz", date(2024, 3, 8), 1.0)]
BY_SHIFT = [("Ana Lopez", date(2024, 3, 2), 2.0), ("Bob Smith", date(2024, 3, 2), 3.0),
            ("Cara Diaz", date(2024, 3, 9), 1.0)]


def attended(con) -> list[tuple]:
    return con.execute(
        "SELECT p.full_name, e.event_date, x.hours FROM participation x "
        "JOIN person p USING (person_id) JOIN event e USING (event_id) ORDER BY 1").fetchall()


def log(con) -> list[tuple]:
    return con.execute("SELECT import_id, rows_accepted FROM import_log ORDER BY 1").fetchall()


def imported(con, mapping: dict | None = None) -> importer.ImportResult:
    return import_bytes(con, DATA, "shifts.csv", ImportOptions(mapping=mapping))


def test_the_same_mapping_however_written_changes_nothing(store):
    first = imported(store, {"starts_at": "Shift date", "hours": None})
    assert (first.status, first.import_id, first.accepted) == ("imported", 1, 3)
    recorded = json.loads(store.execute("SELECT options FROM import_log").fetchall()[0][0])
    assert recorded["mapping"] == {"hours": "", "starts_at": "Shift date"}
    # another key order, "" for null, a field named with the column its header maps anyway,
    # or no mapping at all (no new choice): the same import
    for again in ({"hours": "", "starts_at": "Shift date"},
                  {"email": "Email", "hours": None, "starts_at": "Shift date"}, None):
        result = imported(store, again)
        assert (result.status, result.import_id, result.replaces) == ("duplicate", 1, None)
        assert result.message.startswith("already imported as import #1 on ")
    assert log(store) == [(1, 3)]
    assert attended(store) == [(n, d, None) for n, d, _ in BY_SHIFT]


def test_a_mapping_that_reads_the_same_columns_as_the_detected_one_changes_nothing(store):
    assert imported(store).import_id == 1
    same = imported(store, {"starts_at": "Date", "title": "Event"})
    assert (same.status, same.import_id) == ("duplicate", 1)


def test_another_mapping_replaces_the_earlier_import_never_doubling_it(store):
    first = imported(store)
    assert (first.status, first.import_id, first.accepted) == ("imported", 1, 3)
    assert attended(store) == BY_DATE
    moved = imported(store, {"starts_at": "Shift date"})
    assert (moved.status, moved.import_id, moved.replaces, moved.accepted) == (
        "imported", 2, 1, 3)
    assert moved.notes[-1] == ("replaces import #1 of the same file, whose columns were "
                               "mapped automatically (starts_at: 'Date' → 'Shift date')")
    assert log(store) == [(2, 3)]
    assert attended(store) == BY_SHIFT                       # 3 rows, not 6
    assert store.execute("SELECT COUNT(*) FROM raw_participation").fetchall() == [(3,)]
    # a mapping of the analyst's replaced by another one: "mapped differently"
    unmapped = imported(store, {"starts_at": "Shift date", "hours": None})
    assert (unmapped.status, unmapped.import_id, unmapped.replaces) == ("imported", 3, 2)
    assert unmapped.notes[-1] == ("replaces import #2 of the same file, whose columns were "
                                  "mapped differently (hours: 'Hours' → not mapped)")
    assert attended(store) == [(n, d, None) for n, d, _ in BY_SHIFT]
    # back to the first reading: the earlier mapping given again replaces once more
    back = imported(store, {"starts_at": "Date"})
    assert (back.status, back.import_id, back.replaces) == ("imported", 4, 3)
    assert back.notes[-1] == ("replaces import #3 of the same file, whose columns were "
                              "mapped differently (starts_at: 'Shift date' → 'Date'; "
                              "hours: not mapped → 'Hours')")
    assert log(store) == [(4, 3)] and attended(store) == BY_DATE


def test_a_mapping_changed_with_another_choice_names_both(store):
    assert imported(store).import_id == 1
    both = import_bytes(store, DATA, "shifts.csv", ImportOptions(
        mapping={"starts_at": "Shift date"}, treat_registered_as_attended=True))
    assert both.notes[-1] == (
        "replaces import #1 of the same file, imported without registrations counted as "
        "attendance and whose columns were mapped automatically (starts_at: 'Date' → "
        "'Shift date')")


def test_undoing_the_replacing_import_works_as_for_every_other_choice(store):
    """A replacement removes the earlier import's journal rows in its transaction (as for
    the date order, the header row …), so undoing it leaves neither; importing the file
    again then lands it afresh."""
    assert imported(store).import_id == 1
    assert imported(store, {"starts_at": "Shift date"}).replaces == 1
    importer.undo_import(store, 2)
    assert log(store) == [] and attended(store) == []
    again = imported(store)
    assert (again.status, again.replaces, again.accepted) == ("imported", None, 3)
    assert attended(store) == BY_DATE


def test_imports_from_before_the_mapping_was_recorded_count_as_mapped_automatically(store):
    assert imported(store, {"starts_at": "Shift date"}).import_id == 1
    old = {k: v for k, v in json.loads(store.execute(
        "SELECT options FROM import_log").fetchall()[0][0]).items() if k != "mapping"}
    store.execute("UPDATE import_log SET options = $o", {"o": json.dumps(old)})
    # the mapping the old import used is still compared: the same columns, the same import
    assert imported(store, {"starts_at": "Shift date"}).status == "duplicate"
    result = imported(store, {"starts_at": "Date"})
    assert result.notes[-1] == ("replaces import #1 of the same file, whose columns were "
                                "mapped automatically (starts_at: 'Shift date' → 'Date')")


def test_changed_mapping_in_words():
    was = {"email": "Email", "title": "Event", "starts_at": "Date", "hours": "Hours"}
    assert _changed_mapping({}, was, dict(was)) is None
    assert _changed_mapping({"mapping": {"hours": ""}}, was,
                            {**was, "hours": "", "email": "Email"}) == (
        "whose columns were mapped differently (hours: 'Hours' → not mapped)")
    # in the order of the fields, at most six, then an ellipsis
    many = {f: f"col {f}" for f in ("email", "phone", "external_id", "first_name",
                                    "last_name", "full_name", "title", "starts_at")}
    text = _changed_mapping({}, {}, many)
    assert text is not None and text.startswith(
        "whose columns were mapped automatically (email: not mapped → 'col email'; phone:")
    assert text.endswith("full_name: not mapped → 'col full_name' …)")


def test_cli_mapping_file_twice_then_another(tmp_path: Path, capsys) -> None:
    data, db = tmp_path / "shifts.csv", str(tmp_path / "s.duckdb")
    data.write_bytes(DATA)
    shift, plain = tmp_path / "shift.json", tmp_path / "plain.json"
    shift.write_text('{"starts_at": "Shift date", "hours": null}')
    plain.write_text('{"hours": null}')
    assert cli.main(["import", "--db", db, "--mapping", str(shift), str(data)]) == 0
    assert "shifts.csv: import #1" in capsys.readouterr().out
    assert cli.main(["import", "--db", db, "--mapping", str(shift), str(data)]) == 0
    assert capsys.readouterr().out.startswith("shifts.csv: already imported as import #1 on ")
    assert cli.main(["import", "--db", db, "--mapping", str(plain), str(data)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("shifts.csv: import #2 (participation, source generic): 3 rows "
                          "read, 3 accepted")
    assert ("note: replaces import #1 of the same file, whose columns were mapped "
            "differently (starts_at: 'Shift date' → 'Date')") in out
    assert cli.main(["history", "--db", db]) == 0
    history = capsys.readouterr().out.splitlines()
    assert len(history) == 2 and history[1].split()[0] == "2"


def test_the_fast_reader_compares_the_mapping_too(tmp_path: Path, store, monkeypatch):
    monkeypatch.setenv("ENGAGE_FAST_CSV_MB", "0")
    path = tmp_path / "shifts.csv"
    path.write_bytes(DATA)
    [first] = import_files(store, [path])
    assert (first.read_by, first.import_id) == ("duckdb", 1)
    [same] = import_files(store, [path], ImportOptions(mapping={"starts_at": "Date"}))
    assert (same.read_by, same.status) == ("duckdb", "duplicate")
    [moved] = import_files(store, [path], ImportOptions(mapping={"starts_at": "Shift date"}))
    assert (moved.read_by, moved.status, moved.replaces, moved.accepted) == (
        "duckdb", "imported", 1, 3)
    assert attended(store) == BY_SHIFT


# ---------------------------------------------------------------- the Data page

def test_data_page_mapping_editor_replaces_the_earlier_import(app, tmp_path: Path) -> None:
    from helpers_ui import problems

    at = app(tmp_path / "store.duckdb", "data")
    at.file_uploader(key="upload_files").set_value(("shifts.csv", DATA, "text/csv")).run()
    assert problems(at) == []
    at.button(key="import_button").click().run()
    assert [s.value for s in at.success][0].startswith("shifts.csv: import #1")
    start = next(s for s in at.selectbox if s.label == "Start date/time")
    assert start.value == "Date"
    start.set_value("Shift date").run()
    at.button(key="import_button").click().run()
    assert problems(at) == []
    [done] = [s.value for s in at.success]
    assert done.startswith("shifts.csv: import #2")
    assert ("note: replaces import #1 of the same file, whose columns were mapped "
            "automatically (starts_at: 'Date' → 'Shift date')") in done
    at.button(key="import_button").click().run()              # the same choice again
    assert [i.value for i in at.info if "already imported" in i.value][0].startswith(
        "shifts.csv: already imported as import #2")
    history = next(d.value for d in at.dataframe if "rows_accepted" in d.value.columns)
    assert list(history["import_id"]) == [2]
